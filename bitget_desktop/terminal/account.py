"""AccountState: the terminal's one model of the connected account, merged from REST snapshots and pushes.

Orders merge by update time (a later `uTime` wins; at equal times a final state is not undone by an open one). A
REST snapshot of positions or balances is taken as true only where no push arrived while it was in flight: the push
is newer. Every change is tagged with the account connection's generation; after a switch nothing tagged with an
older generation is applied.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from bitget_desktop.domain.market import Instrument, ProductType
from bitget_desktop.domain.trading import (
    Balance,
    Fill,
    FuturesAccount,
    MarginMode,
    Order,
    Position,
    PositionMode,
)
from bitget_desktop.terminal.protection import Protections

ORDERS, FILLS, POSITIONS, BALANCES, MODES = "orders", "fills", "positions", "balances", "modes"

_generations = itertools.count(1)
PositionKey = tuple[str, str, str]  # symbol, product type, hold side
SymbolKey = tuple[str, str]  # product type, symbol


def next_generation() -> int:
    """A number no earlier account connection of this process has had."""
    return next(_generations)


def position_key(p: Position) -> PositionKey:
    return (p.symbol, p.product_type.value, p.hold_side.value)


@dataclass
class SymbolSettings:
    """Leverage and margin mode of one futures symbol, as the exchange last reported them."""

    margin_mode: MarginMode | None = None
    leverage: int | None = None


@dataclass
class Snapshot:
    """A REST read of the account, stamped with the push counters at the moment it was requested."""

    started_at: int  # AccountState.clock() before the first request went out
    open_orders: list[Order] | None = None  # None: not read this time
    open_order_scope: set[str] = field(default_factory=set)  # product types the open-orders read covered
    orders: list[Order] = field(default_factory=list)  # history and looked-up orders
    fills: list[Fill] = field(default_factory=list)
    positions: dict[str, list[Position]] = field(default_factory=dict)  # per product type (full sets)
    balances: list[Balance] | None = None
    futures_accounts: list[FuturesAccount] = field(default_factory=list)
    position_modes: dict[str, PositionMode] = field(default_factory=dict)


class AccountState:
    """Orders, fills, positions, balances and modes of one account connection; listeners hear what changed."""

    def __init__(self, generation: int | None = None, clock: Callable[[], int] | None = None) -> None:
        self.generation = generation if generation is not None else next_generation()
        self._tick = itertools.count(1)
        self.clock: Callable[[], int] = clock or (lambda: next(self._tick))
        self.orders: dict[str, Order] = {}
        self.fills: dict[str, Fill] = {}
        self.positions: dict[PositionKey, Position] = {}
        self.balances: dict[str, Balance] = {}
        self.futures_accounts: dict[str, FuturesAccount] = {}
        self.position_modes: dict[str, PositionMode] = {}
        self.symbols: dict[SymbolKey, SymbolSettings] = {}
        self.reconciled = False  # a full REST read has been merged since the connection began
        self._order_seen: dict[str, int] = {}  # order id -> clock() of its last change
        self._positions_pushed: dict[str, int] = {}  # product type -> clock() of its last positions push
        self._balance_pushed: dict[str, int] = {}  # coin / margin coin -> clock() of its last push
        self._listeners: list[Callable[[str], None]] = []
        self.protections = Protections(self.current, self._changed)  # positions' TP/SL (terminal/protection.py)

    # -- listeners ------------------------------------------------------------------------------------------------
    def listen(self, fn: Callable[[str], None]) -> None:
        self._listeners.append(fn)

    def _changed(self, what: str) -> None:
        for fn in list(self._listeners):
            fn(what)

    def current(self, generation: int) -> bool:
        return generation == self.generation

    # -- orders ---------------------------------------------------------------------------------------------------
    def _merge_order(self, o: Order) -> bool:
        known = self.orders.get(o.order_id)
        if known is not None:
            if o.u_time < known.u_time:
                return False
            if o.u_time == known.u_time and o.status.is_open and not known.status.is_open:
                return False  # a final state is not undone by an open one of the same time
            if o == known:
                return False
            if known.client_oid and not o.client_oid:
                o = _with_client_oid(o, known.client_oid)
        self.orders[o.order_id] = o
        self._order_seen[o.order_id] = self.clock()
        return True

    def apply_orders(self, orders: Iterable[Order], generation: int) -> bool:
        if not self.current(generation):
            return False
        changed = False
        for o in orders:
            changed |= self._merge_order(o)
        if changed:
            self._changed(ORDERS)
        return changed

    def order_by_client_oid(self, client_oid: str) -> Order | None:
        return next((o for o in self.orders.values() if o.client_oid == client_oid), None)

    # -- fills ----------------------------------------------------------------------------------------------------
    def apply_fills(self, fills: Iterable[Fill], generation: int) -> bool:
        if not self.current(generation):
            return False
        changed = False
        for f in fills:
            if self.fills.get(f.trade_id) != f:
                self.fills[f.trade_id] = f
                changed = True
        if changed:
            self._changed(FILLS)
        return changed

    # -- positions ------------------------------------------------------------------------------------------------
    def _replace_positions(self, product_type: str, positions: Iterable[Position]) -> bool:
        new = {position_key(p): p for p in positions if p.size}
        old = {k: v for k, v in self.positions.items() if k[1] == product_type}
        if new == old:
            return False
        self.positions = {k: v for k, v in self.positions.items() if k[1] != product_type}
        self.positions.update(new)
        for p in new.values():
            self.position_modes[product_type] = p.pos_mode
        return True

    def push_positions(self, product_type: ProductType | str, positions: Iterable[Position], generation: int) -> bool:
        """Bitget pushes the full set of open positions of a product type: it replaces what was known."""
        if not self.current(generation):
            return False
        pt = ProductType.parse(str(product_type)).value
        self._positions_pushed[pt] = self.clock()
        changed = self._replace_positions(pt, positions)
        if changed:
            self._changed(POSITIONS)
        return changed

    def read_symbol_positions(self, product_type: ProductType | str, symbol: str, positions: Iterable[Position],
                              started_at: int, generation: int) -> bool:
        """A REST read of one symbol's positions (requested at `started_at`): replaces that symbol's entries unless
        a positions push arrived meanwhile (the push is newer)."""
        pt = ProductType.parse(str(product_type)).value
        if not self.current(generation) or self._positions_pushed.get(pt, 0) > started_at:
            return False
        new = {position_key(p): p for p in positions if p.size and p.symbol == symbol}
        old = {k: v for k, v in self.positions.items() if k[1] == pt and k[0] == symbol}
        if new == old:
            return False
        for k in old:
            del self.positions[k]
        self.positions.update(new)
        for p in new.values():
            self.position_modes[pt] = p.pos_mode
        self._changed(POSITIONS)
        return True

    # -- balances -------------------------------------------------------------------------------------------------
    def push_balances(self, items: Iterable[Balance | FuturesAccount], generation: int) -> bool:
        if not self.current(generation):
            return False
        changed = False
        now = self.clock()
        for item in items:
            if isinstance(item, FuturesAccount):
                self._balance_pushed["F:" + item.margin_coin] = now
                changed |= self._set_futures_account(item)
            else:
                self._balance_pushed[item.coin] = now
                if self.balances.get(item.coin) != item:
                    self.balances[item.coin] = item
                    changed = True
        if changed:
            self._changed(BALANCES)
        return changed

    def _set_futures_account(self, a: FuturesAccount) -> bool:
        a = account_level(a)
        if self.futures_accounts.get(a.margin_coin) == a:
            return False
        self.futures_accounts[a.margin_coin] = a
        return True

    # -- modes ----------------------------------------------------------------------------------------------------
    def set_position_mode(self, product_type: ProductType | str, mode: PositionMode, generation: int) -> bool:
        if not self.current(generation):
            return False
        pt = ProductType.parse(str(product_type)).value
        if self.position_modes.get(pt) is mode:
            return False
        self.position_modes[pt] = mode
        self._changed(MODES)
        return True

    def set_symbol_settings(self, product_type: ProductType | str, symbol: str, generation: int, *,
                            margin_mode: MarginMode | None = None, leverage: int | None = None) -> bool:
        if not self.current(generation):
            return False
        key = (ProductType.parse(str(product_type)).value, symbol.upper())
        s = self.symbols.setdefault(key, SymbolSettings())
        before = (s.margin_mode, s.leverage)
        s.margin_mode = margin_mode or s.margin_mode
        s.leverage = leverage or s.leverage
        if (s.margin_mode, s.leverage) == before:
            return False
        self._changed(MODES)
        return True

    def symbol_settings(self, product_type: ProductType | str, symbol: str) -> SymbolSettings:
        return self.symbols.get((ProductType.parse(str(product_type)).value, symbol.upper()), SymbolSettings())

    def position_mode(self, product_type: ProductType | str) -> PositionMode | None:
        return self.position_modes.get(ProductType.parse(str(product_type)).value)

    # -- snapshots ------------------------------------------------------------------------------------------------
    def apply_snapshot(self, snap: Snapshot, generation: int) -> list[Order]:
        """Merge a REST read; returns the orders that were open here but are missing from the open-orders read and
        did not change since it started: their final state must be looked up (never assumed cancelled)."""
        if not self.current(generation):
            return []
        changed: set[str] = set()
        vanished: list[Order] = []
        for o in snap.orders:
            if self._merge_order(o):
                changed.add(ORDERS)
        if snap.open_orders is not None:
            open_ids = {o.order_id for o in snap.open_orders}
            for o in snap.open_orders:
                known = self.orders.get(o.order_id)
                if known is not None and known.u_time == o.u_time:
                    # the same version of the order: the open-orders list is its leanest record (Bitget's spot
                    # unfilled-orders carry no fee), so what a push or a lookup gave is kept
                    continue
                if self._merge_order(o):
                    changed.add(ORDERS)
            for o in list(self.orders.values()):
                if (o.is_open and o.order_id not in open_ids and o.product_type.value in snap.open_order_scope
                        and self._order_seen.get(o.order_id, 0) <= snap.started_at):
                    vanished.append(o)
        for f in snap.fills:
            if self.fills.get(f.trade_id) != f:
                self.fills[f.trade_id] = f
                changed.add(FILLS)
        for pt, positions in snap.positions.items():
            if self._positions_pushed.get(pt, 0) <= snap.started_at and self._replace_positions(pt, positions):
                changed.add(POSITIONS)
        if snap.balances is not None:
            read = {b.coin: b for b in snap.balances}
            for coin in set(read) | set(self.balances):
                if self._balance_pushed.get(coin, 0) > snap.started_at:
                    continue  # a push arrived while the read was in flight: it is newer
                b = read.get(coin)
                if b is None:
                    del self.balances[coin]
                    changed.add(BALANCES)
                elif self.balances.get(coin) != b:
                    self.balances[coin] = b
                    changed.add(BALANCES)
        for a in snap.futures_accounts:
            if self._balance_pushed.get("F:" + a.margin_coin, 0) > snap.started_at:
                continue
            if self._set_futures_account(a):
                changed.add(BALANCES)
        for pt, mode in snap.position_modes.items():
            if self.position_modes.get(pt) is not mode:
                self.position_modes[pt] = mode
                changed.add(MODES)
        for what in sorted(changed):
            self._changed(what)
        return vanished

    def mark_reconciled(self, generation: int) -> None:
        if self.current(generation) and not self.reconciled:
            self.reconciled = True
            self._changed(MODES)

    # -- queries --------------------------------------------------------------------------------------------------
    def open_orders(self) -> list[Order]:
        return sorted((o for o in self.orders.values() if o.is_open), key=lambda o: o.c_time, reverse=True)

    def order_history(self) -> list[Order]:
        return sorted((o for o in self.orders.values() if not o.is_open), key=lambda o: o.u_time, reverse=True)

    def fill_list(self) -> list[Fill]:
        return sorted(self.fills.values(), key=lambda f: f.ts, reverse=True)

    def position_list(self) -> list[Position]:
        return sorted(self.positions.values(), key=lambda p: (p.symbol, p.hold_side.value))

    def balance_list(self) -> list[Balance | FuturesAccount]:
        spot: list[Balance | FuturesAccount] = [b for b in sorted(self.balances.values(), key=lambda b: b.coin)
                                                if b.total]
        return spot + sorted(self.futures_accounts.values(), key=lambda a: a.margin_coin)

    def futures_account(self, margin_coin: str) -> FuturesAccount | None:
        return self.futures_accounts.get(margin_coin.upper())

    def open_available(self, inst: Instrument) -> Decimal | None:
        """What a new order on `inst` can use: spot quote balance, or the futures margin available for new
        positions net of position and order margin, as the exchange reports it."""
        if inst.product_type.is_futures:
            acc = self.futures_account(inst.margin_coin or inst.quote_coin)
            return acc.open_available if acc is not None else None
        b = self.balances.get(inst.quote_coin)
        return b.available if b is not None else (Decimal(0) if self.reconciled else None)

    def positions_for(self, inst: Instrument) -> list[Position]:
        return [p for p in self.positions.values()
                if p.symbol == inst.symbol and p.product_type is inst.product_type and p.size > 0]

    def orders_for(self, symbol: str, product_type: ProductType) -> list[Order]:
        return [o for o in self.open_orders() if o.symbol == symbol and o.product_type is product_type]


def account_level(a: FuturesAccount) -> FuturesAccount:
    """The margin coin's account without one symbol's settings: a per-symbol read (mix account/account) carries
    that symbol's margin mode and cross leverage, which `symbols` keeps per symbol, and the position mode, which
    `position_modes` keeps; left in the account record they would show the last symbol read as if account-wide."""
    if a.margin_mode is None and a.pos_mode is None and a.crossed_leverage is None:
        return a
    return replace(a, margin_mode=None, pos_mode=None, crossed_leverage=None)


def _with_client_oid(o: Order, client_oid: str) -> Order:
    return replace(o, client_oid=client_oid)
