"""The spot order ticket: Buy/Sell, Limit/Market, linked price/size/total, %-of-balance slider, time in force."""

from __future__ import annotations

import time
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from bitget_desktop.domain.errors import BitgetError, describe as describe_bitget_error
from bitget_desktop.domain.market import Instrument, Ticker
from bitget_desktop.domain.trading import Balance, OrderType, Side, TimeInForce
from bitget_desktop.terminal.desk import OrderDesk
from bitget_desktop.ui.trading.base import TicketBase
from bitget_desktop.ui.trading.model import (
    MarketState,
    SpotContext,
    SpotInputs,
    TicketResult,
    build_spot,
    link_fields,
    quiet_amount,
    snap_field,
    spot_pct_fill,
)
from bitget_desktop.ui.trading.numbers import coin_places, fmt, fmt_down, fmt_size
from bitget_desktop.ui.trading.widgets import AmountField, Segmented, reserve_lines

TIF_LABELS = ((TimeInForce.GTC, "GTC · good till cancelled"), (TimeInForce.POST_ONLY, "Post-only · maker or cancel"),
              (TimeInForce.IOC, "IOC · fill now, cancel the rest"), (TimeInForce.FOK, "FOK · fill all now or nothing"))


class SpotTicket(TicketBase):
    """Spot order entry for one instrument; `set_price` takes clicks from the book or the chart."""

    def __init__(self, desk: OrderDesk | None = None, **kw: Any) -> None:
        super().__init__(desk, **kw)
        self.setObjectName("spotTicket")
        self.base_available: Decimal | None = None
        self.quote_available: Decimal | None = None
        self._anchor = "size"  # which of size/total the user set last
        self._touched: set[str] = set()
        self._building = False

        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        lay.setSpacing(6)
        self._add_market_label(lay)
        top = QHBoxLayout()
        self.side = Segmented([(Side.BUY, "Buy"), (Side.SELL, "Sell")], "side", self)
        self.kind = Segmented([(OrderType.LIMIT, "Limit"), (OrderType.MARKET, "Market")], "kind", self)
        top.addWidget(self.side, 1)
        top.addSpacing(8)
        top.addWidget(self.kind, 1)
        lay.addLayout(top)

        self.available = QLabel("Available: —", self)
        self.available.setObjectName("available")
        lay.addWidget(self.available)

        self.price = AmountField("price", "USDT", "price", self)
        self.size_field = AmountField("size", "BTC", "amount", self)
        self.total = AmountField("total", "USDT", "total", self)
        self.price_label, self.size_label, self.total_label = QLabel("Price"), QLabel("Amount"), QLabel("Total")
        lay.addLayout(self._field_grid(((self.price_label, self.price), (self.size_label, self.size_field),
                                        (self.total_label, self.total))))
        lay.addLayout(self._pct_slider_row("Share of the available balance: a buy spends quote, a sell sells base",
                                           single_step=5))

        tif_row = QHBoxLayout()
        tif_row.addWidget(QLabel("Time in force", self))
        self.tif = QComboBox(self)
        self.tif.setObjectName("tif")
        for value, label in TIF_LABELS:
            self.tif.addItem(label, value)
        tif_row.addWidget(self.tif, 1)
        lay.addLayout(tif_row)
        self.tif_error = QLabel("", self)
        self.tif_error.setObjectName("fieldError")
        reserve_lines(self.tif_error, 1)
        self.tif_error.hide()
        lay.addWidget(self.tif_error)

        self.note = QLabel("", self)
        self.note.setObjectName("muted")
        reserve_lines(self.note, 3)
        lay.addWidget(self.note)
        self._add_preview(lay)

        self.submit = QPushButton("Buy", self)
        self.submit.setObjectName("submit")
        self.submit.setMinimumHeight(34)
        lay.addWidget(self.submit)
        lay.addWidget(self._status_row())
        self._add_cancel_all(lay)
        lay.addStretch(1)

        self.side.changed.connect(lambda _v: self._on_user_mode())
        self.kind.changed.connect(lambda _v: self._on_user_mode())
        for f in (self.price, self.size_field, self.total):
            f.edited.connect(self._on_edited)
            f.finished.connect(self._on_finished)
        self.slider.valueChanged.connect(self._on_slider)
        self.tif.activated.connect(lambda _i: self.input_changed())
        self.tif.currentIndexChanged.connect(lambda _i: self.revalidate())
        self.submit.clicked.connect(self._on_submit)
        self._on_mode()
        self.set_desk(self._initial_desk)

    # -- external inputs --------------------------------------------------------------------------------------
    def set_instrument(self, inst: Instrument) -> None:
        if inst.product_type.is_futures:
            raise ValueError("SpotTicket takes spot instruments")
        changed = self.instrument is None or self.instrument.symbol != inst.symbol
        self.instrument = inst
        if changed:
            self.market = MarketState()
            for f in (self.price, self.size_field, self.total):
                f.set_text("")
                f.set_error(None)
            self._touched.clear()
            self._reset_status()
            self.slider.blockSignals(True)
            self.slider.setValue(0)
            self.slider.blockSignals(False)
            self.pct_label.setText("0%")
        self.price.set_unit(inst.quote_coin)
        self.size_field.set_unit(inst.base_coin)
        self.total.set_unit(inst.quote_coin)
        self.cancel_all_button.setText(f"Cancel all {inst.symbol} orders")
        self._show_market(inst)
        self._on_mode()

    def set_market(self, market: MarketState) -> None:
        self.market = market
        self.revalidate()

    def set_ticker(self, t: Ticker) -> None:
        inst = self.instrument
        if inst is None or t.symbol != inst.symbol or t.product_type is not inst.product_type:
            return
        self._take_market(MarketState(last=t.last or None, bid=t.bid or None, ask=t.ask or None))

    def set_book_top(self, bid: Decimal | None, ask: Decimal | None) -> None:
        self.market = MarketState(last=self.market.last, bid=bid, ask=ask, mark=self.market.mark)

    def set_balances(self, balances: Iterable[Any]) -> None:
        """Spot balances (domain Balance); other records are ignored."""
        inst = self.instrument
        if inst is None:
            return
        by_coin = {b.coin: b for b in balances if isinstance(b, Balance)}
        self.base_available = by_coin[inst.base_coin].available if inst.base_coin in by_coin else Decimal(0)
        self.quote_available = by_coin[inst.quote_coin].available if inst.quote_coin in by_coin else Decimal(0)
        self._show_available()
        self.revalidate()

    def _forget_account(self) -> None:
        self.base_available = self.quote_available = None
        self._show_available()

    def account_changed(self) -> None:
        if self.desk is not None:
            self.set_balances(self.desk.state.balances.values())

    def _price_set(self) -> None:
        self._relink("price")

    async def refresh(self) -> None:
        """Read the ticker and the balances into the account state (through the desk) and show them."""
        inst, desk = self.instrument, self.desk
        if inst is None or desk is None or desk.blocked is not None:
            return
        try:
            t = await desk.load_symbol(inst)
        except BitgetError as exc:
            self.available.setText(f"Available: unknown (Bitget reports {describe_bitget_error(exc)})")
            return
        if self.desk is desk:
            self.set_ticker(t)
            self.set_balances(desk.state.balances.values())

    # -- field logic ------------------------------------------------------------------------------------------
    def _show_available(self) -> None:
        inst = self.instrument
        if inst is None or self.quote_available is None:
            self.available.setText("Available: —")
            return
        qp = min(coin_places(inst, inst.quote_coin), 2)
        self.available.setText(f"Available: {fmt_down(self.quote_available, qp)} {inst.quote_coin}"
                               f"  ·  {fmt_size(self.base_available or Decimal(0), inst.size_places)} "
                               f"{inst.base_coin}")

    def _on_kind(self) -> None:
        self._on_mode()  # spot fields follow side and kind together

    def _on_user_mode(self) -> None:
        self.input_changed()
        self._on_mode()

    def _buying(self, intent: Any = None) -> bool:
        return self.side.value() is Side.BUY

    def _on_mode(self) -> None:
        inst = self.instrument
        side, kind = self.side.value(), self.kind.value()
        base = inst.base_coin if inst else "base"
        quote = inst.quote_coin if inst else "quote"
        market = kind is OrderType.MARKET
        self.price.edit.setEnabled(not market)
        self.price.edit.setPlaceholderText("market price" if market else "price")
        if market:
            self.price.set_text("")
            self.price.set_error(None)
        market_buy = market and side is Side.BUY
        market_sell = market and side is Side.SELL
        self.size_field.edit.setEnabled(not market_buy)
        self.total.edit.setEnabled(not market_sell)
        self.total_label.setText("Spend" if market_buy else "Total")
        self.size_field.edit.setPlaceholderText("≈ estimate" if market_buy else "amount")
        self.total.edit.setPlaceholderText(f"{quote} to spend" if market_buy else ("≈ estimate" if market_sell
                                                                                   else "total"))
        if market_buy:
            self._anchor = "total"
            self.note.setText(f"A market buy is sized in {quote}: you enter how much {quote} to spend, and Bitget "
                              f"buys as much {base} as that gets at the best asks.")
        elif market_sell:
            self._anchor = "size"
            self.note.setText(f"A market sell is sized in {base} and fills at the best bids.")
        else:
            self.note.setText("")
        self.note.setVisible(bool(self.note.text()))
        self._allow_post_only(self.tif, not market)
        verb = "Buy" if side is Side.BUY else "Sell"
        self.submit.setText(f"{verb} {base}" + (" at market" if market else ""))
        self.submit.setProperty("tone", "buy" if side is Side.BUY else "sell")
        self.submit.style().unpolish(self.submit)
        self.submit.style().polish(self.submit)
        self.revalidate()

    def _on_edited(self, name: str) -> None:
        self.input_changed()
        self._touched.add(name)
        if name in ("size", "total"):
            self._anchor = name
        self._relink(name)
        self._clear_slider()
        self.revalidate()

    def _on_finished(self, name: str) -> None:
        inst = self.instrument
        if inst is None:
            return
        fld = {"price": self.price, "size": self.size_field}.get(name)
        if fld is not None and fld.edit.isEnabled():
            snapped = snap_field(inst, name, fld.text(), buying=self._buying())
            if snapped != fld.text():
                fld.set_text(snapped)
                self._relink(name)
                self.revalidate()

    def _ref_price(self) -> Decimal | None:
        if self.kind.value() is OrderType.MARKET:
            return self.market.taker_price(self.side.value())
        return quiet_amount(self.price.text())

    def _relink(self, edited: str) -> None:
        inst = self.instrument
        if inst is None:
            return
        price = self._ref_price()
        price_text = fmt(price) if price is not None else ""
        out = link_fields(inst, edited, price_text, self.size_field.text(), self.total.text(), anchor=self._anchor)
        for name, text in out.items():
            fld = self.size_field if name == "size" else self.total
            if name == edited:
                continue
            fld.set_text(text)

    def _on_slider(self, value: int) -> None:
        self.input_changed()
        inst = self.instrument
        self.pct_label.setText(f"{value}%")
        if inst is None:
            return
        out = spot_pct_fill(inst, value, self.side.value(), self.kind.value(), self._ref_price(),
                            self.base_available, self.quote_available)
        if "size" in out and self.size_field.edit.isEnabled():
            self.size_field.set_text(out["size"])
            self._touched.add("size")
            self._anchor = "size"
        if "total" in out:
            self.total.set_text(out["total"])
            self._touched.add("total")
            if not self.size_field.edit.isEnabled():
                self._anchor = "total"
                self._relink("total")
        if self.kind.value() is OrderType.MARKET and self.side.value() is Side.SELL:
            self._relink("size")
        self.revalidate()

    # -- validation and sending -------------------------------------------------------------------------------
    def inputs(self) -> SpotInputs:
        limit = self.kind.value() is OrderType.LIMIT  # time in force is a limit order's; a market order goes GTC
        force = TimeInForce(self.tif.currentData()) if limit else TimeInForce.GTC
        return SpotInputs(self.side.value(), self.kind.value(), force,
                          self.price.text(), self.size_field.text(), self.total.text())

    def context(self) -> SpotContext:
        assert self.instrument is not None
        return SpotContext(self.instrument, self.market, self.base_available, self.quote_available,
                           self.fat_finger_pct)

    def validate(self, *, client_oid: str | None = None) -> TicketResult | None:
        if self.instrument is None:
            return None
        return build_spot(self.inputs(), self.context(), client_oid=client_oid)

    def revalidate(self, *, show_all: bool = False) -> TicketResult | None:
        result = self.validate()
        if result is None:
            self.submit.setEnabled(False)
            return None
        errors = dict(result.errors)
        self._show_field_errors({"price": self.price, "size": self.size_field, "total": self.total}, errors,
                                self._touched, show_all or self._refused)
        self.tif_error.setText(errors.get("force", ""))
        self.tif_error.setVisible("force" in errors)
        self.form_error.setText(errors.get("form", ""))
        self.form_error.setVisible("form" in errors)
        self.preview.setText(result.preview)
        self.preview.setToolTip(result.preview)
        self.preview.setVisible(bool(result.preview))
        self.submit.setEnabled(self.blocked_reason() is None)
        return result

    def _on_submit(self) -> None:
        self.timings = {"click": time.perf_counter()}
        if self._snap_on_click(self._buying()):
            return
        result = self.validate()
        if result is None or result.request is None:
            self._refuse(result)
            return
        self.spawn(self._submit(result, result.preview, "Confirm spot order"), "send")
