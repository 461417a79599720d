"""CandleCache: exact decimal round trip, coverage ranges, missing ranges and repair, crash safety of a write."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from bitget_desktop.domain.market import Candle, Timeframe
from bitget_desktop.exchange.candle_cache import HISTORY_START, CacheKey, CandleCache, default_cache_path

M = 60_000
KEY = CacheKey.of("local:test", "USDT-FUTURES", "btcusdt", "1m")


def bar(i: int, px: str = "100.10") -> Candle:
    return Candle(i * M, Decimal(px), Decimal("101.500"), Decimal("99"), Decimal("100.20"), Decimal("1.000"),
                  Decimal("100.1000"))


@pytest.fixture
def cache(tmp_path: Path):
    with CandleCache(tmp_path / "candles.sqlite") as c:
        yield c


def test_default_path_is_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BITGET_DESKTOP_DATA_DIR", str(tmp_path / "data"))
    assert default_cache_path() == tmp_path / "data" / "candles.sqlite"
    with CandleCache() as c:
        assert c.path == tmp_path / "data" / "candles.sqlite"
        assert c.path.exists()


def test_wal_and_schema(cache: CandleCache) -> None:
    db = sqlite3.connect(cache.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    sql = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type='table'"))
    assert "WITHOUT ROWID" in sql["candles"] and "WITHOUT ROWID" in sql["coverage"]
    assert "open TEXT" in sql["candles"]
    db.close()


def test_strings_round_trip_exactly(cache: CandleCache) -> None:
    odd = Candle(5 * M, Decimal("0.00001230"), Decimal("1E-8"), Decimal("123456789012345678.123456789"),
                 Decimal("100.20"), Decimal("0"), Decimal("3.1400"))
    cache.store(KEY, [bar(1), odd])
    got = cache.load(KEY)
    assert got == [bar(1), odd]
    assert [str(x) for x in (got[1].open, got[1].high, got[1].quote_volume)] == ["0.00001230", "1E-8", "3.1400"]


def test_load_range_limit_and_keys_are_separate(cache: CandleCache) -> None:
    cache.store(KEY, [bar(i) for i in range(10)])
    other = CacheKey.of("local:test", "USDT-FUTURES", "BTCUSDT", "5m")
    cache.store(other, [bar(i * 5) for i in range(3)])
    assert [c.ts // M for c in cache.load(KEY, 3 * M, 6 * M)] == [3, 4, 5]
    assert [c.ts // M for c in cache.load(KEY, limit=3)] == [7, 8, 9]
    assert [c.ts // M for c in cache.load(KEY, end=5 * M, limit=2)] == [3, 4]
    assert cache.oldest(KEY) == 0 and cache.newest(KEY) == 9 * M and cache.count(KEY) == 10
    assert cache.count(other) == 3
    assert cache.oldest(CacheKey.of("demo", "SPOT", "BTCUSDT", "1m")) is None


def test_store_replaces_same_ts(cache: CandleCache) -> None:
    cache.store(KEY, [bar(1, "1.0")])
    cache.store(KEY, [bar(1, "2.0")])
    assert cache.load(KEY) == [bar(1, "2.0")]


def test_coverage_merges_and_missing_ranges(cache: CandleCache) -> None:
    cache.store(KEY, [bar(i) for i in range(10, 20)], (10 * M, 20 * M))
    cache.store(KEY, [bar(i) for i in range(30, 40)], (30 * M, 40 * M))
    assert cache.coverage(KEY) == [(10 * M, 20 * M), (30 * M, 40 * M)]
    # the hole between two stored stretches is reported for refetch, as are both open ends
    assert cache.missing_ranges(KEY, 0, 50 * M) == [(0, 10 * M), (20 * M, 30 * M), (40 * M, 50 * M)]
    assert cache.missing_ranges(KEY, 12 * M, 18 * M) == []
    # with a timeframe, ranges are widened to whole candles
    assert cache.missing_ranges(KEY, 15 * M, 31 * M - 5, Timeframe.M1) == [(20 * M, 30 * M)]
    # filling the hole merges everything into one range
    cache.store(KEY, [bar(i) for i in range(20, 30)], (20 * M, 30 * M))
    assert cache.coverage(KEY) == [(10 * M, 40 * M)]
    # overlapping and adjacent ranges merge too
    cache.store(KEY, [], (5 * M, 12 * M))
    cache.store(KEY, [], (40 * M, 41 * M))
    assert cache.coverage(KEY) == [(5 * M, 41 * M)]


def test_empty_answer_is_remembered_as_no_older_data(cache: CandleCache) -> None:
    cache.store(KEY, [bar(i) for i in range(100, 300)], (100 * M, 300 * M))
    assert not cache.history_complete(KEY, 100 * M)
    cache.store(KEY, [], (HISTORY_START, 100 * M))
    assert cache.history_complete(KEY, 100 * M)
    assert cache.missing_ranges(KEY, 0, 300 * M, Timeframe.M1) == []
    assert cache.oldest(KEY) == 100 * M


def test_damaged_rows_behind_coverage_are_reported_and_repaired(cache: CandleCache) -> None:
    cache.store(KEY, [bar(i) for i in range(10, 40)], (10 * M, 40 * M))
    db = sqlite3.connect(cache.path)
    with db:  # rows lost behind the coverage's back (e.g. a user pruning the file)
        db.execute("DELETE FROM candles WHERE ts >= ? OR ts IN (?, ?)", (35 * M, 20 * M, 21 * M))
    db.close()
    assert cache.missing_ranges(KEY, 0, 40 * M) == [(0, 10 * M)]  # without a timeframe: coverage is trusted
    # with one, the counts give the loss away and exactly the holes are reported
    assert cache.missing_ranges(KEY, 0, 40 * M, Timeframe.M1) == [(0, 10 * M), (20 * M, 22 * M), (35 * M, 40 * M)]
    cache.store(KEY, [bar(i) for i in range(20, 22)], (20 * M, 22 * M))  # the refetch
    cache.store(KEY, [bar(i) for i in range(35, 40)], (35 * M, 40 * M))
    assert cache.missing_ranges(KEY, 10 * M, 40 * M, Timeframe.M1) == []
    assert cache.coverage(KEY) == [(10 * M, 40 * M)]
    assert cache.count(KEY) == 30


def test_the_exchanges_own_holes_are_not_refetched(cache: CandleCache) -> None:
    # the exchange answered [10, 40) with a 5-minute hole (a halted market) and nothing at all for [40, 50)
    cache.store(KEY, [bar(i) for i in range(10, 40) if not 20 <= i < 25], (10 * M, 40 * M))
    cache.store(KEY, [], (40 * M, 50 * M))
    cache.store(KEY, [bar(i) for i in range(50, 60)], (50 * M, 60 * M))
    assert cache.coverage(KEY) == [(10 * M, 60 * M)]
    assert cache.missing_ranges(KEY, 10 * M, 60 * M, Timeframe.M1) == []
    assert cache.coverage(KEY) == [(10 * M, 60 * M)]
    # overlapping stores do not double count
    cache.store(KEY, [bar(i) for i in range(30, 55) if not 40 <= i < 50], (30 * M, 55 * M))
    assert cache.missing_ranges(KEY, 10 * M, 60 * M, Timeframe.M1) == []
    assert cache.coverage(KEY) == [(10 * M, 60 * M)]


def test_store_and_load_are_fast(cache: CandleCache) -> None:
    rows = [bar(i) for i in range(10_000)]
    t0 = time.perf_counter()
    cache.store(KEY, rows[:1000], (0, 1000 * M))
    t1 = time.perf_counter()
    cache.store(KEY, rows[1000:], (1000 * M, 10_000 * M))
    t2 = time.perf_counter()
    page = cache.load(KEY, limit=1000)
    t3 = time.perf_counter()
    cache.store(KEY, [bar(10_000)], (10_000 * M, 10_001 * M))
    t4 = time.perf_counter()
    missing = cache.missing_ranges(KEY, 0, 10_001 * M, Timeframe.M1)
    t5 = time.perf_counter()
    print(f"\nstore 1000: {(t1 - t0) * 1e3:.2f} ms, store 9000: {(t2 - t1) * 1e3:.2f} ms, "
          f"load 1000: {(t3 - t2) * 1e3:.2f} ms, store 1: {(t4 - t3) * 1e3:.2f} ms, "
          f"missing_ranges: {(t5 - t4) * 1e3:.2f} ms")
    assert len(page) == 1000 and missing == []
    assert (t3 - t2) < 0.25  # generous on a loaded CI box; ~3 ms measured


_WRITER = r"""
import sys, time
from decimal import Decimal
from bitget_desktop.domain.market import Candle
from bitget_desktop.exchange.candle_cache import CacheKey, CandleCache

path = sys.argv[1]
key = CacheKey.of("local:test", "USDT-FUTURES", "BTCUSDT", "1m")
cache = CandleCache(path)
# A tiny page cache makes SQLite spill dirty pages of the open transaction into the WAL before the commit,
# so the kill below leaves uncommitted frames on disk, the case recovery must ignore.
cache._db.execute("PRAGMA cache_size=8")
batch = 5000
state = {"batch": 0, "inserts": 0}

def trace(sql):
    if state["batch"] == 2 and sql.startswith("INSERT OR REPLACE INTO candles"):
        state["inserts"] += 1
        if state["inserts"] == 4000:  # deep inside the third transaction
            print("mid-transaction", flush=True)
            time.sleep(60)

cache._db.set_trace_callback(trace)
for i in range(3):
    state["batch"] = i
    rows = [Candle((i * batch + k) * 60000, Decimal("1.5"), Decimal("2"), Decimal("1"), Decimal("1.75"),
                   Decimal("10"), Decimal("15")) for k in range(batch)]
    cache.store(key, rows, (i * batch * 60000, (i + 1) * batch * 60000))
"""


def test_a_crash_mid_write_leaves_a_readable_db(tmp_path: Path) -> None:
    path = tmp_path / "candles.sqlite"
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    with subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, env=env) as proc:
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == b"mid-transaction"
            wal_size = path.with_name(path.name + "-wal").stat().st_size
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    print(f"\nWAL at the kill: {wal_size / 1024:.0f} KiB")
    assert wal_size > 0
    assert proc.returncode == -signal.SIGKILL
    with CandleCache(path) as cache:
        assert cache.integrity_ok()
        n = cache.count(KEY)
        cov = cache.coverage(KEY)
        # the two committed transactions, nothing of the third: rows and coverage agree
        assert n == 10_000
        assert cov == [(0, n * M)]
        assert cache.missing_ranges(KEY, 0, n * M, Timeframe.M1) == []
        rows = cache.load(KEY, limit=3)
        assert rows[-1].ts == (n - 1) * M and rows[-1].close == Decimal("1.75")
        # and it is writable again
        cache.store(KEY, [bar(n)], (n * M, (n + 1) * M))
        assert cache.coverage(KEY) == [(0, (n + 1) * M)]


def test_an_unreadable_file_is_set_aside_and_replaced(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "candles.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with CandleCache(path) as cache:
        cache.store(KEY, [bar(1)], (M, 2 * M))
        assert cache.load(KEY) == [bar(1)]
    assert (tmp_path / "candles.sqlite.corrupt").read_bytes().startswith(b"this is not a database")
    assert "unreadable" in caplog.text


def test_prune_keeps_coverage_exact(cache: CandleCache) -> None:
    cache.store(KEY, [bar(i) for i in range(10, 40)], (10 * M, 40 * M))
    cache.store(KEY, [], (HISTORY_START, 10 * M))
    assert cache.prune(KEY, 25 * M) == 15
    assert cache.coverage(KEY) == [(25 * M, 40 * M)]
    assert cache.oldest(KEY) == 25 * M
    assert cache.missing_ranges(KEY, 0, 40 * M, Timeframe.M1) == [(0, 25 * M)]  # no false "lost rows"
    assert not cache.history_complete(KEY, 25 * M)
