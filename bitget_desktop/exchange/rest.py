"""Bitget REST transport over one aiohttp session: signs, paces, times out, checks the envelope, syncs the clock."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson
from yarl import URL

from bitget_desktop.domain.errors import BitgetError, MalformedResponse, NetworkError, RateLimited, error_from
from bitget_desktop.exchange.backoff import Verdict, backoff, classify
from bitget_desktop.exchange.clock import ServerClock
from bitget_desktop.exchange.environments import Environment
from bitget_desktop.exchange.ratelimit import RateLimiter
from bitget_desktop.exchange.signing import Credentials, rest_headers
from bitget_desktop.exchange.wire import parser

__all__ = ["RestClient", "encode_query", "parse_envelope", "SERVER_TIME_PATH"]

log = logging.getLogger(__name__)

SERVER_TIME_PATH = "/api/v2/public/time"
SUCCESS = "00000"
CLOCK_RESYNC_AFTER_MS = 15 * 60 * 1000


def _wire_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode_query(params: Mapping[str, Any] | None) -> str:
    """`k=v&...` in insertion order, dropping None values; this exact text is both signed and sent."""
    if not params:
        return ""
    return "&".join(
        f"{quote(str(k), safe='')}={quote(_wire_value(v), safe='')}" for k, v in params.items() if v is not None
    )


def encode_body(body: Mapping[str, Any] | None) -> str:
    """Compact JSON for a POST body (None values dropped at the top level); signed byte for byte."""
    if not body:
        return ""
    clean = {k: v for k, v in body.items() if v is not None}
    return orjson.dumps(clean, default=str).decode()


def parse_envelope(raw: bytes, http_status: int) -> Any:
    """Return `data` of a Bitget envelope, or raise the typed error (code first, HTTP status second).

    An answer that is not a Bitget envelope (an HTML page, a truncated body, a redirect, no `code`) raises
    MalformedResponse, except the statuses that say what happened on their own (401/403, 429, 5xx).
    """
    try:
        doc = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        doc = None
    if not isinstance(doc, dict) or "code" not in doc:
        text = raw[:200].decode("utf-8", "replace").strip() if raw else ""
        if http_status in (401, 403, 429) or http_status >= 500:
            raise error_from(str(http_status), text or f"HTTP {http_status}", http_status)
        if 300 <= http_status < 400:
            raise MalformedResponse("", f"HTTP {http_status}: redirects are not followed", None, http_status)
        what = "no Bitget envelope" if doc is None or not isinstance(doc, dict) else "envelope without a code"
        raise MalformedResponse("", f"HTTP {http_status}, {what}: {text[:80]}", None, http_status)
    code = doc.get("code")
    if isinstance(code, bool) or not isinstance(code, (str, int)):
        raise MalformedResponse("", f"envelope code of type {type(code).__name__}", None, http_status)
    code = str(code)
    if code == SUCCESS:
        if http_status >= 500:
            raise error_from(str(http_status), "success code with a server error status", http_status)
        if http_status >= 300:
            raise MalformedResponse(code, f"success code with HTTP {http_status}", None, http_status)
        rt = doc.get("requestTime")
        if rt is not None and (isinstance(rt, bool) or not isinstance(rt, (int, str))):
            raise MalformedResponse("", "malformed requestTime", None, http_status)
        return doc.get("data")
    msg = doc.get("msg")
    raise error_from(code, msg if isinstance(msg, str) else "", http_status)


@parser
def _server_time(data: Any) -> int:
    value = data["serverTime"]
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"serverTime of type {type(value).__name__}")
    return int(value)


class RestClient:
    """Sends Bitget REST requests; `get`/`post` return the envelope's `data` or raise a typed BitgetError."""

    def __init__(
        self,
        environment: Environment,
        credentials: Credentials | None = None,
        *,
        clock: ServerClock | None = None,
        limiter: RateLimiter | None = None,
        timeout: float = 10.0,
        get_retries: int = 4,
        retry_initial_delay: float = 0.2,
        retry_max_delay: float = 4.0,
        rng: random.Random | None = None,
    ) -> None:
        self.environment = environment
        self._credentials = credentials
        self.clock = clock or ServerClock()
        self.limiter = limiter or RateLimiter()
        self.timeout = timeout
        self.get_retries = get_retries
        self._retry_initial = retry_initial_delay
        self._retry_max = retry_max_delay
        self._rng = rng or random.Random()
        self._session: aiohttp.ClientSession | None = None
        self._closed = False  # close() was called: no request may open a new HTTP session behind the owner's back
        self._sync_lock = asyncio.Lock()
        self._synced_at_ms: int | None = None


    def __repr__(self) -> str:
        return f"RestClient({self.environment.name!r}, private={self._credentials is not None})"

    @property
    def has_credentials(self) -> bool:
        return self._credentials is not None

    # -- lifecycle ---------------------------------------------------------------------------------------------
    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise NetworkError("", f"the connection to {self.environment.name} is closed",
                               "This account was disconnected (account switch or shutdown).")
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                json_serialize=lambda obj: orjson.dumps(obj).decode(),
            )
        return self._session

    async def close(self) -> None:
        self._closed = True
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def __aenter__(self) -> RestClient:
        self._closed = False
        self._ensure_session()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- clock -------------------------------------------------------------------------------------------------
    async def server_time_ms(self) -> int:
        return _server_time(await self.get(SERVER_TIME_PATH))

    async def sync_clock(self) -> int:
        """Measure server - local offset (midpoint of the round trip); returns the offset in ms."""
        async with self._sync_lock:
            return await self._sync_locked()

    async def _sync_locked(self) -> int:
        offset = await self.clock.sync(self.server_time_ms)
        self._synced_at_ms = self.clock.local_ms()
        log.debug("server clock offset %d ms (rtt %s ms)", offset, self.clock.last_rtt_ms)
        return offset

    def _clock_stale(self) -> bool:
        return self._synced_at_ms is None or self.clock.local_ms() - self._synced_at_ms > CLOCK_RESYNC_AFTER_MS

    async def _ensure_clock(self) -> None:
        if self._clock_stale():
            async with self._sync_lock:
                if self._clock_stale():  # concurrent first calls share one sync
                    await self._sync_locked()

    # -- requests ----------------------------------------------------------------------------------------------
    async def get(
        self, path: str, params: Mapping[str, Any] | None = None, *, private: bool = False, retries: int | None = None
    ) -> Any:
        """An idempotent GET: retried with backoff on 429 / 5xx / network errors."""
        return await self.request("GET", path, params=params, private=private, retries=retries)

    async def post(self, path: str, body: Mapping[str, Any] | None = None, *, retry_rate_limited: bool = True) -> Any:
        """A private POST: never retried after it may have reached Bitget (only 429 refusals and a clock resync)."""
        return await self.request("POST", path, body=body, private=True, retries=0,
                                  retry_rate_limited=retry_rate_limited)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Mapping[str, Any] | None = None,
        private: bool = False,
        retries: int | None = None,
        retry_rate_limited: bool = True,
    ) -> Any:
        method = method.upper()
        query = encode_query(params)
        body_text = encode_body(body) if method != "GET" else ""
        budget = self.get_retries if retries is None else retries
        rate_retries = max(budget, 3) if retry_rate_limited else budget
        delays = backoff(self._retry_initial, 2.0, self._retry_max, rng=self._rng)
        resynced = False
        attempt = 0
        while True:
            try:
                if private:
                    await self._ensure_clock()
                return await self._send(method, path, query, body_text, private)
            except BitgetError as exc:
                verdict = classify(exc)
                if verdict is Verdict.RESYNC and private and not resynced:
                    resynced = True
                    log.info("timestamp refused (%s); re-syncing the server clock", exc.code)
                    await self.sync_clock()
                    continue
                if verdict is Verdict.RETRY:
                    # Only a rate-limit refusal says the request was not processed (safe to send again); a 429 whose
                    # envelope names another code (e.g. 40015, system error) says nothing of the order.
                    limit = rate_retries if isinstance(exc, RateLimited) else budget
                    if attempt < limit:
                        attempt += 1
                        delay = next(delays)
                        log.info("%s %s failed (%s); retry %d in %.2fs", method, path, exc.code or exc.msg, attempt,
                                 delay)
                        await asyncio.sleep(delay)
                        continue
                raise

    async def _send(self, method: str, path: str, query: str, body: str, private: bool) -> Any:
        await self.limiter.acquire(path)
        headers: dict[str, str] = dict(self.environment.headers)
        if private:
            if self._credentials is None:
                raise BitgetError("", "no API key configured", "Add an API key to use private endpoints.")
            ts = self.clock.now_ms()
            headers.update(rest_headers(self._credentials, ts, method, path, query, body))
        elif method != "GET":
            headers["Content-Type"] = "application/json"
        url = URL(self.environment.rest_url + path + (f"?{query}" if query else ""), encoded=True)
        session = self._ensure_session()
        try:
            # Never follow a redirect: it would re-send the signed headers (key, passphrase) to wherever it points.
            async with session.request(method, url, data=body.encode() if body else None, headers=headers,
                                       allow_redirects=False, ssl=True) as resp:
                raw = await resp.read()
                status = resp.status
        except TimeoutError:
            raise NetworkError("", f"{method} {path}: no answer within {self.timeout:g}s") from None
        except aiohttp.ClientConnectorError as exc:
            # Only the host and port are named: the request's query and headers (and so no credential) never are.
            raise NetworkError("", f"{method} {path}: cannot reach {exc.host}:{exc.port} "
                                   f"({exc.os_error.strerror or type(exc.os_error).__name__})") from None
        except (aiohttp.ClientError, OSError, ValueError) as exc:  # ValueError: e.g. an undecodable header line
            raise NetworkError("", f"{method} {path}: {type(exc).__name__}") from None
        data = parse_envelope(raw, status)
        return data

