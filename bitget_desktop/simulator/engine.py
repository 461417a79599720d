"""Matching engine and accounts of the simulator: spot balances, futures positions, fills, fees, events, persistence.

Pure Python: no sockets, no asyncio. The market (book, last/mark price, instrument specs) and the clock are injected.
Errors are raised as :class:`EngineError` carrying Bitget's code and message.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
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
    Position,
    SimFill,
    SimOrder,
    SpotBalance,
    SymbolSettings,
    account_from_json,
    account_to_json,
    fmt,
)

__all__ = ["Engine", "EngineError", "MarketView", "Listener"]

ZERO = Decimal(0)
SPOT = "SPOT"
FORCES = ("gtc", "post_only", "ioc", "fok")
DEFAULT_MMR = Decimal("0.004")
FEE_Q = Decimal("1e-12")
CLIENT_OID_RE = re.compile(r"^[\x21-\x7e]{1,50}$")
MAX_STORED_FILLS = 5000

Listener = Callable[[str, str, str, list[dict[str, Any]]], None]


class MarketView(Protocol):
    """What the engine needs from the market (simulator/market.py provides it)."""

    def instrument_spec(self, product: Any, symbol: str) -> Any: ...

    def book(self, product: Any, symbol: str) -> Any: ...


# --- small helpers -------------------------------------------------------------------------------------------------


def _D(value: Any, name: str) -> Decimal:
    try:
        d = Decimal(str(value).strip())
    except Exception as exc:  # noqa: BLE001 - any parse failure is the same refusal
        raise EngineError("40020", f"Parameter {name} error") from exc
    if not d.is_finite():
        raise EngineError("40020", f"Parameter {name} error")
    return d


def _scale(d: Decimal) -> int:
    exp = d.normalize().as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def _product_key(product: str) -> Any:
    """Product types travel as plain upper-case strings ("SPOT", "USDT-FUTURES") between market and engine."""
    return product


def _attr(obj: Any, *names: str, default: Any = None) -> Any:
    for n in names:
        if obj is not None and hasattr(obj, n):
            v = getattr(obj, n)
            if v is not None:
                return v
    return default


def _levels(raw: Any) -> list[tuple[Decimal, Decimal]]:
    if raw is None:
        return []
    if callable(raw):
        raw = raw()
    return [(Decimal(str(p)), Decimal(str(s))) for p, s in raw]


class Engine:
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
        if any(ch != "positions" and ch != "account" or it == SPOT for _, ch, it, _ in pending):
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
            inst = self.market.instrument_spec(_product_key(product), symbol)
        except (KeyError, LookupError, ValueError):
            inst = None
        if inst is None:
            if product == SPOT:
                raise EngineError("40034", f"Parameter {symbol} does not exist")
            raise EngineError("40102", "Contract configuration does not exist, please check the parameters")
        return inst

    def _book(self, product: str, symbol: str) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        raw = self.market.book(_product_key(product), symbol)
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
            v = src(_product_key(product), symbol) if callable(src) else src[(product, symbol)]
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
                tiers = src(_product_key(product), symbol)
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

    def reset(self, api_key: str) -> None:
        """Back to the demo funding: no orders, no positions, no history."""
        with self._batch():
            self.accounts[api_key] = self._fresh_account(api_key)
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
        side, order_type, force = _norm_side(side), _norm_type(order_type), _norm_force(force)
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
        if bal.available < need:
            raise EngineError("43012", "Insufficient balance")
        now = self._now()
        order = SimOrder(
            order_id=self._new_id(), client_oid=oid, symbol=symbol, product=SPOT, side=side, order_type=order_type,
            force=force if order_type == "limit" else "gtc", price=px, size=qty, c_time=now, u_time=now,
            exec_side=side, frozen=need, frozen_coin=coin, order_source="market" if order_type == "market" else "normal",
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
        with self._batch():
            acc = self.account(api_key)
            order = self._find(acc, order_id, client_oid)
            if order is None or order.product != SPOT or not order.is_open or (symbol and order.symbol != symbol):
                raise EngineError("43001", "The order does not exist")
            self._cancel(acc, order, "")
            return order

    def spot_cancel_symbol(self, api_key: str, symbol: str) -> list[SimOrder]:
        with self._batch():
            acc = self.account(api_key)
            self._instrument(SPOT, symbol)
            done = []
            for order in list(acc.open_orders.values()):
                if order.product == SPOT and order.symbol == symbol:
                    self._cancel(acc, order, "")
                    done.append(order)
            return done

    # --- matching (shared by spot and futures) -----------------------------------------------------------------------

    def _execute_new(self, acc: Account, order: SimOrder, inst: Any) -> None:
        """Run a just-accepted order against the book as a taker; rest, cancel or finish it per its force."""
        bids, asks = self._book(order.product, order.symbol)
        levels = asks if order.exec_side == "buy" else bids
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
            for acc, order in self._resting(product, symbol, "sell" if taker_side == "buy" else "buy"):
                if remaining <= 0:
                    break
                if not _reaches(order, px):
                    continue
                inst = self._instrument(product, symbol)
                q = min(remaining, order.size - order.filled_base)
                remaining -= self._fill(acc, order, inst, order.price, q, maker=True, ts=now)  # type: ignore[arg-type]

    def on_tick(self, ts: int | None = None) -> None:
        """Clock tick: cross resting orders the book moved through, fire TP/SL and liquidations on the mark price."""
        now = int(ts) if ts is not None else self._now()
        with self._batch():
            self._sweep_crossed(now)
            self._check_triggers(now)
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

    def _resting(self, product: str, symbol: str, exec_side: str) -> list[tuple[Account, SimOrder]]:
        out = [
            (acc, o)
            for acc in self.accounts.values()
            for o in acc.open_orders.values()
            if o.product == product and o.symbol == symbol and o.exec_side == exec_side and o.price is not None
        ]
        out.sort(key=lambda ao: ((-ao[1].price if exec_side == "buy" else ao[1].price), ao[1].c_time,  # type: ignore
                                 int(ao[1].order_id)))
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
                for acc, order in self._resting(product, symbol, exec_side):
                    while capacity and order.is_open:
                        p, s = capacity[0]
                        if not _reaches(order, p):
                            break
                        q = min(s, order.size - order.filled_base)
                        filled = self._fill(acc, order, inst, order.price, q, maker=True, ts=now)  # type: ignore
                        if filled <= 0:
                            break
                        if filled >= s:
                            capacity.pop(0)
                        else:
                            capacity[0] = (p, s - filled)

    # ================================================================================================================
    # Futures
    # ================================================================================================================

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
            self._dirty = True
        return s

    def set_leverage(self, api_key: str, product: str, symbol: str, leverage: Any,
                     hold_side: str | None = None) -> SymbolSettings:
        inst = self._instrument(product, symbol)
        try:
            lev_d = Decimal(str(leverage).strip())
        except Exception as exc:  # noqa: BLE001
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
            for pos in fb.positions.values():
                if pos.symbol == symbol:
                    new_lev = self._leverage_for(fb, symbol, pos.hold_side)
                    if new_lev != pos.leverage:
                        pos.leverage = new_lev
                        pos.margin = pos.entry_price * pos.size / new_lev
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
        frozen = sum((o.frozen for o in acc.open_orders.values() if o.product == fb.product), ZERO)
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
        side, order_type, force = _norm_side(side), _norm_type(order_type), _norm_force(force)
        if margin_coin and margin_coin.strip().upper() != fb.margin_coin:
            raise EngineError("40020", "Parameter marginCoin error")
        qty = _required_decimal(size, "size")
        if qty <= 0:
            raise EngineError("40020", "Parameter size error")
        self._check_size_scale(inst, qty)
        px = self._check_price(inst, price) if order_type == "limit" else None
        ro = _yes_no(reduce_only)
        ts_norm = (trade_side or "").strip().lower() or None
        if ts_norm not in (None, "open", "close"):
            raise EngineError("40020", "Parameter tradeSide error")
        settings = self._settings(fb, symbol)
        if margin_mode:
            mm = margin_mode.strip().lower()
            mm = "crossed" if mm == "cross" else mm
            if mm not in ("crossed", "isolated"):
                raise EngineError("40020", "Parameter marginMode error")
            if mm != settings.margin_mode and not self._has_positions(fb, symbol) and not self._has_orders(
                    acc, product, symbol):
                settings.margin_mode = mm
        unilateral_msg = "The order type for unilateral position must also be the unilateral position type."
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
                if qty > pos.size - pos.locked:
                    raise EngineError("40757", "Not enough position is available.")
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
        if max_size is not None and Decimal(str(max_size)) > 0 and qty > Decimal(str(max_size)):
            raise EngineError("45112", "more than the maximum order quantity")
        tp = _opt_decimal(preset_tp, "presetStopSurplusPrice")
        sl = _opt_decimal(preset_sl, "presetStopLossPrice")
        if (tp is not None or sl is not None) and open_qty > 0:
            self._check_tpsl(hold, ref, tp, sl)
        oid = self._check_client_oid(acc, client_oid, product)
        # --- margin ----------------------------------------------------------------------------------------------------
        lev = self._leverage_for(fb, symbol, hold)
        rate = Decimal(str(inst.taker_fee_rate))
        margin_need = ref * open_qty / lev
        fee_need = ref * qty * rate
        m = self.futures_metrics(acc, fb)
        if open_qty > 0 and m["raw_available"] < margin_need + fee_need:
            raise EngineError("40762", "The order amount exceeds the balance")
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
            release = (order.frozen * qty / remaining_before) if qty < remaining_before else order.frozen
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
        pos.margin += price * qty / lev
        pos.total_fee += fee
        pos.u_time = ts

    def _reduce_position(self, fb: FuturesBook, symbol: str, hold: str, price: Decimal, qty: Decimal, ts: int,
                         fee: Decimal, unlock: Decimal = ZERO) -> Decimal:
        key = f"{symbol}:{hold}"
        pos = fb.positions[key]
        pnl = (price - pos.entry_price) * qty if hold == "long" else (pos.entry_price - price) * qty
        margin_part = pos.margin * qty / pos.size
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
            if avail <= 0:  # free the size reserved by pending close orders first
                for o in list(acc.open_orders.values()):
                    if o.product == fb.product and o.symbol == symbol and o.trade_side == "close" and o.pos_side == hold:
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
        with self._batch():
            acc = self.account(api_key)
            order = self._find(acc, order_id, client_oid)
            if order is None or order.product != product or not order.is_open or (symbol and order.symbol != symbol):
                raise EngineError("40768", "Order does not exist")
            self._cancel(acc, order, "")
            return order

    def futures_cancel_all(self, api_key: str, product: str, symbol: str | None = None) -> list[SimOrder]:
        with self._batch():
            acc = self.account(api_key)
            done = []
            for order in list(acc.open_orders.values()):
                if order.product == product and (not symbol or order.symbol == symbol):
                    self._cancel(acc, order, "")
                    done.append(order)
            return done

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
        """Write the whole state atomically: temp file in the same directory, fsync, os.replace."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(self.to_json(), separators=(",", ":")).encode()
        fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        try:  # make the rename itself durable where the platform allows it
            dfd = os.open(target.parent, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dfd)
        except OSError:
            pass
        finally:
            os.close(dfd)

    @classmethod
    def load(cls, path: str | os.PathLike[str], market: Any, clock: Callable[[], int], **kwargs: Any) -> Engine:
        """An engine with the state saved at ``path`` (a fresh one if the file does not exist)."""
        engine = cls(market, clock, **kwargs)
        p = Path(path)
        if not p.exists():
            return engine
        data = json.loads(p.read_text())
        engine._next_id = max(engine._next_id, int(data.get("next_id", engine._next_id)))
        for a in data.get("accounts", []):
            acc = account_from_json(a)
            engine.accounts[acc.api_key] = acc
        return engine


# --- module helpers -------------------------------------------------------------------------------------------------


def _tier(t: Any, *names: str) -> Any:
    if isinstance(t, dict):
        for n in names:
            if n in t:
                return t[n]
        raise KeyError(names[0])
    return _attr(t, *names)


def _margin_coin_of(product: str) -> str:
    p = product.upper()
    if p.startswith("USDC") or p.startswith("SUSDC"):
        return "SUSDC" if p.startswith("S") else "USDC"
    if p.startswith("SUSDT"):
        return "SUSDT"
    if p.startswith("USDT"):
        return "USDT"
    return "BTC"


def _norm_side(side: Any) -> str:
    s = str(side or "").strip().lower()
    if not s:
        raise EngineError("40019", "Parameter side cannot be empty")
    if s not in ("buy", "sell"):
        raise EngineError("40020", "Parameter side error")
    return s


def _norm_type(order_type: Any) -> str:
    t = str(order_type or "").strip().lower()
    if not t:
        raise EngineError("40019", "Parameter orderType cannot be empty")
    if t not in ("limit", "market"):
        raise EngineError("40020", "Parameter orderType error")
    return t


def _norm_force(force: Any) -> str:
    f = str(force or "gtc").strip().lower().replace("-", "_")
    f = {"postonly": "post_only", "post only": "post_only", "normal": "gtc"}.get(f, f)
    if f not in FORCES:
        raise EngineError("40020", "Parameter force error")
    return f


def _yes_no(value: Any) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    v = str(value).strip().lower()
    if v in ("yes", "true", "y", "1"):
        return True
    if v in ("no", "false", "n", "0"):
        return False
    raise EngineError("40020", "Parameter reduceOnly error")


def _required_decimal(value: Any, name: str) -> Decimal:
    if value is None or str(value).strip() == "":
        raise EngineError("40019", f"Parameter {name} cannot be empty")
    return _D(value, name)


def _opt_decimal(value: Any, name: str) -> Decimal | None:
    if value is None or str(value).strip() in ("", "0"):
        return None
    d = _D(value, name)
    if d <= 0:
        raise EngineError("40020", f"Parameter {name} error")
    return d


def _reaches(order: SimOrder, price: Decimal) -> bool:
    """Would a print / level at ``price`` execute this resting order?"""
    if order.price is None:
        return False
    return price <= order.price if order.exec_side == "buy" else price >= order.price


def _triggered(plan: PlanOrder, mark: Decimal) -> bool:
    long_ = plan.hold_side == "long"
    if plan.plan_type == "profit_plan":
        return mark >= plan.trigger_price if long_ else mark <= plan.trigger_price
    return mark <= plan.trigger_price if long_ else mark >= plan.trigger_price
