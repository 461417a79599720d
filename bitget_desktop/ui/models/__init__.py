"""Qt table models: thin adapters over the session's plain state (book, trades, orders, fills, positions, balances,
symbols)."""

from bitget_desktop.ui.models.blotter import (
    BalancesModel,
    FillsModel,
    OpenOrdersModel,
    OrderHistoryModel,
    PositionsModel,
)
from bitget_desktop.ui.models.book import BookModel
from bitget_desktop.ui.models.records import Column, RecordTableModel
from bitget_desktop.ui.models.symbols import SymbolFilterModel, SymbolsModel
from bitget_desktop.ui.models.trades import TradesModel

__all__ = [
    "BalancesModel",
    "BookModel",
    "Column",
    "FillsModel",
    "OpenOrdersModel",
    "OrderHistoryModel",
    "PositionsModel",
    "RecordTableModel",
    "SymbolFilterModel",
    "SymbolsModel",
    "TradesModel",
]
