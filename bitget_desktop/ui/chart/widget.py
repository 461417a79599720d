"""ChartWidget: price and volume panes over one CandleStore, with crosshair, live follow and coalesced redraws."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from . import overlays
from .candle_item import CandlestickItem
from .grid_item import GridItem, TickCache
from .line_item import SeriesLineItem
from .store import CandleStore
from .theme import DARK, ChartTheme
from .volume_item import VolumeItem

AXIS_WIDTH = 78
RIGHT_MARGIN_CANDLES = 4


@dataclass(frozen=True, slots=True)
class PriceLine:
    """A horizontal line at ``price``; ``kind`` picks the colour: buy, sell, position, liquidation, take_profit,
    stop_loss."""

    price: float
    text: str = ""
    kind: str = "buy"


@dataclass(frozen=True, slots=True)
class Readout:
    """The candle under the crosshair, and the price at the cursor (None outside the price pane)."""

    ts: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    price: float | None

    def text(self, decimals: int = 2, utc: bool = True, lines: int = 1) -> str:
        """One line, or the same fields wrapped onto ``lines`` (2 or 3) lines for a narrow pane."""
        t = dt.datetime.fromtimestamp(self.ts / 1000, tz=dt.UTC if utc else None)
        f = f"{{:.{decimals}f}}"
        when = f"{t:%Y-%m-%d %H:%M}"
        o, h = f"O {f.format(self.open)}", f"H {f.format(self.high)}"
        l, c = f"L {f.format(self.low)}", f"C {f.format(self.close)}"
        v = f"V {self.volume:,.2f}"
        if lines >= 3:
            return f"{when}  {v}\n{o}  {h}\n{l}  {c}"
        if lines == 2:
            return f"{when}  {v}\n{o}  {h}  {l}  {c}"
        return f"{when}  {o}  {h}  {l}  {c}  {v}"


class ChartWidget(pg.GraphicsLayoutWidget):
    """Candles + volume (+ optional RSI/MACD pane) sharing a time axis.

    Data calls (``set_data``, ``append``, ``update_last``, ``prepend``) only record what changed; a single-shot
    QTimer at ``refresh_hz`` applies them (indicator tails, live follow, y fit, repaint), so a burst of stream
    messages costs one frame.
    """

    readout_changed = QtCore.Signal(object)  # Readout | None
    follow_live_changed = QtCore.Signal(bool)
    needs_older = QtCore.Signal(object)  # int: first loaded ts (ms); please prepend older candles (object: 64-bit)
    frame_flushed = QtCore.Signal()

    def __init__(
        self,
        parent: QtCore.QObject | None = None,
        theme: ChartTheme = DARK,
        refresh_hz: float = 40.0,
        utc: bool = False,
        price_decimals: int = 2,
    ) -> None:
        super().__init__(parent)
        self.theme = theme
        self.utc = utc
        self.price_decimals = price_decimals
        self.store = CandleStore()
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.ci.setContentsMargins(4, 4, 4, 4)
        self.ci.setSpacing(0)

        self.date_axis = pg.DateAxisItem(orientation="bottom", utcOffset=0 if utc else None)
        self.price_plot: pg.PlotItem = self.addPlot(row=0, col=0)
        self.volume_plot: pg.PlotItem = self.addPlot(row=1, col=0, axisItems={"bottom": self.date_axis})
        self.lower_plot: pg.PlotItem | None = None
        self.ci.layout.setRowStretchFactor(0, 4)
        self.ci.layout.setRowStretchFactor(1, 1)
        self.volume_plot.setXLink(self.price_plot)
        for plot in (self.price_plot, self.volume_plot):
            self._setup_plot(plot)
        self.price_plot.hideAxis("bottom")
        self.price_vb: pg.ViewBox = self.price_plot.getViewBox()
        self.volume_vb: pg.ViewBox = self.volume_plot.getViewBox()

        self.candles = CandlestickItem(self.store, theme)
        self.volume = VolumeItem(self.store, theme)
        self.price_plot.addItem(self.candles)
        self.volume_plot.addItem(self.volume)
        self._tick_cache: TickCache = {}
        self._grids: dict[str, GridItem] = {
            "price": GridItem(self.price_vb, self.date_axis, self.price_plot.getAxis("right"), theme, self._tick_cache),
            "volume": GridItem(
                self.volume_vb, self.date_axis, self.volume_plot.getAxis("right"), theme, self._tick_cache
            ),
        }

        # crosshair
        self._vlines = [pg.InfiniteLine(angle=90, movable=False) for _ in range(3)]
        self._hline = pg.InfiniteLine(angle=0, movable=False)
        self.price_plot.addItem(self._vlines[0], ignoreBounds=True)
        self.volume_plot.addItem(self._vlines[1], ignoreBounds=True)
        self.price_plot.addItem(self._hline, ignoreBounds=True)
        self._price_tag = pg.TextItem(anchor=(1, 0.5))
        self._time_tag = pg.TextItem(anchor=(0.5, 1))
        self._price_tag.setParentItem(self.price_vb)
        self._time_tag.setParentItem(self.volume_vb)
        self._readout_label = pg.TextItem(anchor=(0, 0))
        self._readout_label.setParentItem(self.price_vb)
        self._readout_label.setPos(4, 2)
        self._loading_label = pg.TextItem("Loading older candles…", anchor=(0, 0))
        self._loading_label.setParentItem(self.price_vb)
        self._loading_label.setPos(4, 40)
        self._loading_label.setVisible(False)
        self._legend = pg.TextItem(anchor=(0, 0))
        self._legend.setParentItem(self.price_vb)
        self._legend.setPos(4, 20)
        self._set_crosshair_visible(False)
        self._readout: Readout | None = None
        self._readout_shown: Readout | None = None  # what the label shows (the newest candle without a cursor)
        self._crosshair_x: float | None = None

        self._last_line = pg.InfiniteLine(angle=0, movable=False)
        self._last_color: str | None = None
        self._last_line.setVisible(False)
        self.price_plot.addItem(self._last_line, ignoreBounds=True)
        self._last_tag = pg.TextItem(anchor=(1, 0.5))
        self._last_tag.setParentItem(self.price_vb)
        self._last_tag.setVisible(False)
        self._order_lines: list[tuple[PriceLine, pg.InfiniteLine]] = []
        self._fills = pg.ScatterPlotItem(size=11, pen=pg.mkPen(None))
        self.price_plot.addItem(self._fills, ignoreBounds=True)

        self._tracks: list[tuple[overlays.IndicatorTrack, list[SeriesLineItem]]] = []
        self._lower_extra: list[pg.InfiniteLine] = []

        self._follow = True
        self._older_requested = False
        self._loading = False
        self._changed_from: int | None = None  # first candle index changed since the last frame
        self._full_change = False
        self._need_initial_view = True  # the first data (set_data or a first append) picks the view
        self.flush_count = 0
        self._closed = False
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, int(1000 / refresh_hz)))
        self._timer.timeout.connect(self.flush)

        self.price_vb.sigXRangeChanged.connect(self._on_x_range_changed)
        self.price_vb.sigRangeChangedManually.connect(self._on_manual_range)
        self.volume_vb.sigRangeChangedManually.connect(self._on_manual_range)
        self.price_vb.sigResized.connect(self._place_tags)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.set_theme(theme)

    def _setup_plot(self, plot: pg.PlotItem) -> None:
        plot.disableAutoRange()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.hideAxis("left")
        plot.showAxis("right")
        axis = plot.getAxis("right")
        axis.setWidth(AXIS_WIDTH)
        axis.enableAutoSIPrefix(False)
        plot.getViewBox().setMouseEnabled(x=True, y=False)
        # The grid is a GridItem per pane, not pyqtgraph's (which makes each axis repaint its whole pane); the
        # axes keep their rendering as a device pixmap until their range changes.
        plot.showGrid(x=False, y=False)
        for name in ("right", "bottom"):
            plot.getAxis(name).setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)

    # ----- theme ---------------------------------------------------------------------------------------------
    def set_theme(self, theme: ChartTheme) -> None:
        self.theme = theme
        self.setBackground(theme.background)
        plots = [self.price_plot, self.volume_plot] + ([self.lower_plot] if self.lower_plot else [])
        for plot in plots:
            for name in ("right", "bottom"):
                ax = plot.getAxis(name)
                ax.setPen(pg.mkPen(theme.foreground))
                ax.setTextPen(pg.mkPen(theme.foreground))
        for grid in self._grids.values():
            grid.set_theme(theme)
        self.candles.set_theme(theme)
        self.volume.set_theme(theme)
        cross = pg.mkPen(theme.crosshair, style=QtCore.Qt.PenStyle.DashLine)
        for line in [*self._vlines, self._hline]:
            line.setPen(cross)
        for tag in (self._price_tag, self._time_tag):
            tag.fill = pg.mkBrush(theme.crosshair)
            tag.setColor(theme.background)
        backdrop = pg.mkColor(theme.background)
        backdrop.setAlpha(200)  # readable over candles and overlay lines, which stay faintly visible
        for label in (self._readout_label, self._loading_label, self._legend):
            label.setColor(theme.foreground)
            label.fill = pg.mkBrush(backdrop)
            label.update()
        for i, (_track, items) in enumerate(self._tracks):
            for item in items:
                item.set_color(theme.overlay[i % len(theme.overlay)])
        self._apply_order_lines()
        self._last_color = None
        self._update_last_price()
        self._update_legend()
        self.update()

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
        keep_view: bool = False,
    ) -> None:
        """Replace all candles; show the newest ones and follow live unless ``keep_view``."""
        self.store.set_data(ts, open_, high, low, close, volume, interval_ms)
        self._full_change = True
        self._older_requested = False
        if not keep_view or self._need_initial_view:
            self._need_initial_view = True
            if not self._follow:
                self._follow = True
                self.follow_live_changed.emit(True)
        self.flush()

    def set_series(self, series: object, interval_ms: int | None = None) -> None:
        """Adapter for any object (or mapping) with ts/open/high/low/close/volume arrays, e.g. a CandleSeries."""
        get = series.__getitem__ if isinstance(series, dict) else lambda k: getattr(series, k)
        self.set_data(get("ts"), get("open"), get("high"), get("low"), get("close"), get("volume"), interval_ms)

    def sync_from(self, series: object, ts: int | None = None) -> str:
        """Bring the chart in line with a series object after one change (duck-typed: ``ts``/``open``/...
        arrays and ``len()``, like the domain CandleSeries); ``ts`` is the candle that was upserted, if known.

        Returns what it did: "appended", "replaced", "prepended", "reloaded" or "none". Live changes (a new last
        candle, the last or a recent candle replaced) and older pages are O(1)/O(page); anything else (a hole
        filled in the middle, a shrink) reloads the arrays and keeps the view.
        """
        st = self.store
        s_ts = np.asarray(series.ts)  # type: ignore[attr-defined]
        n_s, n_c = len(s_ts), len(st)

        def row(i: int) -> tuple[float, float, float, float, float]:
            o, h, l, c, v = (float(getattr(series, k)[i]) for k in ("open", "high", "low", "close", "volume"))
            return o, h, l, c, v

        if n_c and n_s == n_c + 1 and s_ts[-2] == st.last_ts and s_ts[0] == st.first_ts:
            self.append(int(s_ts[-1]), *row(-1))
            return "appended"
        if n_c and n_s == n_c and s_ts[0] == st.first_ts and s_ts[-1] == st.last_ts:
            i = n_s - 1 if ts is None else int(np.searchsorted(s_ts, ts))
            if i < n_s and int(s_ts[i]) == int(st.ts[i]):
                st.replace(i, *row(i))
                self._mark_changed(i)
                return "replaced"
        if n_c and n_s > n_c and s_ts[-1] == st.last_ts and s_ts[n_s - n_c] == st.first_ts:
            k = n_s - n_c
            cols = [np.asarray(getattr(series, name)[:k]) for name in ("open", "high", "low", "close", "volume")]
            self.prepend(s_ts[:k], *cols)
            return "prepended"
        if n_s == 0 and n_c == 0:
            return "none"
        cols = [np.asarray(getattr(series, name)) for name in ("open", "high", "low", "close", "volume")]
        open_, high, low, close, volume = cols
        self.set_data(s_ts, open_, high, low, close, volume, keep_view=True)
        return "reloaded"

    def append(self, ts: int, o: float, h: float, l: float, c: float, v: float) -> None:
        self.store.append(ts, o, h, l, c, v)
        self._mark_changed(len(self.store) - 1)

    def update_last(self, o: float, h: float, l: float, c: float, v: float) -> None:
        self.store.update_last(o, h, l, c, v)
        self._mark_changed(len(self.store) - 1)

    def upsert(self, ts: int, o: float, h: float, l: float, c: float, v: float) -> str:
        """Append a new candle or replace the newest one when ``ts`` is equal; returns which."""
        result = self.store.upsert(ts, o, h, l, c, v)
        self._mark_changed(len(self.store) - 1)
        return result

    def prepend(
        self,
        ts: np.ndarray,
        open_: np.ndarray,
        high: np.ndarray,
        low: np.ndarray,
        close: np.ndarray,
        volume: np.ndarray,
    ) -> int:
        """Add an older page (answer to ``needs_older``); keeps the view where it is and clears loading."""
        k = self.store.prepend(ts, open_, high, low, close, volume)
        self._full_change = True
        self._older_requested = False
        self.set_loading(False)
        self._schedule()
        return k

    def _mark_changed(self, index: int) -> None:
        self._changed_from = index if self._changed_from is None else min(self._changed_from, index)
        self._schedule()

    def close(self) -> bool:
        # pyqtgraph's GraphicsView.close() clears the scene (deleting our items): stop drawing first.
        self._closed = True
        self._timer.stop()
        return bool(super().close())

    def _schedule(self) -> None:
        if not self._closed and not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Apply pending changes now (the timer calls this; tests may too)."""
        self._timer.stop()
        if self._closed:
            return
        full, changed = self._full_change, self._changed_from
        self._full_change, self._changed_from = False, None
        if full or changed is not None:
            for track, _items in self._tracks:
                track.recompute(self.store, None if full else changed)
            self.candles.data_changed(from_index=None if full else changed)
            self.volume.data_changed(from_index=None if full else changed)
            for _, items in self._tracks:
                for item in items:
                    item.data_changed(None if full else changed)
            self._update_last_price()
            if self._need_initial_view and len(self.store):
                self._need_initial_view = False
                self.show_last(150)
            elif self._follow and len(self.store):
                self._scroll_to_live(keep_width=True)
            self.fit_y()
            self._settle_views()
            self._refresh_readout()
        self.flush_count += 1
        self.frame_flushed.emit()

    def _settle_views(self) -> None:
        """Apply range changes to the view matrices now, not lazily in the next paint.

        pyqtgraph updates a ViewBox's matrix when it prepares a paint; items that follow the view (the tags, the
        crosshair lines) then ask for another paint, so each frame was painted twice, and tags placed before
        that (mapFromView) used the previous frame's matrix.
        """
        for vb in (self.price_vb, self.volume_vb):
            vb.updateMatrix()
        if self.lower_plot is not None:
            self.lower_plot.getViewBox().updateMatrix()
        self._place_tags()

    # ----- view ----------------------------------------------------------------------------------------------
    @property
    def follow_live(self) -> bool:
        return self._follow

    def set_follow_live(self, on: bool) -> None:
        if on and len(self.store):
            self._scroll_to_live(keep_width=True)
        if on != self._follow:
            self._follow = on
            self.follow_live_changed.emit(on)

    def x_range(self) -> tuple[float, float]:
        (x0, x1), _ = self.price_vb.viewRange()
        return float(x0), float(x1)

    def show_last(self, n: int = 150) -> None:
        """Show the newest ``n`` candles with some room on the right."""
        st = self.store
        if not len(st):
            return
        iv = st.interval_ms / 1000.0
        x1 = st.last_ts / 1000.0 + iv * (1 + RIGHT_MARGIN_CANDLES)  # type: ignore[operator]
        x0 = st.ts[max(0, len(st) - n)] / 1000.0
        self.price_vb.setXRange(x0, x1, padding=0)

    def show_range(self, t0_ms: float, t1_ms: float) -> None:
        self.price_vb.setXRange(t0_ms / 1000.0, t1_ms / 1000.0, padding=0)

    def _scroll_to_live(self, keep_width: bool) -> None:
        st = self.store
        x0, x1 = self.x_range()
        iv = st.interval_ms / 1000.0
        right = st.last_ts / 1000.0 + iv * (1 + RIGHT_MARGIN_CANDLES)  # type: ignore[operator]
        if abs(right - x1) > 1e-9:
            self.price_vb.setXRange(right - (x1 - x0), right, padding=0)

    def fit_y(self) -> None:
        """Fit the price pane to the visible candles and the volume pane to the visible volume."""
        st = self.store
        if not len(st):
            return
        x0, x1 = self.x_range()
        width = max(self.price_vb.width(), 1.0)
        r = st.visible_y_range(x0 * 1000.0, x1 * 1000.0, width)
        if r is None:
            return
        lo, hi, vmax = r
        pad = (hi - lo) * 0.08 or abs(hi) * 0.01 or 1.0
        (_, _), (c0, c1) = self.price_vb.viewRange()
        # Keep the current range while it shows the candles with some margin and is not much looser than a fresh
        # fit: a live candle moving inside the padding then changes no range, so the frame repaints only its
        # column instead of both panes and the price axis.
        m = pad * 0.25
        if not (c0 <= lo - m and c1 >= hi + m and c1 - c0 <= (hi - lo + 2 * pad) * 1.1):
            self.price_vb.setYRange(lo - pad, hi + pad, padding=0)
        vmax = vmax or 1.0
        (_, _), (c0, c1) = self.volume_vb.viewRange()
        if not (c0 == 0 and vmax * 1.02 <= c1 <= vmax * 1.25):
            # a growing live volume gets room to grow before the next refit
            self.volume_vb.setYRange(0, vmax * (1.15 if vmax * 0.8 <= c1 < vmax * 1.02 else 1.08), padding=0)
        self._fit_lower(x0, x1)

    def _fit_lower(self, x0: float, x1: float) -> None:
        if self.lower_plot is None:
            return
        track = next((t for t, _ in self._tracks if t.pane == "lower"), None)
        if track is None:
            return
        if track.name.startswith("RSI"):
            self.lower_plot.getViewBox().setYRange(0, 100, padding=0.05)
            return
        i0, i1 = self.store.index_range(x0 * 1000.0, x1 * 1000.0)
        step = max(1, (i1 - i0) // 4000)
        vals = [track.outputs[k][i0:i1:step] for k in range(track.n_outputs)]
        finite = np.concatenate([v[np.isfinite(v)] for v in vals]) if vals else np.empty(0)
        if len(finite):
            lo, hi = float(finite.min()), float(finite.max())
            pad = (hi - lo) * 0.08 or 1e-9
            self.lower_plot.getViewBox().setYRange(lo - pad, hi + pad, padding=0)

    def _on_x_range_changed(self, *args: object) -> None:
        # Synchronous and bounded by the pane width, so y follows the pan in the same frame (and in one paint).
        self.fit_y()
        self._check_older()
        self._settle_views()

    def _on_manual_range(self, *args: object) -> None:
        st = self.store
        if not len(st):
            return
        _, x1 = self.x_range()
        live = bool(x1 >= (st.last_ts + st.interval_ms * 0.5) / 1000.0)  # type: ignore[operator]
        if live != self._follow:
            self._follow = live
            self.follow_live_changed.emit(live)

    def _check_older(self) -> None:
        st = self.store
        if not len(st) or self._older_requested:
            return
        x0, x1 = self.x_range()
        first = st.first_ts / 1000.0  # type: ignore[operator]
        if x0 < first + (x1 - x0) * 0.25:
            self._older_requested = True
            self.set_loading(True)
            self.needs_older.emit(st.first_ts)

    def no_older_data(self) -> None:
        """The history is exhausted: stop asking and hide the indicator (keeps ``needs_older`` quiet)."""
        self.set_loading(False)
        self._older_requested = True

    def set_loading(self, on: bool) -> None:
        self._loading = on
        self._loading_label.setVisible(on)

    @property
    def loading(self) -> bool:
        return self._loading

    # ----- keyboard ------------------------------------------------------------------------------------------
    def keyPressEvent(self, ev: QtGui.QKeyEvent) -> None:
        try:
            self._on_key(ev)
        except Exception:  # an exception escaping a Qt virtual aborts the process; log it instead
            import logging

            logging.getLogger(__name__).exception("chart key handling failed")

    def _on_key(self, ev: QtGui.QKeyEvent) -> None:
        key = ev.key()
        Key = QtCore.Qt.Key
        x0, x1 = self.x_range()
        w = x1 - x0
        if key == Key.Key_End:
            self.set_follow_live(True)
        elif key == Key.Key_Home and len(self.store):
            first = self.store.first_ts / 1000.0  # type: ignore[operator]
            self.price_vb.setXRange(first, first + w, padding=0)
            self._on_manual_range()
        elif key in (Key.Key_Left, Key.Key_Right):
            d = -w * 0.1 if key == Key.Key_Left else w * 0.1
            self.price_vb.setXRange(x0 + d, x1 + d, padding=0)
            self._on_manual_range()
        elif key in (Key.Key_Up, Key.Key_Plus, Key.Key_Equal, Key.Key_Down, Key.Key_Minus):
            f = 0.8 if key in (Key.Key_Up, Key.Key_Plus, Key.Key_Equal) else 1.25
            if self._follow:
                self.price_vb.setXRange(x1 - w * f, x1, padding=0)
            else:
                c = (x0 + x1) / 2
                self.price_vb.setXRange(c - w * f / 2, c + w * f / 2, padding=0)
        else:
            super().keyPressEvent(ev)
            return
        ev.accept()

    # ----- crosshair -----------------------------------------------------------------------------------------
    @property
    def readout(self) -> Readout | None:
        return self._readout

    def _set_crosshair_visible(self, on: bool) -> None:
        for item in [*self._vlines, self._hline, self._price_tag, self._time_tag]:
            item.setVisible(on)

    def _on_mouse_moved(self, pos: QtCore.QPointF) -> None:
        for vb, has_price in ((self.price_vb, True), (self.volume_vb, False)):
            if vb.sceneBoundingRect().contains(pos):
                p = vb.mapSceneToView(pos)
                self.set_crosshair(p.x(), p.y() if has_price else None)
                return
        if self.lower_plot is not None and self.lower_plot.getViewBox().sceneBoundingRect().contains(pos):
            p = self.lower_plot.getViewBox().mapSceneToView(pos)
            self.set_crosshair(p.x(), None)
            return
        self.clear_crosshair()

    def set_crosshair(self, x_sec: float, price: float | None) -> None:
        """Put the crosshair at time ``x_sec`` (seconds) and ``price`` (None: cursor not over the price pane)."""
        self._crosshair_x = x_sec
        st = self.store
        i = st.index_at(x_sec * 1000.0) if len(st) else None
        if i is not None:
            x_sec = (st.ts[i] + st.interval_ms / 2) / 1000.0
        for line in self._vlines:
            line.setPos(x_sec)
            line.setVisible(True)
        self._hline.setVisible(price is not None)
        self._price_tag.setVisible(price is not None)
        if price is not None:
            self._hline.setPos(price)
            self._price_tag.setText(f"{price:.{self.price_decimals}f}")
        when = dt.datetime.fromtimestamp(x_sec, tz=dt.UTC if self.utc else None)
        self._time_tag.setText(f"{when:%Y-%m-%d %H:%M}")
        self._time_tag.setVisible(True)
        self._place_tags()
        self._readout = None
        if i is not None:
            ts, o, h, l, c, v = st.candle(i)
            self._readout = Readout(ts, o, h, l, c, v, price)
        self._show_readout()

    def clear_crosshair(self) -> None:
        self._crosshair_x = None
        self._set_crosshair_visible(False)
        self._readout = None
        self._show_readout()

    def _refresh_readout(self) -> None:
        if self._crosshair_x is not None:
            self.set_crosshair(self._crosshair_x, self._readout.price if self._readout else None)
        else:
            self._show_readout()

    def _show_readout(self) -> None:
        r = self._readout
        if r is None and len(self.store):
            ts, o, h, l, c, v = self.store.candle(-1)
            r_show: Readout | None = Readout(ts, o, h, l, c, v, None)
        else:
            r_show = r
        self._readout_shown = r_show
        self._fit_readout()
        self.readout_changed.emit(r)

    def _fit_readout(self) -> None:
        """Write the readout on as few lines as fit the price pane's width (it was clipped at the right edge)."""
        r = self._readout_shown
        label = self._readout_label
        if r is None:
            label.setText("")
        else:
            color = self.theme.up if r.close >= r.open else self.theme.down
            room = self.price_vb.width() - 8
            for lines in (1, 2, 3):
                label.setText(r.text(self.price_decimals, self.utc, lines), color=color)
                if label.textItem.boundingRect().width() <= room or room <= 0:
                    break
        h = label.textItem.boundingRect().height() if r is not None else 16.0
        self._legend.setPos(4, 2 + h)
        self._loading_label.setPos(4, 4 + h + (16 if self._tracks else 0))

    def _place_tags(self, *args: object) -> None:
        vb = self.price_vb
        w = vb.width()
        if args and w != getattr(self, "_fitted_width", None):  # sigResized: the readout may need more lines
            self._fitted_width = w
            self._fit_readout()
        if self._hline.isVisible():
            self._price_tag.setPos(w, vb.mapFromView(QtCore.QPointF(0, self._hline.value())).y())
        if self._time_tag.isVisible():
            vvb = self.volume_vb
            x = vvb.mapFromView(QtCore.QPointF(self._vlines[1].value(), 0)).x()
            self._time_tag.setPos(x, vvb.height())
        if self._last_line.isVisible():
            y_local = vb.mapFromView(QtCore.QPointF(0, self._last_line.value())).y()
            self._last_tag.setPos(w, y_local)

    # ----- price lines, fills, last price ----------------------------------------------------------------------
    def _update_last_price(self) -> None:
        st = self.store
        if not len(st):
            self._last_line.setVisible(False)
            self._last_tag.setVisible(False)
            return
        _, o, _, _, c, _ = st.candle(-1)
        color = self.theme.up if c >= o else self.theme.down
        if color != self._last_color:  # pens, brushes and a tag repaint only when the direction flips
            self._last_color = color
            self._last_line.setPen(pg.mkPen(color, style=QtCore.Qt.PenStyle.DotLine))
            self._last_tag.fill = pg.mkBrush(color)
            self._last_tag.setColor("#ffffff")
            self._last_tag.update()
        self._last_line.setPos(c)
        self._last_line.setVisible(True)
        text = f"{c:.{self.price_decimals}f}"
        if text != self._last_tag.textItem.toPlainText():
            self._last_tag.setText(text)
        self._last_tag.setVisible(True)
        self._place_tags()

    @property
    def last_price(self) -> float | None:
        return self.store.candle(-1)[4] if len(self.store) else None

    def set_order_lines(self, lines: Iterable[PriceLine | tuple[float, str] | tuple[float, str, str] | float]) -> None:
        """Replace the horizontal lines for open orders, position entry and liquidation price."""
        for _, item in self._order_lines:
            self.price_plot.removeItem(item)
        self._order_lines = []
        for spec in lines:
            if isinstance(spec, PriceLine):
                pl = spec
            elif isinstance(spec, tuple):
                pl = PriceLine(float(spec[0]), *spec[1:])
            else:
                pl = PriceLine(float(spec))
            item = pg.InfiniteLine(
                angle=0, movable=False, label=" ", labelOpts={"position": 0.03, "anchors": [(0, 1), (0, 1)]}
            )
            self.price_plot.addItem(item, ignoreBounds=True)
            self._order_lines.append((pl, item))
        self._apply_order_lines()

    @property
    def order_lines(self) -> list[PriceLine]:
        return [pl for pl, _ in self._order_lines]

    def _apply_order_lines(self) -> None:
        colors = {
            "buy": self.theme.order_buy,
            "sell": self.theme.order_sell,
            "position": self.theme.position,
            "liquidation": self.theme.liquidation,
            "take_profit": self.theme.take_profit,
            "stop_loss": self.theme.stop_loss,
        }
        for pl, item in self._order_lines:
            color = colors.get(pl.kind, self.theme.foreground)
            style = {"position": QtCore.Qt.PenStyle.SolidLine, "take_profit": QtCore.Qt.PenStyle.DashDotLine,
                     "stop_loss": QtCore.Qt.PenStyle.DashDotLine}.get(pl.kind, QtCore.Qt.PenStyle.DashLine)
            item.setPen(pg.mkPen(color, width=1, style=style))
            item.setPos(pl.price)
            text = pl.text or f"{pl.price:.{self.price_decimals}f}"
            item.setZValue(5)  # above the candles, so labels stay readable
            item.label.setText(text)
            item.label.setColor(color)
            item.label.fill = pg.mkBrush(self.theme.background)
            item.label.border = pg.mkPen(color)
            item.label.update()

    def set_fills(self, fills: Sequence[tuple[int, float, str]]) -> None:
        """Markers for fills: (ts ms, price, "buy"|"sell")."""
        spots = []
        iv = self.store.interval_ms
        for ts, price, side in fills:
            buy = side == "buy"
            candle_ts = ts
            i = self.store.index_at(ts) if len(self.store) else None
            if i is not None:
                candle_ts = int(self.store.ts[i])
            spots.append(
                {
                    "pos": ((candle_ts + iv / 2) / 1000.0, float(price)),
                    "symbol": "t1" if buy else "t",
                    "brush": pg.mkBrush(self.theme.order_buy if buy else self.theme.order_sell),
                }
            )
        self._fills.setData(spots)

    # ----- indicators ----------------------------------------------------------------------------------------
    def add_sma(self, n: int = 20) -> overlays.IndicatorTrack:
        return self._add_track(overlays.sma_track(n))

    def add_ema(self, n: int = 20) -> overlays.IndicatorTrack:
        return self._add_track(overlays.ema_track(n))

    def add_bollinger(self, n: int = 20, k: float = 2.0) -> overlays.IndicatorTrack:
        return self._add_track(overlays.bollinger_track(n, k))

    def set_lower_indicator(self, name: str | None) -> overlays.IndicatorTrack | None:
        """Show "rsi" or "macd" in a third pane, or remove it with None."""
        for track, items in [t for t in self._tracks if t[0].pane == "lower"]:
            self._tracks.remove((track, items))
        if self.lower_plot is not None:
            self.lower_plot.removeItem(self._vlines[2])  # reused by the next lower pane
            self.removeItem(self.lower_plot)
            self.lower_plot = None
            self._grids.pop("lower", None)
            self.volume_plot.setAxisItems({"bottom": self.date_axis})
            self.volume_plot.showAxis("bottom")
        if name is None:
            return None
        factories: dict[str, Callable[[], overlays.IndicatorTrack]] = {"rsi": overlays.rsi_track,
                                                                        "macd": overlays.macd_track}
        track = factories[name.lower()]()
        self.volume_plot.hideAxis("bottom")
        axis = pg.DateAxisItem(orientation="bottom", utcOffset=0 if self.utc else None)
        self.lower_plot = self.addPlot(row=2, col=0, axisItems={"bottom": axis})
        self.ci.layout.setRowStretchFactor(2, 1)
        self._setup_plot(self.lower_plot)
        self.lower_plot.setXLink(self.price_plot)
        self._grids["lower"] = GridItem(
            self.lower_plot.getViewBox(), self.date_axis, self.lower_plot.getAxis("right"), self.theme, self._tick_cache
        )
        self.lower_plot.getViewBox().sigRangeChangedManually.connect(self._on_manual_range)
        for level in (30.0, 70.0) if name.lower() == "rsi" else (0.0,):
            line = pg.InfiniteLine(angle=0, movable=False, pos=level)
            line.setPen(pg.mkPen(self.theme.crosshair, style=QtCore.Qt.PenStyle.DotLine))
            self.lower_plot.addItem(line, ignoreBounds=True)
        self.lower_plot.addItem(self._vlines[2], ignoreBounds=True)
        result = self._add_track(track)
        label = pg.TextItem(track.name, anchor=(0, 0))
        label.setParentItem(self.lower_plot.getViewBox())
        label.setPos(4, 2)
        label.setColor(self.theme.overlay[(len(self._tracks) - 1) % len(self.theme.overlay)])
        self.set_theme(self.theme)
        self.fit_y()
        return result

    def clear_indicators(self) -> None:
        for track, items in list(self._tracks):
            if track.pane == "price":
                for item in items:
                    self.price_plot.removeItem(item)
                self._tracks.remove((track, items))
        self._update_legend()

    def _add_track(self, track: overlays.IndicatorTrack) -> overlays.IndicatorTrack:
        track.recompute(self.store, None)
        plot = self.price_plot if track.pane == "price" else self.lower_plot
        assert plot is not None
        color = self.theme.overlay[len(self._tracks) % len(self.theme.overlay)]
        items = []
        for k in range(track.n_outputs):
            width = 1.5 if k == 0 else 1.0
            item = SeriesLineItem(self.store, track.values(k), color, width, track.y_extent)
            plot.addItem(item, ignoreBounds=True)
            item.data_changed()
            items.append(item)
        self._tracks.append((track, items))
        self._update_legend()
        return track

    @property
    def indicators(self) -> list[overlays.IndicatorTrack]:
        return [t for t, _ in self._tracks]

    def _update_legend(self) -> None:
        parts = []
        for i, (track, _) in enumerate(self._tracks):
            if track.pane == "price":
                color = self.theme.overlay[i % len(self.theme.overlay)]
                parts.append(f'<span style="color:{color}">{track.name}</span>')
        self._legend.setHtml("&nbsp;&nbsp;".join(parts))
