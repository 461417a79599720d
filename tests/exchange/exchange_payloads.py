"""Load recorded Bitget payloads from tests/fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent / "fixtures"


def load(name: str, family: str = "bitget") -> Any:
    return orjson.loads((ROOT / family / name).read_bytes())


def raw(name: str, family: str = "bitget") -> bytes:
    return (ROOT / family / name).read_bytes()


def data(name: str, family: str = "bitget") -> Any:
    return load(name, family)["data"]
