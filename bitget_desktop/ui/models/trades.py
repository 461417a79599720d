"""TradesModel: the public trades tape, newest first, capped in length."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QModelIndex

from bitget_desktop.ui.models.records import Column, RecordTableModel, fmt_decimal, fmt_ms


class TradesModel(RecordTableModel):
    """Rows are PublicTrade records; `add_trades` inserts a batch at the top and trims the tail."""

    def __init__(self, limit: int = 200, parent: Any = None) -> None:
        super().__init__(key=lambda t: t.trade_id, parent=parent)
        self.limit = limit
        self.price_places: int | None = None
        self.size_places: int | None = None
        self.columns = (
            Column("Time", lambda t: fmt_ms(t.ts)[-8:], sort=lambda t: t.ts),
            Column("Price", lambda t: fmt_decimal(t.price, self.price_places), numeric=True,
                   colour=lambda t: "up" if str(t.side) == "buy" else "down"),
            Column("Size", lambda t: fmt_decimal(t.size, self.size_places), numeric=True),
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
