"""Take-profit / stop-loss of open futures positions: which trigger prices protect which position.

The faithful source is the exchange's own pending TP/SL orders (v2 orders-plan-pending, planType=profit_loss): on
Bitget a preset TP/SL attached to an opening order becomes such a plan order when the order fills, and the trader may
later cancel or change it. Where those cannot be read (a unified account through this client) or were read before the
position last changed size (a fill since the last read), the presets of the latest filled opening order for that
position stand in, marked as such.

Everything here is plain data and pure functions, plus `Protections`, the per-account store that AccountState keeps.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from bitget_desktop.domain.errors import BitgetError
from bitget_desktop.domain.market import ProductType
from bitget_desktop.domain.trading import HoldSide, Order, OrderStatus, Position, Side, TradeSide
from bitget_desktop.exchange.models import TpslPlan

if TYPE_CHECKING:
    from bitget_desktop.exchange.client import BitgetClient
    from bitget_desktop.terminal.account import AccountState

log = logging.getLogger(__name__)

Key = tuple[str, str, str]  # symbol, product type, hold side (as account.PositionKey)
Source = Literal["plan", "preset"]
_WHOLE = ("pos_profit", "pos_loss")  # whole-position TP/SL come before partial ones


@dataclass(frozen=True, slots=True)
class Protection:
    """The TP and SL trigger prices on one position; the first of each is the one to show, the rest are further
    partial TP/SL orders. `source` says whether they are the exchange's plan orders or an opening order's presets."""

    take_profit: tuple[Decimal, ...] = ()
    stop_loss: tuple[Decimal, ...] = ()
    source: Source = "plan"

    def __bool__(self) -> bool:
        return bool(self.take_profit or self.stop_loss)


def key_of(symbol: str, product_type: ProductType | str, hold_side: HoldSide | str) -> Key:
    return (symbol, ProductType.parse(str(product_type)).value, HoldSide(str(hold_side)).value)


def from_plans(plans: Iterable[TpslPlan]) -> dict[Key, Protection]:
    """Pending TP/SL orders grouped by the position they protect: whole-position ones first, then newest first."""
    grouped: dict[Key, list[TpslPlan]] = {}
    for p in plans:
        if p.take_profit or p.stop_loss:
            grouped.setdefault(key_of(p.symbol, p.product_type, p.hold_side), []).append(p)
    out: dict[Key, Protection] = {}
    for key, items in grouped.items():
        items.sort(key=lambda p: (p.plan_type not in _WHOLE, -p.c_time))
        out[key] = Protection(tuple(p.trigger_price for p in items if p.take_profit),
                              tuple(p.trigger_price for p in items if p.stop_loss), "plan")
    return out


def opened_side(o: Order) -> HoldSide | None:
    """The position an order opens or adds to, or None for a closing / reduce-only / spot order."""
    if not o.product_type.is_futures or o.reduce_only or o.trade_side is TradeSide.CLOSE:
        return None
    if o.trade_side is TradeSide.OPEN and o.pos_side is not None:
        return o.pos_side
    return HoldSide.LONG if o.side is Side.BUY else HoldSide.SHORT


def from_orders(orders: Iterable[Order]) -> dict[Key, Protection]:
    """The presets of the latest (partly) filled opening order with presets, per position it opened."""
    latest: dict[Key, Order] = {}
    for o in orders:
        if o.filled_size <= 0 or (o.preset_take_profit is None and o.preset_stop_loss is None):
            continue
        if o.status not in (OrderStatus.FILLED, OrderStatus.PARTIALLY_FILLED, OrderStatus.CANCELLED):
            continue
        held = opened_side(o)
        if held is None:
            continue
        key = key_of(o.symbol, o.product_type, held)
        if key not in latest or o.u_time > latest[key].u_time:
            latest[key] = o
    return {k: Protection(tuple(x for x in (o.preset_take_profit,) if x is not None),
                          tuple(x for x in (o.preset_stop_loss,) if x is not None), "preset")
            for k, o in latest.items()}


class Protections:
    """Per product type: the TP/SL plan orders last read, and each position's size at that read.

    `of(position, orders)` answers from the plan orders while the position is the one they were read against, and
    from the latest opening order's presets otherwise (or when the product type's plans cannot be read)."""

    def __init__(self, current: Callable[[int], bool], changed: Callable[[str], None]) -> None:
        self._current = current
        self._changed = changed
        self._plans: dict[str, dict[Key, Protection]] = {}
        self._sizes: dict[str, dict[Key, Decimal]] = {}

    def apply_plans(self, product_type: ProductType | str, plans: Iterable[TpslPlan] | None,
                    positions: Iterable[Position], generation: int) -> bool:
        """Take a read of the product type's TP/SL orders (None: not readable), made with `positions` current."""
        if not self._current(generation):
            return False
        pt = ProductType.parse(str(product_type)).value
        new = from_plans(plans) if plans is not None else None
        sizes = {key_of(p.symbol, p.product_type, p.hold_side): p.size for p in positions if p.size}
        before = (self._plans.get(pt), self._sizes.get(pt))
        if new is None:
            self._plans.pop(pt, None)
            self._sizes.pop(pt, None)
        else:
            self._plans[pt], self._sizes[pt] = new, sizes
        if before == (new, sizes if new is not None else None):
            return False
        self._changed("positions")
        return True

    def of(self, position: Position, orders: Iterable[Order]) -> Protection | None:
        key = key_of(position.symbol, position.product_type, position.hold_side)
        plans = self._plans.get(key[1])
        if plans is not None and self._sizes.get(key[1], {}).get(key) == position.size:
            return plans.get(key) or None
        preset = from_orders(o for o in orders if o.symbol == position.symbol
                             and o.product_type is position.product_type).get(key)
        return preset or (plans.get(key) if plans is not None else None) or None

    def clear(self) -> None:
        self._plans.clear()
        self._sizes.clear()


async def read_protections(client: BitgetClient, state: AccountState, product_type: ProductType,
                           positions: list[Position], generation: int) -> None:
    """The reconciler's one call: read the product type's TP/SL orders and keep them. A failed read keeps what was
    known (the rest of the reconcile goes on); it is not worth failing orders and balances over."""
    try:
        plans = await client.futures_tpsl_orders(product_type)
    except BitgetError as exc:
        log.info("TP/SL orders of %s not read: %s", product_type.value, exc)
        return
    state.protections.apply_plans(product_type, plans, positions, generation)
