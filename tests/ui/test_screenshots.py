"""Offscreen grabs of the main window and every wizard page; each must render (many colours, real text).

Set BITGET_DESKTOP_SCREENSHOTS=docs/screenshots to refresh the committed PNGs; otherwise they go to tmp.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget, QWizard
from ui_support import GOOD, WITHDRAW, simulator, wait_signal, wait_until, window_for

from bitget_desktop.exchange.environments import local
from bitget_desktop.settings import AccountInfo, SettingsStore
from bitget_desktop.ui.wizard import AccountsDialog, KeyWizard


def save(widget: QWidget, path: Path) -> None:
    image = widget.grab().toImage()
    assert image.save(str(path)), path
    assert distinct_colours(image) > 12, f"{path.name} looks blank"


def distinct_colours(image: QImage) -> int:
    step = max(1, image.width() // 200)
    seen = {image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)}
    return len(seen)


def test_main_window_screenshots(qloop: Any, qtbot: Any, tmp_path: Path, shots: Path) -> None:
    async def main() -> None:
        async with simulator() as sim:
            win = window_for(qtbot, sim, tmp_path, size=(1500, 920))
            session = win.session
            await wait_signal(session.ready, timeout=15)
            await wait_until(lambda: win.trades_model.rowCount() > 5 and win.balances_model.rowCount() > 0,
                             timeout=15, what="data")
            await wait_signal(session.health_changed)
            win.blotter.setCurrentIndex(4)
            save(win, shots / "main-window-light.png")
            win.set_theme("dark")
            await wait_signal(session.book_changed)
            save(win, shots / "main-window-dark.png")
            win.set_theme("light")

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_wizard_page_screenshots(qloop: Any, qtbot: Any, tmp_path: Path, shots: Path,
                                 keyring_store: Any) -> None:
    async def main() -> None:
        async with simulator() as sim:
            store = SettingsStore(tmp_path)
            wiz = KeyWizard(keyring_store, store.load(), store, environment_override=local(sim.rest_url))
            qtbot.addWidget(wiz)
            wiz.resize(700, 560)
            wiz.show()
            save(wiz, shots / "wizard-1-environment.png")
            wiz.next()
            f = wiz.fields
            f.name.setText("Main demo")
            f.api_key.setText(GOOD[0])
            f.secret.setText(GOOD[1])
            f.passphrase.setText("not-the-passphrase")
            save(wiz, shots / "wizard-2-fields.png")
            wiz.next()
            await wait_signal(wiz.check.check_finished, timeout=20)
            save(wiz, shots / "wizard-3-check-wrong-passphrase.png")
            wiz.back()
            f.api_key.setText(WITHDRAW[0])
            f.secret.setText(WITHDRAW[1])
            f.passphrase.setText(WITHDRAW[2])
            wiz.next()
            await wait_signal(wiz.check.check_finished, timeout=20)
            save(wiz, shots / "wizard-3-check-withdrawal-warning.png")
            wiz.back()
            f.api_key.setText(GOOD[0])
            f.secret.setText(GOOD[1])
            f.passphrase.setText(GOOD[2])
            wiz.next()
            await wait_signal(wiz.check.check_finished, timeout=20)
            assert wiz.check.isComplete()
            save(wiz, shots / "wizard-3-check-passed.png")
            sim.faults.clock_skew_ms = -75_000
            wiz.check.retry.show()
            wiz.check.start_check()
            await wait_signal(wiz.check.check_finished, timeout=20)
            save(wiz, shots / "wizard-3-check-clock-skew.png")
            sim.faults.clock_skew_ms = 0
            wiz.check.start_check()
            await wait_signal(wiz.check.check_finished, timeout=20)
            wiz.next()
            save(wiz, shots / "wizard-4-summary.png")
            wiz.button(QWizard.WizardButton.FinishButton).click()
            settings = store.load()
            settings.upsert_account(AccountInfo("Main live", "live", key_hint="bg_liv…", family="unified"))
            dialog = AccountsDialog(keyring_store, settings, store)
            qtbot.addWidget(dialog)
            dialog.show()
            dialog.table.selectRow(0)
            save(dialog, shots / "accounts-dialog.png")

    qloop.run_until_complete(asyncio.wait_for(main(), 60))
