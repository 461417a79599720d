"""The client reads a position's TP/SL orders (orders-plan-pending, planType=profit_loss) from the simulator."""

from __future__ import annotations

from decimal import Decimal

from bitget_desktop.domain.market import ProductType
from bitget_desktop.domain.trading import HoldSide, OrderRequest
from bitget_desktop.exchange.models import TpslPlan

FUT = ProductType.USDT_FUTURES


async def test_presets_of_a_filled_opening_order_become_the_positions_tpsl_orders(client) -> None:
    inst = next(i for i in await client.futures_instruments(FUT) if i.symbol == "BTCUSDT")
    last = (await client.ticker(FUT, "BTCUSDT")).last
    tp, sl = inst.snap_price(last * Decimal("1.05")), inst.snap_price(last * Decimal("0.85"))
    assert await client.futures_tpsl_orders(FUT) == []
    # a resting order's presets are not orders yet
    await client.place_futures_order(OrderRequest.build(
        inst, side="buy", order_type="limit", size="0.01", price=inst.snap_price(last * Decimal("0.9")),
        margin_mode="crossed", margin_coin="USDT", preset_take_profit=tp, preset_stop_loss=sl))
    assert await client.futures_tpsl_orders(FUT) == []
    await client.place_futures_order(OrderRequest.build(
        inst, side="buy", order_type="market", size="0.01", margin_mode="crossed", margin_coin="USDT",
        preset_take_profit=tp, preset_stop_loss=sl))
    plans = await client.futures_tpsl_orders(FUT)
    assert all(isinstance(p, TpslPlan) for p in plans)
    assert sorted((p.plan_type, p.hold_side, p.trigger_price, p.size) for p in plans) == [
        ("loss_plan", HoldSide.LONG, sl, Decimal("0.01")), ("profit_plan", HoldSide.LONG, tp, Decimal("0.01"))]
    assert [p.take_profit for p in sorted(plans, key=lambda p: p.plan_type)] == [False, True]
