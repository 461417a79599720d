"""Position actions the blotter and the perp ticket call: Close (market or limit) and Reverse, as exchange orders."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QObject, Signal

from bitget_desktop.domain.errors import BitgetError
from bitget_desktop.domain.market import Instrument
from bitget_desktop.domain.trading import (
    HoldSide,
    Intent,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    PositionMode,
    translate_intent,
)
from bitget_desktop.ui.trading.base import Spawn, TaskOwner, describe_bitget_error
from bitget_desktop.ui.trading.numbers import fmt, fmt_size

log = logging.getLogger(__name__)

__all__ = ["close_request", "open_request", "close_position", "reverse_position", "PositionActions",
           "install_position_menu"]


def _close_intent(pos: Position) -> Intent:
    long = pos.hold_side is HoldSide.LONG
    if pos.pos_mode is PositionMode.HEDGE:
        return Intent.CLOSE_LONG if long else Intent.CLOSE_SHORT
    return Intent.SELL_REDUCE if long else Intent.BUY_REDUCE


def close_request(inst: Instrument, pos: Position, *, price: Decimal | None = None,
                  size: Decimal | None = None) -> OrderRequest:
    """A reduce-only order closing ``size`` (default: all that is closable) of ``pos``; limit when ``price`` given.

    Hedge mode closes with tradeSide=close, one-way mode with reduceOnly=YES: neither can open the other side.
    """
    wire = translate_intent(_close_intent(pos), pos.pos_mode)
    qty = size if size is not None else (pos.available if pos.available > 0 else pos.size)
    return OrderRequest.build(
        inst, side=wire.side, order_type=OrderType.LIMIT if price is not None else OrderType.MARKET, size=qty,
        price=price, trade_side=wire.trade_side, reduce_only=wire.reduce_only, margin_mode=pos.margin_mode,
        position_mode=pos.pos_mode,
    )


def open_request(inst: Instrument, hold: HoldSide, size: Decimal, mode: PositionMode, margin_mode: Any,
                 *, last_price: Decimal | None = None) -> OrderRequest:
    """A market order opening (or adding to) ``hold`` in ``mode``."""
    if mode is PositionMode.HEDGE:
        intent = Intent.OPEN_LONG if hold is HoldSide.LONG else Intent.OPEN_SHORT
    else:
        intent = Intent.BUY if hold is HoldSide.LONG else Intent.SELL
    wire = translate_intent(intent, mode)
    return OrderRequest.build(inst, side=wire.side, order_type=OrderType.MARKET, size=size,
                              trade_side=wire.trade_side, reduce_only=wire.reduce_only, margin_mode=margin_mode,
                              position_mode=mode, last_price=last_price)


async def _await_final(client: Any, req: OrderRequest, timeout: float = 5.0) -> Any:
    """Poll the exchange until the order is no longer open (or the timeout); returns the last Order seen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    delay = 0.02
    order = None
    while True:
        try:
            order = await client.futures_order(req.product_type, req.symbol, client_oid=req.client_oid)
        except BitgetError as exc:
            log.info("lookup of %s failed: %s", req.client_oid, exc)
        if order is not None and not order.is_open:
            return order
        if loop.time() > deadline:
            return order
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.25)


async def close_position(client: Any, inst: Instrument, pos: Position, *, price: Decimal | None = None,
                         size: Decimal | None = None) -> Any:
    """Send the close order; returns Bitget's ack."""
    return await client.place_futures_order(close_request(inst, pos, price=price, size=size))


async def reverse_position(client: Any, inst: Instrument, pos: Position) -> tuple[Any, Any]:
    """Close ``pos`` at market, wait until the exchange reports that order done, then open the same size the other
    way at market. Returns (close order as reported, open ack). Raises BitgetError if either step is refused."""
    close = close_request(inst, pos, size=pos.size)
    await client.place_futures_order(close)
    done = await _await_final(client, close)
    if done is None or done.status is not OrderStatus.FILLED:
        state = done.status.value if done is not None else "unknown"
        raise BitgetError("", f"the close order {close.client_oid} is {state}, not filled",
                          "Reverse stopped before opening the other side.")
    other = HoldSide.SHORT if pos.hold_side is HoldSide.LONG else HoldSide.LONG
    opened = open_request(inst, other, done.filled_size, pos.pos_mode, pos.margin_mode,
                          last_price=done.avg_price)
    return done, await client.place_futures_order(opened)


class PositionActions(QObject):
    """Close / Reverse for position rows (blotter or ticket); results come back as text from Bitget's answers."""

    done = Signal(str)
    failed = Signal(str)

    def __init__(self, client: Any, instrument_for: Callable[[Position], Instrument | None], *,
                 spawn: Spawn | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.instrument_for = instrument_for
        self._owner = TaskOwner()
        self._spawn: Spawn = spawn or self._owner.spawn

    @classmethod
    def for_session(cls, session: Any, parent: QObject | None = None) -> PositionActions:
        """Actions over a ui.session.Session: its client, its instruments, its task ownership."""
        def lookup(pos: Position) -> Instrument | None:
            return session.instruments.get(f"{pos.product_type.value}:{pos.symbol}")

        return cls(session.client, lookup, spawn=session.spawn, parent=parent)

    async def aclose(self) -> None:
        await self._owner.aclose()

    def close(self, position: Position, price: Decimal | None = None) -> None:
        """Close the whole position (market, or limit at ``price``)."""
        self._spawn(self.close_async(position, price), f"close:{position.symbol}")

    def reverse(self, position: Position) -> None:
        self._spawn(self.reverse_async(position), f"reverse:{position.symbol}")

    async def close_async(self, position: Position, price: Decimal | None = None) -> bool:
        inst = self.instrument_for(position)
        if inst is None:
            self.failed.emit(f"No instrument for {position.symbol}")
            return False
        try:
            ack = await close_position(self.client, inst, position, price=price)
        except (BitgetError, ValueError) as exc:
            self.failed.emit(f"Close {position.symbol} {position.hold_side.value}: {describe_bitget_error(exc)}")
            return False
        how = f"limit at {fmt(price, inst.price_places)}" if price is not None else "market"
        self.done.emit(f"Close {position.symbol} {position.hold_side.value} ({how}) acknowledged by Bitget: "
                       f"order {ack.order_id}")
        return True

    async def reverse_async(self, position: Position) -> bool:
        inst = self.instrument_for(position)
        if inst is None:
            self.failed.emit(f"No instrument for {position.symbol}")
            return False
        try:
            closed, ack = await reverse_position(self.client, inst, position)
        except (BitgetError, ValueError) as exc:
            self.failed.emit(f"Reverse {position.symbol} {position.hold_side.value}: {describe_bitget_error(exc)}")
            return False
        other = "short" if position.hold_side is HoldSide.LONG else "long"
        self.done.emit(f"Reversed {position.symbol}: closed {fmt_size(closed.filled_size, inst.size_places)} "
                       f"{inst.base_coin} {position.hold_side.value} "
                       f"(order {closed.order_id}), opening {other} acknowledged (order {ack.order_id})")
        return True


def install_position_menu(view: Any, actions: Callable[[], PositionActions | None],
                          limit_price: Callable[[Position], Decimal | None] | None = None) -> Any:
    """Give a positions table (any QAbstractItemView over a model with `record(row)`, possibly behind a proxy) a
    context menu: Close at market, Close at limit (at ``limit_price(pos)`` when it gives one), Reverse.

    ``actions`` is called at click time so the view keeps working across session switches. Returns the menu builder
    (point in viewport coordinates -> QMenu or None) that the right-click uses before popping the menu up.
    """
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtWidgets import QMenu

    def record_at(point: QPoint) -> Position | None:
        index = view.indexAt(point)
        if not index.isValid():
            return None
        model = view.model()
        while hasattr(model, "mapToSource"):
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
