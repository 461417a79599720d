"""API keys of the simulator and Bitget's request authentication (REST headers and websocket login), with its codes."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from bitget_desktop.exchange.signing import sign_rest, sign_ws_login
from bitget_desktop.simulator.wire import ApiError

__all__ = ["ApiKeySpec", "Auth", "SKEW_LIMIT_MS", "authorities", "WsLoginError", "KEY_SPEC"]

SKEW_LIMIT_MS = 30_000

# Bitget v2 `authorities` codes (GET /api/v2/spot/account/info): "...or" read-only, "...ow" read-write,
# co = futures orders, cp = futures holdings, st = spot trade, wt = wallet transfer, ww = wallet withdrawal.
_AUTHORITIES = {
    "read": ("coor", "cpor", "stor"),
    "trade": ("coow", "cpow", "stow"),
    "transfer": ("wtow",),
    "withdraw": ("wwow",),
}


@dataclass(frozen=True, slots=True)
class ApiKeySpec:
    """One API key the simulator accepts. `permissions` ⊆ {"read", "trade", "transfer", "withdraw"};
    `account_family` "classic" (v2 works, v3 refuses with 40084) or "uta" (v2 refuses with 40085)."""

    api_key: str
    secret: str = field(repr=False)
    passphrase: str = field(repr=False)
    permissions: tuple[str, ...] = ("read", "trade")
    account_family: str = "classic"
    ips: tuple[str, ...] = ()
    user_id: str = ""

    def __repr__(self) -> str:
        return (f"ApiKeySpec(api_key={self.api_key[:6]!r}…, secret=***, passphrase=***, "
                f"permissions={self.permissions!r}, account_family={self.account_family!r})")

    __str__ = __repr__

    @property
    def uid(self) -> str:
        """A stable numeric user id for the key."""
        if self.user_id:
            return self.user_id
        import zlib

        return str(1_000_000_000 + zlib.crc32(self.api_key.encode()) % 8_999_999_999)


def authorities(key: ApiKeySpec) -> list[str]:
    out: list[str] = []
    for perm in key.permissions:
        for code in _AUTHORITIES.get(perm, ()):
            if code not in out:
                out.append(code)
    return out


# The verified key of a request, stored on the request by `Auth.authenticate`.
KEY_SPEC: web.RequestKey[ApiKeySpec] = web.RequestKey("sim_key_spec", ApiKeySpec)


class WsLoginError(Exception):
    def __init__(self, code: int, msg: str) -> None:
        super().__init__(f"[{code}] {msg}")
        self.code = code
        self.msg = msg


class Auth:
    """Checks signed requests against the registered keys; `now()` is the simulator clock (including fault skew)."""

    def __init__(self, keys: Iterable[ApiKeySpec], now: Callable[[], int]) -> None:
        self._keys: dict[str, ApiKeySpec] = {}
        self.now = now
        for k in keys:
            self.add_key(k)

    def add_key(self, key: ApiKeySpec) -> None:
        self._keys[key.api_key] = key

    def key(self, api_key: str) -> ApiKeySpec | None:
        return self._keys.get(api_key)

    @property
    def keys(self) -> list[ApiKeySpec]:
        return list(self._keys.values())

    # -- REST ---------------------------------------------------------------------------------------------------------
    async def authenticate(self, request: web.Request, *, permission: str | None = None,
                           family: str | None = "classic") -> ApiKeySpec:
        """Verify a private request; return its key or raise ApiError with Bitget's code.

        Order: 40001 key missing, 40003 sign missing, 40005 bad timestamp, 40006 unknown key, 40004 skew > 30 s,
        40011 passphrase missing, 40012 wrong passphrase, 40009 bad signature; then 40085 (UTA key on a classic
        endpoint, when `family` is "classic") and 40014 (missing `permission`). The result is cached on the request
        (`request[KEY_SPEC]`), so calling it twice is cheap.
        """
        cached = request.get(KEY_SPEC)
        if cached is None:
            body = await request.read()
            cached = self.verify(request.method, request.path, request.rel_url.raw_query_string,
                                 body.decode("utf-8", errors="replace"), request.headers)
            request[KEY_SPEC] = cached
        if family == "classic" and cached.account_family == "uta":
            raise ApiError("40085", "You are in Unified Account mode, and the Classic Account API is not supported "
                                    "at this time")
        if permission and permission not in cached.permissions:
            raise ApiError("40014", "Incorrect permissions")
        return cached

    def verify(self, method: str, path: str, raw_query: str, body: str, headers: Mapping[str, str]) -> ApiKeySpec:
        key_id = (headers.get("ACCESS-KEY") or "").strip()
        sign = (headers.get("ACCESS-SIGN") or "").strip()
        ts = (headers.get("ACCESS-TIMESTAMP") or "").strip()
        passphrase = headers.get("ACCESS-PASSPHRASE") or ""
        if not key_id:
            raise ApiError("40001", "ACCESS_KEY cannot be empty")
        if not sign:
            raise ApiError("40003", "Signature cannot be empty")
        if not ts.isdigit():
            raise ApiError("40005", "Invalid ACCESS_TIMESTAMP")
        key = self._keys.get(key_id)
        if key is None:
            raise ApiError("40006", "Invalid ACCESS_KEY")
        if abs(self.now() - int(ts)) > SKEW_LIMIT_MS:
            raise ApiError("40004", "Request timestamp expired")
        if not passphrase:
            raise ApiError("40011", "ACCESS_PASSPHRASE cannot be empty")
        if not hmac.compare_digest(passphrase.encode(), key.passphrase.encode()):
            raise ApiError("40012", "apikey/password is incorrect")
        candidates = [raw_query]
        decoded = unquote(raw_query)
        if decoded != raw_query:
            candidates.append(decoded)
        for query in candidates:
            expected = sign_rest(key.secret, ts, method.upper(), path, query, body)
            if hmac.compare_digest(expected.encode(), sign.encode()):
                return key
        raise ApiError("40009", "sign signature error")

    # -- websocket -----------------------------------------------------------------------------------------------------
    def ws_login(self, args: Any, *, family: str = "classic") -> ApiKeySpec:
        """Check one login arg {apiKey, passphrase, timestamp, sign}; raise WsLoginError(300xx).

        `family` is the socket's: "classic" (/v2/ws/private) refuses unified keys, "uta" (/v3) classic ones."""
        if not isinstance(args, list) or len(args) != 1 or not isinstance(args[0], dict):
            raise WsLoginError(30002, "illegal request")
        a = args[0]
        key_id = str(a.get("apiKey") or "")
        passphrase = str(a.get("passphrase") or "")
        ts = str(a.get("timestamp") or "")
        sign = str(a.get("sign") or "")
        key = self._keys.get(key_id)
        if key is None:
            raise WsLoginError(30011, "Invalid ACCESS_KEY")
        if not ts.isdigit():
            raise WsLoginError(30013, "Invalid ACCESS_TIMESTAMP")
        ts_ms = int(ts) if int(ts) > 10**11 else int(ts) * 1000  # seconds (clients) or ms (one docs snapshot)
        if abs(self.now() - ts_ms) > SKEW_LIMIT_MS:
            raise WsLoginError(30014, "Request timestamp expired")
        if not hmac.compare_digest(passphrase.encode(), key.passphrase.encode()):
            raise WsLoginError(30012, "Invalid ACCESS_PASSPHRASE")
        if not hmac.compare_digest(sign_ws_login(key.secret, ts).encode(), sign.encode()):
            raise WsLoginError(30015, "Invalid sign")
        if family == "classic" and key.account_family == "uta":
            raise WsLoginError(30005, "Login failed: unified account keys use the v3 websocket")
        if family == "uta" and key.account_family != "uta":
            raise WsLoginError(30005, "Login failed: classic account keys use the v2 websocket")
        return key
