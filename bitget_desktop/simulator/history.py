"""Deterministic price history: any candle of any interval computed on demand from (seed, coin, time), never stored.

Construction (multi-resolution, random access):
  * anchors every 16 days form a mean-reverting AR(1) walk of the log price (cheap to extend sequentially);
  * the 16 daily closes of a block are a Brownian bridge between its two anchors, stepped by a clustered daily
    volatility (smooth log-vol noise at several scales, GARCH-like regimes);
  * within a day, 24 hourly closes bridge the two daily closes (intraday seasonality + AR(1) hourly vol clusters);
  * within an hour, 60 minute closes bridge the two hourly closes; each minute gets a high/low excursion and a volume.
All randomness comes from generators keyed by (seed, coin, level, index), so one day costs one small numpy draw and
higher intervals aggregate cached per-hour / per-day summaries of the same 1m path (1H == aggregate of its 1m).
Prices are integer ticks (10^-price_places), volumes integer lots (10^-size_places), kept in float64 arrays (exact).
"""

from __future__ import annotations

import calendar
import hashlib
import math
import struct
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from bitget_desktop.simulator.instruments import InstrumentSpec

__all__ = ["MINUTE", "HOUR", "DAY", "Timeframe", "parse_granularity", "parse_ws_candle", "CoinPath", "SeriesHistory",
           "DayPath", "hash_u01", "hash_gauss"]

MINUTE = 60_000
HOUR = 3_600_000
DAY = 86_400_000
BASE_DAY = 16071  # 2014-01-01: first day of the anchor walk
BLOCK = 16
_ND = NormalDist()
# Columns of a candle array.
TS, O, H, L, C, V, QV = range(7)


def _h64(parts: tuple[int, ...]) -> int:
    data = struct.pack(f"<{len(parts)}q", *parts)
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def hash_u01(*parts: int) -> float:
    """Uniform in (0, 1) from integers."""
    return (_h64(parts) + 0.5) / 18446744073709551616.0


def hash_gauss(*parts: int) -> float:
    """Standard normal from integers."""
    return _ND.inv_cdf(hash_u01(*parts))


def _rng(*parts: int) -> np.random.Generator:
    return np.random.default_rng([p & 0xFFFFFFFFFFFF for p in parts])


_Floats = npt.NDArray[np.float64]


def _bridge(start: _Floats, end: _Floats, sig: _Floats, z: _Floats) -> _Floats:
    """Rows of a Brownian bridge from start[i] to end[i] with per-step stdev sig[i, j] (last column == end)."""
    x = np.cumsum(sig * z, axis=1)
    var = np.cumsum(sig * sig, axis=1)
    frac = var / var[:, -1:]
    return start[:, None] + x - frac * (x[:, -1:] - (end - start)[:, None])


# -- timeframes --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Timeframe:
    """A candle interval: `unit` level ('m', 'h', 'd') it aggregates, and how a timestamp maps to a bucket."""

    name: str        # canonical mix spelling, e.g. "1m", "1H", "1Dutc"
    unit: str        # 'm' | 'h' | 'd'
    length_ms: int   # nominal length (months: 0)
    offset_ms: int = 0  # alignment offset for fixed-length buckets (weeks start on Monday)

    def bucket_start(self, ts: int) -> int:
        if self.length_ms:
            return (ts - self.offset_ms) // self.length_ms * self.length_ms + self.offset_ms
        y, m = _year_month(ts)
        return calendar.timegm((y, m, 1, 0, 0, 0)) * 1000

    def next_start(self, bucket_start: int) -> int:
        if self.length_ms:
            return bucket_start + self.length_ms
        y, m = _year_month(bucket_start)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return calendar.timegm((y, m, 1, 0, 0, 0)) * 1000

    def prev_start(self, bucket_start: int) -> int:
        if self.length_ms:
            return bucket_start - self.length_ms
        return self.bucket_start(bucket_start - 1)

    def keys(self, ts: np.ndarray) -> np.ndarray:
        if self.length_ms:
            return (ts.astype(np.int64) - self.offset_ms) // self.length_ms
        out = np.empty(len(ts), dtype=np.int64)
        for i, t in enumerate(ts.astype(np.int64)):
            y, m = _year_month(int(t))
            out[i] = y * 12 + m
        return out


def _year_month(ts: int) -> tuple[int, int]:
    import time as _time

    st = _time.gmtime(ts // 1000)
    return st.tm_year, st.tm_mon


def _tf(name: str, unit: str, n: int, offset: int = 0) -> Timeframe:
    size = {"m": MINUTE, "h": HOUR, "d": DAY, "M": 0}[unit]
    return Timeframe(name, "d" if unit == "M" else unit, size * n, offset)


_TF = {
    "1m": _tf("1m", "m", 1), "3m": _tf("3m", "m", 3), "5m": _tf("5m", "m", 5), "15m": _tf("15m", "m", 15),
    "30m": _tf("30m", "m", 30), "1H": _tf("1H", "h", 1), "2H": _tf("2H", "h", 2), "4H": _tf("4H", "h", 4),
    "6H": _tf("6H", "h", 6), "12H": _tf("12H", "h", 12), "1D": _tf("1D", "d", 1), "3D": _tf("3D", "d", 3),
    "1W": _tf("1W", "d", 7, 4 * DAY), "1M": _tf("1M", "M", 1),
}
# Every spelling Bitget (spot or mix, REST) uses -> canonical. Case matters: "1m" is a minute, "1M" a month.
_REST_SPELLINGS = {
    "1min": "1m", "1m": "1m", "3min": "3m", "3m": "3m", "5min": "5m", "5m": "5m", "15min": "15m", "15m": "15m",
    "30min": "30m", "30m": "30m", "1h": "1H", "1H": "1H", "2h": "2H", "2H": "2H", "4h": "4H", "4H": "4H",
    "6h": "6H", "6H": "6H", "6Hutc": "6H", "12h": "12H", "12H": "12H", "12Hutc": "12H", "1day": "1D", "1D": "1D",
    "1Dutc": "1D", "3day": "3D", "3D": "3D", "3Dutc": "3D", "1week": "1W", "1W": "1W", "1Wutc": "1W", "1M": "1M",
    "1Mutc": "1M",
}
# Websocket channel suffixes (v2): REST-style "1h"/"1min" are refused with 30016.
_WS_SPELLINGS = {
    "1m": "1m", "3m": "3m", "5m": "5m", "15m": "15m", "30m": "30m", "1H": "1H", "2H": "2H", "4H": "4H", "6H": "6H",
    "12H": "12H", "1D": "1D", "3D": "3D", "1W": "1W", "1M": "1M", "6Hutc": "6H", "12Hutc": "12H", "1Dutc": "1D",
    "3Dutc": "3D", "1Wutc": "1W", "1Mutc": "1M",
}


def parse_granularity(value: str | None) -> Timeframe | None:
    """REST `granularity` in either the spot ("1min", "1h", "1day") or mix ("1m", "1H", "1D") style."""
    if not value:
        return None
    name = _REST_SPELLINGS.get(value.strip())
    return _TF[name] if name else None


def parse_ws_candle(channel: str) -> Timeframe | None:
    """`candle1m`, `candle1H`, `candle1Dutc`, ... -> Timeframe; anything else (e.g. `candle1h`) -> None."""
    if not channel.startswith("candle"):
        return None
    name = _WS_SPELLINGS.get(channel[6:])
    return _TF[name] if name else None


# -- the coin-level path -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DayPath:
    """One UTC day of the underlying log-price path at 1m resolution (arrays of 1440)."""

    day: int
    prev_close: float       # log close of the previous day (= open of minute 0)
    close: np.ndarray       # log close per minute
    high: np.ndarray        # log high per minute (before tick rounding)
    low: np.ndarray
    volume: np.ndarray      # relative volume per minute (mean ~1)
    key1: np.ndarray        # ms offset inside the minute of the first extreme
    key2: np.ndarray        # ms offset of the second extreme
    high_first: np.ndarray  # bool: the high comes before the low


class CoinPath:
    """The underlying log-price path of one coin; spot and perp series of the coin derive from it."""

    def __init__(self, seed: int, coin_key: int, start_price: float, daily_vol: float) -> None:
        self.seed = int(seed)
        self.coin = int(coin_key)
        self.daily_vol = daily_vol
        self._mu = math.log(start_price)
        self._phi = 0.95
        self._anchor_sd = daily_vol * math.sqrt(BLOCK) / math.sqrt(2 * (1 - self._phi))
        self._anchors: list[float] = [self._mu]
        self._blocks: OrderedDict[int, np.ndarray] = OrderedDict()
        self._days: OrderedDict[int, DayPath] = OrderedDict()

    # anchors / daily closes
    def _anchor(self, k: int) -> float:
        k = max(0, k)
        a = self._anchors
        innov = math.sqrt(1 - self._phi**2) * self._anchor_sd
        while len(a) <= k:
            i = len(a)
            a.append(self._mu + self._phi * (a[-1] - self._mu) + innov * hash_gauss(self.seed, self.coin, 1, i))
        return a[k]

    def _vol_noise(self, x: float, salt: int) -> float:
        i = math.floor(x)
        t = x - i
        t = t * t * (3 - 2 * t)
        g0 = hash_gauss(self.seed, self.coin, salt, i)
        g1 = hash_gauss(self.seed, self.coin, salt, i + 1)
        return g0 + (g1 - g0) * t

    def day_sigma(self, day: int) -> float:
        """Daily log-return stdev of `day`: smooth multi-scale log-vol noise -> clustered volatility regimes."""
        lv = 0.35 * self._vol_noise(day / 9.0, 10) + 0.25 * self._vol_noise(day / 2.5, 11) - 0.09
        return self.daily_vol * math.exp(lv)

    def _block(self, k: int) -> np.ndarray:
        blk = self._blocks.get(k)
        if blk is None:
            d0 = BASE_DAY + k * BLOCK
            sig = np.array([[self.day_sigma(d0 + j) for j in range(BLOCK)]])
            z = _rng(self.seed, self.coin, 2, k).standard_normal((1, BLOCK))
            blk = _bridge(np.array([self._anchor(k)]), np.array([self._anchor(k + 1)]), sig, z)[0]
            self._blocks[k] = blk
            if len(self._blocks) > 512:
                self._blocks.popitem(last=False)
        return blk

    def day_close(self, day: int) -> float:
        """Log close of UTC day `day` (days since the epoch)."""
        if day < BASE_DAY:
            return self._anchor(0)
        k, j = divmod(day - BASE_DAY, BLOCK)
        return float(self._block(k)[j])

    def day(self, day: int) -> DayPath:
        dp = self._days.get(day)
        if dp is not None:
            self._days.move_to_end(day)
            return dp
        dp = self._make_day(day)
        self._days[day] = dp
        if len(self._days) > 16:
            self._days.popitem(last=False)
        return dp

    def _make_day(self, day: int) -> DayPath:
        rng = _rng(self.seed, self.coin, 3, day)
        prev, close = self.day_close(day - 1), self.day_close(day)
        sig_d = self.day_sigma(day)
        hours = np.arange(24)
        season = 1.0 + 0.35 * np.cos(2 * np.pi * (hours - 15) / 24.0)
        e = rng.standard_normal(24)
        x = np.empty(24)
        acc = 0.3 * e[0]
        for i in range(24):
            acc = 0.8 * acc + 0.6 * e[i] if i else acc
            x[i] = acc
        w = season * np.exp(0.45 * x)
        sh = sig_d * w / math.sqrt(float(np.sum(w * w)))
        hour_close = _bridge(np.array([prev]), np.array([close]), sh[None, :], rng.standard_normal((1, 24)))[0]
        mw = np.exp(0.3 * rng.standard_normal((24, 60)))
        sm = sh[:, None] * mw / np.sqrt(np.sum(mw * mw, axis=1))[:, None]
        starts = np.concatenate(([prev], hour_close[:-1]))
        mclose = _bridge(starts, hour_close, sm, rng.standard_normal((24, 60))).reshape(1440)
        sm = sm.reshape(1440)
        mopen = np.concatenate(([prev], mclose[:-1]))
        hi = np.maximum(mopen, mclose) + np.abs(rng.standard_normal(1440)) * sm * 0.7
        lo = np.minimum(mopen, mclose) - np.abs(rng.standard_normal(1440)) * sm * 0.7
        sm_ref = self.daily_vol / math.sqrt(1440.0)
        vol = (sm / sm_ref) ** 1.3 * np.exp(0.5 * rng.standard_normal(1440) - 0.125)
        vol *= 0.6 * (1.0 + 0.8 * np.abs(mclose - mopen) / np.maximum(sm, 1e-12))
        key1 = rng.uniform(3_000, 27_000, 1440).astype(np.int64)
        key2 = rng.uniform(33_000, 57_000, 1440).astype(np.int64)
        high_first = (mclose < mopen) ^ (rng.random(1440) < 0.2)
        return DayPath(day, prev, mclose, hi, lo, vol, key1, key2, high_first)


# -- one instrument's candles ------------------------------------------------------------------------------------------
class SeriesHistory:
    """Candles of one instrument (kinds: 'market', 'mark', 'index') from its coin path, with live minutes overlaid.

    `live` maps a minute index (ts // 60000) to [o, h, l, c, v, qv] built from live trades; it is bounded by the owner.
    """

    KINDS = ("market", "mark", "index")

    def __init__(self, spec: InstrumentSpec, path: CoinPath, seed: int, history_start_ms: int,
                 now: Callable[[], int]) -> None:
        self.spec = spec
        self.path = path
        self.seed = seed
        self.history_start_day = history_start_ms // DAY
        self._now = now
        self.price_scale = 10.0 ** spec.price_places
        self.size_scale = 10.0 ** spec.size_places
        self.live: dict[int, list[float]] = {}
        self.first_live_minute: int | None = None
        self._minutes: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
        self._hours: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()

    # price factor of the product against the coin path: perps trade at a small hourly-varying basis
    def _log_factor(self, kind: str, hour_index: np.ndarray | int) -> np.ndarray | float:
        if not self.spec.is_futures or kind == "index":
            return 0.0 if isinstance(hour_index, int) else np.zeros(len(hour_index))
        if isinstance(hour_index, int):
            b = 0.00012 + 0.00015 * hash_gauss(self.seed, self.spec.coin_key, 20, hour_index)
            return b * (0.9 if kind == "mark" else 1.0)
        return np.array([self._log_factor(kind, int(h)) for h in hour_index])

    def day_minutes(self, day: int, kind: str = "market") -> np.ndarray:
        """(1440, 7) array ts, o, h, l, c, v, qv of the deterministic path (no live overlay)."""
        key = (kind, day)
        arr = self._minutes.get(key)
        if arr is not None:
            self._minutes.move_to_end(key)
            return arr
        dp = self.path.day(day)
        h0 = day * 24
        lf_h = np.asarray(self._log_factor(kind, np.arange(h0 - 1, h0 + 24)))
        lf = np.repeat(lf_h[1:], 60)
        sc = self.price_scale
        c = np.rint(np.exp(dp.close + lf) * sc)
        o = np.empty(1440)
        o[0] = np.rint(math.exp(dp.prev_close + float(lf_h[0])) * sc)
        o[1:] = c[:-1]
        h = np.maximum(np.maximum(o, c), np.rint(np.exp(dp.high + lf) * sc))
        lo = np.minimum(np.minimum(o, c), np.rint(np.exp(dp.low + lf) * sc))
        arr = np.empty((1440, 7))
        arr[:, TS] = day * DAY + np.arange(1440) * MINUTE
        arr[:, O], arr[:, H], arr[:, L], arr[:, C] = o, h, lo, c
        if kind == "market":
            v = np.rint(dp.volume * self.spec.minute_volume * self.size_scale)
            arr[:, V] = v
            arr[:, QV] = v / self.size_scale * (o + h + lo + c) / (4.0 * sc)
        else:
            arr[:, V] = 0.0
            arr[:, QV] = 0.0
        self._minutes[key] = arr
        if len(self._minutes) > 24:
            self._minutes.popitem(last=False)
        return arr

    def _live_rows(self, day: int) -> list[tuple[int, list[float]]]:
        if self.first_live_minute is None or not self.live:
            return []
        lo, hi = day * 1440, day * 1440 + 1440
        if hi <= self.first_live_minute:
            return []
        return [(m - lo, row) for m, row in self.live.items() if lo <= m < hi]

    def effective_minutes(self, day: int, kind: str, now: int) -> np.ndarray:
        """The day's 1m candles as served: live overlay applied (market kind) and nothing after `now`."""
        arr = self.day_minutes(day, kind)
        rows = self._live_rows(day) if kind == "market" else []
        if rows:
            arr = arr.copy()
            arr[[i for i, _ in rows], 1:] = np.array([row for _, row in rows], dtype=float)
        last = (now - day * DAY) // MINUTE
        if last < 1439:
            arr = arr[: max(0, last + 1)]
        return arr

    def _day_complete_clean(self, day: int, now: int) -> bool:
        if (day + 1) * DAY > now:
            return False
        return self.first_live_minute is None or (day + 1) * 1440 <= self.first_live_minute

    def day_hours(self, day: int, kind: str, now: int) -> np.ndarray:
        """(<=24, 7) hourly summary of the day (cached once the day is complete and has no live minutes)."""
        key = (kind, day)
        arr = self._hours.get(key)
        if arr is not None:
            self._hours.move_to_end(key)
            return arr
        mins = self.effective_minutes(day, kind, now)
        arr = _aggregate(mins, mins[:, TS].astype(np.int64) // HOUR)
        if self._day_complete_clean(day, now):
            self._hours[key] = arr
            if len(self._hours) > 1500:
                self._hours.popitem(last=False)
        return arr

    def units(self, unit: str, start: int, end: int, kind: str, now: int) -> np.ndarray:
        """Rows at unit level ('m' minutes, 'h' hours, 'd' days) with ts in [start, end), not after now."""
        end = min(end, now + 1)
        d0 = max(start // DAY, self.history_start_day)
        d1 = (end - 1) // DAY
        parts = []
        for d in range(d0, d1 + 1):
            if unit == "m":
                parts.append(self.effective_minutes(d, kind, now))
            else:
                hrs = self.day_hours(d, kind, now)
                if unit == "h":
                    parts.append(hrs)
                elif len(hrs):
                    parts.append(_aggregate(hrs, np.zeros(len(hrs), dtype=np.int64)))
                    parts[-1][:, TS] = d * DAY
        if not parts:
            return np.empty((0, 7))
        rows = np.concatenate(parts) if len(parts) > 1 else parts[0]
        ts = rows[:, TS]
        return rows[(ts >= start) & (ts < end)]

    def candles(self, tf: Timeframe, start: int | None, end: int | None, limit: int, kind: str = "market",
                now: int | None = None) -> np.ndarray:
        """Up to `limit` candles of `tf`, ascending, newest last, bucket start in [start, end) and <= now."""
        now = self._now() if now is None else now
        hist0 = self.history_start_day * DAY
        end = now + 1 if end is None else min(end, now + 1)
        lo = hist0 if start is None else max(start, hist0)
        if end <= lo or limit <= 0:
            return np.empty((0, 7))
        last = tf.bucket_start(end - 1)
        first = last
        n = 1
        while n < limit:
            prev = tf.prev_start(first)
            if prev < lo:
                break
            first, n = prev, n + 1
        if first < lo:  # the only bucket starts before `start`: Bitget keys candles by their start time
            first = tf.next_start(first)
            if first >= end:
                return np.empty((0, 7))
        unit_end = min(tf.next_start(last), now + 1)
        rows = self.units(tf.unit, max(first, hist0), unit_end, kind, now)
        if not len(rows):
            return rows
        keys = tf.keys(rows[:, TS])
        out = _aggregate(rows, keys)
        if tf.unit != "m" or tf.length_ms != MINUTE:
            out[:, TS] = [tf.bucket_start(int(t)) for t in out[:, TS]]
        return out[-limit:]


def _aggregate(rows: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Group consecutive rows with equal keys into candles (first open, max high, min low, last close, sums)."""
    if not len(rows):
        return np.empty((0, 7))
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    ends = np.concatenate((starts[1:], [len(rows)])) - 1
    out = np.empty((len(starts), 7))
    out[:, TS] = rows[starts, TS]
    out[:, O] = rows[starts, O]
    out[:, H] = np.maximum.reduceat(rows[:, H], starts)
    out[:, L] = np.minimum.reduceat(rows[:, L], starts)
    out[:, C] = rows[ends, C]
    out[:, V] = np.add.reduceat(rows[:, V], starts)
    out[:, QV] = np.add.reduceat(rows[:, QV], starts)
    return out
