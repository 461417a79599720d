"""The files shipped inside the package (style sheet, icons), read with importlib.resources."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable

APP_ICON = "icons/bitget-desktop.svg"
STYLE_SHEET = "styles/terminal.qss"


def resource(name: str) -> Traversable:
    """The packaged file `name` (a path relative to bitget_desktop/resources/)."""
    return files("bitget_desktop").joinpath("resources", *name.split("/"))


def read_text(name: str) -> str:
    return resource(name).read_text(encoding="utf-8")


def read_bytes(name: str) -> bytes:
    return resource(name).read_bytes()
