"""Session against the in-process simulator: live data, account state, health, banners, clean close."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from ui_support import GOOD, OPEN_SESSIONS, expect_signal, simulator, wait_signal, wait_until

from bitget_desktop.domain.book import OrderBook
from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.environments import local
from bitget_desktop.exchange.signing import Credentials
from bitget_desktop.exchange.stream import BookEvent, ConnectionEvent, Subscription
from bitget_desktop.ui.session import Session


def make_session(sim: Any, symbols: list[str] | None = None) -> Session:
    env = local(sim.rest_url)
    client = BitgetClient(env, Credentials(*GOOD), ws_reconnect_initial=0.05)
    session = Session(client, env, symbols=symbols or ["SPOT:BTCUSDT"])
    OPEN_SESSIONS.append(session)
    return session


async def place_resting_buy(session: Session) -> Any:
    """A spot limit buy 10 % under the bid (it rests); returns its ack once the orders push shows it open."""
    from bitget_desktop.domain.trading import OrderRequest, OrderType, Side

    inst = session.instrument
    assert inst is not None and session.book is not None
    bid = session.book.best_bid()
    assert bid is not None
    resting = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size="0.001",
                                 price=bid[0] * Decimal("0.9"))
    ack = await session.client.place_spot_order(resting)
    await wait_until(lambda: any(o.order_id == ack.order_id for o in session.open_orders()),
                     timeout=10, what="open order pushed")
    return ack


def test_session_streams_market_and_account(qloop: Any) -> None:
    async def main() -> None:
        async with simulator() as sim:
            session = make_session(sim)
            session.start()
            (line,) = await wait_signal(session.ready, timeout=15)
            assert line.startswith("ready: ") and "BTCUSDT" in line
            assert len(session.instruments) >= 2
            assert {str(i.product_type) for i in session.instrument_list()} == {"SPOT", "USDT-FUTURES"}
            assert session.book is not None and session.book.best_bid() is not None
            assert session.health.clock_offset_ms is not None and abs(session.health.clock_offset_ms) < 1000
            assert session.health.rest_latency_ms is not None
            await wait_until(lambda: any(b.coin == "USDT" for b in session.balance_list()), what="balances")
            usdt = next(b for b in session.balance_list() if getattr(b, "coin", None) == "USDT")
            assert usdt.available == Decimal("100000")  # the funded demo account
            trades: list[Any] = []
            session.trades_added.connect(trades.extend)
            await wait_until(lambda: bool(trades), timeout=15, what="trades")
            # switch to the perpetual
            changed = expect_signal(session.symbol_changed)
            session.set_symbol("USDT-FUTURES:BTCUSDT")
            (inst,) = await asyncio.wait_for(changed, 5)
            assert str(inst.product_type) == "USDT-FUTURES"
            await wait_until(lambda: session.book is not None and session.book.product_type is not None
                             and str(session.book.product_type) == "USDT-FUTURES", what="perp book")
            health: list[Any] = []
            session.health_changed.connect(health.append)
            await wait_signal(session.health_changed)
            assert session.health.streams["market"].state == "live"
            assert session.health.streams["account"].state == "live"
            assert session.health.last_message_age_ms is not None and session.health.last_message_age_ms < 5000
            tasks = session.tasks
            assert tasks
            await session.aclose()
            assert all(t.done() for t in tasks)
            assert session.tasks == frozenset()

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_reconnect_shows_a_banner_then_clears_it(qloop: Any) -> None:
    async def main() -> None:
        async with simulator() as sim:
            session = make_session(sim)
            session.RECONNECTED_BANNER_MS = 500
            banners: list[str] = []
            session.banner_changed.connect(banners.append)
            session.start()
            await wait_signal(session.ready, timeout=15)
            assert sim.faults.drop_ws_now() >= 1
            await wait_until(lambda: any("reconnected" in b for b in banners), timeout=10, what="banner")
            await wait_until(lambda: bool(banners) and banners[-1] == "", timeout=15, what="banner cleared")
            assert session.health.streams["market"].reconnects >= 1
            assert session.health.streams["market"].state == "live"
            await session.aclose()

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_stale_book_banner(qloop: Any) -> None:
    async def main() -> None:
        async with simulator() as sim:
            session = make_session(sim)
            session.start()
            await wait_signal(session.ready, timeout=15)
            await wait_until(lambda: session.status == "ready", what="account connected and reconciled")
            inst = session.instrument
            assert inst is not None
            stale = OrderBook(inst.symbol, inst.product_type)
            stale.invalidate()
            sub = Subscription.book(inst.product_type, inst.symbol)
            session.conn._on_market(BookEvent(sub, stale))
            session._update_health()
            assert session.health.book_stale
            assert "stale" in session._banner and inst.symbol in session._banner
            # a gap injected by the simulator is healed by a fresh snapshot
            sim.faults.book_gap(inst.symbol, str(inst.product_type))
            await wait_until(lambda: session.book is not None and session.book is not stale
                             and not session.book.stale, timeout=10, what="fresh book")
            session._update_health()
            assert session._banner == ""
            session.conn._on_market(ConnectionEvent(False, False, "test"))
            session._update_health()
            assert "reconnecting" in session._banner
            await session.aclose()

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_orders_and_fills_reach_the_blotter_state(qloop: Any) -> None:
    from bitget_desktop.domain.trading import OrderRequest, OrderType, Side

    async def main() -> None:
        async with simulator() as sim:
            session = make_session(sim)
            session.start()
            await wait_signal(session.ready, timeout=15)
            await wait_until(lambda: session.health.streams.get("account") is not None
                             and session.health.streams["account"].state == "live", what="account stream")
            inst = session.instrument
            assert inst is not None
            ack = await place_resting_buy(session)
            await session.client.cancel_spot_order(inst.symbol, order_id=ack.order_id)
            await wait_until(lambda: any(o.order_id == ack.order_id for o in session.order_history()),
                             timeout=10, what="cancelled order in history")
            assert not any(o.order_id == ack.order_id for o in session.open_orders())
            taker = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.MARKET, size="50")
            ack = await session.client.place_spot_order(taker)
            await wait_until(lambda: any(f.order_id == ack.order_id for f in session.fill_list()),
                             timeout=10, what="fill pushed")

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_an_older_rest_snapshot_does_not_undo_a_newer_order_push(qloop: Any) -> None:
    from dataclasses import replace

    from bitget_desktop.domain.market import ProductType
    from bitget_desktop.domain.trading import OrderStatus
    from bitget_desktop.exchange.stream import Push

    async def main() -> None:
        async with simulator() as sim:
            session = make_session(sim)
            session.start()
            await wait_signal(session.ready, timeout=15)
            ack = await place_resting_buy(session)
            live = next(o for o in session.open_orders() if o.order_id == ack.order_id)
            # The order's next state reaches the stream while a REST snapshot (taken before it) is still on its way.
            newer = replace(live, status=OrderStatus.FILLED, filled_size=live.size, u_time=live.u_time + 60_000)
            session.conn._on_private(Push(Subscription.orders(ProductType.SPOT), "snapshot", [newer], newer.u_time))
            await session.refresh_account()
            assert not any(o.order_id == ack.order_id for o in session.open_orders())
            assert any(o.order_id == ack.order_id and o.status is OrderStatus.FILLED for o in session.order_history())
            await session.aclose()

    qloop.run_until_complete(asyncio.wait_for(main(), 60))
