"""Bitget wire envelope for the simulator: success/error responses, the error type handlers raise, number strings."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import orjson
from aiohttp import web

__all__ = ["ApiError", "ok", "error_response", "envelope", "dec_str", "now_ms", "Clock", "request_params"]

Clock = Callable[[], int]


def now_ms() -> int:
    """Wall clock in integer milliseconds."""
    return time.time_ns() // 1_000_000


class ApiError(Exception):
    """A Bitget business/auth error: handlers raise it, the error middleware turns it into the envelope.

    `code` is the Bitget code string ("40009"), `status` the HTTP status (400 by default, 429 for rate limits).
    """

    def __init__(self, code: str, msg: str, status: int = 400) -> None:
        super().__init__(f"[{code}] {msg}")
        self.code = str(code)
        self.msg = msg
        self.status = status


async def request_params(request: web.Request) -> dict[str, Any]:
    """A request's parameters: the query string, plus a POST's JSON object body (anything else is refused)."""
    params: dict[str, Any] = dict(request.query)
    if request.method == "POST":
        raw = await request.read()
        if raw.strip():
            try:
                body = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise ApiError("40017", "Parameter verification failed") from exc
            if not isinstance(body, dict):
                raise ApiError("40017", "Parameter verification failed")
            params.update(body)
    return params


def envelope(data: Any, request_time: int, code: str = "00000", msg: str = "success") -> dict[str, Any]:
    return {"code": code, "msg": msg, "requestTime": request_time, "data": data}


def _dumps(obj: Any) -> bytes:
    return orjson.dumps(obj, default=_default)


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return dec_str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def ok(data: Any, request_time: int | None = None) -> web.Response:
    """A success envelope (`code` "00000"); Decimals inside `data` are emitted as plain strings."""
    body = _dumps(envelope(data, now_ms() if request_time is None else request_time))
    return web.Response(body=body, content_type="application/json")


def error_response(code: str, msg: str, status: int = 400, request_time: int | None = None) -> web.Response:
    body = _dumps(envelope(None, now_ms() if request_time is None else request_time, code=code, msg=msg))
    return web.Response(body=body, status=status, content_type="application/json")


def dec_str(value: Decimal | int | str) -> str:
    """Plain (non-exponent) decimal string without trailing zeros: Decimal('1.500') -> '1.5', 0E-8 -> '0'."""
    if isinstance(value, str):
        return value
    d = Decimal(value)
    if d == 0:
        return "0"
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def ticks_str(ticks: int, places: int) -> str:
    """Format an integer count of 10^-places units as a plain decimal string without trailing zeros."""
    if places <= 0:
        return str(ticks)
    if ticks < 0:
        out = ticks_str(-ticks, places)
        return out if out == "0" else f"-{out}"
    q, r = divmod(ticks, _POW10[places])
    if not r:
        return str(q)
    return f"{q}.{r:0{places}d}".rstrip("0")


_POW10 = [10**i for i in range(19)]
