"""The simulator's aiohttp application and its lifecycle: `async with Simulator(SimulatorConfig(...)) as sim`.

Wires the market, the engine, authentication, public and private REST routes and the two websocket endpoints on
127.0.0.1, and applies per-endpoint rate limits and the injectable faults of `faults.py` (latency, HTTP errors
before or after processing, lost answers, clock skew, and the websocket ones); `control=True` adds a loopback-only
`POST /sim/faults` that sets them from JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from bitget_desktop.simulator.auth import ApiKeySpec, Auth
from bitget_desktop.simulator.faults import LOSE, Faults
from bitget_desktop.simulator.market import MarketData
from bitget_desktop.simulator.public_api import register_public_routes
from bitget_desktop.simulator.wire import ApiError, Clock, error_response, now_ms

__all__ = ["Simulator", "SimulatorConfig", "ApiKeySpec", "Faults", "RATE_LIMITS", "build_app"]

log = logging.getLogger(__name__)


@dataclass
class SimulatorConfig:
    seed: int = 7
    host: str = "127.0.0.1"
    port: int = 0
    keys: list[ApiKeySpec] = field(default_factory=list)
    state_path: str | Path | None = None
    clock: Clock | None = None            # ms; default wall clock
    run_market: bool = True               # advance the market with the clock in a background task
    tick_ms: int = 200
    rate_limits: bool = True
    book_checksum: bool = True            # send `checksum` on books pushes (snapshots 0)
    ws_idle_timeout_s: float = 120.0      # close sockets that sent no ping for this long
    ws_max_lifetime_s: float | None = 24 * 3600.0  # Bitget disconnects every 24 h
    ws_client_msg_rate: float | None = 10.0  # client messages/s per socket (burst 2x); beyond: 30007 and close
    history_start_ms: int | None = None   # first day with candles (default: 2025-01-01 or 400 days back)
    save_interval_s: float = 5.0
    control: bool = False                 # POST /sim/faults (loopback callers only) sets faults from JSON


# Requests per second per endpoint (public: per client address; private: per API key); Bitget answers HTTP 429.
# Documented limits where the docs state them, otherwise 20/s public and 10/s private (client-side throttles such
# as ccxt's costs are not the server's limits).
RATE_LIMITS: dict[str, int] = {
    "/api/v2/public/time": 20,
    "/api/v2/spot/market/fills": 10,
    "/api/v2/spot/market/fills-history": 10,
    "/api/v2/mix/market/fills-history": 10,
    "/api/v2/mix/market/query-position-lever": 10,
    "/api/v2/spot/account/info": 1,
    "/api/v2/spot/account/assets": 10,
    "/api/v2/spot/account/bills": 10,
    "/api/v2/spot/trade/place-order": 10,
    "/api/v2/spot/trade/cancel-order": 10,
    "/api/v2/spot/trade/batch-orders": 5,
    "/api/v2/spot/trade/batch-cancel-order": 10,
    "/api/v2/spot/trade/cancel-symbol-order": 5,
    "/api/v2/spot/trade/orderInfo": 20,
    "/api/v2/spot/trade/unfilled-orders": 20,
    "/api/v2/spot/trade/history-orders": 20,
    "/api/v2/spot/trade/fills": 10,
    "/api/v2/mix/account/account": 10,
    "/api/v2/mix/account/accounts": 10,
    "/api/v2/mix/account/set-leverage": 5,
    "/api/v2/mix/account/set-margin-mode": 5,
    "/api/v2/mix/account/set-position-mode": 5,
    "/api/v2/mix/account/set-margin": 5,
    "/api/v2/mix/position/all-position": 5,
    "/api/v2/mix/position/single-position": 10,
    "/api/v2/mix/order/batch-place-order": 5,
    "/api/v2/mix/order/close-positions": 5,
    "/api/v2/mix/order/cancel-all-orders": 5,
    "/api/v3/account/info": 1,
    "/api/v3/trade/cancel-symbol-order": 5,
    "/api/v3/trade/close-positions": 5,
    "/api/v3/trade/order-info": 20,
    "/api/v3/trade/unfilled-orders": 20,
    "/api/v3/trade/history-orders": 20,
    "/api/v3/trade/fills": 20,
    "/api/v3/position/current-position": 20,
}
DEFAULT_PUBLIC_LIMIT = 20
DEFAULT_PRIVATE_LIMIT = 10


class RateLimiter:
    """Token bucket per (endpoint, caller): `limit` tokens a second, bursts up to `BURST` x limit.

    WORKAROUND: the burst allowance lets clients that do not throttle themselves (ccxt with enableRateLimit=False
    loading markets asks for contracts six times at once) run a few back-to-back sessions; sustained rates above
    the documented limit still get 429."""

    BURST = 2.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._buckets: dict[tuple[str, str], list[float]] = {}
        self._clock = clock

    def allow(self, path: str, caller: str, limit: int) -> bool:
        now = self._clock()
        cap = limit * self.BURST
        b = self._buckets.get((path, caller))
        if b is None:
            if len(self._buckets) > 10_000:  # bound the table: forget full (idle) buckets
                for k in [k for k, v in self._buckets.items() if v[0] + (now - v[1]) * limit >= cap]:
                    del self._buckets[k]
            b = self._buckets[(path, caller)] = [cap, now]
        tokens = min(cap, b[0] + (now - b[1]) * limit)
        b[1] = now
        if tokens < 1.0:
            b[0] = tokens
            return False
        b[0] = tokens - 1.0
        return True


def build_app(sim: Simulator) -> web.Application:
    """The aiohttp application of a simulator (routes + middlewares)."""
    faults = sim.faults
    limiter = RateLimiter()
    cfg = sim.config

    @web.middleware
    async def envelope_mw(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                          ) -> web.StreamResponse:
        is_ws = request.path.startswith("/v2/ws/") or request.path.startswith("/v3/ws/")
        # The fault switch itself is never subject to faults (it must be able to turn them off).
        faultless = is_ws or request.path.startswith("/sim/")
        if not faultless:
            delay = faults.delay_ms(request.path)
            if delay > 0:
                # Buffer the body first: a client that times out during the delay must not abort the request,
                # so a delayed order still lands while its answer is lost (the client's lookup path is tested so).
                await request.read()
                await asyncio.sleep(delay / 1000)
            if faults.next_http_errors:
                status = int(faults.next_http_errors.pop(0))
                if status == 429:
                    return error_response("429", "Too Many Requests", 429, sim.now())
                return error_response("40015", "System is abnormal, please try again later", status, sim.now())
            if cfg.rate_limits and request.path.startswith("/api/"):
                key = request.headers.get("ACCESS-KEY")
                private = bool(key) and request.path not in sim.public_paths
                limit = RATE_LIMITS.get(request.path, DEFAULT_PRIVATE_LIMIT if private else DEFAULT_PUBLIC_LIMIT)
                caller = f"k:{key}" if private else f"ip:{request.remote}"
                if not limiter.allow(request.path, caller, limit):
                    return error_response("429", "Too Many Requests", 429, sim.now())
        response = await _handle(request, handler)
        after = None if faultless else faults.take_after(request.path)
        if after == LOSE:
            # The request took effect; its answer never arrives (the connection drops without a response).
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # aiohttp ends the handler quietly: nothing is written
        if after is not None:
            return error_response("40015", "System is abnormal, please try again later", int(after), sim.now())
        return response

    async def _handle(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                      ) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as e:
            return error_response(e.code, e.msg, e.status, sim.now())
        except web.HTTPNotFound:
            return error_response("40404", "Request URL NOT FOUND", 404, sim.now())
        except web.HTTPMethodNotAllowed:
            return error_response("40404", "Request URL NOT FOUND", 405, sim.now())
        except web.HTTPException:
            raise
        except Exception as e:  # engine refusals carry Bitget codes; anything else is a simulator bug
            code, msg = getattr(e, "code", None), getattr(e, "msg", None)
            if code is not None and msg is not None:
                return error_response(str(code), str(msg), int(getattr(e, "http_status", 400)), sim.now())
            log.exception("simulator handler failed: %s", request.path)
            return error_response("40015", "System is abnormal, please try again later", 500, sim.now())

    app = web.Application(middlewares=[envelope_mw], client_max_size=1 << 20)
    router = app.router
    register_public_routes(router, sim.market, sim.now)

    register_private_routes: Callable[..., None] | None
    try:
        from bitget_desktop.simulator.private_api import register_private_routes
    except ImportError:  # the engine side is not there (partial checkout): public data only
        register_private_routes = None
    if register_private_routes is not None and sim.engine is not None:
        register_private_routes(router, sim.engine, sim.auth)
    from bitget_desktop.simulator.uta_api import register_uta_routes

    register_uta_routes(router, sim.market, sim.engine, sim.auth, sim.now)

    from bitget_desktop.simulator.ws import WsHub

    sim.hub = WsHub(sim)
    router.add_get("/v2/ws/public", sim.hub.public_handler)
    router.add_get("/v2/ws/private", sim.hub.private_handler)
    router.add_get("/v3/ws/public", sim.hub.v3_public_handler)
    router.add_get("/v3/ws/private", sim.hub.v3_private_handler)
    faults._sockets = sim.hub
    faults._gap = sim.book_gap
    if cfg.control:
        router.add_post("/sim/faults", _control(sim))
    return app


def _control(sim: Simulator) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The loopback-only fault switch of a standalone simulator: POST a JSON object of faults (see Faults.apply)."""

    async def set_faults(request: web.Request) -> web.Response:
        if request.remote not in ("127.0.0.1", "::1"):
            return error_response("40018", "control is for loopback callers only", 403, sim.now())
        try:
            settings = await request.json()
            if not isinstance(settings, dict):
                raise ValueError("a JSON object of faults is expected")
            done = sim.faults.apply(settings)
        except (ValueError, TypeError) as e:
            return error_response("40017", f"bad faults: {e}", 400, sim.now())
        return web.json_response({"code": "00000", "msg": "success", "requestTime": sim.now(), "data": done})

    return set_faults


class Simulator:
    """Async context manager running the whole simulator on `config.host:config.port` (0 = any free port)."""

    def __init__(self, config: SimulatorConfig | None = None) -> None:
        self.config = config or SimulatorConfig()
        self.faults = Faults()
        self._clock: Clock = self.config.clock or now_ms
        self.market = MarketData(self.config.seed, clock=self._clock, tick_ms=self.config.tick_ms,
                                 history_start_ms=self.config.history_start_ms)
        self.auth = Auth(self.config.keys, self.now)
        self.engine: Any = self._make_engine()
        if self.engine is not None:
            self.market.add_listener(self.engine)
            for key in self.config.keys:
                self._mark_family(key)
        self.hub: Any = None
        self.app: web.Application | None = None
        self._runner: web.AppRunner | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.port = 0
        self.public_paths: set[str] = set()

    def _make_engine(self) -> Any:
        try:
            from bitget_desktop.simulator.engine import Engine
        except ImportError:
            return None
        if self.config.state_path:
            return Engine.load(self.config.state_path, self.market, self._clock)
        return Engine(self.market, self._clock)

    def now(self) -> int:
        """The simulator's clock in ms, including `faults.clock_skew_ms`."""
        return int(self._clock()) + int(self.faults.clock_skew_ms)

    def add_key(self, key: ApiKeySpec) -> None:
        self.auth.add_key(key)
        self._mark_family(key)

    def _mark_family(self, key: ApiKeySpec) -> None:
        """A unified key's account keeps one wallet for spot and USDT futures (Engine.mark_unified)."""
        if key.account_family == "uta" and self.engine is not None:
            self.engine.mark_unified(key.api_key)

    def book_gap(self, symbol: str, product_type: str | None = None) -> None:
        for s in self.market.specs:
            if s.symbol == symbol.upper() and (product_type is None or s.product_type == product_type.upper()):
                self.market.inject_book_gap(s.product_type, s.symbol)

    @property
    def rest_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    @property
    def ws_public_url(self) -> str:
        return f"ws://{self.config.host}:{self.port}/v2/ws/public"

    @property
    def ws_private_url(self) -> str:
        return f"ws://{self.config.host}:{self.port}/v2/ws/private"

    async def start(self) -> None:
        self.market.advance(self._clock())
        self.app = build_app(self)
        from bitget_desktop.simulator.public_api import PUBLIC_PATHS
        from bitget_desktop.simulator.uta_api import UTA_PUBLIC_PATHS

        self.public_paths = set(PUBLIC_PATHS) | set(UTA_PUBLIC_PATHS)
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port, reuse_address=True)
        await site.start()
        addresses = self._runner.addresses  # the listening sockets' names: (host, port, ...)
        assert addresses
        self.port = addresses[0][1]
        if self.config.run_market:
            self._spawn(self.market.run())
        if self.config.state_path and self.engine is not None:
            self._spawn(self._autosave())
        self._spawn(self.hub.watchdog())

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("simulator task failed", exc_info=task.exception())

    async def _autosave(self) -> None:
        while True:
            await asyncio.sleep(self.config.save_interval_s)
            self.save()

    def save(self) -> None:
        if self.config.state_path and self.engine is not None:
            try:
                self.engine.save(self.config.state_path)
            except OSError:
                log.exception("could not save the simulator state")

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.hub is not None:
            await self.hub.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.save()

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
