"""ChartPanel: binds the chart engineer's ChartWidget to a Session (history, live bars, order lines, theme)."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtWidgets import QVBoxLayout, QWidget

from bitget_desktop.ui.chart import DARK, LIGHT, ChartWidget, PriceLine


class ChartPanel(QWidget):
    """The price + volume chart of the session's current symbol."""

    def __init__(self, parent: QWidget | None = None, theme_mode: str = "dark") -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.chart = ChartWidget(self, theme=DARK if theme_mode == "dark" else LIGHT, refresh_hz=10.0)
        self.chart.setMinimumSize(420, 260)
        lay.addWidget(self.chart)
        self.session: Any = None
        self._instrument: Any = None
        self.chart.needs_older.connect(self._load_older)

    def bind_session(self, session: Any) -> None:
        self.session = session
        session.candles_reset.connect(self.show_history)
        session.candles_updated.connect(self.show_live)
        session.orders_changed.connect(self.show_order_lines)
        session.positions_changed.connect(self.show_order_lines)

    def set_instrument(self, inst: Any) -> None:
        self._instrument = inst
        self.chart.price_decimals = inst.price_places
        self.chart.set_data(*(np.empty(0, dtype=np.int64),) + tuple(np.empty(0) for _ in range(5)))
        self.show_order_lines()

    def set_theme_mode(self, mode: str) -> None:
        self.chart.set_theme(DARK if mode == "dark" else LIGHT)

    def show_history(self, candles: list[Any]) -> None:
        interval = self.session.timeframe.ms if self.session is not None else None
        rows = sorted(candles, key=lambda c: c.ts)
        ts = np.fromiter((c.ts for c in rows), dtype=np.int64, count=len(rows))

        def col(name: str) -> np.ndarray:
            return np.fromiter((float(getattr(c, name)) for c in rows), dtype=np.float64, count=len(rows))

        self.chart.set_data(ts, col("open"), col("high"), col("low"), col("close"), col("volume"), interval)

    def _load_older(self, first_ts: int) -> None:
        """The user scrolled to the left edge: fetch one older page (a task owned by the session)."""
        s, inst = self.session, self._instrument
        if s is None or inst is None or s.closed:
            self.chart.no_older_data()
            return
        self.chart.set_loading(True)
        s.spawn(self._fetch_older(inst, int(first_ts)), f"older:{inst.symbol}")

    async def _fetch_older(self, inst: Any, first_ts: int) -> None:
        s = self.session
        try:
            page = await s.client.history_candles(inst.product_type, inst.symbol, s.timeframe, end=first_ts,
                                                  limit=200)
        except Exception:
            self.chart.no_older_data()
            raise
        if inst is not self._instrument:
            return
        rows = sorted((c for c in page if c.ts < first_ts), key=lambda c: c.ts)
        if not rows:
            self.chart.no_older_data()
            return
        ts = np.fromiter((c.ts for c in rows), dtype=np.int64, count=len(rows))

        def col(name: str) -> np.ndarray:
            return np.fromiter((float(getattr(c, name)) for c in rows), dtype=np.float64, count=len(rows))

        self.chart.prepend(ts, col("open"), col("high"), col("low"), col("close"), col("volume"))

    def show_live(self, candles: list[Any]) -> None:
        for c in sorted(candles, key=lambda c: c.ts):
            if len(self.chart.store) and c.ts < int(self.chart.store.candle(-1)[0]):
                continue  # an older bar re-sent: the history already has it
            self.chart.upsert(c.ts, float(c.open), float(c.high), float(c.low), float(c.close), float(c.volume))

    def show_order_lines(self) -> None:
        inst, s = self._instrument, self.session
        if inst is None or s is None:
            return
        lines: list[PriceLine] = []
        for o in s.open_orders():
            if o.symbol == inst.symbol and o.product_type == inst.product_type and o.price is not None:
                lines.append(PriceLine(float(o.price), f"{o.side} {o.remaining}", str(o.side)))
        for p in s.position_list():
            if p.symbol == inst.symbol and p.product_type == inst.product_type:
                lines.append(PriceLine(float(p.entry_price), f"{p.hold_side} {p.size}", "position"))
                if p.liquidation_price:
                    lines.append(PriceLine(float(p.liquidation_price), "liq.", "liquidation"))
        self.chart.set_order_lines(lines)
