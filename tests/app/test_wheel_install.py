"""`pip install` of the built wheel gives a `bitget-desktop` that starts with its style sheet and icon on any cwd."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from app_support import app_env, check_ready_line, noise, platform_log_file, run_to_ready_and_stop

ROOT = Path(__file__).resolve().parents[2]


def pip(python: Path, *args: str, cwd: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_REQUIRE_VIRTUALENV")}
    done = subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_wheel_installs_into_a_fresh_venv_and_starts_with_its_style_sheet(tmp_path: Path) -> None:
    # From a copy of the sources alone: a local egg-info or build/ left by an editable install can add files
    # that a clean checkout's wheel would not have.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "tests", "docs"))
    wheels = tmp_path / "wheels"
    pip(Path(sys.executable), "wheel", "--no-deps", "-q", "--wheel-dir", str(wheels), str(source), cwd=tmp_path)
    (wheel,) = wheels.glob("bitget_desktop-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for packaged in ("bitget_desktop/resources/styles/terminal.qss",
                     "bitget_desktop/resources/icons/bitget-desktop.svg"):
        assert packaged in names, f"{packaged} is missing from {wheel.name}"

    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(target)
    python = target / "bin" / "python"
    # The locked versions, as the README's pipx line does (constraints install nothing by themselves).
    pip(python, "install", "-q", "-c", str(ROOT / "requirements.lock"), str(wheel), cwd=tmp_path)

    where = subprocess.run([str(python), "-c", "import bitget_desktop; print(bitget_desktop.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(target)), where  # the installed copy, not this checkout

    run = tmp_path / "run"
    run.mkdir()
    line, stderr = run_to_ready_and_stop([str(target / "bin" / "bitget-desktop")], app_env(run), run, timeout=30)
    check_ready_line(line)
    assert not noise(stderr), stderr
    log = platform_log_file(run).read_text()
    sheet = re.search(r"style sheet of (\d+) characters", log)
    assert sheet is not None and int(sheet.group(1)) > 1000, log
    assert "Traceback" not in log and " ERROR " not in log, log
