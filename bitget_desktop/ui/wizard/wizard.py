"""KeyWizard: environment, key fields, live check, summary; stores the key only through CredentialStore."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from bitget_desktop.credentials import CredentialStore, KeyringUnavailable
from bitget_desktop.exchange.environments import DEMO, LIVE, Environment, local
from bitget_desktop.exchange.signing import Credentials
from bitget_desktop.settings import AccountInfo, Settings, SettingsStore
from bitget_desktop.ui.widgets import EnvironmentBadge, SecretField
from bitget_desktop.ui.wizard.check import (
    FAIL,
    OK,
    PENDING,
    SKIPPED,
    STEPS,
    WARN,
    KeyCheckReport,
    Step,
    describe_permissions,
    run_key_check,
)

if TYPE_CHECKING:
    from bitget_desktop.exchange.client import BitgetClient

log = logging.getLogger(__name__)

PAGE_ENV, PAGE_FIELDS, PAGE_CHECK, PAGE_SUMMARY = range(4)


def _wrap(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setOpenExternalLinks(True)
    return label


class EnvironmentPage(QWizardPage):
    """Where the key trades (live, Bitget demo, or a custom Bitget-compatible server such as `bitget-desktop sim`),
    and whether a secure keyring can store it: without one the wizard stops here, before any secret is typed."""

    def __init__(self, credential_store: CredentialStore) -> None:
        super().__init__()
        self._store = credential_store
        self.setTitle("Where will this key trade?")
        self.setSubTitle("Bitget issues separate API keys for live trading and for demo trading.")
        lay = QVBoxLayout(self)
        self.keyring_status = QLabel(self)
        self.keyring_status.setWordWrap(True)
        self.keyring_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.keyring_status)
        self.recheck = QPushButton("Check the keyring again", self)
        lay.addWidget(self.recheck, 0, Qt.AlignmentFlag.AlignLeft)
        self.recheck.setObjectName("recheckKeyring")
        self.recheck.clicked.connect(self.check_keyring)
        self.group = QButtonGroup(self)
        self.live = QRadioButton("Live trading — real funds on bitget.com")
        self.demo = QRadioButton("Bitget demo trading — simulated funds on Bitget's demo servers")
        self.custom = QRadioButton("Custom server — a Bitget-compatible server at an address you give")
        self.custom.setObjectName("customServer")
        self.demo.setChecked(True)
        self.url = QLineEdit(self)
        self.url.setObjectName("serverUrl")
        self.url.setPlaceholderText("http://127.0.0.1:8800")
        self.url.setEnabled(False)
        self.url_problem = QLabel("", self)
        self.url_problem.setObjectName("checkFail")
        for i, (button, text) in enumerate((
            (self.demo, "Create the key after switching Bitget's web site to <b>Demo trading</b>. "
                        "Good for trying the terminal with Bitget's real markets."),
            (self.live, "Orders use <b>real money</b>. The terminal marks live sessions in red."),
            (self.custom, "For example the standalone simulator, <code>bitget-desktop sim --port 8800</code>, "
                          "which prints its address and a key: rehearse the whole key setup offline."),
        )):
            self.group.addButton(button, i)
            lay.addWidget(button)
            note = _wrap(text)
            note.setContentsMargins(24, 0, 0, 6 if button is self.custom else 10)
            note.setObjectName("muted")
            lay.addWidget(note)
        url_row = QFormLayout()
        url_row.setContentsMargins(24, 0, 0, 10)
        url_row.addRow("Server address", self.url)
        url_row.addRow(self.url_problem)
        lay.addLayout(url_row)
        self.badge = EnvironmentBadge("demo", self)
        self.badge.setMaximumWidth(160)
        lay.addWidget(self.badge)
        lay.addStretch(1)
        self.group.idToggled.connect(self._kind_changed)
        self.url.textChanged.connect(self._kind_changed)
        self.registerField("live", self.live)
        self.keyring_problem: str | None = None
        self.check_keyring()

    @property
    def kind(self) -> str:
        """"live", "demo" or "custom"."""
        if self.live.isChecked():
            return "live"
        return "custom" if self.custom.isChecked() else "demo"

    def server(self) -> Environment | None:
        """The custom server's environment, or None when its address is not a usable http(s) URL."""
        try:
            return local(self.url.text().strip(), name="Custom server")
        except ValueError:
            return None

    def check_keyring(self) -> None:
        """Ask the keyring now (again after the user installed or started one)."""
        try:
            name = self._store.check_available()
        except KeyringUnavailable as exc:
            self.keyring_problem = str(exc)
            self.keyring_status.setObjectName("checkWarn")
            self.keyring_status.setText(f"⚠ {exc}")
            self.recheck.show()
        else:
            self.keyring_problem = None
            self.keyring_status.setObjectName("muted")
            self.keyring_status.setText(f"✔ The key will be kept in {describe_keyring(name)}.")
            self.recheck.hide()
        self.keyring_status.style().unpolish(self.keyring_status)
        self.keyring_status.style().polish(self.keyring_status)
        self.completeChanged.emit()

    def _kind_changed(self, *_: object) -> None:
        custom = self.custom.isChecked()
        self.url.setEnabled(custom)
        self.badge.set_kind({"live": "live", "demo": "demo"}.get(self.kind, "local"))
        bad = custom and bool(self.url.text().strip()) and self.server() is None
        self.url_problem.setText("Give the server's address as http://host:port" if bad else "")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        if self.keyring_problem is not None:
            return False
        return not self.custom.isChecked() or self.server() is not None

    def validatePage(self) -> bool:
        return self.isComplete()


def describe_keyring(backend_name: str) -> str:
    """A keyring backend's class path in words (keyring.backends.SecretService.Keyring -> the Secret Service...)."""
    for part, words in (("SecretService", "your desktop's Secret Service keyring (GNOME Keyring or KWallet)"),
                        ("kwallet", "KWallet"), ("macOS", "the macOS Keychain"),
                        ("Windows", "the Windows Credential Manager")):
        if part in backend_name:
            return words
    return f"the system keyring ({backend_name})"


class FieldsPage(QWizardPage):
    """Account name, API key, secret key and passphrase (masked, with show/hide; whitespace trimmed)."""

    BITGET_HINT = ("Copy them from Bitget → API management. The secret and passphrase are kept only in your "
                   "system keyring.")

    def __init__(self, wizard: KeyWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("API key details")
        self.setSubTitle(self.BITGET_HINT)
        form = QFormLayout(self)
        self.name = QLineEdit(self)
        self.name.setObjectName("accountName")
        self.name.setPlaceholderText("e.g. Main demo")
        self.api_key = QLineEdit(self)
        self.api_key.setObjectName("apiKey")
        self.api_key.setPlaceholderText("bg_…")
        self.secret = SecretField("Secret key", self)
        self.secret.setObjectName("secret")
        self.passphrase = SecretField("Passphrase chosen when the key was created", self)
        self.passphrase.setObjectName("passphrase")
        form.addRow("Account name", self.name)
        form.addRow("API key", self.api_key)
        form.addRow("Secret key", self.secret)
        form.addRow("Passphrase", self.passphrase)
        self.problem = QLabel("", self)
        self.problem.setObjectName("checkFail")
        self.problem.setWordWrap(True)
        form.addRow(self.problem)
        for w in (self.name, self.api_key):
            w.textChanged.connect(self._changed)
        for sf in (self.secret, self.passphrase):
            sf.textChanged.connect(self._changed)

    def initializePage(self) -> None:
        if not self.name.text().strip():
            self.name.setText(self._wizard.suggest_name())
        if self._wizard.env_page.kind == "custom":
            self.setSubTitle("The key registered on the server ('bitget-desktop sim' prints a demo key when it "
                             "starts). The secret and passphrase are kept only in your system keyring.")
        else:
            self.setSubTitle(self.BITGET_HINT)

    def _changed(self, *_: object) -> None:
        self.problem.setText(self._name_problem())
        self.completeChanged.emit()

    def _name_problem(self) -> str:
        name = self.name.text().strip()
        if name and name != self._wizard.editing and self._wizard.settings.account(name) is not None:
            return f"An account named “{name}” already exists; pick another name or edit that account."
        return ""

    def isComplete(self) -> bool:
        return all((self.name.text().strip(), self.api_key.text().strip(), self.secret.text(),
                    self.passphrase.text())) and not self._name_problem()

    def credentials(self) -> Credentials:
        return Credentials(self.api_key.text().strip(), self.secret.text(), self.passphrase.text())


class CheckPage(QWizardPage):
    """Runs the live check against Bitget; Next is enabled only when it passes (a withdrawal key needs consent)."""

    check_finished = Signal(object)  # KeyCheckReport

    def __init__(self, wizard: KeyWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Checking the key with Bitget")
        self.setSubTitle("Nothing is stored until every check passes.")
        lay = QVBoxLayout(self)
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(8)
        self.icons: dict[str, QLabel] = {}
        self.details: dict[str, QLabel] = {}
        for row, (key, title) in enumerate(STEPS):
            icon = QLabel("…", self)
            icon.setFixedWidth(22)
            icon.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
            head = QLabel(f"<b>{title}</b>", self)
            detail = QLabel("", self)
            detail.setWordWrap(True)
            detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(head)
            box.addWidget(detail)
            grid.addWidget(icon, row, 0)
            grid.addLayout(box, row, 1)
            self.icons[key], self.details[key] = icon, detail
        lay.addLayout(grid)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.message.setObjectName("checkFail")
        lay.addWidget(self.message)
        self.accept_withdraw = QCheckBox("I understand this key can withdraw funds, and want to use it anyway", self)
        self.accept_withdraw.hide()
        self.accept_withdraw.toggled.connect(lambda _: self.completeChanged.emit())
        lay.addWidget(self.accept_withdraw)
        self.retry = QPushButton("Run the check again", self)
        self.retry.hide()
        self.retry.clicked.connect(self.start_check)
        lay.addWidget(self.retry, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addStretch(1)
        self.report: KeyCheckReport | None = None
        self._task: asyncio.Task[Any] | None = None

    def initializePage(self) -> None:
        self.start_check()

    def cleanupPage(self) -> None:
        self.cancel()

    def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    @property
    def failure_text(self) -> str:
        """The precise reason of a failed check (the failed step's text, or the keyring/unexpected message)."""
        r = self.report
        if r is not None and r.failed is not None:
            return r.failed.detail
        return self.message.text()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start_check(self) -> None:
        self.cancel()
        self.report = None
        self.message.setText("")
        self.accept_withdraw.hide()
        self.accept_withdraw.setChecked(False)
        self.retry.hide()
        for key, _ in STEPS:
            self._show(Step(key, "", PENDING, ""))
        self.completeChanged.emit()
        self._task = asyncio.get_event_loop().create_task(self._run(), name="wizard:key-check")

    async def _run(self) -> None:
        wiz = self._wizard
        try:
            wiz.credential_store.check_available()
        except KeyringUnavailable as exc:  # the keyring went away after the first page
            for key, title in STEPS:
                self._show(Step(key, title, SKIPPED, "not run: no keyring to store the key in"))
            self._finish(None, str(exc))
            return
        try:
            report = await run_key_check(wiz.check_environment(), wiz.fields.credentials(),
                                         client_factory=wiz.client_factory, on_step=self._show)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - shown as a message, never a traceback
            log.warning("key check failed unexpectedly: %r", type(exc).__name__)
            self._finish(None, f"The check stopped unexpectedly ({type(exc).__name__}).")
            return
        failed = report.failed
        self._finish(report, "" if failed is None else
                     "Nothing was saved. Correct the details (Back) or fix the cause, then run the check again.")

    def _finish(self, report: KeyCheckReport | None, message: str) -> None:
        self.report = report
        self.message.setText(message)
        self.retry.setVisible(report is None or not report.passed)
        if report is not None and report.passed and report.withdrawal_enabled:
            self.accept_withdraw.show()
        self.completeChanged.emit()
        self.check_finished.emit(report)

    def _show(self, step: Step) -> None:
        marks = {OK: ("✔", "checkOk"), WARN: ("⚠", "checkWarnIcon"), FAIL: ("✖", "checkFail"),
                 PENDING: ("…", "checkPending"), SKIPPED: ("–", "checkPending")}
        text, name = marks.get(step.status, ("?", "checkPending"))
        icon = self.icons[step.key]
        icon.setText(text)
        icon.setObjectName(name)
        detail = self.details[step.key]
        detail.setText(step.detail or ("checking…" if step.status == PENDING else ""))
        detail.setObjectName({WARN: "checkWarn", FAIL: "checkFail"}.get(step.status, "muted"))
        for w in (icon, detail):
            w.style().unpolish(w)
            w.style().polish(w)

    def isComplete(self) -> bool:
        r = self.report
        if r is None or not r.passed:
            return False
        return not r.withdrawal_enabled or self.accept_withdraw.isChecked()


class SummaryPage(QWizardPage):
    """What was found, and the save itself (refused without a secure keyring)."""

    def __init__(self, wizard: KeyWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle("Ready to save")
        self.setSubTitle("The secret and passphrase go to your system keyring; the settings file keeps only the "
                         "account's name, environment, key prefix and account type.")
        self.setButtonText(QWizard.WizardButton.FinishButton, "Save")
        lay = QVBoxLayout(self)
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.summary)
        self.use_now = QCheckBox("Switch the terminal to this account now", self)
        self.use_now.setChecked(True)
        lay.addWidget(self.use_now)
        self.error = QLabel("", self)
        self.error.setObjectName("checkFail")
        self.error.setWordWrap(True)
        lay.addWidget(self.error)
        lay.addStretch(1)

    def initializePage(self) -> None:
        wiz = self._wizard
        report = wiz.check.report
        creds = wiz.fields.credentials()
        kind = wiz.env_page.kind
        env_text = {
            "live": "<span style='color:#c62828'><b>LIVE</b></span> (real funds)",
            "custom": f"<b>Custom server</b> {html.escape(wiz.check_environment().rest_url)}",
        }.get(kind, "<b>DEMO</b> (Bitget demo trading)")
        rows = [
            ("Account", wiz.fields.name.text().strip()),
            ("Environment", env_text),
            ("API key", creds.key_hint),
        ]
        if report is not None:
            fam = "Unified Trading Account" if str(report.family) == "unified" else "Classic account"
            rows.append(("Account type", fam))
            if report.permissions is not None:
                perms = describe_permissions(report.permissions)
                if report.withdrawal_enabled:
                    perms += " — <span style='color:#c62828'><b>can withdraw</b></span>"
                rows.append(("Permissions", perms))
            rows.append(("Position modes", report.steps["modes"].detail))
            if report.clock_offset_ms is not None:
                rows.append(("Clock offset", f"{report.clock_offset_ms / 1000:+.1f} s"))
        self.summary.setText("<table cellspacing=6>" + "".join(
            f"<tr><td><b>{k}</b></td><td>{v}</td></tr>" for k, v in rows) + "</table>")
        self.error.setText("")

    def validatePage(self) -> bool:
        try:
            self._wizard.save()
        except KeyringUnavailable as exc:
            self.error.setText(f"Not saved: {exc}")
            return False
        return True


class KeyWizard(QWizard):
    """Add or edit a Bitget API key. `environment_override` (tests only) sends the check to another server."""

    account_saved = Signal(str)  # the account's name, when the user asked to switch to it

    def __init__(
        self,
        credential_store: CredentialStore,
        settings: Settings,
        settings_store: SettingsStore | None = None,
        *,
        parent: QWidget | None = None,
        edit: str | None = None,
        environment_override: Environment | None = None,
        client_factory: Callable[..., BitgetClient] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("keyWizard")
        self.credential_store = credential_store
        self.settings = settings
        self.settings_store = settings_store
        self.editing = edit
        self._override = environment_override
        self.client_factory = client_factory
        self.saved_name: str | None = None
        self.setWindowTitle("Edit Bitget API key" if edit else "Add a Bitget API key")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, False)
        self.setMinimumSize(640, 520)
        self.env_page = EnvironmentPage(credential_store)
        self.fields = FieldsPage(self)
        self.check = CheckPage(self)
        self.summary = SummaryPage(self)
        for pid, page in ((PAGE_ENV, self.env_page), (PAGE_FIELDS, self.fields), (PAGE_CHECK, self.check),
                          (PAGE_SUMMARY, self.summary)):
            self.setPage(pid, page)
        self.setStartId(PAGE_ENV)
        if edit is not None:
            self._prefill(edit)

    def _prefill(self, name: str) -> None:
        info = self.settings.account(name)
        self.fields.name.setText(name)
        if info is not None:
            button = {"live": self.env_page.live, "custom": self.env_page.custom}.get(info.environment,
                                                                                    self.env_page.demo)
            button.setChecked(True)
            self.env_page.url.setText(info.url)
        with contextlib.suppress(KeyringUnavailable):
            creds = self.credential_store.load(name)
            if creds is not None:
                self.fields.api_key.setText(creds.api_key)
                self.fields.secret.setText(creds.secret)
                self.fields.passphrase.setText(creds.passphrase)

    def suggest_name(self) -> str:
        base = {"live": "Live", "custom": "Simulator"}.get(self.env_page.kind, "Demo")
        name, n = base, 2
        while self.settings.account(name) is not None:
            name, n = f"{base} {n}", n + 1
        return name

    def check_environment(self) -> Environment:
        if self._override is not None:
            return self._override
        if self.env_page.kind == "custom":
            server = self.env_page.server()
            assert server is not None  # the first page does not let an unusable address through
            return server
        return LIVE if self.env_page.kind == "live" else DEMO

    def save(self) -> str:
        """Store the checked key (keyring) and its public facts (settings); returns the account name."""
        report = self.check.report
        if report is None or not report.passed:
            raise RuntimeError("the key has not passed the live check")
        name = self.fields.name.text().strip()
        creds = self.fields.credentials()
        self.credential_store.save(name, creds)
        if self.editing and self.editing != name:
            self.credential_store.delete(self.editing)
            self.settings.remove_account(self.editing)
        family = str(report.family) if report.family is not None else "classic"
        url = self.check_environment().rest_url if self.env_page.kind == "custom" else ""
        self.settings.upsert_account(AccountInfo(name=name, environment=self.env_page.kind,
                                                 key_hint=creds.key_hint, family=family, url=url))
        if self.settings_store is not None:
            self.settings_store.save(self.settings)
        self.saved_name = name
        log.info("account %r saved (%s, %s)", name, self.env_page.kind, family)
        if self.summary.use_now.isChecked():
            self.account_saved.emit(name)
        return name

    def done(self, result: int) -> None:
        self.check.cancel()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.check.cancel()
        super().closeEvent(event)
