"""BookModel: a fixed-height price ladder (asks above, bids below) over an OrderBook's levels, aggregated by ticks."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor

from bitget_desktop.ui.models.records import ModelIndex, fmt_decimal

Level = tuple[Decimal, Decimal]


def aggregate(levels: list[Level], step: Decimal | None, side: str, limit: int | None = None) -> list[Level]:
    """Group best-first levels into price buckets of ``step``; bids round down, asks round up (never crossing).

    Each bucket's price is a multiple of ``step``; its size is the sum of the sizes of the levels in it. With
    ``limit`` only the best ``limit`` buckets are built (the rest of the book is not read).
    """
    if step is None or step <= 0:
        return list(levels if limit is None else levels[:limit])
    rounding = ROUND_FLOOR if side == "bid" else ROUND_CEILING
    out: list[Level] = []
    bucket: Decimal | None = None
    total = Decimal(0)
    for price, size in levels:
        b = (price / step).to_integral_value(rounding=rounding) * step
        if b != bucket:
            if bucket is not None:
                out.append((bucket, total))
                if limit is not None and len(out) >= limit:
                    return out
            bucket, total = b, Decimal(0)
        total += size
    if bucket is not None and (limit is None or len(out) < limit):
        out.append((bucket, total))
    return out


class BookModel(QAbstractTableModel):
    """2 x `depth` rows: asks from the farthest down to the best, then bids from the best down.

    ``set_book`` takes whole sides and aggregates them by ``step`` (a tick multiple); ``set_levels`` shows levels
    as given. While ``stale`` every row is greyed (the book is waiting for a fresh snapshot).
    """

    COLUMNS = ("Price", "Size", "Total")
    DEPTH_ROLE = Qt.ItemDataRole.UserRole + 3  # cumulative share of the visible depth, 0..1, for the depth bar
    SIDE_ROLE = Qt.ItemDataRole.UserRole + 4  # "ask" | "bid" | None

    def __init__(self, depth: int = 12, parent: Any = None) -> None:
        super().__init__(parent)
        self.depth = depth
        self._asks: list[Level] = []  # best first
        self._bids: list[Level] = []
        self._ask_totals: list[Decimal] = []
        self._bid_totals: list[Decimal] = []
        self._max_total = Decimal(0)
        self.price_places: int | None = None
        self.size_places: int | None = None
        self.step: Decimal | None = None  # aggregation bucket (price units); None = raw levels
        self.stale = False
        self.ask_colour = QColor("#d64545")
        self.bid_colour = QColor("#1a9e5a")
        self.stale_colour = QColor("#8a8f98")

    def set_places(self, price_places: int | None, size_places: int | None) -> None:
        self.price_places, self.size_places = price_places, size_places
        self._changed()

    def set_depth(self, depth: int) -> None:
        """Show ``depth`` levels a side (the rows change: a model reset); the levels come with the next update."""
        depth = max(1, int(depth))
        if depth == self.depth:
            return
        self.beginResetModel()
        self.depth = depth
        self._bids, self._asks = self._bids[:depth], self._asks[:depth]
        self._bid_totals, self._ask_totals = self._bid_totals[:depth], self._ask_totals[:depth]
        self._max_total = max([Decimal(0), *self._bid_totals[-1:], *self._ask_totals[-1:]])
        self.endResetModel()

    def set_step(self, step: Decimal | None) -> None:
        """Aggregate by ``step`` (price units) from the next ``set_book``; None shows every level."""
        self.step = step

    def _price_places(self) -> int | None:
        if self.step is None or self.price_places is None:
            return self.price_places
        exp = self.step.normalize().as_tuple().exponent
        assert isinstance(exp, int)
        return min(self.price_places, max(0, -exp))

    def set_book(self, bids: list[Level], asks: list[Level]) -> None:
        """Whole sides (best first): aggregated by ``step``, then the best ``depth`` buckets are shown."""
        self.set_levels(aggregate(bids, self.step, "bid", self.depth), aggregate(asks, self.step, "ask", self.depth))

    def set_levels(self, bids: list[Level], asks: list[Level]) -> None:
        """Replace the shown levels (best first on each side); rows keep their count, so only data changes."""
        self._bids = list(bids[: self.depth])
        self._asks = list(asks[: self.depth])
        self._bid_totals = _running(self._bids)
        self._ask_totals = _running(self._asks)
        self._max_total = max([Decimal(0), *self._bid_totals[-1:], *self._ask_totals[-1:]])
        self._changed()

    def set_stale(self, stale: bool) -> None:
        if stale != self.stale:
            self.stale = stale
            self._changed()

    def clear(self) -> None:
        self.set_levels([], [])

    @property
    def bids(self) -> list[Level]:
        return list(self._bids)

    @property
    def asks(self) -> list[Level]:
        return list(self._asks)

    def _changed(self) -> None:
        self.dataChanged.emit(self.index(0, 0), self.index(2 * self.depth - 1, len(self.COLUMNS) - 1))

    # -- row mapping -------------------------------------------------------------------------------------------
    def level(self, row: int) -> tuple[str, Level, Decimal] | None:
        """("ask"|"bid", (price, size), cumulative size) of a row, or None for an empty row."""
        if row < self.depth:
            i = self.depth - 1 - row
            if i < len(self._asks):
                return "ask", self._asks[i], self._ask_totals[i]
            return None
        i = row - self.depth
        if i < len(self._bids):
            return "bid", self._bids[i], self._bid_totals[i]
        return None

    # -- Qt model API ------------------------------------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 2 * self.depth

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(self.COLUMNS)):
            return self.COLUMNS[section]
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < 2 * self.depth) or not (0 <= index.column() < 3):
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        found = self.level(index.row())
        if found is None:
            return None
        side, (price, size), total = found
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0:
                return fmt_decimal(price, self._price_places())
            return fmt_decimal(size if index.column() == 1 else total, self.size_places)
        if role == Qt.ItemDataRole.ForegroundRole:
            if self.stale:
                return self.stale_colour
            if index.column() == 0:
                return self.ask_colour if side == "ask" else self.bid_colour
            return None
        if role == self.DEPTH_ROLE:
            return float(total / self._max_total) if self._max_total else 0.0
        if role == self.SIDE_ROLE:
            return side
        return None


def _running(levels: list[Level]) -> list[Decimal]:
    out: list[Decimal] = []
    acc = Decimal(0)
    for _, size in levels:
        acc += size
        out.append(acc)
    return out
