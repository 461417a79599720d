"""VolumeItem: volume bars of the visible candles, merged per pixel column like the candles."""

from __future__ import annotations

import numpy as np
from PySide6 import QtCore, QtGui

from .base_item import PrimitiveBuffer, StoreItem
from .store import CLOSE, OPEN, VOLUME, CandleStore, Visible
from .theme import DARK, ChartTheme


class VolumeItem(StoreItem):
    """Volume bars coloured by candle direction; y is volume from 0."""

    def __init__(self, store: CandleStore | None = None, theme: ChartTheme = DARK) -> None:
        super().__init__(store)
        self._lines = (PrimitiveBuffer(QtCore.QRectF), PrimitiveBuffer(QtCore.QRectF))  # 1 px bars
        self._rects = (PrimitiveBuffer(QtCore.QRectF), PrimitiveBuffer(QtCore.QRectF))
        self.set_theme(theme)

    def set_theme(self, theme: ChartTheme) -> None:
        self.theme = theme
        # Opaque colours pre-blended with the background: they look like the translucent ones over a plain
        # background but fill without per-pixel blending.
        bg = QtGui.QColor(theme.background)
        a = theme.volume_alpha / 255.0
        cols = []
        for c in (theme.up, theme.down):
            q = QtGui.QColor(c)
            cols.append(
                QtGui.QColor(
                    round(q.red() * a + bg.red() * (1 - a)),
                    round(q.green() * a + bg.green() * (1 - a)),
                    round(q.blue() * a + bg.blue() * (1 - a)),
                )
            )
        self._brushes = tuple(QtGui.QBrush(c) for c in cols)
        self.update()

    def _y_extent(self) -> tuple[float, float]:
        # Merged bars (zoomed out) are sums of volumes, so bound by the total, not the largest candle.
        return 0.0, max(self.store.volume_sum(), 1e-12)

    def _prepare(self, vis: Visible, sx: float, dx: float, sy: float, dy: float, x0_dev: float) -> None:
        v = vis.vals
        left, w, wick_x = self._columns(vis, sx, dx, x0_dev)
        up = v[CLOSE] >= v[OPEN]
        y0 = round(dy)
        y_top = np.minimum(np.round(v[VOLUME] * sy + dy), y0 - 1)
        empty = (np.empty(0),) * 4
        for k, mask in enumerate((up, ~up)):
            if w >= 2:
                m = int(mask.sum())
                self._rects[k].fill(left[mask], y_top[mask], np.full(m, float(w)), y0 - y_top[mask])
                self._lines[k].fill(*empty)
            else:
                # 1 px wide filled rects, the pixels a 1 px line would cover (filled much faster than stroked)
                self._lines[k].fill(wick_x[mask] - 0.5, y_top[mask], np.ones(int(mask.sum())), y0 - y_top[mask])
                self._rects[k].fill(*empty)

    def _draw(self, p: QtGui.QPainter) -> None:
        p.setPen(QtCore.Qt.PenStyle.NoPen)
        for k in (0, 1):
            p.setBrush(self._brushes[k])
            self._lines[k].draw_rects(p)
            self._rects[k].draw_rects(p)
