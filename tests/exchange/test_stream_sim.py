"""Websocket streams against the simulator: data, reconnects, book resnapshots, login, ping and watchdog."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from bitget_desktop.domain import errors as e
from bitget_desktop.domain.book import BookGapError
from bitget_desktop.domain.market import Candle, ProductType, PublicTrade, Ticker, Timeframe
from bitget_desktop.domain.trading import Order, OrderRequest, OrderType, Side
from bitget_desktop.exchange.signing import Credentials
from bitget_desktop.exchange.stream import BookEvent, ConnectionEvent, Push, StreamError, Subscription
from tests.exchange.conftest import KEY, SECRET, client_for

SPOT = ProductType.SPOT
USDT = ProductType.USDT_FUTURES
TIMEOUT = 10.0


async def next_matching(events, pred, timeout=TIMEOUT):
    async def scan():
        while True:
            ev = await events.get()
            if pred(ev):
                return ev

    return await asyncio.wait_for(scan(), timeout)


def is_push(ev):
    return isinstance(ev, Push) and ev.items


async def test_ticker_candles_and_trades(client):
    async with client.stream.events(Subscription.ticker(SPOT, "BTCUSDT")) as tickers, \
            client.stream.events(Subscription.candles(USDT, "BTCUSDT", Timeframe.M1)) as candles, \
            client.stream.events(Subscription.trades(SPOT, "BTCUSDT")) as trades:
        t = await next_matching(tickers, is_push)
        assert isinstance(t.items[0], Ticker) and t.items[0].symbol == "BTCUSDT" and t.items[0].last > 0
        c = await next_matching(candles, is_push)
        assert isinstance(c.items[0], Candle) and c.items[0].high >= c.items[0].low
        tr = await next_matching(trades, is_push)
        assert isinstance(tr.items[0], PublicTrade) and tr.items[0].price > 0


async def test_reconnect_after_drop_resubscribes(sim, client):
    sub = Subscription.ticker(SPOT, "ETHUSDT")
    async with client.stream.events(sub) as events:
        await next_matching(events, is_push)
        conn = client.stream.connection(private=False)
        assert conn.connects == 1
        sim.faults.drop_ws_now()
        await next_matching(events, lambda ev: isinstance(ev, ConnectionEvent) and not ev.connected)
        await next_matching(events, lambda ev: isinstance(ev, ConnectionEvent) and ev.connected)
        await next_matching(events, is_push)  # data flows again: resubscribed
        assert conn.connects == 2


@pytest.mark.parametrize("pt", [SPOT, USDT])
async def test_book_is_maintained_and_resnapshotted_after_gap(sim, client, pt):
    sub = Subscription.book(pt, "BTCUSDT")
    async with client.stream.events(sub) as events:
        first = await next_matching(events, lambda ev: isinstance(ev, BookEvent) and not ev.book.stale)
        book = first.book  # the live book object: events carry it, it always shows the latest state
        assert book.best_bid()[0] < book.best_ask()[0]
        seq0 = book.seq
        await next_matching(events, lambda ev: isinstance(ev, BookEvent) and ev.book.seq != seq0)
        sim.faults.book_gap("BTCUSDT")
        gap = await next_matching(events, lambda ev: isinstance(ev, StreamError))
        assert isinstance(gap.error, BookGapError)
        healed = await next_matching(events, lambda ev: isinstance(ev, BookEvent) and not ev.book.stale)
        assert healed.book.best_bid()[0] < healed.book.best_ask()[0]


async def test_book_goes_stale_on_disconnect_and_recovers(sim, client):
    sub = Subscription.book(SPOT, "ETHUSDT", depth=5)
    async with client.stream.events(sub) as events:
        await next_matching(events, lambda ev: isinstance(ev, BookEvent) and not ev.book.stale)
        sim.faults.drop_ws_now()
        stale = await next_matching(events, lambda ev: isinstance(ev, BookEvent) and ev.book.stale)
        assert stale.book.stale
        await next_matching(events, lambda ev: isinstance(ev, BookEvent) and not ev.book.stale)
        assert len(client.stream.book(sub).bids()) <= 5


async def test_private_orders_stream(client):
    inst = next(i for i in await client.spot_instruments() if i.symbol == "BTCUSDT")
    ticker = await client.ticker(SPOT, "BTCUSDT")
    async with client.stream.events(Subscription.orders(SPOT)) as events:
        await client.stream.wait_connected(private=True, timeout=TIMEOUT)
        await asyncio.sleep(0.2)  # let the subscribe request reach the server
        req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size=Decimal("0.001"),
                                 price=inst.snap_price(ticker.last * Decimal("0.8")))
        await client.place_spot_order(req)
        ev = await next_matching(events, lambda ev: is_push(ev) and any(
            isinstance(o, Order) and o.client_oid == req.client_oid for o in ev.items))
        assert ev.sub.channel == "orders"


async def test_private_login_rejected_is_typed_and_final(sim):
    async with client_for(sim, Credentials(KEY, SECRET, "wrong-passphrase")) as c:
        async with c.stream.events(Subscription.orders(SPOT)) as events:
            ev = await next_matching(events, lambda ev: isinstance(ev, StreamError))
            assert isinstance(ev.error, e.InvalidPassphrase) and ev.sub is None
            conn = c.stream.connection(private=True)
            assert isinstance(conn.failure, e.InvalidPassphrase)
            assert "wrong-passphrase" not in repr(conn) + str(ev.error)


async def test_watchdog_reconnects_a_silent_socket(sim):
    async with client_for(sim, ws_ping_interval=30.0, ws_silence_timeout=0.3) as c:
        sub = Subscription.ticker(SPOT, "NOPEUSDT")  # refused: nothing will ever arrive on this socket
        async with c.stream.events(sub) as events:
            await next_matching(events, lambda ev: isinstance(ev, StreamError))
            await next_matching(events, lambda ev: isinstance(ev, ConnectionEvent) and not ev.connected)
            await next_matching(events, lambda ev: isinstance(ev, ConnectionEvent) and ev.connected)
            assert c.stream.connection(private=False).connects >= 2


async def test_text_ping_keeps_a_quiet_socket_alive(sim):
    async with client_for(sim, ws_ping_interval=0.1, ws_silence_timeout=0.6) as c:
        sub = Subscription.ticker(SPOT, "NOPEUSDT")
        async with c.stream.events(sub) as events:
            await next_matching(events, lambda ev: isinstance(ev, StreamError))
            conn = c.stream.connection(private=False)
            await asyncio.sleep(1.5)  # several silence windows, bridged only by "pong"
            assert conn.connects == 1 and conn.connected.is_set() and conn.router.last_pong


async def test_private_login_with_skewed_local_clock(sim):
    import time

    async with client_for(sim, clock=lambda: time.time() + 900) as c:  # PC clock 15 min fast
        async with c.stream.events(Subscription.account(SPOT)) as events:
            await c.stream.wait_connected(private=True, timeout=TIMEOUT)
            assert c.stream.connection(private=True).failure is None
            assert abs(c.clock.offset_ms + 900_000) < 5_000
            del events


async def test_private_relogin_and_resubscribe_after_drop(sim, client):
    inst = next(i for i in await client.spot_instruments() if i.symbol == "BTCUSDT")
    ticker = await client.ticker(SPOT, "BTCUSDT")
    async with client.stream.events(Subscription.orders(SPOT)) as events:
        conn = client.stream.connection(private=True)
        await next_matching(events, lambda ev: isinstance(ev, ConnectionEvent) and ev.connected)
        sim.faults.drop_ws_now()
        await next_matching(events, lambda ev: isinstance(ev, ConnectionEvent) and not ev.connected)
        await next_matching(events, lambda ev: isinstance(ev, ConnectionEvent) and ev.connected)
        assert conn.connects == 2
        await asyncio.sleep(0.2)  # let the re-subscribe reach the server
        req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size=Decimal("0.001"),
                                 price=inst.snap_price(ticker.last * Decimal("0.8")))
        await client.place_spot_order(req)
        await next_matching(events, lambda ev: is_push(ev) and any(o.client_oid == req.client_oid for o in ev.items))


async def test_handler_api_and_unsubscribe(client):
    got: list = []
    arrived = asyncio.Event()

    def handler(ev):
        got.append(ev)
        if is_push(ev):
            arrived.set()

    sub = Subscription.ticker(USDT, "ETHUSDT")
    handle = await client.stream.subscribe(sub, handler)
    await asyncio.wait_for(arrived.wait(), TIMEOUT)
    conn = client.stream.connection(private=False)
    assert sub in conn.router.subscriptions
    await handle.close()
    assert sub not in conn.router.subscriptions
    assert isinstance(next(ev for ev in got if is_push(ev)).items[0], Ticker)


async def test_server_side_lifetime_close_is_just_a_reconnect():
    """Bitget drops every socket after 24 h; here the simulator does it after a fraction of a second."""
    from bitget_desktop.simulator import Simulator, SimulatorConfig

    async with Simulator(SimulatorConfig(seed=7, ws_max_lifetime_s=0.4)) as short_lived:
        async with client_for(short_lived, None) as c:
            async with c.stream.events(Subscription.trades(SPOT, "BTCUSDT")) as events:
                for _ in range(2):
                    await next_matching(events, lambda ev: isinstance(ev, ConnectionEvent) and not ev.connected)
                await next_matching(events, is_push)
                assert c.stream.connection(private=False).connects >= 2


async def test_futures_private_channels(client):
    from bitget_desktop.domain.trading import Fill, FuturesAccount, Position

    inst = next(i for i in await client.futures_instruments(USDT) if i.symbol == "BTCUSDT")
    async with client.stream.events(Subscription.positions(USDT)) as positions, \
            client.stream.events(Subscription.account(USDT)) as accounts, \
            client.stream.events(Subscription.fills(USDT)) as fills, \
            client.stream.events(Subscription.orders(USDT)) as orders:
        await client.stream.wait_connected(private=True, timeout=TIMEOUT)
        await asyncio.sleep(0.2)  # let the subscribe requests reach the server
        req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.MARKET, size=Decimal("0.01"))
        await client.place_futures_order(req)
        o = await next_matching(orders, lambda ev: is_push(ev) and any(x.client_oid == req.client_oid
                                                                        for x in ev.items))
        assert o.items[0].product_type is USDT
        p = await next_matching(positions, lambda ev: is_push(ev) and any(x.symbol == "BTCUSDT" for x in ev.items))
        assert isinstance(p.items[0], Position) and p.items[0].size == Decimal("0.01")
        f = await next_matching(fills, is_push)
        assert isinstance(f.items[0], Fill) and f.items[0].symbol == "BTCUSDT"
        a = await next_matching(accounts, is_push)
        assert isinstance(a.items[0], FuturesAccount) and a.items[0].margin_coin == "USDT"


@pytest.mark.parametrize("pt", [SPOT, USDT])
async def test_every_candle_interval_subscribes(client, pt):
    tfs = Timeframe.for_product(pt)
    errors: list = []
    got: dict = {}
    done = asyncio.Event()

    def handler(ev):
        if isinstance(ev, StreamError):
            errors.append((ev.sub and ev.sub.channel, ev.error))
            done.set()
        elif is_push(ev):
            got[ev.sub.channel] = ev.items[-1]
            if len(got) == len(tfs):
                done.set()

    for tf in tfs:
        await client.stream.subscribe(Subscription.candles(pt, "BTCUSDT", tf), handler)
    await asyncio.wait_for(done.wait(), TIMEOUT)
    assert errors == []
    assert set(got) == {tf.ws_channel for tf in tfs}


async def test_secrets_stay_out_of_logs(sim, caplog):
    import logging

    with caplog.at_level(logging.DEBUG):
        async with client_for(sim, Credentials(KEY, "super-secret-value", "pass-phrase-value")) as c:
            with pytest.raises(e.InvalidPassphrase):
                await c.spot_balances()
            async with c.stream.events(Subscription.orders(SPOT)) as events:
                await next_matching(events, lambda ev: isinstance(ev, StreamError))
    text = caplog.text + repr(c) + repr(c.rest) + repr(c.stream)
    assert "super-secret-value" not in text and "pass-phrase-value" not in text
