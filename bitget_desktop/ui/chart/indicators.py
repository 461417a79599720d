"""Technical indicators as pure numpy functions over float64 arrays; NaN where not yet defined.

Conventions (as on common charting sites): SMA over ``n`` values; EMA with alpha 2/(n+1) seeded with the SMA of
the first ``n`` values; Bollinger bands with the population standard deviation; RSI with Wilder's smoothing
(alpha 1/n, seeded with simple averages of the first ``n`` changes); MACD = EMA(fast) - EMA(slow), signal =
EMA(signal) of the MACD line, histogram = MACD - signal.
"""

from __future__ import annotations

import math

import numpy as np


def sma(x: np.ndarray, n: int) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    out = np.full(len(x), np.nan)
    if n < 1 or len(x) < n:
        return out
    shift = x[0]  # keeps the running sum small, which keeps it exact enough over long histories
    c = np.cumsum(x - shift)
    out[n - 1] = c[n - 1] / n
    out[n:] = (c[n:] - c[:-n]) / n
    out[n - 1 :] += shift
    return out


def rolling_std(x: np.ndarray, n: int) -> np.ndarray:
    """Population standard deviation over a window of ``n``."""
    x = np.asarray(x, dtype=np.float64)
    out = np.full(len(x), np.nan)
    if n < 1 or len(x) < n:
        return out
    mean = sma(x, n)
    shift = x[0]
    y = x - shift
    c2 = np.cumsum(y * y)
    s2 = np.empty(len(x) - n + 1)
    s2[0] = c2[n - 1]
    s2[1:] = c2[n:] - c2[:-n]
    m = mean[n - 1 :] - shift
    var = s2 / n - m * m
    out[n - 1 :] = np.sqrt(np.maximum(var, 0.0))
    return out


def ewm(x: np.ndarray, alpha: float, seed: float) -> np.ndarray:
    """y[i] = alpha * x[i] + (1 - alpha) * y[i-1], with y[-1] = seed; vectorised in blocks.

    Within a block of length B the recursion has the closed form
    y[k] = d^(k+1) * y0 + alpha * sum_j d^(k-j) x[j] (d = 1 - alpha); B is chosen so d^-B stays below ~e^12,
    which keeps the scaled partial sums well within float64 precision.
    """
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    out = np.empty(n)
    if n == 0:
        return out
    d = 1.0 - alpha
    if d <= 0.0:
        out[:] = x
        return out
    block = max(1, min(n, int(12.0 / -math.log(d))))
    k = np.arange(block, dtype=np.float64)
    pw = d ** (k + 1)  # d^(k+1)
    inv = d ** -k  # d^-k
    prev = seed
    for s in range(0, n, block):
        xb = x[s : s + block]
        m = len(xb)
        acc = np.cumsum(xb * inv[:m])
        yb = pw[:m] * prev + alpha * acc * (d ** k[:m])
        out[s : s + m] = yb
        prev = yb[-1]
    return out


def ema(x: np.ndarray, n: int) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    out = np.full(len(x), np.nan)
    if n < 1 or len(x) < n:
        return out
    seed = float(x[:n].mean())
    out[n - 1] = seed
    out[n:] = ewm(x[n:], 2.0 / (n + 1), seed)
    return out


def bollinger(x: np.ndarray, n: int = 20, k: float = 2.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(middle, upper, lower)."""
    mid = sma(x, n)
    sd = rolling_std(x, n)
    return mid, mid + k * sd, mid - k * sd


def rsi(x: np.ndarray, n: int = 14) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    out = np.full(len(x), np.nan)
    if n < 1 or len(x) <= n:
        return out
    diff = np.diff(x)
    gain = np.maximum(diff, 0.0)
    loss = np.maximum(-diff, 0.0)
    g0, l0 = float(gain[:n].mean()), float(loss[:n].mean())
    ag = np.empty(len(diff) - n + 1)
    al = np.empty_like(ag)
    ag[0], al[0] = g0, l0
    ag[1:] = ewm(gain[n:], 1.0 / n, g0)
    al[1:] = ewm(loss[n:], 1.0 / n, l0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 100.0 - 100.0 / (1.0 + ag / al)
    r = np.where(al == 0.0, np.where(ag == 0.0, 50.0, 100.0), r)
    out[n:] = r
    return out


def macd(
    x: np.ndarray, fast: int = 12, slow: int = 26, signal: int = 9
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(macd line, signal line, histogram)."""
    line = ema(x, fast) - ema(x, slow)
    sig = np.full(len(line), np.nan)
    start = slow - 1
    if len(line) > start:
        sig[start:] = ema(line[start:], signal)
    return line, sig, line - sig


def tail_recompute(func, x: np.ndarray, out: np.ndarray, changed_from: int, warmup: int) -> None:
    """Recompute ``out[changed_from:] = func(x)[changed_from:]`` looking only at ``warmup`` earlier values.

    Exact for window indicators (SMA, Bollinger) when ``warmup`` >= the window; for recursive ones (EMA, RSI,
    MACD) the seed's influence decays as (1 - alpha)^warmup, so a warm-up of ~10 periods is below 1e-8.
    This keeps a live update O(period), not O(history).
    """
    s = max(0, changed_from - warmup)
    out[changed_from:] = func(x[s:])[changed_from - s :]
