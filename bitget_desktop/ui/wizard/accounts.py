"""AccountsDialog: the named accounts; add, edit, use, remove (removal deletes the keyring entry)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bitget_desktop.credentials import CredentialStore, KeyringUnavailable
from bitget_desktop.settings import Settings, SettingsStore


class AccountsDialog(QDialog):
    """Lists the accounts of settings.json; their secrets stay in the keyring."""

    add_requested = Signal()
    edit_requested = Signal(str)
    use_requested = Signal(object)  # name, or None for the simulator
    removed = Signal(str)

    def __init__(self, credential_store: CredentialStore, settings: Settings,
                 settings_store: SettingsStore | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountsDialog")
        self.setWindowTitle("Accounts")
        self.resize(620, 340)
        self.store = credential_store
        self.settings = settings
        self.settings_store = settings_store
        lay = QVBoxLayout(self)
        intro = QLabel("Each account is one Bitget API key. Secrets live in the system keyring only.", self)
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(["Name", "Environment", "Key", "Account type"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemDoubleClicked.connect(lambda _item: self._use())
        lay.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add…", self)
        self.edit_button = QPushButton("Edit…", self)
        self.remove_button = QPushButton("Remove", self)
        self.use_button = QPushButton("Use", self)
        self.sim_button = QPushButton("Use the simulator", self)
        for b in (self.add_button, self.edit_button, self.remove_button, self.use_button):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.sim_button)
        lay.addLayout(row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.add_button.clicked.connect(self._add)
        self.edit_button.clicked.connect(self._edit)
        self.remove_button.clicked.connect(self._confirm_remove)
        self.use_button.clicked.connect(self._use)
        self.sim_button.clicked.connect(self._use_simulator)
        self.refresh()

    def refresh(self) -> None:
        accounts = self.settings.accounts
        self.table.setRowCount(len(accounts))
        for r, info in enumerate(accounts):
            env = {"live": "LIVE", "custom": f"Custom server {info.url}"}.get(info.environment, "Demo trading")
            family = "Unified (UTA)" if info.family == "unified" else "Classic"
            for c, text in enumerate((info.name, env, info.key_hint, family)):
                item = QTableWidgetItem(text)
                if c == 1 and info.environment == "live":
                    item.setForeground(Qt.GlobalColor.red)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self._selection_changed()

    def selected(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return item.text() if item is not None else None

    def _selection_changed(self) -> None:
        has = self.selected() is not None
        for b in (self.edit_button, self.remove_button, self.use_button):
            b.setEnabled(has)

    def _add(self) -> None:
        self.add_requested.emit()
        self.accept()

    def _edit(self) -> None:
        name = self.selected()
        if name:
            self.edit_requested.emit(name)
            self.accept()

    def _use(self) -> None:
        name = self.selected()
        if name:
            self.use_requested.emit(name)
            self.accept()

    def _use_simulator(self) -> None:
        self.use_requested.emit(None)
        self.accept()

    def _confirm_remove(self) -> None:
        name = self.selected()
        if not name:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "Remove account",
                          f"Remove “{name}” and delete its key from the system keyring?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda code: self.remove(name) if code == QMessageBox.StandardButton.Yes else None)
        box.open()

    def remove(self, name: str) -> None:
        """Delete the keyring entry and the settings entry of `name`."""
        try:
            self.store.delete(name)
        except KeyringUnavailable as exc:
            QMessageBox.warning(self, "Remove account", f"The keyring entry could not be deleted: {exc}")
            return
        self.settings.remove_account(name)
        if self.settings_store is not None:
            self.settings_store.save(self.settings)
        self.refresh()
        self.removed.emit(name)
