"""Offscreen grabs of a chart panel with overlays (SMA, Bollinger, RSI pane), open-order, position and liquidation
lines and fill markers, in dark and light.

Set BITGET_DESKTOP_SCREENSHOTS=docs/screenshots to refresh the committed PNGs; otherwise they go to tmp.
"""

from __future__ import annotations

import asyncio
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtGui import QImage
from ui_support import GOOD, OPEN_SESSIONS, simulator, wait_signal, wait_until

from bitget_desktop.domain.market import Timeframe
from bitget_desktop.domain.trading import OrderRequest, OrderType, Side
from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.environments import local
from bitget_desktop.exchange.signing import Credentials
from bitget_desktop.ui import theme
from bitget_desktop.ui.chart_panel import ChartPanel, Overlay
from bitget_desktop.ui.session import Session


def qtbot_app() -> Any:
    from PySide6.QtWidgets import QApplication

    return QApplication.instance()


def distinct_colours(image: QImage) -> int:
    step = max(1, image.width() // 200)
    return len({image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)})


def test_chart_overlay_screenshots(qloop: Any, qtbot: Any, tmp_path: Path) -> None:
    target = os.environ.get("BITGET_DESKTOP_SCREENSHOTS")
    out = Path(target) if target else tmp_path
    out.mkdir(parents=True, exist_ok=True)

    async def main() -> None:
        async with simulator() as sim:
            env = local(sim.rest_url)
            session = Session(BitgetClient(env, Credentials(*GOOD)), env, symbols=["USDT-FUTURES:BTCUSDT"])
            OPEN_SESSIONS.append(session)
            panel = ChartPanel(theme_mode="dark", timeframe=Timeframe.M5)
            qtbot.addWidget(panel)
            panel.resize(1100, 680)
            panel.show()
            panel.bind_session(session)
            session.start()
            await wait_signal(session.ready, timeout=15)
            await wait_until(lambda: session.health.streams.get("account") is not None
                             and session.health.streams["account"].state == "live", what="account stream")
            await wait_until(lambda: len(panel.chart.store) > 200, what="candles")
            inst = session.instrument
            c = session.client
            await c.set_leverage(inst.product_type, inst.symbol, "USDT", 100)
            await c.place_order(OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.MARKET,
                                                   size=inst.min_size * 20, margin_mode="isolated",
                                                   margin_coin="USDT"))
            bid, ask = session.book.best_bid()[0], session.book.best_ask()[0]
            for side, price in ((Side.BUY, bid * Decimal("0.997")), (Side.SELL, ask * Decimal("1.003"))):
                await c.place_order(OrderRequest.build(inst, side=side, order_type=OrderType.LIMIT,
                                                       size=inst.min_size * 5, price=inst.snap_price(price),
                                                       margin_mode="crossed", margin_coin="USDT"))
            await wait_until(lambda: {pl.kind for pl in panel.chart.order_lines}
                             >= {"buy", "sell", "position", "liquidation"},
                             timeout=10, what="lines")
            await wait_until(lambda: len(panel.chart._fills.points()) >= 1, what="fill marker")
            panel.set_overlays([Overlay("sma", 50), Overlay("bollinger", 20)])
            panel.set_lower("rsi")
            for mode in ("dark", "light"):
                theme.apply(qtbot_app(), mode)
                panel.set_theme_mode(mode)
                panel.chart.set_crosshair(panel.chart.store.ts[-30] / 1000, panel.chart.last_price)
                panel.chart.flush()
                await asyncio.sleep(0.05)
                image = panel.grab().toImage()
                path = out / f"chart-overlays-{mode}.png"
                assert image.save(str(path)), path
                assert distinct_colours(image) > 20, f"{path.name} looks blank"
            theme.apply(qtbot_app(), "light")

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_two_charts_screenshot(qloop: Any, qtbot: Any, tmp_path: Path) -> None:
    """The window with a second chart (the perpetual, 15m, EMA 50 + MACD) beside the spot chart."""
    from bitget_desktop.settings import SettingsStore
    from bitget_desktop.ui.main_window import MainWindow

    target = os.environ.get("BITGET_DESKTOP_SCREENSHOTS")
    out = Path(target) if target else tmp_path
    out.mkdir(parents=True, exist_ok=True)

    async def main() -> None:
        async with simulator() as sim:
            env = local(sim.rest_url)
            session = Session(BitgetClient(env, Credentials(*GOOD)), env, symbols=["SPOT:BTCUSDT"])
            OPEN_SESSIONS.append(session)
            store = SettingsStore(tmp_path)
            win = MainWindow(session, settings=store.load(), settings_store=store, theme_mode="dark")
            qtbot.addWidget(win)
            win.resize(1700, 940)
            win.show()
            win.set_theme("dark")
            session.start()
            await wait_signal(session.ready, timeout=15)
            dock = win.open_chart_dock()
            assert dock is not None
            extra = dock.widget()
            assert isinstance(extra, ChartPanel)
            extra.set_instrument(session.instruments["USDT-FUTURES:BTCUSDT"])
            extra.set_timeframe(Timeframe.M15)
            extra.set_overlays([Overlay("ema", 50)])
            extra.set_lower("macd")
            win.chart.set_overlays([Overlay("sma", 20)])
            await wait_until(lambda: len(extra.chart.store) > 100 and len(win.chart.chart.store) > 100
                             and win.trades_model.rowCount() > 5, timeout=15, what="both charts")
            await wait_signal(session.book_changed)
            win.chart.chart.flush()
            extra.chart.flush()
            image = win.grab().toImage()
            path = out / "main-window-two-charts-dark.png"
            assert image.save(str(path)), path
            assert distinct_colours(image) > 20
            win.set_theme("light")

    qloop.run_until_complete(asyncio.wait_for(main(), 60))
