"""What both tickets share: the OrderDesk they trade through, sending with an optional confirmation, the market
label and the order status line.

The status line only ever shows what the desk knows from Bitget about the order's clientOid: sending, acknowledged
(with the order id), rejected (with Bitget's code, message and hint), unknown (no answer, being looked up), and then
the order's state as reported by the exchange (live, partially filled, filled, cancelled). It belongs to one account:
a new desk (account switch) clears it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine, Iterable, Mapping
from decimal import Decimal
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from bitget_desktop.domain.errors import describe as describe_bitget_error
from bitget_desktop.domain.market import Instrument
from bitget_desktop.domain.trading import Order, OrderRequest, OrderStatus, OrderType, TimeInForce
from bitget_desktop.terminal.desk import (
    ACKNOWLEDGED,
    CANCEL_ACK,
    CANCEL_REFUSED,
    NOT_PLACED,
    NOT_SENT,
    REJECTED,
    SENDING,
    UNKNOWN,
    Action,
    OrderDesk,
)
from bitget_desktop.terminal.tasks import TaskSet
from bitget_desktop.ui.trading.confirm import ConfirmDialog
from bitget_desktop.ui.trading.model import (
    DEFAULT_FAT_FINGER_PCT,
    MarketState,
    TicketResult,
    favour_price,
    quiet_amount,
    snap_field,
)
from bitget_desktop.ui.trading.numbers import coin_places, fmt, fmt_size
from bitget_desktop.ui.trading.widgets import AmountField, Segmented, reserve_lines

log = logging.getLogger(__name__)

# How the status line names a field when it lists why a click sent nothing.
FIELD_NAMES = {"price": "price", "size": "size", "total": "total", "take_profit": "take profit",
               "stop_loss": "stop loss", "force": "time in force", "leverage": "leverage"}


def market_title(inst: Instrument) -> str:
    """'BTCUSDT · Spot' / 'BTCUSDT · USDT-M perpetual': what a ticket trades, in words."""
    pt = inst.product_type
    if not pt.is_futures:
        return f"{inst.symbol} · Spot"
    line = {"USDT": "USDT-M", "USDC": "USDC-M"}.get((inst.margin_coin or inst.quote_coin).upper(), "Coin-M")
    demo = " (demo)" if pt.value.startswith("S") else ""
    return f"{inst.symbol} · {line} perpetual{demo}"


class TicketBase(QWidget):
    """Client, market snapshot, confirmation, sending and the status line; subclasses build the fields."""

    order_state = Signal(str, str, str)  # client_oid, state, text shown
    ack_shown = Signal(str, str)  # client_oid, order_id: the acknowledgement is on screen
    busy_changed = Signal(bool)

    # Built by each subclass, used by the shared code below.
    kind: Segmented[OrderType]
    price: AmountField
    _touched: set[str]

    def __init__(self, desk: OrderDesk | None = None, *, confirm: bool = False, live: bool = False,
                 fat_finger_pct: Decimal | None = DEFAULT_FAT_FINGER_PCT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk: OrderDesk | None = None
        self._tasks = TaskSet("ticket")
        self.confirm = confirm
        self.live = live
        self.fat_finger_pct = fat_finger_pct
        self.instrument: Instrument | None = None
        self.market = MarketState()
        self.last_oid: str | None = None
        self.last_order: Order | None = None
        self.last_request: OrderRequest | None = None
        self.timings: dict[str, float] = {}  # perf_counter marks of the last send (benchmark)
        self._states: dict[str, str] = {}
        self._initial_desk = desk  # taken by set_desk once the subclass has built its widgets
        self._refused = False  # a click was refused: its reasons stay shown until the input changes
        self._revalidate_on_show = False

    # -- plumbing -------------------------------------------------------------------------------------------------
    def set_desk(self, desk: OrderDesk | None) -> None:
        """Trade through `desk` (None: not connected). The status line of the previous desk's account is cleared."""
        if self.desk is not None:
            self.desk.unlisten(self._on_action)
        self.desk = desk
        if desk is not None:
            desk.listen(self._on_action)
        self.last_oid, self.last_order, self.last_request = None, None, None
        self._states.clear()
        if shiboken6.isValid(self) and hasattr(self, "status_label"):
            self.market = MarketState()
            self._forget_account()
            self._show("", "", "")
            self.update_blocked()

    def _take_market(self, market: MarketState) -> None:
        """New prices for this ticket's market. A ticket hidden behind the other tab of a shown window re-checks its
        fields when it is shown, not on every ticker (most of the panel's work at rest)."""
        if market == self.market:
            return
        self.market = market
        if self.isVisible() or not self.window().isVisible():
            self.revalidate()
        else:
            self._revalidate_on_show = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._revalidate_on_show:
            self._revalidate_on_show = False
            self.revalidate()

    def _forget_account(self) -> None:
        """Drop every figure of the previous account (balances, positions, modes); subclasses clear their own."""

    def blocked_reason(self) -> str | None:
        """Why an order cannot be sent at all right now (not connected, connecting...); None when it can."""
        if self.desk is None:
            return "Not connected."
        return self.desk.blocked

    def update_blocked(self) -> None:
        """Order entry follows the desk: disabled with the reason shown while it refuses orders."""
        reason = self.blocked_reason()
        if reason is not None and self._states.get("") in (None, "", "blocked"):
            self._show("", "blocked", reason)
        elif reason is None and self._states.get("") == "blocked":
            self._show("", "", "")
        self.revalidate()

    def revalidate(self, *, show_all: bool = False) -> TicketResult | None:
        """Re-check the fields and show their errors (all of them with `show_all`); subclasses implement it."""
        return None

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task[Any] | None:
        return self._tasks.spawn(coro, name)

    async def aclose(self) -> None:
        """Cancel the tasks this ticket started (the desk's own follow-ups belong to the account connection)."""
        await self._tasks.aclose()

    def _add_market_label(self, lay: QVBoxLayout) -> None:
        """A heading naming the market this ticket trades."""
        self.market_label = QLabel("No market selected", self)
        self.market_label.setObjectName("ticketMarket")
        font = self.market_label.font()
        font.setBold(True)
        self.market_label.setFont(font)
        lay.addWidget(self.market_label)

    def _show_market(self, inst: Instrument) -> None:
        if hasattr(self, "market_label"):
            self.market_label.setText(market_title(inst))

    @Slot(object)
    def set_price(self, price: Decimal) -> None:
        """A price clicked on the book or the chart: a limit order at that price (on the tick, in the trader's
        favour for the side on show)."""
        inst = self.instrument
        if inst is None or price is None:
            return
        self.input_changed()
        if self.kind.value() is not OrderType.LIMIT:
            self.kind.set_value(OrderType.LIMIT)
            self._on_kind()
        self.price.set_text(snap_field(inst, "price", fmt(Decimal(price)), buying=self._buying()))
        self._touched.add("price")
        self._price_set()
        self.revalidate()

    def _buying(self, intent: Any = None) -> bool:
        """Whether the order on show (or of ``intent``) buys: an off-tick price snaps down for a buy, up for a sell."""
        raise NotImplementedError

    # -- refusing a click, and keeping its reason until the input changes --------------------------------------
    def input_changed(self) -> None:
        """The trader changed something: a refused click's reasons give way to live validation again."""
        if self._refused:
            self._refused = False
            if self.status_label.property("state") == "refused":
                self._show("", "", "")

    def _refuse(self, result: TicketResult | None, reason: str = "") -> None:
        """A click that sends nothing: every reason next to its field, and 'Not sent: …' on the status line."""
        self._refused = True
        result = self.revalidate(show_all=True)
        errors = result.errors if result is not None else {}
        reasons = reason or "; ".join(dict.fromkeys(
            f"{FIELD_NAMES[k]}: {v}" if k in FIELD_NAMES else v for k, v in errors.items()))
        self._show("", "refused", f"Not sent: {reasons or 'the ticket is not ready'}")

    def _snap_on_click(self, buying: bool) -> bool:
        """An off-tick price at the click: snapped in the trader's favour and shown; the click sends nothing."""
        inst = self.instrument
        if inst is None or not self.price.edit.isEnabled():
            return False
        value = quiet_amount(self.price.text())
        if value is None or inst.price_on_tick(value):
            return False
        snapped = favour_price(inst, value, buying)
        if snapped <= 0:
            return False
        self.price.set_text(fmt(snapped, inst.price_places))
        self._price_set()
        self._refuse(None, f"the price {fmt(value)} is off the {fmt(inst.tick_size)} tick; it is now "
                           f"{fmt(snapped, inst.price_places)} ({'down' if buying else 'up'}, in your favour). "
                           "Check it and click again.")
        return True

    async def _submit(self, result: TicketResult, preview: str, title: str) -> bool:
        """Send a valid order; one the fat-finger guard flags goes only after the trader says so explicitly."""
        assert result.request is not None
        if result.warning:
            text = f"{result.warning}\n\n{self._confirm_text(result.request, preview)}"
            dialog = ConfirmDialog("Price far from the market", text, live=self.live,
                                   send_text="Send anyway", parent=self)
            dialog.setObjectName("fatFingerConfirm")
            if not await dialog.ask():
                self._show("", "not-sent", f"Not sent: {result.warning}")
                return False
            return await self.send(result.request, preview, title=title, confirmed=True)
        return await self.send(result.request, preview, title=title)

    def _reset_status(self) -> None:
        """Another market: the status line and the Cancel button belonged to the last one's order."""
        self.last_oid = self.last_request = self.last_order = None
        self._refused = False
        self._show("", "", "")

    def _on_kind(self) -> None:
        """The order type changed: the subclass enables and labels its fields for it."""
        raise NotImplementedError

    def _price_set(self) -> None:
        """The price was set from outside (before revalidation); the spot ticket relinks size and total."""

    # -- building blocks both tickets lay out the same way ------------------------------------------------------
    def _field_grid(self, rows: Iterable[tuple[QLabel, QWidget]]) -> QGridLayout:
        """Each label right-aligned beside its field; the fields take the width."""
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(3)
        for row, (label, fld) in enumerate(rows):
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            label.setContentsMargins(0, 4, 0, 0)
            grid.addWidget(label, row, 0)
            grid.addWidget(fld, row, 1)
        grid.setColumnStretch(1, 1)
        return grid

    def _pct_slider_row(self, tooltip: str, single_step: int = 1) -> QHBoxLayout:
        """`self.slider` (share of what is available, 0-100 %) and its `self.pct_label`, side by side."""
        row = QHBoxLayout()
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("pctSlider")
        self.slider.setRange(0, 100)
        self.slider.setSingleStep(single_step)
        self.slider.setPageStep(25)
        self.slider.setTickInterval(25)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setToolTip(tooltip)
        self.pct_label = QLabel("0%", self)
        self.pct_label.setObjectName("muted")
        self.pct_label.setMinimumWidth(36)
        row.addWidget(self.slider, 1)
        row.addWidget(self.pct_label)
        return row

    def _clear_slider(self) -> None:
        """A typed amount no longer is a share of the balance: the slider goes to 0 without refilling the size."""
        self.slider.blockSignals(True)
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.pct_label.setText("—")

    def _add_preview(self, lay: QVBoxLayout) -> None:
        """`self.preview` (what the order would be) and `self.form_error` (why it cannot be sent yet)."""
        self.preview = QLabel("", self)
        self.preview.setObjectName("preview")
        reserve_lines(self.preview, self.preview_lines)
        lay.addWidget(self.preview)
        self.form_error = QLabel("", self)
        self.form_error.setObjectName("fieldError")
        reserve_lines(self.form_error, 2)
        self.form_error.hide()
        lay.addWidget(self.form_error)

    preview_lines = 4  # the preview keeps this height whatever it says, so the buttons below never move

    def _add_cancel_all(self, lay: QVBoxLayout) -> None:
        self.cancel_all_button = QPushButton("Cancel all orders", self)
        self.cancel_all_button.setObjectName("cancelAll")
        self.cancel_all_button.setToolTip("Cancel every open order of this symbol (Ctrl+Shift+X)")
        lay.addWidget(self.cancel_all_button)
        self.cancel_all_button.clicked.connect(self.request_cancel_all)

    @staticmethod
    def _allow_post_only(tif: QComboBox, allowed: bool) -> None:
        """Time in force is a limit order's: for a market order the box is disabled and back on GTC."""
        if not allowed and tif.currentData() != TimeInForce.GTC:  # item data comes back as the plain str
            tif.setCurrentIndex(tif.findData(TimeInForce.GTC.value))
        tif.setEnabled(allowed)
        tif.setToolTip("" if allowed else "A market order fills at once: time in force applies to limit orders")

    @staticmethod
    def _show_field_errors(fields: Mapping[str, Any], errors: Mapping[str, str], touched: set[str],
                           show_all: bool) -> None:
        """A field shows its error once the user typed in it and left text there (all of them on a refused submit)."""
        for name, fld in fields.items():
            shown = show_all or (name in touched and bool(fld.text().strip()))
            fld.set_error(errors.get(name) if shown else None)

    def _status_row(self) -> QWidget:
        row = QWidget(self)
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        self.status_label = QLabel("", row)
        self.status_label.setObjectName("orderStatus")
        reserve_lines(self.status_label, 3)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.status_label, 1)
        self.cancel_button = QPushButton("Cancel", row)
        self.cancel_button.setObjectName("cancelLast")
        self.cancel_button.setToolTip("Cancel this order on the exchange")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self._on_cancel_last)
        lay.addWidget(self.cancel_button)
        return row

    def _show(self, oid: str, state: str, text: str) -> None:
        if not shiboken6.isValid(self) or not shiboken6.isValid(self.status_label):
            return  # the ticket was closed while a task still ran
        self._states[oid] = state
        if oid == self.last_oid or oid == "":
            self.status_label.setText(text)
            self.status_label.setProperty("state", state)
            self.status_label.style().unpolish(self.status_label)
            self.status_label.style().polish(self.status_label)
            self.cancel_button.setVisible(state in ("acknowledged", "live", "partially_filled"))
        self.order_state.emit(oid, state, text)

    def state_of(self, oid: str) -> str | None:
        return self._states.get(oid)

    # -- sending ----------------------------------------------------------------------------------------------
    def _confirm_text(self, req: OrderRequest, preview: str) -> str:
        return f"{preview}\n\nclientOid {req.client_oid}"

    async def send(self, req: OrderRequest, preview: str, *, title: str = "Confirm order",
                   confirmed: bool = False) -> bool:
        """Confirm (if asked to), place through the desk; the status line follows the desk's action."""
        t_start = self.timings.get("click", time.perf_counter())
        desk = self.desk
        reason = self.blocked_reason()
        if desk is None or reason is not None:
            self._show("", "not-sent", f"Not sent: {reason or 'not connected.'}")
            return False
        if self.confirm and not confirmed:  # `confirmed`: the trader already confirmed (the fat-finger dialog)
            dialog = ConfirmDialog(title, self._confirm_text(req, preview), live=self.live, parent=self)
            if not await dialog.ask():
                self._show("", "not-sent", "Not sent: cancelled in the confirmation.")
                return False
            if self.desk is not desk or not shiboken6.isValid(self):
                return False  # the account changed while the dialog was open: nothing is sent
        self.last_oid, self.last_request, self.last_order = req.client_oid, req, None
        self._states[req.client_oid] = SENDING
        self.busy_changed.emit(True)
        self.timings = {"click": t_start, "sent": time.perf_counter()}
        try:
            action = await desk.place(req)
        finally:
            if shiboken6.isValid(self):
                self.busy_changed.emit(False)
        self.timings["answer"] = time.perf_counter()
        if action.state == ACKNOWLEDGED or action.state in _ORDER_STATES:
            self.timings["shown"] = time.perf_counter()
            return True
        return False

    def _on_action(self, action: Action) -> None:
        """The desk's news of an action: shown when it is this ticket's."""
        if action.kind == "cancel-all":
            inst = self.instrument
            if inst is not None and action.symbol == inst.symbol and action.product_type is inst.product_type:
                self._show("", action.state, self._cancel_all_text(action))
            return
        inst = self.instrument
        if inst is not None and (action.symbol != inst.symbol or action.product_type is not inst.product_type):
            return  # another market's order: not this ticket's line
        if action.key not in self._states:
            if (action.order is not None and inst is not None and action.symbol == inst.symbol
                    and action.product_type is inst.product_type):
                self.account_changed()  # a position action or the blotter traded this market
            return
        if action.order is not None and action.key == self.last_oid:
            self.last_order = action.order
        self._show(action.key, action.state, self._action_text(action))
        if action.state == ACKNOWLEDGED:
            self.ack_shown.emit(action.key, action.order_id or "")
        elif action.order is not None:
            self.account_changed()

    def account_changed(self) -> None:
        """The account state may have moved (an order of this ticket changed): subclasses re-read what they show."""

    def _action_text(self, a: Action) -> str:
        oid = a.key
        req = a.request
        if a.state == SENDING and req is not None:
            return f"Sending {req.side.value} {fmt(req.size)} {req.symbol}… (clientOid {oid})"
        if a.state == ACKNOWLEDGED:
            return f"Acknowledged by Bitget: order {a.order_id or '—'}\nclientOid {oid}"
        if a.state == REJECTED:
            return f"Rejected by Bitget: {describe_bitget_error(a.error)}"
        if a.state == UNKNOWN:
            if a.detail:
                return f"No answer from Bitget for clientOid {oid}: {a.detail}"
            return (f"No answer from Bitget for clientOid {oid}: the order may or may not exist; still asking the "
                    f"exchange… ({describe_bitget_error(a.error)})")
        if a.state == NOT_PLACED:
            return f"Bitget has no order with clientOid {oid}: it was not placed."
        if a.state == NOT_SENT:
            return f"Not sent: {describe_bitget_error(a.error)}"
        if a.state == CANCEL_ACK:
            return f"Cancel acknowledged by Bitget (clientOid {oid})"
        if a.state == CANCEL_REFUSED:
            return f"Cancel refused by Bitget: {describe_bitget_error(a.error)}"
        if a.order is not None:
            return self._order_text(a.order)
        return a.state

    def _cancel_all_text(self, a: Action) -> str:
        if a.state == REJECTED:
            return f"Cancel-all refused by Bitget: {describe_bitget_error(a.error)}"
        if a.state == SENDING:
            return f"Cancelling all {a.symbol} orders…"
        refused = f" ({describe_bitget_error(a.error)})" if a.error is not None else ""
        return f"Cancel-all on {a.symbol}: {a.detail}{refused}"

    def _order_text(self, o: Order) -> str:
        inst = self.instrument if self.instrument is not None and self.instrument.symbol == o.symbol else None
        unit = inst.base_coin if inst is not None else ""
        sp = inst.size_places if inst is not None else 18
        quote = inst.quote_coin if inst is not None else ""
        filled = f"{fmt_size(o.filled_size, sp)} of {fmt_size(o.size, sp)} {unit}"
        if not o.product_type.is_futures and o.order_type.value == "market" and o.side.value == "buy":
            filled = f"{fmt_size(o.filled_size, sp)} {unit} for {fmt(o.size, coin_places(inst, quote))} {quote}"
        avg = f" @ {fmt(o.avg_price, inst.price_places if inst is not None else None)} {quote}" if o.avg_price else ""
        word = {OrderStatus.LIVE: "Live on the book", OrderStatus.PARTIALLY_FILLED: "Partially filled",
                OrderStatus.FILLED: "Filled", OrderStatus.CANCELLED: "Cancelled"}[o.status]
        why = ""
        # The time in force as sent (not every order lookup reports it; Bitget's spot detail may leave it out).
        req = self.last_request
        force = req.force if req is not None and req.client_oid == o.client_oid else o.force
        if o.status is OrderStatus.CANCELLED and force is TimeInForce.POST_ONLY and not o.filled_size:
            why = " (post-only: it would have crossed the book and taken liquidity, so Bitget cancelled it)"
        elif o.status is OrderStatus.CANCELLED and force in (TimeInForce.IOC, TimeInForce.FOK) \
                and o.filled_size < o.size:
            why = f" ({force.value.upper()}: the rest could not fill at once)"
        return f"{word}: {filled}{avg}{why}\norder {o.order_id} · clientOid {o.client_oid}"

    # -- cancelling --------------------------------------------------------------------------------------------
    def _on_cancel_last(self) -> None:
        if self.last_request is not None:
            self.spawn(self.cancel(self.last_request), "cancel")

    async def cancel(self, req: OrderRequest) -> bool:
        if self.desk is None:
            return False
        action = await self.desk.cancel(self.last_order if self.last_order is not None
                                        and self.last_order.client_oid == req.client_oid else req)
        return action.state != CANCEL_REFUSED

    async def cancel_all(self) -> bool:
        """Cancel every open order of this ticket's symbol."""
        inst = self.instrument
        if inst is None or self.desk is None:
            return False
        action = await self.desk.cancel_all(inst)
        return action.state == CANCEL_ACK

    def request_cancel_all(self) -> None:
        self.spawn(self.cancel_all(), "cancel-all")


_ORDER_STATES = frozenset(s.value for s in OrderStatus)
