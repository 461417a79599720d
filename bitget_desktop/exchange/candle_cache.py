"""CandleCache: candles kept on disk in SQLite, with the time ranges known to be complete.

Storage choices:

* One ``candles`` table keyed ``(env, product_type, symbol, timeframe, ts)`` ``WITHOUT ROWID`` (the key *is* the
  clustered index, so a range scan for one chart is one contiguous B-tree walk and no second index is needed).
* Prices and volumes are TEXT: the decimal strings of the exchange (``str(Decimal)`` round-trips exactly, trailing
  zeros included), so a cached candle is bit-for-bit what Bitget sent. The chart converts to float when it draws;
  REAL would lose digits of low-priced coins and could not be told apart from the exchange's own rounding.
* A ``coverage`` table of half-open ranges ``[start, end)`` (ms) for which the cache holds everything the exchange
  has, with the number of candles that made it complete. Ranges are merged on insert. A range that the exchange
  answered with nothing is stored too, so "no older data" is remembered (a coverage range starting at 0 means: the
  beginning of the history is known), and so is a hole of the exchange's own (no candle for a halted market).
  The counts let ``missing_ranges`` tell a lost row (a damaged or pruned file) from such a hole.
* Durability: WAL journal + ``synchronous=NORMAL`` and one transaction per ``store``. In WAL mode a commit is atomic
  against a crash of the process (the WAL frames of an unfinished transaction are ignored on the next open), so a
  killed app leaves a readable database holding every committed store. NORMAL skips the fsync on each commit: after
  a power cut the newest few commits may be lost, never the integrity of the file. For a cache that can always be
  refetched that is the right trade (FULL would fsync on every live candle close for no gain).

The class is synchronous and thread-safe (one connection behind a lock); async callers run it with
``asyncio.to_thread`` (see ``CandleFeed``) so a slow disk never stalls the event loop.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from bitget_desktop.domain.market import Candle, ProductType, Timeframe

__all__ = ["CacheKey", "CandleCache", "default_cache_path", "HISTORY_START"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
HISTORY_START = 0  # a coverage range starting here means "nothing older exists"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS candles (
    env TEXT NOT NULL,
    product_type TEXT NOT NULL,
    symbol TEXT NOT NULL,
    timeframe TEXT NOT NULL,
    ts INTEGER NOT NULL,
    open TEXT NOT NULL,
    high TEXT NOT NULL,
    low TEXT NOT NULL,
    close TEXT NOT NULL,
    volume TEXT NOT NULL,
    quote_volume TEXT NOT NULL,
    PRIMARY KEY (env, product_type, symbol, timeframe, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS coverage (
    env TEXT NOT NULL,
    product_type TEXT NOT NULL,
    symbol TEXT NOT NULL,
    timeframe TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    PRIMARY KEY (env, product_type, symbol, timeframe, start)
) WITHOUT ROWID;
"""

_K = "env = ? AND product_type = ? AND symbol = ? AND timeframe = ?"


def default_cache_path() -> Path:
    """``candles.sqlite`` in the user's data directory."""
    from bitget_desktop.settings import data_dir

    return data_dir() / "candles.sqlite"


@dataclass(frozen=True, slots=True)
class CacheKey:
    """Which series: environment (``live``, ``demo``, ``local:...``), product type, symbol and timeframe."""

    env: str
    product_type: str
    symbol: str
    timeframe: str

    @classmethod
    def of(cls, env: str, product_type: ProductType | str, symbol: str, timeframe: Timeframe | str) -> CacheKey:
        return cls(env, ProductType.parse(product_type).value, symbol.upper(), Timeframe.parse(timeframe).label)

    @property
    def tf(self) -> Timeframe:
        return Timeframe.parse(self.timeframe)

    def params(self) -> tuple[str, str, str, str]:
        return (self.env, self.product_type, self.symbol, self.timeframe)


def _row_to_candle(r: Sequence[object]) -> Candle:
    ts, o, h, lo, c, v, qv = r
    return Candle(int(ts), Decimal(o), Decimal(h), Decimal(lo), Decimal(c), Decimal(v), Decimal(qv))  # type: ignore[arg-type,call-overload]


class CandleCache:
    """SQLite store of candles per ``CacheKey`` plus the ranges known complete; safe against a crash mid-write."""

    def __init__(self, path: str | Path | None = None, *, synchronous: str = "NORMAL") -> None:
        if synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise ValueError(f"synchronous must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
        self.path = Path(path) if path is not None else default_cache_path()
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._closed = False
        try:
            self._open(synchronous)
        except sqlite3.DatabaseError as exc:
            if str(self.path) == ":memory:" or isinstance(exc, sqlite3.OperationalError):
                raise  # locked or unwritable: not ours to delete
            # Not a database (a damaged disk, a foreign file): a cache can start over; keep the old file aside.
            self._db.close()
            aside = self.path.with_name(self.path.name + ".corrupt")
            log.warning("candle cache %s is unreadable (%s); starting a new one, the old file is %s",
                        self.path, exc, aside)
            for suffix in ("", "-wal", "-shm"):
                old = self.path.with_name(self.path.name + suffix)
                if old.exists():
                    old.replace(aside.with_name(aside.name + suffix))
            self._open(synchronous)

    def _open(self, synchronous: str) -> None:
        self._db = sqlite3.connect(str(self.path), timeout=5.0, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={synchronous}")
        self._db.execute("PRAGMA busy_timeout=5000")
        with self._tx():
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                # An unknown layout from another version: a cache can simply start over.
                self._db.execute("DROP TABLE IF EXISTS candles")
                self._db.execute("DROP TABLE IF EXISTS coverage")
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    self._db.execute(stmt)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def __repr__(self) -> str:
        return f"CandleCache({str(self.path)!r})"

    # -- plumbing ----------------------------------------------------------------------------------------------
    class _Tx:
        def __init__(self, cache: CandleCache) -> None:
            self.cache = cache

        def __enter__(self) -> sqlite3.Connection:
            self.cache._lock.acquire()
            try:
                self.cache._db.execute("BEGIN IMMEDIATE")
            except BaseException:
                self.cache._lock.release()
                raise
            return self.cache._db

        def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
            try:
                self.cache._db.execute("COMMIT" if exc_type is None else "ROLLBACK")
            finally:
                self.cache._lock.release()

    def _tx(self) -> CandleCache._Tx:
        return CandleCache._Tx(self)

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    def __enter__(self) -> CandleCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------------------------------------
    def load(self, key: CacheKey, start: int | None = None, end: int | None = None, *,
             limit: int | None = None) -> list[Candle]:
        """Cached candles with ``start <= ts < end``, ascending; with ``limit`` the newest ``limit`` of them."""
        lo = -(2**62) if start is None else int(start)
        hi = 2**62 if end is None else int(end)
        with self._lock:
            if limit is None:
                rows = self._db.execute(
                    f"SELECT ts, open, high, low, close, volume, quote_volume FROM candles WHERE {_K} "
                    "AND ts >= ? AND ts < ? ORDER BY ts", (*key.params(), lo, hi)).fetchall()
            else:
                rows = self._db.execute(
                    f"SELECT ts, open, high, low, close, volume, quote_volume FROM candles WHERE {_K} "
                    "AND ts >= ? AND ts < ? ORDER BY ts DESC LIMIT ?", (*key.params(), lo, hi, int(limit))).fetchall()
                rows.reverse()
        return [_row_to_candle(r) for r in rows]

    def oldest(self, key: CacheKey) -> int | None:
        """Open time of the oldest cached candle, None when the cache holds none."""
        with self._lock:
            row = self._db.execute(f"SELECT MIN(ts) FROM candles WHERE {_K}", key.params()).fetchone()
        return None if row[0] is None else int(row[0])

    def newest(self, key: CacheKey) -> int | None:
        with self._lock:
            row = self._db.execute(f"SELECT MAX(ts) FROM candles WHERE {_K}", key.params()).fetchone()
        return None if row[0] is None else int(row[0])

    def count(self, key: CacheKey) -> int:
        with self._lock:
            return int(self._db.execute(f"SELECT COUNT(*) FROM candles WHERE {_K}", key.params()).fetchone()[0])

    def coverage(self, key: CacheKey) -> list[tuple[int, int]]:
        """The complete ranges ``[start, end)``, ascending and disjoint (adjacent ones are merged)."""
        with self._lock:
            rows = self._db.execute(f'SELECT start, "end" FROM coverage WHERE {_K} ORDER BY start',
                                    key.params()).fetchall()
        return [(int(a), int(b)) for a, b in rows]

    def history_complete(self, key: CacheKey, before: int) -> bool:
        """True if everything older than ``before`` is known (a covered range runs from the beginning to it)."""
        return not self.missing_ranges(key, HISTORY_START, before)

    def missing_ranges(self, key: CacheKey, start: int, end: int,
                       timeframe: Timeframe | None = None) -> list[tuple[int, int]]:
        """The parts of ``[start, end)`` not known complete, as half-open ranges to refetch.

        With a ``timeframe`` the pieces are widened to whole candle buckets (a fetch is per candle anyway), and
        covered ranges are checked against their stored rows: where rows were lost behind the coverage's back
        (fewer rows than when the range was completed), the holes in the rows lose their coverage and are
        reported too, so the damage is repaired by refetching those stretches rather than shown forever.
        """
        if end <= start:
            return []
        if timeframe is not None and not timeframe.is_calendar:
            self._verify(key, start, end, timeframe)
        covered = [(max(a, start), min(b, end)) for a, b in self._overlapping(key, start, end)]
        out: list[tuple[int, int]] = []
        cursor = start
        for a, b in covered:
            if a > cursor:
                out.append((cursor, a))
            cursor = max(cursor, b)
        if cursor < end:
            out.append((cursor, end))
        if timeframe is not None and not timeframe.is_calendar:
            step = timeframe.ms
            out = [(a - a % step, b if b % step == 0 else b - b % step + step) for a, b in out]
        return out

    def _overlapping(self, key: CacheKey, start: int, end: int) -> list[tuple[int, int]]:
        with self._lock:
            rows = self._db.execute(
                f'SELECT start, "end" FROM coverage WHERE {_K} AND start < ? AND "end" > ? ORDER BY start',
                (*key.params(), end, start)).fetchall()
        return [(int(a), int(b)) for a, b in rows]

    def _verify(self, key: CacheKey, start: int, end: int, timeframe: Timeframe) -> None:
        """Uncover the holes of covered ranges that hold fewer rows than when they were completed."""
        step = timeframe.ms
        with self._tx() as db:
            ranges = db.execute(
                f'SELECT start, "end", rows FROM coverage WHERE {_K} AND start < ? AND "end" > ?',
                (*key.params(), end, start)).fetchall()
            for a, b, expected in ranges:
                have = db.execute(f"SELECT COUNT(*) FROM candles WHERE {_K} AND ts >= ? AND ts < ?",
                                  (*key.params(), a, b)).fetchone()[0]
                if have >= expected:
                    continue
                ts = [r[0] for r in db.execute(f"SELECT ts FROM candles WHERE {_K} AND ts >= ? AND ts < ? ORDER BY ts",
                                               (*key.params(), a, b))]
                log.warning("candle cache %s: %d of %d candles lost in [%d, %d); refetching the holes",
                            key, expected - have, expected, a, b)
                db.execute(f"DELETE FROM coverage WHERE {_K} AND start = ?", (*key.params(), a))
                # keep the stretches of consecutive rows covered; the holes between them are to be refetched
                runs: list[tuple[int, int, int]] = []
                for t in ts:
                    if runs and t - runs[-1][1] <= step:
                        runs[-1] = (runs[-1][0], t, runs[-1][2] + 1)
                    else:
                        runs.append((t, t, 1))
                for i, (lo, hi, n) in enumerate(runs):
                    piece_start = a if (i == 0 and lo - a < step) else lo
                    piece_end = b if (i == len(runs) - 1 and b - hi <= step) else hi + step
                    db.execute('INSERT INTO coverage (env, product_type, symbol, timeframe, start, "end", rows) '
                               "VALUES (?, ?, ?, ?, ?, ?, ?)", (*key.params(), piece_start, piece_end, n))

    # -- writing -----------------------------------------------------------------------------------------------
    def store(self, key: CacheKey, candles: Iterable[Candle],
              complete_range: tuple[int, int] | None = None) -> int:
        """Upsert candles, and mark ``complete_range`` ``[start, end)`` as known complete; one transaction.

        Returns how many candles were written. ``store(key, [], (0, t))`` records "the exchange has nothing before t".
        """
        rows = [(*key.params(), int(c.ts), str(c.open), str(c.high), str(c.low), str(c.close), str(c.volume),
                 str(c.quote_volume)) for c in candles]
        with self._tx() as db:
            if rows:
                db.executemany(
                    "INSERT OR REPLACE INTO candles (env, product_type, symbol, timeframe, ts, open, high, low, close,"
                    " volume, quote_volume) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            if complete_range is not None:
                self._add_coverage(db, key, int(complete_range[0]), int(complete_range[1]))
        return len(rows)

    @staticmethod
    def _add_coverage(db: sqlite3.Connection, key: CacheKey, start: int, end: int) -> None:
        """Mark [start, end) complete (call after its rows are written), merging ranges it overlaps or touches."""
        if end <= start:
            return
        k = key.params()
        touching = db.execute(
            f'SELECT start, "end", rows FROM coverage WHERE {_K} AND start <= ? AND "end" >= ?',
            (*k, end, start)).fetchall()
        # rows = the old ranges' counts + the rows of the new range that none of them counted (the new range is
        # one page, so both counts below are short index scans)
        rows = sum(int(r) for _, _, r in touching)
        rows += db.execute(f"SELECT COUNT(*) FROM candles WHERE {_K} AND ts >= ? AND ts < ?",
                           (*k, start, end)).fetchone()[0]
        for a, b, _ in touching:
            lo, hi = max(start, int(a)), min(end, int(b))
            if lo < hi:
                rows -= db.execute(f"SELECT COUNT(*) FROM candles WHERE {_K} AND ts >= ? AND ts < ?",
                                   (*k, lo, hi)).fetchone()[0]
        new_start = min([start, *(int(a) for a, _, _ in touching)])
        new_end = max([end, *(int(b) for _, b, _ in touching)])
        db.execute(f'DELETE FROM coverage WHERE {_K} AND start <= ? AND "end" >= ?', (*k, end, start))
        db.execute('INSERT INTO coverage (env, product_type, symbol, timeframe, start, "end", rows) '
                   "VALUES (?, ?, ?, ?, ?, ?, ?)", (*k, new_start, new_end, rows))

    def prune(self, key: CacheKey, before: int) -> int:
        """Delete the candles older than ``before`` (ms), keeping the coverage of the rest exact; returns how many."""
        k = key.params()
        with self._tx() as db:
            n = db.execute(f"DELETE FROM candles WHERE {_K} AND ts < ?", (*k, before)).rowcount
            for a, b in db.execute(f'SELECT start, "end" FROM coverage WHERE {_K} AND start < ?',
                                   (*k, before)).fetchall():
                db.execute(f"DELETE FROM coverage WHERE {_K} AND start = ?", (*k, a))
                if b > before:
                    rows = db.execute(f"SELECT COUNT(*) FROM candles WHERE {_K} AND ts >= ? AND ts < ?",
                                      (*k, before, b)).fetchone()[0]
                    db.execute('INSERT INTO coverage (env, product_type, symbol, timeframe, start, "end", rows) '
                               "VALUES (?, ?, ?, ?, ?, ?, ?)", (*k, before, b, rows))
        return int(n)

    def forget(self, key: CacheKey) -> None:
        """Delete every candle and coverage range of one series."""
        with self._tx() as db:
            db.execute(f"DELETE FROM candles WHERE {_K}", key.params())
            db.execute(f"DELETE FROM coverage WHERE {_K}", key.params())

    def integrity_ok(self) -> bool:
        with self._lock:
            verdict: str = self._db.execute("PRAGMA integrity_check").fetchone()[0]
            return verdict == "ok"
