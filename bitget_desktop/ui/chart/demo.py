"""Synthetic candles and a stand-alone chart window, for demos, screenshots, tests and benchmarks.

``python -m bitget_desktop.ui.chart.demo`` opens a live-updating chart; ``--screenshot DIR`` writes
chart-dark.png and chart-light.png into DIR and exits.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

T0 = 1_700_000_000_000  # 2023-11-14 22:13:20 UTC
MINUTE = 60_000


def synth_candles(n: int, seed: int = 1, interval_ms: int = MINUTE, start: float = 30_000.0) -> dict[str, np.ndarray]:
    """A seeded random walk as candle arrays: ts int64 ms, open/high/low/close/volume float64."""
    rng = np.random.default_rng(seed)
    ts = T0 + np.arange(n, dtype=np.int64) * interval_ms
    close = start * np.exp(np.cumsum(rng.normal(0.0, 0.002, n)))
    open_ = np.empty(n)
    open_[0] = start
    open_[1:] = close[:-1]
    spread = np.abs(rng.normal(0.0, 0.0015, (2, n)))
    high = np.maximum(open_, close) * (1 + spread[0])
    low = np.minimum(open_, close) * (1 - spread[1])
    volume = rng.gamma(2.0, 5.0, n)
    return {"ts": ts, "open": open_, "high": high, "low": low, "close": close, "volume": volume}


def build_demo_chart(theme_name: str = "dark", n: int = 5000):
    from .theme import THEMES
    from .widget import ChartWidget, PriceLine

    chart = ChartWidget(theme=THEMES[theme_name], utc=True)
    chart.resize(1280, 720)
    data = synth_candles(n, seed=3)
    chart.set_series(data)
    chart.add_sma(20)
    chart.add_ema(50)
    last = float(data["close"][-1])
    chart.set_order_lines(
        [
            PriceLine(round(last * 0.995, 2), "BUY 0.25 limit", "buy"),
            PriceLine(round(last * 1.006, 2), "SELL 0.25 limit", "sell"),
            PriceLine(round(last * 0.998, 2), "LONG 0.5 entry", "position"),
            PriceLine(round(last * 0.985, 2), "LIQ", "liquidation"),
        ]
    )
    ts = data["ts"]
    chart.set_fills([(int(ts[-30]), float(data["low"][-30]), "buy"), (int(ts[-12]), float(data["high"][-12]), "sell")])
    chart.flush()
    return chart, data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--screenshot", type=Path, help="write chart-dark.png and chart-light.png here and exit")
    parser.add_argument("-n", type=int, default=5000)
    args = parser.parse_args(argv)
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import pyqtgraph as pg
    from PySide6 import QtCore

    app = pg.mkQApp()
    if args.screenshot:
        args.screenshot.mkdir(parents=True, exist_ok=True)
        charts = []
        for name in ("dark", "light"):
            chart, data = build_demo_chart(name, args.n)
            chart.show()
            app.processEvents()
            ts = data["ts"]
            chart.set_crosshair((ts[-40] + MINUTE / 2) / 1000.0, float(data["close"][-40]) * 1.002)
            app.processEvents()
            chart.grab().save(str(args.screenshot / f"chart-{name}.png"))
            charts.append(chart)
        return 0
    chart, data = build_demo_chart("dark", args.n)
    chart.setWindowTitle("bitget-desktop chart demo")
    chart.show()
    rng = np.random.default_rng(5)
    state = {"ts": int(data["ts"][-1]), "o": float(data["open"][-1]), "c": float(data["close"][-1]), "ticks": 0}
    h = l = state["c"]
    vol = 0.0

    def tick() -> None:  # ten price ticks a second, a new candle every 60 ticks
        nonlocal h, l, vol
        state["ticks"] += 1
        c = state["c"] * float(np.exp(rng.normal(0, 0.0005)))
        state["c"] = c
        vol += float(rng.gamma(1.0, 0.3))
        if state["ticks"] % 60 == 0:
            state["ts"] += MINUTE
            state["o"], h, l, vol = c, c, c, 0.0
            chart.append(state["ts"], c, c, c, c, vol)
        else:
            h, l = max(h, c), min(l, c)
            chart.update_last(state["o"], h, l, c, vol)

    timer = QtCore.QTimer()
    timer.timeout.connect(tick)
    timer.start(100)
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
