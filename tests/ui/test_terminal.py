"""The composition root in process: an account from the keyring, switching to the simulator and back, removal."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ui_support import GOOD, expect_signal, running_terminal, simulator, wait_until

from bitget_desktop.app import Terminal
from bitget_desktop.credentials import CredentialStore
from bitget_desktop.exchange.environments import local
from bitget_desktop.exchange.signing import Credentials
from bitget_desktop.settings import AccountInfo, SettingsStore
from bitget_desktop.ui.wizard import AccountsDialog


def test_terminal_accounts_and_switching(qloop: Any, qtbot: Any, keyring_store: CredentialStore,
                                         settings_store: SettingsStore, config_dirs: Path) -> None:
    keyring_store.save("Demo", Credentials(*GOOD))
    settings = settings_store.load()
    settings.upsert_account(AccountInfo("Demo", "demo", key_hint="bg_goo…", family="classic"))
    settings.active_account = "Demo"
    settings.last_symbols = ["USDT-FUTURES:ETHUSDT", "SPOT:BTCUSDT"]
    settings_store.save(settings)

    async def main() -> None:
        async with simulator() as sim:
            ready: list[str] = []
            env = local(sim.rest_url, name="Test exchange")
            term = Terminal(settings_store=settings_store, credential_store=keyring_store, seed=7,
                            force_simulator=False, on_ready=ready.append, environments={"demo": env, "live": env})
            try:
                await term.start()
                assert term.window is not None and term.session is not None
                qtbot.addWidget(term.window)
                assert term.session.account_name == "Demo"
                assert term.window.badge.text().endswith(" · Demo")
                assert term.simulator.sim is None  # no embedded simulator for a real account
                assert not term.window.welcome_bar.isVisible()  # not a first run: there are accounts
                await wait_until(lambda: bool(ready), timeout=15, what="first session ready")
                inst = term.session.instrument  # the last symbol of the previous run
                assert inst is not None and (inst.symbol, str(inst.product_type)) == ("ETHUSDT", "USDT-FUTURES")

                await term.switch(None)
                assert term.session.account_name is None and term.simulator.sim is not None
                assert term.window.badge.text() == "SIMULATOR"
                assert settings_store.load().active_account is None
                await wait_until(lambda: len(ready) >= 2, timeout=15, what="simulator session ready")

                await term.switch("Demo")
                assert term.session.account_name == "Demo" and term.simulator.sim is None
                assert settings_store.load().active_account == "Demo"

                dialog = AccountsDialog(keyring_store, term.settings, settings_store, parent=term.window)
                dialog.removed.connect(term._on_removed)
                dialog.remove("Demo")
                await wait_until(lambda: term.session is not None and term.session.account_name is None,
                                 what="fallback to the simulator")
                assert keyring_store.load("Demo") is None
                assert settings_store.load().accounts == []

                closed = expect_signal(term.window.closed)
                term.window.close()
                await asyncio.wait_for(closed, 5)
                assert term.finished.is_set()
            finally:
                await term.aclose()

    qloop.run_until_complete(asyncio.wait_for(main(), 90))


def test_first_run_starts_the_embedded_simulator_and_welcomes(qloop: Any, qtbot: Any, keyring_store: CredentialStore,
                                                             settings_store: SettingsStore, config_dirs: Path) -> None:
    async def main() -> None:
        async with running_terminal(qtbot, settings_store, keyring_store) as (term, ready):
            assert term.simulator.sim is not None and term.session.environment.is_local
            assert term.window.welcome_bar.isVisible()
            assert "simulator" in term.window.welcome_bar.text
            await wait_until(lambda: bool(ready), timeout=15, what="ready")
            assert settings_store.load().extra.get("welcomed") is True

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_a_failed_account_switch_is_shown(qloop: Any, qtbot: Any, keyring_store: CredentialStore,
                                          settings_store: SettingsStore, config_dirs: Path) -> None:
    keyring_store.save("Live", Credentials(*GOOD))
    settings = settings_store.load()
    settings.upsert_account(AccountInfo("Live", "live", key_hint="bg_goo…", family="classic"))
    settings_store.save(settings)

    async def main() -> None:
        async with simulator() as sim:
            env = local(sim.rest_url, name="Test exchange")
            # No "live" environment is configured, so switching to the live account fails in the background task.
            term = Terminal(settings_store=settings_store, credential_store=keyring_store, seed=7,
                            force_simulator=True, environments={"demo": env})
            try:
                await term.start()
                assert term.window is not None
                qtbot.addWidget(term.window)
                term._on_switch_requested("Live")
                await wait_until(lambda: "Switching accounts failed" in term.window.error_bar.text,
                                 what="the failure on screen")
                assert not term._tasks
                assert term.session is not None and term.session.account_name is None  # still on the simulator
            finally:
                await term.aclose()

    qloop.run_until_complete(asyncio.wait_for(main(), 60))
