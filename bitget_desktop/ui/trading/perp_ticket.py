"""The USDT-M perpetual ticket: position-mode toggle, margin mode and leverage as Bitget reports them, intent buttons
for the mode, preset TP/SL, a preview of what the order does, and Close / Reverse on the symbol's positions."""

from __future__ import annotations

import time
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bitget_desktop.domain.errors import BitgetError, describe as describe_bitget_error
from bitget_desktop.domain.market import Instrument, Ticker
from bitget_desktop.domain.trading import (
    FuturesAccount,
    HoldSide,
    Intent,
    MarginMode,
    OrderType,
    Position,
    PositionMode,
    TimeInForce,
)
from bitget_desktop.terminal.desk import OrderDesk
from bitget_desktop.ui.trading.base import TicketBase
from bitget_desktop.ui.trading.model import (
    MarketState,
    PerpContext,
    PerpInputs,
    TicketResult,
    build_perp,
    perp_pct_size,
    quiet_amount,
    snap_field,
)
from bitget_desktop.ui.trading.numbers import coin_places, fmt, fmt_down
from bitget_desktop.ui.trading.positions import PositionActions
from bitget_desktop.ui.trading.spot_ticket import TIF_LABELS
from bitget_desktop.ui.trading.widgets import AmountField, Segmented, reserve_lines

MODE_SWITCH_HINT = ("Bitget switches one-way/hedge for the whole USDT-M account only when no position is open and "
                    "no order is pending: close the positions and cancel the orders first.")
LEVERAGE_TYPING_MAX = 1000
MARGIN_SWITCH_HINT = "Bitget changes the margin mode of a symbol only while it has no position and no open order."

INTENT_LABELS = {
    Intent.OPEN_LONG: "Open Long", Intent.OPEN_SHORT: "Open Short",
    Intent.CLOSE_LONG: "Close Long", Intent.CLOSE_SHORT: "Close Short",
    Intent.BUY: "Buy / Long", Intent.SELL: "Sell / Short",
}
_TONE = {Intent.OPEN_LONG: "buy", Intent.CLOSE_SHORT: "buy", Intent.BUY: "buy",
         Intent.OPEN_SHORT: "sell", Intent.CLOSE_LONG: "sell", Intent.SELL: "sell"}


class PositionRow(QWidget):
    """One open position with Close (market), Close at the ticket's price (limit) and Reverse."""

    def __init__(self, pos: Position, inst: Instrument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.position = pos
        self.setObjectName(f"position_{pos.hold_side.value}")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 2, 0, 2)
        outer.setSpacing(2)
        coin = inst.margin_coin or inst.quote_coin
        upl = f"{pos.unrealized_pl:+.{coin_places(inst, coin)}f} {coin}" if pos.unrealized_pl else f"0 {coin}"
        liq = f" · liq. {fmt(pos.liquidation_price, inst.price_places)}" if pos.liquidation_price else ""
        self.label = QLabel(f"{pos.hold_side.value.upper()} {fmt(pos.size, inst.size_places)} {inst.base_coin} @ "
                            f"{fmt(pos.entry_price, inst.price_places)} {inst.quote_coin} · {pos.leverage}x "
                            f"{pos.margin_mode.value} · uPnL {upl}{liq}", self)
        self.label.setWordWrap(True)
        self.label.setProperty("tone", "buy" if pos.hold_side is HoldSide.LONG else "sell")
        outer.addWidget(self.label)
        lay = QHBoxLayout()
        lay.setSpacing(4)
        outer.addLayout(lay)
        self.close_market = QPushButton("Close", self)
        self.close_market.setObjectName("closeMarket")
        self.close_market.setToolTip("Close the whole position at market (reduce-only)")
        self.close_limit = QPushButton("Close limit", self)
        self.close_limit.setObjectName("closeLimit")
        self.close_limit.setToolTip("Close the whole position with a reduce-only limit order at the ticket's price")
        self.reverse = QPushButton("Reverse", self)
        self.reverse.setObjectName("reverse")
        self.reverse.setToolTip("Close at market, then open the same size the other way")
        for b in (self.close_market, self.close_limit, self.reverse):
            b.setProperty("tone", "close")
            lay.addWidget(b, 1)


class PerpTicket(TicketBase):
    """Order entry for one USDT-M perpetual; `set_price` takes clicks from the book or the chart."""

    refreshed = Signal()  # account, positions and ticker were read from the exchange
    preview_lines = 8

    def __init__(self, desk: OrderDesk | None = None, **kw: Any) -> None:
        super().__init__(desk, **kw)
        self.setObjectName("perpTicket")
        self.position_mode: PositionMode | None = None  # as Bitget reports it
        self.margin_mode: MarginMode | None = None
        self.leverage: int | None = None
        self.available: Decimal | None = None
        self.positions: list[Position] = []
        self.preview_intent: Intent = Intent.BUY
        self._touched: set[str] = set()
        self.refreshes = 0
        self.position_actions = PositionActions(desk, lambda p: self.instrument, parent=self)
        self.position_actions.done.connect(lambda text: self._after_action("position-action", text))
        self.position_actions.failed.connect(lambda text: self._after_action("rejected", text))

        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.setSpacing(6)
        self._add_market_label(lay)

        # -- account settings as the exchange reports them
        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.addWidget(QLabel("Position mode", self), 0, 0)
        self.mode_toggle = Segmented([(PositionMode.ONE_WAY, "One-way"), (PositionMode.HEDGE, "Hedge")],
                                     "posMode", self)
        self.mode_toggle.setToolTip("One-way: one net position per symbol. Hedge: a long and a short side at once. "
                                    "Applies to the whole USDT-M account.")
        grid.addWidget(self.mode_toggle, 0, 1, 1, 2)
        grid.addWidget(QLabel("Margin", self), 1, 0)
        self.margin_toggle = Segmented([(MarginMode.CROSSED, "Cross"), (MarginMode.ISOLATED, "Isolated")],
                                       "marginMode", self)
        grid.addWidget(self.margin_toggle, 1, 1, 1, 2)
        grid.addWidget(QLabel("Leverage", self), 2, 0)
        self.leverage_spin = QSpinBox(self)
        self.leverage_spin.setObjectName("leverage")
        self.leverage_spin.setSuffix("x")
        # The box takes more than any instrument allows so that a typed 200 is refused with a reason rather than
        # silently clamped; the maximum is shown beside it.
        self.leverage_spin.setRange(1, LEVERAGE_TYPING_MAX)
        self.leverage_spin.setValue(10)
        grid.addWidget(self.leverage_spin, 2, 1)
        self.leverage_max = QLabel("max —", self)
        self.leverage_max.setObjectName("muted")
        grid.addWidget(self.leverage_max, 2, 3)
        self.leverage_set = QPushButton("Set", self)
        self.leverage_set.setObjectName("setLeverage")
        self.leverage_set.setToolTip("Send this leverage to Bitget for the symbol")
        grid.addWidget(self.leverage_set, 2, 2)
        grid.setColumnStretch(1, 1)
        lay.addLayout(grid)
        self.leverage_error = QLabel("", self)
        self.leverage_error.setObjectName("fieldError")
        reserve_lines(self.leverage_error, 1)
        self.leverage_error.hide()
        lay.addWidget(self.leverage_error)
        self.reported = QLabel("Bitget reports: —", self)
        self.reported.setObjectName("muted")
        self.reported.setWordWrap(True)
        lay.addWidget(self.reported)
        self.mode_note = QLabel("", self)
        self.mode_note.setObjectName("modeNote")
        self.mode_note.setWordWrap(True)
        self.mode_note.hide()
        lay.addWidget(self.mode_note)

        # -- order fields
        top = QHBoxLayout()
        self.kind = Segmented([(OrderType.LIMIT, "Limit"), (OrderType.MARKET, "Market")], "kind", self)
        top.addWidget(self.kind, 1)
        self.tif = QComboBox(self)
        self.tif.setObjectName("tif")
        for value, label in TIF_LABELS:
            self.tif.addItem(label.split(" · ")[0], value)
            self.tif.setItemData(self.tif.count() - 1, label, Qt.ItemDataRole.ToolTipRole)
        top.addWidget(self.tif)
        lay.addLayout(top)
        self.available_label = QLabel("Available: —", self)
        self.available_label.setObjectName("available")
        lay.addWidget(self.available_label)

        self.price = AmountField("price", "USDT", "price", self)
        self.size_field = AmountField("size", "BTC", "size", self)
        self.take_profit = AmountField("take_profit", "USDT", "optional", self)
        self.stop_loss = AmountField("stop_loss", "USDT", "optional", self)
        self._fields = {"price": self.price, "size": self.size_field, "take_profit": self.take_profit,
                        "stop_loss": self.stop_loss}
        rows = (("Price", self.price), ("Size", self.size_field), ("Take profit", self.take_profit),
                ("Stop loss", self.stop_loss))
        lay.addLayout(self._field_grid((QLabel(label, self), fld) for label, fld in rows))
        lay.addLayout(self._pct_slider_row("Share of the available margin at the chosen leverage"))

        self._add_preview(lay)

        # -- intent buttons: hedge and one-way sets, one of them visible
        self.intent_buttons: dict[Intent, QPushButton] = {}
        self.hedge_box = QWidget(self)
        hg = QGridLayout(self.hedge_box)
        hg.setContentsMargins(0, 0, 0, 0)
        for i, intent in enumerate((Intent.OPEN_LONG, Intent.OPEN_SHORT, Intent.CLOSE_LONG, Intent.CLOSE_SHORT)):
            hg.addWidget(self._intent_button(intent, self.hedge_box), i // 2, i % 2)
        self.one_way_box = QWidget(self)
        og = QGridLayout(self.one_way_box)
        og.setContentsMargins(0, 0, 0, 0)
        og.addWidget(self._intent_button(Intent.BUY, self.one_way_box), 0, 0)
        og.addWidget(self._intent_button(Intent.SELL, self.one_way_box), 0, 1)
        self.reduce_only = QCheckBox("Reduce-only (only closes; never opens or flips)", self.one_way_box)
        self.reduce_only.setObjectName("reduceOnly")
        og.addWidget(self.reduce_only, 1, 0, 1, 2)
        lay.addWidget(self.hedge_box)
        lay.addWidget(self.one_way_box)
        lay.addWidget(self._status_row())

        self.positions_box = QWidget(self)
        self.positions_layout = QVBoxLayout(self.positions_box)
        self.positions_layout.setContentsMargins(0, 0, 0, 0)
        self.positions_layout.setSpacing(2)
        self.no_position = QLabel("No open position", self.positions_box)
        self.no_position.setObjectName("muted")
        self.positions_layout.addWidget(self.no_position)
        lay.addWidget(self.positions_box)
        self.position_rows: list[PositionRow] = []
        self._add_cancel_all(lay)
        lay.addStretch(1)

        self.mode_toggle.changed.connect(self._on_mode_clicked)
        self.margin_toggle.changed.connect(self._on_margin_clicked)
        self.leverage_set.clicked.connect(self._on_leverage_clicked)
        self.leverage_spin.valueChanged.connect(lambda _v: self._on_leverage_typed())
        self.kind.changed.connect(self._on_user_kind)
        self.tif.activated.connect(lambda _i: self.input_changed())
        self.tif.currentIndexChanged.connect(lambda _i: self.revalidate())
        self.reduce_only.toggled.connect(self._on_reduce_only)
        for f in self._fields.values():
            f.edited.connect(self._on_edited)
            f.finished.connect(self._on_finished)
        self.slider.valueChanged.connect(self._on_slider)
        self._show_mode(None)
        self._on_kind()
        self.set_desk(self._initial_desk)

    def _intent_button(self, intent: Intent, parent: QWidget) -> QPushButton:
        b = QPushButton(INTENT_LABELS[intent], parent)
        b.setObjectName(f"intent_{intent.value}")
        b.setProperty("tone", _TONE[intent])
        b.setMinimumHeight(32)
        b.clicked.connect(lambda _=False, i=intent: self._on_intent(i))
        b.installEventFilter(self)
        self.intent_buttons[intent] = b
        return b

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        """Hovering or focusing an intent button previews that intent."""
        if event.type() in (QEvent.Type.Enter, QEvent.Type.FocusIn):
            for intent, b in self.intent_buttons.items():
                if b is obj:
                    self._set_preview_intent(intent)
        return super().eventFilter(obj, event)

    # -- external inputs --------------------------------------------------------------------------------------
    def set_desk(self, desk: OrderDesk | None) -> None:
        self.position_actions.desk = desk
        super().set_desk(desk)

    def _forget_account(self) -> None:
        self.available = None
        self.positions = []
        self.leverage = None
        self.margin_mode = None
        self._rebuild_positions()
        inst = self.instrument
        self.available_label.setText(f"Available: — {inst.margin_coin or inst.quote_coin}" if inst else "Available: —")
        self._show_mode(None)

    def set_instrument(self, inst: Instrument) -> None:
        if not inst.product_type.is_futures:
            raise ValueError("PerpTicket takes futures instruments")
        changed = self.instrument is None or self.instrument.symbol != inst.symbol \
            or self.instrument.product_type is not inst.product_type
        self.instrument = inst
        if changed:
            self.market = MarketState()
            self.positions = []
            self.leverage = None
            self.margin_mode = None
            for f in self._fields.values():
                f.set_text("")
                f.set_error(None)
            self._touched.clear()
            self._reset_status()
            self._rebuild_positions()
        coin = inst.margin_coin or inst.quote_coin
        for f in (self.price, self.take_profit, self.stop_loss):
            f.set_unit(inst.quote_coin)
        self.size_field.set_unit(inst.base_coin)
        self.leverage_spin.setMinimum(max(1, inst.min_leverage))
        self.leverage_max.setText(f"max {max(inst.max_leverage, inst.min_leverage, 1)}x")
        self.leverage_max.setToolTip(f"{inst.symbol} allows {inst.min_leverage}x to {inst.max_leverage}x")
        self._on_leverage_typed()
        self.available_label.setText(f"Available: — {coin}")
        self.cancel_all_button.setText(f"Cancel all {inst.symbol} orders")
        self._show_market(inst)
        self.revalidate()

    def set_ticker(self, t: Ticker) -> None:
        inst = self.instrument
        if inst is None or t.symbol != inst.symbol or t.product_type is not inst.product_type:
            return
        self._take_market(MarketState(last=t.last or None, bid=t.bid or None, ask=t.ask or None,
                                      mark=t.mark_price or None))

    def set_market(self, market: MarketState) -> None:
        self.market = market
        self.revalidate()

    def set_account(self, accounts: Iterable[Any]) -> None:
        """Futures account records (domain FuturesAccount) for the margin coin: available, and modes if present."""
        inst = self.instrument
        if inst is None:
            return
        for a in accounts:
            if isinstance(a, FuturesAccount) and a.margin_coin.upper() == (inst.margin_coin or "").upper():
                self.available = a.open_available
                self.available_label.setText(f"Available: {fmt_down(a.open_available, 2)} {a.margin_coin}")
        self.revalidate()

    def set_positions(self, positions: Iterable[Position]) -> None:
        inst = self.instrument
        if inst is None:
            return
        self.positions = [p for p in positions if p.symbol == inst.symbol and p.product_type is inst.product_type
                          and p.size > 0]
        self._rebuild_positions()
        self.revalidate()

    async def refresh(self) -> None:
        """Read the symbol's account settings and ticker into the account state (through the desk), then show
        what the state holds: position mode, margin mode, leverage, available margin and positions."""
        inst, desk = self.instrument, self.desk
        if inst is None or desk is None or desk.blocked is not None:
            return
        try:
            ticker = await desk.load_symbol(inst)
        except BitgetError as exc:
            self.reported.setText(f"Bitget reports: could not read the account ({describe_bitget_error(exc)})")
            return
        if self.desk is not desk or self.instrument is not inst:
            return
        self.set_ticker(ticker)
        self.show_state()
        self.refreshes += 1
        self.refreshed.emit()

    def account_changed(self) -> None:
        self.show_state()

    def show_state(self) -> None:
        """Modes, leverage, available margin and positions of this market as the account state holds them."""
        inst, desk = self.instrument, self.desk
        if inst is None or desk is None:
            return
        state = desk.state
        settings = state.symbol_settings(inst.product_type, inst.symbol)
        self.margin_mode = settings.margin_mode or self.margin_mode
        self.leverage = settings.leverage or self.leverage
        self.set_positions(state.positions_for(inst))
        acc = state.futures_account(inst.margin_coin or inst.quote_coin)
        if acc is not None:
            self.set_account([acc])
        mode = state.position_mode(inst.product_type)
        if mode is not None and mode is not self.position_mode:
            self._show_mode(mode)
        self._show_reported()

    # -- position mode, margin mode, leverage -----------------------------------------------------------------
    def _show_mode(self, mode: PositionMode | None) -> None:
        self.position_mode = mode
        if mode is not None:
            self.mode_toggle.set_value(mode)
        shown = mode or PositionMode.ONE_WAY
        self.hedge_box.setVisible(shown is PositionMode.HEDGE)
        self.one_way_box.setVisible(shown is PositionMode.ONE_WAY)
        hedge = shown is PositionMode.HEDGE
        if hedge and self.preview_intent not in (Intent.OPEN_LONG, Intent.OPEN_SHORT, Intent.CLOSE_LONG,
                                                 Intent.CLOSE_SHORT):
            self.preview_intent = Intent.OPEN_LONG
        if not hedge and self.preview_intent not in (Intent.BUY, Intent.SELL):
            self.preview_intent = Intent.BUY
        self._show_reported()
        self.revalidate()

    def _show_reported(self) -> None:
        parts = []
        if self.position_mode is not None:
            parts.append("hedge mode" if self.position_mode is PositionMode.HEDGE else "one-way mode")
        if self.margin_mode is not None:
            parts.append(self.margin_mode.value)
            self.margin_toggle.set_value(self.margin_mode)
        if self.leverage is not None:
            parts.append(f"{self.leverage}x")
            self.leverage_spin.blockSignals(True)
            self.leverage_spin.setValue(self.leverage)
            self.leverage_spin.blockSignals(False)
            self.leverage_error.setText("")  # the box shows what Bitget reports: no typed value to refuse now
            self.leverage_error.hide()
        self.reported.setText("Bitget reports: " + (" · ".join(parts) if parts else "—"))

    def _note(self, text: str) -> None:
        self.mode_note.setText(text)
        self.mode_note.setVisible(bool(text))

    def _on_mode_clicked(self, mode: object) -> None:
        assert isinstance(mode, PositionMode)
        if self.position_mode is not None:
            self.mode_toggle.set_value(self.position_mode)  # stays on what Bitget reports until it confirms
        if mode is self.position_mode:
            return
        self.spawn(self.switch_position_mode(mode), "position-mode")

    async def switch_position_mode(self, mode: PositionMode) -> bool:
        inst, desk = self.instrument, self.desk
        if inst is None or desk is None:
            return False
        self._note("Asking Bitget to switch to " + ("hedge" if mode is PositionMode.HEDGE else "one-way") + " mode…")
        try:
            reported = await desk.set_position_mode(inst.product_type, mode, inst.symbol,
                                                    inst.margin_coin or inst.quote_coin)
        except BitgetError as exc:
            self._note(f"Bitget refused to switch the position mode: {describe_bitget_error(exc)} {MODE_SWITCH_HINT}")
            self._show_mode(desk.state.position_mode(inst.product_type))
            return False
        self._show_mode(reported)
        self._note("")
        return reported is mode

    def _on_margin_clicked(self, mode: object) -> None:
        assert isinstance(mode, MarginMode)
        if self.margin_mode is not None:
            self.margin_toggle.set_value(self.margin_mode)
        if mode is self.margin_mode:
            return
        self.spawn(self.set_margin_mode(mode), "margin-mode")

    async def set_margin_mode(self, mode: MarginMode) -> bool:
        inst, desk = self.instrument, self.desk
        if inst is None or desk is None:
            return False
        try:
            await desk.set_margin_mode(inst, mode)
        except BitgetError as exc:
            self._note(f"Bitget refused the margin mode: {describe_bitget_error(exc)} {MARGIN_SWITCH_HINT}")
            return False
        self._note("")
        self.show_state()
        self.revalidate()
        return self.margin_mode is mode

    def leverage_problem(self) -> str:
        """Why the leverage in the box cannot be set ('' when it can)."""
        inst = self.instrument
        value = self.leverage_spin.value()
        if inst is None:
            return ""
        top = max(inst.max_leverage, inst.min_leverage, 1)
        if value > top:
            return f"{value}x is over {inst.symbol}'s maximum of {top}x"
        if value < inst.min_leverage:
            return f"{value}x is under {inst.symbol}'s minimum of {inst.min_leverage}x"
        return ""

    def _on_leverage_typed(self) -> None:
        problem = self.leverage_problem()
        typed = self.leverage_spin.value()
        if not problem and self.leverage is not None and typed != self.leverage:
            problem = f"not set: orders use Bitget's {self.leverage}x until you click Set"
        self.leverage_error.setText(problem)
        self.leverage_error.setVisible(bool(problem))
        self.revalidate()

    def _on_leverage_clicked(self) -> None:
        problem = self.leverage_problem()
        if problem:
            self._note(f"Leverage not sent: {problem}.")
            return
        self.spawn(self.set_leverage(self.leverage_spin.value()), "leverage")

    async def set_leverage(self, leverage: int) -> bool:
        inst, desk = self.instrument, self.desk
        if inst is None or desk is None:
            return False
        try:
            await desk.set_leverage(inst, leverage)
        except BitgetError as exc:
            self._note(f"Bitget refused the leverage: {describe_bitget_error(exc)}")
            self._show_reported()
            return False
        self._note("")
        settings = desk.state.symbol_settings(inst.product_type, inst.symbol)
        self.margin_mode = settings.margin_mode or self.margin_mode
        self.leverage = settings.leverage
        self._show_reported()
        self.revalidate()
        return self.leverage == leverage

    # -- fields -----------------------------------------------------------------------------------------------
    def _on_kind(self) -> None:
        market = self.kind.value() is OrderType.MARKET
        self.price.edit.setEnabled(not market)
        self.price.edit.setPlaceholderText("market price" if market else "price")
        if market:
            self.price.set_text("")
            self.price.set_error(None)
        self._allow_post_only(self.tif, not market)
        self.revalidate()

    def _on_edited(self, name: str) -> None:
        self.input_changed()
        self._touched.add(name)
        if name == "size":
            self._clear_slider()
        self.revalidate()

    def _on_finished(self, name: str) -> None:
        inst = self.instrument
        fld = self._fields.get(name)
        if inst is None or fld is None or not fld.edit.isEnabled():
            return
        snapped = snap_field(inst, name, fld.text(), buying=self._buying())
        if snapped != fld.text():
            fld.set_text(snapped)
            self.revalidate()

    def _on_slider(self, value: int) -> None:
        self.input_changed()
        self.pct_label.setText(f"{value}%")
        inst = self.instrument
        if inst is None:
            return
        price = quiet_amount(self.price.text()) if self.kind.value() is OrderType.LIMIT else self.market.reference
        text = perp_pct_size(inst, value, price, self.available, self.leverage_spin.value())
        self.size_field.set_text(text)
        self._touched.add("size")
        self.revalidate()

    def _effective_intent(self, intent: Intent) -> Intent:
        if self.reduce_only.isChecked():
            if intent is Intent.BUY:
                return Intent.BUY_REDUCE
            if intent is Intent.SELL:
                return Intent.SELL_REDUCE
        return intent

    def _buying(self, intent: Any = None) -> bool:
        return self._effective_intent(intent or self.preview_intent) in (
            Intent.OPEN_LONG, Intent.BUY, Intent.CLOSE_SHORT, Intent.BUY_REDUCE)

    def _on_user_kind(self, _value: object) -> None:
        self.input_changed()
        self._on_kind()

    def _on_reduce_only(self, _checked: bool) -> None:
        self.input_changed()
        self._set_preview_intent(self.preview_intent)

    def _set_preview_intent(self, intent: Intent) -> None:
        self.preview_intent = intent
        self.revalidate()

    def inputs(self, intent: Intent) -> PerpInputs:
        limit = self.kind.value() is OrderType.LIMIT  # time in force is a limit order's; a market order goes GTC
        force = TimeInForce(self.tif.currentData()) if limit else TimeInForce.GTC
        return PerpInputs(self._effective_intent(intent), self.kind.value(), force,
                          self.price.text(), self.size_field.text(), self.take_profit.text(), self.stop_loss.text())

    def context(self) -> PerpContext:
        assert self.instrument is not None
        held: dict[HoldSide, Decimal] | None = None
        if self.desk is not None and self.position_mode is not None:
            held = {}
            for p in self.positions:
                held[p.hold_side] = held.get(p.hold_side, Decimal(0)) + (p.available if p.available > 0 else p.size)
        return PerpContext(self.instrument, self.position_mode or PositionMode.ONE_WAY,
                           self.margin_mode or MarginMode.CROSSED, self.leverage or self.leverage_spin.value(),
                           self.market, self.available, held, self.fat_finger_pct)

    def validate(self, intent: Intent | None = None, *, client_oid: str | None = None) -> TicketResult | None:
        if self.instrument is None:
            return None
        return build_perp(self.inputs(intent or self.preview_intent), self.context(), client_oid=client_oid)

    def revalidate(self, *, show_all: bool = False) -> TicketResult | None:
        result = self.validate()
        ready = self.blocked_reason() is None and self.position_mode is not None
        for b in self.intent_buttons.values():
            b.setEnabled(ready)
        if result is None:
            return None
        errors = dict(result.errors)
        self._show_field_errors(self._fields, errors, self._touched, show_all or self._refused)
        other = [errors[k] for k in ("form", "leverage", "force") if k in errors]
        self.form_error.setText(" · ".join(other))
        self.form_error.setVisible(bool(other))
        label = INTENT_LABELS.get(self.preview_intent, "")
        if self.reduce_only.isChecked() and self.preview_intent in (Intent.BUY, Intent.SELL):
            label = ("Buy" if self.preview_intent is Intent.BUY else "Sell") + " (reduce-only)"
        self.preview.setText(f"{label}: {result.preview}" if result.preview else f"{label}: fill in the order")
        self.preview.setToolTip(self.preview.text())  # the whole text, should a narrow dock clip the box
        return result

    def _on_intent(self, intent: Intent) -> None:
        self.timings = {"click": time.perf_counter()}
        self.preview_intent = intent
        if self._snap_on_click(self._buying(intent)):
            return
        result = self.validate(intent)
        if result is None or result.request is None:
            self._refuse(result)
            return
        self.revalidate()
        self.spawn(self._submit(result, self.preview.text(), "Confirm futures order"), "send")

    # -- positions --------------------------------------------------------------------------------------------
    def _rebuild_positions(self) -> None:
        for row in self.position_rows:
            self.positions_layout.removeWidget(row)
            row.deleteLater()
        self.position_rows = []
        inst = self.instrument
        self.no_position.setVisible(not self.positions)
        if inst is None:
            return
        for p in sorted(self.positions, key=lambda p: p.hold_side.value):
            row = PositionRow(p, inst, self.positions_box)
            row.close_market.clicked.connect(lambda _=False, pos=p: self.position_actions.close(pos))
            row.close_limit.clicked.connect(lambda _=False, pos=p: self._close_limit(pos))
            row.reverse.clicked.connect(lambda _=False, pos=p: self.position_actions.reverse(pos))
            self.positions_layout.addWidget(row)
            self.position_rows.append(row)

    def _close_limit(self, pos: Position) -> None:
        price = quiet_amount(self.price.text())
        if price is None or self.instrument is None or not self.instrument.price_on_tick(price):
            self._touched.add("price")
            self.price.set_error("enter the limit price to close at")
            return
        self.position_actions.close(pos, price)

    def _after_action(self, state: str, text: str) -> None:
        self._show("", state, text)
