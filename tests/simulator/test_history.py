"""Deterministic candles: same seed -> same path, every interval aggregates the 1m path, 90 days of 1m history,
and the live market continues the same path."""

from __future__ import annotations

import time

import numpy as np
import pytest

from bitget_desktop.simulator.history import DAY, HOUR, MINUTE, parse_granularity
from bitget_desktop.simulator.market import MarketData

T0 = 1_795_000_000_000 - 1_795_000_000_000 % MINUTE + 17_000  # a fixed instant, 17 s into a minute


def market(seed: int = 7, t0: int = T0) -> tuple[MarketData, list[int]]:
    clock = [t0]
    m = MarketData(seed, clock=lambda: clock[0], tick_ms=200)
    m.advance(t0)
    return m, clock


def tf(name: str):
    t = parse_granularity(name)
    assert t is not None
    return t


def agg(rows: np.ndarray) -> list[float]:
    return [rows[0, 1], rows[:, 2].max(), rows[:, 3].min(), rows[-1, 4], rows[:, 5].sum()]


def test_same_seed_same_candles_different_seed_different():
    a, _ = market(7)
    b, _ = market(7)
    c, _ = market(8)
    end = T0 - 2 * DAY
    for name in ("1m", "15m", "1H", "1D"):
        ra = a.candles("SPOT", "BTCUSDT", tf(name), None, end, 300)
        rb = b.candles("SPOT", "BTCUSDT", tf(name), None, end, 300)
        rc = c.candles("SPOT", "BTCUSDT", tf(name), None, end, 300)
        assert len(ra) == 300 and np.array_equal(ra, rb)
        assert not np.array_equal(ra[:, 1:5], rc[:, 1:5])
    # and across repeated calls on one market (caches must not change answers)
    again = a.candles("SPOT", "BTCUSDT", tf("1H"), None, end, 300)
    assert np.array_equal(again, a.candles("SPOT", "BTCUSDT", tf("1H"), None, end, 300))


@pytest.mark.parametrize("product,symbol", [("SPOT", "BTCUSDT"), ("USDT-FUTURES", "ETHUSDT"), ("SPOT", "SOLUSDT")])
def test_every_interval_is_the_aggregate_of_the_1m_path(product, symbol):
    m, _ = market()
    day0 = (T0 - 5 * DAY) // DAY * DAY
    mins = m.candles(product, symbol, tf("1m"), day0, day0 + 1000 * MINUTE, 1000)  # Bitget aligns from the end
    mins = np.concatenate([mins, m.candles(product, symbol, tf("1m"), day0 + 1000 * MINUTE, day0 + DAY, 1000)])
    assert len(mins) == 1440 and np.all(np.diff(mins[:, 0]) == MINUTE)
    assert np.all(mins[1:, 1] == mins[:-1, 4])  # each open is the previous close
    assert np.all(mins[:, 3] <= np.minimum(mins[:, 1], mins[:, 4]))
    assert np.all(mins[:, 2] >= np.maximum(mins[:, 1], mins[:, 4]))
    for name, n in (("3m", 3), ("5m", 5), ("15m", 15), ("30m", 30), ("1H", 60), ("4H", 240), ("12H", 720)):
        rows = m.candles(product, symbol, tf(name), day0, day0 + DAY, 1000)
        assert len(rows) == 1440 // n, name
        for i, r in enumerate(rows):
            part = mins[i * n:(i + 1) * n]
            assert r[0] == part[0, 0]
            assert np.allclose(r[1:6], agg(part)), (name, i)
    day = m.candles(product, symbol, tf("1D"), day0, day0 + DAY, 1)
    assert np.allclose(day[0, 1:6], agg(mins))
    week = m.candles(product, symbol, tf("1W"), None, T0 - 14 * DAY, 1)
    wstart = int(week[0, 0])
    assert (wstart // DAY - 4) % 7 == 0  # weeks start on Monday (1970-01-05 was one)
    days = m.candles(product, symbol, tf("1D"), wstart, wstart + 7 * DAY, 7)
    assert len(days) == 7 and np.allclose(week[0, 1:6], agg(days))


def test_ninety_days_of_1m_history_by_paging_back():
    m, _ = market()
    end = T0 - T0 % MINUTE
    oldest = end - 90 * DAY
    seen = 0
    prev_open = None
    t = time.perf_counter()
    while end > oldest:
        rows = m.candles("SPOT", "BTCUSDT", tf("1m"), None, end, 200)
        assert len(rows) == 200
        assert rows[-1, 0] == end - MINUTE and np.all(np.diff(rows[:, 0]) == MINUTE)
        if prev_open is not None:
            assert rows[-1, 4] == prev_open  # pages join on the path
        prev_open = rows[0, 1]
        seen += len(rows)
        end = int(rows[0, 0])
    assert seen >= 90 * 1440
    assert time.perf_counter() - t < 20


def test_coarse_candles_are_cheap():
    m, _ = market(11)
    t = time.perf_counter()
    days = m.candles("USDT-FUTURES", "BTCUSDT", tf("1D"), None, None, 90)
    first = time.perf_counter() - t
    assert len(days) == 90 and np.all(np.diff(days[:, 0]) == DAY)
    assert first < 2.0
    t = time.perf_counter()
    again = m.candles("USDT-FUTURES", "BTCUSDT", tf("1D"), None, None, 90)
    assert time.perf_counter() - t < 0.1 and np.array_equal(days[:-1], again[:-1])
    months = m.candles("SPOT", "BTCUSDT", tf("1M"), None, None, 1000)
    assert len(months) >= 12 and all(time.gmtime(int(r[0]) // 1000).tm_mday == 1 for r in months)


def test_live_market_continues_the_path():
    m, clock = market()
    start_minute = T0 // MINUTE
    for i in range(1, 5 * 300 + 1):  # five minutes of ticks
        clock[0] = T0 + i * 200
        m.advance(clock[0])
    hist = m.history("SPOT", "BTCUSDT")
    live = m.candles("SPOT", "BTCUSDT", tf("1m"), (start_minute + 1) * MINUTE, (start_minute + 5) * MINUTE, 10)
    assert len(live) == 4
    for r in live:
        day = int(r[0]) // DAY
        det = hist.day_minutes(day)[(int(r[0]) - day * DAY) // MINUTE]
        assert list(r[1:5]) == list(det[1:5])  # the live OHLC passes through the path's open/high/low/close
        assert r[5] > 0
    # the forming candle is served and built from live trades
    forming = m.candles("SPOT", "BTCUSDT", tf("1m"), None, None, 1)
    assert int(forming[0, 0]) == clock[0] // MINUTE * MINUTE
    last_trade = m.recent_trades("SPOT", "BTCUSDT", 1)[0]
    assert forming[0, 4] == last_trade.price
    # the 1H candle containing the live minutes still aggregates the served 1m candles
    hstart = clock[0] // HOUR * HOUR
    mins = m.candles("SPOT", "BTCUSDT", tf("1m"), hstart, hstart + HOUR, 100)
    hour = m.candles("SPOT", "BTCUSDT", tf("1H"), hstart, hstart + HOUR, 1)
    assert np.allclose(hour[0, 1:6], agg(mins))


def test_mark_and_index_candles_track_the_market():
    m, _ = market()
    end = T0 - DAY
    mk = m.candles("USDT-FUTURES", "BTCUSDT", tf("1H"), None, end, 24)
    mark = m.candles("USDT-FUTURES", "BTCUSDT", tf("1H"), None, end, 24, "mark")
    index = m.candles("USDT-FUTURES", "BTCUSDT", tf("1H"), None, end, 24, "index")
    assert np.array_equal(mk[:, 0], mark[:, 0]) and np.array_equal(mk[:, 0], index[:, 0])
    assert np.all(np.abs(mark[:, 4] / mk[:, 4] - 1) < 0.002) and np.all(np.abs(index[:, 4] / mk[:, 4] - 1) < 0.003)
    assert np.all(mark[:, 5] == 0)


def test_volatility_clusters():
    """Daily ranges vary in regimes: neighbouring days are more alike than days far apart."""
    m, _ = market()
    days = m.candles("SPOT", "BTCUSDT", tf("1D"), None, T0 - DAY, 300)
    rng = np.log(days[:, 2] / days[:, 3])
    lr = np.log(rng)
    lag1 = np.corrcoef(lr[:-1], lr[1:])[0, 1]
    assert lag1 > 0.2
    assert rng.max() / rng.min() > 3
