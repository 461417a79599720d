"""Book ladder: aggregation by tick multiples, the ladder against the simulator's own book after thousands of
updates, stale marking during a forced gap, and a click on a level filling the order ticket's price."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path
from typing import Any

from hypothesis import given, settings, strategies as st
from PySide6.QtCore import Qt
from ui_support import OPEN_SESSIONS, simulator, wait_signal, wait_until, window_for

from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.environments import local
from bitget_desktop.exchange.stream import BookEvent, Subscription
from bitget_desktop.ui.book_ladder import BookLadder
from bitget_desktop.ui.models.book import BookModel, aggregate
from bitget_desktop.ui.session import Session

PT, SYMBOL = "USDT-FUTURES", "BTCUSDT"
T0 = int(datetime(2026, 6, 1, 0, 0, 30, tzinfo=UTC).timestamp() * 1000)


# -- aggregation ---------------------------------------------------------------------------------------------------
def test_aggregate_rounds_bids_down_and_asks_up() -> None:
    bids = [(D("100.07"), D("1")), (D("100.01"), D("2")), (D("100.00"), D("4")), (D("99.99"), D("8"))]
    asks = [(D("100.08"), D("1")), (D("100.10"), D("2")), (D("100.11"), D("4")), (D("100.25"), D("8"))]
    step = D("0.1")
    assert aggregate(bids, step, "bid") == [(D("100.0"), D("7")), (D("99.9"), D("8"))]
    assert aggregate(asks, step, "ask") == [(D("100.1"), D("3")), (D("100.2"), D("4")), (D("100.3"), D("8"))]
    assert aggregate(asks, step, "ask", limit=2) == [(D("100.1"), D("3")), (D("100.2"), D("4"))]
    assert aggregate(bids, None, "bid", limit=2) == bids[:2]
    # the best bid bucket never reaches the best ask bucket
    assert aggregate(bids, D("1"), "bid")[0][0] < aggregate(asks, D("1"), "ask")[0][0]


@settings(max_examples=200, deadline=None)
@given(ticks=st.lists(st.integers(1, 20_000), min_size=1, max_size=60, unique=True),
       sizes=st.lists(st.integers(1, 10_000), min_size=60, max_size=60),
       multiple=st.sampled_from([1, 10, 100, 1000]), side=st.sampled_from(["bid", "ask"]))
def test_aggregate_matches_integer_buckets(ticks: list[int], sizes: list[int], multiple: int, side: str) -> None:
    tick = D("0.01")
    order = sorted(ticks, reverse=side == "bid")
    levels = [(t * tick, s * D("0.001")) for t, s in zip(order, sizes, strict=False)]
    # reference: integer tick buckets (floor for bids, ceiling for asks), summed in integer lots
    buckets: dict[int, int] = {}
    for t, s in zip(order, sizes, strict=False):
        b = (t // multiple if side == "bid" else -(-t // multiple)) * multiple
        buckets[b] = buckets.get(b, 0) + s
    want = [(b * tick, buckets[b] * D("0.001")) for b in sorted(buckets, reverse=side == "bid")]
    got = aggregate(levels, tick * multiple, side)
    assert got == want
    assert sum(s for _, s in got) == sum(s for _, s in levels)


def test_model_stale_greys_and_aggregates(qtmodeltester: Any) -> None:
    m = BookModel(depth=3)
    m.set_places(2, 3)
    m.set_step(D("0.1"))
    m.set_book([(D("99.98"), D("1")), (D("99.91"), D("1")), (D("99.89"), D("5"))],
               [(D("100.01"), D("2")), (D("100.09"), D("1")), (D("100.11"), D("3"))])
    qtmodeltester.check(m, force_py=True)
    assert [m.data(m.index(r, 0)) for r in range(6)] == [None, "100.2", "100.1", "99.9", "99.8", None]
    assert m.data(m.index(2, 1)) == "3.000" and m.data(m.index(3, 2)) == "2.000" and m.data(m.index(4, 2)) == "7.000"
    assert m.data(m.index(4, 0), BookModel.DEPTH_ROLE) == 1.0
    assert m.data(m.index(2, 0), Qt.ItemDataRole.ForegroundRole) == m.ask_colour
    m.set_stale(True)
    assert m.data(m.index(2, 0), Qt.ItemDataRole.ForegroundRole) == m.stale_colour
    assert m.data(m.index(2, 1), Qt.ItemDataRole.ForegroundRole) == m.stale_colour


# -- against the simulator -----------------------------------------------------------------------------------------
class ManualClock:
    """The simulator's clock (ms): it moves only when the test moves it, so the market can be made quiet."""

    def __init__(self, t: int) -> None:
        self.t = t
        self.sim: Any = None

    def __call__(self) -> int:
        return self.t

    def step(self, ms: int) -> None:
        self.t += ms
        if self.sim is not None:
            self.sim.market.advance(self.t)


def ladder_for(qtbot: Any, sim: Any) -> tuple[BookLadder, Session]:
    env = local(sim.rest_url)
    session = Session(BitgetClient(env, ws_reconnect_initial=0.05), env, symbols=[f"{PT}:{SYMBOL}"])
    OPEN_SESSIONS.append(session)
    ladder = BookLadder(BookModel(10))
    qtbot.addWidget(ladder)
    ladder.resize(320, 520)
    ladder.show()
    ladder.bind_session(session)
    session.symbol_changed.connect(ladder.set_instrument)
    session.book_changed.connect(lambda: ladder.show_book(session.book))
    session.start()
    return ladder, session


def reference(sim: Any, multiple: int, depth: int = 10) -> tuple[list[Any], list[Any]]:
    """The simulator's book, aggregated independently in integer ticks."""
    book = sim.market.book(PT, SYMBOL, 1000)
    tick = sim.market.instrument_spec(PT, SYMBOL)
    step = D(1).scaleb(-tick.price_places) * multiple if multiple > 1 else None
    if step is None:
        return book.bids[:depth], book.asks[:depth]
    out = []
    for side, levels in (("bid", book.bids), ("ask", book.asks)):
        buckets: dict[int, D] = {}
        for p, s in levels:
            t = int(p / step) if side == "bid" or p % step == 0 else int(p / step) + 1
            buckets[t] = buckets.get(t, D(0)) + s
        keys = sorted(buckets, reverse=side == "bid")[:depth]
        out.append([(k * step, buckets[k]) for k in keys])
    return out[0], out[1]


async def quiet(sim: Any, session: Session) -> None:
    """Wait until the client's book has every update the simulator made, then for the next coalesced flush."""
    sim_seq = sim.market.book_strings(PT, SYMBOL, 1)[2]
    await wait_until(lambda: session.book is not None and not session.book.stale and session.book.seq == sim_seq,
                     what="client book caught up")
    await wait_signal(session.book_changed)


def test_ladder_matches_the_simulator_book_after_thousands_of_updates(qloop: Any, qtbot: Any) -> None:
    clock = ManualClock(T0)

    async def main() -> None:
        async with simulator(clock=clock, tick_ms=5) as sim:
            clock.sim = sim
            ladder, session = ladder_for(qtbot, sim)
            await wait_signal(session.ready, timeout=15)
            updates = 0

            def count(ev: Any) -> None:
                nonlocal updates
                updates += isinstance(ev, BookEvent)

            handle = await session.client.stream.subscribe(Subscription.book(PT, SYMBOL), count)
            stale_seen: list[bool] = []
            ladder.stale_changed.connect(stale_seen.append)
            for i in range(3000):
                clock.step(20)
                if i % 20 == 0:
                    await asyncio.sleep(0.002)
            await quiet(sim, session)
            await handle.close()
            assert updates >= 2000, updates
            assert stale_seen == []  # no update was lost on the way
            assert ladder.model.depth == ladder.view.viewport().height() // 20 // 2  # as deep as the dock has room
            bids, asks = reference(sim, 1, ladder.model.depth)
            assert ladder.model.bids == bids and ladder.model.asks == asks
            text = ladder.spread_label.text()
            assert text.startswith(f"spread {asks[0][0] - bids[0][0]}") and "mid " in text
            # aggregated by 10 and 100 ticks, against the reference computed in integers
            for multiple in (10, 100):
                ladder.set_multiple(multiple)
                want_bids, want_asks = reference(sim, multiple, ladder.model.depth)
                assert ladder.model.bids == want_bids and ladder.model.asks == want_asks, multiple
            assert [ladder.step_box.itemText(i) for i in range(ladder.step_box.count())] == ["0.1", "1", "10", "100"]
            # the depth bars: cumulative share, largest at the far end of each side
            m = ladder.model
            shares = [m.index(r, 0).data(BookModel.DEPTH_ROLE) or 0.0 for r in range(m.rowCount())]
            assert max(shares) == 1.0 and shares[: m.depth] == sorted(shares[: m.depth], reverse=True)
            ladder.set_multiple(1)

    qloop.run_until_complete(asyncio.wait_for(main(), 90))


def test_ladder_is_stale_marked_during_a_forced_gap(qloop: Any, qtbot: Any) -> None:
    clock = ManualClock(T0)

    async def main() -> None:
        async with simulator(clock=clock, tick_ms=5) as sim:
            clock.sim = sim
            ladder, session = ladder_for(qtbot, sim)
            await wait_signal(session.ready, timeout=15)
            await quiet(sim, session)
            assert not ladder.stale and not ladder.stale_label.isVisible()
            marks: list[bool] = []
            ladder.stale_changed.connect(marks.append)
            sim.faults.book_gap(SYMBOL, PT)
            for _ in range(200):
                clock.step(20)
                await asyncio.sleep(0.002)
                if marks:
                    break
            await wait_until(lambda: bool(marks), what="stale mark")
            assert marks[0] is True
            assert ladder.model.stale and ladder.stale_label.isVisible()
            grey = ladder.model.data(ladder.model.index(0, 0), Qt.ItemDataRole.ForegroundRole)
            assert grey in (None, ladder.model.stale_colour)  # every filled row is greyed
            assert ladder.model.data(ladder.model.index(ladder.model.depth, 0),
                                     Qt.ItemDataRole.ForegroundRole) == ladder.model.stale_colour
            # the stream re-snapshots; the mark goes once the fresh book has been shown for a moment
            await wait_until(lambda: marks == [True, False], timeout=10, what="fresh again")
            assert not ladder.stale_label.isVisible()
            for _ in range(50):
                clock.step(20)
            await quiet(sim, session)
            bids, asks = reference(sim, 1, ladder.model.depth)
            assert ladder.model.bids == bids and ladder.model.asks == asks

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_clicking_a_level_fills_the_ticket_price(qloop: Any, qtbot: Any, tmp_path: Path) -> None:

    async def main() -> None:
        async with simulator() as sim:
            win = window_for(qtbot, sim, tmp_path, size=(1500, 900))
            session = win.session
            await wait_signal(session.ready, timeout=15)
            model = win.book_model
            await wait_until(lambda: model.level(model.depth) is not None and model.level(model.depth - 1)
                             is not None, what="book rows")
            win.book_ladder.set_multiple(10)
            await wait_signal(session.book_changed)
            for row in (model.depth, model.depth - 1):  # best bid, best ask
                found = model.level(row)
                assert found is not None
                rect = win.book_view.visualRect(model.index(row, 0))
                qtbot.mouseClick(win.book_view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
                ticket = win.trading.current_ticket()
                assert D(ticket.price.edit.text()) == found[1][0]
                assert found[1][0] % D("0.1") == 0  # a 10-tick bucket price (the spot tick is 0.01)

    qloop.run_until_complete(asyncio.wait_for(main(), 60))
