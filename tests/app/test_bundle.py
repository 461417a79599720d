"""`bash packaging/build.sh` builds a standalone bundle that starts, unpacked elsewhere and outside any virtualenv,
on the embedded simulator to the main window; its install.sh puts a menu entry and hicolor icons in place."""

from __future__ import annotations

import configparser
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from app_support import app_env, check_ready_line, noise, platform_log_file, run_to_ready_and_stop

from bitget_desktop import __version__

ROOT = Path(__file__).resolve().parents[2]
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def bare_env(tmp_path: Path) -> dict[str, str]:
    """A first start outside the project's virtualenv, with no Python variables set."""
    env = {k: v for k, v in app_env(tmp_path).items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = "/usr/bin:/bin"
    return env


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_bundle_builds_starts_headless_on_the_simulator_and_installs(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    env = dict(os.environ, BUNDLE_DIST=str(dist), BUNDLE_WORK=str(tmp_path / "work"))
    build = subprocess.run(["bash", "packaging/build.sh"], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=840, check=False)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-5000:]
    (archive,) = dist.glob(f"bitget-desktop-{__version__}-linux-*.tar.gz")

    # Unpacked somewhere else, as a user would: the bundle carries everything it needs.
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    subprocess.run(["tar", "-xzf", str(archive), "-C", str(unpacked)], check=True, timeout=120)
    bundle = unpacked / "bitget-desktop"
    program = bundle / "bitget-desktop"

    version = subprocess.run([str(program), "--version"], env=bare_env(tmp_path), capture_output=True, text=True,
                             timeout=60, check=False)
    assert version.returncode == 0 and version.stdout.strip() == f"bitget-desktop {__version__}", version

    run = tmp_path / "run"
    run.mkdir()
    mapped: set[str] = set()

    def loaded_files(pid: int) -> None:
        for row in Path(f"/proc/{pid}/maps").read_text().splitlines():
            parts = row.split(maxsplit=5)
            if len(parts) == 6 and parts[5].startswith("/"):
                mapped.add(parts[5])

    line, stderr = run_to_ready_and_stop([str(program)], bare_env(run), run, timeout=60, when_ready=loaded_files)
    check_ready_line(line)
    assert not noise(stderr), stderr
    # Python itself, Qt and the extension modules all came from the bundle: nothing of this machine's Python.
    python_like = {m for m in mapped if "python3" in m or "PySide6" in m or "site-packages" in m or ".cpython-" in m}
    assert python_like and all(m.startswith(str(bundle)) for m in python_like), sorted(python_like - {
        m for m in python_like if m.startswith(str(bundle))})
    assert any("libpython3" in m for m in python_like) and any("libQt6Core" in m for m in python_like)
    log = platform_log_file(run).read_text()
    assert "style sheet of" in log and "Traceback" not in log and " ERROR " not in log, log

    # install.sh for one user (PREFIX stands in for ~/.local)
    prefix = tmp_path / "prefix"
    done = subprocess.run(["sh", str(bundle / "install.sh")], env=dict(bare_env(tmp_path), PREFIX=str(prefix)),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(prefix / "share/applications/bitget-desktop.desktop")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Icon"] == "bitget-desktop"
    assert desktop["Exec"] == str(prefix / "lib/bitget-desktop/bitget-desktop")
    for size in ICON_SIZES:
        assert (prefix / f"share/icons/hicolor/{size}x{size}/apps/bitget-desktop.png").stat().st_size > 100, size
    assert (prefix / "share/icons/hicolor/scalable/apps/bitget-desktop.svg").exists()
    meta = ET.parse(prefix / "share/metainfo/io.github.bitget_desktop.metainfo.xml").getroot()
    assert meta.findtext("launchable") == "bitget-desktop.desktop"
    installed = subprocess.run([str(prefix / "bin/bitget-desktop"), "--version"], env=bare_env(tmp_path),
                               capture_output=True, text=True, timeout=60, check=False)
    assert installed.stdout.strip() == f"bitget-desktop {__version__}", installed

    removed = subprocess.run(["sh", str(bundle / "install.sh"), "--uninstall"],
                             env=dict(bare_env(tmp_path), PREFIX=str(prefix)), capture_output=True, text=True,
                             timeout=60, check=False)
    assert removed.returncode == 0, removed.stderr
    assert not (prefix / "bin/bitget-desktop").exists() and not (prefix / "lib/bitget-desktop").exists()
    assert not list((prefix / "share/icons").rglob("bitget-desktop.*"))
