"""Local L2 order book for Bitget ``books`` pushes: merge, seq/pseq continuity and the signed CRC32 checksum."""

from __future__ import annotations

import re
from bisect import bisect_left
from decimal import Decimal
from math import inf
from typing import Any, Iterable, Mapping, Sequence
from zlib import crc32

__all__ = ["OrderBook", "BookDataError", "BookGapError", "BookChecksumError", "crc32_signed", "CHECKSUM_DEPTH"]

CHECKSUM_DEPTH = 25
# A price or size as Bitget writes it: plain ASCII decimal (REST merge-depth numbers may come as 1e-05).
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?", re.ASCII)


class BookDataError(ValueError):
    """A level is malformed: not a [price, size] pair of plain decimals, or a price that is not finite and > 0."""


class BookGapError(Exception):
    """An update does not continue the previous push (pseq != last seq, or no snapshot yet)."""


class BookChecksumError(Exception):
    """The local book's checksum disagrees with the one the exchange sent."""

    def __init__(self, symbol: str, expected: int, actual: int) -> None:
        super().__init__(f"{symbol}: book checksum {actual} != exchange {expected}")
        self.expected = expected
        self.actual = actual


def crc32_signed(s: str) -> int:
    """Standard CRC-32 of the UTF-8 bytes, as a signed 32-bit integer (Bitget's checksum)."""
    c = crc32(s.encode())
    return c - 4294967296 if c >= 2147483648 else c


def _level(lvl: Any) -> tuple[float, str, str]:
    """(price as float, price text, size text) of one received level, or BookDataError.

    Numbers (REST merge-depth) are turned into their text; the texts are kept as received for the checksum.
    """
    if not isinstance(lvl, (list, tuple)) or len(lvl) < 2:
        raise BookDataError(f"level is not a [price, size] pair: {lvl!r:.60}")
    p, s = lvl[0], lvl[1]
    if type(p) is not str:
        p = _number_text(p)
    if type(s) is not str:
        s = _number_text(s)
    if _NUMBER.fullmatch(p) is None or _NUMBER.fullmatch(s) is None:
        raise BookDataError(f"level is not two plain decimals: {p!r:.30} {s!r:.30}")
    price = float(p)
    if not 0 < price < inf or float(s) == inf:
        raise BookDataError(f"price or size out of range: {p!r:.30} {s!r:.30}")
    return price, p, s


def _number_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BookDataError(f"price or size of type {type(value).__name__}")
    return str(value)


def _is_zero(size: str) -> bool:
    return size == "0" or float(size) == 0


def _levels(value: Any) -> Sequence[Any]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise BookDataError(f"levels of type {type(value).__name__}")
    return value


def _opt_int(value: Any, name: str, *, signed: bool = False) -> int | None:
    """An integer field (seq, pseq, ts, checksum) as an int or decimal-digit text; None/"" -> None."""
    if value is None or value == "":
        return None
    if type(value) is int:
        if value < 0 and not signed:
            raise BookDataError(f"{name} {value} is negative")
        return value
    if isinstance(value, str) and value.isascii() and (value[1:] if signed and value[:1] == "-" else value).isdigit():
        return int(value)
    raise BookDataError(f"{name} is not an integer: {value!r:.30}")


class _Side:
    """One side of the book as two aligned lists kept sorted by bisect: float sort keys and "price:size" strings.

    Bids store the negated price as key so both sides read best-first from index 0. The strings are exactly what
    was received, so the checksum is a slice plus one join, and no per-level objects are created.
    """

    __slots__ = ("keys", "vals", "negate")

    def __init__(self, negate: bool) -> None:
        self.negate = negate
        self.keys: list[float] = []
        self.vals: list[str] = []

    def load(self, levels: Iterable[Sequence[Any]]) -> None:
        """Replace the side; BookDataError (side unchanged) if any level is malformed."""
        neg = self.negate
        rows: dict[float, str] = {}
        for lvl in levels:
            price, p, s = _level(lvl)
            if _is_zero(s):
                continue
            rows[-price if neg else price] = p + ":" + s
        keys = sorted(rows)
        self.keys = keys
        self.vals = [rows[k] for k in keys]

    def apply(self, levels: list[tuple[float, str, str]]) -> None:
        """Merge levels already checked by `_level`."""
        keys = self.keys
        vals = self.vals
        neg = self.negate
        for price, p, s in levels:
            k = -price if neg else price
            i = bisect_left(keys, k)
            found = i < len(keys) and keys[i] == k
            if _is_zero(s):
                if found:
                    del keys[i]
                    del vals[i]
            elif found:
                vals[i] = p + ":" + s
            else:
                keys.insert(i, k)
                vals.insert(i, p + ":" + s)

    def top(self, n: int | None) -> list[tuple[Decimal, Decimal]]:
        out = []
        for v in self.vals if n is None else self.vals[:n]:
            p, s = v.split(":", 1)
            out.append((Decimal(p), Decimal(s)))
        return out

    def best(self) -> tuple[Decimal, Decimal] | None:
        if not self.vals:
            return None
        p, s = self.vals[0].split(":", 1)
        return Decimal(p), Decimal(s)


class OrderBook:
    """L2 book fed with levels exactly as received (``[[price_str, size_str], ...]``).

    ``stale`` is True before the first snapshot and after a gap or checksum mismatch, until the next snapshot;
    updates that arrive while stale are ignored.
    """

    __slots__ = ("symbol", "product_type", "seq", "ts", "stale", "_bids", "_asks")

    def __init__(self, symbol: str, product_type: object = None) -> None:
        self.symbol = symbol
        self.product_type = product_type
        self.seq: int | None = None
        self.ts: int = 0
        self.stale: bool = True
        self._bids = _Side(True)
        self._asks = _Side(False)

    # -- ingest ----------------------------------------------------------------------------------------------
    def apply_snapshot(
        self,
        bids: Iterable[Sequence[str]],
        asks: Iterable[Sequence[str]],
        *,
        seq: int | str | None = None,
        ts: int | str | None = 0,
    ) -> None:
        """Replace the whole book and clear ``stale``; a malformed snapshot raises BookDataError and leaves it stale."""
        try:
            new_bids, new_asks = _Side(True), _Side(False)
            new_bids.load(_levels(bids))
            new_asks.load(_levels(asks))
            new_seq = _opt_int(seq, "seq")
            new_ts = _opt_int(ts, "ts") or 0
        except BookDataError:
            self.stale = True
            raise
        self._bids, self._asks = new_bids, new_asks
        self.seq = new_seq
        self.ts = new_ts
        self.stale = False

    def apply_update(
        self,
        bids: Iterable[Sequence[str]],
        asks: Iterable[Sequence[str]],
        *,
        seq: int | str | None = None,
        pseq: int | str | None = None,
        checksum: int | str | None = None,
        ts: int | str | None = 0,
    ) -> bool:
        """Merge an incremental push; raise BookGapError / BookChecksumError / BookDataError (and go stale) when
        the chain breaks or the push is malformed (nothing of a malformed push is applied).

        Returns False (doing nothing) while the book is stale, True when the update was applied.
        """
        if self.stale:
            return False
        try:
            bid_levels = [_level(lvl) for lvl in _levels(bids)]
            ask_levels = [_level(lvl) for lvl in _levels(asks)]
            new_seq = _opt_int(seq, "seq")
            prev = _opt_int(pseq, "pseq")
            expected = _opt_int(checksum, "checksum", signed=True)
            new_ts = _opt_int(ts, "ts") or 0
        except BookDataError:
            self.stale = True
            raise
        if prev is not None and self.seq is not None and prev != self.seq:
            self.stale = True
            raise BookGapError(f"{self.symbol}: update pseq {prev} does not follow seq {self.seq}")
        self._bids.apply(bid_levels)
        self._asks.apply(ask_levels)
        if new_seq is not None:
            self.seq = new_seq
        self.ts = new_ts
        if expected is not None:
            actual = self.checksum()
            if actual != expected:
                self.stale = True
                raise BookChecksumError(self.symbol, expected, actual)
        return True

    def apply_push(self, action: str, data: Mapping[str, Any]) -> bool:
        """Apply one element of a ``books*`` push's ``data`` list; ``action`` is the envelope's snapshot/update."""
        if action == "snapshot":
            self.apply_snapshot(data.get("bids", ()), data.get("asks", ()), seq=data.get("seq"), ts=data.get("ts") or 0)
            return True
        return self.apply_update(
            data.get("bids", ()),
            data.get("asks", ()),
            seq=data.get("seq"),
            pseq=data.get("pseq"),
            checksum=data.get("checksum"),
            ts=data.get("ts") or 0,
        )

    def invalidate(self) -> None:
        """Mark the book stale (e.g. after a disconnect) until the next snapshot."""
        self.stale = True

    # -- read ------------------------------------------------------------------------------------------------
    def checksum(self) -> int:
        """Signed CRC32 over the top 25 bids and asks interleaved, using the received price/size strings."""
        b = self._bids.vals[:CHECKSUM_DEPTH]
        a = self._asks.vals[:CHECKSUM_DEPTH]
        nb, na = len(b), len(a)
        if nb == na:
            parts = b + a
            parts[0::2] = b
            parts[1::2] = a
        else:
            n = min(nb, na)
            parts = b[:n] + a[:n]
            parts[0::2] = b[:n]
            parts[1::2] = a[:n]
            parts += b[n:] if nb > na else a[n:]
        c = crc32(":".join(parts).encode())
        return c - 4294967296 if c >= 2147483648 else c

    def best_bid(self) -> tuple[Decimal, Decimal] | None:
        return self._bids.best()

    def best_ask(self) -> tuple[Decimal, Decimal] | None:
        return self._asks.best()

    def bids(self, n: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """Top ``n`` bids (all when None), best (highest) first."""
        return self._bids.top(n)

    def asks(self, n: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """Top ``n`` asks (all when None), best (lowest) first."""
        return self._asks.top(n)

    def mid(self) -> Decimal | None:
        b, a = self.best_bid(), self.best_ask()
        if b is None or a is None:
            return None
        return (b[0] + a[0]) / 2

    def spread(self) -> Decimal | None:
        b, a = self.best_bid(), self.best_ask()
        if b is None or a is None:
            return None
        return a[0] - b[0]

    @property
    def depth(self) -> tuple[int, int]:
        """(number of bid levels, number of ask levels)."""
        return len(self._bids.vals), len(self._asks.vals)

    def __repr__(self) -> str:
        nb, na = self.depth
        return f"OrderBook({self.symbol!r}, bids={nb}, asks={na}, seq={self.seq}, stale={self.stale})"
