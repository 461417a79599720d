"""Bitget websocket streams: subscriptions routed to handlers, books kept whole, connections kept alive.

Three layers, smallest first:
* `Router` (sans-I/O): turns received text into events for the handlers of each subscription and maintains
  `OrderBook`s; asks for a resubscription when a book breaks (gap / checksum) so a fresh snapshot replaces it.
* `Connection`: one websocket (public or private): login, subscribe, text `ping` every 30 s, a watchdog that
  drops a silent socket, and reconnects with backoff + jitter, then re-login and resubscribe.
* `BitgetStream`: the facade the client exposes: `subscribe(sub, handler)` or `async with events(sub)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypedDict

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from bitget_desktop.domain.book import BookChecksumError, BookDataError, BookGapError, OrderBook
from bitget_desktop.domain.errors import BitgetError, NetworkError, ws_error_from
from bitget_desktop.exchange.backoff import Verdict, backoff, classify
from bitget_desktop.exchange.classic.ws import Subscription, arg_key, decode_items
from bitget_desktop.exchange.clock import ServerClock
from bitget_desktop.exchange.environments import Environment
from bitget_desktop.exchange.ratelimit import TokenBucket
from bitget_desktop.exchange.signing import Credentials, ws_login_args
from bitget_desktop.exchange.uta import ws as v3ws

__all__ = [
    "BitgetStream",
    "BookEvent",
    "Connection",
    "ConnectionEvent",
    "EventQueue",
    "Push",
    "Router",
    "StreamError",
    "Subscription",
    "SubscriptionHandle",
]

log = logging.getLogger(__name__)

PING_INTERVAL = 30.0
SILENCE_TIMEOUT = 45.0          # no frame (not even "pong") for this long => the socket is dead
LOGIN_TIMEOUT = 10.0
ARGS_PER_REQUEST = 20           # keeps each request well under Bitget's 4096-byte args limit
# Bitget disconnects a client that sends more than 10 messages per second (pings included): at most 2 + 8/s
# leaves every one-second window at <= 10.
SEND_RATE = 8.0
SEND_BURST = 2.0
DROP_LOG_FIRST = 20             # malformed frames logged as warnings before only every 1000th is


# -- events ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Push:
    """Decoded data for one subscription: tickers, candles, trades, orders, fills, positions or balances."""

    sub: Subscription
    action: str          # "snapshot" | "update"
    items: list[Any]
    ts: int


@dataclass(frozen=True, slots=True)
class BookEvent:
    """The subscription's order book changed; when `book.stale` it must not be shown (a fresh snapshot is coming)."""

    sub: Subscription
    book: OrderBook


@dataclass(frozen=True, slots=True)
class StreamError:
    """An error the server sent (bad channel, login refused...) or a broken book; `sub` None = whole connection."""

    sub: Subscription | None
    error: BitgetError | Exception


@dataclass(frozen=True, slots=True)
class ConnectionEvent:
    """The socket behind a subscription went up or down (`reconnecting` while waiting to retry)."""

    private: bool
    connected: bool
    reason: str = ""


Event = Push | BookEvent | StreamError | ConnectionEvent
Handler = Callable[[Event], Any]


# -- routing (sans-I/O) ------------------------------------------------------------------------------------------


def _keep_task(tasks: set[Any], aw: Awaitable[Any]) -> None:
    """Run a handler's awaitable as a task held in `tasks` until it ends; a failure is logged, not left unread."""
    task = asyncio.ensure_future(aw)
    tasks.add(task)

    def done(t: asyncio.Future[Any]) -> None:
        tasks.discard(t)
        if not t.cancelled() and t.exception() is not None:
            log.error("stream handler task failed", exc_info=t.exception())

    task.add_done_callback(done)


class _Route:
    __slots__ = ("sub", "handlers", "book", "changed")

    def __init__(self, sub: Subscription) -> None:
        self.sub = sub
        self.handlers: list[Handler] = []
        self.book: OrderBook | None = OrderBook(sub.inst_id, sub.product_type) if sub.is_book else None
        # The route's one BookEvent: it names the book, which changes in place, so every push can send it again.
        self.changed: BookEvent | None = BookEvent(sub, self.book) if self.book is not None else None


class Router:
    """Dispatch received websocket text to subscription handlers; keep order books whole.

    `resubscribe(sub)` is called when a book breaks; `on_control(msg)` receives login/subscribe acks and errors
    (returning True when it consumed an error, e.g. a refused login that the connection reports itself).
    """

    def __init__(
        self,
        resubscribe: Callable[[Subscription], None] = lambda sub: None,
        on_control: Callable[[dict[str, Any]], bool | None] = lambda msg: None,
        spawn: Callable[[Awaitable[Any]], None] | None = None,
        *,
        v3: bool = False,
    ) -> None:
        self._routes: dict[tuple[str, str, str], _Route] = {}
        self._v3 = v3  # unified-account private socket: topic pushes are split back onto the v2 subscriptions
        self._resubscribe = resubscribe
        self._on_control = on_control
        self._spawn = spawn or self._keep
        self._tasks: set[asyncio.Future[Any]] = set()  # handler tasks when no owner was given
        self.last_pong = False
        # Health: frames (or book pushes) dropped as malformed since this router was made, and the last reason.
        self.dropped_frames = 0
        self.last_drop_reason = ""

    # -- registry
    def add(self, sub: Subscription, handler: Handler) -> bool:
        """Register a handler; True if this is the subscription's first handler (so it must be subscribed)."""
        route = self._routes.get(sub.key)
        first = route is None
        if route is None:
            route = self._routes[sub.key] = _Route(sub)
        route.handlers.append(handler)
        return first

    def remove(self, sub: Subscription, handler: Handler) -> bool:
        """Unregister; True if no handler is left (so it should be unsubscribed)."""
        route = self._routes.get(sub.key)
        if route is None:
            return False
        with contextlib.suppress(ValueError):
            route.handlers.remove(handler)
        if route.handlers:
            return False
        del self._routes[sub.key]
        return True

    @property
    def subscriptions(self) -> list[Subscription]:
        return [r.sub for r in self._routes.values()]

    def book(self, sub: Subscription) -> OrderBook | None:
        route = self._routes.get(sub.key)
        return route.book if route else None

    # -- delivery
    def _emit(self, route: _Route, event: Event) -> None:
        for handler in tuple(route.handlers):
            try:
                result = handler(event)
            except Exception:  # a broken handler must not break the stream
                log.exception("stream handler failed for %s", route.sub.key)
                continue
            if result is not None and inspect.isawaitable(result):
                self._spawn(result)

    def _keep(self, aw: Awaitable[Any]) -> None:
        _keep_task(self._tasks, aw)

    def broadcast(self, event: Event) -> None:
        for route in tuple(self._routes.values()):
            self._emit(route, event)

    def invalidate_books(self) -> None:
        """After a disconnect every book is stale until its snapshot arrives again."""
        for route in tuple(self._routes.values()):
            if route.book is not None and not route.book.stale:
                route.book.invalidate()
                self._emit(route, route.changed or BookEvent(route.sub, route.book))

    # -- ingest
    def feed(self, text: str | bytes) -> None:
        """Handle one received frame. Never raises: a malformed frame is dropped, logged and counted."""
        if text == "pong" or text == b"pong":
            self.last_pong = True
            return
        try:
            self._feed(text)
        except Exception as exc:  # noqa: BLE001 - a last guard: validation is meant to leave nothing for it
            self._drop(f"unexpected {type(exc).__name__}: {exc}", exc_info=True)

    def _drop(self, reason: str, *, exc_info: bool = False) -> None:
        """Count a frame (or the part of one) that could not be used; the connection carries on."""
        self.dropped_frames += 1
        self.last_drop_reason = reason
        n = self.dropped_frames
        # A server sending nothing but garbage must not flood the log: the first few, then every thousandth.
        level = logging.WARNING if n <= DROP_LOG_FIRST or n % 1000 == 0 or exc_info else logging.DEBUG
        log.log(level, "dropped websocket frame #%d: %s", n, reason, exc_info=exc_info)

    def _feed(self, text: str | bytes) -> None:
        try:
            msg = orjson.loads(text)
        except orjson.JSONDecodeError:
            self._drop(f"not JSON ({len(text)} bytes)")
            return
        if not isinstance(msg, dict):
            self._drop(f"a JSON {type(msg).__name__}, not an object")
            return
        arg = msg.get("arg")
        if "action" in msg:
            self._push(msg, arg)
            return
        event = msg.get("event")
        if event == "error":
            err = ws_error_from(msg.get("code", ""), str(msg.get("msg", "")))
            route = self._routes.get(arg_key(arg)) if isinstance(arg, dict) else None
            if route is not None:
                self._emit(route, StreamError(route.sub, err))
            handled = self._on_control(msg)
            if route is None and not isinstance(arg, dict) and not handled:
                self.broadcast(StreamError(None, err))
            return
        if isinstance(event, str):
            self._on_control(msg)
            return
        self._drop(f"neither a push nor an event: {sorted(map(str, msg))[:6]}")

    def _push(self, msg: dict[str, Any], arg: Any) -> None:
        """A data push: its envelope is checked before any of it reaches a book or a handler."""
        action = msg.get("action")
        if action not in ("snapshot", "update"):
            self._drop(f"action {action!r:.30}")
            return
        if not isinstance(arg, dict):
            self._drop(f"arg of type {type(arg).__name__}")
            return
        ts = msg.get("ts")
        if type(ts) is not int or ts < 0:
            ts = _frame_ts(ts)
        if ts is None:
            self._drop(f"ts {msg.get('ts')!r:.30}")
            return
        data = msg.get("data")
        if self._v3 and "topic" in arg:
            if isinstance(data, dict):
                data = [data]
            if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
                self._drop(f"v3 data of type {type(data).__name__}")
                return
            self._v3_data(str(arg["topic"]), action, data, ts)
            return
        route = self._routes.get(arg_key(arg))
        if route is None:
            return  # a late push of something unsubscribed
        if data is None:
            data = []
        if not isinstance(data, list):
            self._drop(f"{route.sub.channel} data of type {type(data).__name__}")
            return
        if route.book is not None:
            self._book(route, route.book, action, data)
            return
        try:
            items = decode_items(route.sub, data)
        except BitgetError as exc:  # counted, not raised to the handlers: the next push carries on
            self._drop(f"undecodable {route.sub.channel} push: {exc.msg}")
            return
        self._emit(route, Push(route.sub, action, items, ts))

    def _v3_data(self, topic: str, action: str, data: list[dict[str, Any]], ts: int) -> None:
        try:
            groups = v3ws.decode_push(topic, data)
        except BitgetError as exc:
            self._drop(f"undecodable v3 {topic} push: {exc.msg}")
            return
        for pt, channel, items in groups:
            for route in tuple(self._routes.values()):
                if not v3ws.routes_to(route.sub, pt, channel):
                    continue
                sym = route.sub.inst_id.upper()
                mine = items if sym == "DEFAULT" else [i for i in items if getattr(i, "symbol", sym) == sym]
                mine = v3ws.as_requested(mine, route.sub.product_type)
                if mine or channel == "positions":
                    self._emit(route, Push(route.sub, action, mine, ts))

    def _book(self, route: _Route, book: OrderBook, action: str, data: list[Any]) -> None:
        if not data:
            return
        d = data[0]
        if not isinstance(d, dict):
            self._drop(f"{route.sub.channel} element of type {type(d).__name__}")
            return
        try:
            if action == "snapshot" or not route.sub.incremental_book:
                book.apply_snapshot(d.get("bids", ()), d.get("asks", ()), seq=d.get("seq"), ts=d.get("ts"))
            elif book.stale:
                return  # waiting for the fresh snapshot
            else:
                book.apply_update(d.get("bids", ()), d.get("asks", ()), seq=d.get("seq"), pseq=d.get("pseq"),
                                  checksum=d.get("checksum"), ts=d.get("ts"))
        except (BookGapError, BookChecksumError, BookDataError) as exc:
            if isinstance(exc, BookDataError):
                self._drop(f"malformed {route.sub.channel} {action} for {route.sub.inst_id}: {exc}")
            else:
                log.info("book %s broken (%s); resubscribing for a fresh snapshot", route.sub.key, exc)
            book.invalidate()
            self._emit(route, route.changed or BookEvent(route.sub, book))
            self._emit(route, StreamError(route.sub, exc))
            self._resubscribe(route.sub)
            return
        self._emit(route, route.changed or BookEvent(route.sub, book))


def _frame_ts(value: Any) -> int | None:
    """A push's `ts` (int ms or digit text; absent -> 0), None when malformed."""
    if value is None or value == "":
        return 0
    if type(value) is int and value >= 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


# -- one socket ---------------------------------------------------------------------------------------------------


class _connect(connect):
    """websockets' `connect` that never follows a redirect: a 30x ends the attempt like any refused handshake.

    Following one would take the private socket's login (key, passphrase, signature) to another host.
    """

    def process_redirect(self, exc: Exception) -> Exception | str:
        return exc


class Connection:
    """One websocket to `url` that stays up: (login,) subscribe, ping, watchdog, reconnect with backoff."""

    def __init__(
        self,
        url: str,
        *,
        credentials: Credentials | None = None,
        clock: ServerClock | None = None,
        resync_clock: Callable[[], Awaitable[Any]] | None = None,
        ping_interval: float = PING_INTERVAL,
        silence_timeout: float = SILENCE_TIMEOUT,
        reconnect_initial: float = 0.5,
        reconnect_max: float = 30.0,
        rng: random.Random | None = None,
        headers: dict[str, str] | None = None,
        v3: bool = False,
    ) -> None:
        self.url = url
        self.v3 = v3  # v3 private socket: v2 subscriptions are sent as their account-wide topic
        self.private = credentials is not None
        self._credentials = credentials
        self._clock = clock or ServerClock()
        self._resync = resync_clock
        self.ping_interval = ping_interval
        self.silence_timeout = silence_timeout
        self._reconnect_initial = reconnect_initial
        self._reconnect_max = reconnect_max
        self._rng = rng or random.Random()
        self._headers = headers or {}
        self.router = Router(self._request_resubscribe, self._on_control, self._spawn, v3=v3)
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._login_waiter: asyncio.Future[None] | None = None
        self._closing = False
        self.connected = asyncio.Event()
        self.connects = 0           # successful connections so far (tests and diagnostics)
        self.failure: BitgetError | None = None
        self._last_rx = 0.0
        self._received = False
        self._send_bucket = TokenBucket(SEND_RATE, SEND_BURST)
        self._pending: deque[tuple[str, Subscription]] = deque()
        self._flusher: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"Connection({self.url!r}, private={self.private}, connected={self.connected.is_set()})"

    # -- public API
    def start(self) -> None:
        if self._task is None and not self._closing:
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"bitget-ws {self.url}")

    async def add(self, sub: Subscription, handler: Handler) -> None:
        if self.router.add(sub, handler):
            self._queue("subscribe", sub)
        elif sub.is_book:
            book = self.router.book(sub)
            if book is not None and not book.stale:
                handler(BookEvent(sub, book))
        self.start()

    async def remove(self, sub: Subscription, handler: Handler) -> None:
        if self.router.remove(sub, handler):
            if self.v3 and any(self._arg(s) == self._arg(sub) for s in self.router.subscriptions):
                return  # another subscription still needs the topic
            self._queue("unsubscribe", sub)

    async def close(self) -> None:
        self._closing = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for t in tuple(self._tasks):
            t.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def drop(self) -> None:
        """Close the current socket; the run loop reconnects (e.g. after the network changed)."""
        ws = self._ws
        if ws is not None:
            await ws.close()

    # -- internals
    def _spawn(self, aw: Awaitable[Any]) -> None:
        _keep_task(self._tasks, aw)

    def _request_resubscribe(self, sub: Subscription) -> None:
        self._queue("unsubscribe", sub)
        self._queue("subscribe", sub)

    def _queue(self, op: str, sub: Subscription) -> None:
        """Send (un)subscribe requests soon, batched: requests queued while waiting for a send slot share a frame."""
        if not self.connected.is_set():
            return  # the session subscribes everything the router holds once (re)connected
        self._pending.append((op, sub))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush())
            self._tasks.add(self._flusher)
            self._flusher.add_done_callback(self._tasks.discard)

    async def _flush(self) -> None:
        pending = self._pending
        while pending:
            await asyncio.sleep(0)  # let adds from the same moment join this batch
            op = pending[0][0]
            batch: list[Subscription] = []
            while pending and pending[0][0] == op and len(batch) < ARGS_PER_REQUEST:
                batch.append(pending.popleft()[1])
            await self._send(orjson.dumps({"op": op, "args": self._args(batch)}).decode())

    async def _send(self, text: str) -> None:
        """Every outgoing frame goes through the per-connection send budget."""
        ws = self._ws
        if ws is None:
            return
        await self._send_bucket.acquire()
        with contextlib.suppress(WebSocketException, OSError):
            await ws.send(text)

    async def _subscribe_all(self, subs: Iterable[Subscription]) -> None:
        self._pending.clear()  # everything is (re)sent here
        args = self._args(subs)
        for i in range(0, len(args), ARGS_PER_REQUEST):
            await self._send(orjson.dumps({"op": "subscribe", "args": args[i : i + ARGS_PER_REQUEST]}).decode())

    def _arg(self, sub: Subscription) -> dict[str, str]:
        return v3ws.topic_arg(sub) if self.v3 else sub.arg()

    def _args(self, subs: Iterable[Subscription]) -> list[dict[str, str]]:
        out: list[dict[str, str]] = []
        for s in subs:
            a = self._arg(s)
            if a not in out:  # v3: several subscriptions share one topic
                out.append(a)
        return out

    def _on_control(self, msg: dict[str, Any]) -> bool:
        event = msg.get("event")
        waiter = self._login_waiter
        if event == "login" and waiter is not None and not waiter.done():
            code = msg.get("code", 0)
            if str(code) in ("0", "00000"):
                waiter.set_result(None)
            else:
                waiter.set_exception(ws_error_from(code, str(msg.get("msg", ""))))
            return True
        if event == "error" and waiter is not None and not waiter.done() and "arg" not in msg:
            waiter.set_exception(ws_error_from(msg.get("code", ""), str(msg.get("msg", ""))))
            return True
        return False

    def _closing_now(self) -> bool:
        """`_closing` read afresh (a call, so a type checker does not carry a narrowing across awaits)."""
        return self._closing

    async def _run(self) -> None:
        delays = backoff(self._reconnect_initial, 2.0, self._reconnect_max, rng=self._rng)
        while not self._closing:
            reason = "closed"
            healthy = False
            try:
                healthy = await self._session()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure ends in a logged reconnect or give-up
                reason = f"{type(exc).__name__}: {exc}"
                verdict = classify(exc)
                if verdict is Verdict.RESYNC and self._resync is not None:
                    with contextlib.suppress(Exception):
                        await self._resync()
                elif verdict is Verdict.GIVE_UP and isinstance(exc, BitgetError):  # AuthenticationError included
                    self.failure = exc
                    log.error("websocket %s gave up: %s", self.url, exc)
                    self.router.broadcast(StreamError(None, exc))
                    self.router.broadcast(ConnectionEvent(self.private, False, reason))
                    return
            finally:
                self._ws = None
                was_up = self.connected.is_set()
                self.connected.clear()
                if was_up and not self._closing:
                    self.router.invalidate_books()
            if self._closing_now():  # close() may have run during the awaits above
                return
            if healthy:
                delays = backoff(self._reconnect_initial, 2.0, self._reconnect_max, rng=self._rng)
            delay = next(delays)
            log.info("websocket %s down (%s); reconnecting in %.2fs", self.url, reason, delay)
            self.router.broadcast(ConnectionEvent(self.private, False, reason))
            await asyncio.sleep(delay)

    async def _session(self) -> bool:
        """One connection's life; returns True if it was healthy (got data) before ending."""
        try:
            ws = await _connect(
                self.url,
                ping_interval=None,         # Bitget wants its own text "ping"
                compression=None,
                open_timeout=10,
                close_timeout=2,
                max_size=2**24,
                max_queue=None,
                proxy=None,
                additional_headers=self._headers or None,
            )
        except (TimeoutError, OSError, WebSocketException) as exc:
            raise NetworkError("", f"websocket connect failed: {type(exc).__name__}") from None
        self._ws = ws
        loop = asyncio.get_running_loop()
        self._last_rx = loop.time()
        received = False
        reader: asyncio.Task[None] | None = None
        helpers: list[asyncio.Task[None]] = []
        try:
            reader = loop.create_task(self._read(ws))
            helpers = [loop.create_task(self._pinger(ws)), loop.create_task(self._watchdog(ws))]
            if self._credentials is not None:
                await self._login(ws, reader)
            self.connected.set()
            self.connects += 1
            self.router.broadcast(ConnectionEvent(self.private, True, "connected"))
            subs = self.router.subscriptions
            if subs:
                await self._subscribe_all(subs)
            done, _ = await asyncio.wait([reader, *helpers], return_when=asyncio.FIRST_COMPLETED)
            for t in done:
                err = t.exception()
                if err is not None and not isinstance(err, (WebSocketException, OSError)):
                    raise err
            received = self._received
            return received
        finally:
            for task in (reader, *helpers):
                if task is not None:
                    task.cancel()
            await asyncio.gather(*(task for task in (reader, *helpers) if task is not None), return_exceptions=True)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 2)

    async def _login(self, ws: ClientConnection, reader: asyncio.Task[None]) -> None:
        assert self._credentials is not None
        if not self._clock.synced and self._resync is not None:
            await self._resync()  # a skewed PC clock must not make the login "expired"
        loop = asyncio.get_running_loop()
        self._login_waiter = loop.create_future()
        args = ws_login_args(self._credentials, self._clock.now_s())
        await self._send(orjson.dumps({"op": "login", "args": [args]}).decode())
        try:
            done, _ = await asyncio.wait([self._login_waiter, reader], timeout=LOGIN_TIMEOUT,
                                         return_when=asyncio.FIRST_COMPLETED)
            if self._login_waiter in done:
                self._login_waiter.result()  # raises the typed login error
                return
            if reader in done:
                raise NetworkError("", "websocket closed during login")
            raise NetworkError("", "no login answer from the websocket")
        finally:
            if not self._login_waiter.done():
                self._login_waiter.cancel()
            self._login_waiter = None

    async def _read(self, ws: ClientConnection) -> None:
        self._received = False
        loop = asyncio.get_running_loop()
        feed = self.router.feed
        async for frame in ws:
            self._last_rx = loop.time()
            self._received = True
            feed(frame)

    async def _pinger(self, ws: ClientConnection) -> None:
        while True:
            await asyncio.sleep(self.ping_interval)
            await self._send("ping")

    async def _watchdog(self, ws: ClientConnection) -> None:
        loop = asyncio.get_running_loop()
        step = max(0.05, min(self.silence_timeout / 4, 5.0))
        while True:
            await asyncio.sleep(step)
            if loop.time() - self._last_rx > self.silence_timeout:
                log.warning("websocket %s silent for %.1fs; reconnecting", self.url, self.silence_timeout)
                return


# -- facade ------------------------------------------------------------------------------------------------------


class SubscriptionHandle:
    """Returned by `BitgetStream.subscribe`; `await handle.close()` unsubscribes this handler."""

    def __init__(self, stream: BitgetStream, sub: Subscription, handler: Handler) -> None:
        self.stream = stream
        self.sub = sub
        self.handler = handler

    async def close(self) -> None:
        await self.stream.unsubscribe(self.sub, self.handler)


class EventQueue:
    """`async with stream.events(sub) as q: async for event in q` — a bounded queue that drops the oldest."""

    def __init__(self, stream: BitgetStream, sub: Subscription, maxlen: int = 10_000) -> None:
        self._stream = stream
        self.sub = sub
        self._items: deque[Event] = deque(maxlen=maxlen)
        self._ready = asyncio.Event()

    def _push(self, event: Event) -> None:
        self._items.append(event)
        self._ready.set()

    async def get(self) -> Event:
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()

    async def __aenter__(self) -> EventQueue:
        await self._stream.subscribe(self.sub, self._push)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stream.unsubscribe(self.sub, self._push)

    def __aiter__(self) -> EventQueue:
        return self

    async def __anext__(self) -> Event:
        return await self.get()


class _ConnectionOptions(TypedDict):
    """The keyword arguments BitgetStream passes on to each Connection it creates."""

    ping_interval: float
    silence_timeout: float
    reconnect_initial: float
    reconnect_max: float
    rng: random.Random | None


class BitgetStream:
    """Public and private websocket connections of one environment, created on first use."""

    def __init__(
        self,
        environment: Environment,
        credentials: Credentials | None = None,
        *,
        clock: ServerClock | None = None,
        resync_clock: Callable[[], Awaitable[Any]] | None = None,
        ping_interval: float = PING_INTERVAL,
        silence_timeout: float = SILENCE_TIMEOUT,
        reconnect_initial: float = 0.5,
        reconnect_max: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        self.environment = environment
        self._credentials = credentials
        self._clock = clock or ServerClock()
        self._resync = resync_clock
        self._opts = _ConnectionOptions(ping_interval=ping_interval, silence_timeout=silence_timeout,
                                        reconnect_initial=reconnect_initial, reconnect_max=reconnect_max, rng=rng)
        self._public: Connection | None = None
        self._private: Connection | None = None
        self._closed = False
        # A unified account's private channels live on the v3 socket (set by the client once the family is known).
        self.unified = False

    def __repr__(self) -> str:
        return f"BitgetStream({self.environment.name!r})"

    def connection(self, private: bool) -> Connection:
        if self._closed:
            raise RuntimeError("stream is closed")
        if private:
            if self._credentials is None:
                raise BitgetError("", "private channels need an API key", "Add an API key to stream orders.")
            if self._private is None:
                url = self.environment.ws_private_url
                if self.unified:
                    url = self.environment.ws_private_v3_url or url.replace("/v2/", "/v3/")
                self._private = Connection(url, credentials=self._credentials, clock=self._clock,
                                           resync_clock=self._resync, v3=self.unified, **self._opts)
            return self._private
        if self._public is None:
            self._public = Connection(self.environment.ws_public_url, clock=self._clock, **self._opts)
        return self._public

    async def subscribe(self, sub: Subscription, handler: Handler) -> SubscriptionHandle:
        """Deliver `sub`'s events to `handler` (a plain function; a returned awaitable is run as a task)."""
        await self.connection(sub.private).add(sub, handler)
        return SubscriptionHandle(self, sub, handler)

    async def unsubscribe(self, sub: Subscription, handler: Handler) -> None:
        conn = self._private if sub.private else self._public
        if conn is not None:
            await conn.remove(sub, handler)

    def events(self, sub: Subscription, maxlen: int = 10_000) -> EventQueue:
        return EventQueue(self, sub, maxlen)

    def book(self, sub: Subscription) -> OrderBook | None:
        conn = self._private if sub.private else self._public
        return conn.router.book(sub) if conn is not None else None

    def dropped_frames(self, private: bool | None = None) -> int:
        """Malformed frames dropped so far on the public or private socket (both when None): stream health."""
        conns = [c for c in (self._public, self._private) if c is not None
                 and (private is None or c.private == private)]
        return sum(c.router.dropped_frames for c in conns)

    def last_drop_reason(self, private: bool) -> str:
        """Why the socket's last malformed frame was dropped ("" when none was)."""
        conn = self._private if private else self._public
        return conn.router.last_drop_reason if conn is not None else ""

    async def wait_connected(self, private: bool = False, timeout: float | None = None) -> None:
        await asyncio.wait_for(self.connection(private).connected.wait(), timeout)

    async def close(self) -> None:
        self._closed = True
        for conn in (self._public, self._private):
            if conn is not None:
                await conn.close()
