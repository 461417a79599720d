"""`bitget-desktop` started as the README does: live data from the embedded simulator within seconds, clean exit."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).with_name("bitget-desktop")


def _env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_CONFIG", "XDG_CACHE", "XDG_STATE"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_STATE_HOME=str(home / ".local/state"),
        BITGET_DESKTOP_CONFIG_DIR=str(tmp_path / "config"),
        BITGET_DESKTOP_DATA_DIR=str(tmp_path / "data"),
        QT_QPA_PLATFORM="offscreen",
        PYTHONUNBUFFERED="1",
        PYTHONWARNINGS="error::RuntimeWarning,error::ResourceWarning",
    )
    return env


def _read_until(proc: subprocess.Popen[str], prefix: str, timeout: float) -> str:
    """The first stdout line starting with `prefix` (a reader thread feeds a queue we block on)."""
    assert proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for ln in proc.stdout:
            lines.put(ln)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while True:
        try:
            ln = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if ln is None:
            break
        seen.append(ln)
        if ln.startswith(prefix):
            return ln.strip()
    raise AssertionError(f"no {prefix!r} line within {timeout}s; output so far: {seen!r}")


@pytest.mark.slow
def test_app_starts_on_the_simulator_shows_live_data_and_exits_cleanly(tmp_path: Path) -> None:
    assert SCRIPT.exists(), SCRIPT
    started = time.monotonic()
    with subprocess.Popen([str(SCRIPT)], env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        try:
            line = _read_until(proc, "ready:", timeout=15)
            elapsed = time.monotonic() - started
            # "ready: 6 instruments, last price BTCUSDT 147056.36 (after 0.53 s)"
            words = line.split()
            assert int(words[1]) >= 2, line
            assert "last price" in line and float(words[6]) > 0, line
            assert elapsed < 10, elapsed
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        stderr = proc.stderr.read() if proc.stderr is not None else ""
    assert code == 0, stderr
    noise = [ln for ln in stderr.splitlines()
             if ln.strip() and "propagateSizeHints" not in ln and "NotAppKeyWarning" not in ln
             and "request.storage" not in ln.replace("s-storage", ".storage") and "request[" not in ln
             and "web_advanced" not in ln]
    assert not noise, stderr
    assert (tmp_path / "config" / "layout.ini").exists()  # the layout was saved on the way out
    log = (tmp_path / "data" / "bitget-desktop.log").read_text()
    assert "Traceback" not in log and "Unclosed" not in log and "was destroyed but it is pending" not in log, log
