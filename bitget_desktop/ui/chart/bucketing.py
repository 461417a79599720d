"""Pure numpy merging of consecutive candles into coarser candles (per pixel column or per fixed block)."""

from __future__ import annotations

import numpy as np

# Row order of the (5, n) value block used throughout the chart package.
OPEN, HIGH, LOW, CLOSE, VOLUME = range(5)


def merge_runs(ts: np.ndarray, vals: np.ndarray, key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge runs of equal ``key`` (non-decreasing) into one candle each.

    Returns ``(starts, ts_merged, vals_merged)``: first open, max high, min low, last close, summed volume,
    and the first timestamp of each run.
    """
    n = len(key)
    if n == 0:
        return np.empty(0, np.intp), ts[:0], vals[:, :0]
    change = np.empty(n, dtype=bool)
    change[0] = True
    np.not_equal(key[1:], key[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:]
    ends[-1] = n
    out = np.empty((5, len(starts)), dtype=np.float64)
    out[OPEN] = vals[OPEN][starts]
    out[HIGH] = np.maximum.reduceat(vals[HIGH], starts)
    out[LOW] = np.minimum.reduceat(vals[LOW], starts)
    out[CLOSE] = vals[CLOSE][ends - 1]
    out[VOLUME] = np.add.reduceat(vals[VOLUME], starts)
    return starts, ts[starts], out


def merge_blocks(ts: np.ndarray, vals: np.ndarray, factor: int) -> tuple[np.ndarray, np.ndarray]:
    """Merge every ``factor`` consecutive candles (the last block may be short) into one."""
    n = len(ts)
    if n == 0:
        return ts[:0].copy(), vals[:, :0].copy()
    starts = np.arange(0, n, factor)
    out = np.empty((5, len(starts)), dtype=np.float64)
    full = n // factor
    if full:
        m = full * factor
        out[OPEN, :full] = vals[OPEN, :m:factor]
        out[HIGH, :full] = vals[HIGH, :m].reshape(full, factor).max(axis=1)
        out[LOW, :full] = vals[LOW, :m].reshape(full, factor).min(axis=1)
        out[CLOSE, :full] = vals[CLOSE, factor - 1 : m : factor]
        out[VOLUME, :full] = vals[VOLUME, :m].reshape(full, factor).sum(axis=1)
    if full < len(starts):
        s = full * factor
        out[:, full] = merge_one(vals[:, s:])
    return ts[starts].copy(), out


def merge_one(vals: np.ndarray) -> np.ndarray:
    """Merge a short (5, k) block into one (5,) candle."""
    return np.array(
        (vals[OPEN, 0], vals[HIGH].max(), vals[LOW].min(), vals[CLOSE, -1], vals[VOLUME].sum()),
        dtype=np.float64,
    )


def pixel_keys(ts: np.ndarray, t0: float, ms_per_px: float) -> np.ndarray:
    """Pixel column (relative to ``t0``) of each timestamp."""
    return np.floor((ts - t0) / ms_per_px).astype(np.int64)
