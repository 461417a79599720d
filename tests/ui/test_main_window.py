"""MainWindow over a simulator session: populated docks, symbol search, badges, errors, theme, shortcuts, layout."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import ui_support
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from ui_support import expect_signal, simulator, wait_signal, wait_until

from bitget_desktop.domain.errors import error_from
from bitget_desktop.exchange.environments import DEMO, LIVE
from bitget_desktop.settings import Settings, SettingsStore
from bitget_desktop.ui import theme
from bitget_desktop.ui.main_window import MainWindow
from bitget_desktop.ui.widgets import EnvironmentBadge, describe_error


def window_for(qtbot: Any, sim: Any, tmp: Path, settings: Settings | None = None) -> MainWindow:
    return ui_support.window_for(qtbot, sim, tmp, settings, layout_path=str(tmp / "layout.ini"))


def test_window_is_populated_with_live_data(qloop: Any, qtbot: Any, tmp_path: Path) -> None:
    async def main() -> None:
        async with simulator() as sim:
            win = window_for(qtbot, sim, tmp_path)
            await wait_signal(win.session.ready, timeout=15)
            await wait_until(lambda: win.book_model.level(win.book_model.depth) is not None, what="book rows")
            await wait_until(lambda: win.trades_model.rowCount() > 0, timeout=15, what="trades")
            await wait_until(lambda: win.balances_model.rowCount() > 0, what="balances")
            assert win.symbols_model.rowCount() == len(win.session.instruments)
            assert win.symbol_title.text().startswith("BTCUSDT")
            assert win.last_price.text()
            assert win.badge.text() == "SIMULATOR" and win.status_badge.text() == "SIMULATOR"
            assert "market live" in win.status_panel.streams.text()
            assert win.status_panel.clock.text().startswith("clock ")
            assert win.spread_label.text().startswith("spread ")
            assert win.add_key_button.isVisible()
            # search across spot and perpetuals, Enter picks the first match
            win.picker.search.setText("btc")
            assert win.picker.proxy.rowCount() == 2
            changed = expect_signal(win.session.symbol_changed)
            win.picker.view.setCurrentIndex(win.picker.proxy.index(
                next(r for r in range(2) if win.picker.proxy.index(r, 1).data() == "Perp"), 0))
            qtbot.keyClick(win.picker.search, Qt.Key.Key_Return)
            (inst,) = await asyncio.wait_for(changed, 5)
            assert str(inst.product_type) == "USDT-FUTURES"
            assert "perpetual" in win.symbol_title.text()
            assert win.settings is not None and win.settings.last_symbols[0] == "USDT-FUTURES:BTCUSDT"
            await wait_until(lambda: win.book_model.level(win.book_model.depth) is not None, what="perp book")

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_errors_show_code_message_and_hint(qloop: Any, qtbot: Any, tmp_path: Path) -> None:
    async def main() -> None:
        async with simulator() as sim:
            win = window_for(qtbot, sim, tmp_path)
            await wait_signal(win.session.ready, timeout=15)
            win.session.error_raised.emit(error_from("43012", "Insufficient balance", 400))
            text = win.error_bar.text
            assert win.error_bar.isVisible()
            assert "43012" in text and "Insufficient balance" in text and "Not enough" in text
            assert "Traceback" not in text
            qtbot.keyClick(win, Qt.Key.Key_Escape)
            assert not win.error_bar.isVisible()

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_badges_mark_live_and_demo() -> None:
    live, demo, sim = EnvironmentBadge("live"), EnvironmentBadge("demo"), EnvironmentBadge("local")
    assert live.text() == "LIVE" and "#c62828" in live.styleSheet()
    assert demo.text() == "DEMO" and sim.text() == "SIMULATOR"
    assert "#c62828" not in demo.styleSheet() and "#c62828" not in sim.styleSheet()
    live.set_kind("live", "Main")
    assert live.text() == "LIVE · Main"
    assert LIVE.is_live and DEMO.is_demo
    assert describe_error(error_from("40012", "apikey/password is incorrect")).startswith("Bitget error 40012")


def test_theme_shortcuts_and_layout_restore(qloop: Any, qtbot: Any, tmp_path: Path) -> None:
    async def main() -> None:
        async with simulator() as sim:
            win = window_for(qtbot, sim, tmp_path)
            await wait_signal(win.session.ready, timeout=15)
            assert win.theme_mode == "system"
            win.set_theme("dark")
            window_colour = win.palette().color(QPalette.ColorRole.Window).name()
            assert window_colour == theme.DARK.window
            assert SettingsStore(tmp_path).load().theme == "dark"
            win.set_theme("light")
            assert win.palette().color(QPalette.ColorRole.Window).name() == theme.LIGHT.window
            qtbot.keyClick(win, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
            assert win.blotter.currentIndex() == 4
            qtbot.keyClick(win, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
            assert win.picker.search.hasFocus() or win.focusWidget() is win.picker.search
            win.trades_dock.hide()
            win.close()
            assert (tmp_path / "layout.ini").exists()
            win2 = window_for(qtbot, sim, tmp_path)
            assert win2.blotter.currentIndex() == 4
            assert not win2.trades_dock.isVisible()
            win2.close()

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_chart_shows_history_and_pages_older_candles(qloop: Any, qtbot: Any, tmp_path: Path) -> None:
    async def main() -> None:
        async with simulator() as sim:
            win = window_for(qtbot, sim, tmp_path)
            await wait_signal(win.session.ready, timeout=15)
            chart = win.chart.chart
            await wait_until(lambda: len(chart.store) > 100, timeout=15, what="history")
            before = len(chart.store)
            first = int(chart.store.candle(0)[0])
            chart.needs_older.emit(first)
            await wait_until(lambda: len(chart.store) > before, timeout=10, what="older page")
            assert int(chart.store.candle(0)[0]) < first

    qloop.run_until_complete(asyncio.wait_for(main(), 60))
