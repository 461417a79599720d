"""Pure signers for Bitget REST requests and websocket login (HMAC-SHA256, base64)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field

WS_LOGIN_PATH = "/user/verify"


@dataclass(frozen=True, slots=True)
class Credentials:
    """An API key with its secret and passphrase; the repr never shows the secret parts."""

    api_key: str
    secret: str = field(repr=False)
    passphrase: str = field(repr=False)

    def __post_init__(self) -> None:
        for name in ("api_key", "secret", "passphrase"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-empty string")
            if value != value.strip():
                object.__setattr__(self, name, value.strip())

    @property
    def key_hint(self) -> str:
        """A short, non-secret label for the key (its first 6 characters)."""
        return f"{self.api_key[:6]}…"

    def __repr__(self) -> str:
        return f"Credentials(api_key={self.key_hint!r}, secret=***, passphrase=***)"

    __str__ = __repr__


def _hmac_b64(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def prehash(timestamp: str, method: str, request_path: str, query: str = "", body: str = "") -> str:
    """The string Bitget signs: timestamp + METHOD + path + ('?' + query) + body."""
    text = f"{timestamp}{method.upper()}{request_path}"
    if query:
        text += f"?{query}"
    return text + body


def sign_rest(secret: str, timestamp: str, method: str, request_path: str, query: str = "", body: str = "") -> str:
    """ACCESS-SIGN for a REST request."""
    return _hmac_b64(secret, prehash(timestamp, method, request_path, query, body))


def sign_ws_login(secret: str, timestamp: str) -> str:
    """`sign` for the websocket login: HMAC over timestamp + 'GET' + '/user/verify'."""
    return _hmac_b64(secret, f"{timestamp}GET{WS_LOGIN_PATH}")


def rest_headers(
    creds: Credentials,
    timestamp_ms: int | str,
    method: str,
    request_path: str,
    query: str = "",
    body: str = "",
    *,
    demo: bool = False,
) -> dict[str, str]:
    """The private-request headers; `demo` adds Bitget's `paptrading: 1`."""
    ts = str(timestamp_ms)
    headers = {
        "ACCESS-KEY": creds.api_key,
        "ACCESS-SIGN": sign_rest(creds.secret, ts, method, request_path, query, body),
        "ACCESS-TIMESTAMP": ts,
        "ACCESS-PASSPHRASE": creds.passphrase,
        "Content-Type": "application/json",
        "locale": "en-US",
    }
    if demo:
        headers["paptrading"] = "1"
    return headers


def ws_login_args(creds: Credentials, timestamp_s: int | str) -> dict[str, str]:
    """The single element of a websocket login request's `args` (timestamp in seconds)."""
    ts = str(timestamp_s)
    return {
        "apiKey": creds.api_key,
        "passphrase": creds.passphrase,
        "timestamp": ts,
        "sign": sign_ws_login(creds.secret, ts),
    }
