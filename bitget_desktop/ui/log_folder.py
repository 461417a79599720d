"""Help > Open log folder: shows the log directory in the desktop's file manager."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from bitget_desktop import logs


def open_log_folder() -> bool:
    """Ask the desktop to open the folder holding the log files (created if missing); False if nothing could."""
    folder = logs.log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
