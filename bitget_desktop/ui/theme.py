"""Light and dark themes (palette + style sheet), following the OS colour scheme unless the user picks one."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

from bitget_desktop import resource_files


@dataclass(frozen=True, slots=True)
class Colours:
    """The few colours the widgets use besides the palette."""

    window: str
    base: str
    alt_base: str
    text: str
    muted: str
    border: str
    accent: str
    up: str
    down: str
    warn_bg: str
    warn_text: str


LIGHT = Colours(
    window="#f4f5f7", base="#ffffff", alt_base="#f0f2f5", text="#1d2129", muted="#6b7280", border="#d5d9e0",
    accent="#1f6feb", up="#0f8a4a", down="#cf2f2f", warn_bg="#fff4d6", warn_text="#6b4e00",
)
DARK = Colours(
    window="#16181d", base="#1d2027", alt_base="#22262e", text="#e6e8eb", muted="#9aa3ae", border="#30343d",
    accent="#4c9aff", up="#2ebd85", down="#f6465d", warn_bg="#4a3b10", warn_text="#ffd76a",
)

# The environment badge: LIVE is red and loud; demo and simulator are calm and clearly labelled.
BADGES = {
    "live": ("LIVE", "#ffffff", "#c62828"),
    "demo": ("DEMO", "#1d2129", "#ffc94d"),
    "local": ("SIMULATOR", "#ffffff", "#2f6fd6"),
}


def system_is_dark() -> bool:
    """True when the OS asks for a dark colour scheme (Qt 6.5+ style hints)."""
    app = QGuiApplication.instance()
    if app is None:
        return False
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def resolve(mode: str) -> str:
    """'system' -> 'light' | 'dark' from the OS; other values pass through."""
    if mode == "system":
        return "dark" if system_is_dark() else "light"
    return "dark" if mode == "dark" else "light"


def colours(mode: str) -> Colours:
    return DARK if resolve(mode) == "dark" else LIGHT


def _palette(c: Colours) -> QPalette:
    pal = QPalette()
    role = QPalette.ColorRole
    pairs = {
        role.Window: c.window, role.WindowText: c.text, role.Base: c.base, role.AlternateBase: c.alt_base,
        role.Text: c.text, role.Button: c.alt_base, role.ButtonText: c.text, role.ToolTipBase: c.base,
        role.ToolTipText: c.text, role.Highlight: c.accent, role.HighlightedText: "#ffffff",
        role.PlaceholderText: c.muted, role.Link: c.accent, role.Mid: c.border, role.Midlight: c.alt_base,
        role.Dark: c.border, role.Light: c.base,
    }
    for r, colour in pairs.items():
        pal.setColor(r, QColor(colour))
    for r in (role.Text, role.WindowText, role.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, r, QColor(c.muted))
    return pal


def style_sheet(mode: str) -> str:
    """The QSS for `mode`, with @name placeholders filled from the palette colours."""
    c = colours(mode)
    text = resource_files.read_text(resource_files.STYLE_SHEET)
    for name in Colours.__dataclass_fields__:
        text = text.replace(f"@{name}", getattr(c, name))
    return text


def app_icon() -> QIcon:
    """The application icon, drawn from the packaged SVG."""
    pixmap = QPixmap()
    pixmap.loadFromData(resource_files.read_bytes(resource_files.APP_ICON), "SVG")
    return QIcon(pixmap)


def apply(app: QApplication, mode: str = "system") -> str:
    """Apply the theme to the whole application; returns the resolved 'light' | 'dark'."""
    resolved = resolve(mode)
    app.setStyle("Fusion")
    app.setPalette(_palette(colours(resolved)))
    app.setStyleSheet(style_sheet(resolved))
    return resolved
