"""ChartWidget and the items, rendered offscreen: pixels, crosshair readout, y fit, follow-live, paging, coalescing."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from pyqtgraph.functions import ndarray_from_qimage
from PySide6 import QtCore, QtGui, QtWidgets

from bitget_desktop.ui.chart import DARK, LIGHT, CandlestickItem, ChartWidget, PriceLine, VolumeItem
from bitget_desktop.ui.chart.demo import MINUTE, synth_candles


@pytest.fixture
def chart(qtbot) -> ChartWidget:
    w = ChartWidget(utc=True)
    w.resize(1000, 600)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def data() -> dict[str, np.ndarray]:
    return synth_candles(2000, seed=21)


def near_counts(img: QtGui.QImage, color: str, tol: int = 40) -> int:
    img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    rgb = ndarray_from_qimage(img)[..., :3][..., ::-1].astype(int)
    q = QtGui.QColor(color)
    return int((np.abs(rgb - (q.red(), q.green(), q.blue())).sum(axis=-1) < tol).sum())


def rgb_counts(img: QtGui.QImage, *colors: str) -> list[int]:
    img = img.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    rgb = ndarray_from_qimage(img)[..., :3][..., ::-1].copy()  # BGRA in memory -> RGB; copy before img goes
    out = []
    for c in colors:
        q = QtGui.QColor(c)
        out.append(int(np.all(rgb == (q.red(), q.green(), q.blue()), axis=-1).sum()))
    return out


def test_paint_one_million_candles_into_qimage(qapp) -> None:
    d = synth_candles(1_000_000, seed=2)
    view = pg.GraphicsLayoutWidget()
    view.resize(1200, 700)
    plot = view.addPlot()
    item = CandlestickItem(theme=DARK)
    item.set_data(d["ts"], d["open"], d["high"], d["low"], d["close"], d["volume"])
    plot.addItem(item)
    plot.autoRange(padding=0)
    img = QtGui.QImage(1200, 700, QtGui.QImage.Format.Format_RGB32)
    img.fill(QtGui.QColor("black"))
    p = QtGui.QPainter(img)
    view.render(p)
    p.end()
    up, down = rgb_counts(img, DARK.up, DARK.down)
    assert up > 100 and down > 100
    vis = item.last_visible
    assert vis is not None and vis.merged and vis.level >= 3 and len(vis.ts) <= 1300
    # A 200-candle window draws real bodies.
    plot.setXRange(d["ts"][-200] / 1000, d["ts"][-1] / 1000, padding=0)
    plot.setYRange(d["low"][-200:].min(), d["high"][-200:].max(), padding=0)
    img.fill(QtGui.QColor("black"))
    p = QtGui.QPainter(img)
    view.render(p)
    p.end()
    assert not item.last_visible.merged and len(item.last_visible.ts) in (200, 201)
    assert min(rgb_counts(img, DARK.up, DARK.down)) > 1000
    view.deleteLater()


def test_chart_shows_candles_and_volume_in_theme_colours(chart, data) -> None:
    chart.set_series(data)
    up, down = rgb_counts(chart.grab().toImage(), DARK.up, DARK.down)
    assert up > 500 and down > 500
    chart.set_theme(LIGHT)
    up, down = rgb_counts(chart.grab().toImage(), LIGHT.up, LIGHT.down)
    assert up > 500 and down > 500


def test_volume_item_standalone_shares_a_store(qapp, data) -> None:
    view = pg.GraphicsLayoutWidget()
    view.resize(600, 300)
    plot = view.addPlot()
    candles = CandlestickItem()
    candles.set_arrays(data)
    vol = VolumeItem(candles.store)
    vol.data_changed()
    plot.addItem(vol)
    plot.autoRange(padding=0)
    assert vol.boundingRect().top() == 0.0
    assert vol.boundingRect().bottom() == pytest.approx(data["volume"].sum())
    assert candles.store.volume_max() == data["volume"].max()
    img = view.grab().toImage()
    assert vol.last_visible is not None
    assert img.width() == 600
    view.deleteLater()


def test_crosshair_readout_at_a_known_candle(chart, data, qtbot) -> None:
    chart.set_series(data)
    i = len(data["ts"]) - 37
    x = (data["ts"][i] + 25_000) / 1000.0  # inside candle i, not at its centre
    with qtbot.waitSignal(chart.readout_changed) as sig:
        chart.set_crosshair(x, 31_000.0)
    r = chart.readout
    assert sig.args[0] == r
    assert (r.ts, r.open, r.high, r.low, r.close, r.volume) == (
        int(data["ts"][i]), data["open"][i], data["high"][i], data["low"][i], data["close"][i], data["volume"][i]
    )
    assert r.price == 31_000.0
    assert "O " in r.text() and f"{data['close'][i]:.2f}" in r.text()


def test_crosshair_follows_the_mouse(chart, data, qtbot) -> None:
    chart.set_series(data)
    i = len(data["ts"]) - 10
    price = float(data["close"][i])
    scene_pos = chart.price_vb.mapViewToScene(QtCore.QPointF((data["ts"][i] + 30_000) / 1000.0, price))
    with qtbot.waitSignal(chart.readout_changed):
        chart.scene().sigMouseMoved.emit(scene_pos)
    assert chart.readout.ts == data["ts"][i]
    assert chart.readout.price == pytest.approx(price, rel=1e-6)
    chart.scene().sigMouseMoved.emit(QtCore.QPointF(-50, -50))
    assert chart.readout is None


def test_auto_fit_to_visible_candles(chart, data) -> None:
    chart.set_series(data)
    t0, t1 = data["ts"][500], data["ts"][700]
    chart.show_range(float(t0), float(t1))
    lo, hi = data["low"][500:701].min(), data["high"][500:701].max()
    (_, _), (y0, y1) = chart.price_vb.viewRange()
    assert y0 < lo and y1 > hi
    assert (y1 - y0) < (hi - lo) * 1.3
    (_, _), (v0, v1) = chart.volume_vb.viewRange()
    assert v0 == 0 and v1 >= data["volume"][500:701].max()


def drag(widget: QtWidgets.QWidget, start: QtCore.QPoint, end: QtCore.QPoint) -> None:
    vp = widget.viewport()
    left = QtCore.Qt.MouseButton.LeftButton
    none = QtCore.Qt.KeyboardModifier.NoModifier
    steps = [start + (end - start) * (k / 5) for k in range(6)]

    def send(kind, pos, buttons):
        posf = QtCore.QPointF(pos)
        ev = QtGui.QMouseEvent(kind, posf, vp.mapToGlobal(posf), left, buttons, none)
        QtWidgets.QApplication.sendEvent(vp, ev)

    send(QtCore.QEvent.Type.MouseButtonPress, start, left)
    for pos in steps[1:]:
        send(QtCore.QEvent.Type.MouseMove, pos, left)
    send(QtCore.QEvent.Type.MouseButtonRelease, end, QtCore.Qt.MouseButton.NoButton)


def test_follow_live_off_when_dragged_back_on_with_end(chart, data, qtbot) -> None:
    chart.set_series(data)
    assert chart.follow_live
    _x0, x1 = chart.x_range()
    chart.append(int(data["ts"][-1]) + MINUTE, 1.0, 1.0, 1.0, 1.0, 1.0)
    with qtbot.waitSignal(chart.frame_flushed):
        pass
    assert chart.x_range()[1] == pytest.approx(x1 + 60.0)  # scrolled with the new candle
    with qtbot.waitSignal(chart.follow_live_changed) as sig:
        drag(chart, QtCore.QPoint(300, 200), QtCore.QPoint(700, 210))
    assert sig.args == [False] and not chart.follow_live
    before = chart.x_range()
    chart.append(int(data["ts"][-1]) + 2 * MINUTE, 1.0, 1.0, 1.0, 1.0, 1.0)
    chart.flush()
    assert chart.x_range() == before  # the user looks at history: do not move
    with qtbot.waitSignal(chart.follow_live_changed) as sig:
        qtbot.keyClick(chart, QtCore.Qt.Key.Key_End)
    assert sig.args == [True]
    assert chart.x_range()[1] > (int(data["ts"][-1]) + 2 * MINUTE) / 1000.0


def test_wheel_zooms_time_only_and_price_refits(chart, data) -> None:
    chart.set_series(data)
    x0, x1 = chart.x_range()
    vp = chart.viewport()
    pos = QtCore.QPointF(500, 250)
    ev = QtGui.QWheelEvent(
        pos, vp.mapToGlobal(pos), QtCore.QPoint(0, 0), QtCore.QPoint(0, -240),
        QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier, QtCore.Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QtWidgets.QApplication.sendEvent(vp, ev)
    a0, a1 = chart.x_range()
    assert (a1 - a0) > (x1 - x0) * 1.2  # zoomed out in time
    i0, i1 = chart.store.index_range(a0 * 1000, a1 * 1000)
    (_, _), (y0, y1) = chart.price_vb.viewRange()
    assert y0 < data["low"][i0:i1].min() and y1 > data["high"][i0:i1].max()


def test_keyboard_pan_and_zoom(chart, data, qtbot) -> None:
    chart.set_series(data)
    x0, x1 = chart.x_range()
    qtbot.keyClick(chart, QtCore.Qt.Key.Key_Left)
    a0, a1 = chart.x_range()
    assert a0 < x0 and a1 - a0 == pytest.approx(x1 - x0)
    assert not chart.follow_live
    qtbot.keyClick(chart, QtCore.Qt.Key.Key_Up)
    b0, b1 = chart.x_range()
    assert b1 - b0 == pytest.approx((a1 - a0) * 0.8)
    qtbot.keyClick(chart, QtCore.Qt.Key.Key_Down)
    c0, c1 = chart.x_range()
    assert c1 - c0 == pytest.approx((b1 - b0) * 1.25)


def test_first_candles_by_append_set_up_the_view(chart) -> None:
    assert chart.readout is None and chart.last_price is None
    chart.grab()  # painting an empty chart is fine
    for k in range(3):
        chart.append(1_700_000_000_000 + k * MINUTE, 100.0, 101.0, 99.0, 100.5 + k, 2.0)
    chart.flush()
    x0, x1 = chart.x_range()
    assert x0 <= 1_700_000_000 and x1 > 1_700_000_000 + 2 * 60
    (_, _), (y0, y1) = chart.price_vb.viewRange()
    assert y0 < 99.0 and y1 > 101.0
    assert chart.store.interval_ms == MINUTE
    assert chart.last_price == 102.5


def test_redraws_are_coalesced(chart, data, qtbot) -> None:
    chart.set_series(data)
    start = chart.flush_count
    for k in range(500):
        chart.update_last(1.0, 2.0, 0.5, 1.0 + k / 1000, float(k))
    assert chart.flush_count == start  # nothing drawn synchronously
    with qtbot.waitSignal(chart.frame_flushed, timeout=1000):
        pass
    assert chart.flush_count == start + 1
    assert chart.last_price == pytest.approx(1.499)
    assert chart.readout is None or chart.readout.close == pytest.approx(1.499)


def test_needs_older_when_nearing_the_left_edge(chart, data, qtbot) -> None:
    half = {k: v[1000:] for k, v in data.items()}
    chart.set_series(half)
    assert not chart.loading
    with qtbot.waitSignal(chart.needs_older) as sig:
        chart.show_range(float(half["ts"][5]), float(half["ts"][205]))
    assert sig.args == [int(half["ts"][0])]
    assert chart.loading
    with qtbot.assertNotEmitted(chart.needs_older):
        chart.show_range(float(half["ts"][0]), float(half["ts"][200]))
    older = {k: v[:1000] for k, v in data.items()}
    chart.prepend(older["ts"], older["open"], older["high"], older["low"], older["close"], older["volume"])
    assert not chart.loading
    assert chart.store.first_ts == int(data["ts"][0])
    assert chart.x_range()[0] == pytest.approx(half["ts"][0] / 1000.0)  # the view stays put
    chart.no_older_data()
    with qtbot.assertNotEmitted(chart.needs_older):
        chart.show_range(float(data["ts"][0]), float(data["ts"][100]))


def test_order_lines_and_last_price_line(chart, data) -> None:
    chart.set_series(data)
    chart.set_order_lines([PriceLine(30_000.0, "BUY 1", "buy"), (31_000.0, "entry", "position"), 29_000.0])
    assert [pl.price for pl in chart.order_lines] == [30_000.0, 31_000.0, 29_000.0]
    assert [pl.kind for pl in chart.order_lines] == ["buy", "position", "buy"]
    chart.set_order_lines([PriceLine(28_000.0, "LIQ", "liquidation")])
    assert len(chart.order_lines) == 1
    lines = [i for i in chart.price_plot.items if isinstance(i, pg.InfiniteLine) and i.value() == 28_000.0]
    assert len(lines) == 1
    assert chart._last_line.value() == data["close"][-1]
    chart.set_fills([(int(data["ts"][-5]) + 1000, float(data["close"][-5]), "buy")])
    assert len(chart._fills.data) == 1


def test_indicators_and_lower_pane(chart, data) -> None:
    chart.set_series(data)
    sma = chart.add_sma(20)
    chart.add_bollinger(20, 2)
    rsi = chart.set_lower_indicator("rsi")
    assert chart.lower_plot is not None
    chart.flush()
    img = chart.grab().toImage()
    lower = chart.lower_plot.getViewBox().sceneBoundingRect().toRect()
    assert near_counts(img.copy(lower), chart.theme.overlay[2]) > 100  # the RSI line is drawn in its pane
    expected = [data["close"][i - 19 : i + 1].mean() for i in (19, 20, 21)]
    np.testing.assert_allclose(sma.outputs[0][19:22], expected)
    chart.append(int(data["ts"][-1]) + MINUTE, 1.0, 1.0, 1.0, 1.0, 1.0)
    chart.flush()
    assert sma.size == rsi.size == len(data["ts"]) + 1
    chart.grab()
    macd = chart.set_lower_indicator("macd")
    assert macd in chart.indicators and rsi not in chart.indicators
    chart.grab()
    chart.set_lower_indicator(None)
    assert chart.lower_plot is None
    chart.clear_indicators()
    assert chart.indicators == []
    chart.grab()


def test_sync_from_the_domain_candle_series(chart) -> None:
    from decimal import Decimal

    from bitget_desktop.domain.candles import CandleSeries
    from bitget_desktop.domain.market import Candle

    def candle(i: int, close: str) -> Candle:
        c = Decimal(close)
        return Candle(1_700_000_000_000 + i * MINUTE, c, c + 1, c - 1, c, Decimal("2"), Decimal("0"))

    series = CandleSeries([candle(i, str(100 + i)) for i in range(100, 300)])
    assert chart.sync_from(series) == "reloaded"
    assert len(chart.store) == 200 and chart.follow_live
    assert series.upsert(candle(300, "400")) == "appended"
    assert chart.sync_from(series, ts=series.last_ts) == "appended"
    assert series.upsert(candle(300, "401")) == "replaced"
    assert chart.sync_from(series, ts=series.last_ts) == "replaced"
    assert series.upsert(candle(299, "398.5")) == "replaced"  # late final update of the previous candle
    assert chart.sync_from(series, ts=series.ts[-2]) == "replaced"
    chart.flush()
    assert chart.store.candle(-2)[4] == 398.5 and chart.store.candle(-1)[4] == 401.0
    assert series.merge_history([candle(i, "50") for i in range(100)]) == 100
    assert chart.sync_from(series) == "prepended"
    assert len(chart.store) == 301 and chart.store.first_ts == series.first_ts
    view = chart.x_range()
    # A different history (here: one candle missing in the middle) reloads and keeps the view.
    series_hole = CandleSeries([candle(i, "10") for i in range(302) if i != 5])
    assert chart.sync_from(series_hole) == "reloaded"
    assert chart.x_range() == pytest.approx(view)
    np.testing.assert_array_equal(chart.store.ts, series_hole.ts)


def test_grid_lines_sit_at_the_axis_ticks(chart, data, qtbot) -> None:
    chart.set_series(data)
    chart.grab()
    for vb, axis, orient in ((chart.price_vb, chart.price_plot.getAxis("right"), "h"),
                             (chart.volume_vb, chart.date_axis, "v")):
        img = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
        p = QtGui.QPainter(img)
        _, ticks, _ = axis.generateDrawSpecs(p)  # what the axis draws: (pen, start, end) per tick
        p.end()
        if orient == "h":
            want = sorted(round(axis.mapToScene(a).y()) for _, a, _ in ticks)
        else:
            want = sorted(round(axis.mapToScene(a).x()) for _, a, _ in ticks)
        grid = chart._grids["price" if orient == "h" else "volume"]
        got = []
        for _, rects in grid.lines():
            for r in rects:
                pt = vb.mapToScene(r.topLeft())
                if orient == "h" and r.height() == 1:
                    got.append(pt.y())
                elif orient == "v" and r.width() == 1:
                    got.append(pt.x())
        assert len(want) >= 3
        for w in want:  # every tick of the axis has a grid line (within the rounding of a pixel)
            assert min(abs(g - w) for g in got) <= 1.0, (orient, w, sorted(got))


def test_grid_is_visible_and_follows_the_theme(chart, data) -> None:
    from bitget_desktop.ui.chart.grid_item import blend

    chart.set_series(data)
    for theme in (DARK, LIGHT):
        chart.set_theme(theme)
        major = blend(theme.foreground, theme.background, theme.grid_alpha).name()
        img = chart.grab().toImage()
        assert rgb_counts(img, major)[0] > 2000  # whole lines across both panes, opaque pre-blended colour


def test_a_live_update_paints_once_and_only_what_changed(chart, data, qtbot) -> None:
    chart.set_series(data)
    chart.add_sma(20)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    regions: list[QtGui.QRegion] = []

    class Spy(QtCore.QObject):
        def eventFilter(self, obj, ev):
            if ev.type() == QtCore.QEvent.Type.Paint:
                regions.append(QtGui.QRegion(ev.region()))
            return False

    _, o, h, lo, c, v = chart.store.candle(-1)
    mid = (h + lo) / 2
    chart.update_last(o, h, lo, mid + (h - lo) * 0.03, v)  # a first tick may widen the SMA's extent once
    chart.flush()
    QtWidgets.QApplication.processEvents()
    spy = Spy()
    chart.viewport().installEventFilter(spy)
    vp = chart.viewport().rect()
    for k in range(3):  # inside the candle's range: no view change, no y refit
        chart.update_last(o, h, lo, mid + k * (h - lo) * 0.01, v)
        chart.flush()
        QtWidgets.QApplication.processEvents()
    assert len(regions) == 3  # one paint per frame
    for r in regions:
        area = sum(rect.width() * rect.height() for rect in r)
        assert area < vp.width() * vp.height() * 0.15  # the newest column, the last-price line and tag, readout
    # a new candle scrolls the view: one full paint
    regions.clear()
    chart.append(int(chart.store.last_ts) + MINUTE, c, c, c, c, 1.0)
    chart.flush()
    QtWidgets.QApplication.processEvents()
    assert len(regions) == 1
    assert regions[0].boundingRect().width() >= chart.price_vb.sceneBoundingRect().width()  # the panes, not the y axes
    # a pan (new x range, y refit) is one paint as well
    regions.clear()
    x0, x1 = chart.x_range()
    chart.price_vb.setXRange(x0 - (x1 - x0) * 0.5, x1 - (x1 - x0) * 0.5, padding=0)
    QtWidgets.QApplication.processEvents()
    assert len(regions) == 1
    chart.viewport().removeEventFilter(spy)
