"""User settings (accounts' public metadata, last symbols, layout) as JSON in the platform config dir; no secrets."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "bitget-desktop"


def config_dir() -> Path:
    return Path(os.environ.get("BITGET_DESKTOP_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME))


def data_dir() -> Path:
    return Path(os.environ.get("BITGET_DESKTOP_DATA_DIR") or platformdirs.user_data_dir(APP_NAME))


PAPER_STATE_FILE = "paper-account.json"  # the embedded simulator's paper account, kept across restarts


def paper_state_path() -> Path:
    return data_dir() / PAPER_STATE_FILE


@dataclass
class AccountInfo:
    """What is known of a stored account besides its secret (which lives only in the keyring)."""

    name: str
    environment: str  # "live" | "demo" | "custom"
    key_hint: str = ""  # first characters of the API key, for display
    family: str = "classic"  # "classic" | "unified"
    url: str = ""  # "custom": the Bitget-compatible server's REST address (e.g. a standalone `bitget-desktop sim`)


@dataclass
class Settings:
    accounts: list[AccountInfo] = field(default_factory=list)
    active_account: str | None = None  # None: the embedded simulator
    last_symbols: list[str] = field(default_factory=lambda: ["SPOT:BTCUSDT", "USDT-FUTURES:BTCUSDT"])
    theme: str = "system"  # "system" | "light" | "dark"
    confirm_orders_live: bool = True
    confirm_orders_simulator: bool = False
    fat_finger_pct: str = "5"
    extra: dict[str, Any] = field(default_factory=dict)

    def account(self, name: str) -> AccountInfo | None:
        return next((a for a in self.accounts if a.name == name), None)

    def upsert_account(self, info: AccountInfo) -> None:
        self.accounts = [a for a in self.accounts if a.name != info.name] + [info]

    def remove_account(self, name: str) -> None:
        self.accounts = [a for a in self.accounts if a.name != name]
        if self.active_account == name:
            self.active_account = None


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` so that a crash leaves either the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class SettingsStore:
    """Loads and saves Settings as settings.json; a damaged file falls back to defaults and is kept aside."""

    def __init__(self, directory: Path | None = None) -> None:
        self.path = (directory or config_dir()) / "settings.json"

    def load(self) -> Settings:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return Settings()
        except (OSError, ValueError):
            self.path.replace(self.path.with_suffix(".damaged.json"))
            return Settings()
        accounts = [AccountInfo(**a) for a in raw.pop("accounts", []) if isinstance(a, dict)]
        known = {k: v for k, v in raw.items() if k in Settings.__dataclass_fields__}
        return Settings(accounts=accounts, **known)

    def save(self, settings: Settings) -> None:
        atomic_write_text(self.path, json.dumps(asdict(settings), indent=2, sort_keys=True))
