"""The layering rules (CONTRIBUTING.md, "Layering, and why") are contracts, checked here."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def _modules_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    return set(out.stdout.split())


def test_exchange_loads_no_qt():
    loaded = _modules_after_import("bitget_desktop.exchange")
    assert "bitget_desktop.exchange" in loaded
    assert not {m for m in loaded if m.split(".")[0] in {"PySide6", "pyqtgraph", "qasync", "shiboken6"}}


def test_domain_loads_no_io_libraries():
    loaded = _modules_after_import("bitget_desktop.domain")
    assert not {m for m in loaded if m.split(".")[0] in {"PySide6", "aiohttp", "websockets", "keyring"}}
