"""ChartPanel over a Session and the in-process simulator: history, paging back to the start, live candles, interval
switch, crosshair readout, indicator wiring, order/position lines and fills, several charts in one window.

Most tests run the simulator on a manual clock so that a minute can pass at once and the market is quiet between
steps (the panel's feed is the real CandleFeed over real sockets).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from PySide6.QtCore import Qt
from ui_support import GOOD, OPEN_SESSIONS, simulator, wait_signal, wait_until, window_for

from bitget_desktop.domain.market import Timeframe
from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.environments import local
from bitget_desktop.exchange.signing import Credentials
from bitget_desktop.simulator.history import parse_granularity
from bitget_desktop.ui.chart.store import CLOSE
from bitget_desktop.ui.chart_panel import ChartPanel, Overlay
from bitget_desktop.ui.models.records import fmt_decimal
from bitget_desktop.ui.session import Session

M = 60_000
DAY = 86_400_000
PT, SYMBOL, KEY = "USDT-FUTURES", "BTCUSDT", "USDT-FUTURES:BTCUSDT"
T0 = int(datetime(2026, 6, 1, 0, 0, 30, tzinfo=UTC).timestamp() * 1000)


class ManualClock:
    """The simulator's clock (ms): it moves only when the test moves it."""

    def __init__(self, t: int) -> None:
        self.t = t
        self.sim: Any = None

    def __call__(self) -> int:
        return self.t

    def move(self, t: int) -> None:
        self.t = t
        if self.sim is not None:
            self.sim.market.advance(t)

    def step(self, ms: int) -> None:
        self.move(self.t + ms)


def open_panel(qtbot: Any, sim: Any, tf: Timeframe, *, window: int | None = None, private: bool = False,
               width: int = 900) -> tuple[ChartPanel, Session]:
    env = local(sim.rest_url)
    client = BitgetClient(env, Credentials(*GOOD), ws_reconnect_initial=0.05) if private else \
        BitgetClient(env, ws_reconnect_initial=0.05)
    session = Session(client, env, symbols=[KEY])
    OPEN_SESSIONS.append(session)
    panel = ChartPanel(theme_mode="dark", timeframe=tf, feed_window=window)
    qtbot.addWidget(panel)
    panel.resize(width, 520)
    panel.show()
    panel.bind_session(session)
    session.start()
    return panel, session


def sim_candles(sim: Any, tf: Timeframe, start: int | None = None, end: int | None = None,
                limit: int = 1000) -> np.ndarray:
    """The simulator's own candles in prices (ts, o, h, l, c) for [start, end)."""
    gtf = parse_granularity(tf.mix_granularity)
    assert gtf is not None
    rows = sim.market.candles(PT, SYMBOL, gtf, start, end, limit)
    spec = sim.market.instrument_spec(PT, SYMBOL)
    out = rows[:, :5].astype(np.float64)
    out[:, 1:5] /= 10**spec.price_places  # the simulator counts in ticks
    return out


def test_history_then_paging_back_to_the_start(qloop: Any, qtbot: Any) -> None:
    clock = ManualClock(T0)
    start = (T0 // DAY - 400) * DAY

    async def main() -> None:
        async with simulator(clock=clock, tick_ms=50, history_start_ms=start) as sim:
            clock.sim = sim
            panel, _ = open_panel(qtbot, sim, Timeframe.D1, window=100)
            chart = panel.chart
            # the window (100 daily candles) is narrower than the first view: the chart asks for older pages
            await wait_until(lambda: len(chart.store) >= 100 and panel.feed is not None
                             and panel.feed.state.value in ("idle", "loading"), timeout=15, what="history window")
            assert chart.store.interval_ms == DAY
            expected = sim_candles(sim, Timeframe.D1)
            assert int(expected[0, 0]) == start and len(expected) == 401
            pans = 0
            while not panel.feed.exhausted:
                assert pans < 8, "paging did not end"
                await wait_until(lambda: not chart.loading, timeout=10, what="older page")
                if panel.feed.exhausted:
                    break
                x0, x1 = chart.x_range()
                first = chart.store.first_ts / 1000
                chart.price_vb.setXRange(first - (x1 - x0) * 0.1, first + (x1 - x0) * 0.9, padding=0)
                assert chart.loading  # the chart asked for an older page and says so at once
                pans += 1
            await wait_until(lambda: not chart.loading, timeout=10, what="last page")
            assert len(chart.store) == 401
            assert np.array_equal(chart.store.ts, expected[:, 0].astype(np.int64))
            assert np.allclose(chart.store.column(CLOSE)[: len(chart.store)], expected[:, 4], rtol=0, atol=1e-9)
            assert panel.state_label.text() == "start of history"
            # at the start: scrolling further asks nothing more
            chart.price_vb.setXRange(start / 1000 - 30 * 86400, start / 1000 + 60 * 86400, padding=0)
            assert not chart.loading
            # far from the newest candle: not following; End (or the Live button) goes back to it
            chart._on_manual_range()
            assert not chart.follow_live and not panel.live_button.isChecked()
            qtbot.keyClick(chart, Qt.Key.Key_End)
            assert chart.follow_live and panel.live_button.isChecked()
            assert chart.x_range()[1] > chart.store.last_ts / 1000
            panel.live_button.click()
            assert not panel.live_button.isChecked() and not chart.follow_live
            panel.live_button.click()
            assert panel.live_button.isChecked() and chart.follow_live

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_live_candles_interval_switch_readout_and_indicators(qloop: Any, qtbot: Any) -> None:
    clock = ManualClock(T0)

    async def main() -> None:
        async with simulator(clock=clock, tick_ms=50) as sim:
            clock.sim = sim
            panel, _ = open_panel(qtbot, sim, Timeframe.M1, window=300, width=460)
            chart = panel.chart
            await wait_until(lambda: len(chart.store) == 300 and panel.feed is not None
                             and panel.feed.state.value == "idle", timeout=15, what="history")
            assert [panel.interval_box.itemText(i) for i in range(panel.interval_box.count())] == [
                "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d", "3d", "1w", "1M"]
            last = int(chart.store.last_ts)
            assert last == T0 - T0 % M

            # the forming candle updates in place
            def sim_last_close() -> float:
                return float(sim_candles(sim, Timeframe.M1, last, last + M)[-1, 4])

            for _ in range(60):
                clock.step(700)
                try:
                    await wait_until(lambda: chart.store.candle(-1)[4] == sim_last_close(), timeout=0.3)
                    if len(chart.store) == 300:
                        break
                except TimeoutError:
                    continue
            await wait_until(lambda: chart.store.candle(-1)[4] == sim_last_close(), what="live close")
            assert len(chart.store) == 300 and int(chart.store.last_ts) == last
            # a new minute appends a candle
            clock.move(last + M + 1_500)
            for _ in range(30):
                if len(chart.store) == 301:
                    break
                clock.step(300)
                await asyncio.sleep(0.05)
            await wait_until(lambda: len(chart.store) == 301, what="appended candle")
            assert int(chart.store.last_ts) == last + M

            # indicators from the menu, checked against independent reference calculations
            panel.overlay_actions[Overlay("sma", 20)].trigger()
            panel.overlay_actions[Overlay("bollinger", 20)].trigger()
            panel.lower_actions["rsi"].trigger()
            assert sorted(t.name for t in chart.indicators) == ["BB 20 2", "RSI 14", "SMA 20"]
            assert chart.lower_plot is not None
            check_indicators(panel)
            clock.step(2_000)  # a live tick recomputes the tails
            await wait_until(lambda: chart.store.candle(-1)[4] == float(panel.feed.series.close[-1]), what="tick")
            chart.flush()
            check_indicators(panel)

            # crosshair readout of a candle in the middle (and it fits the narrow pane)
            i = len(chart.store) - 40
            ts, o, h, l, c, v = chart.store.candle(i)
            chart.set_crosshair((ts + 20_000) / 1000, c)
            r = chart.readout
            assert r is not None and (r.ts, r.open, r.high, r.low, r.close, r.volume) == (ts, o, h, l, c, v)
            series = panel.feed.series
            j = int(np.searchsorted(series.ts, ts))
            assert (series.open[j], series.high[j], series.low[j], series.close[j]) == (o, h, l, c)
            text = chart._readout_label.textItem.toPlainText()
            assert f"C {c:.1f}" in text and f"O {o:.1f}" in text
            assert chart._readout_label.textItem.boundingRect().width() <= chart.price_vb.width()

            # interval switch in place: hourly candles, indicators kept
            panel.interval_box.setCurrentIndex(panel.interval_box.findData(Timeframe.H1))
            await wait_until(lambda: panel.feed is not None and panel.feed.timeframe is Timeframe.H1
                             and panel.feed.state.value == "idle" and len(chart.store) > 0, what="1h feed")
            assert chart.store.interval_ms == 3_600_000
            hourly = sim_candles(sim, Timeframe.H1, None, None, 300)
            assert int(chart.store.last_ts) == int(hourly[-1, 0])
            assert chart.store.candle(-1)[4] == hourly[-1, 4]
            assert sorted(t.name for t in chart.indicators) == ["BB 20 2", "RSI 14", "SMA 20"]
            check_indicators(panel)
            panel.lower_actions["macd"].trigger()
            assert sorted(t.name for t in chart.indicators) == ["BB 20 2", "MACD 12 26 9", "SMA 20"]
            panel.clear_overlays()
            panel.set_lower("none")
            assert chart.indicators == [] and chart.lower_plot is None

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def ref_sma(x: np.ndarray, n: int) -> np.ndarray:
    out = np.full(len(x), np.nan)
    out[n - 1:] = sliding_window_view(x, n).mean(axis=1)
    return out


def ref_rsi(x: np.ndarray, n: int = 14) -> np.ndarray:
    """Wilder's RSI, step by step."""
    out = np.full(len(x), np.nan)
    d = np.diff(x)
    up, down = np.maximum(d, 0), np.maximum(-d, 0)
    ag, al = up[:n].mean(), down[:n].mean()
    for i in range(n, len(x)):
        if i > n:
            ag = (ag * (n - 1) + up[i - 1]) / n
            al = (al * (n - 1) + down[i - 1]) / n
        out[i] = 100.0 if al == 0 else 100 - 100 / (1 + ag / al)
    return out


def check_indicators(panel: ChartPanel) -> None:
    chart = panel.chart
    chart.flush()
    closes = np.asarray(panel.feed.series.close, dtype=np.float64)
    assert np.array_equal(closes, chart.store.column(CLOSE)[: len(chart.store)])
    n = len(closes)
    tracks = {t.name: t for t in chart.indicators}
    sma = ref_sma(closes, 20)
    std = np.full(n, np.nan)
    std[19:] = sliding_window_view(closes, 20).std(axis=1)
    scale = float(np.nanmax(closes))
    np.testing.assert_allclose(tracks["SMA 20"].outputs[0][:n], sma, rtol=0, atol=scale * 1e-9)
    bb = tracks["BB 20 2"].outputs
    np.testing.assert_allclose(bb[0][:n], sma, rtol=0, atol=scale * 1e-9)
    np.testing.assert_allclose(bb[1][:n], sma + 2 * std, rtol=0, atol=scale * 1e-7)
    np.testing.assert_allclose(bb[2][:n], sma - 2 * std, rtol=0, atol=scale * 1e-7)
    np.testing.assert_allclose(tracks["RSI 14"].outputs[0][:n], ref_rsi(closes), rtol=0, atol=1e-6)


def test_order_and_position_lines_follow_the_blotter(qloop: Any, qtbot: Any) -> None:
    from bitget_desktop.domain.trading import OrderRequest, OrderType, Side

    async def main() -> None:
        async with simulator() as sim:
            panel, session = open_panel(qtbot, sim, Timeframe.M5, private=True)
            await wait_signal(session.ready, timeout=15)
            await wait_until(lambda: session.health.streams.get("account") is not None
                             and session.health.streams["account"].state == "live", what="account stream")
            inst = session.instrument
            assert inst is not None and str(inst.product_type) == PT and panel.instrument == inst
            await wait_until(lambda: len(panel.chart.store) > 0, what="candles")
            bid = session.book.best_bid()[0]
            price = inst.snap_price(bid * Decimal("0.9"))
            req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size=inst.min_size,
                                     price=price, margin_mode="crossed", margin_coin="USDT")
            ack = await session.client.place_order(req)

            def lines(kind: str) -> list[Any]:
                return [pl for pl in panel.chart.order_lines if pl.kind == kind]

            await wait_until(lambda: [pl.price for pl in lines("buy")] == [float(price)], what="order line")
            assert lines("buy")[0].text == f"BUY {fmt_decimal(inst.min_size)} @ {fmt_decimal(price, inst.price_places)}"
            await session.client.cancel_futures_order(inst.product_type, inst.symbol, order_id=ack.order_id)
            await wait_until(lambda: not lines("buy"), what="order line removed")

            taker = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.MARKET, size=inst.min_size * 10,
                                       margin_mode="crossed", margin_coin="USDT")
            await session.client.place_order(taker)
            await wait_until(lambda: bool(lines("position")), timeout=10, what="position line")
            pos = next(p for p in session.position_list() if p.symbol == inst.symbol)
            assert lines("position")[0].price == float(pos.entry_price)
            if pos.liquidation_price:
                assert [pl.price for pl in lines("liquidation")] == [float(pos.liquidation_price)]
            await wait_until(lambda: len(panel.chart._fills.points()) >= 1, timeout=10, what="fill marker")
            # the same symbol's spot chart shows none of the perp's lines
            spot = session.instruments["SPOT:BTCUSDT"]
            other = ChartPanel(theme_mode="light", follow_session=False)
            qtbot.addWidget(other)
            other.bind_session(session)
            other.set_instrument(spot)
            assert other.chart.order_lines == [] and len(other.chart._fills.points()) == 0
            other.bind_session(None)

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_new_chart_dock_has_its_own_symbol_and_interval(qloop: Any, qtbot: Any, tmp_path: Path) -> None:

    async def main() -> None:
        async with simulator() as sim:
            win = window_for(qtbot, sim, tmp_path, credentials=None, size=(1500, 900))
            session = win.session
            await wait_signal(session.ready, timeout=15)
            main_chart = win.chart
            await wait_until(lambda: len(main_chart.chart.store) > 0, what="main chart")
            main_chart.new_chart_button.click()
            assert len(win.chart_docks) == 1
            dock = win.chart_docks[0]
            extra = dock.widget()
            assert isinstance(extra, ChartPanel) and extra.instrument == session.instrument
            extra.symbol_box.setCurrentIndex(extra.symbol_box.findData(KEY))
            extra.symbol_box.activated.emit(extra.symbol_box.currentIndex())
            extra.interval_box.setCurrentIndex(extra.interval_box.findData(Timeframe.M15))
            await wait_until(lambda: extra.feed is not None and extra.feed.symbol == SYMBOL
                             and str(extra.feed.product_type) == PT and extra.feed.timeframe is Timeframe.M15
                             and len(extra.chart.store) > 0, what="perp 15m chart")
            assert dock.windowTitle() == "Chart · BTCUSDT Perp"
            spot_intervals = [main_chart.interval_box.itemText(i) for i in range(main_chart.interval_box.count())]
            assert "2h" not in spot_intervals and len(spot_intervals) == 13  # spot has no 2h candles
            assert session.instrument is not None and str(session.instrument.product_type) == "SPOT"
            assert main_chart.feed is not None and main_chart.feed.timeframe is Timeframe.M1
            assert str(main_chart.feed.product_type) == "SPOT"
            assert extra.chart.store.interval_ms == 15 * M and main_chart.chart.store.interval_ms == M
            # the main chart follows the window's symbol; the extra chart keeps its own
            session.set_symbol("SPOT:ETHUSDT")
            await wait_until(lambda: main_chart.feed is not None and main_chart.feed.symbol == "ETHUSDT"
                             and len(main_chart.chart.store) > 0, what="main chart switched")
            assert extra.feed.symbol == SYMBOL
            # picking a symbol in the main chart's own box switches the window (and is remembered)
            main_chart.symbol_box.activated.emit(main_chart.symbol_box.findData("SPOT:SOLUSDT"))
            await wait_until(lambda: session.instrument is not None and session.instrument.symbol == "SOLUSDT"
                             and main_chart.feed is not None and main_chart.feed.symbol == "SOLUSDT", what="SOL")
            assert win.settings.last_symbols[0] == "SPOT:SOLUSDT"
            assert win.symbol_title.text().startswith("SOLUSDT") and extra.feed.symbol == SYMBOL
            feed_task = extra._feed_task
            assert feed_task is not None
            win.set_theme("dark")
            dock.close()
            await wait_until(lambda: feed_task.done() and not win.chart_docks, what="extra chart closed")

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_a_reopened_chart_appears_at_once_from_the_cache(qloop: Any, qtbot: Any, tmp_path: Path) -> None:
    from bitget_desktop.exchange.candle_cache import CandleCache

    clock = ManualClock(T0)

    async def main() -> None:
        with CandleCache(tmp_path / "candles.sqlite") as cache:
            async with simulator(clock=clock, tick_ms=50) as sim:
                clock.sim = sim
                panel, session = open_panel(qtbot, sim, Timeframe.M15, window=300)
                panel.cache = cache
                panel.set_timeframe(Timeframe.M5)  # opens a feed that writes to the cache
                await wait_until(lambda: panel.feed is not None and panel.feed.timeframe is Timeframe.M5
                                 and panel.feed.state.value == "idle" and len(panel.chart.store) >= 300,
                                 what="first open")
                first = panel.chart.store.ts.copy()
                panel.bind_session(None)
                # the exchange is slow now; a new chart of the same series shows the cached candles first
                sim.faults.latency_ms = 1500
                again = ChartPanel(theme_mode="dark", timeframe=Timeframe.M5, follow_session=False, cache=cache,
                                   feed_window=300)
                qtbot.addWidget(again)
                again.bind_session(session)
                again.set_instrument(session.instrument)
                await wait_until(lambda: len(again.chart.store) >= 300, timeout=1.0, what="cached candles")
                assert again.feed is not None and again.feed.cache_ms is not None
                assert again.feed.state.value == "loading"  # REST has not answered yet
                assert np.array_equal(again.chart.store.ts[-300:], first[-300:])
                sim.faults.latency_ms = 0
                await wait_until(lambda: again.feed.state.value == "idle", what="fresh window")
                again.bind_session(None)

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_gap_after_a_reconnect_is_filled_from_rest(qloop: Any, qtbot: Any) -> None:
    clock = ManualClock(T0)

    async def main() -> None:
        async with simulator(clock=clock, tick_ms=50) as sim:
            clock.sim = sim
            panel, session = open_panel(qtbot, sim, Timeframe.M1, window=200)
            chart = panel.chart
            await wait_until(lambda: len(chart.store) == 200 and panel.feed is not None
                             and panel.feed.state.value == "idle", timeout=15, what="history")
            await session.client.stream.wait_connected(False, timeout=10)
            await wait_until(lambda: session.health.streams.get("market") is not None
                             and session.health.streams["market"].state == "live", what="market stream")
            last = int(chart.store.last_ts)
            reconnects = session.client.stream.connection(False).connects
            assert sim.faults.drop_ws_now() >= 1
            clock.move(last + 7 * M + 5_000)  # seven minutes pass while the socket is down
            await wait_until(lambda: session.client.stream.connection(False).connects > reconnects, what="reconnect")
            now_bucket = clock.t - clock.t % M
            await wait_until(lambda: int(chart.store.last_ts) == now_bucket, timeout=10, what="gap filled")
            ts = chart.store.ts
            assert np.all(np.diff(ts) == M)  # contiguous: every missed minute came back from REST
            filled = sim_candles(sim, Timeframe.M1, last, now_bucket)
            got = chart.store.column(CLOSE)[len(ts) - 8: len(ts) - 1]
            assert np.array_equal(ts[-8:-1], filled[:, 0].astype(np.int64))
            assert np.allclose(got, filled[:, 4], rtol=0, atol=1e-9)

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_double_click_on_the_price_pane_fills_the_ticket(qloop: Any, qtbot: Any, tmp_path: Path) -> None:
    from PySide6.QtCore import QPoint, QPointF


    async def main() -> None:
        async with simulator() as sim:
            win = window_for(qtbot, sim, tmp_path, size=(1500, 900))
            session = win.session
            await wait_signal(session.ready, timeout=15)
            chart = win.chart.chart
            await wait_until(lambda: len(chart.store) > 50, what="candles")
            chart.flush()
            vb = chart.price_vb
            (x0, x1), (y0, y1) = vb.viewRange()
            target = QPointF((x0 + x1) / 2, y0 + (y1 - y0) * 0.4)
            scene_pt = vb.mapViewToScene(target)
            view_pt = chart.mapFromScene(scene_pt)
            at = QPoint(int(view_pt.x()), int(view_pt.y()))
            double_click(chart.viewport(), at)
            ticket = win.trading.current_ticket()
            got = Decimal(ticket.price.edit.text())
            inst = session.instrument
            want = vb.mapSceneToView(chart.mapToScene(at)).y()
            assert got == inst.snap_price(Decimal(repr(want)))
            assert abs(float(got) - target.y()) < (y1 - y0) * 0.01

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def double_click(widget: Any, at: Any) -> None:
    """What a real double-click delivers to a widget: press, release, double-click, release."""
    from PySide6.QtCore import QEvent, QPointF
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    local = QPointF(at)
    glob = QPointF(widget.mapToGlobal(at))
    for kind, buttons in ((QEvent.Type.MouseButtonPress, left), (QEvent.Type.MouseButtonRelease, none),
                          (QEvent.Type.MouseButtonDblClick, left), (QEvent.Type.MouseButtonRelease, none)):
        ev = QMouseEvent(kind, local, glob, left, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, ev)


def test_main_chart_view_is_remembered(qloop: Any, qtbot: Any, tmp_path: Path) -> None:
    from bitget_desktop.settings import SettingsStore
    from bitget_desktop.ui.main_window import MainWindow

    async def main() -> None:
        async with simulator() as sim:
            env = local(sim.rest_url)
            store = SettingsStore(tmp_path)

            def window() -> MainWindow:
                session = Session(BitgetClient(env), env, symbols=["SPOT:BTCUSDT"])
                OPEN_SESSIONS.append(session)
                win = MainWindow(session, settings=store.load(), settings_store=store)
                qtbot.addWidget(win)
                session.start()
                return win

            win = window()
            await wait_signal(win.session.ready, timeout=15)
            chart = win.chart
            chart.interval_box.setCurrentIndex(chart.interval_box.findData(Timeframe.M5))
            chart.overlay_actions[Overlay("ema", 50)].trigger()
            chart.lower_actions["macd"].trigger()
            saved = store.load().extra.get("chart")
            assert saved == {"interval": "5m", "overlays": [["ema", 50, 2.0]], "lower": "macd"}
            win.close()
            again = window()
            await wait_signal(again.session.ready, timeout=15)
            restored = again.chart
            await wait_until(lambda: restored.feed is not None and len(restored.chart.store) > 0, what="chart")
            assert restored.timeframe is Timeframe.M5 and restored.feed.timeframe is Timeframe.M5
            assert restored.interval_box.currentText() == "5m"
            assert restored.overlays == [Overlay("ema", 50)] and restored.lower_pane == "macd"
            assert sorted(t.name for t in restored.chart.indicators) == ["EMA 50", "MACD 12 26 9"]
            assert restored.overlay_actions[Overlay("ema", 50)].isChecked()
            assert restored.lower_actions["macd"].isChecked()

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_rapid_interval_and_symbol_switching_leaves_one_clean_feed(qloop: Any, qtbot: Any) -> None:
    async def main() -> None:
        async with simulator() as sim:
            panel, session = open_panel(qtbot, sim, Timeframe.M1, window=200)
            errors: list[Any] = []
            session.error_raised.connect(errors.append)
            await wait_signal(session.ready, timeout=15)
            await wait_until(lambda: len(panel.chart.store) > 0, what="first chart")
            for i in range(panel.interval_box.count()):
                panel.interval_box.setCurrentIndex(i)
                await asyncio.sleep(0.003 * (i % 3))
            for key in ("SPOT:ETHUSDT", KEY, "SPOT:BTCUSDT"):
                session.set_symbol(key)
                await asyncio.sleep(0.01)
            panel.set_timeframe(Timeframe.H4)
            await wait_until(lambda: panel.feed is not None and panel.feed.state.value == "idle"
                             and len(panel.chart.store) > 0, what="last feed")
            assert panel.feed.symbol == "BTCUSDT" and str(panel.feed.product_type) == "SPOT"
            assert panel.chart.store.interval_ms == 4 * 3_600_000
            assert np.all(panel.chart.store.ts % (4 * 3_600_000) == 0)
            assert np.array_equal(panel.chart.store.ts, np.asarray(panel.feed.series.ts))
            chart_tasks = [t for t in session.tasks if ":chart:" in t.get_name()]
            assert len(chart_tasks) == 1  # every replaced feed was closed
            assert errors == []

    qloop.run_until_complete(asyncio.wait_for(main(), 60))
