"""CandleStore: growable columnar candle arrays with a level-of-detail pyramid for per-frame queries.

Everything here is plain numpy (no Qt) so that the chart items only ask "what is visible between t0 and t1 at
this many pixels" and get at most a few thousand rows back, whatever the history length.

- ``append`` / ``update_last`` write into preallocated arrays (capacity doubles), so they are O(1) amortised.
- ``prepend`` (older pages) keeps head-room on the left too, so paging is amortised O(page size).
- The pyramid (level k merges ``FACTOR**k`` base candles) is updated lazily: a mutation records the first dirty
  base index and the next query rebuilds only the affected tail blocks (O(levels) for a live update).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .bucketing import CLOSE, HIGH, LOW, OPEN, VOLUME, merge_blocks, merge_runs, pixel_keys

FACTOR = 4
TOP_SIZE = 1024  # stop adding pyramid levels once a level has at most this many rows
ROWS_PER_PIXEL = 4  # a pyramid level is used when it has at most this many rows per pixel in view


class _Columns:
    """int64 timestamps plus a (5, capacity) float64 value block, with room at both ends."""

    __slots__ = ("ts", "v", "lo", "hi")

    def __init__(self, capacity: int = 64, left_room: int = 0) -> None:
        self.ts = np.empty(capacity, dtype=np.int64)
        self.v = np.empty((5, capacity), dtype=np.float64)
        self.lo = self.hi = left_room

    def __len__(self) -> int:
        return self.hi - self.lo

    @property
    def tsv(self) -> np.ndarray:
        return self.ts[self.lo : self.hi]

    @property
    def vv(self) -> np.ndarray:
        return self.v[:, self.lo : self.hi]

    def _realloc(self, left_room: int, right_room: int) -> None:
        n = len(self)
        ts = np.empty(left_room + n + right_room, dtype=np.int64)
        v = np.empty((5, left_room + n + right_room), dtype=np.float64)
        ts[left_room : left_room + n] = self.tsv
        v[:, left_room : left_room + n] = self.vv
        self.ts, self.v, self.lo, self.hi = ts, v, left_room, left_room + n

    def truncate(self, n: int) -> None:
        self.hi = self.lo + n

    def extend(self, ts: np.ndarray, v: np.ndarray) -> None:
        k = len(ts)
        if self.hi + k > len(self.ts):
            self._realloc(self.lo, max(k, len(self) + k, 64))
        self.ts[self.hi : self.hi + k] = ts
        self.v[:, self.hi : self.hi + k] = v
        self.hi += k

    def extend_left(self, ts: np.ndarray, v: np.ndarray) -> None:
        k = len(ts)
        if self.lo < k:
            self._realloc(max(k, len(self) + k), len(self.ts) - self.hi)
        self.ts[self.lo - k : self.lo] = ts
        self.v[:, self.lo - k : self.lo] = v
        self.lo -= k

    def push(self, ts: int, row: tuple[float, float, float, float, float]) -> None:
        if self.hi == len(self.ts):
            self._realloc(self.lo, max(len(self), 64))
        self.ts[self.hi] = ts
        self.v[:, self.hi] = row
        self.hi += 1


@dataclass(frozen=True, slots=True)
class Visible:
    """What to draw for one frame: candles (maybe merged per pixel column) overlapping the view."""

    ts: np.ndarray  # int64 ms, first candle time of each row
    vals: np.ndarray  # (5, n) open, high, low, close, volume
    merged: bool  # rows are pixel columns (``keys``), not individual candles
    keys: np.ndarray | None  # pixel column of each merged row, relative to ``t0``
    t0: float
    ms_per_px: float
    level: int


class CandleStore:
    """Candles in time order: ``ts`` int64 ms, and open/high/low/close/volume float64."""

    def __init__(self, interval_ms: int | None = None) -> None:
        self._base = _Columns()
        self._levels: list[_Columns] = []  # level 1.. (level 0 is the base)
        self._levels_valid = False
        self._dirty_from: int | None = None
        self._ymin = np.inf
        self._ymax = -np.inf
        self._vmax = 0.0
        self._vsum = 0.0
        self._bounds_known = True
        self._fixed_interval = interval_ms
        self._interval = interval_ms or 60_000
        self.version = 0

    # ----- reading -------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._base)

    @property
    def ts(self) -> np.ndarray:
        return self._base.tsv

    @property
    def vals(self) -> np.ndarray:
        return self._base.vv

    def column(self, index: int) -> np.ndarray:
        col: np.ndarray = self._base.vv[index]
        return col

    @property
    def interval_ms(self) -> int:
        return self._interval

    @property
    def first_ts(self) -> int | None:
        return int(self._base.ts[self._base.lo]) if len(self) else None

    @property
    def last_ts(self) -> int | None:
        return int(self._base.ts[self._base.hi - 1]) if len(self) else None

    def candle(self, i: int) -> tuple[int, float, float, float, float, float]:
        b = self._base
        j = b.lo + (i if i >= 0 else len(b) + i)
        o, h, l, c, v = (float(x) for x in b.v[:, j])
        return int(b.ts[j]), o, h, l, c, v

    def index_at(self, t_ms: float) -> int | None:
        """Index of the candle whose [ts, ts + interval) holds ``t_ms``, or None."""
        if not len(self):
            return None
        i = int(np.searchsorted(self.ts, _key(t_ms), side="right")) - 1
        if i < 0 or t_ms >= self.ts[i] + self._interval:
            return None
        return i

    def index_range(self, t0: float, t1: float) -> tuple[int, int]:
        """[i0, i1) of candles overlapping [t0, t1]."""
        ts = self.ts
        i0 = max(int(np.searchsorted(ts, _key(t0), side="right")) - 1, 0)
        i1 = int(np.searchsorted(ts, _key(t1), side="right"))
        if i0 < len(ts) and ts[i0] + self._interval <= t0:
            i0 += 1
        return i0, max(i0, i1)

    def y_bounds(self) -> tuple[float, float]:
        """(min low, max high) over all candles, maintained incrementally."""
        self._refresh_bounds()
        return self._ymin, self._ymax

    def volume_sum(self) -> float:
        """Total volume, maintained in O(1) per update (an upper bound for any merged bar)."""
        return self._vsum

    def volume_max(self) -> float:
        self._refresh_bounds()
        return self._vmax

    def _refresh_bounds(self) -> None:
        if not self._bounds_known:
            # Recompute from the coarsest pyramid level: O(TOP_SIZE), not O(history).
            self._ensure_levels()
            top = self._levels[-1] if self._levels else self._base
            empty = not len(top)
            self._ymin = np.inf if empty else float(top.vv[LOW].min())
            self._ymax = -np.inf if empty else float(top.vv[HIGH].max())
            # Pyramid volumes are sums, so the largest single candle needs the base: O(N), but only after
            # set_data or when a live update lowers the record volume itself.
            self._vmax = 0.0 if empty else float(self._base.vv[VOLUME].max())
            self._bounds_known = True

    # ----- writing -------------------------------------------------------------------------------------------
    def set_data(
        self,
        ts: np.ndarray,
        open_: np.ndarray,
        high: np.ndarray,
        low: np.ndarray,
        close: np.ndarray,
        volume: np.ndarray,
        interval_ms: int | None = None,
    ) -> None:
        ts = np.asarray(ts, dtype=np.int64)
        n = len(ts)
        cols = _Columns(capacity=max(64, n + n // 8 + 64), left_room=0)
        cols.ts[:n] = ts
        for k, col in enumerate((open_, high, low, close, volume)):
            cols.v[k, :n] = col
        cols.hi = n
        self._base = cols
        if interval_ms is not None:
            self._fixed_interval = interval_ms
        self._interval = self._fixed_interval or _infer_interval(ts) or self._interval
        self._levels = []
        self._levels_valid = False
        self._dirty_from = None
        vv = cols.vv
        self._ymin = float(vv[LOW].min()) if n else np.inf
        self._ymax = float(vv[HIGH].max()) if n else -np.inf
        self._vmax = float(vv[VOLUME].max()) if n else 0.0
        self._vsum = float(vv[VOLUME].sum()) if n else 0.0
        self._bounds_known = True  # the pyramid is built lazily, on the first zoomed-out query
        self.version += 1

    def append(self, ts: int, o: float, h: float, l: float, c: float, v: float) -> None:
        """Add a new newest candle (``ts`` must be later than the last one)."""
        last = self.last_ts
        if last is not None and ts <= last:
            raise ValueError(f"append needs ts > last ts ({ts} <= {last})")
        self._base.push(ts, (o, h, l, c, v))
        if self._fixed_interval is None and last is not None and len(self) <= 3:
            self._interval = _infer_interval(self.ts) or self._interval
        self._mark_dirty(len(self) - 1)
        self._ymin = min(self._ymin, l)
        self._ymax = max(self._ymax, h)
        self._vmax = max(self._vmax, v)
        self._vsum += v
        self.version += 1

    def update_last(self, o: float, h: float, l: float, c: float, v: float) -> None:
        """Replace the values of the newest candle in place: O(1)."""
        if not len(self._base):
            raise IndexError("update_last on an empty store")
        self.replace(len(self._base) - 1, o, h, l, c, v)

    def replace(self, i: int, o: float, h: float, l: float, c: float, v: float) -> None:
        """Replace the values of candle ``i`` (negative counts from the end); the pyramid redoes blocks from i."""
        b = self._base
        n = len(b)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        j = b.lo + i
        old_h, old_l, old_v = b.v[HIGH, j], b.v[LOW, j], b.v[VOLUME, j]
        b.v[:, j] = (o, h, l, c, v)
        self._vsum += v - old_v
        if (
            (old_h >= self._ymax and h < old_h)
            or (old_l <= self._ymin and l > old_l)
            or (old_v >= self._vmax and v < old_v)
        ):
            self._bounds_known = False  # the old extreme may be gone: recompute lazily
        else:
            self._ymin = min(self._ymin, l)
            self._ymax = max(self._ymax, h)
            self._vmax = max(self._vmax, v)
        self._mark_dirty(i)
        self.version += 1

    def upsert(self, ts: int, o: float, h: float, l: float, c: float, v: float) -> Literal["appended", "replaced"]:
        last = self.last_ts
        if last is not None and ts == last:
            self.update_last(o, h, l, c, v)
            return "replaced"
        self.append(ts, o, h, l, c, v)
        return "appended"

    def prepend(
        self,
        ts: np.ndarray,
        open_: np.ndarray,
        high: np.ndarray,
        low: np.ndarray,
        close: np.ndarray,
        volume: np.ndarray,
    ) -> int:
        """Add older candles in front; rows not older than the current first candle are dropped. Returns count."""
        ts = np.asarray(ts, dtype=np.int64)
        vals = np.vstack([open_, high, low, close, volume]).astype(np.float64, copy=False)
        first = self.first_ts
        if first is not None:
            keep = ts < first
            ts, vals = ts[keep], vals[:, keep]
        k = len(ts)
        if not k:
            return 0
        self._base.extend_left(ts, vals)
        if self._fixed_interval is None and len(self) <= k + 2:
            self._interval = _infer_interval(self.ts) or self._interval
        self._ymin = min(self._ymin, float(vals[LOW].min()))
        self._ymax = max(self._ymax, float(vals[HIGH].max()))
        self._vmax = max(self._vmax, float(vals[VOLUME].max()))
        self._vsum += float(vals[VOLUME].sum())
        # Block alignment shifts: rebuild the pyramid lazily on the next query.
        self._levels_valid = False
        self.version += 1
        return k

    # ----- level of detail -----------------------------------------------------------------------------------
    def visible(self, t0: float, t1: float, width_px: float) -> Visible:
        """Rows to draw for the time window [t0, t1] rendered ``width_px`` pixels wide."""
        width_px = max(float(width_px), 1.0)
        ms_per_px = max((t1 - t0) / width_px, 1e-9)
        i0, i1 = self.index_range(t0, t1)
        n = i1 - i0
        if n <= width_px:
            return Visible(self.ts[i0:i1], self.vals[:, i0:i1], False, None, t0, ms_per_px, 0)
        self._ensure_levels()
        level = 0
        rows = n
        while rows > ROWS_PER_PIXEL * width_px and level < len(self._levels):
            level += 1
            rows = n / FACTOR**level
        if level == 0:
            ts, vals = self.ts[i0:i1], self.vals[:, i0:i1]
        else:
            step = FACTOR**level
            lv = self._levels[level - 1]
            j0, j1 = i0 // step, -(-i1 // step)
            ts, vals = lv.tsv[j0:j1], lv.vv[:, j0:j1]
        keys = pixel_keys(ts, t0, ms_per_px)
        starts, mts, mvals = merge_runs(ts, vals, keys)
        return Visible(mts, mvals, True, keys[starts], t0, ms_per_px, level)

    def visible_y_range(self, t0: float, t1: float, width_px: float) -> tuple[float, float, float] | None:
        """(min low, max high, max volume) of candles in view, or None when nothing is in view."""
        vis = self.visible(t0, t1, width_px)
        if not len(vis.ts):
            return None
        return float(vis.vals[LOW].min()), float(vis.vals[HIGH].max()), float(vis.vals[VOLUME].max())

    def _mark_dirty(self, index: int) -> None:
        if self._levels_valid:
            self._dirty_from = index if self._dirty_from is None else min(self._dirty_from, index)

    def _ensure_levels(self) -> None:
        if not self._levels_valid:
            self._levels = []
            lv = self._base
            while len(lv) > TOP_SIZE:
                ts, vals = merge_blocks(lv.tsv, lv.vv, FACTOR)
                nxt = _Columns(capacity=len(ts) + len(ts) // 4 + 64)
                nxt.extend(ts, vals)
                self._levels.append(nxt)
                lv = nxt
            self._levels_valid = True
            self._dirty_from = None
            return
        if self._dirty_from is None:
            return
        d = self._dirty_from
        prev = self._base
        for lv in self._levels:
            b0 = d // FACTOR
            ts, vals = merge_blocks(prev.tsv[b0 * FACTOR :], prev.vv[:, b0 * FACTOR :], FACTOR)
            lv.truncate(b0)
            lv.extend(ts, vals)
            prev, d = lv, b0
        while len(prev) > TOP_SIZE:  # the same rule as the rebuild above, so both have the same levels
            ts, vals = merge_blocks(prev.tsv, prev.vv, FACTOR)
            nxt = _Columns(capacity=len(ts) * 2 + 64)
            nxt.extend(ts, vals)
            self._levels.append(nxt)
            prev = nxt
        self._dirty_from = None


def _key(t: float) -> np.int64:
    """Search key for the int64 ``ts`` column: a float key would make numpy convert the whole column (O(N)).

    For integer timestamps, ``ts <= t`` exactly when ``ts <= floor(t)``, so side="right" searches agree.
    """
    return np.int64(math.floor(min(max(t, -9.2e18), 9.2e18)))


def _infer_interval(ts: np.ndarray) -> int | None:
    """Smallest positive step among the last few timestamps."""
    tail = ts[-64:]
    if len(tail) < 2:
        return None
    d = np.diff(tail)
    d = d[d > 0]
    return int(d.min()) if len(d) else None


__all__ = ["CandleStore", "Visible", "OPEN", "HIGH", "LOW", "CLOSE", "VOLUME", "FACTOR"]
