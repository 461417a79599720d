"""CandleFeed: one chart's candles (cache, REST window, scroll-back pages, live websocket bars, gap repair); no Qt.

Life of a feed for one (environment, product type, symbol, timeframe):

1. ``open()`` shows what the cache holds at once (``on_reset``), asks REST ``candles`` only for what the cache does
   not know complete (the whole recent window of up to 1000 when it knows nothing), merges, repairs holes between
   the cached part and the fresh part, and subscribes to the websocket candle channel.
2. Websocket pushes update the forming candle in place (``on_live("replaced")``) or append a new one
   (``on_live("appended")``). A bar that closes is read back from REST ``confirm_delay`` later (a push need not
   carry its last trades) and then written to the cache as complete. A bar that jumps past a missing one, or a
   reconnect after the socket was down, triggers a REST fill of the hole.
3. ``load_older()`` pages back 200 at a time from the oldest loaded candle, from the cache when it knows the range
   complete and from ``history-candles`` otherwise, until the exchange answers nothing (``exhausted``; remembered in
   the cache so it is not asked again). Concurrent calls share one fetch.
4. ``close()`` unsubscribes and ends the feed's tasks. Changing the interval = close this feed, open another.

Callbacks (all optional, called on the event loop): ``on_reset()`` the series changed in bulk (redraw it all),
``on_history(n)`` n older candles were prepended, ``on_live(kind)`` one live change, ``on_state(state, message)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from bitget_desktop.domain.candles import CandleSeries, next_month_start
from bitget_desktop.domain.market import Candle, ProductType, Timeframe
from bitget_desktop.exchange.candle_cache import HISTORY_START, CacheKey, CandleCache
from bitget_desktop.exchange.environments import Environment
from bitget_desktop.exchange.stream import ConnectionEvent, Push, StreamError, Subscription, SubscriptionHandle

if TYPE_CHECKING:
    from bitget_desktop.exchange.client import BitgetClient

__all__ = ["CandleFeed", "FeedState", "env_key", "RECENT_LIMIT", "PAGE_LIMIT"]

log = logging.getLogger(__name__)

RECENT_LIMIT = 1000   # Bitget's maximum for the candles endpoint
PAGE_LIMIT = 200      # Bitget's maximum for history-candles
MAX_REPAIR = 5000     # a hole wider than this (candles) between cache and now is dropped, not fetched
CONFIRM_DELAY = 2.0   # seconds after a bar closes before its final values are read back from REST


class FeedState(StrEnum):
    LOADING = "loading"
    IDLE = "idle"
    EXHAUSTED = "exhausted"   # idle, and the exchange has nothing older
    ERROR = "error"


def env_key(environment: Environment) -> str:
    """The cache's name for an environment: ``live``, ``demo`` or ``local:<name>`` (simulators share a seed)."""
    kind = environment.kind.value
    return f"{kind}:{environment.name}" if environment.is_local else kind


def _next_ts(ts: int, tf: Timeframe) -> int:
    return next_month_start(ts) if tf.is_calendar else ts + tf.ms


class CandleFeed:
    """Candles of one chart: a domain ``CandleSeries`` kept filled from the cache, REST and the websocket."""

    def __init__(
        self,
        client: BitgetClient,
        product_type: ProductType | str,
        symbol: str,
        timeframe: Timeframe | str,
        *,
        cache: CandleCache | None = None,
        env: str | None = None,
        window: int = RECENT_LIMIT,
        page_limit: int = PAGE_LIMIT,
        max_repair: int = MAX_REPAIR,
        confirm_delay: float = CONFIRM_DELAY,
        on_reset: Callable[[], Any] | None = None,
        on_history: Callable[[int], Any] | None = None,
        on_live: Callable[[str], Any] | None = None,
        on_state: Callable[[FeedState, str], Any] | None = None,
    ) -> None:
        self.client = client
        self.product_type = ProductType.parse(product_type)
        self.symbol = symbol
        self.timeframe = Timeframe.parse(timeframe)
        self.cache = cache
        self.key = CacheKey.of(env or env_key(client.environment), self.product_type, symbol, self.timeframe)
        self.window = window
        self.page_limit = page_limit
        self.max_repair = max_repair
        self.series = CandleSeries(capacity=window + page_limit)
        self.sub = Subscription.candles(self.product_type, symbol, self.timeframe)
        self.on_reset = on_reset
        self.on_history = on_history
        self.on_live = on_live
        self.on_state = on_state
        self.state = FeedState.IDLE
        self.error = ""
        self.exhausted = False
        self.cache_ms: float | None = None   # how long the cached window took to appear (diagnostics)
        self._handle: SubscriptionHandle | None = None
        self._older: asyncio.Task[int] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.confirm_delay = confirm_delay
        self._confirm_from: int | None = None
        self._confirm_task: asyncio.Task[Any] | None = None
        self._down = False
        self._down_anchor: int | None = None
        self._opened = False
        self._closed = False

    def __repr__(self) -> str:
        return f"CandleFeed({self.product_type.value} {self.symbol} {self.timeframe.label}, {len(self.series)} candles)"

    # -- callbacks ---------------------------------------------------------------------------------------------
    def _emit(self, cb: Callable[..., Any] | None, *args: Any) -> None:
        if cb is None or self._closed:
            return
        try:
            cb(*args)
        except Exception:  # a broken view must not break the feed
            log.exception("candle feed callback failed")

    def _set_state(self, state: FeedState, message: str = "") -> None:
        if state is FeedState.IDLE and self.exhausted:
            state = FeedState.EXHAUSTED
        self.state, self.error = state, message
        self._emit(self.on_state, state, message)

    # -- cache access off the loop ----------------------------------------------------------------------------
    async def _db(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        return await asyncio.to_thread(fn, *args, **kw)

    async def _store(self, candles: list[Candle], complete: tuple[int, int] | None) -> None:
        if self.cache is not None and (candles or complete is not None):
            await self._db(self.cache.store, self.key, candles, complete)

    def _spawn(self, aw: Awaitable[Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(aw)
        task.set_name(f"candle-feed {self.symbol} {self.timeframe.label} {name}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None and not self._closed:
            exc = task.exception()
            log.warning("candle feed task %s failed: %r", task.get_name(), exc)
            self._set_state(FeedState.ERROR, str(exc))

    # -- open -----------------------------------------------------------------------------------------------------
    async def open(self) -> None:
        """Cached window now, then the fresh window from REST, then live bars. Errors end in state ERROR."""
        if self._opened:
            raise RuntimeError("a CandleFeed opens once; make a new one")
        self._opened = True
        self._set_state(FeedState.LOADING)
        t0 = time.perf_counter()
        start: int | None = None
        if self.cache is not None:
            cached: list[Candle] = await self._db(self.cache.load, self.key, limit=self.window)
            if cached:
                self.series.merge_history(cached)
                self.cache_ms = (time.perf_counter() - t0) * 1000
                self._emit(self.on_reset)
                start = await self._db(self._known_until, cached[0].ts)
                self.exhausted = await self._db(self._nothing_older, cached[0].ts)
        try:
            await self._fetch_recent(start)
            if len(self.series) and self.series.gaps(self.timeframe):
                await self.repair_gaps()
        except Exception as exc:  # noqa: BLE001 - keep what we have; live bars may still come
            log.warning("candles for %s %s: %r", self.symbol, self.timeframe.label, exc)
            self._set_state(FeedState.ERROR, _message(exc))
        if self._closed:
            return
        self._handle = await self.client.stream.subscribe(self.sub, self._on_event)
        if self.state is not FeedState.ERROR:
            self._set_state(FeedState.IDLE)

    def _nothing_older(self, first: int) -> bool:
        """The cache knows the exchange has no candle before ``first``."""
        assert self.cache is not None
        oldest = self.cache.oldest(self.key)
        return oldest is not None and oldest >= first and self.cache.history_complete(self.key, first)

    def _known_until(self, first: int) -> int | None:
        """End of the newest complete range that touches the cached rows (the REST window starts there)."""
        assert self.cache is not None
        ranges = [r for r in self.cache.coverage(self.key) if r[1] > first]
        return ranges[-1][1] if ranges else None

    async def _fetch_recent(self, start: int | None) -> None:
        page = await self.client.candles(self.product_type, self.symbol, self.timeframe, start=start,
                                         limit=self.window)
        if self._closed or not page:
            return
        fresh_start = page[0].ts
        if start is not None and len(page) < self.window:
            fresh_start = min(start, fresh_start)
        # The newest candle may still be forming: store it (a reopened chart shows it) but do not call it complete.
        await self._store(page, (fresh_start, page[-1].ts))
        before = self.series.first_ts
        gap = self._gap_candles(self.series.last_ts, page[0].ts)
        if before is not None and gap > self.max_repair:
            # The cache ends long before the fresh window: show the fresh window only (the cache keeps the rest).
            self.series.clear()
            self.exhausted = False
        self._merge_fresh(page)
        self._emit(self.on_reset)

    def _gap_candles(self, last: int | None, first: int) -> int:
        if last is None or first <= last:
            return 0
        return (first - last) // self.timeframe.ms

    def _merge_fresh(self, candles: list[Candle]) -> int:
        """Merge REST candles; where the series already has a candle, the fresh value replaces it.

        Returns how many candles were added or changed."""
        if not candles:
            return 0
        have = self.series.ts
        ts = np.fromiter((c.ts for c in candles), dtype=np.int64, count=len(candles))
        present = np.isin(ts, have) if len(have) else np.zeros(len(candles), dtype=bool)
        changed = 0
        for c, p in zip(candles, present.tolist(), strict=True):
            if p and self.series.upsert(c) != "ignored":
                changed += 1
        return changed + self.series.merge_history(c for c, p in zip(candles, present.tolist(), strict=True) if not p)

    # -- live ---------------------------------------------------------------------------------------------------
    def _on_event(self, event: Any) -> None:
        if self._closed:
            return
        if isinstance(event, Push):
            self._on_push(event)
        elif isinstance(event, ConnectionEvent):
            if not event.connected:
                if not self._down:
                    self._down = True
                    self._down_anchor = self.series.last_ts
            elif self._down:
                self._down = False
                anchor, self._down_anchor = self._down_anchor, None
                self._spawn(self._after_reconnect(anchor), "reconnect")
        elif isinstance(event, StreamError) and event.sub is not None:
            self._set_state(FeedState.ERROR, _message(event.error))

    def _on_push(self, push: Push) -> None:
        items = sorted((c for c in push.items if isinstance(c, Candle)), key=lambda c: c.ts)
        if not items:
            return
        bulk = push.action == "snapshot" or len(items) > 2
        changed = False
        for c in items:
            prev_last = self.series.last_ts
            result = self.series.upsert(c)
            if result == "ignored":
                continue
            changed = True
            if result == "appended" and prev_last is not None:
                self._bar_closed(prev_last)
                expected = _next_ts(prev_last, self.timeframe)
                if c.ts > expected and not bulk:
                    self._spawn(self._fill(expected, c.ts), "hole")
            if not bulk and result in ("appended", "replaced"):
                self._emit(self.on_live, result)
            elif not bulk:
                bulk = True  # "inserted": a hole got a candle; redraw all below
        if bulk and changed:
            self._emit(self.on_reset)
            if self.series.gaps(self.timeframe):
                self._spawn(self.repair_gaps(), "repair")

    def _bar_closed(self, ts: int) -> None:
        """The bar at ``ts`` has closed. Its final values are read back from REST a moment later (a push need not
        carry the last trades of a bar) and only then written to the cache as complete; a burst of closes shares
        one request."""
        self._confirm_from = ts if self._confirm_from is None else min(self._confirm_from, ts)
        if self._confirm_task is None or self._confirm_task.done():
            self._confirm_task = self._spawn(self._confirm(), "confirm")

    def _closed_now(self) -> bool:
        """`_closed` read afresh (a call, so a type checker does not carry a narrowing across awaits)."""
        return self._closed

    async def _confirm(self) -> None:
        await asyncio.sleep(self.confirm_delay)
        start, self._confirm_from = self._confirm_from, None
        if start is None or self._closed:
            return
        page = [c for c in await self.client.candles(self.product_type, self.symbol, self.timeframe, start=start,
                                                     limit=RECENT_LIMIT) if c.ts >= start]
        if self._closed_now() or len(page) < 2:  # closed while the page was fetched?
            return
        lo = start if len(page) < RECENT_LIMIT else page[0].ts
        await self._store(page, (lo, page[-1].ts))  # the newest is forming: stored, not called complete
        last = self.series.last_ts
        final = [c for c in page if last is not None and c.ts < last]  # the live bar stays the socket's
        if self._merge_fresh(final):
            self._emit(self.on_reset)

    async def _after_reconnect(self, anchor: int | None) -> None:
        """The socket was down: fetch from the last bar seen before it dropped up to now."""
        if anchor is None:
            return
        await self._fill(anchor, None)

    # -- holes ----------------------------------------------------------------------------------------------------
    async def _fill(self, start: int, end: int | None) -> int:
        """Fetch ``[start, end)`` (end None = up to now) from REST into the series and the cache."""
        added = 0
        cursor = end
        while not self._closed:
            page = await self.client.candles(self.product_type, self.symbol, self.timeframe, start=start, end=cursor,
                                             limit=RECENT_LIMIT)
            page = [c for c in page if c.ts >= start and (cursor is None or c.ts < cursor)]
            if not page and cursor is not None:
                # The recent-candles endpoint keeps a limited depth; older holes come from history-candles.
                page = [c for c in await self.client.history_candles(self.product_type, self.symbol, self.timeframe,
                                                                     end=cursor, limit=self.page_limit)
                        if start <= c.ts < cursor]
            if not page:
                if cursor is not None:
                    await self._store([], (start, cursor))  # the exchange has nothing here
                break
            full = len(page) >= RECENT_LIMIT or (cursor is not None and len(page) >= self.page_limit
                                                 and page[0].ts > start)
            lo = page[0].ts if full else start
            hi = cursor if cursor is not None else page[-1].ts  # newest may be forming
            await self._store(page, (lo, hi))
            n0 = len(self.series)
            # when both sides call the same bar the newest, it is the live one: the socket's value is fresher
            live = page[-1].ts if cursor is None and page[-1].ts == self.series.last_ts else None
            self._merge_fresh([c for c in page if c.ts != live])
            added += len(self.series) - n0
            if not full or page[0].ts <= start:
                break
            cursor = page[0].ts
        if not self._closed:
            self._emit(self.on_reset)
        return added

    async def repair_gaps(self) -> int:
        """Fetch every hole between loaded candles that the cache does not know to be an exchange hole."""
        added = 0
        for first_missing, last_missing in self.series.gaps(self.timeframe):
            a, b = first_missing, _next_ts(last_missing, self.timeframe)
            if self.cache is not None:
                missing = await self._db(self.cache.missing_ranges, self.key, a, b, self.timeframe)
            else:
                missing = [(a, b)]
            for m0, m1 in missing:
                added += await self._fill(m0, m1)
        return added

    # -- scroll back ----------------------------------------------------------------------------------------------
    async def load_older(self) -> int:
        """Prepend one page of older candles (cache first, then history-candles); returns how many were added.

        Returns 0 once the exchange has nothing older (``exhausted``). Calls made while one is running share it.
        """
        if self._closed or self.exhausted:
            return 0
        task = self._older
        if task is None or task.done():
            task = self._older = self._spawn(self._load_older(), "older")
        return await asyncio.shield(task)

    async def _load_older(self) -> int:
        first = self.series.first_ts
        if first is None:
            return 0
        self._set_state(FeedState.LOADING)
        try:
            n = await self._older_from_cache(first)
            if n is None:
                n = await self._older_from_rest(first)
        except Exception as exc:
            self._set_state(FeedState.ERROR, _message(exc))
            raise
        self._set_state(FeedState.IDLE)
        return n

    async def _older_from_cache(self, first: int) -> int | None:
        if self.cache is None:
            return None

        def look() -> tuple[list[Candle], bool] | None:
            assert self.cache is not None
            rows = self.cache.load(self.key, end=first, limit=self.page_limit)
            lo = rows[0].ts if rows else first
            if self.cache.missing_ranges(self.key, lo, first):
                return None
            return rows, len(rows) < self.page_limit and self.cache.history_complete(self.key, lo)

        found = await self._db(look)
        if found is None:
            return None
        rows, complete = found
        if not rows and not complete:
            return None
        n = self.series.merge_history(rows)
        if complete:
            self.exhausted = True
        if n:
            self._emit(self.on_history, n)
        return n

    async def _older_from_rest(self, first: int) -> int:
        page = [c for c in await self.client.history_candles(self.product_type, self.symbol, self.timeframe,
                                                             end=first, limit=self.page_limit) if c.ts < first]
        if self._closed:
            return 0
        if not page:
            await self._store([], (HISTORY_START, first))
            self.exhausted = True
            return 0
        await self._store(page, (page[0].ts, first))
        n = self.series.merge_history(page)
        if n:
            self._emit(self.on_history, n)
        return n

    # -- close ------------------------------------------------------------------------------------------------------
    async def close(self) -> None:
        """Unsubscribe and end this feed's tasks (a cache write already under way completes)."""
        if self._closed:
            return
        self._closed = True
        handle, self._handle = self._handle, None
        if handle is not None:
            await handle.close()
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t

    async def settle(self) -> None:
        """Wait until the feed's background work (hole fills, cache writes) started so far has finished."""
        while True:
            tasks = [t for t in self._tasks if t is not self._older]
            if not tasks:
                return
            await asyncio.gather(*tasks, return_exceptions=True)

    @property
    def closed(self) -> bool:
        return self._closed

    async def __aenter__(self) -> CandleFeed:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _message(exc: BaseException) -> str:
    msg = getattr(exc, "msg", None)
    return str(msg) if msg else f"{type(exc).__name__}: {exc}"
