"""The application log: a rotating file in the platform's log directory (no secrets are ever logged)."""

from __future__ import annotations

import logging
import os
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

APP_NAME = "bitget-desktop"
LOG_FILE = "bitget-desktop.log"
MAX_BYTES = 2_000_000  # one file; when full it becomes .1, .2 ... and the oldest of BACKUPS is dropped
BACKUPS = 4
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_dir() -> Path:
    """Where the log files live: BITGET_DESKTOP_LOG_DIR, else the platform's user log directory
    (~/.local/state/bitget-desktop/log on Linux, ~/Library/Logs/bitget-desktop on macOS,
    %LOCALAPPDATA%\\bitget-desktop\\Logs on Windows)."""
    return Path(os.environ.get("BITGET_DESKTOP_LOG_DIR") or platformdirs.user_log_dir(APP_NAME, appauthor=False))


def configure(level: str | None = None) -> Path:
    """Send the root logger to the rotating log file (once per process); returns the file's path.

    The level is `level`, else BITGET_DESKTOP_LOG_LEVEL, else INFO."""
    path = log_dir() / LOG_FILE
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, RotatingFileHandler) and Path(handler.baseFilename) == path:
            return path
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("BITGET_DESKTOP_LOG_LEVEL", "INFO"))
    return path
