"""The key wizard end to end against the in-process simulator, with the real Secret Service keyring."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWizard
from ui_support import (
    GOOD,
    UTA,
    WITHDRAW,
    Simulator,
    SimulatorConfig,
    expect_signal,
    keys,
    running_terminal,
    wait_signal,
    wait_until,
)

from bitget_desktop.credentials import CredentialStore
from bitget_desktop.exchange.environments import local
from bitget_desktop.settings import SettingsStore
from bitget_desktop.ui.wizard import AccountsDialog, KeyWizard
from bitget_desktop.ui.wizard.wizard import PAGE_CHECK, PAGE_ENV, PAGE_FIELDS, PAGE_SUMMARY


def make_wizard(qtbot: Any, store: CredentialStore, settings_store: SettingsStore, sim: Any) -> KeyWizard:
    wiz = KeyWizard(store, settings_store.load(), settings_store, environment_override=local(sim.rest_url))
    qtbot.addWidget(wiz)
    wiz.show()
    return wiz


async def fill_and_check(wiz: KeyWizard, key: str, secret: str, passphrase: str, name: str = "Main demo") -> Any:
    """Environment page -> fields (with stray whitespace, as pasted) -> the live check; returns the report."""
    assert wiz.currentId() == 0
    wiz.env_page.demo.setChecked(True)
    wiz.next()
    assert wiz.currentId() == PAGE_FIELDS
    f = wiz.fields
    assert not f.isComplete()
    f.name.setText(name)
    f.api_key.setText(f"  {key}\n")
    f.secret.setText(f" {secret}  ")
    f.passphrase.setText(f"{passphrase} ")
    assert f.isComplete()
    wiz.next()
    assert wiz.currentId() == PAGE_CHECK
    if wiz.check.running:
        await wait_signal(wiz.check.check_finished, timeout=20)
    return wiz.check.report


def run(qloop: Any, coro: Any) -> Any:
    return qloop.run_until_complete(asyncio.wait_for(coro, 60))


def test_fields_are_masked_with_show_hide(qtbot: Any, keyring_store: CredentialStore,
                                          settings_store: SettingsStore) -> None:
    wiz = KeyWizard(keyring_store, settings_store.load(), settings_store)
    qtbot.addWidget(wiz)
    for field in (wiz.fields.secret, wiz.fields.passphrase):
        assert field.edit.echoMode() == QLineEdit.EchoMode.Password
        field.toggle.click()
        assert field.edit.echoMode() == QLineEdit.EchoMode.Normal
        field.toggle.click()
        assert field.edit.echoMode() == QLineEdit.EchoMode.Password
    assert wiz.fields.api_key.echoMode() == QLineEdit.EchoMode.Normal


def test_good_key_is_checked_and_stored_in_the_keyring(qloop: Any, qtbot: Any, keyring_store: CredentialStore,
                                                       settings_store: SettingsStore, config_dirs: Path) -> None:
    # Everything any library logs, at DEBUG, goes to a file we scan afterwards.
    log_file = config_dirs / "data" / "debug.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_file, encoding="utf-8")
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)

    async def main() -> None:
        async with Simulator(SimulatorConfig(seed=7, keys=keys())) as sim:
            wiz = make_wizard(qtbot, keyring_store, settings_store, sim)
            saved: list[str] = []
            wiz.account_saved.connect(saved.append)
            report = await fill_and_check(wiz, *GOOD)
            assert report is not None and report.passed, report.failed
            assert wiz.check.isComplete()
            assert str(report.family) == "classic"
            assert "Classic account" in wiz.check.details["family"].text()
            assert not report.withdrawal_enabled
            assert report.position_modes["USDT-FUTURES"] in ("one_way_mode", "hedge_mode")
            assert "USDT-M perpetuals" in wiz.check.details["modes"].text()
            # nothing stored before the summary's Save
            assert keyring_store.load("Main demo") is None
            wiz.next()
            assert wiz.currentId() == PAGE_SUMMARY
            assert "Classic account" in wiz.summary.summary.text()
            wiz.button(QWizard.WizardButton.FinishButton).click()
            assert saved == ["Main demo"]

    try:
        run(qloop, main())
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()
    assert "Main demo" in log_file.read_text()  # the log did record the save
    creds = CredentialStore(service=keyring_store._service).load("Main demo")  # a fresh store: read back
    assert creds is not None
    assert (creds.api_key, creds.secret, creds.passphrase) == GOOD  # whitespace trimmed
    info = settings_store.load().account("Main demo")
    assert info is not None and info.environment == "demo" and info.family == "classic"
    assert info.key_hint.startswith(GOOD[0][:6])
    # The secret is nowhere on disk: settings, layout, logs.
    for path in config_dirs.rglob("*"):
        if path.is_file():
            text = path.read_bytes()
            assert GOOD[1].encode() not in text and GOOD[2].encode() not in text, path


@pytest.mark.parametrize(
    ("secret", "passphrase", "code", "words"),
    [
        (GOOD[1], "wrong-passphrase", "40012", "Wrong passphrase"),
        ("wrong-secret-value", GOOD[2], "40009", "Wrong secret key"),
    ],
    ids=["wrong-passphrase", "wrong-secret"],
)
def test_bad_key_parts_get_precise_messages(qloop: Any, qtbot: Any, keyring_store: CredentialStore,
                                            settings_store: SettingsStore, secret: str, passphrase: str, code: str,
                                            words: str) -> None:
    async def main() -> None:
        async with Simulator(SimulatorConfig(seed=7, keys=keys())) as sim:
            wiz = make_wizard(qtbot, keyring_store, settings_store, sim)
            report = await fill_and_check(wiz, GOOD[0], secret, passphrase)
            assert report is not None and not report.passed
            failed = report.failed
            assert failed is not None and failed.key == "auth" and failed.code == code
            assert words in wiz.check.failure_text
            assert "network" not in wiz.check.failure_text.lower()
            assert not wiz.check.isComplete()
            assert wiz.check.retry.isVisible()

    run(qloop, main())
    assert keyring_store.load("Main demo") is None
    assert settings_store.load().accounts == []


def test_clock_skew_is_reported(qloop: Any, qtbot: Any, keyring_store: CredentialStore,
                                settings_store: SettingsStore) -> None:
    async def main() -> None:
        async with Simulator(SimulatorConfig(seed=7, keys=keys())) as sim:
            sim.faults.clock_skew_ms = 95_000
            wiz = make_wizard(qtbot, keyring_store, settings_store, sim)
            report = await fill_and_check(wiz, *GOOD)
            assert report is not None and not report.passed
            assert report.failed is not None and report.failed.key == "clock"
            text = wiz.check.failure_text
            assert "clock" in text and "95 s behind" in text
            assert not wiz.check.isComplete()
            # fixed clock: the retry passes
            sim.faults.clock_skew_ms = 0
            wiz.check.retry.click()
            await wait_signal(wiz.check.check_finished, timeout=20)
            assert wiz.check.report is not None and wiz.check.report.passed

    run(qloop, main())


def test_withdrawal_key_needs_explicit_consent(qloop: Any, qtbot: Any, keyring_store: CredentialStore,
                                               settings_store: SettingsStore) -> None:
    async def main() -> None:
        async with Simulator(SimulatorConfig(seed=7, keys=keys())) as sim:
            wiz = make_wizard(qtbot, keyring_store, settings_store, sim)
            report = await fill_and_check(wiz, *WITHDRAW, name="Withdrawy")
            assert report is not None and report.passed and report.withdrawal_enabled
            assert "WITHDRAW" in wiz.check.details["permissions"].text()
            assert wiz.check.accept_withdraw.isVisible()
            assert not wiz.check.isComplete()
            wiz.check.accept_withdraw.setChecked(True)
            assert wiz.check.isComplete()
            wiz.next()
            assert "can withdraw" in wiz.summary.summary.text()
            wiz.button(QWizard.WizardButton.FinishButton).click()

    run(qloop, main())
    creds = keyring_store.load("Withdrawy")
    assert creds is not None and creds.secret == WITHDRAW[1]


def test_unified_account_is_detected(qloop: Any, qtbot: Any, keyring_store: CredentialStore,
                                     settings_store: SettingsStore) -> None:
    async def main() -> None:
        async with Simulator(SimulatorConfig(seed=7, keys=keys())) as sim:
            wiz = make_wizard(qtbot, keyring_store, settings_store, sim)
            report = await fill_and_check(wiz, *UTA)
            assert report is not None and str(report.family) == "unified", report.failed
            assert "Unified Trading Account" in wiz.check.details["family"].text()

    run(qloop, main())


def test_unknown_server_is_a_network_error(qloop: Any, qtbot: Any, keyring_store: CredentialStore,
                                           settings_store: SettingsStore) -> None:
    async def main() -> None:
        async with Simulator(SimulatorConfig(seed=7, keys=keys())) as sim:
            url = sim.rest_url
        wiz = KeyWizard(keyring_store, settings_store.load(), settings_store, environment_override=local(url))
        qtbot.addWidget(wiz)
        wiz.show()
        await fill_and_check(wiz, *GOOD)
        assert wiz.check.report is not None and wiz.check.report.failed is not None
        assert wiz.check.report.failed.key == "reach"
        assert "Network error" in wiz.check.failure_text

    run(qloop, main())


def test_no_keyring_stops_on_the_first_page_and_names_what_to_install(
        qloop: Any, qtbot: Any, settings_store: SettingsStore) -> None:
    """keyring's own "no backend" (what a fresh headless box has) is found before any secret can be typed."""
    store = CredentialStore(service="bitget-desktop-test-none", backend=fail.Keyring())
    wiz = KeyWizard(store, settings_store.load(), settings_store)
    qtbot.addWidget(wiz)
    wiz.show()
    page = wiz.env_page
    status = page.keyring_status.text()
    assert page.keyring_status.isVisible()
    assert "No secure system keyring" in status and "sudo apt install gnome-keyring" in status, status
    assert "keyring.backends" not in status  # words for a person, not a class path
    next_button = wiz.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    wiz.next()  # not even programmatically
    assert wiz.currentId() == PAGE_ENV and not wiz.fields.isVisible()
    assert page.recheck.isVisible()

    # Had the keyring gone away between the first page and the check, the check says so instead of hanging.
    async def main() -> None:
        done = expect_signal(wiz.check.check_finished)
        wiz.check.start_check()
        await asyncio.wait_for(done, 10)

    run(qloop, main())
    assert wiz.check.report is None and "No secure system keyring" in wiz.check.failure_text
    assert not any("checking" in d.text() for d in wiz.check.details.values())
    assert settings_store.load().accounts == []

    # The user installs and starts a keyring, then asks again: the way on opens.
    store._backend = None  # this store now asks keyring, which finds the session's Secret Service
    qtbot.mouseClick(page.recheck, Qt.MouseButton.LeftButton)
    assert "✔" in page.keyring_status.text() and "Secret Service" in page.keyring_status.text()
    assert next_button.isEnabled() and not page.recheck.isVisible()


def test_custom_server_targets_a_standalone_simulator(qloop: Any, qtbot: Any, keyring_store: CredentialStore,
                                                      settings_store: SettingsStore, config_dirs: Path) -> None:
    """`bitget-desktop sim` in its own process; the wizard's Custom server, a wrong secret, then the right one."""
    key, secret, passphrase = "bg_standalone_key_7", "s3cr3t-Standalone-Secret-4d5e", "pass-Standalone-8"

    async def main() -> None:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bitget_desktop", "sim", "--port", "0", "--api-key", key, "--secret", secret,
            "--passphrase", passphrase, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            assert proc.stdout is not None
            first = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().split()
            assert first[:1] == ["REST"], first
            url = first[1]
            wiz = KeyWizard(keyring_store, settings_store.load(), settings_store)
            qtbot.addWidget(wiz)
            wiz.show()
            next_button = wiz.button(QWizard.WizardButton.NextButton)
            qtbot.mouseClick(wiz.env_page.custom, Qt.MouseButton.LeftButton)
            assert wiz.env_page.custom.isChecked() and wiz.env_page.url.isEnabled()
            assert not next_button.isEnabled()  # no address yet
            qtbot.keyClicks(wiz.env_page.url, "localhost-no-scheme")
            assert not next_button.isEnabled() and "http://host:port" in wiz.env_page.url_problem.text()
            wiz.env_page.url.clear()
            qtbot.keyClicks(wiz.env_page.url, url)
            assert next_button.isEnabled()
            qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
            assert wiz.currentId() == PAGE_FIELDS
            f = wiz.fields
            assert f.name.text() == "Simulator"
            qtbot.keyClicks(f.api_key, key)
            qtbot.keyClicks(f.secret.edit, "not-the-secret")
            qtbot.keyClicks(f.passphrase.edit, passphrase)
            done = expect_signal(wiz.check.check_finished)
            qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
            await asyncio.wait_for(done, 20)
            report = wiz.check.report
            assert report is not None and report.failed is not None and report.failed.key == "auth", report
            assert "Wrong secret key" in wiz.check.failure_text
            assert not next_button.isEnabled() and keyring_store.load("Simulator") is None

            qtbot.mouseClick(wiz.button(QWizard.WizardButton.BackButton), Qt.MouseButton.LeftButton)
            assert wiz.currentId() == PAGE_FIELDS
            f.secret.edit.clear()
            qtbot.keyClicks(f.secret.edit, secret)
            done = expect_signal(wiz.check.check_finished)
            qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
            await asyncio.wait_for(done, 20)
            assert wiz.check.report is not None and wiz.check.report.passed, wiz.check.failure_text
            qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
            assert wiz.currentId() == PAGE_SUMMARY
            assert "Custom server" in wiz.summary.summary.text() and url in wiz.summary.summary.text()
            wiz.summary.use_now.setChecked(False)
            qtbot.mouseClick(wiz.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)

            stored = keyring_store.load("Simulator")
            assert stored is not None and (stored.api_key, stored.secret, stored.passphrase) == (key, secret,
                                                                                               passphrase)
            info = settings_store.load().account("Simulator")
            assert info is not None and info.environment == "custom" and info.url == url

            # The stored account connects to that server, not to Bitget nor the embedded simulator.
            settings = settings_store.load()
            settings.active_account = "Simulator"
            settings_store.save(settings)
            async with running_terminal(qtbot, settings_store, keyring_store) as (term, ready):
                assert term.session.environment.rest_url == url and term.simulator.sim is None
                await wait_until(lambda: bool(ready), timeout=20, what="live data from the standalone simulator")
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                await asyncio.wait_for(proc.wait(), 15)

    run(qloop, main())


def test_accounts_dialog_remove_deletes_keyring_entry(qloop: Any, qtbot: Any, keyring_store: CredentialStore,
                                                      settings_store: SettingsStore) -> None:
    async def main() -> None:
        async with Simulator(SimulatorConfig(seed=7, keys=keys())) as sim:
            for name in ("Demo", "Demo 2"):
                wiz = make_wizard(qtbot, keyring_store, settings_store, sim)
                report = await fill_and_check(wiz, *GOOD, name=name)
                assert report is not None and report.passed
                wiz.next()
                wiz.button(QWizard.WizardButton.FinishButton).click()

    run(qloop, main())
    settings = settings_store.load()
    assert [a.name for a in settings.accounts] == ["Demo", "Demo 2"]
    dialog = AccountsDialog(keyring_store, settings, settings_store)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2
    removed: list[str] = []
    dialog.removed.connect(removed.append)
    dialog.remove("Demo")
    assert removed == ["Demo"]
    assert keyring_store.load("Demo") is None
    assert keyring_store.load("Demo 2") is not None
    assert [a.name for a in settings_store.load().accounts] == ["Demo 2"]
    assert dialog.table.rowCount() == 1


def test_edit_renames_an_account_and_moves_its_key(qloop: Any, qtbot: Any, keyring_store: CredentialStore,
                                                   settings_store: SettingsStore) -> None:
    async def main() -> None:
        async with Simulator(SimulatorConfig(seed=7, keys=keys())) as sim:
            wiz = make_wizard(qtbot, keyring_store, settings_store, sim)
            report = await fill_and_check(wiz, *GOOD, name="Demo")
            assert report is not None and report.passed
            wiz.next()
            wiz.button(QWizard.WizardButton.FinishButton).click()
            edit = KeyWizard(keyring_store, settings_store.load(), settings_store, edit="Demo",
                             environment_override=local(sim.rest_url))
            qtbot.addWidget(edit)
            edit.show()
            assert edit.fields.api_key.text() == GOOD[0]  # prefilled from the keyring
            assert edit.fields.secret.edit.echoMode() == QLineEdit.EchoMode.Password
            edit.next()
            edit.fields.name.setText("Renamed")
            edit.next()
            if edit.check.running:
                await wait_signal(edit.check.check_finished, timeout=20)
            assert edit.check.isComplete()
            edit.next()
            edit.button(QWizard.WizardButton.FinishButton).click()

    run(qloop, main())
    assert keyring_store.load("Demo") is None
    renamed = keyring_store.load("Renamed")
    assert renamed is not None and renamed.secret == GOOD[1]
    assert [a.name for a in settings_store.load().accounts] == ["Renamed"]
