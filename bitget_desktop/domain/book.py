"""Local L2 order book for Bitget ``books`` pushes: merge, seq/pseq continuity and the signed CRC32 checksum."""

from __future__ import annotations

from bisect import bisect_left
from decimal import Decimal
from typing import Iterable, Sequence
from zlib import crc32

__all__ = ["OrderBook", "BookGapError", "BookChecksumError", "crc32_signed", "CHECKSUM_DEPTH"]

CHECKSUM_DEPTH = 25


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


def _is_zero(size: str) -> bool:
    # Fast path for the usual "0"; anything else that parses as zero ("0.000") also deletes.
    return size == "0" or (size[:1] == "0" and float(size) == 0.0)


class _Side:
    """One side of the book: price string -> size string, plus sort keys kept ascending by bisect.

    Keys are floats of the price; bids store the negated price so both sides read best-first from index 0.
    """

    __slots__ = ("keys", "prices", "sizes", "sign")

    def __init__(self, sign: float) -> None:
        self.sign = sign
        self.keys: list[float] = []
        self.prices: dict[float, str] = {}
        self.sizes: dict[float, str] = {}

    def load(self, levels: Iterable[Sequence[str]]) -> None:
        sign = self.sign
        prices: dict[float, str] = {}
        sizes: dict[float, str] = {}
        for lvl in levels:
            p, s = lvl[0], lvl[1]
            if _is_zero(s):
                continue
            k = sign * float(p)
            prices[k] = p
            sizes[k] = s
        self.prices = prices
        self.sizes = sizes
        self.keys = sorted(prices)

    def apply(self, levels: Iterable[Sequence[str]]) -> None:
        sign = self.sign
        keys = self.keys
        prices = self.prices
        sizes = self.sizes
        for lvl in levels:
            p, s = lvl[0], lvl[1]
            k = sign * float(p)
            if s == "0" or (s[:1] == "0" and float(s) == 0.0):
                if k in sizes:
                    del sizes[k]
                    del prices[k]
                    del keys[bisect_left(keys, k)]
            else:
                if k not in sizes:
                    keys.insert(bisect_left(keys, k), k)
                prices[k] = p
                sizes[k] = s

    def top(self, n: int | None) -> list[tuple[Decimal, Decimal]]:
        keys = self.keys if n is None else self.keys[:n]
        prices = self.prices
        sizes = self.sizes
        return [(Decimal(prices[k]), Decimal(sizes[k])) for k in keys]

    def best(self) -> tuple[Decimal, Decimal] | None:
        if not self.keys:
            return None
        k = self.keys[0]
        return Decimal(self.prices[k]), Decimal(self.sizes[k])

    def clear(self) -> None:
        self.keys = []
        self.prices = {}
        self.sizes = {}


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
        self._bids = _Side(-1.0)
        self._asks = _Side(1.0)

    # -- ingest ----------------------------------------------------------------------------------------------
    def apply_snapshot(
        self,
        bids: Iterable[Sequence[str]],
        asks: Iterable[Sequence[str]],
        *,
        seq: int | None = None,
        ts: int = 0,
    ) -> None:
        """Replace the whole book; clears ``stale``."""
        self._bids.load(bids)
        self._asks.load(asks)
        self.seq = seq
        self.ts = int(ts)
        self.stale = False

    def apply_update(
        self,
        bids: Iterable[Sequence[str]],
        asks: Iterable[Sequence[str]],
        *,
        seq: int | None = None,
        pseq: int | None = None,
        checksum: int | None = None,
        ts: int = 0,
    ) -> None:
        """Merge an incremental push; raise BookGapError / BookChecksumError (and go stale) on a broken chain."""
        if self.stale:
            return
        if pseq is not None and self.seq is not None and pseq != self.seq:
            self.stale = True
            raise BookGapError(f"{self.symbol}: update pseq {pseq} does not follow seq {self.seq}")
        self._bids.apply(bids)
        self._asks.apply(asks)
        if seq is not None:
            self.seq = seq
        self.ts = int(ts)
        if checksum is not None:
            actual = self.checksum()
            if actual != checksum:
                self.stale = True
                raise BookChecksumError(self.symbol, int(checksum), actual)

    def invalidate(self) -> None:
        """Mark the book stale (e.g. after a disconnect) until the next snapshot."""
        self.stale = True

    # -- read ------------------------------------------------------------------------------------------------
    def checksum(self) -> int:
        """Signed CRC32 over the top 25 bids and asks interleaved, using the received price/size strings."""
        b = self._bids
        a = self._asks
        bk = b.keys[:CHECKSUM_DEPTH]
        ak = a.keys[:CHECKSUM_DEPTH]
        bp, bs, ap, as_ = b.prices, b.sizes, a.prices, a.sizes
        parts: list[str] = []
        push = parts.append
        nb, na = len(bk), len(ak)
        for i in range(max(nb, na)):
            if i < nb:
                k = bk[i]
                push(bp[k])
                push(bs[k])
            if i < na:
                k = ak[i]
                push(ap[k])
                push(as_[k])
        return crc32_signed(":".join(parts))

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
        return len(self._bids.keys), len(self._asks.keys)

    def __repr__(self) -> str:
        nb, na = self.depth
        return f"OrderBook({self.symbol!r}, bids={nb}, asks={na}, seq={self.seq}, stale={self.stale})"
