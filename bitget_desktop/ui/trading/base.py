"""What both tickets share: the client and task owner, sending with an optional confirmation, and the order status line.

The status line only ever shows what Bitget said about the order's clientOid: sending, acknowledged (with the order
id), rejected (with Bitget's code, message and hint), unknown (no answer, being looked up), and then the order's state
as reported by the exchange (live, partially filled, filled, cancelled).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from decimal import Decimal
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from bitget_desktop.domain.errors import BitgetError, OrderNotFound, UncertainOrderState
from bitget_desktop.domain.market import Instrument
from bitget_desktop.domain.trading import Order, OrderRequest, OrderStatus, OrderType, TimeInForce
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
from bitget_desktop.ui.trading.widgets import reserve_lines

log = logging.getLogger(__name__)

# How the status line names a field when it lists why a click sent nothing.
FIELD_NAMES = {"price": "price", "size": "size", "total": "total", "take_profit": "take profit",
               "stop_loss": "stop loss", "force": "time in force", "leverage": "leverage"}

Spawn = Callable[[Coroutine[Any, Any, Any], str], "asyncio.Task[Any]"]


def describe_bitget_error(exc: BaseException) -> str:
    """'[code] message — hint' with whatever of the three Bitget gave."""
    code = getattr(exc, "code", "") or ""
    msg = getattr(exc, "msg", "") or ("" if code else str(exc))
    hint = getattr(exc, "hint", "") or ""
    text = f"[{code}] {msg}" if code else msg
    return f"{text} — {hint}" if hint else text


class TaskOwner:
    """Keeps the tasks a ticket starts when no Session owns them, and cancels them on `aclose()`."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task[Any]:
        task = asyncio.get_event_loop().create_task(coro, name=f"ticket:{name}")
        self.tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("ticket task %s failed: %r", task.get_name(), task.exception())

    async def aclose(self) -> None:
        tasks = list(self.tasks)
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


class TicketBase(QWidget):
    """Client, market snapshot, confirmation, sending and the status line; subclasses build the fields."""

    order_state = Signal(str, str, str)  # client_oid, state, text shown
    ack_shown = Signal(str, str)  # client_oid, order_id: the acknowledgement is on screen
    busy_changed = Signal(bool)

    def __init__(self, client: Any = None, *, spawn: Spawn | None = None, confirm: bool = False, live: bool = False,
                 fat_finger_pct: Decimal | None = DEFAULT_FAT_FINGER_PCT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self._owner = TaskOwner()
        self._spawn: Spawn = spawn or self._owner.spawn
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
        self._refused = False  # a click was refused: its reasons stay shown until the input changes

    # -- plumbing -------------------------------------------------------------------------------------------------
    def set_client(self, client: Any, spawn: Spawn | None = None) -> None:
        self.client = client
        self._spawn = spawn or self._owner.spawn

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task[Any]:
        return self._spawn(coro, name)

    async def aclose(self) -> None:
        """Cancel the tasks this ticket owns (those spawned on a Session are the Session's)."""
        await self._owner.aclose()

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
        if not shiboken6.isValid(self.status_label):  # the ticket was closed while a task still ran
            return
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
        """Confirm (if asked to), place, show Bitget's answer, then the order's state as the exchange reports it."""
        t_start = self.timings.get("click", time.perf_counter())
        if self.client is None:
            self._show("", "rejected", "Not connected.")
            return False
        if self.confirm and not confirmed:  # `confirmed`: the trader already confirmed (the fat-finger dialog)
            dialog = ConfirmDialog(title, self._confirm_text(req, preview), live=self.live, parent=self)
            if not await dialog.ask():
                self._show("", "not-sent", "Not sent: cancelled in the confirmation.")
                return False
        oid = req.client_oid
        self.last_oid, self.last_request, self.last_order = oid, req, None
        self._show(oid, "sending", f"Sending {req.side.value} {fmt(req.size)} {req.symbol}… (clientOid {oid})")
        self.busy_changed.emit(True)
        self.timings = {"click": t_start, "sent": time.perf_counter()}
        try:
            ack = await self.client.place_order(req)
        except UncertainOrderState as exc:
            self.timings["answer"] = time.perf_counter()
            self._show(oid, "unknown", f"No answer from Bitget for clientOid {oid}: the order may or may not exist; "
                                       f"still asking the exchange… ({describe_bitget_error(exc)})")
            self.spawn(self._resolve_unknown(req), f"resolve:{oid}")
            return False
        except BitgetError as exc:
            self.timings["answer"] = time.perf_counter()
            self._show(oid, "rejected", f"Rejected by Bitget: {describe_bitget_error(exc)}")
            return False
        finally:
            self.busy_changed.emit(False)
        self.timings["answer"] = time.perf_counter()
        self._show(oid, "acknowledged", f"Acknowledged by Bitget: order {ack.order_id or '—'}\nclientOid {oid}")
        self.timings["shown"] = time.perf_counter()
        self.ack_shown.emit(oid, ack.order_id or "")
        self.spawn(self._follow(req), f"follow:{oid}")
        return True

    async def _fetch_order(self, req: OrderRequest) -> Order:
        if req.product_type.is_futures:
            return await self.client.futures_order(req.product_type, req.symbol, client_oid=req.client_oid)
        return await self.client.spot_order(client_oid=req.client_oid)

    async def _follow(self, req: OrderRequest) -> None:
        """Ask the exchange for the order's state once after the ack (pushes update it later via update_order)."""
        try:
            order = await self._fetch_order(req)
        except BitgetError as exc:
            log.info("order %s lookup failed: %s", req.client_oid, exc)
        else:
            self.update_order(order)
        await self.after_order()

    async def _resolve_unknown(self, req: OrderRequest, attempts: int = 5, delay: float = 0.5) -> None:
        """Keep asking Bitget about a clientOid whose placement got no answer, until it says yes or no."""
        oid = req.client_oid
        for i in range(attempts):
            try:
                order = await self._fetch_order(req)
            except OrderNotFound:
                self._show(oid, "not-placed", f"Bitget has no order with clientOid {oid}: it was not placed.")
                return
            except BitgetError as exc:
                log.info("lookup of %s failed: %s", oid, exc)
            else:
                self.update_order(order)
                await self.after_order()
                return
            await asyncio.sleep(delay * (2 ** i))
        self._show(oid, "unknown", f"Bitget still does not answer about clientOid {oid}: check open orders and "
                                   "order history before sending it again.")

    async def after_order(self) -> None:
        """Refresh what an order changes (balances, positions); subclasses override."""

    def update_order(self, order: Order) -> None:
        """An order as the exchange reports it (REST or the orders push): shown if it is the one on the line."""
        if not order.client_oid or order.client_oid not in self._states:
            return
        if order.client_oid == self.last_oid:
            self.last_order = order
        self._show(order.client_oid, order.status.value, self._order_text(order))

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
        oid = req.client_oid
        try:
            if req.product_type.is_futures:
                await self.client.cancel_futures_order(req.product_type, req.symbol, client_oid=oid,
                                                       margin_coin=req.margin_coin)
            else:
                await self.client.cancel_spot_order(req.symbol, client_oid=oid)
        except BitgetError as exc:
            self._show(oid, "cancel-refused", f"Cancel refused by Bitget: {describe_bitget_error(exc)}")
            return False
        self._show(oid, "cancel-acknowledged", f"Cancel acknowledged by Bitget (clientOid {oid})")
        self.spawn(self._follow(req), f"follow:{oid}")
        return True

    async def cancel_all(self) -> bool:
        """Cancel every open order of this ticket's symbol."""
        inst = self.instrument
        if inst is None or self.client is None:
            return False
        try:
            if inst.product_type.is_futures:
                result = await self.client.cancel_all_futures_orders(inst.product_type, inst.symbol,
                                                                     inst.margin_coin)
                failed = len(result.failed)
                text = f"Cancel-all on {inst.symbol}: {len(result.succeeded)} cancelled" + (
                    f", {failed} refused ({describe_bitget_error(result.failed[0].error)})" if failed else "")
            else:
                await self.client.cancel_all_spot_orders(inst.symbol)
                text = f"Cancel-all on {inst.symbol}: accepted by Bitget"
        except BitgetError as exc:
            self._show("", "rejected", f"Cancel-all refused by Bitget: {describe_bitget_error(exc)}")
            return False
        self._show("", "cancel-acknowledged", text)
        if self.last_request is not None:
            self.spawn(self._follow(self.last_request), "follow:last")
        else:
            self.spawn(self.after_order(), "refresh")
        return True

    def request_cancel_all(self) -> None:
        self.spawn(self.cancel_all(), "cancel-all")
