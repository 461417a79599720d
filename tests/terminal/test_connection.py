"""AccountConnection on the in-process simulator, with no Qt: connecting, failing, malformed frames, Available."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from bitget_desktop.domain.market import ProductType
from bitget_desktop.domain.trading import OrderRequest, OrderType, Side
from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.environments import local
from bitget_desktop.simulator import Simulator
from bitget_desktop.terminal.connection import CONNECTING, FAILED, READY, AccountConnection
from bitget_desktop.terminal.desk import ACKNOWLEDGED, NOT_SENT

from .sim_support import CREDS, client_for, simulator, wait_until

FUT = ProductType.USDT_FUTURES
D = Decimal


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with simulator(run_market=False) as s:
        yield s


async def connected(sim: Simulator, events: list[tuple[str, Any]] | None = None) -> AccountConnection:
    conn = AccountConnection(client_for(sim), local(sim.rest_url), account_name="Paper",
                             symbols=["SPOT:BTCUSDT"],
                             listener=(lambda k, p: events.append((k, p))) if events is not None else None)
    assert conn.status == CONNECTING and conn.desk.blocked == "Connecting to Paper…"
    conn.start()
    await wait_until(lambda: conn.status == READY, 10.0, "connected and reconciled")
    return conn


async def test_order_entry_opens_only_once_connected_and_reconciled(sim: Simulator) -> None:
    events: list[tuple[str, Any]] = []
    conn = await connected(sim, events)
    try:
        assert conn.desk.blocked is None and conn.state.reconciled
        statuses = [p for k, p in events if k == "status"]
        assert statuses == [READY]
        # what the account holds on the simulator, read before the status said ready
        assert conn.state.balances["USDT"].available == D(100_000)
        assert conn.state.futures_account("USDT") is not None
        assert conn.state.position_mode(FUT) is not None
    finally:
        await conn.aclose()
    assert conn.desk.blocked is not None  # closed: refuses new actions


async def test_an_unreachable_account_fails_with_a_reason_and_refuses_orders() -> None:
    # a port nobody listens on
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    url = f"http://127.0.0.1:{port}"
    conn = AccountConnection(BitgetClient(local(url), CREDS, timeout=2.0, retry_initial_delay=0.05), local(url),
                             account_name="Gone")
    conn.start()
    try:
        await wait_until(lambda: conn.status == FAILED, 20, "the connection failed")
        assert conn.status_text.startswith(f"Could not connect to Gone ({url})")
        assert conn.desk.blocked == conn.status_text
        assert conn.instruments == {} and conn.state.orders == {} and conn.state.balances == {}
    finally:
        await conn.aclose()


async def test_an_order_waiting_at_close_becomes_unknown_never_sending_forever(sim: Simulator) -> None:
    conn = await connected(sim)
    inst = conn.instruments["SPOT:BTCUSDT"]
    sim.faults.latency_ms = 1500  # the answer is slow: the order is in flight when the account goes away
    req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size="0.001",
                             price=str(inst.snap_price(D(50_000))))
    seen: list[str] = []
    conn.desk.listen(lambda a: seen.append(a.state) if a.key == req.client_oid else None)
    placing = asyncio.ensure_future(conn.desk.place(req))
    await wait_until(lambda: "sending" in seen, 10.0, "sending")
    await conn.aclose("switched away")
    action = conn.desk.actions[req.client_oid]
    assert action.state == "unknown" and action.detail == "switched away"
    placing.cancel()
    await asyncio.gather(placing, return_exceptions=True)
    assert conn.desk.actions[req.client_oid].state == "unknown"
    late = await conn.desk.place(OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size="0.001",
                                                    price=str(inst.snap_price(D(50_000)))))
    assert late.state == NOT_SENT  # a closed desk sends nothing


async def test_malformed_frames_are_counted_and_the_stream_carries_on(sim: Simulator) -> None:
    conn = await connected(sim)
    try:
        await wait_until(lambda: conn.book is not None, 10.0, "book")
        sim.faults.send_malformed(which="public")
        await wait_until(lambda: conn.client.stream.dropped_frames(False) > 0, 10.0, "a dropped frame")
        conn.refresh_health()
        market = conn.health.view.streams["market"]
        assert market.dropped_frames > 0 and market.last_drop_reason
        before = conn.health.view.streams["market"].last_message_ms
        sim.market.advance(sim.market.now + 60_000)
        await wait_until(lambda: conn.health.view.streams["market"].last_message_ms != before, 10.0, "later messages")
        assert market.state == "live"
    finally:
        await conn.aclose()


async def test_perp_available_is_what_the_exchange_reports_after_a_position_and_a_resting_order(
        sim: Simulator) -> None:
    conn = await connected(sim)
    try:
        inst = conn.instruments[f"{FUT.value}:BTCUSDT"]
        await conn.desk.set_leverage(inst, 20)
        opened = await conn.desk.place(OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.MARKET,
                                                          size="0.1", margin_coin="USDT"))
        assert opened.state in (ACKNOWLEDGED, "filled"), opened.error
        bid = sim.market.book(FUT.value, "BTCUSDT").bids[0][0]
        rest = await conn.desk.place(OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT,
                                                        size="0.2", price=str(bid - 500), margin_coin="USDT"))
        assert rest.state in (ACKNOWLEDGED, "live"), rest.error
        async with client_for(sim) as other:
            async def exchange_figure() -> Decimal:
                acc = await other.futures_account(FUT, "BTCUSDT", "USDT")
                assert acc.max_open is not None
                return acc.max_open

            expected = await exchange_figure()
            await wait_until(lambda: conn.state.open_available(inst) == expected, 10.0,
                             "Available equal to the exchange's")
            wallet = conn.state.futures_account("USDT")
            assert wallet is not None and expected < wallet.available  # margin of the position and order held
            assert await exchange_figure() == expected
    finally:
        await conn.aclose()
