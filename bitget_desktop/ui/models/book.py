"""BookModel: a fixed-height price ladder (asks above, bids below) over an OrderBook's top levels."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor

from bitget_desktop.ui.models.records import ModelIndex, fmt_decimal

Level = tuple[Decimal, Decimal]


class BookModel(QAbstractTableModel):
    """2 x `depth` rows: asks from the farthest down to the best, then bids from the best down."""

    COLUMNS = ("Price", "Size", "Total")
    DEPTH_ROLE = Qt.ItemDataRole.UserRole + 3  # share of the visible depth, 0..1, for the depth bar

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
        self.ask_colour = QColor("#d64545")
        self.bid_colour = QColor("#1a9e5a")

    def set_places(self, price_places: int | None, size_places: int | None) -> None:
        self.price_places, self.size_places = price_places, size_places
        self._changed()

    def set_levels(self, bids: list[Level], asks: list[Level]) -> None:
        """Replace the shown levels (best first on each side); rows keep their count, so only data changes."""
        self._bids = list(bids[: self.depth])
        self._asks = list(asks[: self.depth])
        self._bid_totals = _running(self._bids)
        self._ask_totals = _running(self._asks)
        self._max_total = max([Decimal(0), *self._bid_totals[-1:], *self._ask_totals[-1:]])
        self._changed()

    def clear(self) -> None:
        self.set_levels([], [])

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
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if 0 <= section < len(self.COLUMNS):
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
                return fmt_decimal(price, self.price_places)
            return fmt_decimal(size if index.column() == 1 else total, self.size_places)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 0:
            return self.ask_colour if side == "ask" else self.bid_colour
        if role == self.DEPTH_ROLE:
            return float(total / self._max_total) if self._max_total else 0.0
        return None


def _running(levels: list[Level]) -> list[Decimal]:
    out: list[Decimal] = []
    acc = Decimal(0)
    for _, size in levels:
        acc += size
        out.append(acc)
    return out
