"""TradingPanel: the spot and perp tickets in one dock widget, bound to a Session, with the cancel-all hotkey."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QMenu, QScrollArea, QTabWidget, QWidget

from bitget_desktop.domain.market import Instrument, Ticker
from bitget_desktop.domain.trading import Position
from bitget_desktop.ui.trading.model import DEFAULT_FAT_FINGER_PCT, MarketState, quiet_amount
from bitget_desktop.ui.trading.perp_ticket import PerpTicket
from bitget_desktop.ui.trading.positions import PositionActions, install_position_menu
from bitget_desktop.ui.trading.spot_ticket import SpotTicket
from bitget_desktop.ui.trading.widgets import ticket_style

if TYPE_CHECKING:
    from bitget_desktop.settings import Settings
    from bitget_desktop.ui.session import Session

CANCEL_ALL_KEYS = "Ctrl+Shift+X"


def _scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(widget)
    return area


class TradingPanel(QTabWidget):
    """Spot and USDT-M perp tickets following the session's symbol; `set_price` routes book/chart clicks."""

    def __init__(self, session: Session | None = None, *, settings: Settings | None = None, theme_mode: str = "system",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tradingPanel")
        self.setDocumentMode(True)
        self.settings = settings
        self.session: Session | None = None
        self.position_actions: PositionActions | None = None
        self._connections: list[tuple[Any, Any]] = []
        self.spot = SpotTicket()
        self.perp = PerpTicket()
        self.addTab(_scrolled(self.spot), "Spot")
        self.addTab(_scrolled(self.perp), "USDT-M perp")
        self.cancel_all_shortcut = QShortcut(QKeySequence(CANCEL_ALL_KEYS), self)
        self.cancel_all_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.cancel_all_shortcut.activated.connect(self.cancel_all)
        self.apply_theme(theme_mode)
        if session is not None:
            self.bind(session)

    def apply_theme(self, mode: str) -> None:
        self.setStyleSheet(ticket_style(mode))

    @property
    def tickets(self) -> tuple[SpotTicket, PerpTicket]:
        return self.spot, self.perp

    def current_ticket(self) -> SpotTicket | PerpTicket:
        return self.perp if self.currentIndex() == 1 else self.spot

    # -- session ------------------------------------------------------------------------------------------------
    def bind(self, session: Session | None) -> None:
        """Trade through `session`'s OrderDesk and show its account state; None unbinds (order entry disabled)."""
        for sig, slot in self._connections:
            try:
                sig.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        self._connections = []
        self.session = session
        if session is None:
            for t in self.tickets:
                t.set_desk(None)
            return
        live = bool(getattr(session.environment, "is_live", False))
        s = self.settings
        confirm = (s.confirm_orders_live if live else s.confirm_orders_simulator) if s is not None else live
        try:
            fat = Decimal(str(s.fat_finger_pct)) if s is not None else DEFAULT_FAT_FINGER_PCT
        except (InvalidOperation, ValueError):
            fat = DEFAULT_FAT_FINGER_PCT
        for t in self.tickets:
            t.confirm, t.live, t.fat_finger_pct = confirm, live, fat
            t.set_desk(session.desk)
        self.position_actions = PositionActions.for_session(session, self)
        for sig, slot in (
            (session.symbol_changed, self._on_symbol),
            (session.tickers_changed, self._on_tickers),
            (session.book_changed, self._on_book),
            (session.balances_changed, self._on_balances),
            (session.positions_changed, self._on_positions),
            (session.modes_changed, self._on_positions),
            (session.status_changed, self._on_status),
        ):
            sig.connect(slot)
            self._connections.append((sig, slot))
        if session.instrument is not None:
            self._on_symbol(session.instrument)

    def _counterpart(self, inst: Instrument) -> Instrument | None:
        """The same coin on the other market (BTCUSDT spot <-> BTCUSDT perp), if listed."""
        s = self.session
        if s is None:
            return None
        if inst.product_type.is_futures:
            return s.instruments.get(f"SPOT:{inst.symbol}")
        return s.instruments.get(f"{s.futures_type.value}:{inst.symbol}")

    def _on_symbol(self, inst: Instrument) -> None:
        """The market on screen changed: the ticket of its type takes it and comes to the front; the other ticket
        takes the same coin's other market (labelled as such)."""
        other = self._counterpart(inst)
        spot, perp = (other, inst) if inst.product_type.is_futures else (inst, other)
        if spot is not None:
            self.spot.set_instrument(spot)
            self.spot.spawn(self.spot.refresh(), "spot-refresh")
        if perp is not None:
            self.perp.set_instrument(perp)
            self.perp.show_state()
            self.perp.spawn(self.perp.refresh(), "perp-refresh")
        self.setCurrentIndex(1 if inst.product_type.is_futures else 0)

    def _on_status(self, status: str) -> None:
        for t in self.tickets:
            t.update_blocked()
        if self.session is not None and self.session.status == "ready" and self.session.instrument is not None:
            self._on_symbol(self.session.instrument)

    def _on_tickers(self, tickers: list[Ticker]) -> None:
        for t in tickers:
            self.spot.set_ticker(t)
            self.perp.set_ticker(t)

    def _on_book(self) -> None:
        if self.session is None:
            return
        book, inst = self.session.book, self.session.instrument
        if book is None or inst is None:
            return
        bid, ask = book.best_bid(), book.best_ask()
        ticket = self.perp if inst.product_type.is_futures else self.spot
        if ticket.instrument is not None and ticket.instrument.symbol == inst.symbol:
            m = ticket.market
            ticket.market = MarketState(last=m.last, bid=bid[0] if bid else None, ask=ask[0] if ask else None,
                                        mark=m.mark)

    def _on_balances(self) -> None:
        if self.session is not None:
            self.spot.set_balances(self.session.state.balances.values())
        self.perp.show_state()

    def _on_positions(self) -> None:
        self.perp.show_state()

    # -- actions ------------------------------------------------------------------------------------------------
    @Slot(object)
    def set_price(self, price: Decimal) -> None:
        """A price clicked on the book or the chart goes to the ticket on show."""
        self.current_ticket().set_price(price)

    def limit_price_for(self, pos: Position) -> Decimal | None:
        """The perp ticket's limit price, for closing ``pos`` at limit from the blotter (None unless valid)."""
        inst = self.perp.instrument
        price = quiet_amount(self.perp.price.text())
        if inst is None or price is None or inst.symbol != pos.symbol or not inst.price_on_tick(price):
            return None
        return price

    def install_position_menu(self, view: QAbstractItemView) -> Callable[[QPoint], QMenu | None]:
        """Close / Close limit / Reverse as a context menu on a positions table (the blotter's)."""
        return install_position_menu(view, lambda: self.position_actions, self.limit_price_for)

    def cancel_all(self) -> None:
        """The hotkey: cancel every open order of both tickets' symbols."""
        for t in self.tickets:
            if t.instrument is not None and t.blocked_reason() is None:
                t.request_cancel_all()
