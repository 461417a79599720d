"""Candle rows and CandleSeries: OHLCV kept in growable numpy arrays for the chart, plus month-boundary helpers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise
from typing import Literal

import numpy as np

from bitget_desktop.domain.market import Candle, Timeframe

__all__ = [
    "CandleSeries",
    "UpsertResult",
    "parse_candle_row",
    "month_start",
    "next_month_start",
    "month_starts",
    "bucket_start",
]

UpsertResult = Literal["appended", "replaced", "inserted", "ignored"]


def parse_candle_row(row: Sequence[str]) -> Candle:
    """Parse a Bitget candle row: spot ``[ts,o,h,l,c,baseVol,quoteVol,usdtVol]`` or mix (7) ``[...,quoteVol]``."""
    if len(row) not in (7, 8):
        raise ValueError(f"candle row must have 7 or 8 elements, got {len(row)}")
    return Candle(
        ts=int(row[0]),
        open=Decimal(row[1]),
        high=Decimal(row[2]),
        low=Decimal(row[3]),
        close=Decimal(row[4]),
        volume=Decimal(row[5]),
        quote_volume=Decimal(row[6]),
    )


# -- calendar months (UTC) ----------------------------------------------------------------------------------
def _utc(ts_ms: int) -> datetime:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC)


def _ms(dt: datetime) -> int:
    return int(dt.timestamp()) * 1000


def month_start(ts_ms: int) -> int:
    """Start (ms, UTC) of the calendar month containing ``ts_ms``."""
    d = _utc(ts_ms)
    return _ms(datetime(d.year, d.month, 1, tzinfo=UTC))


def next_month_start(ts_ms: int) -> int:
    """Start (ms, UTC) of the calendar month after the one containing ``ts_ms``."""
    d = _utc(ts_ms)
    y, m = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return _ms(datetime(y, m, 1, tzinfo=UTC))


def month_starts(start_ms: int, end_ms: int) -> list[int]:
    """Month starts ``t`` with ``start_ms <= t < end_ms``."""
    t = month_start(start_ms)
    if t < start_ms:
        t = next_month_start(t)
    out = []
    while t < end_ms:
        out.append(t)
        t = next_month_start(t)
    return out


def bucket_start(ts_ms: int, timeframe: Timeframe) -> int:
    """Open time of the UTC-aligned bucket containing ``ts_ms`` (weeks start Monday, as Unix epoch + 4 days)."""
    if timeframe is Timeframe.MN1:
        return month_start(ts_ms)
    step = timeframe.ms
    if timeframe is Timeframe.W1:
        monday = 4 * 86_400_000  # 1970-01-05 was a Monday
        return ts_ms - (ts_ms - monday) % step
    return ts_ms - ts_ms % step


def _next_ts(ts: int, timeframe: Timeframe) -> int:
    return next_month_start(ts) if timeframe is Timeframe.MN1 else ts + timeframe.ms


# -- series -------------------------------------------------------------------------------------------------
_FIELDS = ("open", "high", "low", "close", "volume")


class CandleSeries:
    """Ascending, ts-unique candles as numpy arrays (ts int64, OHLCV float64) with amortised growth.

    Floats are for drawing only; keep Decimal ``Candle`` values for anything that touches money.
    """

    __slots__ = ("_ts", "_v", "_n", "version")

    def __init__(self, candles: Iterable[Candle] = (), capacity: int = 512) -> None:
        cap = max(16, capacity)
        self._ts = np.zeros(cap, dtype=np.int64)
        self._v = np.zeros((cap, 5), dtype=np.float64)
        self._n = 0
        self.version = 0  # bumped on every change so views can tell when to redraw
        items = list(candles)
        if items:
            self.merge_history(items)

    # -- size / views ----------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._n

    @property
    def ts(self) -> np.ndarray:
        """Read-only view of open times (ms)."""
        return self._view(self._ts[: self._n])

    @property
    def open(self) -> np.ndarray:
        return self._view(self._v[: self._n, 0])

    @property
    def high(self) -> np.ndarray:
        return self._view(self._v[: self._n, 1])

    @property
    def low(self) -> np.ndarray:
        return self._view(self._v[: self._n, 2])

    @property
    def close(self) -> np.ndarray:
        return self._view(self._v[: self._n, 3])

    @property
    def volume(self) -> np.ndarray:
        return self._view(self._v[: self._n, 4])

    def ohlcv(self) -> np.ndarray:
        """Read-only (n, 5) view: open, high, low, close, volume."""
        return self._view(self._v[: self._n])

    @staticmethod
    def _view(a: np.ndarray) -> np.ndarray:
        v = a.view()
        v.flags.writeable = False
        return v

    @property
    def first_ts(self) -> int | None:
        return int(self._ts[0]) if self._n else None

    @property
    def last_ts(self) -> int | None:
        return int(self._ts[self._n - 1]) if self._n else None

    def slice(self, start_ms: int, end_ms: int) -> tuple[int, int]:
        """Index range [i, j) of candles with start_ms <= ts < end_ms (for drawing the visible window)."""
        ts = self._ts[: self._n]
        return int(np.searchsorted(ts, start_ms, "left")), int(np.searchsorted(ts, end_ms, "left"))

    def row(self, i: int) -> tuple[int, float, float, float, float, float]:
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        o, h, lo, c, v = self._v[i]
        return int(self._ts[i]), float(o), float(h), float(lo), float(c), float(v)

    # -- mutation --------------------------------------------------------------------------------------------
    def _reserve(self, n: int) -> None:
        cap = self._ts.shape[0]
        if n <= cap:
            return
        new_cap = max(n, cap * 2)
        ts = np.zeros(new_cap, dtype=np.int64)
        v = np.zeros((new_cap, 5), dtype=np.float64)
        ts[: self._n] = self._ts[: self._n]
        v[: self._n] = self._v[: self._n]
        self._ts, self._v = ts, v

    @staticmethod
    def _values(c: Candle) -> tuple[float, float, float, float, float]:
        return float(c.open), float(c.high), float(c.low), float(c.close), float(c.volume)

    def upsert(self, candle: Candle) -> UpsertResult:
        """Add or replace one candle: appended (new last), replaced (same ts), inserted (fills a hole), ignored."""
        ts = int(candle.ts)
        vals = self._values(candle)
        n = self._n
        if n == 0 or ts > self._ts[n - 1]:
            self._reserve(n + 1)
            self._ts[n] = ts
            self._v[n] = vals
            self._n = n + 1
            self.version += 1
            return "appended"
        i = int(np.searchsorted(self._ts[:n], ts, "left"))
        if self._ts[i] == ts:
            if tuple(self._v[i]) == vals:
                return "ignored"
            self._v[i] = vals
            self.version += 1
            return "replaced"
        self._reserve(n + 1)
        self._ts[i + 1 : n + 1] = self._ts[i:n]
        self._v[i + 1 : n + 1] = self._v[i:n]
        self._ts[i] = ts
        self._v[i] = vals
        self._n = n + 1
        self.version += 1
        return "inserted"

    def merge_history(self, candles: Iterable[Candle]) -> int:
        """Merge a page of candles (any order, usually older); existing ts win. Returns how many were added."""
        items = sorted({int(c.ts): c for c in candles}.items())
        if not items:
            return 0
        n = self._n
        old_ts = self._ts[:n]
        new_ts = np.fromiter((t for t, _ in items), dtype=np.int64, count=len(items))
        if n:
            keep = ~np.isin(new_ts, old_ts)
            new_ts = new_ts[keep]
            new_rows = [self._values(c) for (_, c), k in zip(items, keep, strict=True) if k]
        else:
            new_rows = [self._values(c) for _, c in items]
        m = len(new_ts)
        if m == 0:
            return 0
        new_v = np.array(new_rows, dtype=np.float64).reshape(m, 5)
        all_ts = np.concatenate([old_ts, new_ts])
        all_v = np.concatenate([self._v[:n], new_v])
        order = np.argsort(all_ts, kind="stable")
        self._reserve(n + m)
        self._ts[: n + m] = all_ts[order]
        self._v[: n + m] = all_v[order]
        self._n = n + m
        self.version += 1
        return m

    def clear(self) -> None:
        self._n = 0
        self.version += 1

    # -- analysis --------------------------------------------------------------------------------------------
    def gaps(self, timeframe: Timeframe) -> list[tuple[int, int]]:
        """Missing ranges ``(first_missing_ts, last_missing_ts)`` between consecutive candles."""
        n = self._n
        if n < 2:
            return []
        ts = self._ts[:n]
        out: list[tuple[int, int]] = []
        if timeframe is Timeframe.MN1:
            for a, b in pairwise(ts.tolist()):
                nxt = next_month_start(a)
                if nxt < b:
                    out.append((nxt, month_start(b - 1)))
            return out
        step = timeframe.ms
        diffs = np.diff(ts)
        for i in np.nonzero(diffs > step)[0].tolist():
            a, b = int(ts[i]), int(ts[i + 1])
            out.append((a + step, b - step))
        return out
