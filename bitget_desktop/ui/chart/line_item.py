"""SeriesLineItem: an indicator line aligned with a CandleStore, drawing only the visible slice."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
import pyqtgraph.functions as fn
from PySide6 import QtCore, QtGui

from .base_item import pen
from .store import CandleStore


class SeriesLineItem(pg.GraphicsObject):
    """Polyline through ``values()[i]`` at candle centres; ``values`` returns an array as long as the store.

    Only the visible index range is touched, thinned to about two points per pixel, so the cost per frame is
    bounded by the widget width. NaNs break the line.
    """

    def __init__(
        self,
        store: CandleStore,
        values: Callable[[], np.ndarray],
        color: str,
        width: float = 1.5,
        y_extent: Callable[[], tuple[float, float]] | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.values = values
        self.y_extent = y_extent or store.y_bounds
        self._pen = pen(color, width)
        self._rect = QtCore.QRectF()
        self._path: QtGui.QPainterPath | None = None
        # (store version, x0, x1, sx, dx, sy, dy) when last painted
        self._key: tuple[int, float, float, float, float, float, float] | None = None
        self._step = 1  # thinning step of the drawn path

    def set_color(self, color: str) -> None:
        self._pen = pen(color, self._pen.widthF())
        self.update()

    def data_changed(self, from_index: int | None = None) -> None:
        """The store or the values changed (``from_index``: only from that candle on, e.g. a live update: if the
        bounds stay the same, only the tail of the line is repainted)."""
        st = self.store
        if len(st):
            x0 = st.first_ts / 1000.0  # type: ignore[operator]
            x1 = (st.last_ts + st.interval_ms) / 1000.0  # type: ignore[operator]
            y0, y1 = self.y_extent()
            rect = QtCore.QRectF(x0, y0, x1 - x0, max(y1 - y0, 1e-12))
        else:
            rect = QtCore.QRectF()
        key = self._key
        self._key = None
        if from_index is not None and not rect.isEmpty():
            # live: keep a rect that still holds the line; grow it with some room so a rising tail does not
            # change the geometry (a full repaint) on every tick
            if self._rect.contains(rect):
                rect = self._rect
            elif rect.left() == self._rect.left() and rect.right() == self._rect.right():
                room = rect.height() * 0.05
                rect = rect.united(self._rect).adjusted(0, -room, 0, room)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
        elif from_index is not None and key is not None and 0 <= from_index < len(st) and key[3] > 0:
            # the line through the thinned points changes from the drawn point before from_index on
            i = max(0, from_index - 1 - self._step)
            margin = 4.0 / key[3]  # px in seconds: pen width and rounding
            x0 = float(st.ts[i]) / 1000.0 - margin
            x1 = (st.last_ts + st.interval_ms) / 1000.0 + margin  # type: ignore[operator]
            self.update(QtCore.QRectF(x0, rect.top(), x1 - x0, rect.height()))
            return
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return QtCore.QRectF(self._rect)

    def paint(self, p: QtGui.QPainter, *args: object) -> None:
        st = self.store
        view = self.viewRect()
        if not len(st) or view is None:
            return
        tr = p.transform()
        sx, dx, sy, dy = tr.m11(), tr.dx(), tr.m22(), tr.dy()
        key = (st.version, view.left(), view.right(), sx, dx, sy, dy)
        if key != self._key:
            self._key = key
            self._path = self._build(view.left(), view.right(), sx, dx, sy, dy)
        if self._path is None:
            return
        p.save()
        p.resetTransform()
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        p.setPen(self._pen)
        p.drawPath(self._path)
        p.restore()

    def _build(self, x0: float, x1: float, sx: float, dx: float, sy: float, dy: float) -> QtGui.QPainterPath | None:
        st = self.store
        vals = self.values()
        if len(vals) != len(st):
            return None
        i0, i1 = st.index_range(x0 * 1000.0, x1 * 1000.0)
        i0, i1 = max(i0 - 1, 0), min(i1 + 1, len(st))
        if i1 - i0 < 2:
            return None
        width_px = max((x1 - x0) * sx, 1.0)
        step = max(1, int((i1 - i0) / (2 * width_px)))
        self._step = step
        idx = slice(i0, i1, step)
        xs = (st.ts[idx] + st.interval_ms * 0.5) * (sx / 1000.0) + dx
        ys = vals[idx] * sy + dy
        path: QtGui.QPainterPath = fn.arrayToQPath(xs, ys, connect="finite")
        return path
