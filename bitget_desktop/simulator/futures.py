"""Futures half of the engine: leverage, margin and position modes, positions, margin, PnL, TP/SL, liquidation."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from bitget_desktop.simulator import views
from bitget_desktop.simulator.accounts import (
    Account,
    EngineError,
    FuturesBook,
    PlanOrder,
    Position,
    SimFill,
    SimOrder,
    SymbolSettings,
    fmt,
)
from bitget_desktop.simulator.rules import (
    FEE_Q,
    MARGIN_Q,
    SPOT,
    ZERO,
    _attr,
    _norm_force,
    _norm_side,
    _norm_type,
    _opt_decimal,
    _required_decimal,
    _triggered,
    _yes_no,
)

if TYPE_CHECKING:
    from bitget_desktop.simulator.engine import Engine, MarketView

__all__ = ["FuturesMixin"]


class FuturesMixin:
    """USDT-margined perpetuals per product type (mixed into :class:`Engine`)."""

    # What this mixin uses of its host, declared for the type checker; mypy checks Engine's definitions against these.
    UNIFIED_PRODUCT: ClassVar[str]
    market: MarketView
    accounts: dict[str, Account]
    _dirty: bool
    _funding_due: int | None

    if TYPE_CHECKING:
        def account(self, api_key: str) -> Account: ...
        def futures_book(self, api_key: str, product: str) -> FuturesBook: ...
        def is_unified(self, acc: Account) -> bool: ...
        def mark_price(self, product: str, symbol: str) -> Decimal: ...
        def keep_margin_rate(self, product: str, symbol: str, notional: Decimal = ZERO) -> Decimal: ...
        def _batch(self) -> Engine._Batch: ...
        def _now(self) -> int: ...
        def _new_id(self) -> str: ...
        def _emit(self, api_key: str, channel: str, inst_type: str, data: list[dict[str, Any]]) -> None: ...
        def _instrument(self, product: str, symbol: str) -> Any: ...
        def _book(self, product: str, symbol: str) -> tuple[list[tuple[Decimal, Decimal]],
                                                            list[tuple[Decimal, Decimal]]]: ...
        def _check_client_oid(self, acc: Account, client_oid: str | None, product: str) -> str: ...
        def _check_price(self, inst: Any, price: Any) -> Decimal: ...
        def _check_size_scale(self, inst: Any, qty: Decimal) -> None: ...
        def _execute_new(self, acc: Account, order: SimOrder, inst: Any) -> None: ...
        def _record_fill(self, acc: Account, fill: SimFill) -> None: ...
        def _close_order(self, acc: Account, order: SimOrder) -> None: ...
        def _cancel(self, acc: Account, order: SimOrder, reason: str) -> None: ...
        def _cancel_one(self, api_key: str, product: str, symbol: str | None, order_id: str | None,
                        client_oid: str | None, missing_code: str, missing_msg: str) -> SimOrder: ...
        def _cancel_open(self, acc: Account, product: str, symbol: str | None) -> list[SimOrder]: ...

    def _settings(self, fb: FuturesBook, symbol: str) -> SymbolSettings:
        s = fb.settings.get(symbol)
        if s is None:
            s = SymbolSettings()
            fb.settings[symbol] = s
        return s

    def _leverage_for(self, fb: FuturesBook, symbol: str, hold_side: str) -> int:
        s = self._settings(fb, symbol)
        if s.margin_mode == "crossed":
            return s.cross_leverage
        return s.long_leverage if hold_side == "long" else s.short_leverage

    def _has_orders(self, acc: Account, product: str, symbol: str | None = None) -> bool:
        return any(o.product == product and (symbol is None or o.symbol == symbol) for o in acc.open_orders.values())

    def _has_positions(self, fb: FuturesBook, symbol: str | None = None) -> bool:
        return any(p.size > 0 and (symbol is None or p.symbol == symbol) for p in fb.positions.values())

    def set_position_mode(self, api_key: str, product: str, pos_mode: str) -> str:
        mode = (pos_mode or "").strip().lower()
        if mode not in ("one_way_mode", "hedge_mode"):
            raise EngineError("40020", "Parameter posMode error")
        acc = self.account(api_key)
        fb = self.futures_book(api_key, product)
        if mode != fb.pos_mode:
            if self._has_positions(fb) or self._has_orders(acc, product):
                raise EngineError("40920", "Position or order exists, the position mode cannot be switched")
            fb.pos_mode = mode
            self._dirty = True
        return fb.pos_mode

    def set_hold_mode(self, api_key: str, hold_mode: str) -> str:
        """Unified accounts: one-way/hedge for every futures book at once (refused while any has positions/orders)."""
        mode = (hold_mode or "").strip().lower()
        if mode not in ("one_way_mode", "hedge_mode"):
            raise EngineError("40020", "Parameter holdMode error")
        acc = self.account(api_key)
        books = list(acc.futures.values())
        if any(fb.pos_mode != mode for fb in books):
            if any(self._has_positions(fb) or self._has_orders(acc, fb.product) for fb in books):
                raise EngineError("40920", "Position or order exists, the position mode cannot be switched")
            for fb in books:
                fb.pos_mode = mode
            self._dirty = True
        return mode

    def set_margin_mode(self, api_key: str, product: str, symbol: str, margin_mode: str) -> SymbolSettings:
        mode = (margin_mode or "").strip().lower()
        if mode == "cross":
            mode = "crossed"
        if mode not in ("crossed", "isolated"):
            raise EngineError("40020", "Parameter marginMode error")
        self._instrument(product, symbol)
        acc = self.account(api_key)
        fb = self.futures_book(api_key, product)
        s = self._settings(fb, symbol)
        if mode != s.margin_mode:
            if self._has_positions(fb, symbol) or self._has_orders(acc, product, symbol):
                raise EngineError("45117", "Currently holding positions or orders, the margin mode cannot be adjusted")
            s.margin_mode = mode
        s.margin_mode_set = True
        self._dirty = True
        return s

    def set_leverage(self, api_key: str, product: str, symbol: str, leverage: Any,
                     hold_side: str | None = None) -> SymbolSettings:
        inst = self._instrument(product, symbol)
        try:
            lev_d = Decimal(str(leverage).strip())
        except Exception as exc:
            raise EngineError("40020", "Parameter leverage error") from exc
        if not lev_d.is_finite() or lev_d != lev_d.to_integral_value():
            raise EngineError("40020", "Parameter leverage error")
        lev = int(lev_d)
        lo, hi = int(_attr(inst, "min_leverage", default=1)), int(_attr(inst, "max_leverage", default=125))
        if hi < lo:
            hi = lo
        if lev < lo or lev > hi:
            raise EngineError("43050", "Leverage exceeds the effective range")
        hs = (hold_side or "").strip().lower() or None
        if hs not in (None, "long", "short"):
            raise EngineError("40020", "Parameter holdSide error")
        with self._batch():
            acc = self.account(api_key)
            fb = self.futures_book(api_key, product)
            s = self._settings(fb, symbol)
            before = (s.cross_leverage, s.long_leverage, s.short_leverage)
            if s.margin_mode == "crossed" or hs is None:
                s.cross_leverage = lev
                if s.margin_mode == "isolated" or hs is None:
                    s.long_leverage = s.short_leverage = lev
            elif hs == "long":
                s.long_leverage = lev
            else:
                s.short_leverage = lev
            touched = False
            self._dirty = True
            extra = ZERO
            changes = []
            for pos in fb.positions.values():
                if pos.symbol == symbol:
                    new_lev = self._leverage_for(fb, symbol, pos.hold_side)
                    if new_lev != pos.leverage:
                        new_margin = (pos.entry_price * pos.size / new_lev).quantize(MARGIN_Q)
                        extra += new_margin - pos.margin
                        changes.append((pos, new_lev, new_margin))
            if extra > 0 and self.futures_metrics(acc, fb)["raw_available"] < extra:
                s.cross_leverage, s.long_leverage, s.short_leverage = before
                raise EngineError("40893", "Unable to update the leverage factor of this position, there is not "
                                           "enough margin!")
            for pos, new_lev, new_margin in changes:
                pos.leverage = new_lev
                pos.margin = new_margin
                touched = True
            if touched:
                self._emit_positions(acc, fb)
                self._emit_futures_account(acc, fb)
            return s

    # --- futures metrics ----------------------------------------------------------------------------------------------

    def unrealized(self, pos: Position, mark: Decimal) -> Decimal:
        diff = (mark - pos.entry_price) if pos.hold_side == "long" else (pos.entry_price - mark)
        return diff * pos.size

    def futures_metrics(self, acc: Account, fb: FuturesBook) -> dict[str, Decimal]:
        upl_cross = upl_iso = margin_cross = margin_iso = ZERO
        for pos in fb.positions.values():
            upl = self.unrealized(pos, self.mark_price(fb.product, pos.symbol))
            if pos.margin_mode == "isolated":
                upl_iso += upl
                margin_iso += pos.margin
            else:
                upl_cross += upl
                margin_cross += pos.margin
        # a unified account's spot orders hold the same USDT as the futures wallet: they reserve it too
        shared = self.is_unified(acc) and fb.product == self.UNIFIED_PRODUCT
        frozen = sum((o.frozen for o in acc.open_orders.values() if o.product == fb.product
                      or (shared and o.product == SPOT and o.frozen_coin == fb.margin_coin)), ZERO)
        equity = fb.balance + upl_cross + upl_iso
        available = fb.balance + upl_cross - margin_cross - margin_iso - frozen
        mm = sum((self.keep_margin_rate(fb.product, p.symbol, p.size * p.entry_price) * p.size
                  * self.mark_price(fb.product, p.symbol) for p in fb.positions.values()
                  if p.margin_mode == "crossed"), ZERO)
        cross_equity = fb.balance - margin_iso - frozen + upl_cross
        return {
            "equity": equity,
            "available": max(ZERO, available),
            "raw_available": available,
            "frozen": frozen,
            "upl": upl_cross + upl_iso,
            "upl_cross": upl_cross,
            "upl_iso": upl_iso,
            "margin_cross": margin_cross,
            "margin_iso": margin_iso,
            "risk_rate": (mm / cross_equity) if cross_equity > 0 else ZERO,
        }

    def liquidation_price(self, acc: Account, fb: FuturesBook, pos: Position) -> Decimal:
        """Estimated liquidation price under a one-tier maintenance-margin model (keepMarginRate from the tiers)."""
        if pos.size <= 0:
            return ZERO
        mmr = self.keep_margin_rate(fb.product, pos.symbol, pos.size * pos.entry_price)
        if pos.margin_mode == "isolated":
            collateral = pos.margin
        else:
            m = self.futures_metrics(acc, fb)
            other_upl = m["upl_cross"] - self.unrealized(pos, self.mark_price(fb.product, pos.symbol))
            collateral = fb.balance - m["margin_iso"] - m["frozen"] + other_upl - (m["margin_cross"] - pos.margin)
        q, e = pos.size, pos.entry_price
        if pos.hold_side == "long":
            liq = (e * q - collateral) / (q * (1 - mmr))
        else:
            liq = (e * q + collateral) / (q * (1 + mmr))
        if liq <= 0:
            return ZERO
        places = 8
        try:
            inst = self._instrument(fb.product, pos.symbol)
            places = int(_attr(inst, "price_places", default=8))
        except EngineError:
            pass
        return liq.quantize(Decimal(1).scaleb(-places))

    # --- futures orders -----------------------------------------------------------------------------------------------

    def futures_place(
        self,
        api_key: str,
        product: str,
        symbol: str,
        side: str,
        order_type: str,
        size: Any,
        price: Any = None,
        force: str | None = "gtc",
        client_oid: str | None = None,
        trade_side: str | None = None,
        reduce_only: Any = None,
        margin_mode: str | None = None,
        margin_coin: str | None = None,
        preset_tp: Any = None,
        preset_sl: Any = None,
        order_source: str = "normal",
    ) -> SimOrder:
        with self._batch():
            return self._futures_place(api_key, product, symbol, side, order_type, size, price, force, client_oid,
                                       trade_side, reduce_only, margin_mode, margin_coin, preset_tp, preset_sl,
                                       order_source)

    def _futures_place(self, api_key: str, product: str, symbol: str, side: str, order_type: str, size: Any,
                       price: Any, force: str | None, client_oid: str | None, trade_side: str | None,
                       reduce_only: Any, margin_mode: str | None, margin_coin: str | None, preset_tp: Any,
                       preset_sl: Any, order_source: str) -> SimOrder:
        acc = self.account(api_key)
        if not symbol:
            raise EngineError("40019", "Parameter symbol cannot be empty")
        inst = self._instrument(product, symbol)
        fb = self.futures_book(api_key, product)
        side, order_type = _norm_side(side), _norm_type(order_type)
        force = _norm_force(force) if order_type == "limit" else "gtc"  # force is ignored for market orders
        if margin_coin and margin_coin.strip().upper() != fb.margin_coin:
            raise EngineError("40020", "Parameter marginCoin error")
        qty = _required_decimal(size, "size")
        if qty <= 0:
            raise EngineError("40020", "Parameter size error")
        self._check_size_scale(inst, qty)
        px = self._check_price(inst, price) if order_type == "limit" else None
        ro = _yes_no(reduce_only)
        ts_norm = (trade_side or "").strip().lower() or None
        one_way_tag = ts_norm in ("buy_single", "sell_single")  # one-way order type (Hummingbot sends it)
        if one_way_tag:
            if fb.pos_mode == "hedge_mode":
                raise EngineError("40774", "The order type for unilateral position must also be the unilateral "
                                           "position type.")
            if ts_norm != f"{side}_single":
                raise EngineError("400172", "side mismatch")
            ts_norm = None
        if ts_norm not in (None, "open", "close"):
            raise EngineError("40020", "Parameter tradeSide error")
        settings = self._settings(fb, symbol)
        if margin_mode:
            mm = margin_mode.strip().lower()
            mm = "crossed" if mm == "cross" else mm
            if mm not in ("crossed", "isolated"):
                raise EngineError("40020", "Parameter marginMode error")
            # WORKAROUND: clients send a marginMode on every order (ccxt always "crossed" unless told), so it only
            # picks the mode while the symbol is flat and the mode was never chosen through set-margin-mode.
            if mm != settings.margin_mode and not settings.margin_mode_set and not self._has_positions(
                    fb, symbol) and not self._has_orders(acc, product, symbol):
                settings.margin_mode = mm
        unilateral_msg = "The order type for unilateral position must also be the unilateral position type."
        to_cancel: list[SimOrder] = []  # orders this one displaces, cancelled once it is accepted
        # --- intent: which position side, executed direction, open or close part --------------------------------
        if fb.pos_mode == "hedge_mode":
            if ts_norm is None:
                raise EngineError("40774", unilateral_msg)
            hold = "long" if side == "buy" else "short"
            if ts_norm == "open":
                exec_side = side
                close_qty, open_qty = ZERO, qty
            else:
                exec_side = "sell" if hold == "long" else "buy"
                pos = fb.positions.get(f"{symbol}:{hold}")
                if pos is None or pos.size <= 0:
                    raise EngineError("22002", "No position to close")
                avail = pos.size - pos.locked
                if avail <= 0:
                    # Bitget: a new close order cancels the limit close orders that occupy the whole position
                    to_cancel = [o for o in acc.open_orders.values() if o.product == product and o.symbol == symbol
                                 and o.trade_side == "close" and o.pos_side == hold]
                    avail = pos.size
                if qty > avail:
                    if order_type != "market" or qty > pos.size:
                        raise EngineError("40757", "Not enough position is available.")
                    qty = avail  # Bitget: a market close only closes what the pending limit closes leave free
                close_qty, open_qty = qty, ZERO
            ro = ts_norm == "close"
            pos_side = hold
        else:
            if ts_norm is not None:
                raise EngineError("40774", unilateral_msg)
            exec_side = side
            opposite = fb.positions.get(f"{symbol}:{'short' if side == 'buy' else 'long'}")
            opp_size = opposite.size if opposite is not None else ZERO
            if ro:
                if opp_size <= 0:
                    raise EngineError("22002", "No position to close")
                # Bitget: older reduce-only orders are cancelled, oldest first, until all of them fit the position
                older = sorted((o for o in acc.open_orders.values() if o.product == product and o.symbol == symbol
                                and o.reduce_only and o.trade_side is None and o.exec_side == side),
                               key=lambda o: (o.c_time, int(o.order_id)))
                pending = sum((o.size - o.filled_base for o in older), ZERO)
                for o in older:
                    if pending + qty <= opp_size:
                        break
                    to_cancel.append(o)
                    pending -= o.size - o.filled_base
                close_qty, open_qty = min(qty, opp_size), ZERO
            else:
                close_qty = min(qty, opp_size)
                open_qty = qty - close_qty
            hold = "long" if side == "buy" else "short"
            pos_side = "net"
        # --- size limits ---------------------------------------------------------------------------------------------
        min_size = Decimal(str(_attr(inst, "min_size", default=ZERO)))
        if min_size > 0 and qty < min_size:
            raise EngineError("45111", "less than the minimum order quantity")
        ref = px if px is not None else self._taker_ref(product, symbol, exec_side)
        min_notional = Decimal(str(_attr(inst, "min_notional", default=ZERO)))
        if min_notional > 0 and qty * ref < min_notional and not ro:
            raise EngineError("45110", f"less than the minimum amount {fmt(min_notional)} USDT")
        max_size = _attr(inst, "max_order_size")
        if order_type == "market":
            max_size = _attr(inst, "max_market_order_size", default=max_size)
        if max_size is not None and Decimal(str(max_size)) > 0 and qty > Decimal(str(max_size)):
            raise EngineError("45112", "more than the maximum order quantity")
        tp = _opt_decimal(preset_tp, "presetStopSurplusPrice")
        sl = _opt_decimal(preset_sl, "presetStopLossPrice")
        if (tp is not None or sl is not None) and open_qty > 0:
            self._check_tpsl(hold, ref, tp, sl)
        oid = self._check_client_oid(acc, client_oid, product)
        # --- margin ---------------------------------------------------------------------------------------------------
        lev = self._leverage_for(fb, symbol, hold)
        rate = Decimal(str(inst.taker_fee_rate))
        margin_need = (ref * open_qty / lev).quantize(MARGIN_Q)
        fee_need = ref * qty * rate
        m = self.futures_metrics(acc, fb)
        if open_qty > 0 and m["raw_available"] < margin_need + fee_need:
            raise EngineError("40762", "The order amount exceeds the balance")
        for displaced in to_cancel:
            self._cancel(acc, displaced, "displaced by a newer close order")
        now = self._now()
        order = SimOrder(
            order_id=self._new_id(), client_oid=oid, symbol=symbol, product=product, side=side,
            order_type=order_type, force=force if order_type == "limit" else "gtc", price=px, size=qty,
            c_time=now, u_time=now, trade_side=ts_norm if fb.pos_mode == "hedge_mode" else None,
            exec_side=exec_side, pos_side=pos_side, reduce_only=ro, margin_mode=settings.margin_mode,
            margin_coin=fb.margin_coin, leverage=lev, pos_mode=fb.pos_mode, preset_tp=tp, preset_sl=sl,
            frozen=(margin_need if order_type == "limit" else ZERO), frozen_coin=fb.margin_coin,
            fee_coin=fb.margin_coin, order_source=("market" if order_type == "market" and order_source == "normal"
                                                   else order_source),
        )
        if fb.pos_mode == "hedge_mode" and ts_norm == "close":
            fb.positions[f"{symbol}:{hold}"].locked += qty
        acc.orders[order.order_id] = order
        acc.client_oids[oid] = order.order_id
        acc.open_orders[order.order_id] = order
        self._emit(api_key, "orders", product, [views.ws_mix_order(order)])
        self._execute_new(acc, order, inst)
        if order.is_open:
            if order.trade_side == "close":
                self._emit_positions(acc, fb)
            self._emit_futures_account(acc, fb)
        return order

    def _taker_ref(self, product: str, symbol: str, exec_side: str) -> Decimal:
        bids, asks = self._book(product, symbol)
        levels = asks if exec_side == "buy" else bids
        return levels[0][0] if levels else self.mark_price(product, symbol)

    def _check_tpsl(self, hold: str, ref: Decimal, tp: Decimal | None, sl: Decimal | None) -> None:
        if hold == "long":
            if tp is not None and tp <= ref:
                raise EngineError("40829", "The take profit price of a long position should be greater than the "
                                           "average open price")
            if sl is not None and sl >= ref:
                raise EngineError("40833", "The stop loss price of a long position should be less than the average "
                                           "opening price")
        else:
            if tp is not None and tp >= ref:
                raise EngineError("40831", "The short position take profit price should be less than the average "
                                           "open price")
            if sl is not None and sl <= ref:
                raise EngineError("40835", "The stop loss price of the short position should be greater than the "
                                           "average opening price")

    def _futures_fill(self, acc: Account, order: SimOrder, inst: Any, price: Decimal, qty: Decimal, *, maker: bool,
                      ts: int) -> Decimal:
        fb = acc.futures[order.product]
        symbol = order.symbol
        # reduce-only (one-way) and hedge closes can never exceed the position they close
        if order.reduce_only or order.trade_side == "close":
            hold = order.pos_side if order.trade_side == "close" else ("short" if order.exec_side == "buy" else "long")
            pos = fb.positions.get(f"{symbol}:{hold}")
            have = pos.size if pos is not None else ZERO
            qty = min(qty, have)
            if qty <= 0:
                self._cancel(acc, order, "reduce-only order has no position left to reduce")
                return ZERO
        rate = Decimal(str(inst.maker_fee_rate if maker else inst.taker_fee_rate))
        notional = price * qty
        fee = (notional * rate).quantize(FEE_Q)
        remaining_before = order.size - order.filled_base
        if order.frozen > 0 and remaining_before > 0:
            release = order.frozen
            if qty < remaining_before:
                release = (order.frozen * qty / remaining_before).quantize(MARGIN_Q)
            order.frozen -= release
        fb.balance -= fee
        profit = ZERO
        opened = ZERO
        if order.pos_mode == "hedge_mode" or order.trade_side is not None:
            hold = order.pos_side
            if order.trade_side == "close":
                profit = self._reduce_position(fb, symbol, hold, price, qty, ts, fee, unlock=qty)
            else:
                self._add_position(fb, symbol, hold, price, qty, ts, fee)
                opened = qty
        else:
            opp = "short" if order.exec_side == "buy" else "long"
            same = "long" if order.exec_side == "buy" else "short"
            pos = fb.positions.get(f"{symbol}:{opp}")
            close_q = min(qty, pos.size) if pos is not None else ZERO
            if close_q > 0:
                profit = self._reduce_position(fb, symbol, opp, price, close_q, ts, fee * close_q / qty)
            open_q = qty - close_q
            if open_q > 0 and not order.reduce_only:
                self._add_position(fb, symbol, same, price, open_q, ts, fee * open_q / qty)
                opened = open_q
        order.filled_base += qty
        order.filled_quote += notional
        order.fee -= fee
        order.total_profits += profit
        order.u_time = ts
        done = order.filled_base >= order.size
        order.status = "filled" if done else "partially_filled"
        fill = SimFill(
            trade_id=self._new_id(), order_id=order.order_id, client_oid=order.client_oid, symbol=symbol,
            product=order.product, side=order.side, exec_side=order.exec_side, order_type=order.order_type,
            price=price, size=qty, quote=notional, fee=-fee, fee_coin=fb.margin_coin, maker=maker, ts=ts,
            trade_side=order.trade_side, pos_mode=order.pos_mode, profit=profit,
        )
        self._record_fill(acc, fill)
        if opened > 0 and (order.preset_tp is not None or order.preset_sl is not None):
            hold = order.pos_side if order.pos_side in ("long", "short") else (
                "long" if order.exec_side == "buy" else "short")
            self._attach_tpsl(fb, order, hold, opened, ts)
        if done:
            self._close_order(acc, order)
        self._emit(acc.api_key, "orders", order.product, [views.ws_mix_order(order, fill)])
        if not done and order.reduce_only and order.trade_side is None:
            left = fb.positions.get(f"{symbol}:{'short' if order.exec_side == 'buy' else 'long'}")
            if left is None or left.size <= 0:
                self._cancel(acc, order, "reduce-only order has no position left to reduce")
        self._emit(acc.api_key, "fill", order.product, [views.ws_mix_fill(fill)])
        self._emit_positions(acc, fb)
        self._emit_futures_account(acc, fb)
        return qty

    def _add_position(self, fb: FuturesBook, symbol: str, hold: str, price: Decimal, qty: Decimal, ts: int,
                      fee: Decimal) -> None:
        key = f"{symbol}:{hold}"
        lev = self._leverage_for(fb, symbol, hold)
        pos = fb.positions.get(key)
        if pos is None:
            pos = Position(symbol=symbol, product=fb.product, hold_side=hold, size=ZERO, entry_price=price,
                           margin_mode=self._settings(fb, symbol).margin_mode, leverage=lev, margin=ZERO,
                           c_time=ts, u_time=ts, pos_id=self._new_id())
            fb.positions[key] = pos
        new_size = pos.size + qty
        pos.entry_price = (pos.entry_price * pos.size + price * qty) / new_size
        pos.entry_price = pos.entry_price.quantize(Decimal("1e-10")).normalize()
        pos.size = new_size
        pos.margin += (price * qty / lev).quantize(MARGIN_Q)
        pos.total_fee += fee
        pos.u_time = ts

    def _reduce_position(self, fb: FuturesBook, symbol: str, hold: str, price: Decimal, qty: Decimal, ts: int,
                         fee: Decimal, unlock: Decimal = ZERO) -> Decimal:
        key = f"{symbol}:{hold}"
        pos = fb.positions[key]
        pnl = (price - pos.entry_price) * qty if hold == "long" else (pos.entry_price - price) * qty
        margin_part = (pos.margin * qty / pos.size).quantize(MARGIN_Q) if qty < pos.size else pos.margin
        pos.margin -= margin_part
        pos.size -= qty
        pos.locked = max(ZERO, pos.locked - unlock)
        pos.achieved_profits += pnl
        pos.total_fee += fee
        pos.u_time = ts
        fb.balance += pnl
        if fb.balance < 0:  # bankrupt: the simulator absorbs the shortfall (no insurance fund)
            fb.balance = ZERO
        if pos.size <= 0:
            del fb.positions[key]
            for pid in [pid for pid, p in fb.plans.items() if p.symbol == symbol and p.hold_side == hold]:
                del fb.plans[pid]
        return pnl

    def _attach_tpsl(self, fb: FuturesBook, order: SimOrder, hold: str, qty: Decimal, ts: int) -> None:
        for plan_type, trigger in (("profit_plan", order.preset_tp), ("loss_plan", order.preset_sl)):
            if trigger is None:
                continue
            existing = next((p for p in fb.plans.values() if p.client_oid == f"{order.order_id}-{plan_type}"), None)
            if existing is not None:
                existing.size += qty
                continue
            plan = PlanOrder(order_id=self._new_id(), client_oid=f"{order.order_id}-{plan_type}",
                             symbol=order.symbol, product=order.product, plan_type=plan_type, hold_side=hold,
                             trigger_price=trigger, size=qty, c_time=ts, margin_mode=order.margin_mode,
                             pos_mode=order.pos_mode)
            fb.plans[plan.order_id] = plan

    def _check_triggers(self, now: int) -> None:
        for acc in list(self.accounts.values()):
            for fb in list(acc.futures.values()):
                for plan in list(fb.plans.values()):
                    if plan.order_id not in fb.plans:
                        continue
                    mark = self.mark_price(fb.product, plan.symbol)
                    if not _triggered(plan, mark):
                        continue
                    del fb.plans[plan.order_id]
                    self._market_close(acc, fb, plan.symbol, plan.hold_side, plan.size, source=plan.plan_type)
                for pos in list(fb.positions.values()):
                    liq = self.liquidation_price(acc, fb, pos)
                    if liq <= 0:
                        continue
                    mark = self.mark_price(fb.product, pos.symbol)
                    if (pos.hold_side == "long" and mark <= liq) or (pos.hold_side == "short" and mark >= liq):
                        self._liquidate(acc, fb, pos, mark, now)

    def _liquidate(self, acc: Account, fb: FuturesBook, pos: Position, mark: Decimal, now: int) -> None:
        for o in list(acc.open_orders.values()):
            if o.product == fb.product and o.symbol == pos.symbol:
                self._cancel(acc, o, "liquidation")
        key = f"{pos.symbol}:{pos.hold_side}"
        if key not in fb.positions:
            return
        if pos.margin_mode == "isolated":
            fb.balance -= pos.margin  # isolated: the position's margin is lost
            fb.balance = max(fb.balance, ZERO)
            pos.achieved_profits -= pos.margin
            del fb.positions[key]
            for pid in [pid for pid, p in fb.plans.items() if p.symbol == pos.symbol and p.hold_side == pos.hold_side]:
                del fb.plans[pid]
        else:
            self._reduce_position(fb, pos.symbol, pos.hold_side, mark, pos.size, now, ZERO)
        self._emit_positions(acc, fb)
        self._emit_futures_account(acc, fb)

    def _market_close(self, acc: Account, fb: FuturesBook, symbol: str, hold: str, size: Decimal | None,
                      source: str = "normal", client_oid: str | None = None) -> SimOrder | None:
        pos = fb.positions.get(f"{symbol}:{hold}")
        if pos is None or pos.size <= 0:
            return None
        if fb.pos_mode == "hedge_mode":
            avail = pos.size - pos.locked
            want = pos.size if size is None else min(size, pos.size)
            if avail < want:  # free the size reserved by pending close orders first
                for o in list(acc.open_orders.values()):
                    if (o.product, o.symbol, o.trade_side, o.pos_side) == (fb.product, symbol, "close", hold):
                        self._cancel(acc, o, "position closed")
                avail = pos.size - pos.locked
            qty = avail if size is None else min(size, avail)
            if qty <= 0:
                return None
            side = "buy" if hold == "long" else "sell"
            return self._futures_place(acc.api_key, fb.product, symbol, side, "market", qty, None, "gtc", client_oid,
                                       "close", None, None, None, None, None, source)
        qty = pos.size if size is None else min(size, pos.size)
        side = "sell" if hold == "long" else "buy"
        return self._futures_place(acc.api_key, fb.product, symbol, side, "market", qty, None, "gtc", client_oid,
                                   None, "YES", None, None, None, None, source)

    def futures_cancel(self, api_key: str, product: str, symbol: str | None, order_id: str | None = None,
                       client_oid: str | None = None) -> SimOrder:
        return self._cancel_one(api_key, product, symbol, order_id, client_oid, "40768", "Order does not exist")

    def futures_cancel_all(self, api_key: str, product: str, symbol: str | None = None) -> list[SimOrder]:
        with self._batch():
            return self._cancel_open(self.account(api_key), product, symbol)

    def close_positions(self, api_key: str, product: str, symbol: str | None = None,
                        hold_side: str | None = None) -> list[SimOrder]:
        """Market-close every position of the product (or of one symbol / one hedge side)."""
        hs = (hold_side or "").strip().lower() or None
        if hs not in (None, "long", "short"):
            raise EngineError("40020", "Parameter holdSide error")
        with self._batch():
            acc = self.account(api_key)
            fb = self.futures_book(api_key, product)
            if symbol:
                self._instrument(product, symbol)
            targets = [p for p in fb.positions.values()
                       if (not symbol or p.symbol == symbol) and (hs is None or p.hold_side == hs)]
            if not targets:
                raise EngineError("22002", "No position to close")
            out = []
            for pos in targets:
                o = self._market_close(acc, fb, pos.symbol, pos.hold_side, None)
                if o is not None:
                    out.append(o)
            return out

    def click_backhand(self, api_key: str, product: str, symbol: str, client_oid: str | None = None) -> SimOrder:
        """Reverse the position: close it at market and open the same size the other way (one-way or hedge)."""
        with self._batch():
            acc = self.account(api_key)
            fb = self.futures_book(api_key, product)
            self._instrument(product, symbol)
            targets = [p for p in fb.positions.values() if p.symbol == symbol]
            if not targets:
                raise EngineError("22002", "No position to close")
            pos = targets[0]
            size, hold = pos.size, pos.hold_side
            if fb.pos_mode == "hedge_mode":
                closed = self._market_close(acc, fb, symbol, hold, None)
                if closed is None or closed.filled_base <= 0:
                    raise EngineError("22002", "No position to close")
                side = "sell" if hold == "long" else "buy"
                return self._futures_place(api_key, product, symbol, side, "market", closed.filled_base, None, "gtc",
                                           client_oid, "open", None, None, None, None, None, "reverse")
            side = "sell" if hold == "long" else "buy"
            return self._futures_place(api_key, product, symbol, side, "market", size * 2, None, "gtc", client_oid,
                                       None, None, None, None, None, None, "reverse")

    # --- futures events -----------------------------------------------------------------------------------------------

    def position_views(self, acc: Account, fb: FuturesBook, *, ws: bool) -> list[dict[str, Any]]:
        out = []
        for pos in fb.positions.values():
            mark = self.mark_price(fb.product, pos.symbol)
            upl = self.unrealized(pos, mark)
            liq = self.liquidation_price(acc, fb, pos)
            mmr = self.keep_margin_rate(fb.product, pos.symbol, pos.size * pos.entry_price)
            maint = mmr * pos.size * mark
            if pos.margin_mode == "isolated":
                margin_rate = maint / (pos.margin + upl) if pos.margin + upl > 0 else Decimal(1)
            else:
                m = self.futures_metrics(acc, fb)
                margin_rate = m["risk_rate"]
            margin_rate = margin_rate.quantize(Decimal("1e-12"))
            v = views.ws_position(pos, fb, mark=mark, upl=upl, liq=liq, mmr=mmr, margin_rate=margin_rate)
            if not ws:
                v = {
                    "marginCoin": fb.margin_coin,
                    "symbol": pos.symbol,
                    "holdSide": pos.hold_side,
                    "openDelegateSize": fmt(self._pending_open(acc, fb, pos)),
                    "marginSize": v["marginSize"],
                    "available": v["available"],
                    "locked": v["frozen"],
                    "total": v["total"],
                    "leverage": str(pos.leverage),
                    "achievedProfits": v["achievedProfits"],
                    "openPriceAvg": v["openPriceAvg"],
                    "marginMode": pos.margin_mode,
                    "posMode": fb.pos_mode,
                    "unrealizedPL": v["unrealizedPL"],
                    "liquidationPrice": v["liquidationPrice"],
                    "keepMarginRate": v["keepMarginRate"],
                    "markPrice": v["markPrice"],
                    "marginRatio": v["marginRate"],
                    "breakEvenPrice": v["breakEvenPrice"],
                    "totalFee": v["totalFee"],
                    "deductedFee": "0",
                    "assetMode": "single",
                    "autoMargin": "off",
                    "cTime": v["cTime"],
                    "uTime": v["uTime"],
                }
            out.append(v)
        return out

    def _pending_open(self, acc: Account, fb: FuturesBook, pos: Position) -> Decimal:
        total = ZERO
        for o in acc.open_orders.values():
            if o.product != fb.product or o.symbol != pos.symbol or o.reduce_only:
                continue
            hold = o.pos_side if o.pos_side in ("long", "short") else ("long" if o.exec_side == "buy" else "short")
            if hold == pos.hold_side:
                total += o.size - o.filled_base
        return total

    def _emit_positions(self, acc: Account, fb: FuturesBook) -> None:
        self._emit(acc.api_key, "positions", fb.product, self.position_views(acc, fb, ws=True))

    def futures_account_ws(self, acc: Account, fb: FuturesBook) -> dict[str, Any]:
        m = self.futures_metrics(acc, fb)
        return {
            "marginCoin": fb.margin_coin,
            "frozen": fmt(m["frozen"]),
            "available": fmt(fb.balance),
            "maxOpenPosAvailable": fmt(m["available"]),
            "maxTransferOut": fmt(m["available"]),
            "equity": fmt(m["equity"]),
            "usdtEquity": fmt(m["equity"]),
            "crossedRiskRate": fmt(m["risk_rate"].quantize(Decimal("1e-12"))),
            "unrealizedPL": fmt(m["upl"]),
        }

    def _emit_futures_account(self, acc: Account, fb: FuturesBook) -> None:
        self._emit(acc.api_key, "account", fb.product, [self.futures_account_ws(acc, fb)])

    # --- funding ----------------------------------------------------------------------------------------------------

    def _settle_funding(self, now: int) -> None:
        """At each funding time, longs pay shorts size x mark x rate (negative rates pay the other way)."""
        next_time = getattr(self.market, "next_funding_time", None)
        rate_of = getattr(self.market, "funding_rate", None)
        if not callable(next_time) or not callable(rate_of):
            return
        if self._funding_due is None:
            self._funding_due = int(next_time(now))
            return
        if now < self._funding_due:
            return
        due, self._funding_due = self._funding_due, int(next_time(now))
        for acc in self.accounts.values():
            for fb in acc.futures.values():
                if not fb.positions:
                    continue
                for pos in list(fb.positions.values()):
                    try:
                        rate = Decimal(str(rate_of(pos.symbol, due - 1)))
                    except (KeyError, LookupError, ValueError):
                        continue
                    mark = self.mark_price(fb.product, pos.symbol)
                    amount = (pos.size * mark * rate).quantize(FEE_Q)
                    if pos.hold_side == "long":
                        amount = -amount
                    fb.balance += amount
                    pos.achieved_profits += amount
                    fb.bills.append({
                        "billId": self._new_id(), "symbol": pos.symbol, "amount": fmt(amount), "fee": "0",
                        "feeByCoupon": "", "businessType": "contract_settle_fee", "coin": fb.margin_coin,
                        "balance": fmt(fb.balance), "cTime": str(due),
                    })
                del fb.bills[:-1000]
                self._emit_positions(acc, fb)
                self._emit_futures_account(acc, fb)
        self._dirty = True
