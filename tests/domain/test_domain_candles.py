"""Candle row parsing, CandleSeries upsert/merge/gaps/views and the calendar-month helpers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest

from bitget_desktop.domain.candles import (
    CandleSeries,
    bucket_start,
    month_start,
    month_starts,
    next_month_start,
    parse_candle_row,
)
from bitget_desktop.domain.market import Candle, Timeframe

from .conftest import load_fixture

MIN = 60_000


def ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


def c(ts: int, close: float = 1.0, vol: float = 1.0) -> Candle:
    d = Decimal(str(close))
    return Candle(ts, d, d + 1, d - 1, d, Decimal(str(vol)), Decimal(0))


# -- parsing --------------------------------------------------------------------------------------------------
def test_parse_spot_8_element_row() -> None:
    row = load_fixture("spot_market_candles.json")["data"][0]
    k = parse_candle_row(row)
    assert k == Candle(
        1703762160000, Decimal("43050.41"), Decimal("43050.46"), Decimal("43042.66"), Decimal("43044"),
        Decimal("0.6049"), Decimal("26039.632367"),
    )


def test_parse_mix_7_element_rows() -> None:
    rows = load_fixture("mix_market_history_candles.json")["data"]
    ks = [parse_candle_row(r) for r in rows]
    assert all(isinstance(k.close, Decimal) for k in ks)
    assert ks[0].ts == 1790358660000 and ks[0].quote_volume == Decimal("63370.46146")
    assert [k.ts for k in ks] == sorted(k.ts for k in ks)


@pytest.mark.parametrize(
    "name",
    [
        "spot_market_history_candles.json",
        "mix_market_candles_usdt_futures.json",
        "mix_market_candles_coin_futures.json",
    ],
)
def test_parse_fixture_rows(name: str) -> None:
    for row in load_fixture(name)["data"]:
        k = parse_candle_row(row)
        assert k.low <= k.open <= k.high and k.low <= k.close <= k.high


def test_parse_rejects_wrong_length() -> None:
    with pytest.raises(ValueError, match="7 or 8"):
        parse_candle_row(["1", "2", "3"])


# -- series ---------------------------------------------------------------------------------------------------
def test_upsert_outcomes_and_views() -> None:
    s = CandleSeries()
    assert len(s) == 0 and s.first_ts is None and s.gaps(Timeframe.M1) == []
    assert s.upsert(c(2 * MIN, 10)) == "appended"
    assert s.upsert(c(3 * MIN, 11)) == "appended"
    assert s.upsert(c(3 * MIN, 12)) == "replaced"
    assert s.upsert(c(3 * MIN, 12)) == "ignored"
    assert s.upsert(c(1 * MIN, 9)) == "inserted"
    assert s.upsert(c(5 * MIN, 13)) == "appended"
    assert s.upsert(c(4 * MIN, 14)) == "inserted"
    assert s.ts.tolist() == [MIN, 2 * MIN, 3 * MIN, 4 * MIN, 5 * MIN]
    assert s.close.tolist() == [9, 10, 12, 14, 13]
    assert s.high.tolist() == [10, 11, 13, 15, 14] and s.low.tolist() == [8, 9, 11, 13, 12]
    assert s.open.dtype == np.float64 and s.ts.dtype == np.int64
    assert s.ohlcv().shape == (5, 5) and s.volume.tolist() == [1.0] * 5
    assert s.row(-1) == (5 * MIN, 13.0, 14.0, 12.0, 13.0, 1.0)
    assert (s.first_ts, s.last_ts) == (MIN, 5 * MIN)
    with pytest.raises(ValueError):
        s.close[0] = 1.0  # views are read-only
    with pytest.raises(IndexError):
        s.row(5)


def test_growth_is_amortised_and_version_changes() -> None:
    s = CandleSeries(capacity=16)
    v0 = s.version
    for i in range(5000):
        s.upsert(c(i * MIN, i))
    assert len(s) == 5000 and s.close[-1] == 4999 and s.version > v0
    assert s._ts.shape[0] < 5000 * 2 + 16  # doubled, not grown per row


def test_merge_history_prepends_and_dedupes() -> None:
    s = CandleSeries([c(10 * MIN, 10), c(11 * MIN, 11)])
    page = [c(t * MIN, t) for t in range(5, 11)] + [c(7 * MIN, 7)]  # overlaps at 10, duplicate 7
    assert s.merge_history(reversed(page)) == 5
    assert s.ts.tolist() == [t * MIN for t in range(5, 12)]
    assert s.close[5] == 10  # existing candle kept
    assert s.merge_history([]) == 0 and s.merge_history([c(5 * MIN)]) == 0
    assert s.slice(6 * MIN, 9 * MIN) == (1, 4)


def test_merge_history_into_empty_and_with_holes() -> None:
    s = CandleSeries()
    assert s.merge_history([c(3 * MIN), c(1 * MIN)]) == 2
    assert s.merge_history([c(2 * MIN, 5)]) == 1
    assert s.ts.tolist() == [MIN, 2 * MIN, 3 * MIN] and s.close[1] == 5
    s.clear()
    assert len(s) == 0


def test_gaps() -> None:
    s = CandleSeries([c(t * MIN) for t in (0, 1, 2, 5, 6, 8)])
    assert s.gaps(Timeframe.M1) == [(3 * MIN, 4 * MIN), (7 * MIN, 7 * MIN)]
    h = CandleSeries([c(t * 3_600_000) for t in (0, 1, 4)])
    assert h.gaps(Timeframe.H1) == [(2 * 3_600_000, 3 * 3_600_000)]


def test_month_helpers_and_month_gaps() -> None:
    assert month_start(ms(2024, 2, 29, 23, 59)) == ms(2024, 2, 1)
    assert next_month_start(ms(2024, 12, 15)) == ms(2025, 1, 1)
    assert next_month_start(ms(2024, 1, 31)) == ms(2024, 2, 1)
    assert month_starts(ms(2024, 1, 15), ms(2024, 5, 1)) == [ms(2024, 2, 1), ms(2024, 3, 1), ms(2024, 4, 1)]
    assert month_starts(ms(2024, 1, 1), ms(2024, 2, 1)) == [ms(2024, 1, 1)]
    s = CandleSeries([c(ms(2024, 1, 1)), c(ms(2024, 2, 1)), c(ms(2024, 5, 1)), c(ms(2024, 6, 1))])
    assert s.gaps(Timeframe.MN1) == [(ms(2024, 3, 1), ms(2024, 4, 1))]


def test_bucket_start() -> None:
    t = ms(2024, 3, 14, 13, 37, 12)
    assert bucket_start(t, Timeframe.M1) == ms(2024, 3, 14, 13, 37)
    assert bucket_start(t, Timeframe.M15) == ms(2024, 3, 14, 13, 30)
    assert bucket_start(t, Timeframe.H4) == ms(2024, 3, 14, 12)
    assert bucket_start(t, Timeframe.D1) == ms(2024, 3, 14)
    assert bucket_start(t, Timeframe.W1) == ms(2024, 3, 11)  # a Monday
    assert bucket_start(t, Timeframe.MN1) == ms(2024, 3, 1)


def test_ws_candle_snapshot_feeds_series() -> None:
    msg = load_fixture("ws_candle1m_spot_snapshot.json")
    assert Timeframe.parse(msg["arg"]["channel"]) is Timeframe.M1
    s = CandleSeries()
    results = [s.upsert(parse_candle_row(r)) for r in msg["data"]]
    assert results == ["appended"] * 3 and s.gaps(Timeframe.M1) == []
