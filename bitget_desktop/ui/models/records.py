"""RecordTableModel: a read-only table over a list of plain records, described by columns."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from bitget_desktop.domain.market import Instrument

ModelIndex = QModelIndex | QPersistentModelIndex

SORT_ROLE = Qt.ItemDataRole.UserRole + 1


def fmt_decimal(value: Decimal | None, places: int | None = None) -> str:
    """Plain text for a Decimal: fixed point, no exponent; `places` pads or rounds for display only."""
    if value is None:
        return ""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places))
    text = format(value, "f")
    if places is None and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def fmt_ms(ts: int | None) -> str:
    """UTC wall time of a millisecond timestamp (HH:MM:SS, with the date when not today)."""
    if not ts:
        return ""
    import datetime as _dt

    moment = _dt.datetime.fromtimestamp(ts / 1000, tz=_dt.UTC)
    today = _dt.datetime.now(tz=_dt.UTC).date()
    return moment.strftime("%H:%M:%S" if moment.date() == today else "%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its title, how to show a record, and how to sort/colour it."""

    title: str
    text: Callable[..., str]  # text(rec), text(rec, instrument) or text(rec, instrument, model): see the flags
    numeric: bool = False
    sort: Callable[[Any], Any] | None = None
    colour: Callable[[Any], str | None] | None = None  # "up" | "down" | None
    tooltip: Callable[[Any], str] | None = None
    # Given, the text is shown at the precision of the record's instrument: text(rec, instrument or None).
    with_instrument: bool = False
    # Given, the text also needs the model's lookups (e.g. a position's TP/SL): text(rec, instrument or None, model).
    with_model: bool = False


class RecordTableModel(QAbstractTableModel):
    """Rows are records (dataclasses); `set_records` replaces them, emitting fine-grained changes when it can."""

    columns: Sequence[Column] = ()

    def __init__(self, key: Callable[[Any], Hashable] | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self._records: list[Any] = []
        self._key = key
        # key "PRODUCT_TYPE:SYMBOL" -> Instrument (or None): numbers are shown at their instrument's precision
        self.instrument_of: Callable[[str], Instrument | None] = lambda _key: None
        self.up_colour = QColor("#1a9e5a")
        self.down_colour = QColor("#d64545")

    # -- plain state -------------------------------------------------------------------------------------------
    @property
    def records(self) -> list[Any]:
        return list(self._records)

    def record(self, row: int) -> Any:
        return self._records[row]

    def set_colours(self, up: QColor, down: QColor) -> None:
        self.up_colour, self.down_colour = QColor(up), QColor(down)
        if self._records:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._records) - 1, len(self.columns) - 1))

    def set_records(self, records: Sequence[Any]) -> None:
        new = list(records)
        old = self._records
        if self._key is not None and len(new) == len(old) and all(
            self._key(a) == self._key(b) for a, b in zip(old, new, strict=True)
        ):
            self._records = new
            if new:
                self.dataChanged.emit(self.index(0, 0), self.index(len(new) - 1, len(self.columns) - 1))
            return
        self.beginResetModel()
        self._records = new
        self.endResetModel()

    def clear(self) -> None:
        self.set_records([])

    def _instrument(self, rec: Any) -> Instrument | None:
        pt, symbol = getattr(rec, "product_type", None), getattr(rec, "symbol", None)
        if pt is None or symbol is None:
            return None
        return self.instrument_of(f"{getattr(pt, 'value', pt)}:{symbol}")

    # -- Qt model API ------------------------------------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return self._alignment(self.columns[section])
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    @staticmethod
    def _alignment(column: Column) -> int:
        horizontal = Qt.AlignmentFlag.AlignRight if column.numeric else Qt.AlignmentFlag.AlignLeft
        return int(horizontal | Qt.AlignmentFlag.AlignVCenter)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._records)):
            return None
        if not (0 <= index.column() < len(self.columns)):
            return None
        rec = self._records[index.row()]
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if col.with_model:
                return col.text(rec, self._instrument(rec), self)
            return col.text(rec, self._instrument(rec)) if col.with_instrument else col.text(rec)
        if role == Qt.ItemDataRole.ToolTipRole and col.tooltip is not None:
            return col.tooltip(rec) or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._alignment(col)
        if role == Qt.ItemDataRole.ForegroundRole and col.colour is not None:
            tone = col.colour(rec)
            if tone == "up":
                return self.up_colour
            if tone == "down":
                return self.down_colour
            return None
        if role == SORT_ROLE:
            if col.sort is not None:
                value = col.sort(rec)
            elif col.with_model:
                value = col.text(rec, self._instrument(rec), self)
            else:
                value = col.text(rec)
            return float(value) if isinstance(value, Decimal) else value
        return None
