"""Start-up benchmark: `bitget-desktop` from process start to a shown window with live simulator data, beside a
bare PySide6 baseline measured in the same run.

Run: ``python tests/benchmarks/bench_startup.py [runs]`` (offscreen, throwaway HOME and config dirs; default 7 runs).

- terminal: spawn `bitget-desktop` (first start on the embedded simulator) until it prints its "ready:" line, which
  it does once the main window is shown and the first live ticker from the simulator has reached it;
- baseline: spawn a Python process that imports PySide6, shows an empty QMainWindow and prints "shown" once the
  window has been exposed: the floor any PySide6 application pays (interpreter, Qt libraries, platform plugin).
The two are interleaved so both see the same machine load; one untimed run of each warms the OS file cache first.
Prints medians, the ratio terminal / baseline, and the verdict against the absolute target (< 1.5 s on 2 cores).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 1.5
SCRIPT = Path(sys.executable).with_name("bitget-desktop")
BASELINE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
win = QMainWindow()
win.resize(1280, 800)
win.show()
def shown():
    print("shown", flush=True)
    app.quit()
QTimer.singleShot(0, shown)  # after the show has been processed by the event loop
app.exec()
"""


def _env(tmp: str) -> dict[str, str]:
    home = Path(tmp) / "home"
    home.mkdir()
    return dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
                XDG_STATE_HOME=str(home / ".local/state"), XDG_CACHE_HOME=str(home / ".cache"),
                BITGET_DESKTOP_CONFIG_DIR=str(Path(tmp) / "config"),
                BITGET_DESKTOP_DATA_DIR=str(Path(tmp) / "data"), QT_QPA_PLATFORM="offscreen", PYTHONUNBUFFERED="1")


def time_to_line(cmd: list[str], prefix: str) -> float:
    """Seconds from spawning `cmd` to its first stdout line starting with `prefix`; the process is then ended."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        with subprocess.Popen(cmd, env=_env(tmp), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True) as proc:
            assert proc.stdout is not None
            try:
                for line in proc.stdout:
                    if line.startswith(prefix):
                        return time.perf_counter() - started
                raise RuntimeError(f"{cmd[0]} exited before printing {prefix!r}")
            finally:
                proc.terminate()
                proc.wait(timeout=20)


def terminal() -> float:
    return time_to_line([str(SCRIPT)], "ready:")


def baseline() -> float:
    return time_to_line([sys.executable, "-c", BASELINE], "shown")


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    terminal(), baseline()  # warm the OS file cache (first import of Qt, numpy, ...)
    ours, floor = [], []
    for i in range(runs):
        ours.append(terminal())
        floor.append(baseline())
        print(f"run {i + 1}: terminal {ours[-1]:.2f} s, bare QMainWindow {floor[-1]:.2f} s")
    t, b = statistics.median(ours), statistics.median(floor)
    verdict = "OK" if t < TARGET_S else "OVER TARGET"
    print(f"process start to a window with live simulator data: median {t:.2f} s (min {min(ours):.2f}, "
          f"max {max(ours):.2f}) over {runs} runs; target < {TARGET_S} s: {verdict}")
    print(f"bare PySide6 QMainWindow in the same run: median {b:.2f} s; ratio terminal / baseline {t / b:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
