"""Deterministic synthetic candles for chart tests and benchmarks."""

from __future__ import annotations

import numpy as np

T0 = 1_700_000_000_000  # 2023-11-14 22:13:20 UTC
MINUTE = 60_000


def synth_candles(n: int, seed: int = 1, interval_ms: int = MINUTE, start: float = 30_000.0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    ts = T0 + np.arange(n, dtype=np.int64) * interval_ms
    close = start * np.exp(np.cumsum(rng.normal(0.0, 0.002, n)))
    open_ = np.empty(n)
    open_[0] = start
    open_[1:] = close[:-1]
    spread = np.abs(rng.normal(0.0, 0.0015, (2, n)))
    high = np.maximum(open_, close) * (1 + spread[0])
    low = np.minimum(open_, close) * (1 - spread[1])
    volume = rng.gamma(2.0, 5.0, n)
    return {"ts": ts, "open": open_, "high": high, "low": low, "close": close, "volume": volume}
