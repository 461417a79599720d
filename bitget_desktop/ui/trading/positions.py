"""Position actions the blotter and the perp ticket offer: Close (market or limit) and Reverse, through the
OrderDesk."""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractProxyModel, QObject, QPoint, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QMenu

from bitget_desktop.domain.errors import BitgetError, describe as describe_bitget_error
from bitget_desktop.domain.market import Instrument
from bitget_desktop.domain.trading import HoldSide, Position
from bitget_desktop.terminal.desk import NOT_SENT, REJECTED, OrderDesk
from bitget_desktop.terminal.tasks import TaskSet
from bitget_desktop.ui.trading.numbers import fmt, fmt_size

if TYPE_CHECKING:
    from bitget_desktop.ui.session import Session

log = logging.getLogger(__name__)

__all__ = ["PositionActions", "install_position_menu"]


class PositionActions(QObject):
    """Close / Reverse for position rows (blotter or ticket); results come back as text from Bitget's answers."""

    done = Signal(str)
    failed = Signal(str)

    def __init__(self, desk: OrderDesk | None, instrument_for: Callable[[Position], Instrument | None], *,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.instrument_for = instrument_for
        self._tasks = TaskSet("position-actions")

    @classmethod
    def for_session(cls, session: Session, parent: QObject | None = None) -> PositionActions:
        """Actions over a ui.session.Session: its desk and its instruments."""
        def lookup(pos: Position) -> Instrument | None:
            return session.instruments.get(f"{pos.product_type.value}:{pos.symbol}")

        return cls(session.desk, lookup, parent=parent)

    async def aclose(self) -> None:
        await self._tasks.aclose()

    def close(self, position: Position, price: Decimal | None = None) -> None:
        """Close the whole position (market, or limit at ``price``)."""
        self._tasks.spawn(self.close_async(position, price), f"close:{position.symbol}")

    def reverse(self, position: Position) -> None:
        self._tasks.spawn(self.reverse_async(position), f"reverse:{position.symbol}")

    async def close_async(self, position: Position, price: Decimal | None = None) -> bool:
        inst = self.instrument_for(position)
        desk = self.desk
        if inst is None or desk is None:
            self.failed.emit(f"No instrument for {position.symbol}" if inst is None else "Not connected.")
            return False
        what = f"Close {position.symbol} {position.hold_side.value}"
        try:
            action = await desk.close_position(inst, position, price=price)
        except (BitgetError, ValueError) as exc:
            self.failed.emit(f"{what}: {describe_bitget_error(exc)}")
            return False
        if action.state in (REJECTED, NOT_SENT):
            self.failed.emit(f"{what}: {describe_bitget_error(action.error)}")
            return False
        how = f"limit at {fmt(price, inst.price_places)}" if price is not None else "market"
        self.done.emit(f"{what} ({how}) acknowledged by Bitget: order {action.order_id}")
        return True

    async def reverse_async(self, position: Position) -> bool:
        inst = self.instrument_for(position)
        desk = self.desk
        if inst is None or desk is None:
            self.failed.emit(f"No instrument for {position.symbol}" if inst is None else "Not connected.")
            return False
        try:
            closed, opened = await desk.reverse_position(inst, position)
        except (BitgetError, ValueError) as exc:
            self.failed.emit(f"Reverse {position.symbol} {position.hold_side.value}: {describe_bitget_error(exc)}")
            return False
        other = "short" if position.hold_side is HoldSide.LONG else "long"
        self.done.emit(f"Reversed {position.symbol}: closed {fmt_size(closed.filled_size, inst.size_places)} "
                       f"{inst.base_coin} {position.hold_side.value} "
                       f"(order {closed.order_id}), opening {other} acknowledged (order {opened.order_id})")
        return True


def install_position_menu(view: QAbstractItemView, actions: Callable[[], PositionActions | None],
                          limit_price: Callable[[Position], Decimal | None] | None = None,
                          ) -> Callable[[QPoint], QMenu | None]:
    """Give a positions table (any QAbstractItemView over a model with `record(row)`, possibly behind a proxy) a
    context menu: Close at market, Close at limit (at ``limit_price(pos)`` when it gives one), Reverse.

    ``actions`` is called at click time so the view keeps working across session switches. Returns the menu builder
    (point in viewport coordinates -> QMenu or None) that the right-click uses before popping the menu up.
    """
    def record_at(point: QPoint) -> Position | None:
        index = view.indexAt(point)
        if not index.isValid():
            return None
        model = view.model()
        while isinstance(model, QAbstractProxyModel):
            index = model.mapToSource(index)
            model = model.sourceModel()
        rec = model.record(index.row()) if hasattr(model, "record") else None
        return rec if isinstance(rec, Position) else None

    def build_menu(point: QPoint) -> QMenu | None:
        pos, acts = record_at(point), actions()
        if pos is None or acts is None:
            return None
        menu = QMenu(view)
        menu.setObjectName("positionMenu")
        side = pos.hold_side.value
        menu.addAction(f"Close {side} at market", lambda: acts.close(pos))
        price = limit_price(pos) if limit_price is not None else None
        limit = menu.addAction(f"Close {side} at limit {fmt(price)}" if price else f"Close {side} at limit "
                               "(set a price in the ticket)", lambda: acts.close(pos, price))
        limit.setEnabled(price is not None)
        menu.addAction(f"Reverse to {'short' if pos.hold_side is HoldSide.LONG else 'long'}",
                       lambda: acts.reverse(pos))
        menu.aboutToHide.connect(menu.deleteLater)
        return menu

    def show_menu(point: QPoint) -> None:
        menu = build_menu(point)
        if menu is not None:
            menu.popup(view.viewport().mapToGlobal(point))

    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    view.customContextMenuRequested.connect(show_menu)
    return build_menu
