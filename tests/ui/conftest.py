"""Qt test fixtures: a qasync loop driven by sync tests, a real or refused keyring, throwaway settings."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import qasync

from bitget_desktop.credentials import CredentialStore
from bitget_desktop.settings import SettingsStore


@pytest.fixture
def qloop(qapp: Any) -> Iterator[qasync.QEventLoop]:
    """A qasync loop on the test's QApplication; tests call `qloop.run_until_complete(...)`."""
    # qasync stops its loop when Qt quits; a closing dialog must not end the test's loop.
    qapp.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def config_dirs(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Settings and data under tmp_path (never the user's)."""
    cfg, data = tmp_path / "config", tmp_path / "data"
    monkeypatch.setenv("BITGET_DESKTOP_CONFIG_DIR", str(cfg))
    monkeypatch.setenv("BITGET_DESKTOP_DATA_DIR", str(data))
    return tmp_path


@pytest.fixture
def settings_store(config_dirs: Any) -> SettingsStore:
    return SettingsStore(config_dirs / "config")


@pytest.fixture
def keyring_store(request: pytest.FixtureRequest) -> Iterator[CredentialStore]:
    """The real OS keyring (Secret Service under dbus-run-session in CI) with a per-test service name."""
    service = f"bitget-desktop-test-{request.node.name}"[:120]
    store = CredentialStore(service=service)
    yield store
    backend = store.backend
    for account in ("Demo", "Demo 2", "Live", "Main demo", "Renamed", "Simulator", "Withdrawy"):
        try:
            backend.delete_password(service, account)
        except Exception:  # noqa: BLE001 - cleanup of entries the test may not have made
            pass


# WORKAROUND: the offscreen platform plugin warns "This plugin does not support propagateSizeHints()" whenever a
# window with docks is shown; it says nothing about our code. Every other Qt warning still fails the test.
_HARMLESS_QT = "This plugin does not support propagateSizeHints"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent != here:
            continue  # only this directory's own test files (chart/ and trading/ keep their settings)
        existing = item.get_closest_marker("qt_log_ignore")
        patterns = (*(existing.args if existing else ()), _HARMLESS_QT)
        kwargs = dict(existing.kwargs) if existing else {}
        item.add_marker(pytest.mark.qt_log_ignore(*patterns, **kwargs))


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: BITGET_DESKTOP_SCREENSHOTS (e.g. docs/screenshots) to refresh the committed ones."""
    target = os.environ.get("BITGET_DESKTOP_SCREENSHOTS")
    out = Path(target) if target else tmp_path / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out
