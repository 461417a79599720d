"""OrderDesk: the one owner of in-flight order actions and their states, from the click to the exchange's answer.

Every place, cancel, cancel-all, close, reverse and mode/leverage/margin change goes through the desk. An action is
`sending`, then `acknowledged` (with the order id) or `rejected` (Bitget's code, message and hint); a placement that
got no clean answer is `unknown` until the order is looked up by its clientOid (`not-placed`, or the order's state).
Afterwards the action follows the order as the account state reports it (`live`, `partially_filled`, `filled`,
`cancelled`). When the desk closes (account switch, shutdown), an action still waiting stays `unknown` and says so:
nothing shows "Sending…" forever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from bitget_desktop.domain.errors import (
    BitgetError,
    ExchangeUnavailable,
    MalformedResponse,
    NetworkError,
    OrderNotFound,
    UncertainOrderState,
)
from bitget_desktop.domain.market import Instrument, ProductType, Ticker
from bitget_desktop.domain.trading import (
    HoldSide,
    Intent,
    MarginMode,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    PositionMode,
    translate_intent,
)
from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.models import BatchResult, LeverageInfo, OrderAck
from bitget_desktop.terminal.account import ORDERS, AccountState
from bitget_desktop.terminal.tasks import TaskSet

log = logging.getLogger(__name__)

# action states (the order's own states come from OrderStatus values)
SENDING, ACKNOWLEDGED, REJECTED, UNKNOWN, NOT_PLACED = "sending", "acknowledged", "rejected", "unknown", "not-placed"
NOT_SENT, CANCEL_ACK, CANCEL_REFUSED = "not-sent", "cancel-acknowledged", "cancel-refused"
WAITING = frozenset({SENDING, UNKNOWN})
# A request that ends so got no clean answer: it may or may not have taken effect.
UNCERTAIN = (NetworkError, ExchangeUnavailable, MalformedResponse)


class DeskClosed(BitgetError):
    """The desk refuses new actions: not connected, still connecting, or the account was switched away."""


@dataclass
class Action:
    """One thing the trader asked the exchange to do, and what is known of it now."""

    key: str  # the order's clientOid, or a name such as "cancel-all:BTCUSDT"
    kind: str  # place | cancel | cancel-all | close | reverse
    state: str
    generation: int
    request: OrderRequest | None = None
    order: Order | None = None
    order_id: str | None = None
    error: BaseException | None = None
    detail: str = ""
    symbol: str = ""
    product_type: ProductType | None = None

    @property
    def waiting(self) -> bool:
        return self.state in WAITING


def _close_intent(pos: Position) -> Intent:
    long = pos.hold_side is HoldSide.LONG
    if pos.pos_mode is PositionMode.HEDGE:
        return Intent.CLOSE_LONG if long else Intent.CLOSE_SHORT
    return Intent.SELL_REDUCE if long else Intent.BUY_REDUCE


def close_request(inst: Instrument, pos: Position, *, price: Decimal | None = None,
                  size: Decimal | None = None) -> OrderRequest:
    """A reduce-only order closing ``size`` (default: all that is closable) of ``pos``; limit when ``price`` given.

    Hedge mode closes with tradeSide=close, one-way mode with reduceOnly=YES: neither can open the other side."""
    wire = translate_intent(_close_intent(pos), pos.pos_mode)
    qty = size if size is not None else (pos.available if pos.available > 0 else pos.size)
    return OrderRequest.build(
        inst, side=wire.side, order_type=OrderType.LIMIT if price is not None else OrderType.MARKET, size=qty,
        price=price, trade_side=wire.trade_side, reduce_only=wire.reduce_only, margin_mode=pos.margin_mode,
        position_mode=pos.pos_mode,
    )


def open_request(inst: Instrument, hold: HoldSide, size: Decimal, mode: PositionMode, margin_mode: MarginMode,
                 *, last_price: Decimal | None = None) -> OrderRequest:
    """A market order opening (or adding to) ``hold`` in ``mode``."""
    if mode is PositionMode.HEDGE:
        intent = Intent.OPEN_LONG if hold is HoldSide.LONG else Intent.OPEN_SHORT
    else:
        intent = Intent.BUY if hold is HoldSide.LONG else Intent.SELL
    wire = translate_intent(intent, mode)
    return OrderRequest.build(inst, side=wire.side, order_type=OrderType.MARKET, size=size,
                              trade_side=wire.trade_side, reduce_only=wire.reduce_only, margin_mode=margin_mode,
                              position_mode=mode, last_price=last_price)


class OrderDesk:
    """Places, cancels and changes modes through one client, for one account connection (`state.generation`)."""

    def __init__(self, client: BitgetClient | None, state: AccountState, tasks: TaskSet, *,
                 resolve_attempts: int = 5, resolve_delay: float = 0.5) -> None:
        self.client = client
        self.state = state
        self.tasks = tasks
        self.generation = state.generation
        self.resolve_attempts = resolve_attempts
        self.resolve_delay = resolve_delay
        self.actions: dict[str, Action] = {}
        self.blocked: str | None = None if client is not None else "Not connected."
        self._listeners: list[Callable[[Action], None]] = []
        self._followed: dict[str, Action] = {}  # clientOid -> action whose order is still open
        state.listen(self._on_state)

    # -- listeners ------------------------------------------------------------------------------------------------
    def listen(self, fn: Callable[[Action], None]) -> None:
        self._listeners.append(fn)

    def unlisten(self, fn: Callable[[Action], None]) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def _emit(self, action: Action) -> None:
        for fn in list(self._listeners):
            fn(action)

    def _set(self, action: Action, state: str, **changes: object) -> Action:
        action.state = state
        for name, value in changes.items():
            setattr(action, name, value)
        self._emit(action)
        return action

    # -- availability ---------------------------------------------------------------------------------------------
    def block(self, reason: str) -> None:
        """Refuse new actions with `reason` (shown where order entry is)."""
        self.blocked = reason

    def unblock(self) -> None:
        self.blocked = None if self.client is not None else "Not connected."

    def close(self, reason: str) -> None:
        """The connection ends: refuse new actions; actions still waiting become `unknown` with `reason`."""
        self.blocked = reason
        for action in list(self.actions.values()):
            if action.waiting:
                self._set(action, UNKNOWN, detail=reason)
        self._followed.clear()

    def in_flight(self) -> list[Action]:
        return [a for a in self.actions.values() if a.waiting]

    def _client(self) -> BitgetClient:
        if self.blocked is not None or self.client is None:
            raise DeskClosed("", self.blocked or "Not connected.", "")
        return self.client

    # -- placing --------------------------------------------------------------------------------------------------
    async def place(self, req: OrderRequest, kind: str = "place") -> Action:
        """Place `req` once; its action follows the order afterwards (pushes, reconciliation, a lookup)."""
        action = Action(req.client_oid, kind, SENDING, self.generation, request=req, symbol=req.symbol,
                        product_type=req.product_type)
        self.actions[action.key] = action
        try:
            client = self._client()
        except DeskClosed as exc:
            return self._set(action, NOT_SENT, error=exc)
        self._emit(action)
        try:
            ack = await client.place_order(req)
        except UncertainOrderState as exc:
            self._set(action, UNKNOWN, error=exc)
            self.tasks.spawn(self._resolve_unknown(action), f"resolve:{req.client_oid}")
            return action
        except BitgetError as exc:
            return self._set(action, REJECTED, error=exc)
        except asyncio.CancelledError:
            if action.waiting:
                self._set(action, UNKNOWN, detail="the request was interrupted before Bitget answered")
            raise
        if action.state != SENDING:  # the desk closed meanwhile: the answer still belongs to this action
            action.detail = ""
        self._set(action, ACKNOWLEDGED, order_id=ack.order_id)
        self._follow(action)
        self.tasks.spawn(self._fetch(action), f"follow:{req.client_oid}")
        return action

    def _follow(self, action: Action) -> None:
        self._followed[action.key] = action
        known = self.state.order_by_client_oid(action.key)
        if known is not None:
            # a final state pushed before the answer came back supersedes the answer ("acknowledged")
            self._take_order(action, known, settled=not known.is_open)

    def _take_order(self, action: Action, order: Order, *, settled: bool = False) -> None:
        """Show `order` as the action's state; `settled`: also when the action already holds this very order but
        a request's answer (acknowledged, cancel refused) overwrote the order's state since."""
        if action.order == order and not (settled and action.state != order.status.value):
            return
        if action.order is not None and order.u_time < action.order.u_time:
            return
        self._set(action, order.status.value, order=order, order_id=order.order_id)
        if not order.is_open:
            self._followed.pop(action.key, None)

    def _on_state(self, what: str) -> None:
        if what != ORDERS or not self._followed:
            return
        for oid, action in list(self._followed.items()):
            order = self.state.order_by_client_oid(oid)
            if order is not None:
                self._take_order(action, order)

    async def _lookup(self, req: OrderRequest) -> Order:
        client = self.client
        if client is None:
            raise DeskClosed("", "Not connected.", "")
        if req.product_type.is_futures:
            return await client.futures_order(req.product_type, req.symbol, client_oid=req.client_oid)
        return await client.spot_order(client_oid=req.client_oid)

    async def _fetch(self, action: Action) -> None:
        """Ask once for the order's state after the ack, and for what it changed (positions, balances); pushes keep
        both current afterwards."""
        req = action.request
        assert req is not None
        try:
            order = await self._lookup(req)
            inst_like = (req.product_type, req.symbol, req.margin_coin)
            await self._reload(*inst_like)
        except BitgetError as exc:
            log.info("order %s lookup failed: %s", action.key, exc)
            return
        self.state.apply_orders([order], self.generation)

    async def _reload(self, pt: ProductType, symbol: str, margin_coin: str | None) -> None:
        """Re-read what an order changes: the symbol's positions and its margin account, or the spot balances."""
        client = self._client()
        started = self.state.clock()
        if not pt.is_futures:
            self.state.push_balances(await client.spot_balances(), self.generation)
            return
        coin = margin_coin or "USDT"
        acc, positions = await asyncio.gather(client.futures_account(pt, symbol, coin),
                                              client.position(pt, symbol, coin))
        self.state.read_symbol_positions(pt, symbol, positions, started, self.generation)
        self.state.push_balances([acc], self.generation)

    async def _resolve_unknown(self, action: Action) -> None:
        """Keep asking Bitget about a clientOid whose placement got no clean answer, until it says yes or no."""
        assert action.request is not None
        for i in range(self.resolve_attempts):
            try:
                order = await self._lookup(action.request)
            except OrderNotFound:
                self._set(action, NOT_PLACED)
                return
            except BitgetError as exc:
                log.info("lookup of %s failed: %s", action.key, exc)
            else:
                self._follow(action)
                self.state.apply_orders([order], self.generation)
                self._take_order(action, order)
                return
            await asyncio.sleep(self.resolve_delay * (2 ** i))
        self._set(action, UNKNOWN, detail="Bitget still does not answer: check open orders and order history "
                                          "before sending it again.")

    # -- cancelling -----------------------------------------------------------------------------------------------
    async def cancel(self, order: Order | OrderRequest) -> Action:
        """Cancel one order (by id when known, else by clientOid)."""
        oid = order.client_oid or ""
        order_id = order.order_id if isinstance(order, Order) else None
        key = oid or order_id or ""
        action = self.actions.get(key) or Action(key, "cancel", SENDING, self.generation, symbol=order.symbol,
                                                 product_type=order.product_type)
        try:
            client = self._client()
            if order.product_type.is_futures:
                await client.cancel_futures_order(order.product_type, order.symbol, order_id=order_id,
                                                  client_oid=None if order_id else oid,
                                                  margin_coin=getattr(order, "margin_coin", None))
            else:
                await client.cancel_spot_order(order.symbol, order_id=order_id, client_oid=None if order_id else oid)
        except UNCERTAIN as exc:
            # No clean answer (timeout, lost answer, 5xx): the cancel may well have taken effect. Bitget's record
            # of the order says what happened; "refused" would be a guess.
            found = await self._find_order(order.product_type, order.symbol, order_id, oid)
            if found is None:
                return self._set(action, CANCEL_REFUSED, error=exc)
            self.state.apply_orders([found], self.generation)
            if oid and found.is_open:
                self._follow(action)
            self._take_order(action, found, settled=True)
            action.error = exc if found.is_open else None
            return action
        except BitgetError as exc:
            return self._set(action, CANCEL_REFUSED, error=exc)
        self._set(action, CANCEL_ACK, error=None)
        if oid:
            self._follow(action)
            if action.request is not None:
                self.tasks.spawn(self._fetch(action), f"follow:{oid}")
        return action

    async def _find_order(self, pt: ProductType, symbol: str, order_id: str | None, client_oid: str) -> Order | None:
        """The order as Bitget reports it, asked a few times (None if it never answered)."""
        client = self._client()
        for i in range(self.resolve_attempts):
            try:
                if pt.is_futures:
                    return await client.futures_order(pt, symbol, order_id=order_id,
                                                      client_oid=None if order_id else client_oid)
                return await client.spot_order(order_id=order_id, client_oid=None if order_id else client_oid)
            except BitgetError as exc:
                log.info("lookup of order %s failed: %s", order_id or client_oid, exc)
            await asyncio.sleep(self.resolve_delay * (2 ** i))
        return None

    async def cancel_all(self, inst: Instrument) -> Action:
        """Cancel every open order of one symbol."""
        action = Action(f"cancel-all:{inst.product_type.value}:{inst.symbol}", "cancel-all", SENDING,
                        self.generation, symbol=inst.symbol, product_type=inst.product_type)
        try:
            client = self._client()
            if inst.product_type.is_futures:
                result: BatchResult | None = await client.cancel_all_futures_orders(
                    inst.product_type, inst.symbol, inst.margin_coin)
            else:
                await client.cancel_all_spot_orders(inst.symbol)
                result = None
        except UNCERTAIN as exc:
            # No clean answer: the orders may be cancelled already. Read them again rather than say "refused".
            await self._refresh_open(inst.product_type)
            left = len(self.state.orders_for(inst.symbol, inst.product_type))
            return self._set(action, CANCEL_ACK, error=exc,
                             detail=f"no answer from Bitget; open orders read again: {left} still open")
        except BitgetError as exc:
            return self._set(action, REJECTED, error=exc)
        if result is not None:
            failed = len(result.failed)
            detail = f"{len(result.succeeded)} cancelled" + (f", {failed} refused" if failed else "")
            error = result.failed[0].error if failed else None
        else:
            detail, error = "accepted by Bitget", None
        self._set(action, CANCEL_ACK, detail=detail, error=error)
        self.tasks.spawn(self._refresh_open(inst.product_type), f"refresh:{inst.symbol}")
        return action

    async def _refresh_open(self, pt: ProductType) -> None:
        client = self.client
        if client is None:
            return
        try:
            orders = await (client.futures_open_orders(pt) if pt.is_futures else client.spot_open_orders())
            history = await (client.futures_order_history(pt) if pt.is_futures else client.spot_order_history())
        except BitgetError as exc:
            log.info("open orders refresh failed: %s", exc)
            return
        self.state.apply_orders([*history, *orders], self.generation)

    # -- positions ------------------------------------------------------------------------------------------------
    async def close_position(self, inst: Instrument, pos: Position, *, price: Decimal | None = None,
                             size: Decimal | None = None) -> Action:
        """A reduce-only order closing the position (market, or limit at `price`)."""
        return await self.place(close_request(inst, pos, price=price, size=size), kind="close")

    async def reverse_position(self, inst: Instrument, pos: Position) -> tuple[Order, Action]:
        """Close `pos` at market, wait until Bitget reports that order done, then open the same size the other way.
        Raises BitgetError if either step is refused or the close does not fill."""
        close = await self.place(close_request(inst, pos, size=pos.size), kind="reverse")
        if close.state in (REJECTED, NOT_SENT) and close.error is not None:
            raise close.error
        done = await self._await_final(close)
        if done is None or done.status is not OrderStatus.FILLED:
            state = done.status.value if done is not None else "unknown"
            raise BitgetError("", f"the close order {close.key} is {state}, not filled",
                              "Reverse stopped before opening the other side.")
        other = HoldSide.SHORT if pos.hold_side is HoldSide.LONG else HoldSide.LONG
        opened = await self.place(open_request(inst, other, done.filled_size, pos.pos_mode, pos.margin_mode,
                                               last_price=done.avg_price), kind="reverse")
        if opened.state in (REJECTED, NOT_SENT) and opened.error is not None:
            raise opened.error
        return done, opened

    async def _await_final(self, action: Action, timeout: float = 5.0) -> Order | None:
        """Poll the exchange until the action's order is no longer open (or the timeout); the last Order seen."""
        assert action.request is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        delay = 0.02
        order: Order | None = None
        while True:
            try:
                order = await self._lookup(action.request)
                self.state.apply_orders([order], self.generation)
            except BitgetError as exc:
                log.info("lookup of %s failed: %s", action.key, exc)
            if order is not None and not order.is_open:
                return order
            if loop.time() > deadline:
                return order
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.25)

    # -- modes, leverage and what a ticket reads -------------------------------------------------------------------
    async def set_position_mode(self, product_type: ProductType, mode: PositionMode,
                                symbol: str | None = None, margin_coin: str | None = None) -> PositionMode:
        """Ask Bitget to switch one-way/hedge, then read back what it reports (raises BitgetError if refused)."""
        client = self._client()
        try:
            await client.set_position_mode(product_type, mode)
        finally:
            reported = await client.position_mode(product_type, symbol, margin_coin)
            self.state.set_position_mode(product_type, reported, self.generation)
        return reported

    async def set_margin_mode(self, inst: Instrument, mode: MarginMode) -> LeverageInfo:
        try:
            info = await self._client().set_margin_mode(inst.product_type, inst.symbol,
                                                        inst.margin_coin or inst.quote_coin, mode)
        except UNCERTAIN:
            await self._read_settings(inst)
            raise
        self._take_leverage(inst, info)
        return info

    async def set_leverage(self, inst: Instrument, leverage: int) -> LeverageInfo:
        try:
            info = await self._client().set_leverage(inst.product_type, inst.symbol,
                                                     inst.margin_coin or inst.quote_coin, leverage)
        except UNCERTAIN:
            await self._read_settings(inst)
            raise
        self._take_leverage(inst, info)
        return info

    async def _read_settings(self, inst: Instrument) -> None:
        """A change got no clean answer and may have taken effect: show the margin mode and cross leverage Bitget
        now reports (an isolated symbol's leverage is not in that answer; a ticket reload reads it)."""
        try:
            acc = await self._client().futures_account(inst.product_type, inst.symbol,
                                                       inst.margin_coin or inst.quote_coin)
        except BitgetError as exc:
            log.info("reading %s settings back failed: %s", inst.symbol, exc)
            return
        crossed = acc.margin_mode is MarginMode.CROSSED
        self.state.set_symbol_settings(inst.product_type, inst.symbol, self.generation, margin_mode=acc.margin_mode,
                                       leverage=acc.crossed_leverage if crossed else None)

    def _take_leverage(self, inst: Instrument, info: LeverageInfo) -> None:
        lev = info.cross_leverage if info.margin_mode is MarginMode.CROSSED else (info.long_leverage
                                                                                  or info.short_leverage)
        self.state.set_symbol_settings(inst.product_type, inst.symbol, self.generation,
                                       margin_mode=info.margin_mode, leverage=lev)

    async def load_symbol(self, inst: Instrument) -> Ticker:
        """Read one market's account settings, positions and ticker into the state (a ticket opening on it)."""
        client = self._client()
        if not inst.product_type.is_futures:
            ticker = await client.ticker(ProductType.SPOT, inst.symbol)
            balances = await client.spot_balances()
            self.state.push_balances(balances, self.generation)
            return ticker
        coin = inst.margin_coin or inst.quote_coin
        started = self.state.clock()
        acc, positions, ticker = await asyncio.gather(
            client.futures_account(inst.product_type, inst.symbol, coin),
            client.position(inst.product_type, inst.symbol, coin),
            client.ticker(inst.product_type, inst.symbol),
        )
        self.state.read_symbol_positions(inst.product_type, inst.symbol, positions, started, self.generation)
        held = next((p.leverage for p in positions if p.leverage), None)
        lev = acc.crossed_leverage if acc.margin_mode is MarginMode.CROSSED and acc.crossed_leverage else held
        self.state.set_symbol_settings(inst.product_type, inst.symbol, self.generation,
                                       margin_mode=acc.margin_mode, leverage=lev or acc.crossed_leverage)
        if acc.pos_mode is not None:
            self.state.set_position_mode(inst.product_type, acc.pos_mode, self.generation)
        self.state.push_balances([acc], self.generation)
        return ticker


__all__ = ["ACKNOWLEDGED", "CANCEL_ACK", "CANCEL_REFUSED", "NOT_PLACED", "NOT_SENT", "REJECTED", "SENDING",
           "UNKNOWN", "Action", "DeskClosed", "OrderAck", "OrderDesk", "close_request", "open_request"]
