"""TradingPanel bound to a real Session over the simulator: symbol following, book clicks, pushes, the cancel-all
hotkey, and PositionActions driven from session positions (as the blotter would)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import QPoint, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QMenu, QTableView

from bitget_desktop.domain.trading import Intent, OrderType, Side
from bitget_desktop.exchange.environments import local
from bitget_desktop.settings import Settings
from bitget_desktop.ui.models import PositionsModel
from bitget_desktop.ui.session import Session
from bitget_desktop.ui.trading.panel import CANCEL_ALL_KEYS, TradingPanel

from .conftest import FUT, sim_order, sim_positions, wait_signal, wait_state, wait_until

D = Decimal


def test_panel_follows_session_and_trades(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        session = Session(client, local(sim.rest_url), symbols=["SPOT:BTCUSDT"])
        panel = TradingPanel(settings=Settings(fat_finger_pct="3"))
        qtbot.addWidget(panel)
        try:
            session.start()
            await wait_signal(session.ready, timeout=15)
            panel.bind(session)
            spot, perp = panel.spot, panel.perp
            assert spot.fat_finger_pct == D(3) and not spot.confirm and spot.desk is session.desk
            await wait_until(lambda: spot.quote_available is not None and perp.position_mode is not None,
                             what="tickets refreshed")
            assert perp.instrument is not None and perp.instrument.symbol == "BTCUSDT"
            assert perp.instrument.product_type is FUT and panel.currentIndex() == 0

            # a click on the book: a limit price in the visible ticket
            await wait_until(lambda: session.book is not None, what="book")
            bid = session.book.best_bid()[0]
            panel.set_price(bid - D("30"))
            assert spot.price.text() == f"{bid - D('30'):.2f}" and spot.kind.value() is OrderType.LIMIT
            spot.side.button(Side.BUY).click()
            spot.size_field.set_text("0.002")
            qtbot.mouseClick(spot.submit, Qt.MouseButton.LeftButton)
            oid, _ = await wait_signal(spot.ack_shown)
            await wait_state(spot, oid, ("live",))
            await wait_until(lambda: any(o.client_oid == oid for o in session.open_orders()), what="orders push")

            # the hotkey cancels it (the panel's window shortcut)
            panel.show()
            panel.activateWindow()
            await wait_until(lambda: panel.isActiveWindow(), what="active window")
            qtbot.keyClick(panel, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
            await wait_until(lambda: sim_order(sim, oid).status == "cancelled", what="cancelled by the hotkey")
            await wait_state(spot, oid, ("cancelled",))
            assert CANCEL_ALL_KEYS == "Ctrl+Shift+X"

            # the perp symbol, a position, and the blotter-style actions over session positions
            session.set_symbol("USDT-FUTURES:BTCUSDT")
            await wait_until(lambda: panel.currentIndex() == 1, what="perp tab")
            perp.kind.button(OrderType.MARKET).click()
            perp.size_field.set_text("0.01")
            qtbot.mouseClick(perp.intent_buttons[Intent.BUY], Qt.MouseButton.LeftButton)
            oid, _ = await wait_signal(perp.ack_shown)
            await wait_until(lambda: session.position_list(), what="positions push")
            pos = session.position_list()[0]
            assert panel.position_actions is not None
            assert await panel.position_actions.reverse_async(pos)
            assert sim_positions(sim) == {"short": D("0.01")}
            await wait_until(lambda: [str(p.hold_side) for p in session.position_list()] == ["short"], what="push")
            assert await panel.position_actions.close_async(session.position_list()[0])
            await wait_until(lambda: sim_positions(sim) == {}, what="flat")

            # the blotter's positions table with the context menu (sorted through a proxy, as in the main window)
            qtbot.mouseClick(perp.intent_buttons[Intent.SELL], Qt.MouseButton.LeftButton)
            await wait_signal(perp.ack_shown)
            await wait_until(lambda: len(session.position_list()) == 1, what="short pushed")
            model = PositionsModel()
            proxy = QSortFilterProxyModel()
            proxy.setSourceModel(model)
            view = QTableView()
            qtbot.addWidget(view)
            view.setModel(proxy)
            view.resize(600, 200)
            model.set_records(session.position_list())
            build_menu = panel.install_position_menu(view)
            menu = build_menu(view.visualRect(proxy.index(0, 0)).center())  # what a right-click pops up
            assert isinstance(menu, QMenu) and menu.objectName() == "positionMenu"
            assert build_menu(view.visualRect(proxy.index(0, 0)).center() + QPoint(0, 150)) is None  # no row
            labels = [a.text() for a in menu.actions()]
            assert labels[0] == "Close short at market" and labels[2] == "Reverse to long"
            assert not menu.actions()[1].isEnabled()  # no limit price in the ticket (it is a market ticket now)
            menu.actions()[2].trigger()
            await wait_until(lambda: sim_positions(sim) == {"long": D("0.01")}, what="reversed from the menu")
            menu.deleteLater()
        finally:
            panel.hide()
            panel.bind(None)
            await session.aclose()

    run(body(), timeout=40)
