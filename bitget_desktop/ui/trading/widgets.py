"""Small building blocks of the tickets: a labelled amount field with its unit and error line, a segmented switch."""

from __future__ import annotations

from typing import Generic, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from bitget_desktop.ui import theme

T = TypeVar("T")


def reserve_lines(label: QLabel, lines: int) -> QLabel:
    """Give ``label`` a fixed height of ``lines`` text lines, kept while hidden or empty, so that text appearing in it
    never moves the widgets below (a click aimed at a field or button lands where it was aimed)."""
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    m = label.contentsMargins()
    label.setFixedHeight(label.fontMetrics().lineSpacing() * lines + m.top() + m.bottom() + 2)
    policy = label.sizePolicy()
    policy.setRetainSizeWhenHidden(True)
    label.setSizePolicy(policy)
    return label


class AmountField(QWidget):
    """A line edit with a unit on its right and a one-line reason under it when the value cannot be used."""

    edited = Signal(str)  # the field name, on every user edit
    finished = Signal(str)  # the field name, when editing ends (focus out / Enter)

    def __init__(self, name: str, unit: str = "", placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName(f"field_{name}")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(1)
        row = QHBoxLayout()
        row.setSpacing(4)
        self.edit = QLineEdit(self)
        self.edit.setObjectName(f"edit_{name}")
        self.edit.setPlaceholderText(placeholder)
        self.edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.edit.setMaxLength(64)
        self.edit.textEdited.connect(lambda _t: self.edited.emit(self.name))
        self.edit.editingFinished.connect(lambda: self.finished.emit(self.name))
        row.addWidget(self.edit, 1)
        self.unit = QLabel(unit, self)
        self.unit.setObjectName("unit")
        self.unit.setMinimumWidth(38)
        row.addWidget(self.unit)
        outer.addLayout(row)
        self.error = QLabel("", self)
        self.error.setObjectName("fieldError")
        reserve_lines(self.error, 2)  # room for the reason is kept: a reason appearing moves nothing
        self.error.hide()
        outer.addWidget(self.error)

    def text(self) -> str:
        return self.edit.text()

    def set_text(self, text: str) -> None:
        if self.edit.text() != text:
            self.edit.setText(text)

    def set_unit(self, unit: str) -> None:
        self.unit.setText(unit)

    def set_error(self, reason: str | None) -> None:
        self.error.setText(reason or "")
        self.error.setToolTip(reason or "")
        self.error.setVisible(bool(reason))
        self.edit.setProperty("invalid", bool(reason))
        self.edit.style().unpolish(self.edit)
        self.edit.style().polish(self.edit)

    @property
    def error_text(self) -> str:
        return self.error.text() if self.error.isVisibleTo(self) else ""


class Segmented(QWidget, Generic[T]):
    """Two or more exclusive checkable buttons (Buy | Sell, Limit | Market, One-way | Hedge), each standing for a
    value of type T."""

    changed = Signal(object)  # the value of the checked button

    def __init__(self, options: list[tuple[T, str]], name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[T, QPushButton] = {}
        for i, (value, label) in enumerate(options):
            b = QPushButton(label, self)
            b.setCheckable(True)
            b.setObjectName(f"{name}_{i}")
            b.setProperty("segment", "first" if i == 0 else ("last" if i == len(options) - 1 else "mid"))
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            self.group.addButton(b, i)
            self.buttons[value] = b
            lay.addWidget(b, 1)
            b.clicked.connect(lambda _=False, v=value: self.changed.emit(v))
        next(iter(self.buttons.values())).setChecked(True)

    def value(self) -> T:
        for v, b in self.buttons.items():
            if b.isChecked():
                return v
        return next(iter(self.buttons))  # not reached: the group is exclusive and starts with the first checked

    def set_value(self, value: T, *, emit: bool = False) -> None:
        b = self.buttons.get(value)
        if b is not None and not b.isChecked():
            b.setChecked(True)
            if emit:
                self.changed.emit(value)

    def button(self, value: T) -> QPushButton:
        return self.buttons[value]


def ticket_style(mode: str = "system") -> str:
    """The tickets' own style: coloured buy/sell, segmented switches, error lines."""
    c = theme.colours(mode)
    return f"""
    QPushButton[segment] {{ padding: 4px 8px; border: 1px solid {c.border}; border-radius: 0; }}
    QPushButton[segment="first"] {{ border-top-left-radius: 4px; border-bottom-left-radius: 4px; }}
    QPushButton[segment="last"] {{ border-top-right-radius: 4px; border-bottom-right-radius: 4px; }}
    QPushButton[segment]:checked {{ background: {c.accent}; color: #ffffff; border-color: {c.accent}; }}
    QPushButton#side_0:checked {{ background: {c.up}; border-color: {c.up}; }}
    QPushButton#side_1:checked {{ background: {c.down}; border-color: {c.down}; }}
    QPushButton[tone="buy"] {{ background: {c.up}; color: #ffffff; font-weight: 700; padding: 6px;
                               border: none; border-radius: 4px; }}
    QPushButton[tone="sell"] {{ background: {c.down}; color: #ffffff; font-weight: 700; padding: 6px;
                                border: none; border-radius: 4px; }}
    QPushButton[tone="buy"]:disabled, QPushButton[tone="sell"]:disabled {{ background: {c.border};
                                                                           color: {c.muted}; }}
    QPushButton[tone="close"] {{ padding: 5px; border: 1px solid {c.border}; border-radius: 4px; }}
    QLabel#fieldError {{ color: {c.down}; font-size: 11px; }}
    QLineEdit[invalid="true"] {{ border: 1px solid {c.down}; }}
    QLabel#unit, QLabel#muted, QLabel#available {{ color: {c.muted}; }}
    QLabel#preview {{ color: {c.text}; background: {c.alt_base}; border: 1px solid {c.border};
                      border-radius: 4px; padding: 4px; }}
    QLabel#orderStatus[state="rejected"], QLabel#orderStatus[state="unknown"] {{ color: {c.down}; }}
    QLabel#orderStatus[state="acknowledged"] {{ color: {c.up}; }}
    QLabel#modeNote {{ color: {c.warn_text}; background: {c.warn_bg}; border-radius: 4px; padding: 4px; }}
    """
