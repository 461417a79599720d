"""Session: the Qt adapter over one AccountConnection; turns its events into coalesced Qt signals.

Widgets read the connection's state through the session (instruments, tickers, book, account lists, health) and act
through its OrderDesk; none of them calls the client for account data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from bitget_desktop.domain.book import OrderBook
from bitget_desktop.domain.market import Instrument, ProductType, PublicTrade, Ticker
from bitget_desktop.domain.trading import Balance, Fill, FuturesAccount, Order, Position
from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.environments import Environment
from bitget_desktop.terminal.account import AccountState
from bitget_desktop.terminal.connection import CONNECTING, FAILED, READY, AccountConnection, key_of
from bitget_desktop.terminal.desk import OrderDesk
from bitget_desktop.terminal.health import HealthView, StreamHealth

__all__ = ["CONNECTING", "FAILED", "READY", "Session", "key_of"]

FLUSH_MS = 200  # coalesced repaints: at most 5 a second
HEALTH_MS = 1000
_ACCOUNT_KINDS = ("orders", "fills", "positions", "balances", "modes")


class Session(QObject):
    """One environment + account as the window shows it; owns the AccountConnection and its tasks."""

    instruments_changed = Signal()
    tickers_changed = Signal(list)  # list[Ticker] changed since the last flush
    symbol_changed = Signal(object)  # Instrument
    book_changed = Signal()
    trades_added = Signal(list)  # list[PublicTrade]
    orders_changed = Signal()
    fills_changed = Signal()
    positions_changed = Signal()
    balances_changed = Signal()
    modes_changed = Signal()  # position mode, leverage or margin mode as the exchange reports them
    health_changed = Signal(object)  # HealthView
    banner_changed = Signal(str)  # "" hides the banner
    error_raised = Signal(object)  # BitgetError (or another exception): shown as a message, never a traceback
    ready = Signal(str)  # once: first live data of the first symbol arrived
    status_changed = Signal(str)  # connecting | ready | failed | closed
    action_changed = Signal(object)  # terminal.desk.Action: an order action's new state (not coalesced: rare)

    def __init__(self, client: BitgetClient, environment: Environment, *, account_name: str | None = None,
                 symbols: list[str] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.conn = AccountConnection(client, environment, account_name=account_name, symbols=symbols or [],
                                      listener=self._on_event)
        self._banner = ""
        self._dirty: set[str] = set()
        self._pending_tickers: dict[str, Ticker] = {}
        self._pending_trades: list[PublicTrade] = []
        self._flush_timer = QTimer(self)
        self._flush_timer.setInterval(FLUSH_MS)
        self._flush_timer.timeout.connect(self._flush)
        self._health_timer = QTimer(self)
        self._health_timer.setInterval(HEALTH_MS)
        self._health_timer.timeout.connect(self._update_health)

    # -- what widgets read ----------------------------------------------------------------------------------------
    @property
    def client(self) -> BitgetClient:
        """For market data feeds (candles, book streams); account state and actions go through `state`/`desk`."""
        return self.conn.client

    @property
    def environment(self) -> Environment:
        return self.conn.environment

    @property
    def account_name(self) -> str | None:
        return self.conn.account_name

    @property
    def private(self) -> bool:
        return self.conn.private

    @property
    def futures_type(self) -> ProductType:
        return self.conn.futures_type

    @property
    def product_types(self) -> tuple[ProductType, ...]:
        return self.conn.product_types

    @property
    def state(self) -> AccountState:
        return self.conn.state

    @property
    def desk(self) -> OrderDesk:
        return self.conn.desk

    @property
    def stream_health(self) -> StreamHealth:
        return self.conn.health

    @property
    def health(self) -> HealthView:
        return self.conn.health.view

    @property
    def status(self) -> str:
        return self.conn.status

    @property
    def status_text(self) -> str:
        return self.conn.status_text

    @property
    def instruments(self) -> dict[str, Instrument]:
        return self.conn.instruments

    @property
    def tickers(self) -> dict[str, Ticker]:
        return self.conn.tickers

    @property
    def instrument(self) -> Instrument | None:
        return self.conn.instrument

    @property
    def book(self) -> OrderBook | None:
        return self.conn.book

    def instrument_list(self) -> list[Instrument]:
        return self.conn.instrument_list()

    def open_orders(self) -> list[Order]:
        return self.conn.state.open_orders()

    def order_history(self) -> list[Order]:
        return self.conn.state.order_history()

    def fill_list(self) -> list[Fill]:
        return self.conn.state.fill_list()

    def position_list(self) -> list[Position]:
        return self.conn.state.position_list()

    def balance_list(self) -> list[Balance | FuturesAccount]:
        return self.conn.state.balance_list()

    # -- lifecycle ------------------------------------------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task[Any] | None:
        """Run `coro` as a task of this session's connection: kept, reported on failure, cancelled on close."""
        return self.conn.tasks.spawn(coro, name)

    @property
    def tasks(self) -> frozenset[asyncio.Task[Any]]:
        return self.conn.tasks.tasks

    def start(self) -> None:
        """Load instruments, open the streams of the first symbol and the account; returns at once."""
        self._flush_timer.start()
        self._health_timer.start()
        self.conn.start()
        self._update_health()

    async def aclose(self, reason: str = "") -> None:
        """Cancel every task, close the streams and the HTTP session; safe to call twice."""
        self._flush_timer.stop()
        self._health_timer.stop()
        await self.conn.aclose(reason)

    @property
    def closed(self) -> bool:
        return self.conn.closed

    def set_symbol(self, key: str) -> None:
        """Switch market streams to the instrument `key` ('SPOT:BTCUSDT')."""
        self.conn.set_symbol(key)

    async def reload_account(self) -> None:
        await self.conn.reload_account()

    async def refresh_account(self) -> None:
        """Read the account over REST now and merge it (the streams keep it current afterwards)."""
        await self.conn.reconciler.request()

    # -- events -> coalesced signals ------------------------------------------------------------------------------
    def _on_event(self, kind: str, payload: Any) -> None:
        if kind == "ticker":
            t: Ticker = payload
            self._pending_tickers[key_of(t.product_type, t.symbol)] = t
        elif kind == "trades":
            self._pending_trades.extend(payload)
        elif kind in ("book", "health") or kind in _ACCOUNT_KINDS:
            self._dirty.add(kind)
        elif kind == "symbol":
            self._pending_trades.clear()
            self._dirty.add("book")
            self.symbol_changed.emit(payload)
        elif kind == "instruments":
            self.instruments_changed.emit()
        elif kind == "error":
            self.error_raised.emit(payload)
        elif kind == "ready":
            self.ready.emit(payload)
        elif kind == "status":
            self.status_changed.emit(payload)
            self._dirty.update(_ACCOUNT_KINDS)
            self._update_health()
        elif kind == "action":
            self.action_changed.emit(payload)

    def _update_health(self) -> None:
        self.conn.refresh_health()
        view = self.conn.health.view
        connecting = self.conn.status in (CONNECTING, FAILED)
        self._set_banner(self.conn.status_text if connecting else self.conn.health.banner())
        self.health_changed.emit(view)

    def _set_banner(self, text: str) -> None:
        if text != self._banner:
            self._banner = text
            self.banner_changed.emit(text)

    def _flush(self) -> None:
        if self._pending_tickers:
            batch = list(self._pending_tickers.values())
            self._pending_tickers.clear()
            self.tickers_changed.emit(batch)
        dirty, self._dirty = self._dirty, set()
        if "book" in dirty:
            self.book_changed.emit()
        if self._pending_trades:
            trades, self._pending_trades = self._pending_trades, []
            self.trades_added.emit(trades)
        for name, sig in (("orders", self.orders_changed), ("fills", self.fills_changed),
                          ("positions", self.positions_changed), ("balances", self.balances_changed),
                          ("modes", self.modes_changed)):
            if name in dirty:
                sig.emit()
        if "health" in dirty:
            self._update_health()
