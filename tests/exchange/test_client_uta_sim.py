"""BitgetClient with a unified-account (UTA) key against the simulator's v3 surface, over loopback sockets."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from bitget_desktop.domain import errors as e
from bitget_desktop.domain.market import ProductType, Timeframe
from bitget_desktop.domain.trading import (
    HoldSide,
    Intent,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionMode,
    Side,
    translate_intent,
)
from bitget_desktop.exchange.models import AccountFamily
from bitget_desktop.exchange.signing import Credentials
from tests.exchange.conftest import CREDS, PASSPHRASE, SECRET, UTA_KEY, client_for

D = Decimal
SPOT = ProductType.SPOT
USDT = ProductType.USDT_FUTURES
UTA = Credentials(UTA_KEY, SECRET, PASSPHRASE)


@pytest.fixture
async def uta(sim):
    async with client_for(sim, UTA) as c:
        assert await c.detect_account_family() is AccountFamily.UNIFIED
        yield c


async def inst_of(client, pt, symbol="BTCUSDT"):
    return next(i for i in await client.instruments(pt) if i.symbol == symbol)


def perp_req(inst, intent, mode, size, **kw):
    wire = translate_intent(intent, mode)
    return OrderRequest.build(inst, side=wire.side, order_type=kw.pop("order_type", OrderType.MARKET), size=size,
                              trade_side=wire.trade_side, reduce_only=wire.reduce_only, position_mode=mode, **kw)


def usdt(balances):
    return next(b for b in balances if b.coin == "USDT")


# -- family, account -----------------------------------------------------------------------------------------------


async def test_detected_unified_or_given(sim, uta):
    assert uta.unified
    settings = await uta.unified_settings()
    assert settings.account_mode == "unified" and settings.hold_mode is PositionMode.ONE_WAY
    async with client_for(sim, UTA, family="unified") as given:
        assert given.unified and (await given.spot_balances())  # no probe needed
    async with client_for(sim) as classic:
        assert await classic.detect_account_family() is AccountFamily.CLASSIC and not classic.unified
    async with client_for(sim, CREDS, family=AccountFamily.UNIFIED) as wrong:
        with pytest.raises(e.ClassicAccountError) as info:
            await wrong.spot_balances()  # a classic key on v3 private
        assert info.value.code == "40084"


async def test_one_wallet_for_spot_and_futures(uta):
    balances = await uta.spot_balances()
    assert usdt(balances).available == D("100000") and {"BTC", "ETH"} <= {b.coin for b in balances}
    assert [b.coin for b in await uta.spot_balances("btc")] == ["BTC"]
    (acc,) = await uta.futures_accounts(USDT)
    assert acc.margin_coin == "USDT" and acc.available == D("100000")
    assets = await uta.unified_assets()
    assert assets.account_equity > D("100000")  # USDT plus the coins at their USDT price
    # margin of a perp position comes out of the same USDT the spot side sees
    inst = await inst_of(uta, USDT)
    await uta.set_leverage(USDT, "BTCUSDT", "USDT", 10)
    await uta.place_order(perp_req(inst, Intent.OPEN_LONG, PositionMode.ONE_WAY, D("0.1")))
    (pos,) = await uta.positions(USDT)
    after = usdt(await uta.spot_balances())
    assert after.available + after.frozen < D("100000")  # the opening fee left the one wallet
    assert after.available <= D("100000") - pos.margin and after.frozen >= pos.margin * D("0.99")
    (acc,) = await uta.futures_accounts(USDT)
    assert acc.available <= D("100000") - pos.margin


async def test_instruments_match_the_classic_listing(sim, uta):
    async with client_for(sim) as classic:
        for pt in (SPOT, USDT):
            v2 = {i.symbol: i for i in await classic.instruments(pt)}
            v3 = {i.symbol: i for i in await uta.instruments(pt)}
            assert v3.keys() == v2.keys()
            for sym, i in v3.items():
                assert (i.tick_size, i.lot_size, i.min_notional) == (v2[sym].tick_size, v2[sym].lot_size,
                                                                     v2[sym].min_notional), sym
                assert i.product_type is pt and (i.margin_coin == "USDT") == pt.is_futures


async def test_market_data_on_v3(uta):
    t = await uta.ticker(USDT, "BTCUSDT")
    assert t.product_type is USDT and t.last > 0 and t.bid <= t.ask and t.mark_price
    assert {x.symbol for x in await uta.tickers(SPOT)} >= {"BTCUSDT", "ETHUSDT"}
    book = await uta.order_book(SPOT, "BTCUSDT", 20)
    best_bid, best_ask = book.best_bid(), book.best_ask()
    assert best_bid and best_ask and best_bid[0] < best_ask[0]
    candles = await uta.candles(USDT, "BTCUSDT", Timeframe.M1, limit=120)
    assert len(candles) == 120 and candles == sorted(candles, key=lambda c: c.ts)
    older = await uta.history_candles(SPOT, "BTCUSDT", Timeframe.H1, end=candles[0].ts, limit=150)
    assert 0 < len(older) <= 100 and older[-1].ts < candles[0].ts  # v3 history pages hold at most 100
    weekly = await uta.candles(SPOT, "BTCUSDT", Timeframe.W1, limit=5)  # not a v3 interval: classic public data
    assert len(weekly) == 5


# -- spot -----------------------------------------------------------------------------------------------------------


async def test_spot_limit_lifecycle(uta):
    inst = await inst_of(uta, SPOT)
    price = inst.snap_price((await uta.ticker(SPOT, "BTCUSDT")).last * D("0.8"))
    req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size=D("0.01"), price=price)
    assert len(req.client_oid) <= 32
    before = usdt(await uta.spot_balances())
    ack = await uta.place_order(req)
    assert ack.order_id and ack.client_oid == req.client_oid
    order = await uta.spot_order(client_oid=req.client_oid)
    assert (order.status, order.price, order.size, order.side) == (OrderStatus.LIVE, price, D("0.01"), Side.BUY)
    assert [o.order_id for o in await uta.spot_open_orders("BTCUSDT")] == [ack.order_id]
    held = usdt(await uta.spot_balances())
    assert held.available == before.available - price * D("0.01") and held.frozen == price * D("0.01")
    await uta.cancel_spot_order("BTCUSDT", client_oid=req.client_oid)
    assert (await uta.spot_order(order_id=ack.order_id)).status is OrderStatus.CANCELLED
    assert await uta.spot_open_orders() == []
    assert ack.order_id in {o.order_id for o in await uta.spot_order_history("BTCUSDT")}
    with pytest.raises(e.OrderNotFound):
        await uta.spot_order(client_oid="nosuchorder")
    with pytest.raises(e.OrderNotFound):
        await uta.cancel_spot_order("BTCUSDT", order_id=ack.order_id)


async def test_spot_market_buy_and_sell(uta):
    inst = await inst_of(uta, SPOT)
    buy = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.MARKET, size=D("500"))  # 500 USDT
    ack = await uta.place_order(buy)
    order = await uta.spot_order(order_id=ack.order_id)
    assert order.status is OrderStatus.FILLED and order.size == D("500") and order.filled_size > 0
    fills = await uta.spot_fills("BTCUSDT", order_id=ack.order_id)
    assert fills and sum(f.size for f in fills) == order.filled_size and all(f.fee < 0 for f in fills)
    btc = next(b for b in await uta.spot_balances() if b.coin == "BTC")
    assert btc.available > D("1")
    sell = OrderRequest.build(inst, side=Side.SELL, order_type=OrderType.MARKET, size=D("0.001"),
                              last_price=order.avg_price)
    ack = await uta.place_order(sell)
    assert (await uta.spot_order(order_id=ack.order_id)).status is OrderStatus.FILLED
    too_big = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.MARKET, size=D("10000000"))
    with pytest.raises(e.InsufficientFunds) as info:
        await uta.place_order(too_big)
    assert info.value.code == "25202"


async def test_place_after_5xx_is_resolved_by_client_oid(sim, uta, caplog):
    inst = await inst_of(uta, SPOT)
    price = inst.snap_price((await uta.ticker(SPOT, "BTCUSDT")).last * D("0.8"))
    req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size=D("0.001"), price=price)
    sim.faults.next_http_errors = [503]  # refused before handling: the lookup finds nothing, one re-send
    with caplog.at_level(logging.INFO, logger="bitget_desktop.exchange.client"):
        ack = await uta.place_order(req)
    assert "confirmed absent" in caplog.text
    same = [o for o in await uta.spot_open_orders("BTCUSDT") if o.client_oid == req.client_oid]
    assert [o.order_id for o in same] == [ack.order_id]


async def test_long_client_oid_is_refused_before_sending(uta):
    inst = await inst_of(uta, SPOT)
    req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.MARKET, size=D("10"), client_oid="x" * 33)
    with pytest.raises(ValueError):
        await uta.place_order(req)


# -- perpetuals -------------------------------------------------------------------------------------------------------


async def test_perp_one_way_open_close_and_hold_mode_refusal(uta):
    inst = await inst_of(uta, USDT)
    info = await uta.set_leverage(USDT, "BTCUSDT", "USDT", 5)
    assert info.cross_leverage == 5
    acc = await uta.futures_account(USDT, "BTCUSDT", "USDT")
    assert acc.crossed_leverage == 5 and acc.pos_mode is PositionMode.ONE_WAY
    open_long = perp_req(inst, Intent.OPEN_LONG, PositionMode.ONE_WAY, D("0.02"))
    ack = await uta.place_futures_order(open_long)
    order = await uta.futures_order(USDT, "BTCUSDT", order_id=ack.order_id)
    assert order.status is OrderStatus.FILLED and order.side is Side.BUY and not order.reduce_only
    (pos,) = await uta.positions(USDT)
    assert (pos.hold_side, pos.size, pos.leverage, pos.pos_mode) == (HoldSide.LONG, D("0.02"), 5,
                                                                     PositionMode.ONE_WAY)
    assert pos.entry_price > 0 and pos.margin > 0
    with pytest.raises(e.BitgetError) as refused:
        await uta.set_position_mode(USDT, PositionMode.HEDGE)
    assert refused.value.code == "40920"
    assert await uta.position_mode(USDT) is PositionMode.ONE_WAY
    close = perp_req(inst, Intent.CLOSE_LONG, PositionMode.ONE_WAY, D("0.01"))
    ack = await uta.place_futures_order(close)
    order = await uta.futures_order(USDT, "BTCUSDT", client_oid=close.client_oid)
    assert order.side is Side.SELL and order.reduce_only and order.status is OrderStatus.FILLED
    assert [p.size for p in await uta.position(USDT, "BTCUSDT", "USDT")] == [D("0.01")]
    res = await uta.close_positions(USDT, "BTCUSDT")
    assert res.succeeded and not res.failed
    assert await uta.positions(USDT) == []
    fills = await uta.futures_fills(USDT, "BTCUSDT")
    assert len(fills) == 3 and any(f.profit is not None for f in fills)
    history = await uta.futures_order_history(USDT, "BTCUSDT")
    assert {open_long.client_oid, close.client_oid} <= {o.client_oid for o in history}
    with pytest.raises(e.BitgetError) as nothing:
        await uta.close_positions(USDT, "BTCUSDT")
    assert nothing.value.code == "25227"


async def test_perp_hedge_open_close_both_sides(uta):
    inst = await inst_of(uta, USDT)
    assert await uta.set_position_mode(USDT, PositionMode.HEDGE) is PositionMode.HEDGE
    assert await uta.position_mode(USDT) is PositionMode.HEDGE
    hedge = PositionMode.HEDGE
    for intent in (Intent.OPEN_LONG, Intent.OPEN_SHORT):
        await uta.place_order(perp_req(inst, intent, hedge, D("0.03")))
    positions = {p.hold_side: p for p in await uta.positions(USDT)}
    assert positions.keys() == {HoldSide.LONG, HoldSide.SHORT}
    assert all(p.size == D("0.03") and p.pos_mode is hedge for p in positions.values())
    close_long = perp_req(inst, Intent.CLOSE_LONG, hedge, D("0.01"))
    await uta.place_order(close_long)
    order = await uta.futures_order(USDT, "BTCUSDT", client_oid=close_long.client_oid)
    # classic convention on the domain Order: closing a long is buy + close, with pos_side long
    assert (order.side, order.trade_side, order.pos_side) == (Side.BUY, close_long.trade_side, HoldSide.LONG)
    positions = {p.hold_side: p.size for p in await uta.positions(USDT)}
    assert positions == {HoldSide.LONG: D("0.02"), HoldSide.SHORT: D("0.03")}
    # a resting close of the short, then cancel-all and close-positions of one side
    price = inst.snap_price((await uta.ticker(USDT, "BTCUSDT")).last * D("0.8"))
    await uta.place_order(perp_req(inst, Intent.CLOSE_SHORT, hedge, D("0.01"), order_type=OrderType.LIMIT,
                                   price=price))
    (resting,) = await uta.futures_open_orders(USDT)
    assert resting.pos_side is HoldSide.SHORT and resting.side is Side.SELL
    res = await uta.cancel_all_futures_orders(USDT, "BTCUSDT")
    assert [a.order_id for a in res.succeeded] == [resting.order_id]
    res = await uta.close_positions(USDT, "BTCUSDT", HoldSide.SHORT)
    assert len(res.succeeded) == 1
    assert [(p.hold_side, p.size) for p in await uta.positions(USDT)] == [(HoldSide.LONG, D("0.02"))]
    await uta.close_positions(USDT)
    assert await uta.set_position_mode(USDT, PositionMode.ONE_WAY) is PositionMode.ONE_WAY


async def test_margin_mode_has_no_v3_endpoint(uta):
    from bitget_desktop.domain.trading import MarginMode

    with pytest.raises(e.BitgetError, match="margin mode"):
        await uta.set_margin_mode(USDT, "BTCUSDT", "USDT", MarginMode.ISOLATED)


# -- private stream (v3 socket behind the same Subscription values) ----------------------------------------------------


async def test_private_stream_on_the_v3_socket(sim, uta):
    import asyncio

    from bitget_desktop.domain.trading import Balance, FuturesAccount, Order, Position
    from bitget_desktop.exchange.stream import Push, Subscription

    async def first(events, pred, timeout=10.0):
        async def scan():
            while True:
                ev = await events.get()
                if isinstance(ev, Push) and pred(ev):
                    return ev
        return await asyncio.wait_for(scan(), timeout)

    inst = await inst_of(uta, USDT)
    async with uta.stream.events(Subscription.orders(USDT)) as orders, \
            uta.stream.events(Subscription.orders(SPOT)) as spot_orders, \
            uta.stream.events(Subscription.fills(USDT)) as fills, \
            uta.stream.events(Subscription.positions(USDT)) as positions, \
            uta.stream.events(Subscription.account(SPOT)) as spot_acc, \
            uta.stream.events(Subscription.account(USDT)) as fut_acc:
        conn = uta.stream.connection(private=True)
        assert conn.url.endswith("/v3/ws/private") and conn.v3
        await uta.stream.wait_connected(private=True, timeout=10)
        snap = await first(spot_acc, lambda ev: ev.items)
        assert all(isinstance(b, Balance) for b in snap.items) and "USDT" in {b.coin for b in snap.items}
        await first(fut_acc, lambda ev: ev.items and isinstance(ev.items[0], FuturesAccount))
        req = perp_req(inst, Intent.OPEN_SHORT, PositionMode.ONE_WAY, D("0.01"))
        await uta.place_order(req)
        ev = await first(orders, lambda ev: any(o.client_oid == req.client_oid and o.status is OrderStatus.FILLED
                                                for o in ev.items))
        o = next(o for o in ev.items if o.client_oid == req.client_oid)
        assert isinstance(o, Order) and o.side is Side.SELL and o.product_type is USDT
        ev = await first(fills, lambda ev: any(f.order_id == o.order_id for f in ev.items))
        assert ev.items[0].product_type is USDT and ev.items[0].fee < 0
        ev = await first(positions, lambda ev: any(p.size for p in ev.items))
        (pos,) = [p for p in ev.items if p.size]
        assert isinstance(pos, Position) and pos.hold_side is HoldSide.SHORT and pos.size == D("0.01")
        await uta.close_positions(USDT)
        ended = await first(positions, lambda ev: any(p.size == 0 for p in ev.items))
        assert [p.hold_side for p in ended.items if p.size == 0] == [HoldSide.SHORT]
        spot = OrderRequest.build(await inst_of(uta, SPOT), side=Side.BUY, order_type=OrderType.MARKET,
                                  size=D("20"))
        await uta.place_order(spot)  # the spot order arrives on the spot subscription of the same topic
        ev = await first(spot_orders, lambda ev: any(o.client_oid == spot.client_oid for o in ev.items))
        assert all(o.product_type is SPOT for o in ev.items)


async def test_demo_product_types_map_to_v3_categories_and_back(uta):
    """Demo sessions ask for SUSDT-FUTURES; v3 has no demo categories, answers come back labelled as asked."""
    import asyncio

    from bitget_desktop.exchange.stream import Push, Subscription

    demo = ProductType.SUSDT_FUTURES
    inst = await inst_of(uta, demo)
    assert inst.product_type is demo and inst.margin_coin == "USDT"
    async with uta.stream.events(Subscription.positions(demo)) as positions:
        req = perp_req(inst, Intent.OPEN_LONG, PositionMode.ONE_WAY, D("0.01"))
        await uta.place_order(req)
        order = await uta.futures_order(demo, "BTCUSDT", client_oid=req.client_oid)
        assert order.product_type is demo
        assert [p.product_type for p in await uta.positions(demo)] == [demo]
        assert all(o.product_type is demo for o in await uta.futures_order_history(demo))
        assert all(f.product_type is demo for f in await uta.futures_fills(demo))

        async def pushed():
            while True:
                ev = await positions.get()
                if isinstance(ev, Push) and any(p.size for p in ev.items):
                    return ev

        ev = await asyncio.wait_for(pushed(), 10)
        assert all(p.product_type is demo for p in ev.items)
    await uta.close_positions(demo)
    assert await uta.positions(demo) == []


async def test_v3_private_socket_reconnects_and_resubscribes(sim, uta):
    import asyncio

    from bitget_desktop.exchange.stream import ConnectionEvent, Push, Subscription

    async def first(events, pred, timeout=10.0):
        async def scan():
            while True:
                ev = await events.get()
                if pred(ev):
                    return ev
        return await asyncio.wait_for(scan(), timeout)

    async with uta.stream.events(Subscription.account(SPOT)) as acc, \
            uta.stream.events(Subscription.orders(SPOT)) as orders:
        await first(acc, lambda ev: isinstance(ev, Push) and ev.items)
        assert sim.faults.drop_ws_now() >= 1
        await first(acc, lambda ev: isinstance(ev, ConnectionEvent) and ev.connected)
        await first(acc, lambda ev: isinstance(ev, Push) and ev.items)  # the snapshot again: resubscribed
        req = OrderRequest.build(await inst_of(uta, SPOT), side=Side.BUY, order_type=OrderType.MARKET, size=D("20"))
        await uta.place_order(req)
        await first(orders, lambda ev: isinstance(ev, Push) and any(o.client_oid == req.client_oid for o in ev.items))
        assert uta.stream.connection(private=True).connects == 2
