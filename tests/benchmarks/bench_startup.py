"""Start-up benchmark: `bitget-desktop` from process start to an interactive window showing live data.

Run: .venv/bin/python tests/benchmarks/bench_startup.py [runs]   (offscreen, throwaway HOME and config dirs)
Prints each run and the median; the target is under 2 s. Not collected by pytest (a measurement, not a test).
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 2.0
SCRIPT = Path(sys.executable).with_name("bitget-desktop")


def one_run() -> tuple[float, float]:
    """(wall seconds from spawn to the 'ready:' line, the app's own figure from its start-up)."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
                   BITGET_DESKTOP_CONFIG_DIR=str(Path(tmp) / "config"),
                   BITGET_DESKTOP_DATA_DIR=str(Path(tmp) / "data"), QT_QPA_PLATFORM="offscreen",
                   PYTHONUNBUFFERED="1")
        started = time.perf_counter()
        with subprocess.Popen([str(SCRIPT)], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True) as proc:
            assert proc.stdout is not None
            try:
                for line in proc.stdout:
                    if line.startswith("ready:"):
                        wall = time.perf_counter() - started
                        inner = float(re.search(r"after ([0-9.]+) s", line).group(1))  # type: ignore[union-attr]
                        return wall, inner
                raise RuntimeError("the app exited before showing live data")
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=20)


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    one_run()  # warm the OS file cache (first import of Qt and numpy)
    walls, inners = [], []
    for i in range(runs):
        wall, inner = one_run()
        walls.append(wall)
        inners.append(inner)
        print(f"run {i + 1}: {wall:.2f} s from spawn to live data ({inner:.2f} s inside the app after imports)")
    median = statistics.median(walls)
    verdict = "OK" if median < TARGET_S else "OVER TARGET"
    print(f"start-up to an interactive window with live data: median {median:.2f} s "
          f"(min {min(walls):.2f}, max {max(walls):.2f}) over {runs} runs; target < {TARGET_S:.0f} s: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
