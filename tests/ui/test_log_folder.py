"""Help > Open log folder hands the platform log directory to the desktop (its file manager)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from ui_support import simulator, window_for


class FileManager(QObject):
    """Stands where the desktop's file manager would: Qt hands it the file: URLs the app asks to open."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def show(self, url: QUrl) -> None:
        self.opened.append(url.toLocalFile())


def test_help_open_log_folder_opens_the_log_directory(qloop: Any, qtbot: Any, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("BITGET_DESKTOP_LOG_DIR", raising=False)
    files = FileManager()
    QDesktopServices.setUrlHandler("file", files, "show")
    try:
        async def main() -> None:
            async with simulator() as sim:
                win = window_for(qtbot, sim, tmp_path)
                help_menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&Help")
                action = next(a for a in help_menu.actions() if a.text() == "Open &log folder")
                action.trigger()

        qloop.run_until_complete(asyncio.wait_for(main(), 30))
    finally:
        QDesktopServices.unsetUrlHandler("file")
    expected = tmp_path / "state" / "bitget-desktop" / "log"  # platformdirs' user log dir on Linux
    assert files.opened == [str(expected)]
    assert expected.is_dir()
