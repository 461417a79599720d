"""CandleFeed against the in-process simulator over real sockets: window, scroll-back, cache, live bars, holes.

The simulator runs on a manual clock here so a test can make a minute pass at once; its market task advances
to the clock every 50 ms and the websocket pushes the forming candle on every step.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bitget_desktop.domain.market import Timeframe
from bitget_desktop.exchange.candle_cache import CandleCache
from bitget_desktop.exchange.candle_feed import CandleFeed, FeedState, env_key
from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.environments import local
from bitget_desktop.exchange.stream import Subscription
from bitget_desktop.simulator import Simulator, SimulatorConfig

M = 60_000
PT, SYMBOL = "USDT-FUTURES", "BTCUSDT"
T0 = int(datetime(2026, 6, 1, 0, 0, 30, tzinfo=UTC).timestamp() * 1000)


class ManualClock:
    """The simulator's clock (ms): moves only when a test moves it."""

    def __init__(self, t: int) -> None:
        self.t = t
        self.sim: Simulator | None = None

    def __call__(self) -> int:
        return self.t

    def move(self, t: int) -> None:
        """Set the time and bring the simulator's market there now (its pushes are queued at once)."""
        self.t = t
        if self.sim is not None:
            self.sim.market.advance(t)

    def step(self, ms: int) -> None:
        self.move(self.t + ms)


class CountingClient(BitgetClient):
    """The real client, logging each candle request it sends (method, start, end, limit)."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.calls: list[tuple[str, int | None, int | None, int]] = []

    async def candles(self, product_type, symbol, timeframe, *, start=None, end=None, limit=200):  # type: ignore[override]
        self.calls.append(("candles", start, end, limit))
        return await super().candles(product_type, symbol, timeframe, start=start, end=end, limit=limit)

    async def history_candles(self, product_type, symbol, timeframe, *, end, limit=200):  # type: ignore[override]
        self.calls.append(("history", None, end, limit))
        return await super().history_candles(product_type, symbol, timeframe, end=end, limit=limit)

    def count(self, kind: str) -> int:
        return sum(1 for c in self.calls if c[0] == kind)


class Recorder:
    """Collects a feed's callbacks; `await rec.until(pred)` waits for the next callbacks until pred() holds."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self._cond = asyncio.Condition()

    def _add(self, ev: Any) -> None:
        self.events.append(ev)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._cond:
            self._cond.notify_all()

    def kwargs(self) -> dict[str, Callable[..., Any]]:
        return dict(on_reset=lambda: self._add("reset"), on_history=lambda n: self._add(("history", n)),
                    on_live=lambda kind: self._add(kind), on_state=lambda s, m: self._add((s, m)))

    async def until(self, pred: Callable[[], bool], timeout: float = 5.0) -> None:
        async def wait() -> None:
            async with self._cond:
                await self._cond.wait_for(pred)

        await asyncio.wait_for(wait(), timeout)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
async def sim(clock: ManualClock) -> AsyncIterator[Simulator]:
    async with Simulator(SimulatorConfig(seed=7, clock=clock, tick_ms=50)) as s:
        clock.sim = s
        yield s


def make_client(sim: Simulator) -> CountingClient:
    return CountingClient(local(sim.rest_url), timeout=2.0, retry_initial_delay=0.05, ws_reconnect_initial=0.05,
                          rng=random.Random(7))


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[CountingClient]:
    async with make_client(sim) as c:
        yield c


@pytest.fixture
def cache(tmp_path: Path) -> Any:
    with CandleCache(tmp_path / "candles.sqlite") as c:
        yield c


def feed_of(client: BitgetClient, tf: str = "1m", cache: CandleCache | None = None, rec: Recorder | None = None,
            **kw: Any) -> CandleFeed:
    kw.setdefault("confirm_delay", 0.05)
    return CandleFeed(client, PT, SYMBOL, tf, cache=cache, **(rec.kwargs() if rec else {}), **kw)


async def live(clock: ManualClock, rec: Recorder, ms: int = 1_000) -> None:
    """Move the market in small steps until the feed reports a live change (its subscription may still be on
    its way to the server when a test starts moving the clock)."""
    for _ in range(50):
        rec.events.clear()
        clock.step(ms)
        try:
            await rec.until(lambda: "replaced" in rec.events or "appended" in rec.events, timeout=0.2)
            return
        except TimeoutError:
            continue
    raise AssertionError("no live candle update")


def contiguous(feed: CandleFeed) -> bool:
    return not feed.series.gaps(feed.timeframe)


def closes(sim: Simulator, tf: Timeframe, start: int, end: int) -> np.ndarray:
    """The simulator's own candles (close column) for [start, end), to compare with what the feed holds."""
    from bitget_desktop.simulator.history import parse_granularity

    gtf = parse_granularity(tf.mix_granularity)
    assert gtf is not None
    rows = sim.market.candles(PT, SYMBOL, gtf, start, end, 1000)
    spec = sim.market.instrument_spec(PT, SYMBOL)
    assert spec is not None
    return rows[:, 4] / 10**spec.price_places  # the simulator counts in ticks


# -- window and live -------------------------------------------------------------------------------------------


async def test_open_loads_the_recent_window_then_goes_live(sim: Simulator, client: CountingClient,
                                                           clock: ManualClock, cache: CandleCache) -> None:
    rec = Recorder()
    feed = feed_of(client, cache=cache, rec=rec)
    await feed.open()
    assert len(feed.series) == 1000 and contiguous(feed)
    assert feed.series.last_ts == T0 - T0 % M  # the forming minute
    assert client.calls == [("candles", None, None, 1000)]
    assert rec.events[0] == (FeedState.LOADING, "") and rec.events[-1] == (FeedState.IDLE, "")
    assert "reset" in rec.events
    stream_subs = client.stream.connection(False).router.subscriptions
    assert Subscription.candles(PT, SYMBOL, "1m") in stream_subs

    # the forming candle is updated in place
    await client.stream.wait_connected(timeout=5)
    n = len(feed.series)
    await live(clock, rec)
    assert "replaced" in rec.events and len(feed.series) == n

    # the next minute appends a bar; the one that closed is read back from REST, then cached as complete
    closed_ts = feed.series.last_ts
    assert closed_ts is not None
    client.calls.clear()
    clock.move(closed_ts + M + 1_000)
    await rec.until(lambda: "appended" in rec.events)
    assert len(feed.series) == n + 1 and feed.series.last_ts == closed_ts + M and contiguous(feed)
    assert cache.missing_ranges(feed.key, closed_ts, closed_ts + M) == [(closed_ts, closed_ts + M)]
    await feed.settle()
    assert client.calls == [("candles", closed_ts, None, 1000)]
    assert cache.missing_ranges(feed.key, closed_ts, closed_ts + M) == []
    cached = cache.load(feed.key, closed_ts, closed_ts + M)
    assert float(cached[0].close) == pytest.approx(closes(sim, Timeframe.M1, closed_ts, closed_ts + M)[0])
    await feed.close()
    assert Subscription.candles(PT, SYMBOL, "1m") not in client.stream.connection(False).router.subscriptions


async def test_values_match_the_exchange(sim: Simulator, client: CountingClient) -> None:
    feed = feed_of(client, "5m")
    await feed.open()
    ts = feed.series.ts
    want = closes(sim, Timeframe.M5, int(ts[0]), int(ts[-1]))  # closed candles only
    assert np.allclose(feed.series.close[: len(want)], want)
    await feed.close()


# -- scroll back ----------------------------------------------------------------------------------------------


async def test_paging_back_reaches_the_start_of_history_and_stops(sim: Simulator, client: CountingClient,
                                                                  cache: CandleCache) -> None:
    rec = Recorder()
    feed = feed_of(client, "4h", cache=cache, rec=rec)
    await feed.open()
    pages = 0
    while await feed.load_older():
        pages += 1
    assert feed.exhausted and feed.state is FeedState.EXHAUSTED
    assert feed.series.first_ts == sim.market.history_start_ms
    assert contiguous(feed)
    total = (feed.series.last_ts - sim.market.history_start_ms) // (4 * 3_600_000) + 1
    assert len(feed.series) == total
    assert pages == -(-(total - 1000) // 200)
    assert client.count("history") == pages + 1  # the last one answered nothing
    assert all(c[3] == 200 for c in client.calls if c[0] == "history")
    assert next(e for e in rec.events if isinstance(e, tuple) and e[0] == "history") == ("history", 200)
    # exhausted: no more requests
    assert await feed.load_older() == 0
    assert client.count("history") == pages + 1
    await feed.close()


async def test_paging_back_one_minute_candles(sim: Simulator, client: CountingClient) -> None:
    feed = feed_of(client, "1m")
    await feed.open()
    first = feed.series.first_ts
    for _ in range(3):
        assert await feed.load_older() == 200
    assert len(feed.series) == 1600 and contiguous(feed)
    assert feed.series.first_ts == first - 600 * M
    assert [c for c in client.calls if c[0] == "history"] == [
        ("history", None, first, 200), ("history", None, first - 200 * M, 200), ("history", None, first - 400 * M, 200)]
    assert not feed.exhausted and feed.state is FeedState.IDLE
    await feed.close()


async def test_concurrent_load_older_calls_share_one_request(sim: Simulator, client: CountingClient) -> None:
    feed = feed_of(client, "1m")
    await feed.open()
    results = await asyncio.gather(*(feed.load_older() for _ in range(5)))
    assert results == [200] * 5
    assert client.count("history") == 1 and len(feed.series) == 1200
    await feed.close()


# -- cache ------------------------------------------------------------------------------------------------------


async def test_second_open_is_instant_from_the_cache_and_asks_rest_for_the_new_part_only(
        sim: Simulator, clock: ManualClock, cache: CandleCache) -> None:
    async with make_client(sim) as c1:
        first = feed_of(c1, "1m", cache=cache)
        await first.open()
        for _ in range(3):
            await first.load_older()
        loaded = (first.series.ts.copy(), first.series.close.copy())
        await first.close()
    clock.step(3 * M)  # three more minutes happen while the chart is closed

    async with make_client(sim) as c2:
        rec = Recorder()
        seen_at_first_draw: list[int] = []
        second = feed_of(c2, "1m", cache=cache, rec=rec, window=1000)
        second.on_reset = lambda: (seen_at_first_draw.append(len(c2.calls)) if not seen_at_first_draw else None,
                                   rec._add("reset"))
        t0 = time.perf_counter()
        await second.open()
        opened_ms = (time.perf_counter() - t0) * 1000
        print(f"\ncache window shown after {second.cache_ms:.1f} ms; open() done after {opened_ms:.1f} ms")
        assert seen_at_first_draw == [0]  # the cached window was drawn before any request
        assert second.cache_ms is not None and second.cache_ms < 250
        # one request, for the part the cache does not know complete: from the old forming minute on
        assert c2.calls == [("candles", loaded[0][-1], None, 1000)]
        assert contiguous(second) and second.series.last_ts == loaded[0][-1] + 3 * M
        # scroll-back over the cached pages costs no request
        for _ in range(3):
            assert await second.load_older() == 200
        assert c2.count("history") == 0
        ts = second.series.ts
        i = int(np.searchsorted(ts, loaded[0][0]))
        assert np.array_equal(ts[i: i + len(loaded[0]) - 1], loaded[0][:-1])
        assert np.allclose(second.series.close[i: i + len(loaded[0]) - 1], loaded[1][:-1])
        # past the cached pages, the exchange is asked again
        assert await second.load_older() == 200
        assert c2.count("history") == 1
        await second.close()


async def test_the_end_of_history_is_remembered(sim: Simulator, cache: CandleCache) -> None:
    async with make_client(sim) as c1:
        feed = feed_of(c1, "1d", cache=cache, window=200)
        await feed.open()
        while await feed.load_older():
            pass
        assert feed.exhausted
        n = len(feed.series)
        await feed.close()
    async with make_client(sim) as c2:
        feed = feed_of(c2, "1d", cache=cache, window=200)
        await feed.open()
        while await feed.load_older():
            pass
        assert feed.exhausted and len(feed.series) == n
        assert c2.count("history") == 0
        await feed.close()


# -- holes --------------------------------------------------------------------------------------------------------


async def test_a_hole_between_cache_and_now_is_detected_and_fetched(sim: Simulator, client: CountingClient,
                                                                    clock: ManualClock, cache: CandleCache) -> None:
    now_bar = T0 - T0 % M
    # an old session cached [now-3000m, now-2000m) completely, nothing after it
    old = await client.candles(PT, SYMBOL, "1m", start=now_bar - 3000 * M, end=now_bar - 2000 * M, limit=1000)
    key = feed_of(client).key
    cache.store(key, old, (now_bar - 3000 * M, now_bar - 2000 * M))
    assert cache.missing_ranges(key, now_bar - 3000 * M, now_bar, Timeframe.M1) == [(now_bar - 2000 * M, now_bar)]
    client.calls.clear()

    feed = feed_of(client, cache=cache)
    await feed.open()
    assert contiguous(feed) and len(feed.series) == 3001
    # the window from where the cache stops (the newest 1000), then the 1001-candle hole before it, paged back
    assert client.calls == [
        ("candles", now_bar - 2000 * M, None, 1000),
        ("candles", now_bar - 2000 * M, now_bar - 999 * M, 1000),
        ("candles", now_bar - 2000 * M, now_bar - 1999 * M, 1000),
    ]
    assert cache.missing_ranges(key, now_bar - 3000 * M, now_bar, Timeframe.M1) == []
    await feed.close()


async def test_a_hole_in_the_live_stream_is_filled(sim: Simulator, client: CountingClient,
                                                   clock: ManualClock) -> None:
    rec = Recorder()
    feed = feed_of(client, rec=rec)
    await feed.open()
    await client.stream.wait_connected(timeout=5)
    last = feed.series.last_ts
    assert last is not None
    client.calls.clear()
    clock.move(last + 5 * M + 1_000)  # the market jumps: the socket only brings the newest bars
    await rec.until(lambda: feed.series.last_ts == last + 5 * M and contiguous(feed))
    # the socket brought only the newest bar(s): the hole from the bar after `last` up to them is fetched
    assert any(c[:2] == ("candles", last + M) and c[2] in (last + 4 * M, last + 5 * M) for c in client.calls)
    await feed.close()


async def test_reconnect_fills_the_gap(sim: Simulator, client: CountingClient, clock: ManualClock) -> None:
    rec = Recorder()
    feed = feed_of(client, rec=rec)
    await feed.open()
    await client.stream.wait_connected(timeout=5)
    conn = client.stream.connection(False)
    assert conn.connects == 1
    last = feed.series.last_ts
    assert last is not None
    client.calls.clear()
    # five hours pass while the socket is down: more than the 200-candle snapshot a resubscribe brings
    assert sim.faults.drop_ws_now() >= 1
    clock.move(last + 300 * M + 1_000)
    await rec.until(lambda: conn.connects == 2 and feed.series.last_ts == last + 300 * M and contiguous(feed))
    assert ("candles", last, None, 1000) in client.calls
    assert len(feed.series) == 1000 + 300
    want = closes(sim, Timeframe.M1, last, last + 300 * M)
    i = int(np.searchsorted(feed.series.ts, last))
    assert np.allclose(feed.series.close[i: i + 300], want)
    # and live bars keep coming on the new socket
    rec.events.clear()
    clock.step(M)
    await rec.until(lambda: "appended" in rec.events)
    await feed.close()


# -- interval switch ------------------------------------------------------------------------------------------------


async def test_interval_switch_closes_one_feed_and_opens_another(sim: Simulator, client: CountingClient,
                                                                 clock: ManualClock, cache: CandleCache) -> None:
    rec1 = Recorder()
    one = feed_of(client, "1m", cache=cache, rec=rec1)
    await one.open()
    await client.stream.wait_connected(timeout=5)
    router = client.stream.connection(False).router
    await one.close()
    assert Subscription.candles(PT, SYMBOL, "1m") not in router.subscriptions

    rec5 = Recorder()
    five = feed_of(client, "5m", cache=cache, rec=rec5)
    await five.open()
    assert Subscription.candles(PT, SYMBOL, "5m") in router.subscriptions
    assert np.all(np.diff(five.series.ts) == 5 * M) and len(five.series) == 1000
    n1 = len(one.series)
    events1 = len(rec1.events)
    await live(clock, rec5, 1_000)  # the new subscription is live
    last = five.series.last_ts
    clock.move(last + 5 * M + 1_000)
    await rec5.until(lambda: "appended" in rec5.events)
    assert len(one.series) == n1 and len(rec1.events) == events1  # the closed feed hears nothing
    assert five.key != one.key and cache.count(one.key) > 0 and cache.count(five.key) > 0
    await five.close()


async def test_rest_failure_ends_in_error_state_and_keeps_live(sim: Simulator, client: CountingClient,
                                                               clock: ManualClock) -> None:
    rec = Recorder()
    feed = feed_of(client, rec=rec)
    sim.faults.next_http_errors.extend([500] * 10)
    await feed.open()
    assert feed.state is FeedState.ERROR and feed.error
    sim.faults.next_http_errors.clear()
    await client.stream.wait_connected(timeout=5)
    await rec.until(lambda: len(feed.series) > 0)  # the websocket snapshot still arrives
    await feed.close()


def test_env_key() -> None:
    from bitget_desktop.exchange.environments import DEMO, LIVE

    assert env_key(LIVE) == "live" and env_key(DEMO) == "demo"
    assert env_key(local("http://127.0.0.1:1")) == "local:Simulator"


async def test_spot_feed(sim: Simulator, client: CountingClient, clock: ManualClock, cache: CandleCache) -> None:
    rec = Recorder()
    feed = CandleFeed(client, "SPOT", "ETHUSDT", "15m", cache=cache, **rec.kwargs())
    await feed.open()
    assert len(feed.series) == 1000 and contiguous(feed)
    assert await feed.load_older() == 200
    assert feed.key.product_type == "SPOT" and cache.count(feed.key) == 1200
    await live(clock, rec)
    await feed.close()


async def test_close_while_opening_leaves_no_subscription(sim: Simulator, client: CountingClient) -> None:
    feed = feed_of(client, "1m")
    opening = asyncio.ensure_future(feed.open())
    await asyncio.sleep(0)  # open() is now waiting for its REST answer
    await feed.close()
    await opening
    assert feed.closed
    conn = client.stream.connection(False)
    assert Subscription.candles(PT, SYMBOL, "1m") not in conn.router.subscriptions
    assert await feed.load_older() == 0
