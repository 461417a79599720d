"""Reconciler: re-reads open orders, positions and balances over REST on every (re)connect and on a slow timer.

A read is merged into the AccountState (which keeps whatever a push made newer meanwhile). An order that was open
here but is missing from the exchange's open orders is looked up by its id for its final state; it is never assumed
cancelled. Reads are few and spaced well inside Bitget's per-endpoint limits (5-20 requests a second).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from bitget_desktop.domain.errors import BitgetError, OrderNotFound
from bitget_desktop.domain.market import ProductType
from bitget_desktop.domain.trading import Fill, Order
from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.terminal.account import AccountState, Snapshot
from bitget_desktop.terminal.protection import read_protections

log = logging.getLogger(__name__)

PERIOD_S = 30.0  # the slow timer: one read of orders, positions and balances every half minute
SPOT_FILL_SYMBOLS = 10  # spot fills are listed per symbol: the most recently traded ones are read


class Reconciler:
    """Brings `state` level with the exchange; `request()` coalesces many triggers into one read at a time."""

    def __init__(self, client: BitgetClient, state: AccountState, product_types: Sequence[ProductType], *,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        self.client = client
        self.state = state
        self.product_types = tuple(product_types)
        self.on_error = on_error
        self.runs = 0
        self._again = False
        self._running: asyncio.Task[None] | None = None

    def request(self) -> asyncio.Task[None]:
        """Read soon: at once if idle, else once more after the read in flight (which may predate the trigger)."""
        if self._running is not None and not self._running.done():
            self._again = True
            return self._running
        self._running = asyncio.get_event_loop().create_task(self._loop(), name="reconcile")
        return self._running

    async def _loop(self) -> None:
        while True:
            self._again = False
            try:
                await self.run_once()
            except BitgetError as exc:
                log.info("reconcile failed: %s", exc)
                if self.on_error is not None:
                    self.on_error(exc)
            if not self._again:
                return

    async def periodic(self, period_s: float = PERIOD_S) -> None:
        while True:
            await asyncio.sleep(period_s)
            await self.request()

    async def cancel(self) -> None:
        task = self._running
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def run_once(self) -> None:
        """One read of the account (open orders, recent order history, fills, positions, position modes, balances),
        merged."""
        c, state = self.client, self.state
        gen = state.generation
        snap = Snapshot(started_at=state.clock())
        futures = [pt for pt in self.product_types if pt.is_futures]
        spot = ProductType.SPOT in self.product_types
        reads: list[asyncio.Future[object]] = []

        async def read_spot() -> None:
            balances, open_orders = await asyncio.gather(c.spot_balances(), c.spot_open_orders())
            snap.balances = balances
            _add_open(snap, ProductType.SPOT, open_orders)
            # every run: an order placed and finished while the private socket was down (another session, the
            # exchange's own app) is in neither the open list nor any push this connection saw
            snap.orders.extend(await c.spot_order_history())

        async def read_futures(pt: ProductType) -> None:
            accounts, positions, open_orders = await asyncio.gather(
                c.futures_accounts(pt), c.positions(pt), c.futures_open_orders(pt))
            snap.futures_accounts.extend(accounts)
            snap.positions[pt.value] = positions
            _add_open(snap, pt, open_orders)
            await read_protections(c, state, pt, positions, gen)  # positions' TP/SL orders
            fills = await c.futures_fills(pt)
            snap.fills.extend(fills)
            snap.orders.extend(await c.futures_order_history(pt))  # every run, as for spot
            # every run too: when flat, nothing is pushed about a switch made elsewhere while the socket was down
            snap.position_modes[pt.value] = await c.position_mode(pt)

        if spot:
            reads.append(asyncio.ensure_future(read_spot()))
        reads.extend(asyncio.ensure_future(read_futures(pt)) for pt in futures)
        try:
            await asyncio.gather(*reads)
        except BaseException:
            for r in reads:
                r.cancel()
            await asyncio.gather(*reads, return_exceptions=True)
            raise
        if spot:
            snap.fills.extend(await self._spot_fills(snap))
        vanished = state.apply_snapshot(snap, gen)
        if vanished:
            found = await self._look_up(vanished)
            state.apply_orders(found, gen)
            fills = await self._fills_of(found)
            state.apply_fills(fills, gen)
        self.runs += 1
        state.mark_reconciled(gen)

    async def _spot_fills(self, snap: Snapshot) -> list[Fill]:
        orders = [o for o in [*snap.orders, *(snap.open_orders or []), *self.state.orders.values()]
                  if not o.product_type.is_futures]
        recent = sorted(orders, key=lambda o: o.u_time, reverse=True)
        symbols: list[str] = []
        for o in recent:
            if o.symbol not in symbols:
                symbols.append(o.symbol)
            if len(symbols) >= SPOT_FILL_SYMBOLS:
                break
        batches = await asyncio.gather(*(self.client.spot_fills(sym) for sym in symbols))
        return [f for batch in batches for f in batch]

    async def _look_up(self, orders: list[Order]) -> list[Order]:
        """The final state of orders that left the open list while nobody watched."""
        found: list[Order] = []
        for o in orders:
            try:
                if o.product_type.is_futures:
                    found.append(await self.client.futures_order(o.product_type, o.symbol, order_id=o.order_id))
                else:
                    found.append(await self.client.spot_order(order_id=o.order_id))
            except OrderNotFound:
                log.warning("order %s left the open orders and cannot be found; asking again later", o.order_id)
        return found

    async def _fills_of(self, orders: list[Order]) -> list[Fill]:
        fills: list[Fill] = []
        for o in orders:
            if o.filled_size <= 0 or o.product_type.is_futures:
                continue  # futures fills were read in full above
            fills.extend(await self.client.spot_fills(o.symbol, order_id=o.order_id))
        return fills


def _add_open(snap: Snapshot, pt: ProductType, orders: list[Order]) -> None:
    snap.open_orders = [*(snap.open_orders or []), *orders]
    snap.open_order_scope.add(pt.value)
