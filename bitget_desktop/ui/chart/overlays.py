"""IndicatorTrack: indicator outputs kept aligned with a CandleStore and updated by tail recomputation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import indicators as ind
from .store import CLOSE, CandleStore

Func = Callable[[np.ndarray], tuple[np.ndarray, ...]]


@dataclass
class IndicatorTrack:
    """One indicator over closes: ``outputs[k][:len(store)]`` are its lines (e.g. Bollinger mid/upper/lower)."""

    name: str
    func: Func
    warmup: int
    n_outputs: int
    pane: str  # "price" or "lower"
    outputs: list[np.ndarray] = field(default_factory=list)
    size: int = 0
    lo: float = np.inf  # running min / max over all outputs (only widens on tail updates)
    hi: float = -np.inf

    def values(self, k: int) -> Callable[[], np.ndarray]:
        return lambda: self.outputs[k][: self.size]

    def recompute(self, store: CandleStore, changed_from: int | None) -> None:
        """Full recompute when ``changed_from`` is None, else only from that index (O(warmup) per live tick)."""
        n = len(store)
        close = store.column(CLOSE)
        if not self.outputs or len(self.outputs[0]) < n:
            cap = max(64, 2 * n)
            grown = [np.full(cap, np.nan) for _ in range(self.n_outputs)]
            for old, new in zip(self.outputs, grown, strict=False):
                new[: self.size] = old[: self.size]
            self.outputs = grown
            # fall through: values beyond the old size are recomputed below
        if changed_from is None or changed_from > self.size:
            changed_from = 0 if changed_from is None else min(changed_from, self.size)
        s = max(0, changed_from - self.warmup)
        res = self.func(close[s:n])
        if changed_from == 0:
            self.lo, self.hi = np.inf, -np.inf
        for out, r in zip(self.outputs, res, strict=False):
            fresh = r[changed_from - s :]
            out[changed_from:n] = fresh
            finite = fresh[np.isfinite(fresh)]
            if len(finite):
                self.lo = min(self.lo, float(finite.min()))
                self.hi = max(self.hi, float(finite.max()))
        self.size = n

    def y_extent(self) -> tuple[float, float]:
        return (self.lo, self.hi) if self.lo <= self.hi else (0.0, 1.0)


def sma_track(n: int) -> IndicatorTrack:
    return IndicatorTrack(f"SMA {n}", lambda x: (ind.sma(x, n),), n, 1, "price")


def ema_track(n: int) -> IndicatorTrack:
    return IndicatorTrack(f"EMA {n}", lambda x: (ind.ema(x, n),), 12 * n, 1, "price")


def bollinger_track(n: int = 20, k: float = 2.0) -> IndicatorTrack:
    return IndicatorTrack(f"BB {n} {k:g}", lambda x: ind.bollinger(x, n, k), n, 3, "price")


def rsi_track(n: int = 14) -> IndicatorTrack:
    return IndicatorTrack(f"RSI {n}", lambda x: (ind.rsi(x, n),), 20 * n, 1, "lower")


def macd_track(fast: int = 12, slow: int = 26, signal: int = 9) -> IndicatorTrack:
    return IndicatorTrack(
        f"MACD {fast} {slow} {signal}", lambda x: ind.macd(x, fast, slow, signal), 12 * (slow + signal), 3, "lower"
    )
