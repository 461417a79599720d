"""CandlestickItem: draws the visible candles (merged to about one per pixel column) with bulk QPainter calls."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui

from .base_item import PrimitiveBuffer, StoreItem
from .store import CLOSE, HIGH, LOW, OPEN, CandleStore, Visible
from .theme import DARK, ChartTheme


class CandlestickItem(StoreItem):
    """Candlesticks for a CandleStore; x is time in seconds, y is price.

    Per frame it binary-searches the visible range, takes the coarsest pyramid level that still has several rows
    per pixel, merges rows into pixel columns, and issues four draw calls (up/down wicks, up/down bodies). The
    work is bounded by the widget width, not the history length.
    """

    def __init__(self, store: CandleStore | None = None, theme: ChartTheme = DARK) -> None:
        super().__init__(store)
        self._wicks = (PrimitiveBuffer(QtCore.QRectF), PrimitiveBuffer(QtCore.QRectF))
        self._bodies = (PrimitiveBuffer(QtCore.QRectF), PrimitiveBuffer(QtCore.QRectF))
        self.set_theme(theme)

    def set_theme(self, theme: ChartTheme) -> None:
        self.theme = theme
        self._brushes = (QtGui.QBrush(QtGui.QColor(theme.up)), QtGui.QBrush(QtGui.QColor(theme.down)))
        self.update()

    def _y_extent(self) -> tuple[float, float]:
        return self.store.y_bounds()

    def _prepare(self, vis: Visible, sx: float, dx: float, sy: float, dy: float, x0_dev: float) -> None:
        v = vis.vals
        left, w, wick_x = self._columns(vis, sx, dx, x0_dev)
        up = v[CLOSE] >= v[OPEN]
        y_hi = np.round(v[HIGH] * sy + dy)
        y_lo = np.maximum(np.round(v[LOW] * sy + dy), y_hi + 1)
        draw_bodies = w >= 2
        top = height = np.empty(0)  # set when the bodies are drawn
        if draw_bodies:
            y_o = np.round(v[OPEN] * sy + dy)
            y_c = np.round(v[CLOSE] * sy + dy)
            top = np.minimum(y_o, y_c)
            height = np.maximum(np.abs(y_o - y_c), 1.0)
        for k, mask in enumerate((up, ~up)):
            # wicks as 1 px wide filled rects (covering the pixels the 1 px line did): the raster engine fills
            # rects much faster than it strokes lines
            self._wicks[k].fill(wick_x[mask] - 0.5, y_hi[mask], np.ones(int(mask.sum())), y_lo[mask] - y_hi[mask])
            if draw_bodies:
                m = int(mask.sum())
                self._bodies[k].fill(left[mask], top[mask], np.full(m, float(w)), height[mask])
            else:
                self._bodies[k].fill(*(np.empty(0),) * 4)

    def _draw(self, p: QtGui.QPainter) -> None:
        p.setPen(QtCore.Qt.PenStyle.NoPen)
        for k in (0, 1):
            p.setBrush(self._brushes[k])
            self._wicks[k].draw_rects(p)
            self._bodies[k].draw_rects(p)
