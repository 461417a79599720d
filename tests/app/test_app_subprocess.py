"""`bitget-desktop` started as a user does: live data from the embedded simulator within seconds, clean exit."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from app_support import app_env, check_ready_line, noise, platform_log_file, run_to_ready_and_stop

SCRIPT = Path(sys.executable).with_name("bitget-desktop")


@pytest.mark.slow
def test_app_starts_on_the_simulator_shows_live_data_and_exits_cleanly(tmp_path: Path) -> None:
    assert SCRIPT.exists(), SCRIPT
    env = app_env(tmp_path)
    env["PYTHONWARNINGS"] = "error::RuntimeWarning,error::ResourceWarning"
    started = time.monotonic()
    line, stderr = run_to_ready_and_stop([str(SCRIPT)], env, tmp_path, timeout=15)
    check_ready_line(line)
    assert time.monotonic() - started < 10
    assert not noise(stderr), stderr
    assert (tmp_path / "config" / "layout.ini").exists()  # the layout was saved on the way out
    # The log is in the platform's log directory (XDG_STATE_HOME on Linux), not beside the data.
    log = platform_log_file(tmp_path).read_text()
    assert "starting; log file" in log and "style sheet of" in log, log
    assert "Traceback" not in log and "Unclosed" not in log and "was destroyed but it is pending" not in log, log
    assert not (tmp_path / "data" / "bitget-desktop.log").exists()
