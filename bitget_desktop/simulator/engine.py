"""Matching engine and accounts of the simulator: spot balances, futures positions, fills, fees, events, persistence.

Pure Python: no sockets, no asyncio. The market (book, last/mark price, instrument specs) and the clock are injected.
Errors are raised as :class:`EngineError` carrying Bitget's code and message.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any, Protocol

from bitget_desktop.simulator import instruments, views
from bitget_desktop.simulator.accounts import (
    DEMO_FUTURES_FUNDING,
    DEMO_SPOT_FUNDING,
    Account,
    EngineError,
    FuturesBook,
    PlanOrder,
    SimFill,
    SimOrder,
    SpotBalance,
    account_from_json,
    account_to_json,
    fmt,
)
from bitget_desktop.simulator.futures import FuturesMixin
from bitget_desktop.simulator.persistence import read_json, write_json
from bitget_desktop.simulator.rules import (
    _D,
    CLIENT_OID_RE,
    DEFAULT_MMR,
    FEE_Q,
    MAX_STORED_FILLS,
    MAX_STORED_ORDERS,
    SPOT,
    ZERO,
    _attr,
    _levels,
    _margin_coin_of,
    _norm_force,
    _norm_side,
    _norm_type,
    _reaches,
    _required_decimal,
    _scale,
    _tier,
)

__all__ = ["Engine", "EngineError", "MarketView", "Listener"]

Listener = Callable[[str, str, str, list[dict[str, Any]]], None]


class MarketView(Protocol):
    """What the engine needs from the market (simulator/market.py provides it)."""

    def instrument_spec(self, product: Any, symbol: str) -> Any: ...

    def book(self, product: Any, symbol: str) -> Any: ...


class Engine(FuturesMixin):
    """Accounts and matching for every API key of one simulator."""

    def __init__(
        self,
        market: Any,
        clock: Callable[[], int],
        *,
        spot_funding: dict[str, Decimal] | None = None,
        futures_funding: dict[str, Decimal] | None = None,
        id_seed: int = 1_140_000_000_000_000_000,
    ) -> None:
        self.market = market
        self.clock = clock
        self.spot_funding = dict(DEMO_SPOT_FUNDING if spot_funding is None else spot_funding)
        self.futures_funding = dict(DEMO_FUTURES_FUNDING if futures_funding is None else futures_funding)
        self.accounts: dict[str, Account] = {}
        self._listeners: list[Listener] = []
        self._next_id = id_seed
        self._pending: list[tuple[str, str, str, list[dict[str, Any]]]] = []
        self._depth = 0
        self.state_path: Path | None = None  # when set, on_tick saves changed state at most every autosave_ms
        self.autosave_ms = 2000
        self._dirty = False
        self._last_save = 0
        self.position_push_ms = 1000  # open positions (mark, unrealised PnL) are re-pushed this often
        self._last_position_push = 0
        self._funding_due: int | None = None
        # size our taker orders consumed per (product, symbol, side) and price since the last market tick: the
        # market's book does not know about our fills, so without this two orders could take the same level twice
        self._taken: dict[tuple[str, str, str], dict[Decimal, Decimal]] = {}
        # Unified (UTA) accounts: api key -> the USDT amount both ledgers agreed on at the last reconciliation.
        # A unified account keeps the classic records (spot balances, one futures book) but its spot USDT and its
        # USDT-FUTURES wallet are one money: every batch folds each side's change into the other (see _reconcile).
        self.unified: dict[str, Decimal] = {}

    # --- listeners / events ----------------------------------------------------------------------------------------

    def add_listener(self, cb: Listener) -> None:
        self._listeners.append(cb)

    def remove_listener(self, cb: Listener) -> None:
        if cb in self._listeners:
            self._listeners.remove(cb)

    def _emit(self, api_key: str, channel: str, inst_type: str, data: list[dict[str, Any]]) -> None:
        self._pending.append((api_key, channel, inst_type, data))

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        if any((ch != "positions" and ch != "account") or it == SPOT for _, ch, it, _ in pending):
            self._dirty = True
        for event in pending:
            for cb in list(self._listeners):
                cb(*event)

    class _Batch:
        def __init__(self, engine: Engine) -> None:
            self.engine = engine

        def __enter__(self) -> None:
            self.engine._depth += 1

        def __exit__(self, *exc: object) -> None:
            self.engine._depth -= 1
            if self.engine._depth == 0:
                self.engine._reconcile_unified()
                self.engine._flush()

    def _batch(self) -> Engine._Batch:
        return Engine._Batch(self)

    # --- ids / time / market -----------------------------------------------------------------------------------------

    def _new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def _now(self) -> int:
        return int(self.clock())

    def _instrument(self, product: str, symbol: str) -> Any:
        try:
            inst = self.market.instrument_spec(product, symbol)
        except (KeyError, LookupError, ValueError):
            inst = None
        if inst is None:
            if product == SPOT:
                raise EngineError("40034", f"Parameter {symbol} does not exist")
            raise EngineError("40102", "Contract configuration does not exist, please check the parameters")
        return inst

    def _book(self, product: str, symbol: str) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        raw = self.market.book(product, symbol)
        if isinstance(raw, dict):
            return _levels(raw.get("bids")), _levels(raw.get("asks"))
        if isinstance(raw, tuple | list) and len(raw) == 2:
            return _levels(raw[0]), _levels(raw[1])
        return _levels(_attr(raw, "bids")), _levels(_attr(raw, "asks"))

    def _price_of(self, attr: str, product: str, symbol: str) -> Decimal | None:
        src = getattr(self.market, attr, None)
        if src is None:
            return None
        try:
            v = src(product, symbol) if callable(src) else src[(product, symbol)]
        except (KeyError, LookupError, TypeError):
            return None
        return None if v is None else Decimal(str(v))

    def mark_price(self, product: str, symbol: str) -> Decimal:
        for attr in ("mark_price", "last_price"):
            v = self._price_of(attr, product, symbol)
            if v is not None:
                return v
        bids, asks = self._book(product, symbol)
        if bids and asks:
            return (bids[0][0] + asks[0][0]) / 2
        return bids[0][0] if bids else (asks[0][0] if asks else ZERO)

    def last_price(self, product: str, symbol: str) -> Decimal:
        v = self._price_of("last_price", product, symbol)
        return v if v is not None else self.mark_price(product, symbol)

    def keep_margin_rate(self, product: str, symbol: str, notional: Decimal = ZERO) -> Decimal:
        tiers = None
        src = getattr(self.market, "position_tiers", None)
        if callable(src):
            try:
                tiers = src(product, symbol)
            except (KeyError, LookupError, ValueError):
                tiers = None
        if tiers:
            return self._tier_rate(list(tiers), notional)
        listed = instruments.spec(product, symbol)
        if listed is not None and listed.is_futures:
            return self._tier_rate(instruments.leverage_tiers(listed), notional)
        return DEFAULT_MMR

    @staticmethod
    def _tier_rate(tiers: list[Any], notional: Decimal) -> Decimal:
        for t in tiers:
            start = Decimal(str(_tier(t, "startUnit", "start_unit")))
            end = Decimal(str(_tier(t, "endUnit", "end_unit")))
            if start <= notional < end:
                return Decimal(str(_tier(t, "keepMarginRate", "keep_margin_rate")))
        return Decimal(str(_tier(tiers[-1], "keepMarginRate", "keep_margin_rate")))

    # --- accounts ----------------------------------------------------------------------------------------------------

    def account(self, api_key: str) -> Account:
        acc = self.accounts.get(api_key)
        if acc is None:
            acc = self._fresh_account(api_key)
            self.accounts[api_key] = acc
            self._dirty = True
        return acc

    def _fresh_account(self, api_key: str) -> Account:
        now = self._now()
        acc = Account(api_key=api_key)
        for coin, amount in self.spot_funding.items():
            acc.spot[coin] = SpotBalance(coin=coin, available=Decimal(amount), u_time=now)
        for product, amount in self.futures_funding.items():
            acc.futures[product] = FuturesBook(product=product, margin_coin=_margin_coin_of(product),
                                               balance=Decimal(amount))
        return acc

    # --- unified accounts ---------------------------------------------------------------------------------------------

    UNIFIED_PRODUCT = "USDT-FUTURES"
    UNIFIED_COIN = "USDT"

    def mark_unified(self, api_key: str) -> Account:
        """Make `api_key` a unified account: its spot USDT is also its USDT-FUTURES wallet (one balance)."""
        acc = self.account(api_key)
        fb = self.futures_book(api_key, self.UNIFIED_PRODUCT)
        b = self._bal(acc, self.UNIFIED_COIN)
        fb.balance = b.available + b.frozen
        self.unified[api_key] = fb.balance
        return acc

    def is_unified(self, acc: Account) -> bool:
        return acc.api_key in self.unified

    def _reconcile_unified(self) -> None:
        """Fold each ledger's USDT change since the last batch into the other, so both show the same money."""
        for key, anchor in self.unified.items():
            acc = self.accounts.get(key)
            if acc is None:
                continue
            fb = self.futures_book(key, self.UNIFIED_PRODUCT)
            b = self._bal(acc, self.UNIFIED_COIN)
            d_spot = b.available + b.frozen - anchor
            d_fut = fb.balance - anchor
            if d_spot or d_fut:
                b.available += d_fut
                fb.balance += d_spot
                self.unified[key] = fb.balance
                self._dirty = True

    def _unified_spendable(self, acc: Account, coin: str) -> Decimal | None:
        """What a unified account may still spend of the shared coin (margin in use is not spendable)."""
        if coin != self.UNIFIED_COIN or not self.is_unified(acc):
            return None
        fb = self.futures_book(acc.api_key, self.UNIFIED_PRODUCT)
        return self.futures_metrics(acc, fb)["raw_available"]

    def reset(self, api_key: str) -> None:
        """Back to the demo funding: no orders, no positions, no history."""
        with self._batch():
            self.accounts[api_key] = self._fresh_account(api_key)
            if api_key in self.unified:
                self.mark_unified(api_key)
            acc = self.accounts[api_key]
            self._emit(api_key, "account", SPOT, [views.spot_balance(b) for b in acc.spot.values()])
            for fb in acc.futures.values():
                self._emit_positions(acc, fb)
                self._emit_futures_account(acc, fb)

    def futures_book(self, api_key: str, product: str) -> FuturesBook:
        acc = self.account(api_key)
        fb = acc.futures.get(product)
        if fb is None:
            fb = FuturesBook(product=product, margin_coin=_margin_coin_of(product))
            acc.futures[product] = fb
        return fb

    def _bal(self, acc: Account, coin: str) -> SpotBalance:
        b = acc.spot.get(coin)
        if b is None:
            b = SpotBalance(coin=coin, u_time=self._now())
            acc.spot[coin] = b
        return b

    def _check_client_oid(self, acc: Account, client_oid: str | None, product: str) -> str:
        if client_oid is None or client_oid == "":
            return self._new_id()
        if len(client_oid) > 50 or not CLIENT_OID_RE.match(client_oid):
            raise EngineError("40305", "Client_oid length is not greater than 50, and cannot be Martian characters")
        if client_oid in acc.client_oids:
            if product == SPOT:
                raise EngineError("43118", "clientOrderId duplicate")
            raise EngineError("40786", "Duplicate clientOid")
        return client_oid

    # ================================================================================================================
    # Spot
    # ================================================================================================================

    def spot_place(
        self,
        api_key: str,
        symbol: str,
        side: str,
        order_type: str,
        size: Any,
        price: Any = None,
        force: str | None = "gtc",
        client_oid: str | None = None,
    ) -> SimOrder:
        with self._batch():
            return self._spot_place(api_key, symbol, side, order_type, size, price, force, client_oid)

    def _spot_place(self, api_key: str, symbol: str, side: str, order_type: str, size: Any, price: Any,
                    force: str | None, client_oid: str | None) -> SimOrder:
        acc = self.account(api_key)
        if not symbol:
            raise EngineError("40019", "Parameter symbol cannot be empty")
        inst = self._instrument(SPOT, symbol)
        side, order_type = _norm_side(side), _norm_type(order_type)
        force = _norm_force(force) if order_type == "limit" else "gtc"  # force is ignored for market orders
        qty = _required_decimal(size, "size")
        if qty <= 0:
            raise EngineError("40020", "Parameter size error")
        px: Decimal | None = None
        if order_type == "limit":
            px = self._check_price(inst, price)
        base, quote = inst.base_coin, inst.quote_coin
        market_buy = order_type == "market" and side == "buy"
        if market_buy:
            quote_places = int(_attr(inst, "quote_places", default=8))
            if _scale(qty) > quote_places:
                raise EngineError("40808", f"Parameter verification exception size checkBDScale error value={qty} "
                                           f"checkScale={quote_places}")
        else:
            self._check_size_scale(inst, qty)
            min_size = Decimal(str(_attr(inst, "min_size", default=ZERO)))
            if min_size > 0 and qty < min_size:
                raise EngineError("43006", "The order quantity is less than the minimum transaction quantity")
        ref = px if px is not None else self.last_price(SPOT, symbol)
        notional = qty if market_buy else qty * ref
        min_notional = Decimal(str(_attr(inst, "min_notional", default=ZERO)))
        if min_notional > 0 and notional < min_notional:
            raise EngineError("45110", f"less than the minimum amount {fmt(min_notional)} {quote}")
        oid = self._check_client_oid(acc, client_oid, SPOT)
        if side == "buy":
            need, coin = (qty if market_buy else px * qty), quote  # type: ignore[operator]
        else:
            need, coin = qty, base
        bal = self._bal(acc, coin)
        spendable = self._unified_spendable(acc, coin)
        if bal.available < need or (spendable is not None and spendable < need):
            raise EngineError("43012", "Insufficient balance")
        now = self._now()
        order = SimOrder(
            order_id=self._new_id(), client_oid=oid, symbol=symbol, product=SPOT, side=side, order_type=order_type,
            force=force if order_type == "limit" else "gtc", price=px, size=qty, c_time=now, u_time=now,
            exec_side=side, frozen=need, frozen_coin=coin,
            order_source="market" if order_type == "market" else "normal",
            fee_coin=base if side == "buy" else quote,
        )
        bal.available -= need
        bal.frozen += need
        bal.u_time = now
        acc.orders[order.order_id] = order
        acc.client_oids[oid] = order.order_id
        acc.open_orders[order.order_id] = order
        self._emit(api_key, "orders", SPOT, [views.ws_spot_order(order)])
        self._emit_spot_balances(acc, [coin])
        self._execute_new(acc, order, inst)
        return order

    def _check_price(self, inst: Any, price: Any) -> Decimal:
        if price is None or str(price).strip() == "":
            raise EngineError("40019", "Parameter price cannot be empty")
        px = _D(price, "price")
        if px <= 0:
            raise EngineError("40020", "Parameter price error")
        places = int(_attr(inst, "price_places", default=8))
        if _scale(px) > places:
            raise EngineError("41103", "param price scale error error")
        tick = Decimal(str(_attr(inst, "tick_size", default=Decimal(1).scaleb(-places))))
        if tick > 0 and px % tick != 0:
            raise EngineError("45115", f"The price you enter should be a multiple of {fmt(tick)}")
        return px

    def _check_size_scale(self, inst: Any, qty: Decimal) -> None:
        places = int(_attr(inst, "size_places", default=8))
        lot = Decimal(str(_attr(inst, "lot_size", default=Decimal(1).scaleb(-places))))
        if _scale(qty) > places or (lot > 0 and qty % lot != 0):
            raise EngineError("40808", f"Parameter verification exception size checkBDScale error value={fmt(qty)} "
                                       f"checkScale={places}")

    def spot_cancel(self, api_key: str, symbol: str | None, order_id: str | None = None,
                    client_oid: str | None = None) -> SimOrder:
        return self._cancel_one(api_key, SPOT, symbol, order_id, client_oid, "43001", "The order does not exist")

    def spot_cancel_symbol(self, api_key: str, symbol: str) -> list[SimOrder]:
        with self._batch():
            acc = self.account(api_key)
            self._instrument(SPOT, symbol)
            return self._cancel_open(acc, SPOT, symbol)

    # --- matching (shared by spot and futures) -----------------------------------------------------------------------

    def _execute_new(self, acc: Account, order: SimOrder, inst: Any) -> None:
        """Run a just-accepted order against the book as a taker; rest, cancel or finish it per its force."""
        bids, asks = self._book(order.product, order.symbol)
        levels = asks if order.exec_side == "buy" else bids
        taken = self._taken.setdefault((order.product, order.symbol, order.exec_side), {})
        levels = [(p, s - taken.get(p, ZERO)) for p, s in levels if s > taken.get(p, ZERO)]
        limit = order.price
        crosses = (lambda p: True) if limit is None else (
            (lambda p: p <= limit) if order.exec_side == "buy" else (lambda p: p >= limit)
        )
        if order.force == "post_only" and levels and crosses(levels[0][0]):
            self._cancel(acc, order, "post_only order would have taken liquidity")
            return
        budget_mode = order.product == SPOT and order.order_type == "market" and order.side == "buy"
        lot = Decimal(str(_attr(inst, "lot_size", default=Decimal("1e-8"))))
        plan: list[tuple[Decimal, Decimal]] = []
        remaining = order.size
        for p, s in levels:
            if not crosses(p) or remaining <= 0:
                break
            if budget_mode:
                q = min(s, (remaining / p).quantize(lot, rounding=ROUND_DOWN) if lot > 0 else remaining / p)
                if q <= 0:
                    break
                remaining -= q * p
            else:
                q = min(s, remaining)
                remaining -= q
            plan.append((p, q))
        if order.force == "fok" and (remaining > 0 and not budget_mode):
            self._cancel(acc, order, "fok order could not be filled completely")
            return
        ts = self._now()
        for p, q in plan:
            if not order.is_open:
                break
            done = self._fill(acc, order, inst, p, q, maker=False, ts=ts)
            if done > 0:
                taken[p] = taken.get(p, ZERO) + done
                self._print_trade(order, p, done, ts)
        if order.is_open and budget_mode and plan and order.size - order.filled_quote < lot * plan[-1][0]:
            # the quote left over is below one lot at the last price: a market buy is done
            order.status = "filled"
            self._close_order(acc, order)
            self._emit(acc.api_key, "orders", SPOT, [views.ws_spot_order(order)])
            self._emit_spot_balances(acc, [order.frozen_coin])
        if order.is_open and (order.order_type == "market" or order.force in ("ioc", "fok")):
            self._cancel(acc, order, "")

    def _print_trade(self, order: SimOrder, price: Decimal, qty: Decimal, ts: int) -> None:
        """A user's taker fill also appears on the public tape (the market does not call listeners back for it)."""
        record = getattr(self.market, "record_trade", None)
        if callable(record):
            try:
                record(order.product, order.symbol, price, qty, order.exec_side, ts)
            except (KeyError, LookupError, ValueError):
                pass

    def _fill(self, acc: Account, order: SimOrder, inst: Any, price: Decimal, qty: Decimal, *, maker: bool,
              ts: int) -> Decimal:
        if order.product == SPOT:
            return self._spot_fill(acc, order, inst, price, qty, maker=maker, ts=ts)
        return self._futures_fill(acc, order, inst, price, qty, maker=maker, ts=ts)

    def _spot_fill(self, acc: Account, order: SimOrder, inst: Any, price: Decimal, qty: Decimal, *, maker: bool,
                   ts: int) -> Decimal:
        rate = Decimal(str(inst.maker_fee_rate if maker else inst.taker_fee_rate))
        quote_amt = price * qty
        base, quote = inst.base_coin, inst.quote_coin
        b_base, b_quote = self._bal(acc, base), self._bal(acc, quote)
        if order.side == "buy":
            release = quote_amt if order.order_type == "market" else order.price * qty  # type: ignore[operator]
            release = min(release, order.frozen)
            b_quote.frozen -= release
            order.frozen -= release
            b_quote.available += release - quote_amt
            fee = (qty * rate).quantize(FEE_Q)
            b_base.available += qty - fee
            fee_coin = base
        else:
            release = min(qty, order.frozen)
            b_base.frozen -= release
            order.frozen -= release
            fee = (quote_amt * rate).quantize(FEE_Q)
            b_quote.available += quote_amt - fee
            fee_coin = quote
        b_base.u_time = b_quote.u_time = ts
        order.filled_base += qty
        order.filled_quote += quote_amt
        order.fee -= fee
        order.fee_coin = fee_coin
        order.u_time = ts
        done = (order.filled_quote >= order.size) if (order.order_type == "market" and order.side == "buy") else (
            order.filled_base >= order.size)
        order.status = "filled" if done else "partially_filled"
        fill = SimFill(
            trade_id=self._new_id(), order_id=order.order_id, client_oid=order.client_oid, symbol=order.symbol,
            product=SPOT, side=order.side, exec_side=order.side, order_type=order.order_type, price=price, size=qty,
            quote=quote_amt, fee=-fee, fee_coin=fee_coin, maker=maker, ts=ts,
        )
        self._record_fill(acc, fill)
        if done:
            self._close_order(acc, order)
        self._emit(acc.api_key, "orders", SPOT, [views.ws_spot_order(order, fill)])
        self._emit(acc.api_key, "fill", SPOT, [views.ws_spot_fill(fill)])
        self._emit_spot_balances(acc, [base, quote])
        return qty

    def _record_fill(self, acc: Account, fill: SimFill) -> None:
        acc.fills.append(fill)
        if len(acc.fills) > MAX_STORED_FILLS:
            del acc.fills[: len(acc.fills) - MAX_STORED_FILLS]

    def _close_order(self, acc: Account, order: SimOrder) -> None:
        """Release whatever the order still reserves and take it off the open list."""
        acc.open_orders.pop(order.order_id, None)
        if len(acc.orders) > MAX_STORED_ORDERS:
            self._prune_orders(acc)
        if order.product == SPOT:
            if order.frozen > 0:
                bal = self._bal(acc, order.frozen_coin)
                bal.frozen -= order.frozen
                bal.available += order.frozen
                order.frozen = ZERO
        else:
            order.frozen = ZERO
            if order.trade_side == "close":
                fb = acc.futures.get(order.product)
                pos = fb.positions.get(f"{order.symbol}:{order.pos_side}") if fb else None
                if pos is not None:
                    pos.locked = max(ZERO, pos.locked - (order.size - order.filled_base))

    @staticmethod
    def _prune_orders(acc: Account) -> None:
        """Forget the oldest finished orders (and their clientOids) beyond the history cap."""
        excess = len(acc.orders) - MAX_STORED_ORDERS
        for oid in [oid for oid, o in acc.orders.items() if not o.is_open][:excess]:
            gone = acc.orders.pop(oid)
            if acc.client_oids.get(gone.client_oid) == oid:
                del acc.client_oids[gone.client_oid]

    def _cancel_one(self, api_key: str, product: str, symbol: str | None, order_id: str | None,
                    client_oid: str | None, missing_code: str, missing_msg: str) -> SimOrder:
        """Cancel one open order of `product` (of `symbol` when given); refuse with the product's "no such order"."""
        with self._batch():
            acc = self.account(api_key)
            order = self._find(acc, order_id, client_oid)
            if order is None or order.product != product or not order.is_open or (symbol and order.symbol != symbol):
                raise EngineError(missing_code, missing_msg)
            self._cancel(acc, order, "")
            return order

    def _cancel_open(self, acc: Account, product: str, symbol: str | None) -> list[SimOrder]:
        """Cancel every open order of `product` (of `symbol` when given); the cancelled orders."""
        done = []
        for order in list(acc.open_orders.values()):
            if order.product == product and (not symbol or order.symbol == symbol):
                self._cancel(acc, order, "")
                done.append(order)
        return done

    def _cancel(self, acc: Account, order: SimOrder, reason: str) -> None:
        if not order.is_open:
            return
        order.status = "cancelled"
        order.cancel_reason = reason
        order.u_time = self._now()
        self._close_order(acc, order)
        if order.product == SPOT:
            self._emit(acc.api_key, "orders", SPOT, [views.ws_spot_order(order)])
            self._emit_spot_balances(acc, [order.frozen_coin or order.fee_coin])
        else:
            self._emit(acc.api_key, "orders", order.product, [views.ws_mix_order(order)])
            fb = acc.futures.get(order.product)
            if fb is not None:
                if order.trade_side == "close":
                    self._emit_positions(acc, fb)
                self._emit_futures_account(acc, fb)

    def _emit_spot_balances(self, acc: Account, coins: Iterable[str]) -> None:
        data = [views.spot_balance(acc.spot[c]) for c in dict.fromkeys(coins) if c in acc.spot]
        if data:
            self._emit(acc.api_key, "account", SPOT, data)

    # --- market hooks ------------------------------------------------------------------------------------------------

    def on_trade(self, product: Any, symbol: str, price: Any, size: Any, side: Any, ts: int | None = None) -> None:
        """A public trade printed: resting orders on the other side whose price it reached fill as makers."""
        product = str(getattr(product, "value", product))
        px, remaining = Decimal(str(price)), Decimal(str(size))
        taker_side = str(getattr(side, "value", side)).lower()
        now = int(ts) if ts is not None else self._now()
        with self._batch():
            for acc, order, limit in self._resting(product, symbol, "sell" if taker_side == "buy" else "buy"):
                if remaining <= 0:
                    break
                if not _reaches(order, px):
                    continue
                inst = self._instrument(product, symbol)
                q = min(remaining, order.size - order.filled_base)
                remaining -= self._fill(acc, order, inst, limit, q, maker=True, ts=now)

    def on_tick(self, ts: int | None = None) -> None:
        """Clock tick: cross resting orders the book moved through, fire TP/SL and liquidations on the mark price."""
        now = int(ts) if ts is not None else self._now()
        self._taken.clear()  # the market re-quoted its book: liquidity our takers used is back
        with self._batch():
            self._sweep_crossed(now)
            self._check_triggers(now)
            self._settle_funding(now)
            if now - self._last_position_push >= self.position_push_ms:
                self._last_position_push = now
                self._push_live_positions()
        if self.state_path is not None and self._dirty and now - self._last_save >= self.autosave_ms:
            self.checkpoint(now)

    def _push_live_positions(self) -> None:
        for acc in self.accounts.values():
            for fb in acc.futures.values():
                if fb.positions:
                    self._emit_positions(acc, fb)
                    self._emit_futures_account(acc, fb)

    def checkpoint(self, now: int | None = None) -> None:
        """Save to ``state_path`` (if set) when anything changed since the last save."""
        if self.state_path is None or not self._dirty:
            return
        self.save(self.state_path)
        self._dirty = False
        self._last_save = self._now() if now is None else now

    def _resting(self, product: str, symbol: str, exec_side: str) -> list[tuple[Account, SimOrder, Decimal]]:
        """Resting limit orders on one side, best price first then oldest: (account, order, its limit price)."""
        out = [
            (acc, o, o.price)
            for acc in self.accounts.values()
            for o in acc.open_orders.values()
            if o.product == product and o.symbol == symbol and o.exec_side == exec_side and o.price is not None
        ]
        out.sort(key=lambda aop: ((-aop[2] if exec_side == "buy" else aop[2]), aop[1].c_time, int(aop[1].order_id)))
        return out

    def _sweep_crossed(self, now: int) -> None:
        keys = {(o.product, o.symbol) for acc in self.accounts.values() for o in acc.open_orders.values()}
        for product, symbol in keys:
            try:
                bids, asks = self._book(product, symbol)
                inst = self._instrument(product, symbol)
            except (EngineError, KeyError, LookupError):
                continue
            for exec_side, levels in (("buy", asks), ("sell", bids)):
                capacity = list(levels)
                for acc, order, limit in self._resting(product, symbol, exec_side):
                    while capacity and order.is_open:
                        p, s = capacity[0]
                        if not _reaches(order, p):
                            break
                        q = min(s, order.size - order.filled_base)
                        filled = self._fill(acc, order, inst, limit, q, maker=True, ts=now)
                        if filled <= 0:
                            break
                        if filled >= s:
                            capacity.pop(0)
                        else:
                            capacity[0] = (p, s - filled)

    def snapshot(self, api_key: str, channel: str, inst_type: str) -> list[dict[str, Any]]:
        """Current state for a fresh private subscription (account balances / open positions / open orders)."""
        acc = self.account(api_key)
        if channel == "account":
            if inst_type == SPOT:
                return [views.spot_balance(b) for b in acc.spot.values()]
            fb = self.futures_book(api_key, inst_type)
            return [self.futures_account_ws(acc, fb)]
        if channel == "positions":
            return self.position_views(acc, self.futures_book(api_key, inst_type), ws=True)
        if channel == "orders":
            fmt_one = views.ws_spot_order if inst_type == SPOT else views.ws_mix_order
            return [fmt_one(o) for o in acc.open_orders.values() if o.product == inst_type]
        return []

    # ================================================================================================================
    # Queries
    # ================================================================================================================

    def _find(self, acc: Account, order_id: str | None, client_oid: str | None) -> SimOrder | None:
        if order_id:
            order = acc.orders.get(str(order_id))
            if order is not None and client_oid and order.client_oid != client_oid:
                return None
            return order
        if client_oid:
            oid = acc.client_oids.get(client_oid)
            return acc.orders.get(oid) if oid else None
        raise EngineError("40019", "Parameter orderId cannot be empty")

    def find_order(self, api_key: str, order_id: str | None = None, client_oid: str | None = None) -> SimOrder | None:
        return self._find(self.account(api_key), order_id, client_oid)

    def orders(self, api_key: str, product: str, *, open_only: bool | None, symbol: str | None = None,
               start: int | None = None, end: int | None = None, id_less_than: str | None = None,
               limit: int = 100, order_id: str | None = None, client_oid: str | None = None) -> list[SimOrder]:
        """Newest first. open_only True -> open, False -> finished (history), None -> all."""
        acc = self.account(api_key)
        out = []
        for o in reversed(list(acc.orders.values())):
            if o.product != product or (symbol and o.symbol != symbol):
                continue
            if open_only is True and not o.is_open:
                continue
            if open_only is False and o.is_open:
                continue
            if order_id and o.order_id != str(order_id):
                continue
            if client_oid and o.client_oid != client_oid:
                continue
            if start is not None and o.c_time < start:
                continue
            if end is not None and o.c_time > end:
                continue
            if id_less_than and int(o.order_id) >= int(id_less_than):
                continue
            out.append(o)
            if len(out) >= limit:
                break
        return out

    def fills(self, api_key: str, product: str, *, symbol: str | None = None, order_id: str | None = None,
              start: int | None = None, end: int | None = None, id_less_than: str | None = None,
              limit: int = 100) -> list[SimFill]:
        acc = self.account(api_key)
        out = []
        for f in reversed(acc.fills):
            if f.product != product or (symbol and f.symbol != symbol):
                continue
            if order_id and f.order_id != str(order_id):
                continue
            if start is not None and f.ts < start:
                continue
            if end is not None and f.ts > end:
                continue
            if id_less_than and int(f.trade_id) >= int(id_less_than):
                continue
            out.append(f)
            if len(out) >= limit:
                break
        return out

    def bills(self, api_key: str, product: str, *, symbol: str | None = None, business_type: str | None = None,
              start: int | None = None, end: int | None = None, id_less_than: str | None = None,
              limit: int = 20) -> list[dict[str, str]]:
        """Funding bills, newest first."""
        out = []
        for b in reversed(self.futures_book(api_key, product).bills):
            if (symbol and b["symbol"] != symbol) or (business_type and b["businessType"] != business_type):
                continue
            ts = int(b["cTime"])
            if (start is not None and ts < start) or (end is not None and ts > end):
                continue
            if id_less_than and int(b["billId"]) >= int(id_less_than):
                continue
            out.append(b)
            if len(out) >= limit:
                break
        return out

    def plans(self, api_key: str, product: str, symbol: str | None = None) -> list[PlanOrder]:
        fb = self.futures_book(api_key, product)
        return [p for p in fb.plans.values() if not symbol or p.symbol == symbol]

    def cancel_plan(self, api_key: str, product: str, order_id: str | None = None,
                    client_oid: str | None = None) -> PlanOrder:
        fb = self.futures_book(api_key, product)
        for p in list(fb.plans.values()):
            if (order_id and p.order_id == order_id) or (client_oid and p.client_oid == client_oid):
                del fb.plans[p.order_id]
                return p
        raise EngineError("43025", "Plan order does not exist")

    # ================================================================================================================
    # Persistence
    # ================================================================================================================

    def to_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "next_id": self._next_id,
            "accounts": [account_to_json(a) for a in self.accounts.values()],
        }

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the whole state atomically (see persistence.write_atomic)."""
        write_json(path, self.to_json())

    @classmethod
    def load(cls, path: str | os.PathLike[str], market: Any, clock: Callable[[], int], **kwargs: Any) -> Engine:
        """An engine with the state saved at ``path`` (a fresh one if the file does not exist)."""
        engine = cls(market, clock, **kwargs)
        data = read_json(path)
        if data is None:
            return engine
        engine._next_id = max(engine._next_id, int(data.get("next_id", engine._next_id)))
        for a in data.get("accounts", []):
            acc = account_from_json(a)
            engine.accounts[acc.api_key] = acc
        return engine
