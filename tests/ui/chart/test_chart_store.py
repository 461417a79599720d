"""CandleStore and bucketing: visible-range merging, append/update_last/prepend, incremental bounds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as hs

from bitget_desktop.ui.chart.bucketing import merge_blocks, merge_runs, pixel_keys
from bitget_desktop.ui.chart.demo import MINUTE, T0, synth_candles
from bitget_desktop.ui.chart.store import CLOSE, HIGH, LOW, OPEN, VOLUME, CandleStore


def make_store(n: int, seed: int = 1) -> tuple[CandleStore, dict[str, np.ndarray]]:
    d = synth_candles(n, seed=seed)
    st = CandleStore()
    st.set_data(d["ts"], d["open"], d["high"], d["low"], d["close"], d["volume"])
    return st, d


def reference_merge(ts, vals, keys):
    """Plain-Python bucket merge: one dict per key, in order."""
    out = []
    for i, k in enumerate(keys):
        row = [float(x) for x in vals[:, i]]
        if out and out[-1]["key"] == k:
            b = out[-1]
            b["high"] = max(b["high"], row[HIGH])
            b["low"] = min(b["low"], row[LOW])
            b["close"] = row[CLOSE]
            b["volume"] += row[VOLUME]
        else:
            out.append(
                {"key": k, "ts": int(ts[i]), "open": row[OPEN], "high": row[HIGH], "low": row[LOW],
                 "close": row[CLOSE], "volume": row[VOLUME]}
            )
    return out


def test_merge_runs_matches_reference() -> None:
    d = synth_candles(997, seed=4)
    vals = np.vstack([d["open"], d["high"], d["low"], d["close"], d["volume"]])
    keys = pixel_keys(d["ts"], float(T0), 7.3 * MINUTE)
    starts, mts, mvals = merge_runs(d["ts"], vals, keys)
    ref = reference_merge(d["ts"], vals, keys)
    assert len(ref) == len(mts) == len(starts)
    for i, b in enumerate(ref):
        assert mts[i] == b["ts"]
        assert mvals[OPEN, i] == b["open"]
        assert mvals[HIGH, i] == b["high"]
        assert mvals[LOW, i] == b["low"]
        assert mvals[CLOSE, i] == b["close"]
        assert mvals[VOLUME, i] == pytest.approx(b["volume"], rel=1e-12)


def test_merge_blocks_short_tail() -> None:
    d = synth_candles(10, seed=2)
    vals = np.vstack([d["open"], d["high"], d["low"], d["close"], d["volume"]])
    ts, out = merge_blocks(d["ts"], vals, 4)
    assert list(ts) == [d["ts"][0], d["ts"][4], d["ts"][8]]
    assert out[HIGH, 2] == max(d["high"][8:])
    assert out[CLOSE, 2] == d["close"][9]
    assert out[OPEN, 1] == d["open"][4]
    assert out[LOW, 0] == min(d["low"][:4])


def test_visible_window_merges_per_pixel_exactly_at_base_level() -> None:
    st, d = make_store(900)
    t0, t1 = float(d["ts"][100]), float(d["ts"][700])
    vis = st.visible(t0, t1, 200.0)  # 600 candles on 200 px: merged, base level (no pyramid below 1024)
    assert vis.merged and vis.level == 0
    i0, i1 = st.index_range(t0, t1)
    vals = np.vstack([d["open"], d["high"], d["low"], d["close"], d["volume"]])[:, i0:i1]
    ref = reference_merge(d["ts"][i0:i1], vals, pixel_keys(d["ts"][i0:i1], t0, (t1 - t0) / 200.0))
    assert len(vis.ts) == len(ref) <= 201
    assert [b["high"] for b in ref] == list(vis.vals[HIGH])
    assert [b["low"] for b in ref] == list(vis.vals[LOW])
    assert [b["open"] for b in ref] == list(vis.vals[OPEN])
    assert [b["close"] for b in ref] == list(vis.vals[CLOSE])


def test_visible_few_candles_are_not_merged() -> None:
    st, d = make_store(5000)
    vis = st.visible(float(d["ts"][-200]), float(d["ts"][-1] + MINUTE), 1200.0)
    assert not vis.merged
    assert list(vis.ts) == list(d["ts"][-200:])


def test_full_range_uses_pyramid_and_keeps_extremes() -> None:
    st, d = make_store(300_000)
    t0, t1 = float(d["ts"][0]), float(d["ts"][-1] + MINUTE)
    vis = st.visible(t0, t1, 1500.0)
    assert vis.merged and vis.level >= 1
    assert len(vis.ts) <= 1501
    assert vis.vals[HIGH].max() == d["high"].max()
    assert vis.vals[LOW].min() == d["low"].min()
    assert vis.vals[OPEN, 0] == d["open"][0]
    assert vis.vals[CLOSE, -1] == d["close"][-1]
    assert vis.vals[VOLUME].sum() == pytest.approx(d["volume"].sum(), rel=1e-9)


def test_append_update_last_upsert() -> None:
    st, d = make_store(10)
    v0 = st.version
    st.append(int(d["ts"][-1]) + MINUTE, 1.0, 2.0, 0.5, 1.5, 3.0)
    assert len(st) == 11 and st.version > v0
    assert st.candle(-1) == (int(d["ts"][-1]) + MINUTE, 1.0, 2.0, 0.5, 1.5, 3.0)
    st.update_last(1.0, 2.5, 0.4, 2.2, 4.0)
    assert len(st) == 11
    assert st.candle(-1)[1:] == (1.0, 2.5, 0.4, 2.2, 4.0)
    assert st.candle(-2)[0] == int(d["ts"][-1])
    with pytest.raises(ValueError):
        st.append(int(d["ts"][-1]), 1, 1, 1, 1, 1)
    assert st.upsert(st.last_ts, 1.0, 2.0, 0.5, 1.9, 5.0) == "replaced"
    assert st.upsert(st.last_ts + MINUTE, 1.9, 1.9, 1.9, 1.9, 0.0) == "appended"
    assert len(st) == 12


def test_bounds_follow_updates_even_when_the_extreme_is_withdrawn() -> None:
    st, d = make_store(2000)
    hi = float(d["high"].max())
    st.append(st.last_ts + MINUTE, hi, hi * 2, hi, hi * 1.5, 1.0)
    assert st.y_bounds()[1] == hi * 2
    st.update_last(hi, hi * 1.1, hi, hi * 1.05, 1.0)  # the live candle's high came back down
    assert st.y_bounds()[1] == hi * 1.1
    st.update_last(1.0, 1.0, 0.5, 1.0, 1e9)
    assert st.y_bounds() == (0.5, hi)
    assert st.volume_max() == 1e9


def test_appends_keep_pyramid_equal_to_a_rebuild() -> None:
    st, d = make_store(50_000, seed=9)
    t_full = (float(d["ts"][0]), float(d["ts"][-1] + 2000 * MINUTE))
    st.visible(*t_full, 800.0)  # build the pyramid, then mutate incrementally
    extra = synth_candles(1500, seed=10)
    ts = int(d["ts"][-1])
    for i in range(1500):
        ts += MINUTE
        st.append(ts, extra["open"][i], extra["high"][i], extra["low"][i], extra["close"][i], extra["volume"][i])
        if i % 7 == 0:
            st.update_last(extra["open"][i], extra["high"][i] * 1.01, extra["low"][i], extra["close"][i], 5.0)
        if i % 97 == 0:
            st.visible(*t_full, 800.0)
    fresh = CandleStore()
    fresh.set_data(st.ts.copy(), *[st.vals[k].copy() for k in range(5)])
    a, b = st.visible(*t_full, 800.0), fresh.visible(*t_full, 800.0)
    assert a.level == b.level >= 1
    np.testing.assert_array_equal(a.ts, b.ts)
    np.testing.assert_allclose(a.vals, b.vals, rtol=1e-12)


def test_append_is_amortised_not_a_copy_per_candle() -> None:
    st = CandleStore()
    buffers = set()
    for i in range(20_000):
        st.append(T0 + i * MINUTE, 1.0, 1.0, 1.0, 1.0, 1.0)
        buffers.add(id(st._base.ts))
    assert len(buffers) < 15


def test_prepend_older_page() -> None:
    st, d = make_store(3000)
    older = synth_candles(2000, seed=5)
    shift = 1500 * MINUTE  # 500 of these overlap the loaded range and are dropped
    ts_old = older["ts"] - shift
    added = st.prepend(ts_old, older["open"], older["high"], older["low"], older["close"], older["volume"])
    assert added == 1500
    assert len(st) == 4500
    assert st.first_ts == int(ts_old[0])
    assert np.all(np.diff(st.ts) > 0)
    assert st.candle(1500)[0] == int(d["ts"][0])
    vis = st.visible(float(st.first_ts), float(st.last_ts + MINUTE), 300.0)
    assert vis.vals[HIGH].max() == max(d["high"].max(), older["high"][:1500].max())


def test_index_at_and_range() -> None:
    st, d = make_store(100)
    assert st.index_at(float(d["ts"][10] + 59_999)) == 10
    assert st.index_at(float(d["ts"][0] - 1)) is None
    assert st.index_at(float(d["ts"][-1] + MINUTE)) is None
    assert st.index_range(float(d["ts"][10] + 1), float(d["ts"][20])) == (10, 21)


# ----- property: any mix of live updates and paging leaves the pyramid equal to a rebuild -------------------------
ops = hs.lists(
    hs.tuples(hs.sampled_from(["append", "update", "prepend", "query"]), hs.integers(1, 3000), hs.floats(0.5, 2.0)),
    min_size=1,
    max_size=25,
)


@settings(max_examples=30, deadline=None)
@given(n0=hs.integers(1, 6000), script=ops, width=hs.integers(50, 2000))
def test_store_matches_rebuild_after_any_sequence(n0, script, width) -> None:
    st, _d = make_store(n0, seed=n0)
    rng = np.random.default_rng(n0)
    for op, k, f in script:
        if op == "append":
            for _ in range(k % 50 + 1):
                p = float(rng.uniform(10, 20))
                st.append(st.last_ts + MINUTE, p, p * 1.01, p * 0.99, p * f, f)
        elif op == "update":
            _, o, h, l, c, v = st.candle(-1)
            st.update_last(o, max(h, c * f), min(l, c * f), c * f, v * f)
        elif op == "prepend":
            ts = st.first_ts - MINUTE * np.arange(k, 0, -1)
            p = rng.uniform(10, 20, k)
            st.prepend(ts, p, p * 1.02, p * 0.98, p * f, np.full(k, f))
        else:
            st.visible(float(st.first_ts), float(st.last_ts + MINUTE), float(width))
    fresh = CandleStore()
    fresh.set_data(st.ts.copy(), *[st.vals[j].copy() for j in range(5)])
    assert st.y_bounds() == fresh.y_bounds()
    assert st.volume_max() == fresh.volume_max()
    assert st.volume_sum() == pytest.approx(fresh.volume_sum(), rel=1e-9)
    t0, t1 = float(st.first_ts), float(st.last_ts + MINUTE)
    for window in ((t0, t1), (t0 + (t1 - t0) * 0.3, t0 + (t1 - t0) * 0.9)):
        a, b = st.visible(*window, float(width)), fresh.visible(*window, float(width))
        assert a.level == b.level and a.merged == b.merged
        np.testing.assert_array_equal(a.ts, b.ts)
        np.testing.assert_allclose(a.vals, b.vals, rtol=1e-12)
