"""The log file: in the platform's user log directory, one handler however often configured, rotated when full."""

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest

from bitget_desktop import logs


@pytest.fixture
def root_handlers():
    """The root logger's handlers and level as they were; whatever the test adds is closed and removed."""
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    yield root
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_log_goes_to_the_platform_log_dir_and_rotates(tmp_path: Path, monkeypatch, root_handlers):
    monkeypatch.delenv("BITGET_DESKTOP_LOG_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = logs.configure("INFO")
    assert path == tmp_path / "state" / "bitget-desktop" / "log" / "bitget-desktop.log"
    assert logs.configure("INFO") == path  # a second call adds no second handler
    ours = [h for h in root_handlers.handlers if isinstance(h, RotatingFileHandler)
            and Path(h.baseFilename) == path]
    assert len(ours) == 1

    line = "x" * 1000
    for _ in range(logs.MAX_BYTES // 1000 * (logs.BACKUPS + 2)):  # enough to fill every backup and then some
        logging.getLogger("bitget_desktop.test").info(line)
    ours[0].flush()
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["bitget-desktop.log"] + [f"bitget-desktop.log.{i}" for i in range(1, logs.BACKUPS + 1)]
    assert all(p.stat().st_size <= logs.MAX_BYTES for p in path.parent.iterdir())


def test_log_dir_override(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("BITGET_DESKTOP_LOG_DIR", str(tmp_path / "elsewhere"))
    assert logs.log_dir() == tmp_path / "elsewhere"
