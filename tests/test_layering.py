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


QT = {"PySide6", "pyqtgraph", "qasync", "shiboken6"}
CORE = ("domain", "exchange", "terminal", "simulator")


def _modules_after_import(*modules: str) -> set[str]:
    code = f"import sys, {', '.join(modules)}; print('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    return set(out.stdout.split())


def _core_modules() -> list[str]:
    """Every module of the Qt-free packages, as dotted names (each one is imported, not just the package)."""
    names = []
    for package in CORE:
        for path in sorted((ROOT / "bitget_desktop" / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_core_packages_load_no_qt():
    modules = _core_modules()
    assert "bitget_desktop.terminal.desk" in modules and "bitget_desktop.exchange.stream" in modules
    loaded = _modules_after_import(*modules)
    assert set(modules) <= loaded
    assert not {m for m in loaded if m.split(".")[0] in QT}


def test_domain_loads_no_io_libraries():
    loaded = _modules_after_import("bitget_desktop.domain")
    assert not {m for m in loaded if m.split(".")[0] in {"PySide6", "aiohttp", "websockets", "keyring"}}
