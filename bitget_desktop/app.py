"""Composition root: QApplication + qasync loop; picks the environment and wires client -> session -> window."""

from __future__ import annotations

import asyncio
import importlib
import logging
import secrets
import signal
import sqlite3
import sys
import time
from collections.abc import Callable, Coroutine, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import qasync
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from bitget_desktop import __version__, logs
from bitget_desktop.credentials import CredentialStore, KeyringUnavailable
from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.environments import DEMO, LIVE, Environment, local
from bitget_desktop.exchange.signing import Credentials
from bitget_desktop.settings import AccountInfo, Settings, SettingsStore, config_dir, paper_state_path
from bitget_desktop.terminal.tasks import TaskSet
from bitget_desktop.ui import theme
from bitget_desktop.ui.main_window import MainWindow
from bitget_desktop.ui.session import Session
from bitget_desktop.ui.widgets import describe_error

if TYPE_CHECKING:  # imported at run time only where first used (the simulator only in paper mode)
    from bitget_desktop.exchange.candle_cache import CandleCache
    from bitget_desktop.simulator import Simulator

log = logging.getLogger("bitget_desktop")

APP_NAME = "bitget-desktop"
SIM_ACCOUNT = None  # the session's account name on the embedded simulator


@dataclass
class Connection:
    """What a session runs against: the environment, the key (if any) and the account's display name."""

    environment: Environment
    credentials: Credentials | None
    account_name: str | None
    family: str | None = None  # "classic" | "unified" as the key wizard found it; None = ask Bitget


SIM_KEY_ID = "sim-paper"  # the paper account's key id: stable, so its saved state is found again after a restart


class EmbeddedSimulator:
    """The in-process simulator with one funded paper account; started lazily, stopped (and saved) on exit.

    The account's orders, positions and balances are kept in `state_path` across restarts. The key id is fixed;
    its secret and passphrase are fresh each run (they only guard a loopback port of this process)."""

    def __init__(self, seed: int, state_path: str | Path | None = None) -> None:
        self.seed = seed
        self.state_path = state_path
        self._stack: AsyncExitStack | None = None
        self.sim: Simulator | None = None
        self.credentials: Credentials | None = None

    async def start(self) -> Connection:
        if self.sim is None:
            from bitget_desktop.simulator import ApiKeySpec, Simulator, SimulatorConfig

            creds = Credentials(SIM_KEY_ID, secrets.token_urlsafe(24), secrets.token_urlsafe(12))
            config = SimulatorConfig(
                seed=self.seed,
                keys=[ApiKeySpec(creds.api_key, creds.secret, creds.passphrase, permissions=("read", "trade"))],
                state_path=self.state_path,
            )
            self._stack = AsyncExitStack()
            self.sim = await self._stack.enter_async_context(Simulator(config))
            self.credentials = creds
        return Connection(local(self.sim.rest_url, name="Simulator"), self.credentials, SIM_ACCOUNT)

    def reset(self) -> None:
        """The paper account back to its starting funds: no orders, positions or history (saved at once)."""
        if self.sim is None or self.credentials is None:
            return
        self.sim.engine.reset(self.credentials.api_key)
        self.sim.save()

    async def stop(self) -> None:
        if self._stack is not None:
            stack, self._stack, self.sim = self._stack, None, None
            await stack.aclose()


class Terminal(QObject):
    """Owns the window, the current session and the embedded simulator; switches accounts on request."""

    def __init__(self, *, settings_store: SettingsStore, credential_store: CredentialStore, seed: int,
                 force_simulator: bool, on_ready: Callable[[str], None] | None = None,
                 environments: Mapping[str, Environment] | None = None,
                 endpoint: tuple[str, Credentials] | None = None) -> None:
        """`environments` maps an account's "live"/"demo" to where it connects (tests point it at a simulator);
        `endpoint` (`gui --endpoint`: a server's URL and key) starts on that custom server instead of the stored
        account, without storing it."""
        super().__init__()
        self.environments = dict(environments or {"live": LIVE, "demo": DEMO})
        self.settings_store = settings_store
        self.settings: Settings = settings_store.load()
        self.credentials = credential_store
        self.simulator = EmbeddedSimulator(seed, state_path=paper_state_path())
        self.force_simulator = force_simulator
        self.endpoint = endpoint
        self.on_ready = on_ready
        self.session: Session | None = None
        self.window: MainWindow | None = None
        self.candle_cache = _open_candle_cache()
        self.finished = asyncio.Event()
        self._switching = asyncio.Lock()
        self._tasks = TaskSet("terminal", on_error=self._task_failed)
        self._retired: set[Session] = set()  # sessions switched away from (their close must finish before exit)

    async def _connection(self, account: str | None) -> Connection:
        if account is not None:
            info = self.settings.account(account)
            if info is not None:
                try:
                    creds = self.credentials.load(account)
                except KeyringUnavailable as exc:
                    self._notify(f"Could not read the key of {account!r}: {exc}. Using the simulator.")
                    creds = None
                if creds is not None:
                    return Connection(self._environment(info), creds, account, info.family)
                self._notify(f"No key for account {account!r} in the system keyring. Using the simulator.")
        return await self.simulator.start()

    def _environment(self, info: AccountInfo) -> Environment:
        """Where a stored account connects: Bitget live or demo, or its custom server's address."""
        if info.environment == "custom":
            return local(info.url, name=f"Custom server {info.url.split('//', 1)[-1]}")
        return self.environments[info.environment]

    def _notify(self, text: str) -> None:
        if self.window is not None:
            self.window.show_error(text)
        else:
            log.warning("%s", text)

    def _endpoint_connection(self, url: str, creds: Credentials) -> Connection:
        """A custom server account that exists for this run only: not in the settings, its key not in the keyring."""
        info = AccountInfo(name=f"Custom server {url.split('//', 1)[-1]}", environment="custom", url=url,
                           key_hint=creds.api_key[:4])
        return Connection(self._environment(info), creds, info.name)

    async def start(self) -> None:
        if self.endpoint is not None:
            conn = self._endpoint_connection(*self.endpoint)
        else:
            active = None if self.force_simulator else self.settings.active_account
            conn = await self._connection(active)
        session = self._make_session(conn)
        self.window = MainWindow(
            session,
            settings=self.settings,
            settings_store=self.settings_store,
            layout_path=str(config_dir() / "layout.ini"),
            theme_mode=self.settings.theme,
            candle_cache=self.candle_cache,
        )
        self.window.closed.connect(self.finished.set)
        self.window.switch_requested.connect(self._on_switch_requested)
        self.window.add_account_requested.connect(self.open_wizard)
        self.window.accounts_requested.connect(self.open_accounts)
        self.window.reset_demo_requested.connect(self.reset_paper_account)
        self.session = session
        self.window.show()
        session.start()
        if not self.settings.accounts and not self.settings.extra.get("welcomed"):
            self.window.show_welcome()
            self.settings.extra["welcomed"] = True
            self.settings_store.save(self.settings)

    def _make_session(self, conn: Connection) -> Session:
        client = BitgetClient(conn.environment, conn.credentials, family=conn.family)
        session = Session(client, conn.environment, account_name=conn.account_name,
                          symbols=list(self.settings.last_symbols))
        if self.on_ready is not None:
            session.ready.connect(self.on_ready)
        return session

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        self._tasks.spawn(coro, "switch")

    def _task_failed(self, name: str, exc: BaseException) -> None:
        """A failed account switch is told to the user (it would otherwise end unseen, its error never read)."""
        log.error("%s failed: %r", name, exc)
        self._notify(f"Switching accounts failed: {describe_error(exc)}")

    def _on_switch_requested(self, account: str | None) -> None:
        self._spawn(self.switch(account))

    async def switch(self, account: str | None) -> None:
        """Show a new session for `account` (None = the simulator) at once, then close the old one.

        The window drops the old account's numbers and in-flight lines immediately and shows the new one as
        connecting (order entry disabled) until it is connected and reconciled; an order of the old account still
        waiting for an answer is marked uncertain, to be checked in that account's history."""
        async with self._switching:
            conn = await self._connection(account)
            old = self.session
            session = self._make_session(conn)
            self.session = session
            self.settings.active_account = conn.account_name
            self.settings_store.save(self.settings)
            if self.window is not None:
                self.window.bind(session)
            session.start()
            if old is not None:
                label = old.account_name or old.environment.name
                self._retired.add(old)
                await old.aclose(f"the account was switched away from {label} before Bitget answered: check "
                                 f"{label}'s open orders and history before sending it again.")
                self._retired.discard(old)
            if conn.account_name is not None:
                await self.simulator.stop()

    def reset_paper_account(self) -> None:
        """Reset the simulator's paper account and reload what the window shows of it."""
        if self.session is None or self.session.account_name is not None:
            return  # a custom server is local too, but it is not the embedded simulator's paper account
        self.simulator.reset()
        self._spawn(self.session.reload_account())

    def open_wizard(self, edit: str | None = None) -> None:
        from bitget_desktop.ui.wizard import KeyWizard

        wizard = KeyWizard(self.credentials, self.settings, self.settings_store, parent=self.window, edit=edit)
        wizard.account_saved.connect(lambda name: self._spawn(self.switch(name)))
        wizard.open()

    def open_accounts(self) -> None:
        from bitget_desktop.ui.wizard import AccountsDialog

        dialog = AccountsDialog(self.credentials, self.settings, self.settings_store, parent=self.window)
        dialog.add_requested.connect(lambda: self.open_wizard())
        dialog.edit_requested.connect(lambda name: self.open_wizard(edit=name))
        dialog.use_requested.connect(lambda name: self._spawn(self.switch(name)))
        dialog.removed.connect(self._on_removed)
        dialog.open()

    def _on_removed(self, name: str) -> None:
        if self.session is not None and self.session.account_name == name:
            self._spawn(self.switch(None))

    async def aclose(self) -> None:
        await self._tasks.aclose()
        for old in list(self._retired):
            await old.aclose()
        self._retired.clear()
        if self.session is not None:
            await self.session.aclose()
        await self.simulator.stop()
        if self.candle_cache is not None:
            self.candle_cache.close()


def _open_candle_cache() -> CandleCache | None:
    """The charts' SQLite candle cache in the data directory; None (charts still work) if it cannot be opened."""
    from bitget_desktop.exchange.candle_cache import CandleCache

    try:
        return CandleCache()
    except (OSError, sqlite3.Error) as exc:
        log.warning("candle cache unavailable: %s", exc)
        return None


# The window stands a placeholder in for these when they fail to import; the log must say why (a packaging slip,
# e.g. a module left out of the bundle, shows nowhere else).
WINDOW_PARTS = ("bitget_desktop.ui.chart_panel", "bitget_desktop.ui.trading.panel")


def _check_window_parts() -> None:
    for module in WINDOW_PARTS:
        try:
            importlib.import_module(module)
        except ImportError:
            log.exception("%s could not be loaded; the window shows a placeholder instead", module)


def _print_ready(started: float) -> Callable[[str], None]:
    def emit(line: str) -> None:
        elapsed = time.perf_counter() - started
        print(f"{line} (after {elapsed:.2f} s)", flush=True)
        log.info("%s after %.2f s", line, elapsed)

    return emit


def run_gui(force_simulator: bool = False, seed: int = 7, endpoint: tuple[str, Credentials] | None = None) -> int:
    """Start the terminal (on `endpoint`, a custom server's URL and key, when given); returns the exit code."""
    started = time.perf_counter()
    log_path = logs.configure()
    log.info("bitget-desktop %s starting; log file %s", __version__, log_path)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("Bitget Desktop")
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName(APP_NAME)
    app.setQuitOnLastWindowClosed(False)
    app.setWindowIcon(theme.app_icon())  # the terminal ends when its main window closes (see Terminal.finished)
    settings_store = SettingsStore()
    resolved = theme.apply(app, settings_store.load().theme)
    _check_window_parts()
    log.info("theme %s with a style sheet of %d characters", resolved, len(app.styleSheet()))
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    terminal = Terminal(settings_store=settings_store, credential_store=CredentialStore(), seed=seed,
                        force_simulator=force_simulator, on_ready=_print_ready(started), endpoint=endpoint)

    def request_quit(*_: object) -> None:
        if terminal.window is not None:
            terminal.window.close()
        else:
            terminal.finished.set()

    # SIGTERM/SIGINT close the window, so shutdown is as clean as a click on the close button.
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, request_quit)
        except (NotImplementedError, RuntimeError):
            signal.signal(sig, request_quit)
    # WORKAROUND: Qt only runs Python signal handlers when it returns to Python; a timer guarantees that.
    wake = QTimer()
    wake.start(250)
    wake.timeout.connect(lambda: None)

    async def main() -> int:
        try:
            await terminal.start()
        except Exception as exc:
            log.exception("start-up failed")
            QMessageBox.critical(None, "Bitget Desktop", f"Could not start: {exc}")
            await terminal.aclose()
            return 1
        await terminal.finished.wait()
        await terminal.aclose()
        return 0

    try:
        with loop:
            code: int = loop.run_until_complete(main())  # qasync is untyped: the int main() returns
    finally:
        wake.stop()
        asyncio.set_event_loop(None)
    return code
