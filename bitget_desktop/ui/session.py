"""Session: owns the client and every asyncio task the UI starts, and turns stream events into coalesced Qt signals."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from bitget_desktop.domain.errors import BitgetError
from bitget_desktop.domain.market import Instrument, ProductType, Ticker
from bitget_desktop.exchange.stream import BookEvent, ConnectionEvent, Push, StreamError, Subscription

log = logging.getLogger(__name__)

FLUSH_MS = 200  # coalesced repaints: at most 5 a second
HEALTH_MS = 1000
TICKER_POLL_S = 5.0
CLOCK_SYNC_S = 60.0
STALE_AFTER_MS = 10_000  # a market stream silent this long is reported


@dataclass
class StreamHealth:
    """One websocket stream as the status bar shows it."""

    state: str = "connecting"  # connecting | live | reconnecting | down
    last_message_ms: int | None = None  # local wall time of the last message
    reconnects: int = 0
    reconnected_ms: int | None = None  # local wall time the stream came back after a drop


@dataclass
class Health:
    """Connection health: per-stream state, last message age, REST latency and the clock offset."""

    streams: dict[str, StreamHealth] = field(default_factory=dict)
    last_message_age_ms: int | None = None
    rest_latency_ms: int | None = None
    clock_offset_ms: int | None = None
    book_stale: bool = False


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def key_of(product_type: Any, symbol: str) -> str:
    return f"{ProductType.parse(str(product_type)).value}:{symbol}"


class Session(QObject):
    """One environment + account: market data for the chosen symbol, account state, health; owns all tasks."""

    RECONNECTED_BANNER_MS = 6000  # how long "reconnected" stays up after a stream comes back

    instruments_changed = Signal()
    tickers_changed = Signal(list)  # list[Ticker] changed since the last flush
    symbol_changed = Signal(object)  # Instrument
    book_changed = Signal()
    trades_added = Signal(list)  # list[PublicTrade]
    orders_changed = Signal()
    fills_changed = Signal()
    positions_changed = Signal()
    balances_changed = Signal()
    health_changed = Signal(object)  # Health
    banner_changed = Signal(str)  # "" hides the banner
    error_raised = Signal(object)  # BitgetError (or another exception): shown as a message, never a traceback
    ready = Signal(str)  # once: first live data of the first symbol arrived

    def __init__(
        self,
        client: Any,
        environment: Any,
        *,
        account_name: str | None = None,
        symbols: list[str] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.environment = environment
        self.account_name = account_name
        self.private = bool(client.rest.has_credentials)
        self.futures_type = ProductType.SUSDT_FUTURES if environment.is_demo else ProductType.USDT_FUTURES
        self.product_types = (ProductType.SPOT, self.futures_type)
        self._wanted = list(symbols or [])
        self.instruments: dict[str, Instrument] = {}
        self.tickers: dict[str, Ticker] = {}
        self.instrument: Instrument | None = None
        self.book: Any = None
        self._orders: dict[str, Any] = {}
        self._fills: dict[str, Any] = {}
        self._positions: dict[tuple[str, str, str], Any] = {}
        self._balances: dict[str, Any] = {}
        self._futures_accounts: dict[str, Any] = {}
        self.health = Health()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._symbol_task: asyncio.Task[Any] | None = None
        self._market_subs: list[tuple[Subscription, Callable[[Any], None]]] = []
        self._private_subs: list[tuple[Subscription, Callable[[Any], None]]] = []
        self._closed = False
        self._ready_sent = False
        self._banner = ""
        # coalescing buffers
        self._dirty: set[str] = set()
        self._pending_tickers: dict[str, Ticker] = {}
        self._pending_trades: list[Any] = []
        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush)
        self._health_timer = QTimer(self)
        self._health_timer.setInterval(HEALTH_MS)
        self._health_timer.timeout.connect(self._update_health)

    # -- task ownership ----------------------------------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task[Any]:
        """Run `coro` as a task owned by this session: kept, reported on failure, cancelled on close."""
        task = asyncio.get_event_loop().create_task(coro, name=f"session:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or self._closed:
            return
        exc = task.exception()
        if exc is not None:
            log.warning("%s failed: %s", task.get_name(), exc if isinstance(exc, BitgetError) else repr(exc))
            self.error_raised.emit(exc)

    @property
    def tasks(self) -> frozenset[asyncio.Task[Any]]:
        return frozenset(self._tasks)

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Load instruments, open the streams of the first symbol and the account; returns at once."""
        self._flush_timer.start()
        self._health_timer.start()
        self.spawn(self._bootstrap(), "bootstrap")

    async def aclose(self) -> None:
        """Cancel every task, close the streams and the HTTP session; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._flush_timer.stop()
        self._health_timer.stop()
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        with contextlib.suppress(Exception):
            await self.client.close()

    @property
    def closed(self) -> bool:
        return self._closed

    async def _bootstrap(self) -> None:
        await asyncio.gather(self._load_instruments(), self._sync_clock())
        first = next((k for k in self._wanted if k in self.instruments), None)
        if first is None:
            first = next((k for k in (key_of(ProductType.SPOT, "BTCUSDT"),) if k in self.instruments), None)
        if first is None and self.instruments:
            first = next(iter(self.instruments))
        if first is not None:
            self.set_symbol(first)
        self.spawn(self._poll_tickers(), "tickers")
        self.spawn(self._clock_loop(), "clock")
        if self.private:
            self.spawn(self._start_account(), "account")

    async def _load_instruments(self) -> None:
        results = await asyncio.gather(*(self.client.instruments(pt) for pt in self.product_types))
        merged: dict[str, Instrument] = {}
        for found in results:
            for inst in found:
                if inst.tradable:
                    merged[key_of(inst.product_type, inst.symbol)] = inst
        self.instruments = merged
        await self._fetch_tickers()
        self.instruments_changed.emit()

    def instrument_list(self) -> list[Instrument]:
        return list(self.instruments.values())

    # -- clock and REST latency --------------------------------------------------------------------------------
    async def _sync_clock(self) -> None:
        offset = await self.client.sync_clock()
        self.health.clock_offset_ms = int(offset)
        rtt = getattr(self.client.clock, "last_rtt_ms", None)
        if rtt is not None:
            self.health.rest_latency_ms = int(rtt)

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
        self.health.rest_latency_ms = int((time.perf_counter() - started) * 1000)
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
        k = key_of(t.product_type, t.symbol)
        self.tickers[k] = t
        self._pending_tickers[k] = t

    # -- the current symbol ------------------------------------------------------------------------------------
    def set_symbol(self, key: str) -> None:
        """Switch market streams to the instrument `key` ('SPOT:BTCUSDT')."""
        inst = self.instruments.get(key)
        if inst is None or self._closed:
            return
        self.instrument = inst
        self.book = None
        self._pending_trades.clear()
        self._dirty.add("book")
        self.symbol_changed.emit(inst)
        if self._symbol_task is not None:
            self._symbol_task.cancel()
        self._symbol_task = self.spawn(self._follow(inst), f"follow:{key}")

    async def _follow(self, inst: Instrument) -> None:
        await self._drop_market_subs()
        pt = inst.product_type
        subs: list[tuple[Subscription, Callable[[Any], None]]] = [
            (Subscription.ticker(pt, inst.symbol), self._on_market),
            (Subscription.book(pt, inst.symbol), self._on_market),
            (Subscription.trades(pt, inst.symbol), self._on_market),
        ]
        self.health.streams.setdefault("market", StreamHealth())
        for sub, handler in subs:
            await self.client.stream.subscribe(sub, handler)
            self._market_subs.append((sub, handler))
        try:
            await asyncio.Event().wait()  # hold the subscriptions until cancelled
        finally:
            if not self._closed:
                await self._drop_market_subs()

    async def _drop_market_subs(self) -> None:
        subs, self._market_subs = self._market_subs, []
        for sub, handler in subs:
            with contextlib.suppress(Exception):
                await self.client.stream.unsubscribe(sub, handler)

    def _current(self, sub: Subscription) -> bool:
        inst = self.instrument
        return inst is not None and sub.inst_id.upper() == inst.symbol.upper() and sub.product_type == inst.product_type

    def _on_market(self, event: Any) -> None:
        """Stream handler (plain function, called on the loop): update state, mark dirty; the timer repaints."""
        if isinstance(event, ConnectionEvent):
            self._on_connection("market", event)
            return
        if isinstance(event, StreamError):
            if not isinstance(event.error, BitgetError):
                return  # a broken book: the stream re-snapshots it; the banner says so meanwhile
            if event.sub is None:
                self._stream_down("market")
            self.error_raised.emit(event.error)
            return
        stream = self.health.streams.setdefault("market", StreamHealth())
        stream.last_message_ms = _now_ms()
        if stream.state != "live":
            stream.state = "live"
            self._dirty.add("health")
        if isinstance(event, BookEvent):
            if self._current(event.sub):
                self.book = event.book
                self._dirty.add("book")
                self._maybe_ready()
            return
        if isinstance(event, Push) and self._current(event.sub):
            ch = event.sub.channel
            if ch == "ticker":
                for t in event.items:
                    self._take_ticker(t)
                self._maybe_ready()
            elif ch == "trade":
                self._pending_trades.extend(event.items)

    def _maybe_ready(self) -> None:
        if self._ready_sent or self.instrument is None:
            return
        inst = self.instrument
        t = self.tickers.get(key_of(inst.product_type, inst.symbol))
        if t is None or self.book is None:
            return
        self._ready_sent = True
        self.ready.emit(f"ready: {len(self.instruments)} instruments, last price {inst.symbol} {t.last}")

    # -- account -----------------------------------------------------------------------------------------------
    async def _start_account(self) -> None:
        self.health.streams.setdefault("account", StreamHealth())
        for pt in self.product_types:
            for sub in (Subscription.orders(pt), Subscription.fills(pt), Subscription.account(pt)) + (
                (Subscription.positions(pt),) if pt.is_futures else ()
            ):
                await self.client.stream.subscribe(sub, self._on_private)
                self._private_subs.append((sub, self._on_private))
        await self.refresh_account()

    async def reload_account(self) -> None:
        """Forget everything known of the account and load it afresh (after the account itself was reset)."""
        self._orders.clear()
        self._fills.clear()
        await self.refresh_account()

    async def refresh_account(self) -> None:
        """REST snapshot of balances, orders, fills and positions (the streams keep them current afterwards)."""
        c = self.client
        fut = self.futures_type
        balances, accounts, positions, spot_open, spot_done, fut_open, fut_done, fut_fills = await asyncio.gather(
            c.spot_balances(), c.futures_accounts(fut), c.positions(fut),
            c.spot_open_orders(), c.spot_order_history(), c.futures_open_orders(fut), c.futures_order_history(fut),
            c.futures_fills(fut),
        )
        # Spot fills are listed per symbol: ask for the symbols the account traded recently.
        spot_symbols = sorted({o.symbol for o in [*spot_open, *spot_done]})[:10]
        spot_fills = await asyncio.gather(*(c.spot_fills(sym) for sym in spot_symbols))
        self._balances = {b.coin: b for b in balances}
        self._futures_accounts = {a.margin_coin: a for a in accounts}
        self._positions = {(p.symbol, str(p.product_type), str(p.hold_side)): p for p in positions if p.size}
        for o in [*spot_done, *fut_done, *spot_open, *fut_open]:
            known = self._orders.get(o.order_id)
            # A push that arrived while the snapshot was in flight is newer than the snapshot: keep it.
            if known is None or o.u_time >= known.u_time:
                self._orders[o.order_id] = o
        for f in [*fut_fills, *(f for batch in spot_fills for f in batch)]:
            self._fills[f.trade_id] = f
        self._dirty.update({"orders", "fills", "positions", "balances"})

    def _on_private(self, event: Any) -> None:
        if isinstance(event, ConnectionEvent):
            self._on_connection("account", event)
            return
        if isinstance(event, StreamError):
            if isinstance(event.error, BitgetError):
                if event.sub is None:
                    self._stream_down("account")
                self.error_raised.emit(event.error)
            return
        if not isinstance(event, Push):
            return
        stream = self.health.streams.setdefault("account", StreamHealth())
        stream.last_message_ms = _now_ms()
        if stream.state != "live":
            stream.state = "live"
            self._dirty.add("health")
        ch = event.sub.channel
        if ch == "orders":
            for o in event.items:
                self._orders[o.order_id] = o
            self._dirty.add("orders")
        elif ch == "fill":
            for f in event.items:
                self._fills[f.trade_id] = f
            self._dirty.add("fills")
        elif ch == "positions":
            pt = str(event.sub.product_type)
            # Bitget pushes the full set of open positions: replace this product type's.
            self._positions = {k: v for k, v in self._positions.items() if k[1] != pt}
            for p in event.items:
                if p.size:
                    self._positions[(p.symbol, str(p.product_type), str(p.hold_side))] = p
            self._dirty.add("positions")
        elif ch == "account":
            for item in event.items:
                if hasattr(item, "margin_coin"):
                    self._futures_accounts[item.margin_coin] = item
                else:
                    self._balances[item.coin] = item
            self._dirty.add("balances")

    def open_orders(self) -> list[Any]:
        return sorted((o for o in self._orders.values() if o.is_open), key=lambda o: o.c_time, reverse=True)

    def order_history(self) -> list[Any]:
        return sorted((o for o in self._orders.values() if not o.is_open), key=lambda o: o.u_time, reverse=True)

    def fill_list(self) -> list[Any]:
        return sorted(self._fills.values(), key=lambda f: f.ts, reverse=True)

    def position_list(self) -> list[Any]:
        return sorted(self._positions.values(), key=lambda p: (p.symbol, str(p.hold_side)))

    def balance_list(self) -> list[Any]:
        spot = sorted((b for b in self._balances.values() if b.total), key=lambda b: b.coin)
        return spot + sorted(self._futures_accounts.values(), key=lambda a: a.margin_coin)

    # -- health ------------------------------------------------------------------------------------------------
    def _on_connection(self, name: str, event: ConnectionEvent) -> None:
        stream = self.health.streams.setdefault(name, StreamHealth())
        if event.connected:
            if stream.state in ("reconnecting", "down"):
                stream.reconnected_ms = _now_ms()
            stream.state = "live"
        elif stream.state != "down":
            if stream.state != "reconnecting":
                stream.reconnects += 1
            stream.state = "reconnecting"
        self._dirty.add("health")

    def _stream_down(self, name: str) -> None:
        """The stream gave up (e.g. its login was refused): it will not come back by itself."""
        self.health.streams.setdefault(name, StreamHealth()).state = "down"
        self._dirty.add("health")

    def _update_health(self) -> None:
        now = _now_ms()
        ages = [now - s.last_message_ms for s in self.health.streams.values() if s.last_message_ms is not None]
        market = self.health.streams.get("market")
        self.health.last_message_age_ms = (
            now - market.last_message_ms if market is not None and market.last_message_ms is not None
            else (min(ages) if ages else None)
        )
        self.health.book_stale = bool(self.book is not None and self.book.stale)
        self._set_banner(self._banner_text(now))
        self.health_changed.emit(self.health)

    def _banner_text(self, now: int) -> str:
        for name, s in sorted(self.health.streams.items()):
            label = "Market data" if name == "market" else "Account"
            if s.state == "down":
                return f"{label} stream stopped — see the error message; switch account or restart to retry."
            if s.state == "reconnecting":
                return f"{label} connection lost — reconnecting…"
        for name, s in sorted(self.health.streams.items()):
            if s.reconnected_ms is not None and now - s.reconnected_ms < self.RECONNECTED_BANNER_MS:
                label = "Market data" if name == "market" else "Account"
                return (f"{label} stream reconnected ({s.reconnects} drop{'s' if s.reconnects != 1 else ''} so far); "
                        "books and account state were re-synchronised.")
        if self.health.book_stale and self.instrument is not None:
            return f"Order book for {self.instrument.symbol} is stale — waiting for a fresh snapshot."
        market = self.health.streams.get("market")
        if market is not None and market.last_message_ms is not None and now - market.last_message_ms > STALE_AFTER_MS:
            return f"No market data for {(now - market.last_message_ms) // 1000} s — the stream may be stalled."
        return ""

    def _set_banner(self, text: str) -> None:
        if text != self._banner:
            self._banner = text
            self.banner_changed.emit(text)

    # -- coalesced flush ---------------------------------------------------------------------------------------
    def _flush(self) -> None:
        if self._pending_tickers:
            batch = list(self._pending_tickers.values())
            self._pending_tickers.clear()
            self.tickers_changed.emit(batch)
        dirty, self._dirty = self._dirty, set()
        if "book" in dirty:
            self.book_changed.emit()
        if self._pending_trades:
            batch, self._pending_trades = self._pending_trades, []
            self.trades_added.emit(batch)
        for name, sig in (("orders", self.orders_changed), ("fills", self.fills_changed),
                          ("positions", self.positions_changed), ("balances", self.balances_changed)):
            if name in dirty:
                sig.emit()
        if "health" in dirty:
            self._update_health()

