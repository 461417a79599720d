"""Small widgets shared by the window and the wizard: environment badge, message bars, secret field."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QToolButton, QWidget

from bitget_desktop.ui import theme


class EnvironmentBadge(QLabel):
    """A pill naming the environment: LIVE in red, DEMO in amber, SIMULATOR in blue; always visible."""

    def __init__(self, kind: str = "local", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("envBadge")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.set_kind(kind)

    def set_kind(self, kind: str, account: str | None = None) -> None:
        self.kind = kind
        text, fg, bg = theme.BADGES.get(kind, theme.BADGES["local"])
        label = text if not account else f"{text} · {account}"
        self.setText(label)
        self.setToolTip(
            {
                "live": "Live trading on Bitget: orders use real money.",
                "demo": "Bitget demo trading: simulated funds on Bitget's servers.",
                "local": "The embedded simulator: a local market with simulated funds; nothing leaves this computer.",
            }.get(kind, "")
        )
        border = "border: 2px solid #ff8a80;" if kind == "live" else ""
        self.setStyleSheet(
            f"QLabel#envBadge {{ color: {fg}; background: {bg}; border-radius: 9px; padding: 2px 10px;"
            f" font-weight: 800; letter-spacing: 1px; {border} }}"
        )


class MessageBar(QFrame):
    """A dismissable one-line bar (reconnect banner, errors with Bitget's code, message and hint)."""

    action_clicked = Signal()

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 4, 6, 4)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.label, 1)
        self.action = QPushButton(self)
        self.action.hide()
        self.action.clicked.connect(self.action_clicked)
        lay.addWidget(self.action)
        close = QToolButton(self)
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss (Esc)")
        close.clicked.connect(self.hide)
        lay.addWidget(close)
        self.hide()

    def show_message(self, text: str, action: str | None = None) -> None:
        self.label.setText(text)
        self.action.setVisible(bool(action))
        if action:
            self.action.setText(action)
        self.show()

    @property
    def text(self) -> str:
        return self.label.text()


def describe_error(exc: BaseException) -> str:
    """Bitget's code, message and hint as one plain line (never a traceback)."""
    code = getattr(exc, "code", "")
    msg = getattr(exc, "msg", "") or (str(exc) if not code else "")
    hint = getattr(exc, "hint", "")
    parts = []
    if code:
        parts.append(f"Bitget error {code}")
    if msg:
        parts.append(msg)
    text = ": ".join(parts) if parts else type(exc).__name__
    if hint:
        text += f" — {hint}"
    return text


class SecretField(QWidget):
    """A masked line edit with a show/hide toggle; `text()` is trimmed of surrounding whitespace."""

    textChanged = Signal(str)

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit(self)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setPlaceholderText(placeholder)
        self.edit.textChanged.connect(self.textChanged)
        lay.addWidget(self.edit, 1)
        self.toggle = QToolButton(self)
        self.toggle.setCheckable(True)
        self.toggle.setText("Show")
        self.toggle.setToolTip("Show or hide what you typed")
        self.toggle.toggled.connect(self._set_visible)
        lay.addWidget(self.toggle)

    def _set_visible(self, visible: bool) -> None:
        self.edit.setEchoMode(QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password)
        self.toggle.setText("Hide" if visible else "Show")

    @property
    def revealed(self) -> bool:
        return self.edit.echoMode() == QLineEdit.EchoMode.Normal

    def text(self) -> str:
        return self.edit.text().strip()

    def setText(self, text: str) -> None:
        self.edit.setText(text)

    def clear(self) -> None:
        self.edit.clear()


def set_object_name(widget: Any, name: str) -> Any:
    widget.setObjectName(name)
    return widget
