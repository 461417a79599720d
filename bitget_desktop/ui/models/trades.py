"""TradesModel: the public trades tape, newest first, capped in length, with large trades picked out."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from bitget_desktop.ui.models.records import Column, ModelIndex, RecordTableModel, fmt_decimal, fmt_ms


def large_threshold(sizes: list[Decimal], quantile: float = 0.9, minimum: int = 20) -> Decimal | None:
    """Trades at or above this size are large: the ``quantile`` of ``sizes``, and always above the median (so a
    tape of equal sizes has no large trades). None until ``minimum`` sizes are known or when none stands out."""
    if len(sizes) < minimum:
        return None
    ordered = sorted(sizes)
    q = ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]
    median = ordered[len(ordered) // 2]
    if q > median:
        return q
    return next((s for s in ordered if s > median), None)


class TradesModel(RecordTableModel):
    """Rows are PublicTrade records; `add_trades` inserts a batch at the top and trims the tail.

    Price and size are coloured by the taker's side. A trade whose size is in the top tenth of the recent tape
    (``LARGE_QUANTILE`` of the last ``limit`` trades) is large: bold, on a tinted background.
    """

    LARGE_QUANTILE = 0.9
    LARGE_ROLE = Qt.ItemDataRole.UserRole + 5  # bool

    def __init__(self, limit: int = 200, parent: Any = None) -> None:
        super().__init__(key=lambda t: t.trade_id, parent=parent)
        self.limit = limit
        self.price_places: int | None = None
        self.size_places: int | None = None
        self.threshold: Decimal | None = None
        self._bold = QFont()
        self._bold.setBold(True)
        side = lambda t: "up" if str(t.side) == "buy" else "down"  # noqa: E731
        self.columns = (
            Column("Time", lambda t: fmt_ms(t.ts)[-8:], sort=lambda t: t.ts),
            Column("Price", lambda t: fmt_decimal(t.price, self.price_places), numeric=True, colour=side),
            Column("Size", lambda t: fmt_decimal(t.size, self.size_places), numeric=True, colour=side),
        )

    def add_trades(self, trades: Iterable[Any]) -> None:
        """Insert trades (any order) newest first; known trade ids are skipped."""
        known = {t.trade_id for t in self._records}
        fresh = sorted((t for t in trades if t.trade_id not in known), key=lambda t: t.ts, reverse=True)
        if not fresh:
            return
        fresh = fresh[: self.limit]
        self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
        self._records[0:0] = fresh
        self.endInsertRows()
        extra = len(self._records) - self.limit
        if extra > 0:
            self.beginRemoveRows(QModelIndex(), self.limit, len(self._records) - 1)
            del self._records[self.limit:]
            self.endRemoveRows()
        threshold = large_threshold([t.size for t in self._records], self.LARGE_QUANTILE)
        if threshold != self.threshold:
            self.threshold = threshold
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._records) - 1, len(self.columns) - 1))

    def clear(self) -> None:
        self.threshold = None
        super().clear()

    def is_large(self, row: int) -> bool:
        return self.threshold is not None and self._records[row].size >= self.threshold

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role in (Qt.ItemDataRole.FontRole, Qt.ItemDataRole.BackgroundRole, self.LARGE_ROLE):
            if not index.isValid() or not (0 <= index.row() < len(self._records)):
                return None
            large = self.is_large(index.row())
            if role == self.LARGE_ROLE:
                return large
            if not large:
                return None
            if role == Qt.ItemDataRole.FontRole:
                return self._bold if index.column() > 0 else None  # the time column is sized for regular digits
            buy = str(self._records[index.row()].side) == "buy"
            tint = QColor(self.up_colour if buy else self.down_colour)
            tint.setAlpha(48)
            return tint
        return super().data(index, role)
