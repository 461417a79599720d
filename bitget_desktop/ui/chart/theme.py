"""Chart colour themes (dark and light) as plain data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChartTheme:
    name: str
    background: str
    foreground: str  # axis text and lines
    grid_alpha: float
    up: str
    down: str
    volume_alpha: int  # 0-255, applied to up/down for volume bars
    crosshair: str
    readout_bg: str
    order_buy: str
    order_sell: str
    position: str
    liquidation: str
    take_profit: str  # TP/SL trigger lines (order presets and position TP/SL orders)
    stop_loss: str
    overlay: tuple[str, ...]  # colours for indicator lines, in order


DARK = ChartTheme(
    name="dark",
    background="#131722",
    foreground="#b2b5be",
    grid_alpha=0.12,
    up="#26a69a",
    down="#ef5350",
    volume_alpha=110,
    crosshair="#9598a1",
    readout_bg="#1e222dcc",
    order_buy="#2962ff",
    order_sell="#ff9800",
    position="#e0e3eb",
    liquidation="#f23645",
    take_profit="#00e676",
    stop_loss="#ff4081",
    overlay=("#f5c542", "#42a5f5", "#ab47bc", "#66bb6a", "#ff7043"),
)

LIGHT = ChartTheme(
    name="light",
    background="#ffffff",
    foreground="#434651",
    grid_alpha=0.15,
    up="#089981",
    down="#f23645",
    volume_alpha=90,
    crosshair="#6a6d78",
    readout_bg="#ffffffdd",
    order_buy="#2962ff",
    order_sell="#e65100",
    position="#131722",
    liquidation="#d50000",
    take_profit="#00897b",
    stop_loss="#c2185b",
    overlay=("#e69500", "#1e88e5", "#8e24aa", "#2e7d32", "#d84315"),
)

THEMES = {t.name: t for t in (DARK, LIGHT)}
