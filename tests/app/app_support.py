"""Helpers for tests that start `bitget-desktop` as a process: a throwaway home, reading its stdout, stopping it."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

# Lines the offscreen platform or a library prints on stderr that say nothing about our code.
HARMLESS_STDERR = ("propagateSizeHints", "NotAppKeyWarning", "web_advanced")


def app_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a first start on a fresh machine: empty home, config, data and state dirs, offscreen Qt."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("XDG_CONFIG", "XDG_CACHE", "XDG_STATE", "XDG_DATA_HOME", "BITGET_DESKTOP_"))}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_STATE_HOME=str(home / ".local/state"),
        BITGET_DESKTOP_CONFIG_DIR=str(tmp_path / "config"),
        BITGET_DESKTOP_DATA_DIR=str(tmp_path / "data"),
        QT_QPA_PLATFORM="offscreen",
        PYTHONUNBUFFERED="1",
    )
    return env


def platform_log_file(tmp_path: Path) -> Path:
    """Where the log lands in `app_env(tmp_path)` on Linux: $XDG_STATE_HOME/bitget-desktop/log/."""
    return tmp_path / "home" / ".local/state" / "bitget-desktop" / "log" / "bitget-desktop.log"


def read_until(proc: subprocess.Popen[str], prefix: str, timeout: float) -> str:
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


def check_ready_line(line: str) -> None:
    """"ready: 6 instruments, last price BTCUSDT 147056.36 (after 0.53 s)": live simulator data reached the window."""
    words = line.split()
    assert int(words[1]) >= 2, line
    assert "last price" in line and float(words[6]) > 0, line


def run_to_ready_and_stop(cmd: list[str], env: dict[str, str], cwd: Path, timeout: float,
                          when_ready: Callable[[int], None] | None = None) -> tuple[str, str]:
    """Start `cmd`, wait for its ready line, call `when_ready(pid)`, stop it with SIGTERM; returns (ready line,
    stderr). Exit code must be 0."""
    with subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        try:
            line = read_until(proc, "ready:", timeout=timeout)
            if when_ready is not None:
                when_ready(proc.pid)
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        stderr = proc.stderr.read() if proc.stderr is not None else ""
    assert code == 0, stderr
    return line, stderr


def noise(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.strip() and not any(h in ln for h in HARMLESS_STDERR)
            and "request.storage" not in ln.replace("s-storage", ".storage") and "request[" not in ln]
