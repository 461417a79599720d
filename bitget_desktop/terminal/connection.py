"""AccountConnection: one environment and account as the terminal holds it, with no Qt.

It owns the client, every task it starts (TaskSet), the account model (AccountState), the in-flight actions
(OrderDesk), the stream health (StreamHealth) and the reconciliation, plus the market data of the chosen symbol.
Whatever changes is told to one listener as (kind, payload); the Qt session coalesces that into signals.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from bitget_desktop.domain.book import OrderBook
from bitget_desktop.domain.errors import BitgetError, describe
from bitget_desktop.domain.market import Instrument, ProductType, PublicTrade, Ticker
from bitget_desktop.domain.trading import Balance, Fill, FuturesAccount, Order, Position
from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.environments import Environment
from bitget_desktop.exchange.stream import BookEvent, ConnectionEvent, Event, Push, StreamError, Subscription
from bitget_desktop.terminal.account import AccountState
from bitget_desktop.terminal.desk import OrderDesk
from bitget_desktop.terminal.health import ACCOUNT, MARKET, StreamHealth
from bitget_desktop.terminal.reconcile import PERIOD_S, Reconciler
from bitget_desktop.terminal.tasks import TaskSet

log = logging.getLogger(__name__)

TICKER_POLL_S = 5.0
CLOCK_SYNC_S = 60.0

CONNECTING, READY, FAILED, CLOSED = "connecting", "ready", "failed", "closed"

Listener = Callable[[str, Any], None]


def key_of(product_type: ProductType | str, symbol: str) -> str:
    return f"{ProductType.parse(str(product_type)).value}:{symbol}"


class AccountConnection:
    """Market data for the chosen symbol, the account, its actions and its health, for one environment + key."""

    def __init__(self, client: BitgetClient, environment: Environment, *, account_name: str | None = None,
                 symbols: Sequence[str] = (), listener: Listener | None = None,
                 reconcile_period_s: float = PERIOD_S) -> None:
        self.client = client
        self.environment = environment
        self.account_name = account_name
        self.private = bool(client.rest.has_credentials)
        self.futures_type = ProductType.SUSDT_FUTURES if environment.is_demo else ProductType.USDT_FUTURES
        self.product_types = (ProductType.SPOT, self.futures_type)
        self.listener: Listener = listener or (lambda kind, payload: None)
        self.tasks = TaskSet(f"account:{account_name or environment.name}", on_error=self._task_failed)
        self.state = AccountState()
        self.state.listen(lambda what: self.listener(what, None))
        self.desk = OrderDesk(client if self.private else None, self.state, self.tasks)
        self.desk.block(f"Connecting to {self.label}…" if self.private else
                        "Market data only: add a Bitget API key with trade permission to trade.")
        self.desk.listen(lambda action: self.listener("action", action))
        self.health = StreamHealth()
        self.reconciler = Reconciler(client, self.state, self.product_types, on_error=self._report)
        self.reconcile_period_s = reconcile_period_s
        self.status = CONNECTING
        self.status_text = f"Connecting to {self.label}…"
        self._wanted = list(symbols)
        self.instruments: dict[str, Instrument] = {}
        self.tickers: dict[str, Ticker] = {}
        self.instrument: Instrument | None = None
        self.book: OrderBook | None = None
        self._symbol_task: asyncio.Task[Any] | None = None
        self._market_subs: list[tuple[Subscription, Callable[[Event], None]]] = []
        self._ready_sent = False
        self._private_dropped = False
        self._closing: asyncio.Task[None] | None = None

    @property
    def label(self) -> str:
        return self.account_name or self.environment.name

    # -- lifecycle ------------------------------------------------------------------------------------------------
    def start(self) -> None:
        self.tasks.spawn(self._bootstrap(), "bootstrap")

    async def aclose(self, reason: str = "") -> None:
        """Close the desk (waiting actions say why), cancel every task, close the streams.

        Safe to call twice or concurrently: every caller waits for the one close, which a cancelled caller does not
        interrupt (the HTTP session and sockets are always released)."""
        if self._closing is None:
            self.status = CLOSED
            self.desk.close(reason or f"{self.label} was disconnected before Bitget answered: check its order "
                                      "history before sending again.")
            self._closing = asyncio.get_event_loop().create_task(self._close(), name=f"{self.tasks.name}:close")
        await asyncio.shield(self._closing)

    async def _close(self) -> None:
        await self.reconciler.cancel()
        await self.tasks.aclose()
        with contextlib.suppress(Exception):
            await self.client.close()

    @property
    def closed(self) -> bool:
        return self.status == CLOSED

    def _set_status(self, status: str, text: str) -> None:
        self.status, self.status_text = status, text
        self.listener("status", status)

    def _fail(self, text: str, exc: BaseException) -> None:
        """The connection cannot be used: order entry refuses with `text` before anyone hears the new status (which
        the window shows in its banner, so the error is not shown a second time)."""
        log.warning("%s", text)
        self.desk.block(text)
        self._set_status(FAILED, text)

    def _task_failed(self, name: str, exc: BaseException) -> None:
        self._report(exc)

    def _report(self, exc: BaseException) -> None:
        if self.status != CLOSED:
            self.listener("error", exc)

    async def _bootstrap(self) -> None:
        try:
            await asyncio.gather(self._load_instruments(), self._sync_clock())
        except BitgetError as exc:
            self._fail(f"Could not connect to {self.label} ({self.environment.rest_url}): {describe(exc)}", exc)
            return
        first = next((k for k in self._wanted if k in self.instruments), None)
        if first is None and key_of(ProductType.SPOT, "BTCUSDT") in self.instruments:
            first = key_of(ProductType.SPOT, "BTCUSDT")
        if first is None and self.instruments:
            first = next(iter(self.instruments))
        if first is not None:
            self.set_symbol(first)
        self.tasks.spawn(self._poll_tickers(), "tickers")
        self.tasks.spawn(self._clock_loop(), "clock")
        if not self.private:
            self._set_status(READY, "Market data only")
            return
        try:
            await self._start_account()
        except BitgetError as exc:
            self._fail(f"Could not read the account {self.label}: {describe(exc)}", exc)
            return
        self.desk.unblock()
        self._set_status(READY, f"Connected to {self.label}")  # after the desk opened: listeners see it open
        self.tasks.spawn(self.reconciler.periodic(self.reconcile_period_s), "reconcile-timer")

    async def _load_instruments(self) -> None:
        results = await asyncio.gather(*(self.client.instruments(pt) for pt in self.product_types))
        merged: dict[str, Instrument] = {}
        for found in results:
            for inst in found:
                if inst.tradable:
                    merged[key_of(inst.product_type, inst.symbol)] = inst
        self.instruments = merged
        await self._fetch_tickers()
        self.listener("instruments", None)

    def instrument_list(self) -> list[Instrument]:
        return list(self.instruments.values())

    def refresh_health(self) -> None:
        """Bring the health view up to date: message ages and the malformed frames each socket dropped."""
        stream = self.client.stream
        for name, private in ((MARKET, False), (ACCOUNT, True)):
            if name in self.health.view.streams:
                self.health.set_dropped(name, stream.dropped_frames(private), stream.last_drop_reason(private))
        self.health.refresh()

    # -- clock and tickers ----------------------------------------------------------------------------------------
    async def _sync_clock(self) -> None:
        offset = await self.client.sync_clock()
        self.health.view.clock_offset_ms = int(offset)
        rtt = getattr(self.client.clock, "last_rtt_ms", None)
        if rtt is not None:
            self.health.view.rest_latency_ms = int(rtt)

    async def _clock_loop(self) -> None:
        while True:
            await asyncio.sleep(CLOCK_SYNC_S)
            try:
                await self._sync_clock()
            except BitgetError as exc:
                log.info("clock sync failed: %s", exc)

    async def _fetch_tickers(self) -> None:
        started = time.perf_counter()
        results = await asyncio.gather(*(self.client.tickers(pt) for pt in self.product_types))
        self.health.view.rest_latency_ms = int((time.perf_counter() - started) * 1000)
        for found in results:
            for t in found:
                self._take_ticker(t)

    async def _poll_tickers(self) -> None:
        while True:
            await asyncio.sleep(TICKER_POLL_S)
            try:
                await self._fetch_tickers()
            except BitgetError as exc:
                log.info("ticker poll failed: %s", exc)

    def _take_ticker(self, t: Ticker) -> None:
        self.tickers[key_of(t.product_type, t.symbol)] = t
        self.listener("ticker", t)

    # -- the chosen symbol ----------------------------------------------------------------------------------------
    def set_symbol(self, key: str) -> None:
        """Switch market streams to the instrument `key` ('SPOT:BTCUSDT')."""
        inst = self.instruments.get(key)
        if inst is None or self.closed:
            return
        self.instrument = inst
        self.book = None
        self.health.set_book(inst.symbol, False)
        self.listener("symbol", inst)
        if self._symbol_task is not None:
            self._symbol_task.cancel()
        self._symbol_task = self.tasks.spawn(self._follow(inst), f"follow:{key}")

    async def _follow(self, inst: Instrument) -> None:
        await self._drop_market_subs()
        pt = inst.product_type
        subs = [Subscription.ticker(pt, inst.symbol), Subscription.book(pt, inst.symbol),
                Subscription.trades(pt, inst.symbol)]
        self.health.stream(MARKET)
        for sub in subs:
            await self.client.stream.subscribe(sub, self._on_market)
            self._market_subs.append((sub, self._on_market))
        try:
            await asyncio.Event().wait()  # hold the subscriptions until cancelled
        finally:
            if not self.closed:
                await self._drop_market_subs()

    async def _drop_market_subs(self) -> None:
        subs, self._market_subs = self._market_subs, []
        for sub, handler in subs:
            with contextlib.suppress(Exception):
                await self.client.stream.unsubscribe(sub, handler)

    def _current(self, sub: Subscription) -> bool:
        inst = self.instrument
        return inst is not None and sub.inst_id.upper() == inst.symbol.upper() and sub.product_type == inst.product_type

    def _on_market(self, event: Event) -> None:
        """Stream handler (a plain function on the loop): update state, tell the listener."""
        if self.closed:
            return
        if isinstance(event, ConnectionEvent):
            if self.health.connection(MARKET, event.connected):
                self.listener("health", None)
            return
        if isinstance(event, StreamError):
            if not isinstance(event.error, BitgetError):
                return  # a broken book: the stream re-snapshots it; the banner says so meanwhile
            if event.sub is None:
                self.health.down(MARKET)
                self.listener("health", None)
            self.listener("error", event.error)
            return
        if self.health.message(MARKET):
            self.listener("health", None)
        if isinstance(event, BookEvent):
            if self._current(event.sub):
                self.book = event.book
                self.health.set_book(self.instrument.symbol if self.instrument else None, event.book.stale)
                self.listener("book", event.book)
                self._maybe_ready()
            return
        if self._current(event.sub):  # a Push, the last kind of Event
            ch = event.sub.channel
            if ch == "ticker":
                for t in event.items:
                    if isinstance(t, Ticker):
                        self._take_ticker(t)
                self._maybe_ready()
            elif ch == "trade":
                self.listener("trades", [t for t in event.items if isinstance(t, PublicTrade)])

    def _maybe_ready(self) -> None:
        if self._ready_sent or self.instrument is None:
            return
        inst = self.instrument
        t = self.tickers.get(key_of(inst.product_type, inst.symbol))
        if t is None or self.book is None:
            return
        self._ready_sent = True
        self.listener("ready", f"ready: {len(self.instruments)} instruments, last price {inst.symbol} {t.last}")

    # -- account --------------------------------------------------------------------------------------------------
    async def _start_account(self) -> None:
        self.health.stream(ACCOUNT)
        for pt in self.product_types:
            subs = [Subscription.orders(pt), Subscription.fills(pt), Subscription.account(pt)]
            if pt.is_futures:
                subs.append(Subscription.positions(pt))
            for sub in subs:
                await self.client.stream.subscribe(sub, self._on_private)
        await self.reconciler.request()

    async def reload_account(self) -> None:
        """Forget everything known of the account and read it afresh (after the account itself was reset)."""
        self.state.orders.clear()
        self.state.fills.clear()
        await self.reconciler.request()
        for what in ("orders", "fills", "positions", "balances"):
            self.listener(what, None)

    def _on_private(self, event: Event) -> None:
        if self.closed:
            return
        if isinstance(event, ConnectionEvent):
            if self.health.connection(ACCOUNT, event.connected):
                self.listener("health", None)
            if not event.connected:
                self._private_dropped = True
            elif self._private_dropped:
                self._private_dropped = False
                self.reconciler.request()  # pushes were missed while the socket was down
            return
        if isinstance(event, StreamError):
            if isinstance(event.error, BitgetError):
                if event.sub is None:
                    self.health.down(ACCOUNT)
                    self.listener("health", None)
                self.listener("error", event.error)
            return
        if not isinstance(event, Push):
            return
        if self.health.message(ACCOUNT):
            self.listener("health", None)
        gen = self.state.generation
        ch = event.sub.channel
        if ch == "orders":
            self.state.apply_orders([o for o in event.items if isinstance(o, Order)], gen)
        elif ch == "fill":
            self.state.apply_fills([f for f in event.items if isinstance(f, Fill)], gen)
        elif ch == "positions":
            self.state.push_positions(event.sub.product_type,
                                      [p for p in event.items if isinstance(p, Position)], gen)
        elif ch == "account":
            self.state.push_balances([b for b in event.items if isinstance(b, (Balance, FuturesAccount))], gen)
