"""The order confirmation dialog, awaitable from a coroutine without a nested event loop."""

from __future__ import annotations

import asyncio

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLayout, QVBoxLayout, QWidget


class ConfirmDialog(QDialog):
    """Shows what will be sent and asks Send / Cancel; `ask()` resolves to True only on Send."""

    def __init__(self, title: str, text: str, *, live: bool = False, send_text: str = "Send order",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderConfirm")
        self.setWindowTitle(title)
        self.setModal(True)
        lay = QVBoxLayout(self)
        # The window gets a fixed initial size instead of layout-driven minimum sizes (which the offscreen and some
        # Wayland platforms cannot propagate and warn about).
        lay.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        if live:
            warn = QLabel("LIVE account: this order uses real money.", self)
            warn.setObjectName("modeNote")
            lay.addWidget(warn)
        self.body = QLabel(text, self)
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.setMinimumWidth(360)
        lay.addWidget(self.body)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.send_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.send_button.setText(send_text)
        self.send_button.setObjectName("confirmSend")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setObjectName("confirmCancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.resize(self.sizeHint().expandedTo(self.minimumSizeHint()))

    async def ask(self) -> bool:
        """Open (window-modal, non-blocking) and wait for the answer on the running loop."""
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def done(result: int) -> None:
            if not fut.done():
                fut.set_result(result == QDialog.DialogCode.Accepted)

        self.finished.connect(done)
        self.open()
        try:
            return await fut
        finally:
            if shiboken6.isValid(self):  # the ticket (and with it this dialog) may be gone already
                self.finished.disconnect(done)
                self.deleteLater()
