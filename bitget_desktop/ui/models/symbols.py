"""SymbolsModel and its search filter: every spot and USDT-M perpetual instrument with its ticker."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel

from bitget_desktop.domain.market import Instrument, Ticker
from bitget_desktop.ui.models.records import SORT_ROLE, Column, RecordTableModel, fmt_decimal


def symbol_key(inst: Instrument) -> str:
    """The settings spelling of an instrument: 'SPOT:BTCUSDT', 'USDT-FUTURES:BTCUSDT'."""
    return f"{inst.product_type}:{inst.symbol}"


def _market(inst: Instrument) -> str:
    return "Spot" if str(inst.product_type) == "SPOT" else "Perp"


def _change(ticker: Ticker | None) -> Decimal | None:
    if ticker is None or not ticker.open_24h:
        return None
    return (ticker.last - ticker.open_24h) / ticker.open_24h * 100


class SymbolsModel(RecordTableModel):
    """Rows are instruments; tickers are joined in by `update_tickers` (only changed rows repaint)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(key=symbol_key, parent=parent)
        self._tickers: dict[str, Ticker] = {}
        self._rows: dict[str, int] = {}
        self.columns = (
            Column("Symbol", lambda i: i.symbol),
            Column("Type", _market),
            Column("Last", lambda i: fmt_decimal(self._last(i), i.price_places), numeric=True,
                   sort=lambda i: self._last(i) or 0),
            Column("24h %", lambda i: _pct(_change(self._tickers.get(symbol_key(i)))), numeric=True,
                   sort=lambda i: _change(self._tickers.get(symbol_key(i))) or 0,
                   colour=lambda i: _tone(_change(self._tickers.get(symbol_key(i))))),
            Column("Vol", lambda i: _compact(getattr(self._tickers.get(symbol_key(i)), "quote_volume", None)),
                   numeric=True, sort=lambda i: getattr(self._tickers.get(symbol_key(i)), "quote_volume", 0) or 0),
        )

    def _last(self, inst: Instrument) -> Decimal | None:
        t = self._tickers.get(symbol_key(inst))
        return None if t is None else t.last

    def set_records(self, records: Sequence[Any]) -> None:
        super().set_records(records)
        self._rows = {symbol_key(r): i for i, r in enumerate(self._records)}

    def find(self, key: str) -> int:
        return self._rows.get(key, -1)

    def ticker(self, key: str) -> Ticker | None:
        return self._tickers.get(key)

    def update_tickers(self, tickers: Iterable[Ticker]) -> None:
        rows: list[int] = []
        for t in tickers:
            key = f"{t.product_type}:{t.symbol}"
            self._tickers[key] = t
            row = self._rows.get(key)
            if row is not None:
                rows.append(row)
        if rows:
            self.dataChanged.emit(self.index(min(rows), 2), self.index(max(rows), len(self.columns) - 1))


def _pct(value: Decimal | None) -> str:
    return "" if value is None else f"{value:+.2f}%"


def _tone(value: Decimal | None) -> str | None:
    if value is None or value == 0:
        return None
    return "up" if value > 0 else "down"


def _compact(value: Decimal | None) -> str:
    if value is None:
        return ""
    v = float(value)  # display only
    for unit, size in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(v) >= size:
            return f"{v / size:.2f}{unit}"
    return f"{v:.2f}"


class SymbolFilterModel(QSortFilterProxyModel):
    """Case-insensitive search over symbol and coins; an optional market filter ("Spot" / "Perp")."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._market: str | None = None
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(False)

    def set_search(self, text: str) -> None:
        self.beginFilterChange()
        self._text = "".join(text.split()).upper().replace("/", "").replace("-", "")
        self.endFilterChange()

    def set_market(self, market: str | None) -> None:
        self.beginFilterChange()
        self._market = market
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex) -> bool:
        model = self.sourceModel()
        if not isinstance(model, SymbolsModel) or not (0 <= source_row < model.rowCount()):
            return False
        inst = model.record(source_row)
        if self._market and _market(inst) != self._market:
            return False
        if not self._text:
            return True
        hay = f"{inst.symbol} {inst.base_coin}{inst.quote_coin} {_market(inst).upper()}".upper()
        return self._text in hay
