"""Local L2 order book for Bitget ``books`` pushes: merge, seq/pseq continuity and the signed CRC32 checksum."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from math import inf
from typing import Any
from zlib import crc32

__all__ = ["OrderBook", "BookDataError", "BookGapError", "BookChecksumError", "crc32_signed", "CHECKSUM_DEPTH"]

CHECKSUM_DEPTH = 25


class BookDataError(ValueError):
    """Malformed book data: a level that is not a [price, size] pair of finite numbers (price > 0, size >= 0), or a
    seq/pseq/ts/checksum that is not an integer."""


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


def _level(lvl: Any) -> tuple[float, str, str, float]:
    """(price, price text, size text, size) of one received level, or BookDataError.

    A price or size is text (or a number, from REST merge-depth, turned into its text) that float() reads as a
    finite number, price > 0 and size >= 0; Decimal reads all such text as the same number. The texts are kept as
    received for the checksum.
    """
    if (type(lvl) is not list and type(lvl) is not tuple) or len(lvl) < 2:
        raise BookDataError(f"level is not a [price, size] pair: {lvl!r:.60}")
    p, s = lvl[0], lvl[1]
    if type(p) is not str:
        p = _number_text(p)
    if type(s) is not str:
        s = _number_text(s)
    try:
        price, size = float(p), float(s)
    except ValueError:
        raise BookDataError(f"level is not two numbers: {p!r:.30} {s!r:.30}") from None
    if not (0.0 < price < inf and 0.0 <= size < inf):
        raise BookDataError(f"price or size out of range: {p!r:.30} {s!r:.30}")
    return price, p, s, size


def _number_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BookDataError(f"price or size of type {type(value).__name__}")
    return str(value)


def _levels(value: Any) -> list[Any] | tuple[Any, ...]:
    """One side of a push as its list of levels (None = none), or BookDataError."""
    if value is None:
        return ()
    if type(value) is not list and type(value) is not tuple:
        raise BookDataError(f"levels of type {type(value).__name__}")
    return value


def _opt_int(value: Any, name: str, *, signed: bool = False) -> int | None:
    """An integer field (seq, pseq, ts, checksum) as an int or decimal-digit text; None/"" -> None."""
    if type(value) is int:
        if value < 0 and not signed:
            raise BookDataError(f"{name} {value} is negative")
        return value
    if value is None or value == "":
        return None
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

    def load(self, levels: list[Any] | tuple[Any, ...]) -> None:
        """Replace the side with received levels; BookDataError (side unchanged) if any is malformed."""
        neg = self.negate
        rows: dict[float, str] = {}
        for lvl in levels:
            price, p, s, size = _level(lvl)
            if size == 0:
                continue
            rows[-price if neg else price] = p + ":" + s
        keys = sorted(rows)
        self.keys = keys
        self.vals = [rows[k] for k in keys]

    def apply(self, levels: list[Any] | tuple[Any, ...]) -> None:
        """Merge received levels; BookDataError at the first malformed one (the caller then drops the whole book).

        The usual level, a pair of number texts, is checked inline (this runs for every level of every update);
        anything else goes through `_level`, which accepts REST numbers and names what is wrong.
        """
        keys = self.keys
        vals = self.vals
        neg = self.negate
        for lvl in levels:
            try:
                if type(lvl) is not list:
                    raise TypeError
                p, s = lvl
                text = p + ":" + s  # TypeError unless both are text
                price = float(p)
                size = float(s)
                if not (0.0 < price < inf and 0.0 <= size < inf):
                    raise ValueError
            except (ValueError, TypeError):  # anything unusual: the careful path accepts it or says what is wrong
                price, p, s, size = _level(lvl)
                text = p + ":" + s
            k = -price if neg else price
            i = bisect_left(keys, k)
            found = i < len(keys) and keys[i] == k
            if size == 0:
                if found:
                    del keys[i]
                    del vals[i]
            elif found:
                vals[i] = text
            else:
                keys.insert(i, k)
                vals.insert(i, text)

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
        the chain breaks or the push is malformed (a malformed push may be half merged: the book is stale then).

        Returns False (doing nothing) while the book is stale, True when the update was applied.
        """
        if self.stale:
            return False
        try:
            # (the common, well-formed case inline: this runs for every update of every book)
            bid_levels = bids if type(bids) is list else _levels(bids)
            ask_levels = asks if type(asks) is list else _levels(asks)
            new_seq = seq if type(seq) is int and seq >= 0 else _opt_int(seq, "seq")
            prev = pseq if type(pseq) is int and pseq >= 0 else _opt_int(pseq, "pseq")
            expected = checksum if type(checksum) is int else _opt_int(checksum, "checksum", signed=True)
            new_ts = int(ts) if type(ts) is str and ts.isdigit() and ts.isascii() else (_opt_int(ts, "ts") or 0)
        except BookDataError:
            self.stale = True
            raise
        if prev is not None and self.seq is not None and prev != self.seq:
            self.stale = True
            raise BookGapError(f"{self.symbol}: update pseq {prev} does not follow seq {self.seq}")
        try:
            self._bids.apply(bid_levels)
            self._asks.apply(ask_levels)
        except BookDataError:
            self.stale = True  # partly applied: never shown, replaced by the next snapshot
            raise
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
