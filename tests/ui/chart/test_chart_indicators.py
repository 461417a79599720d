"""Indicator maths against straightforward plain-Python reference calculations."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from bitget_desktop.ui.chart import indicators as ind
from bitget_desktop.ui.chart.demo import synth_candles
from bitget_desktop.ui.chart.overlays import bollinger_track, ema_track, macd_track, rsi_track, sma_track
from bitget_desktop.ui.chart.store import CandleStore

NAN = float("nan")


def ref_sma(x, n):
    return [NAN if i < n - 1 else sum(x[i - n + 1 : i + 1]) / n for i in range(len(x))]


def ref_ema(x, n):
    out = [NAN] * len(x)
    if len(x) < n:
        return out
    a = 2 / (n + 1)
    prev = sum(x[:n]) / n
    out[n - 1] = prev
    for i in range(n, len(x)):
        prev = a * x[i] + (1 - a) * prev
        out[i] = prev
    return out


def ref_std(x, n):
    out = []
    for i in range(len(x)):
        if i < n - 1:
            out.append(NAN)
            continue
        w = x[i - n + 1 : i + 1]
        m = sum(w) / n
        out.append(math.sqrt(sum((v - m) ** 2 for v in w) / n))
    return out


def ref_rsi(x, n):
    out = [NAN] * len(x)
    gains = [max(x[i] - x[i - 1], 0.0) for i in range(1, len(x))]
    losses = [max(x[i - 1] - x[i], 0.0) for i in range(1, len(x))]
    ag, al = sum(gains[:n]) / n, sum(losses[:n]) / n

    def value(g, l):
        if l == 0:
            return 50.0 if g == 0 else 100.0
        return 100 - 100 / (1 + g / l)

    out[n] = value(ag, al)
    for i in range(n, len(gains)):
        ag = (ag * (n - 1) + gains[i]) / n
        al = (al * (n - 1) + losses[i]) / n
        out[i + 1] = value(ag, al)
    return out


def close(a, b, rtol=1e-9):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=rtol, atol=1e-9)


@pytest.fixture
def prices() -> list[float]:
    rnd = random.Random(11)
    p, out = 100.0, []
    for _ in range(600):
        p *= math.exp(rnd.gauss(0, 0.01))
        out.append(p)
    return out


@pytest.mark.parametrize("n", [1, 2, 5, 20, 50])
def test_sma(prices, n) -> None:
    close(ind.sma(np.array(prices), n), ref_sma(prices, n))


@pytest.mark.parametrize("n", [2, 9, 12, 26, 200])
def test_ema(prices, n) -> None:
    close(ind.ema(np.array(prices), n), ref_ema(prices, n))


def test_ewm_block_closed_form_is_stable_for_many_alphas() -> None:
    x = np.linspace(1, 2, 5000) + np.sin(np.arange(5000))
    for alpha in (0.9, 0.5, 0.1, 0.01, 0.001):
        prev, ref = 3.0, []
        for v in x:
            prev = alpha * v + (1 - alpha) * prev
            ref.append(prev)
        np.testing.assert_allclose(ind.ewm(x, alpha, 3.0), ref, rtol=1e-10)


def test_bollinger(prices) -> None:
    mid, up, lo = ind.bollinger(np.array(prices), 20, 2.0)
    m, s = ref_sma(prices, 20), ref_std(prices, 20)
    close(mid, m)
    close(up, [a + 2 * b for a, b in zip(m, s, strict=True)])
    close(lo, [a - 2 * b for a, b in zip(m, s, strict=True)])


@pytest.mark.parametrize("n", [2, 14])
def test_rsi(prices, n) -> None:
    close(ind.rsi(np.array(prices), n), ref_rsi(prices, n))


def test_rsi_flat_and_rising() -> None:
    assert ind.rsi(np.full(30, 5.0), 14)[-1] == 50.0
    assert ind.rsi(np.arange(30.0), 14)[-1] == 100.0


def test_macd(prices) -> None:
    line, sig, hist = ind.macd(np.array(prices), 12, 26, 9)
    ref_line = [a - b for a, b in zip(ref_ema(prices, 12), ref_ema(prices, 26), strict=True)]
    close(line, ref_line)
    ref_sig = [NAN] * 25 + ref_ema(ref_line[25:], 9)
    close(sig, ref_sig)
    close(hist, [a - b for a, b in zip(ref_line, ref_sig, strict=True)])


def test_short_inputs_are_all_nan() -> None:
    assert np.isnan(ind.sma(np.array([1.0, 2.0]), 3)).all()
    assert np.isnan(ind.ema(np.array([1.0]), 3)).all()
    assert np.isnan(ind.rsi(np.array([1.0, 2.0]), 14)).all()


@pytest.mark.parametrize("make", [lambda: sma_track(20), lambda: ema_track(20), lambda: bollinger_track(20, 2),
                                  lambda: rsi_track(14), lambda: macd_track()])
def test_tracks_follow_live_updates_by_tail_recompute(make) -> None:
    d = synth_candles(3000, seed=8)
    st = CandleStore()
    st.set_data(d["ts"], d["open"], d["high"], d["low"], d["close"], d["volume"])
    track = make()
    track.recompute(st, None)
    extra = synth_candles(300, seed=9, start=float(d["close"][-1]))
    for i in range(300):
        st.append(st.last_ts + 60_000, extra["open"][i], extra["high"][i], extra["low"][i], extra["close"][i], 1.0)
        track.recompute(st, len(st) - 1)
        st.update_last(extra["open"][i], extra["high"][i], extra["low"][i], extra["close"][i] * 1.001, 2.0)
        track.recompute(st, len(st) - 1)
    full = track.func(st.column(3))
    for k in range(track.n_outputs):
        close(track.outputs[k][: track.size], full[k], rtol=1e-8)
