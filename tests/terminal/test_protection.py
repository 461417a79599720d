"""Positions' TP/SL (terminal/protection.py) from a recorded orders-plan-pending answer and parsed orders, no Qt."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from bitget_desktop.domain.market import ProductType
from bitget_desktop.domain.trading import HoldSide, Order, OrderStatus, Position, Side, TradeSide
from bitget_desktop.exchange.classic import codec
from bitget_desktop.terminal.account import POSITIONS, AccountState
from bitget_desktop.terminal.protection import Protection, from_orders, from_plans, opened_side

FIXTURES = Path(__file__).parents[1] / "fixtures" / "bitget"
FUT = ProductType.USDT_FUTURES
D = Decimal


def recorded_plans() -> Any:
    """The simulator's orders-plan-pending (planType=profit_loss) after a hedge-mode long 0.01 with TP and SL and a
    short 0.02 with an SL only, recorded over its REST API."""
    data = json.loads((FIXTURES / "mix_order_orders_plan_pending_profit_loss_sim.json").read_text())["data"]
    return codec.parse_tpsl_plans(data, FUT)


def position(hold: str, size: str) -> Position:
    d = json.loads((FIXTURES / "mix_position_all_position.json").read_text())["data"][0]
    return replace(codec.parse_position(d, FUT), symbol="BTCUSDT", hold_side=HoldSide(hold), size=D(size))


def opening_order(**kw: Any) -> Order:
    d = json.loads((FIXTURES / "mix_order_detail_market_open_long.json").read_text())["data"]
    base = replace(codec.parse_mix_order(d, FUT), symbol="BTCUSDT", status=OrderStatus.FILLED, filled_size=D("0.01"))
    return replace(base, **kw)


def test_plans_map_to_the_positions_they_protect() -> None:
    got = from_plans(recorded_plans())
    assert got == {
        ("BTCUSDT", "USDT-FUTURES", "long"): Protection((D("127098.5"),), (D("114993.9"),), "plan"),
        ("BTCUSDT", "USDT-FUTURES", "short"): Protection((), (D("125888"),), "plan"),
    }


def test_a_one_way_whole_position_tp_shaped_as_the_docs_list_it() -> None:
    """One-way mode says posSide "net": the closing side names the position (a sell protects a long); a whole-position
    TP (pos_profit) comes before partial ones, and a trailing stop is not a fixed price."""
    rows = [
        {"planType": "profit_plan", "symbol": "ETHUSDT", "size": "0.5", "orderId": "1", "triggerPrice": "2600",
         "planStatus": "live", "side": "sell", "posSide": "net", "cTime": "2000"},
        {"planType": "pos_profit", "symbol": "ETHUSDT", "size": "", "orderId": "2", "triggerPrice": "",
         "stopSurplusTriggerPrice": "2700", "planStatus": "live", "side": "sell", "posSide": "net", "cTime": "1000"},
        {"planType": "pos_loss", "symbol": "ETHUSDT", "size": "", "orderId": "3", "triggerPrice": "2900",
         "planStatus": "live", "side": "buy", "posSide": "net", "cTime": "1000"},
        {"planType": "moving_plan", "symbol": "ETHUSDT", "size": "1", "orderId": "4", "triggerPrice": "2500",
         "planStatus": "live", "side": "sell", "posSide": "net", "cTime": "3000"},
    ]
    got = from_plans(codec.parse_tpsl_plans({"entrustedList": rows, "endId": "4"}, FUT))
    assert got == {
        ("ETHUSDT", "USDT-FUTURES", "long"): Protection((D("2700"), D("2600")), (), "plan"),
        ("ETHUSDT", "USDT-FUTURES", "short"): Protection((), (D("2900"),), "plan"),
    }


def test_presets_of_the_latest_filled_opening_order_stand_in() -> None:
    old = opening_order(order_id="a", u_time=1, preset_take_profit=D("1"), preset_stop_loss=None)
    new = opening_order(order_id="b", u_time=2, preset_take_profit=D("130000"), preset_stop_loss=D("110000"))
    resting = opening_order(order_id="c", u_time=3, status=OrderStatus.LIVE, filled_size=D(0),
                            preset_take_profit=D("5"))
    closing = opening_order(order_id="d", u_time=4, trade_side=TradeSide.CLOSE, preset_take_profit=D("6"))
    short = opening_order(order_id="e", u_time=5, side=Side.SELL, trade_side=None, pos_side=None,
                          preset_stop_loss=D("140000"), preset_take_profit=None)
    assert opened_side(closing) is None and opened_side(short) is HoldSide.SHORT
    got = from_orders([new, old, resting, closing, short])
    assert got == {
        ("BTCUSDT", "USDT-FUTURES", "long"): Protection((D("130000"),), (D("110000"),), "preset"),
        ("BTCUSDT", "USDT-FUTURES", "short"): Protection((), (D("140000"),), "preset"),
    }


def test_account_keeps_plans_while_the_position_is_the_one_they_were_read_for() -> None:
    state = AccountState()
    heard: list[str] = []
    state.listen(heard.append)
    long_ = position("long", "0.01")
    preset = opening_order(order_id="o1", u_time=9, preset_take_profit=D("131000"), preset_stop_loss=D("111000"))
    state.apply_orders([preset], state.generation)
    # before any read: the opening order's presets, marked as such
    assert state.protections.of(long_, state.orders.values()) == Protection((D("131000"),), (D("111000"),), "preset")
    assert state.protections.apply_plans(FUT, recorded_plans(), [long_], state.generation)
    assert POSITIONS in heard
    assert state.protections.of(long_, state.orders.values()) == Protection((D("127098.5"),), (D("114993.9"),))
    # the same read again changes nothing and says nothing
    heard.clear()
    assert not state.protections.apply_plans(FUT, recorded_plans(), [long_], state.generation)
    assert heard == []
    # the position grew since the read (a fill): the plans may not cover it yet, so the latest presets stand in
    grown = replace(long_, size=D("0.02"))
    assert state.protections.of(grown, state.orders.values()).source == "preset"
    # a position with no TP/SL orders on the exchange shows none, though its opening order had presets once
    assert state.protections.apply_plans(FUT, [], [long_], state.generation)
    assert state.protections.of(long_, state.orders.values()) is None
    # plans that cannot be read (None): presets again
    assert state.protections.apply_plans(FUT, None, [long_], state.generation)
    assert state.protections.of(long_, state.orders.values()).source == "preset"


def test_a_read_from_an_earlier_connection_is_not_applied() -> None:
    state = AccountState()
    assert not state.protections.apply_plans(FUT, recorded_plans(), [position("long", "0.01")], state.generation - 1)
    assert state.protections.of(position("long", "0.01"), []) is None
