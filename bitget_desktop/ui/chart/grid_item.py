"""GridItem: the chart's grid lines, drawn under the candles with one drawLines call per tick level.

pyqtgraph draws a grid by stretching the axis ticks across the linked view: the axis' bounding rect then covers the
whole pane, so every axis change repaints the pane, and the lines are replayed from the axis' QPicture with
translucent pens on every paint. That was most of a live frame. This item asks the same axes for their tick values
(so the lines sit at the labels), caches the pixel positions per (range, size), and fills each line as a 1 px
rectangle in an opaque colour pre-blended with the background: one drawRects per tick level. (Filled rects, not
lines: the raster engine strokes a long cosmetic line ~40x slower than it fills the same pixels.)
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from .theme import ChartTheme

# Below everything the ViewBox shows (its childGroup sits at z 0), above its (unused) background item.
# Tick values per level, keyed by (id of the axis, low, high, length in pixels); shareable between panes.
TickCache = dict[tuple[int, float, float, float], list[list[float]]]

GRID_Z = -1e5


def blend(fg: str, bg: str, alpha: float) -> QtGui.QColor:
    """``fg`` at ``alpha`` (0..1) over ``bg``, as an opaque colour."""
    f, b = QtGui.QColor(fg), QtGui.QColor(bg)
    return QtGui.QColor(
        round(f.red() * alpha + b.red() * (1 - alpha)),
        round(f.green() * alpha + b.green() * (1 - alpha)),
        round(f.blue() * alpha + b.blue() * (1 - alpha)),
    )


class GridItem(QtWidgets.QGraphicsObject):
    """Grid of one ViewBox: horizontal lines at ``y_axis``' ticks, vertical lines at ``x_axis``' ticks.

    A child of the ViewBox (not of its scaled childGroup), so it works in the box's pixels and its bounding rect is
    the pane; it repaints when the view range or size changes and otherwise costs only its draw calls.
    """

    def __init__(self, vb: pg.ViewBox, x_axis: pg.AxisItem | None, y_axis: pg.AxisItem | None,
                 theme: ChartTheme, tick_cache: TickCache | None = None) -> None:
        super().__init__()
        # tick values per (axis, range, length), shareable: the panes of one chart share the time axis
        self._tick_cache: TickCache = (
            {} if tick_cache is None else tick_cache
        )
        self.vb = vb
        self.x_axis = x_axis
        self.y_axis = y_axis
        self.setZValue(GRID_Z)
        self.setParentItem(vb)
        self._rect = QtCore.QRectF()
        self._key: tuple[float, float, float, float, float, float] | None = None  # (x0, x1, y0, y1, w, h)
        self._levels: list[tuple[QtGui.QBrush, list[QtCore.QRectF]]] = []
        self.set_theme(theme)
        vb.sigRangeChanged.connect(self._changed)
        vb.sigResized.connect(self._resized)
        self._resized()

    def set_theme(self, theme: ChartTheme) -> None:
        self.theme = theme
        self._brushes: dict[int, QtGui.QBrush] = {}
        self._key = None
        self.update()

    def _brush(self, alpha: float) -> QtGui.QBrush:
        """An opaque brush looking like the foreground at ``alpha`` over the background (cached per 1/255)."""
        k = max(0, min(255, round(alpha * 255)))
        q = self._brushes.get(k)
        if q is None:
            q = QtGui.QBrush(blend(self.theme.foreground, self.theme.background, k / 255))
            self._brushes[k] = q
        return q

    def _resized(self, *args: object) -> None:
        rect = self.vb.rect()
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = QtCore.QRectF(rect)
        self._changed()

    def _changed(self, *args: object) -> None:
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return QtCore.QRectF(self._rect)

    def _ticks(self, axis: pg.AxisItem | None, lo: float, hi: float, length: float) -> list[list[float]]:
        if axis is None or hi <= lo or length <= 0:
            return []
        cache = self._tick_cache
        key = (id(axis), lo, hi, length)
        got = cache.get(key)
        if got is None:
            if len(cache) > 16:
                cache.clear()
            got = cache[key] = self._compute_ticks(axis, lo, hi, length)
        return got

    @staticmethod
    def _compute_ticks(axis: pg.AxisItem, lo: float, hi: float, length: float) -> list[list[float]]:
        if isinstance(axis, pg.DateAxisItem) and not hasattr(axis, "fontMetrics"):
            # set by its first paint (generateDrawSpecs); the grid may paint first
            axis.fontMetrics = QtGui.QFontMetrics(axis.style["tickFont"] or QtGui.QFont())
        # The axis measures its span as its length + 2 px; asking with the same size gives the same ticks.
        return [list(values) for _, values in axis.tickValues(lo, hi, length + 2)]

    def lines(self) -> list[tuple[QtGui.QBrush, list[QtCore.QRectF]]]:
        """(brush, 1 px rects in ViewBox pixels) per tick level, cached per view range, size and theme."""
        (x0, x1), (y0, y1) = self.vb.viewRange()
        r = self._rect
        w, h = r.width(), r.height()
        key = (x0, x1, y0, y1, w, h)
        if key == self._key:
            return self._levels
        self._key = key
        levels: list[tuple[float, list[QtCore.QRectF]]] = []
        seen: set[int] = set()
        if y1 > y0 and h > 0:
            sy = h / (y1 - y0)
            for level, values in enumerate(self._ticks(self.y_axis, y0, y1, h)):
                out = []
                for v in values:
                    py = round((y1 - v) * sy)
                    if 0 <= py < h and py not in seen:
                        seen.add(py)
                        out.append(QtCore.QRectF(0.0, py, w, 1.0))
                if out:
                    levels.append((self._level_alpha(level, h, len(values)), out))
        seen.clear()
        if x1 > x0 and w > 0:
            sx = w / (x1 - x0)
            for level, values in enumerate(self._ticks(self.x_axis, x0, x1, w)):
                out = []
                for v in values:
                    px = round((v - x0) * sx)
                    if 0 <= px < w and px not in seen:
                        seen.add(px)
                        out.append(QtCore.QRectF(px, 0.0, 1.0, h))
                if out:
                    levels.append((self._level_alpha(level, w, len(values)), out))
        levels.sort(key=lambda t: t[0])  # fainter levels first, majors on top where they cross
        self._levels = [(self._brush(a), rects) for a, rects in levels]
        return self._levels

    def _level_alpha(self, level: int, length: float, n: int) -> float:
        # pyqtgraph's grid: grid alpha for the major ticks, /2, /3 for the finer levels, fading out as they get
        # denser than one per 20 px.
        return self.theme.grid_alpha / (level + 1) * min(1.0, max(0.0, 0.05 * (length + 2) / (n + 1)))

    def paint(self, p: QtGui.QPainter, *args: object) -> None:
        levels = self.lines()
        if not levels:
            return
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        p.setPen(QtCore.Qt.PenStyle.NoPen)
        for brush, rects in levels:
            p.setBrush(brush)
            p.drawRects(rects)
