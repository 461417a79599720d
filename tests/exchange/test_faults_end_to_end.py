"""Each fault the simulator injects, met by the real client; every test ends with both sides agreeing on the orders.

"Agreeing" is checked the same way everywhere: every clientOid the client sent exists exactly once in the
simulator's engine, the client's answer names that very order, and no other order appeared (0 lost, 0 doubled).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from bitget_desktop.domain.book import BookChecksumError
from bitget_desktop.domain.market import Instrument, ProductType
from bitget_desktop.domain.trading import Order, OrderRequest, OrderStatus, OrderType, Side
from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.models import OrderAck
from bitget_desktop.exchange.stream import BookEvent, Push, StreamError, Subscription
from bitget_desktop.simulator.faults import MALFORMED_FRAMES
from tests.exchange.conftest import KEY, client_for

SPOT = ProductType.SPOT
USDT = ProductType.USDT_FUTURES
SPOT_PLACE = "/api/v2/spot/trade/place-order"
MIX_PLACE = "/api/v2/mix/order/place-order"
D = Decimal


async def _instrument(client: BitgetClient, pt: ProductType) -> Instrument:
    found = await (client.spot_instruments() if pt is SPOT else client.futures_instruments(pt))
    return next(i for i in found if i.symbol == "BTCUSDT")


async def _resting(client: BitgetClient, pt: ProductType) -> OrderRequest:
    """A limit buy far below the market: it rests, so it is still there to be found."""
    inst = await _instrument(client, pt)
    ticker = await client.ticker(pt, "BTCUSDT")
    return OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size=D("0.01"),
                              price=inst.snap_price(ticker.last * D("0.8")))


def _agree(sim: Any, acks: dict[str, OrderAck], products: tuple[ProductType, ...] = (SPOT,)) -> None:
    """The simulator holds each sent clientOid exactly once, under the order id the client was told; no others."""
    held = [o for pt in products for o in sim.engine.orders(KEY, pt.value, open_only=None, limit=1000)]
    by_oid: dict[str, list[Any]] = {}
    for o in held:
        by_oid.setdefault(o.client_oid, []).append(o)
    assert set(by_oid) == set(acks), "an order was lost or one appeared that the client never sent"
    for coid, ack in acks.items():
        assert len(by_oid[coid]) == 1, f"{coid} placed {len(by_oid[coid])} times"
        assert ack.order_id == by_oid[coid][0].order_id and ack.client_oid == coid


async def _until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not check():
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.02)


# -- REST: the answer lost, a 5xx after processing, latency on one endpoint ----------------------------------------


@pytest.mark.parametrize("pt,path", [(SPOT, SPOT_PLACE), (USDT, MIX_PLACE)], ids=["spot", "futures"])
async def test_answer_lost_after_the_order_was_processed(sim, pt: ProductType, path: str) -> None:
    async with client_for(sim, resolve_settle=0.2) as client:
        req = await _resting(client, pt)
        sim.faults.lose_answer(path)
        ack = await client.place_order(req)
        other = await _resting(client, pt)
        acks = {req.client_oid: ack, other.client_oid: await client.place_order(other)}
    assert path not in sim.faults.after_processing  # the fault was used
    _agree(sim, acks, (pt,))


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_error_after_the_order_was_processed(sim, status: int) -> None:
    async with client_for(sim) as client:
        req = await _resting(client, SPOT)
        sim.faults.error_after(SPOT_PLACE, status)
        acks = {req.client_oid: await client.place_order(req)}
    _agree(sim, acks)


async def test_latency_on_one_endpoint_only(sim) -> None:
    async with client_for(sim, timeout=0.6, resolve_settle=0.6) as client:
        req = await _resting(client, SPOT)
        sim.faults.endpoint_latency_ms[SPOT_PLACE] = 1500  # longer than the client waits: the answer is "lost"
        loop = asyncio.get_running_loop()
        placing = asyncio.ensure_future(client.place_order(req))
        t0 = loop.time()
        await client.ticker(SPOT, "BTCUSDT")  # other endpoints are not slowed
        assert loop.time() - t0 < 0.5
        acks = {req.client_oid: await placing}
        sim.faults.endpoint_latency_ms.clear()
        await asyncio.sleep(1.6)  # any copy still in flight lands (and is refused as a duplicate clientOid)
    _agree(sim, acks)


# -- websockets ----------------------------------------------------------------------------------------------------


class Events:
    def __init__(self) -> None:
        self.items: list[Any] = []

    def __call__(self, event: Any) -> None:
        self.items.append(event)

    def pushes(self) -> list[Push]:
        return [e for e in self.items if isinstance(e, Push)]

    def orders(self) -> list[Order]:
        return [o for p in self.pushes() for o in p.items if isinstance(o, Order)]


async def test_dropping_only_the_private_socket(sim) -> None:
    async with client_for(sim) as client:
        orders, tickers = Events(), Events()
        await client.stream.subscribe(Subscription.orders(SPOT), orders)
        await client.stream.subscribe(Subscription.ticker(SPOT, "BTCUSDT"), tickers)
        public, private = client.stream.connection(False), client.stream.connection(True)
        await _until(lambda: public.connected.is_set() and private.connected.is_set())
        assert sim.faults.drop_private_now() == 1
        await _until(lambda: private.connects == 2 and private.connected.is_set())
        assert public.connects == 1 and public.connected.is_set()
        n = len(tickers.pushes())
        await _until(lambda: len(tickers.pushes()) > n)
        req = await _resting(client, SPOT)
        acks = {req.client_oid: await client.place_order(req)}
        await _until(lambda: any(o.client_oid == req.client_oid for o in orders.orders()))
    _agree(sim, acks)


async def test_a_socket_that_stays_open_but_goes_silent(sim) -> None:
    async with client_for(sim, ws_ping_interval=0.2, ws_silence_timeout=0.8) as client:
        orders = Events()
        await client.stream.subscribe(Subscription.orders(SPOT), orders)
        private = client.stream.connection(True)
        await _until(lambda: private.connected.is_set())
        assert sim.faults.silence_ws("private") == 1
        await _until(lambda: private.connects == 2 and private.connected.is_set())  # the watchdog replaced it
        req = await _resting(client, SPOT)
        acks = {req.client_oid: await client.place_order(req)}
        await _until(lambda: any(o.client_oid == req.client_oid for o in orders.orders()))
    _agree(sim, acks)


def _latest(orders: list[Order]) -> dict[str, Order]:
    """The pushes merged as a terminal must: per order, the state with the newest update time wins."""
    out: dict[str, Order] = {}
    for o in orders:
        if o.order_id not in out or o.u_time >= out[o.order_id].u_time:
            out[o.order_id] = o
    return out


async def test_duplicate_and_out_of_order_private_pushes(sim) -> None:
    async with client_for(sim) as client:
        orders = Events()
        await client.stream.subscribe(Subscription.orders(SPOT), orders)
        await _until(lambda: client.stream.connection(True).connected.is_set())
        sim.faults.duplicate_private = 3
        sim.faults.reorder_private = 2
        acks: dict[str, OrderAck] = {}
        for _ in range(3):
            req = await _resting(client, SPOT)
            acks[req.client_oid] = await client.place_order(req)
            await asyncio.sleep(0.01)  # distinct update times
        first = next(iter(acks.values()))
        await client.cancel_spot_order("BTCUSDT", order_id=first.order_id)
        later = await _resting(client, SPOT)  # one more push, so nothing stays held back
        acks[later.client_oid] = await client.place_order(later)
        want = {a.order_id for a in acks.values()}
        await _until(lambda: want <= set(_latest(orders.orders())) and
                     _latest(orders.orders())[first.order_id].status is OrderStatus.CANCELLED)
        seen = orders.orders()
        assert len(seen) > len({(o.order_id, o.status) for o in seen})  # duplicates did arrive
        merged = _latest(seen)
        assert set(merged) == want
        for coid, ack in acks.items():
            assert merged[ack.order_id].status is (await client.spot_order(client_oid=coid)).status
    assert sim.faults.duplicate_private == 0 and sim.faults.reorder_private == 0
    _agree(sim, acks)


async def test_a_corrupted_checksum_resyncs_the_book(sim) -> None:
    async with client_for(sim) as client:
        events = Events()
        sub = Subscription.book(SPOT, "BTCUSDT")
        await client.stream.subscribe(sub, events)
        await _until(lambda: any(isinstance(e, BookEvent) and not e.book.stale for e in events.items))
        sim.faults.corrupt_checksum("BTCUSDT")
        await _until(lambda: any(isinstance(e, StreamError) and isinstance(e.error, BookChecksumError)
                                 for e in events.items))
        broken_at = len(events.items)
        # Fresh snapshot, then updates whose (correct) checksums the book verifies again.
        await _until(lambda: sum(isinstance(e, BookEvent) and not e.book.stale
                                 for e in events.items[broken_at:]) >= 3)
        conn = client.stream.connection(False)
        assert conn.connects == 1 and conn.router.dropped_frames == 0  # resubscribed, not reconnected
        book = client.stream.book(sub)
        assert book is not None and not book.stale and book.best_bid() < book.best_ask()
        req = await _resting(client, SPOT)  # trading is untouched by a book's resync
        acks = {req.client_oid: await client.place_order(req)}
    _agree(sim, acks)


async def test_malformed_frames_are_dropped_and_counted_while_everything_carries_on(sim) -> None:
    async with client_for(sim) as client:
        orders, tickers, books = Events(), Events(), Events()
        await client.stream.subscribe(Subscription.orders(SPOT), orders)
        await client.stream.subscribe(Subscription.ticker(SPOT, "BTCUSDT"), tickers)
        await client.stream.subscribe(Subscription.book(SPOT, "BTCUSDT"), books)
        public, private = client.stream.connection(False), client.stream.connection(True)
        await _until(lambda: public.connected.is_set() and private.connected.is_set() and tickers.pushes())
        await _until(lambda: any(isinstance(e, BookEvent) and not e.book.stale for e in books.items))
        assert sim.faults.send_malformed() == 2
        await _until(lambda: public.router.dropped_frames >= len(MALFORMED_FRAMES) - 1 and
                     private.router.dropped_frames >= 3)
        n = len(tickers.pushes())
        await _until(lambda: len(tickers.pushes()) > n)  # the public stream carries on
        req = await _resting(client, SPOT)
        acks = {req.client_oid: await client.place_order(req)}
        await _until(lambda: any(o.client_oid == req.client_oid for o in orders.orders()))
        assert public.connects == 1 and private.connects == 1  # no reconnect was needed
        reason = client.stream.last_drop_reason(private=False)
        assert reason and not reason.startswith("unexpected")
        assert client.stream.dropped_frames() == public.router.dropped_frames + private.router.dropped_frames
    _agree(sim, acks)
