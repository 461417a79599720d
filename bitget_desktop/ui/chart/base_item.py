"""StoreItem: the shared shell of graphics items that draw the visible part of a CandleStore in device pixels."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import internals
from PySide6 import QtCore, QtGui

from .store import CandleStore, Visible


class PrimitiveBuffer:
    """A reusable native array of QLineF or QRectF filled from numpy, drawn with one QPainter call."""

    # WORKAROUND: pyqtgraph's PrimitiveArray is internal API, but it is the only way from PySide6 to hand
    # QPainter.drawLines/drawRects a contiguous C array without building one Python object per element.

    def __init__(self, klass: type) -> None:
        self._arr = internals.PrimitiveArray(klass, 4)
        self.size = 0

    def fill(self, a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> None:
        n = len(a)
        self._arr.resize(n)
        self.size = n
        if n:
            mem = self._arr.ndarray()
            mem[:, 0] = a
            mem[:, 1] = b
            mem[:, 2] = c
            mem[:, 3] = d

    def draw_lines(self, p: QtGui.QPainter) -> None:
        if self.size:
            p.drawLines(*self._arr.drawargs())

    def draw_rects(self, p: QtGui.QPainter) -> None:
        if self.size:
            p.drawRects(*self._arr.drawargs())


class StoreItem(pg.GraphicsObject):
    """Item whose x is time in seconds (ts / 1000) and which paints in device pixels from a CandleStore.

    Subclasses implement ``_prepare(vis, sx, dx, sy, dy, x0_dev)`` to fill their primitive buffers and
    ``_draw(p)``; preparation is cached per (data version, view, transform), so repaints caused by other items
    (the crosshair) cost only the draw calls.
    """

    def __init__(self, store: CandleStore | None = None) -> None:
        super().__init__()
        self.store = store if store is not None else CandleStore()
        # (store version, x0, x1, sx, dx, sy, dy) when last painted
        self._cache_key: tuple[int, float, float, float, float, float, float] | None = None
        self._bounds_version = -1
        self._bounds = QtCore.QRectF()
        self.last_visible: Visible | None = None

    # ----- data ----------------------------------------------------------------------------------------------
    def set_data(
        self,
        ts: np.ndarray,
        open_: np.ndarray,
        high: np.ndarray,
        low: np.ndarray,
        close: np.ndarray,
        volume: np.ndarray,
        interval_ms: int | None = None,
    ) -> None:
        """Replace all candles (arrays of equal length, ``ts`` int64 ms ascending)."""
        self.store.set_data(ts, open_, high, low, close, volume, interval_ms)
        self.data_changed()

    def set_arrays(self, arrays: dict[str, np.ndarray] | object, interval_ms: int | None = None) -> None:
        """Take a mapping or object with ts/open/high/low/close/volume arrays (e.g. a domain CandleSeries)."""
        get = arrays.__getitem__ if isinstance(arrays, dict) else lambda k: getattr(arrays, k)
        self.set_data(get("ts"), get("open"), get("high"), get("low"), get("close"), get("volume"), interval_ms)

    def append(self, ts: int, o: float, h: float, l: float, c: float, v: float) -> None:
        """Add a newer candle: O(1) amortised. Call ``update()`` (or let ChartWidget's timer do it) to repaint."""
        self.store.append(ts, o, h, l, c, v)
        self.data_changed(repaint=False)

    def update_last(self, o: float, h: float, l: float, c: float, v: float) -> None:
        """Replace the newest candle in place: O(1)."""
        self.store.update_last(o, h, l, c, v)
        self.data_changed(repaint=False)

    def data_changed(self, repaint: bool = True, from_index: int | None = None) -> None:
        """Tell the item its store changed (also used when several items share one store).

        ``from_index``: only candles from this index on changed (a live update of the newest candle); if the
        bounds stay the same, only their columns are repainted, not the whole pane. A change of the view
        (a new candle scrolling the chart, a new y fit) repaints everything anyway.
        """
        bounds_changed = self._sync_bounds()
        if not repaint:
            return
        st = self.store
        key = self._cache_key
        if from_index is None or bounds_changed or key is None or not 0 <= from_index < len(st) or key[3] <= 0:
            self.update()
            return
        margin = 2.0 / key[3]  # 2 px in seconds (key[3]: px per second when last painted)
        x0 = float(st.ts[from_index]) / 1000.0 - margin
        x1 = (st.last_ts + st.interval_ms) / 1000.0 + margin  # type: ignore[operator]
        b = self._bounds
        self.update(QtCore.QRectF(x0, b.top(), x1 - x0, b.height()))

    # ----- geometry ------------------------------------------------------------------------------------------
    def _y_extent(self) -> tuple[float, float]:
        raise NotImplementedError

    def _sync_bounds(self) -> bool:
        """Bring the bounding rect in line with the store; True if it changed."""
        st = self.store
        if st.version == self._bounds_version:
            return False
        self._bounds_version = st.version
        if not len(st):
            rect = QtCore.QRectF()
        else:
            x0 = st.first_ts / 1000.0  # type: ignore[operator]
            x1 = (st.last_ts + st.interval_ms) / 1000.0  # type: ignore[operator]
            y0, y1 = self._y_extent()
            rect = QtCore.QRectF(x0, y0, x1 - x0, max(y1 - y0, 1e-12))
        if rect != self._bounds:
            self.prepareGeometryChange()
            self._bounds = rect
            return True
        return False

    def boundingRect(self) -> QtCore.QRectF:
        return QtCore.QRectF(self._bounds)

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None):
        if not len(self.store):
            return None
        b = self._bounds
        return (b.left(), b.right()) if ax == 0 else (b.top(), b.bottom())

    # ----- painting ------------------------------------------------------------------------------------------
    def paint(self, p: QtGui.QPainter, *args: object) -> None:
        st = self.store
        if not len(st):
            return
        self._sync_bounds()
        view = self.viewRect()
        if view is None:
            return
        tr = p.transform()
        sx, dx, sy, dy = tr.m11(), tr.dx(), tr.m22(), tr.dy()
        if sx <= 0 or tr.m12() != 0 or tr.m21() != 0:
            return
        x0, x1 = view.left(), view.right()
        key = (st.version, x0, x1, sx, dx, sy, dy)
        if key != self._cache_key:
            width_px = (x1 - x0) * sx
            vis = st.visible(x0 * 1000.0, x1 * 1000.0, width_px)
            self.last_visible = vis
            self._prepare(vis, sx / 1000.0, dx, sy, dy, x0 * sx + dx)
            self._cache_key = key
        p.save()
        p.resetTransform()
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        self._draw(p)
        p.restore()

    def _prepare(self, vis: Visible, sx: float, dx: float, sy: float, dy: float, x0_dev: float) -> None:
        raise NotImplementedError

    def _draw(self, p: QtGui.QPainter) -> None:
        raise NotImplementedError

    # Shared pixel geometry of one column per candle: (left, width, wick_x) arrays.
    def _columns(self, vis: Visible, sx: float, dx: float, x0_dev: float) -> tuple[np.ndarray, int, np.ndarray]:
        if vis.merged:
            left = np.floor(x0_dev) + vis.keys
            return left, 1, left + 0.5
        iv = self.store.interval_ms
        w = int(max(1, round(iv * sx * 0.7)))
        if w > 2 and w % 2 == 0:
            w -= 1  # odd widths keep the wick centred
        center = (vis.ts + iv * 0.5) * sx + dx
        left = np.round(center - w / 2.0)
        return left, w, left + (w // 2) + 0.5


def pen(color: str | QtGui.QColor, width: float = 1.0) -> QtGui.QPen:
    q = QtGui.QPen(QtGui.QColor(color))
    q.setWidthF(width)
    q.setCosmetic(True)
    q.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
    return q
