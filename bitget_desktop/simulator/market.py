"""The live synthetic market: seeded price path -> trades, order books, tickers, candles, mark/index and funding.

`MarketData.advance(now_ms)` moves every instrument to `now_ms` in steps of `tick_ms`; `run()` does that against the
injected clock forever. The live price follows the deterministic 1m path of `history.py` (each minute passes through
its open, high, low and close at seeded instants), so the candle formed from live trades continues the same path.
Public-feed consumers (the websocket server) register with `add_feed_listener`; the engine registers
`add_listener(obj)` (obj.on_trade(product, symbol, price, size, side, ts) / obj.on_tick(ts)) or the two
`add_trade_listener` / `add_tick_listener` callables.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import random
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np

from bitget_desktop.simulator.history import (
    DAY,
    HOUR,
    MINUTE,
    CoinPath,
    SeriesHistory,
    Timeframe,
    hash_gauss,
    hash_u01,
)
from bitget_desktop.simulator.instruments import (
    INSTRUMENTS,
    InstrumentSpec,
    leverage_tiers,
    normalize_product,
    spec as find_spec,
)
from bitget_desktop.simulator.wire import Clock, now_ms, ticks_str

__all__ = ["MarketData", "BookLevels", "Trade", "FeedEvent", "crc32_signed", "FUNDING_INTERVAL_MS"]

log = logging.getLogger(__name__)

FUNDING_INTERVAL_MS = 8 * HOUR
BOOK_LEVELS = 200          # levels per side kept in each book
TRADE_TAPE = 1000          # public trades kept per instrument
LIVE_MINUTES = 1500        # live-built 1m candles kept per instrument (older minutes fall back to the path)
DEFAULT_HISTORY_START = 1735689600000  # 2025-01-01T00:00:00Z


def crc32_signed(text: str) -> int:
    c = zlib.crc32(text.encode())
    return c - (1 << 32) if c >= (1 << 31) else c


class BookLevels(NamedTuple):
    """Book sides as (Decimal price, Decimal size), best first."""

    bids: list[tuple[Decimal, Decimal]]
    asks: list[tuple[Decimal, Decimal]]


class Trade(NamedTuple):
    ts: int
    price: int   # ticks
    size: int    # lots
    side: str    # taker side: buy / sell
    trade_id: str


class FeedEvent(NamedTuple):
    """What the market tells public-feed consumers after each step of one instrument.

    `book_update` = (bids, asks, seq, pseq): changed levels as {price ticks: size lots} (0 deletes), or None;
    `update_strings()` renders them as wire levels (bids descending, asks ascending).
    """

    spec: InstrumentSpec
    ts: int
    trades: list[Trade]
    book_update: tuple[dict[int, int], dict[int, int], int, int] | None
    printed: tuple[Trade, ...] = ()  # trades put on the tape by `record_trade` (users' taker fills) since last step

    def public_trades(self) -> list[Trade]:
        """Everything printed on the tape during the step, oldest first."""
        if not self.printed:
            return self.trades
        return sorted([*self.trades, *self.printed], key=lambda t: t.ts)

    def update_strings(self) -> tuple[list[list[str]], list[list[str]]]:
        if self.book_update is None:
            return [], []
        pp, sp = self.spec.price_places, self.spec.size_places
        b, a = self.book_update[0], self.book_update[1]
        return ([[ticks_str(p, pp), ticks_str(q, sp)] for p, q in sorted(b.items(), reverse=True)],
                [[ticks_str(p, pp), ticks_str(q, sp)] for p, q in sorted(a.items())])


class _Live:
    """Mutable live state of one instrument."""

    def __init__(self, spec: InstrumentSpec, history: SeriesHistory, seed: int) -> None:
        self.spec = spec
        self.history = history
        salt = zlib.crc32(f"{spec.product_type}:{spec.symbol}".encode())
        self.rng = random.Random(seed * 1_000_003 + salt)
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self.seq = 400_000_000_000 + int(hash_u01(seed, salt) * 1e11)
        self.gap_pending = False
        self.tape: deque[Trade] = deque(maxlen=TRADE_TAPE)
        self.trade_id = 1_100_000_000_000_000_000 + int(hash_u01(seed, salt, 77) * 1e17)
        self.last_ts = 0
        self.last_px = 0
        self.minute = -1
        self.det: np.ndarray | None = None   # deterministic (o, h, l, c) of the current minute
        self.keys: tuple[int, int, int, int] = (0, 0, 0, 0)  # key instants (ms in minute) for o, x, y, c
        self.key_px: tuple[int, int, int, int] = (0, 0, 0, 0)
        self.live_order: deque[int] = deque()
        self.stats_minute = -1
        self.stats: tuple[int, int, int, float, float] | None = None  # open24h, high, low, base vol, quote vol
        self.open_utc_day = -1
        self.open_utc = 0
        self.spacing = 1
        self.level_base = spec.minute_volume * (10 ** spec.size_places) * 0.04
        self.printed: list[Trade] = []


class MarketData:
    """Seeded synthetic market for the listed instruments; clock injected (ms)."""

    def __init__(self, seed: int = 7, *, clock: Clock | None = None, tick_ms: int = 200,
                 instruments: Iterable[InstrumentSpec] = INSTRUMENTS,
                 history_start_ms: int | None = None) -> None:
        self.seed = int(seed)
        self.clock: Clock = clock or now_ms
        self.tick_ms = tick_ms
        if history_start_ms is None:  # listed since 2025-01-01, and in any case for at least 400 days
            history_start_ms = min(DEFAULT_HISTORY_START, (self.clock() // DAY - 400) * DAY)
        self.history_start_ms = history_start_ms
        self._specs = list(instruments)
        self._paths: dict[int, CoinPath] = {}
        self._live: dict[tuple[str, str], _Live] = {}
        for s in self._specs:
            path = self._paths.get(s.coin_key)
            if path is None:
                path = self._paths[s.coin_key] = CoinPath(self.seed, s.coin_key, s.start_price, s.daily_vol)
            hist = SeriesHistory(s, path, self.seed, history_start_ms, self.clock)
            self._live[(s.product_type, s.symbol)] = _Live(s, hist, self.seed)
        self._trade_listeners: list[Callable[..., Any]] = []
        self._tick_listeners: list[Callable[[int], Any]] = []
        self._feed_listeners: list[Callable[[list[FeedEvent]], Any]] = []
        self.now = 0
        self._started = False

    # -- registration -----------------------------------------------------------------------------------------------
    def add_listener(self, listener: Any) -> None:
        """Register an object with optional `on_trade(product, symbol, price, size, side, ts)` / `on_tick(ts)`."""
        if hasattr(listener, "on_trade"):
            self._trade_listeners.append(listener.on_trade)
        if hasattr(listener, "on_tick"):
            self._tick_listeners.append(listener.on_tick)

    def add_trade_listener(self, cb: Callable[..., Any]) -> None:
        self._trade_listeners.append(cb)

    def add_tick_listener(self, cb: Callable[[int], Any]) -> None:
        self._tick_listeners.append(cb)

    def add_feed_listener(self, cb: Callable[[list[FeedEvent]], Any]) -> None:
        self._feed_listeners.append(cb)

    def remove_feed_listener(self, cb: Callable[[list[FeedEvent]], Any]) -> None:
        if cb in self._feed_listeners:
            self._feed_listeners.remove(cb)

    # -- instruments ------------------------------------------------------------------------------------------------
    @property
    def specs(self) -> list[InstrumentSpec]:
        return list(self._specs)

    def instrument_spec(self, product: str, symbol: str) -> InstrumentSpec | None:
        """The listed spec (attribute names as domain Instrument; `.to_instrument()` gives the domain value)."""
        lv = self._get(product, symbol)
        return lv.spec if lv else None

    def _get(self, product: str, symbol: str) -> _Live | None:
        p = normalize_product(product)
        if p is None or not symbol:
            return None
        return self._live.get((p, str(symbol).upper()))

    def _need(self, product: str, symbol: str) -> _Live:
        lv = self._get(product, symbol)
        if lv is None:
            raise KeyError(f"{product} {symbol}")
        self._ensure_started()
        return lv

    def position_tiers(self, product: str, symbol: str) -> list[dict[str, str]]:
        """Leverage/maintenance-margin tiers (query-position-lever rows) of a perp; [] for spot."""
        lv = self._get(product, symbol)
        return leverage_tiers(lv.spec) if lv is not None and lv.spec.is_futures else []

    def history(self, product: str, symbol: str) -> SeriesHistory:
        lv = self._get(product, symbol)
        if lv is None:
            raise KeyError(f"{product} {symbol}")
        return lv.history

    # -- time -------------------------------------------------------------------------------------------------------
    def _ensure_started(self) -> None:
        if not self._started:
            self.advance(self.clock())

    def advance(self, now: int | None = None) -> None:
        """Move the market to `now` (default: the clock) in steps of `tick_ms`; long gaps are jumped, not replayed."""
        now = self.clock() if now is None else int(now)
        if not self._started:
            self._started = True
            self.now = now
            for lv in self._live.values():
                self._start(lv, now)
            self._publish([FeedEvent(lv.spec, now, [], None) for lv in self._live.values()], now)
            return
        if now <= self.now:
            return
        if now - self.now > 30_000:  # a long pause: restart the live state at `now`
            self.now = now - self.tick_ms
            for lv in self._live.values():
                self._load_minute(lv, self.now // MINUTE)
                lv.last_ts = self.now
                lv.last_px = self._path_px(lv, self.now)
        while self.now < now:
            t = min(self.now + self.tick_ms, now)
            events = [self._step(lv, t) for lv in self._live.values()]
            self.now = t
            self._publish(events, t)

    def _publish(self, events: list[FeedEvent], t: int) -> None:
        for cb in list(self._trade_listeners):
            for ev in events:
                s = ev.spec
                for tr in ev.trades:
                    try:
                        cb(s.product_type, s.symbol, _dec(tr.price, s.price_places), _dec(tr.size, s.size_places),
                           tr.side, tr.ts)
                    except Exception:  # a faulty listener must not stop the market
                        log.exception("trade listener failed")
        for cb in list(self._tick_listeners):
            try:
                cb(t)
            except Exception:
                log.exception("tick listener failed")
        for fcb in list(self._feed_listeners):
            try:
                fcb(events)
            except Exception:
                log.exception("feed listener failed")

    async def run(self) -> None:
        """Advance with the clock every `tick_ms` until cancelled."""
        self._ensure_started()
        while True:
            await asyncio.sleep(self.tick_ms / 1000)
            self.advance(self.clock())

    # -- the live path ----------------------------------------------------------------------------------------------
    def _load_minute(self, lv: _Live, minute: int) -> None:
        day, idx = divmod(minute, 1440)
        arr = lv.history.day_minutes(day, "market")
        dp = lv.history.path.day(day)
        o, h, lo, c = (int(arr[idx, k]) for k in (1, 2, 3, 4))
        lv.det = arr[idx, 1:5].copy()
        k1, k2 = int(dp.key1[idx]), int(dp.key2[idx])
        x, y = (h, lo) if bool(dp.high_first[idx]) else (lo, h)
        lv.keys = (0, k1, k2, MINUTE - 1)
        lv.key_px = (o, x, y, c)
        lv.minute = minute

    def _path_px(self, lv: _Live, t: int) -> int:
        off = t - lv.minute * MINUTE
        ks, ps = lv.keys, lv.key_px
        for i in range(3):
            if off <= ks[i + 1]:
                a, b = ps[i], ps[i + 1]
                f = (off - ks[i]) / max(1, ks[i + 1] - ks[i])
                return round(a + (b - a) * f)
        return ps[3]

    def _start(self, lv: _Live, t: int) -> None:
        minute = t // MINUTE
        self._load_minute(lv, minute)
        lv.history.first_live_minute = minute if lv.history.first_live_minute is None else \
            lv.history.first_live_minute
        off = t - minute * MINUTE
        o = lv.key_px[0]
        px = self._path_px(lv, t)
        hi, lo = max(o, px), min(o, px)
        for k, p in zip(lv.keys, lv.key_px, strict=True):
            if k <= off:
                hi, lo = max(hi, p), min(lo, p)
        vol_so_far = 0
        self._set_live(lv, minute, [o, hi, lo, px, vol_so_far, 0.0])
        lv.last_px = px
        lv.last_ts = t
        self._rebuild_book(lv, px, full=True)
        if not lv.tape:
            self._seed_tape(lv, t)

    def _seed_tape(self, lv: _Live, t: int) -> None:
        """Recent trades before the start, so trade history endpoints are never empty."""
        rows = lv.history.units("m", t - 30 * MINUTE, t - t % MINUTE, "market", t)
        for row in rows[-30:]:
            ts0 = int(row[0])
            # the four path prints of the minute share part of its volume in random, uneven proportions
            weights = [lv.rng.expovariate(1.0) for _ in range(4)]
            total_w = sum(weights)
            for j, col in enumerate((1, 2, 3, 4)):
                size = max(1, int(row[5] * weights[j] / total_w / 2)) if row[5] else 1
                side = "buy" if (j + int(ts0 // MINUTE)) % 2 else "sell"
                lv.trade_id += 1 + lv.rng.randrange(50)
                lv.tape.append(Trade(ts0 + j * 15_000, int(row[col]), size, side, str(lv.trade_id)))

    def _set_live(self, lv: _Live, minute: int, row: list[float]) -> None:
        live = lv.history.live
        if minute not in live:
            lv.live_order.append(minute)
            while len(lv.live_order) > LIVE_MINUTES:
                live.pop(lv.live_order.popleft(), None)
        live[minute] = row

    def _step(self, lv: _Live, t: int) -> FeedEvent:
        s = lv.spec
        raw: list[tuple[int, int]] = []  # (ts, price ticks)
        prev = lv.last_ts
        # the minute's key instants (open, first extreme, second extreme, close) crossed in (prev, t]
        while True:
            start = lv.minute * MINUTE
            upto = min(t, start + MINUTE - 1)
            for k, p in zip(lv.keys, lv.key_px, strict=True):
                if prev < start + k <= upto:
                    raw.append((start + k, p))
            if t < start + MINUTE:
                break
            prev = start + MINUTE - 1
            self._load_minute(lv, lv.minute + 1)
        # random flow around the path price, clamped inside the minute's range
        dt = t - lv.last_ts
        rate = 3.0 if s.base_coin == "BTC" else 2.0
        n = _poisson(lv.rng, rate * dt / 1000.0)
        px = self._path_px(lv, t)
        det = lv.det
        assert det is not None
        lo_b, hi_b = int(det[2]), int(det[1])
        first = lv.minute * MINUTE
        close_at = first + lv.keys[3]
        for i in range(n):
            ts = max(first, lv.last_ts + int((i + 1) * dt / (n + 1)))
            if ts >= close_at:
                continue
            raw.append((ts, min(hi_b, max(lo_b, px + lv.rng.choice((-1, 0, 0, 1))))))
        raw.sort(key=lambda x: x[0])
        trades = [self._trade(lv, ts, p) for ts, p in raw]
        lv.last_ts = t
        if trades:
            lv.last_px = trades[-1].price
        upd = self._move_book(lv, lv.last_px if trades else px, trades[-1].side if trades else None)
        printed, lv.printed = tuple(lv.printed), []
        return FeedEvent(s, t, trades, upd, printed)

    def _trade(self, lv: _Live, ts: int, price: int) -> Trade:
        s = lv.spec
        side = "buy" if lv.rng.random() < 0.5 else "sell"
        mean_lots = s.minute_volume * (10 ** s.size_places) / (60 * (3.0 if s.base_coin == "BTC" else 2.0) + 4)
        size = max(1, int(lv.rng.expovariate(1.0) * mean_lots))
        lv.trade_id += 1 + lv.rng.randrange(40)
        tr = Trade(ts, price, size, side, str(lv.trade_id))
        lv.tape.append(tr)
        self._apply_to_candle(lv, tr)
        return tr

    def _apply_to_candle(self, lv: _Live, tr: Trade) -> None:
        minute = tr.ts // MINUTE
        row = lv.history.live.get(minute)
        if row is None:
            self._set_live(lv, minute, [tr.price, tr.price, tr.price, tr.price, 0, 0.0])
            row = lv.history.live[minute]
        row[1] = max(row[1], tr.price)
        row[2] = min(row[2], tr.price)
        row[3] = tr.price
        row[4] += tr.size
        row[5] += tr.size / 10 ** lv.spec.size_places * tr.price / 10 ** lv.spec.price_places

    def record_trade(self, product: str, symbol: str, price: Decimal, size: Decimal, side: str,
                     ts: int | None = None) -> None:
        """Put a trade that happened elsewhere (e.g. a simulator user's taker fill) on the public tape and candles."""
        lv = self._need(product, symbol)
        s = lv.spec
        ts = self.now if ts is None else ts
        p = int((Decimal(price) * (10 ** s.price_places)).to_integral_value())
        q = max(1, int((Decimal(size) * (10 ** s.size_places)).to_integral_value()))
        lv.trade_id += 1
        tr = Trade(ts, p, q, side, str(lv.trade_id))
        lv.tape.append(tr)
        self._apply_to_candle(lv, tr)
        lv.last_px = p
        if len(lv.printed) < 1000:
            lv.printed.append(tr)

    # -- order book -------------------------------------------------------------------------------------------------
    def _level_size(self, lv: _Live, depth: int) -> int:
        grow = 1.0 + (depth if depth < 60 else 60) / 15.0
        size = int(lv.level_base * grow * math.exp(0.9 * lv.rng.gauss(0.0, 1.0)))
        return size if size > 0 else 1

    def _gap(self, lv: _Live, depth: int) -> int:
        """Distance in ticks to the next level away from the touch: dense near the top, sparser further out."""
        if depth < 6:
            return 1
        return 1 + int(lv.rng.expovariate(1.0) * lv.spacing * (1 + depth / 40))

    def _rebuild_book(self, lv: _Live, px: int, *, full: bool) -> None:
        lv.spacing = max(1, round(px * 2e-6))
        lv.bids.clear()
        lv.asks.clear()
        b, a = px, px + 1
        for i in range(BOOK_LEVELS):
            lv.bids[b] = self._level_size(lv, i)
            lv.asks[a] = self._level_size(lv, i)
            b -= self._gap(lv, i)
            a += self._gap(lv, i)
        lv.bids = {p: q for p, q in lv.bids.items() if p > 0}

    def _move_book(self, lv: _Live, px: int, side: str | None) -> tuple[dict[int, int], dict[int, int], int, int]:
        """Re-centre the book on `px`, churn a few levels; return the changed levels {ticks: lots} with seq/pseq."""
        rng = lv.rng
        bids, asks = lv.bids, lv.asks
        changed_b: dict[int, int] = {}
        changed_a: dict[int, int] = {}
        spread = 1 if rng.random() < 0.8 else 2
        if side == "sell":
            top_b, top_a = px, px + spread
        else:
            top_b, top_a = px - spread, px
        if top_b <= 0:
            top_b, top_a = 1, 2
        best_b = max(bids) if bids else 0
        if best_b > top_b:
            for p in [p for p in bids if p > top_b]:
                del bids[p]
                changed_b[p] = 0
        best_a = min(asks) if asks else 0
        if asks and best_a < top_a:
            for p in [p for p in asks if p < top_a]:
                del asks[p]
                changed_a[p] = 0
        # the near-touch levels always exist
        for i in range(6):
            p = top_b - i
            if p > 0 and p not in bids:
                bids[p] = changed_b[p] = self._level_size(lv, i)
            p = top_a + i
            if p not in asks:
                asks[p] = changed_a[p] = self._level_size(lv, i)
        # churn: a few size changes, removals and new levels near the top
        for _ in range(rng.randrange(2, 8)):
            is_bid = rng.random() < 0.5
            depth = int(rng.expovariate(1 / 10.0))
            if is_bid:
                p = top_b - depth * (1 if depth < 6 else lv.spacing)
                side_map, changed = bids, changed_b
            else:
                p = top_a + depth * (1 if depth < 6 else lv.spacing)
                side_map, changed = asks, changed_a
            if p <= 0:
                continue
            if p in side_map and depth > 5 and rng.random() < 0.3:
                del side_map[p]
                changed[p] = 0
            else:
                side_map[p] = changed[p] = self._level_size(lv, depth)
        # keep BOOK_LEVELS per side: trim far levels, extend the far end
        extra = len(bids) - BOOK_LEVELS
        if extra > 0:
            for p in heapq.nsmallest(extra, bids):
                del bids[p]
                changed_b[p] = 0
        elif extra < 0:
            far = min(bids)
            for _ in range(-extra):
                far -= self._gap(lv, BOOK_LEVELS)
                if far <= 0:
                    break
                bids[far] = changed_b[far] = self._level_size(lv, BOOK_LEVELS)
        extra = len(asks) - BOOK_LEVELS
        if extra > 0:
            for p in heapq.nlargest(extra, asks):
                del asks[p]
                changed_a[p] = 0
        elif extra < 0:
            far = max(asks)
            for _ in range(-extra):
                far += self._gap(lv, BOOK_LEVELS)
                asks[far] = changed_a[far] = self._level_size(lv, BOOK_LEVELS)
        pseq = lv.seq
        lv.seq += 1 + rng.randrange(30)
        if lv.gap_pending:
            lv.gap_pending = False
            pseq += 1  # the push carrying `pseq` was "lost": the consumer sees pseq != its last seq
        return changed_b, changed_a, lv.seq, pseq

    def inject_book_gap(self, product: str, symbol: str) -> None:
        """Fault: the next books update's pseq will not match the previous seq."""
        self._need(product, symbol).gap_pending = True

    def book(self, product: str, symbol: str, depth: int | None = None) -> BookLevels:
        """Current book as Decimal (price, size) levels, best first."""
        lv = self._need(product, symbol)
        n = depth or BOOK_LEVELS
        pp, sp = lv.spec.price_places, lv.spec.size_places
        bids = heapq.nlargest(n, lv.bids.items())
        asks = heapq.nsmallest(n, lv.asks.items())
        return BookLevels([(_dec(p, pp), _dec(q, sp)) for p, q in bids], [(_dec(p, pp), _dec(q, sp)) for p, q in asks])

    def book_strings(self, product: str, symbol: str, depth: int | None = None) -> tuple[list[list[str]],
                                                                                       list[list[str]], int]:
        """(bids, asks, seq) as wire strings, best first."""
        lv = self._need(product, symbol)
        n = depth or BOOK_LEVELS
        pp, sp = lv.spec.price_places, lv.spec.size_places
        bids = [[ticks_str(p, pp), ticks_str(q, sp)] for p, q in heapq.nlargest(n, lv.bids.items())]
        asks = [[ticks_str(p, pp), ticks_str(q, sp)] for p, q in heapq.nsmallest(n, lv.asks.items())]
        return bids, asks, lv.seq

    def book_checksum(self, product: str, symbol: str) -> int:
        """Signed CRC32 over the interleaved top-25 strings of the current book (Bitget's algorithm)."""
        bids, asks, _ = self.book_strings(product, symbol, 25)
        parts: list[str] = []
        for i in range(25):
            if i < len(bids):
                parts.extend(bids[i])
            if i < len(asks):
                parts.extend(asks[i])
        return crc32_signed(":".join(parts))

    # -- prices -----------------------------------------------------------------------------------------------------
    def last_price(self, product: str, symbol: str) -> Decimal:
        lv = self._need(product, symbol)
        return _dec(lv.last_px, lv.spec.price_places)

    def best_bid_ask(self, product: str, symbol: str) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """(bid, bid size, ask, ask size)."""
        lv = self._need(product, symbol)
        pp, sp = lv.spec.price_places, lv.spec.size_places
        b, a = max(lv.bids), min(lv.asks)
        return _dec(b, pp), _dec(lv.bids[b], sp), _dec(a, pp), _dec(lv.asks[a], sp)

    def _index_ticks(self, lv: _Live, places: int) -> int:
        """Index: the spot path at the same instant, with a little more precision than the perp's tick."""
        spot = self._live.get(("SPOT", lv.spec.symbol))
        base = spot if spot is not None else lv
        px = base.last_px / 10.0 ** base.spec.price_places  # float powers: int ** int is not typed int
        wobble = 1 + 0.00003 * math.sin(self.now / 7_000.0 + lv.spec.coin_key)
        return round(px * wobble * 10.0 ** places)

    def index_price(self, product: str, symbol: str) -> Decimal:
        lv = self._need(product, symbol)
        places = lv.spec.price_places + 3
        return _dec(self._index_ticks(lv, places), places).normalize() if lv.spec.is_futures else \
            self.last_price(product, symbol)

    def mark_price(self, product: str, symbol: str) -> Decimal:
        """Mark: perp last price nudged toward the index (a smoothed fair price)."""
        lv = self._need(product, symbol)
        if not lv.spec.is_futures:
            return self.last_price(product, symbol)
        pp = lv.spec.price_places
        idx = self._index_ticks(lv, pp)
        return _dec(round(0.7 * lv.last_px + 0.3 * idx), pp)

    # -- funding / open interest ------------------------------------------------------------------------------------
    def funding_rate_at(self, symbol: str, period: int) -> Decimal:
        """Rate of the funding period `period` (= funding time // 8h) for a perp symbol, 6 decimals."""
        s = find_spec("USDT-FUTURES", symbol)
        coin = s.coin_key if s else 0
        r = 0.0001 + 0.00008 * hash_gauss(self.seed, coin, 30, period)
        r = min(0.003, max(-0.003, r))
        return Decimal(round(r * 1_000_000)).scaleb(-6).normalize() if r else Decimal(0)

    def next_funding_time(self, now: int | None = None) -> int:
        now = self.clock() if now is None else now
        return (now // FUNDING_INTERVAL_MS + 1) * FUNDING_INTERVAL_MS

    def funding_rate(self, symbol: str, now: int | None = None) -> Decimal:
        """The current (next-to-settle) rate."""
        return self.funding_rate_at(symbol, self.next_funding_time(now) // FUNDING_INTERVAL_MS)

    def funding_history(self, symbol: str, count: int, skip: int = 0,
                        now: int | None = None) -> list[tuple[int, Decimal]]:
        """Settled (fundingTime, rate) pairs, newest first."""
        last = self.next_funding_time(now) - FUNDING_INTERVAL_MS
        out = []
        for i in range(skip, skip + count):
            t = last - i * FUNDING_INTERVAL_MS
            if t < self.history_start_ms:
                break
            out.append((t, self.funding_rate_at(symbol, t // FUNDING_INTERVAL_MS)))
        return out

    def open_interest(self, product: str, symbol: str) -> Decimal:
        lv = self._need(product, symbol)
        s = lv.spec
        x = self.now / (6 * HOUR)
        i = math.floor(x)
        f = x - i
        g = hash_gauss(self.seed, s.coin_key, 40, i) * (1 - f) + hash_gauss(self.seed, s.coin_key, 40, i + 1) * f
        units = int(s.minute_volume * 2500 * (1 + 0.1 * g) * 10 ** s.size_places)
        return _dec(units, s.size_places)

    # -- trades, candles, tickers -----------------------------------------------------------------------------------
    def recent_trades(self, product: str, symbol: str, limit: int = 100, *, before_id: str | None = None,
                      start: int | None = None, end: int | None = None) -> list[Trade]:
        """Newest first."""
        lv = self._need(product, symbol)
        out = []
        bid = int(before_id) if before_id else None
        for tr in reversed(lv.tape):
            if bid is not None and int(tr.trade_id) >= bid:
                continue
            if end is not None and tr.ts > end:
                continue
            if start is not None and tr.ts < start:
                break
            out.append(tr)
            if len(out) >= limit:
                break
        return out

    def candles(self, product: str, symbol: str, tf: Timeframe, start: int | None, end: int | None, limit: int,
                kind: str = "market") -> np.ndarray:
        lv = self._need(product, symbol)
        return lv.history.candles(tf, start, end, limit, kind, self.now)

    def _stats24(self, lv: _Live) -> tuple[int, int, int, float, float]:
        """(open 24h ago, high, low, base volume lots, quote volume) over the last 24 h including the live minute."""
        minute = self.now // MINUTE
        if lv.stats_minute != minute or lv.stats is None:
            rows = lv.history.units("m", (minute - 1439) * MINUTE, minute * MINUTE, "market", self.now)
            if len(rows):
                lv.stats = (int(rows[0, 1]), int(rows[:, 2].max()), int(rows[:, 3].min()), float(rows[:, 5].sum()),
                            float(rows[:, 6].sum()))
            else:
                lv.stats = (lv.last_px, lv.last_px, lv.last_px, 0.0, 0.0)
            lv.stats_minute = minute
            day = self.now // DAY
            if lv.open_utc_day != day:
                r = lv.history.units("m", day * DAY, day * DAY + MINUTE, "market", self.now)
                lv.open_utc = int(r[0, 1]) if len(r) else lv.last_px
                lv.open_utc_day = day
        o, h, lo, v, qv = lv.stats
        cur = lv.history.live.get(minute)
        if cur is not None:
            h, lo, v, qv = max(h, int(cur[1])), min(lo, int(cur[2])), v + cur[4], qv + cur[5]
        return o, h, lo, v, qv

    def ticker(self, product: str, symbol: str) -> dict[str, str]:
        """Ticker fields common to REST and ws (strings): lastPr, open24h, high24h, low24h, change24h, bid/ask,
        volumes, openUtc, changeUtc24h, ts; futures add indexPrice, markPrice, fundingRate, nextFundingTime,
        holdingAmount."""
        lv = self._need(product, symbol)
        s = lv.spec
        pp, sp = s.price_places, s.size_places
        o, h, lo, v, qv = self._stats24(lv)
        b, a = max(lv.bids), min(lv.asks)
        last = lv.last_px
        d: dict[str, str] = {
            "lastPr": ticks_str(last, pp), "open24h": ticks_str(o, pp), "high24h": ticks_str(h, pp),
            "low24h": ticks_str(lo, pp), "change24h": _ratio(last, o), "bidPr": ticks_str(b, pp),
            "askPr": ticks_str(a, pp), "bidSz": ticks_str(lv.bids[b], sp), "askSz": ticks_str(lv.asks[a], sp),
            "baseVolume": ticks_str(int(v), sp), "quoteVolume": _fmt_float(qv, 6),
            "openUtc": ticks_str(lv.open_utc, pp), "changeUtc24h": _ratio(last, lv.open_utc), "ts": str(self.now),
        }
        if s.is_futures:
            d["indexPrice"] = _plain(self.index_price(product, symbol))
            d["markPrice"] = _plain(self.mark_price(product, symbol))
            d["fundingRate"] = _plain(self.funding_rate(symbol, self.now))
            d["nextFundingTime"] = str(self.next_funding_time(self.now))
            d["holdingAmount"] = _plain(self.open_interest(product, symbol))
        return d


def _dec(units: int, places: int) -> Decimal:
    return Decimal(int(units)).scaleb(-places)


def _plain(d: Decimal) -> str:
    t = format(d, "f")
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    return t


def _ratio(a: int, b: int) -> str:
    if not b:
        return "0"
    return _fmt_float(a / b - 1, 5)


def _fmt_float(x: float, places: int) -> str:
    t = f"{x:.{places}f}"
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    return "0" if t in ("-0", "") else t


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
