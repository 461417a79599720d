"""Typed Bitget errors and the one table that maps Bitget's codes onto them."""

from __future__ import annotations

from collections.abc import Callable

__all__ = [
    "describe",
    "AuthenticationError",
    "BadRequest",
    "BelowMinimum",
    "BitgetError",
    "CODES",
    "ClassicAccountError",
    "ExchangeUnavailable",
    "InsufficientFunds",
    "InvalidApiKey",
    "InvalidOrder",
    "InvalidPassphrase",
    "InvalidSignature",
    "MalformedResponse",
    "NetworkError",
    "OrderNotFound",
    "PermissionDenied",
    "PositionModeMismatch",
    "PrecisionError",
    "RateLimited",
    "TimestampError",
    "UncertainOrderState",
    "UnifiedAccountError",
    "error_from",
    "ws_error_from",
]

# What __reduce__ returns: a callable that rebuilds the error and its arguments (code, msg, hint, status, ...).
_Reduced = tuple[Callable[..., "BitgetError"], tuple[str | int | None, ...]]


class BitgetError(Exception):
    """An error reported by Bitget (or on the way to it), with Bitget's code, message and a plain hint."""

    default_hint = "Bitget refused the request."

    def __init__(self, code: str = "", msg: str = "", hint: str | None = None, http_status: int | None = None) -> None:
        self.code = str(code)
        self.msg = msg
        self.hint = hint if hint is not None else self.default_hint
        self.http_status = http_status
        super().__init__(self.code, self.msg)

    def __str__(self) -> str:
        head = f"[{self.code}] {self.msg}" if self.code else self.msg
        return f"{head} — {self.hint}" if self.hint else head

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, msg={self.msg!r}, http_status={self.http_status!r})"

    def __reduce__(self) -> _Reduced:  # keep pickling (multiprocessing, logging handlers) working with our 4-arg init
        return (type(self), (self.code, self.msg, self.hint, self.http_status))


class AuthenticationError(BitgetError):
    default_hint = "Check the API key, secret and passphrase."


class InvalidApiKey(AuthenticationError):
    default_hint = "The API key is unknown to Bitget; copy it again or create a new key."


class InvalidSignature(AuthenticationError):
    default_hint = "The signature did not verify; the secret key is probably wrong."


class InvalidPassphrase(AuthenticationError):
    default_hint = "The passphrase does not match the one set when the key was created."


class TimestampError(AuthenticationError):
    default_hint = "The request timestamp was refused; the computer clock is off from Bitget's."


class PermissionDenied(BitgetError):
    default_hint = "The API key lacks the permission for this action, or the IP is not whitelisted."


class RateLimited(BitgetError):
    default_hint = "Too many requests; slow down and try again in a moment."


class InsufficientFunds(BitgetError):
    default_hint = "Not enough available balance or margin for this order."


class InvalidOrder(BitgetError):
    default_hint = "Bitget rejected the order parameters."


class BelowMinimum(InvalidOrder):
    default_hint = "The order is smaller than the instrument's minimum size or value."


class PrecisionError(InvalidOrder):
    default_hint = "Price or size has too many decimals for this instrument; round to its tick or lot."


class OrderNotFound(BitgetError):
    default_hint = "No such order: it may already be filled, cancelled, or never have been placed."


class PositionModeMismatch(InvalidOrder):
    default_hint = "The order does not fit the account's position mode (one-way vs hedge); reload the mode."


class UnifiedAccountError(BitgetError):
    default_hint = "This key belongs to a Unified Trading Account; classic (v2) trading endpoints are refused."


class ClassicAccountError(BitgetError):
    default_hint = "This key belongs to a classic account; unified (v3) endpoints are refused."


class BadRequest(BitgetError):
    default_hint = "Bitget rejected a request parameter."


class ExchangeUnavailable(BitgetError):
    default_hint = "Bitget is unavailable or under maintenance; try again later."


class NetworkError(BitgetError):
    default_hint = "No answer from Bitget (connection failed or timed out)."


class MalformedResponse(BitgetError):
    """An answer or frame that is not what Bitget sends: no envelope, wrong types, missing or non-finite fields.

    It says nothing about whether the request took effect (a place-order answered so is resolved by lookup).
    """

    default_hint = "Bitget answered in an unexpected format."


class UncertainOrderState(BitgetError):
    """The order may or may not be live: the request was sent but its outcome could not be confirmed."""

    default_hint = "The order's outcome is unknown; check open orders before sending it again."

    def __init__(
        self,
        code: str = "",
        msg: str = "",
        hint: str | None = None,
        http_status: int | None = None,
        *,
        client_oid: str | None = None,
    ) -> None:
        super().__init__(code, msg, hint, http_status)
        self.client_oid = client_oid

    def __reduce__(self) -> _Reduced:
        return (_rebuild_uncertain, (self.code, self.msg, self.hint, self.http_status, self.client_oid))


def _rebuild_uncertain(code: str, msg: str, hint: str | None, status: int | None,
                       oid: str | None) -> UncertainOrderState:
    return UncertainOrderState(code, msg, hint, status, client_oid=oid)


# ONE table: Bitget code -> (error class, plain hint). REST codes are strings; websocket codes (300xx) are here too.
CODES: dict[str, tuple[type[BitgetError], str]] = {
    # authentication
    "40001": (AuthenticationError, "The API key header was missing."),
    "40002": (AuthenticationError, "The secret key was missing."),
    "40003": (AuthenticationError, "The signature was missing."),
    "40004": (TimestampError, "The request timestamp expired; the clock is being re-synchronised with Bitget."),
    "40005": (TimestampError, "The request timestamp was invalid; the clock is being re-synchronised with Bitget."),
    "40006": (InvalidApiKey, "The API key is unknown to Bitget; copy it again or create a new key."),
    "40008": (TimestampError, "The request timestamp expired; the clock is being re-synchronised with Bitget."),
    "40009": (InvalidSignature, "The signature did not verify; the secret key is probably wrong."),
    "40010": (InvalidSignature, "The signature did not verify; the secret key is probably wrong."),
    "40011": (InvalidPassphrase, "The passphrase was missing."),
    "40012": (InvalidPassphrase, "The passphrase (or key) is incorrect; it must match the one set at key creation."),
    "40037": (InvalidApiKey, "This API key does not exist (deleted or mistyped)."),
    "40013": (PermissionDenied, "Bitget reports the account status as abnormal; contact Bitget support."),
    "40014": (PermissionDenied, "The key lacks the permission for this action (or has expired)."),
    "40018": (PermissionDenied, "This IP address is not on the key's whitelist."),
    # account family
    "40085": (UnifiedAccountError, "This is a Unified Trading Account key; classic v2 endpoints are refused."),
    "40084": (ClassicAccountError, "This is a classic account key; unified (v3) endpoints are refused."),
    "25245": (ClassicAccountError, "This is a classic account key; unified (v3) endpoints are refused."),
    # rate limits and availability
    "429": (RateLimited, "Too many requests; the client slows down and retries."),
    "1001": (RateLimited, "Requests are too frequent; the client slows down and retries."),
    "40015": (ExchangeUnavailable, "Bitget reports a system error; try again shortly."),
    "41114": (ExchangeUnavailable, "This trading pair is under maintenance."),
    "43115": (ExchangeUnavailable, "This trading pair opens soon; trading is not yet possible."),
    # funds
    "43012": (InsufficientFunds, "Not enough available balance for this order."),
    "40762": (InsufficientFunds, "The order value exceeds the available balance."),
    "40711": (InsufficientFunds, "Not enough balance in the futures account."),
    "40712": (InsufficientFunds, "Not enough margin for this order."),
    "50020": (InsufficientFunds, "Not enough available balance for this order."),
    "25202": (InsufficientFunds, "Not enough available balance for this order."),
    "25203": (InsufficientFunds, "Not enough margin for this order."),
    # order parameters
    "45110": (BelowMinimum, "The order value is below the instrument's minimum."),
    "41103": (PrecisionError, "The price has too many decimals; round it to the instrument's tick."),
    "40808": (PrecisionError, "The size has too many decimals; round it to the instrument's lot."),
    "40774": (PositionModeMismatch, "The order's one-way/hedge fields do not match the account's position mode."),
    "40917": (InvalidOrder, "The stop price is on the wrong side of the mark price."),
    "43011": (InvalidOrder, "A price parameter is out of range."),
    "45113": (InvalidOrder, "The order value exceeds the maximum allowed."),
    "45122": (InvalidOrder, "The stop-loss price is on the wrong side of the mark price."),
    "40306": (InvalidOrder, "A batch may hold at most 20 orders."),
    "43118": (InvalidOrder, "This client order id was already used (spot)."),
    "40786": (InvalidOrder, "This client order id was already used (futures)."),
    "40305": (BadRequest, "The client order id must be at most 50 plain characters."),
    # not found
    "40768": (OrderNotFound, "The order does not exist (already closed or never placed)."),
    "43001": (OrderNotFound, "The order does not exist (already closed or never placed)."),
    "40109": (OrderNotFound, "The order cannot be found; check the order id."),
    "31007": (OrderNotFound, "The order does not exist."),
    "43025": (OrderNotFound, "The plan order does not exist."),
    "25204": (OrderNotFound, "The order does not exist."),
    # generic bad requests
    "00001": (BadRequest, "The time range may span at most 30 days."),
    "40007": (BadRequest, "The request content type was refused."),
    "40017": (BadRequest, "A parameter failed Bitget's checks."),
    "40019": (BadRequest, "A required parameter was missing."),
    "40020": (BadRequest, "A parameter had a wrong value."),
    "40102": (BadRequest, "Unknown futures contract; check the symbol and product type."),
    "40309": (BadRequest, "This contract has been delisted."),
    # websocket (numeric on the wire, looked up as strings)
    "30001": (BadRequest, "No such channel or symbol."),
    "30002": (BadRequest, "The server did not understand the request."),
    "30003": (BadRequest, "Unknown websocket operation."),
    "30004": (AuthenticationError, "Log in before subscribing to private channels."),
    "30005": (AuthenticationError, "The websocket login failed; check the API key details."),
    "30006": (RateLimited, "Too many websocket requests."),
    "30007": (RateLimited, "Websocket request limit exceeded; the connection was closed."),
    "30011": (InvalidApiKey, "The API key is unknown to Bitget."),
    "30012": (InvalidPassphrase, "The passphrase is incorrect."),
    "30013": (TimestampError, "The login timestamp was invalid."),
    "30014": (TimestampError, "The login timestamp expired; check the computer clock."),
    "30015": (InvalidSignature, "The login signature did not verify; the secret key is probably wrong."),
    "30016": (BadRequest, "A subscription parameter was refused (e.g. channel spelling)."),
}

TIMESTAMP_CODES = frozenset({"40004", "40005", "40008"})


def describe(exc: BaseException | None) -> str:
    """'[code] message — hint' with whatever of the three an error carries (any exception: its text)."""
    if exc is None:
        return ""
    code = getattr(exc, "code", "") or ""
    msg = getattr(exc, "msg", "") or ("" if code else str(exc))
    hint = getattr(exc, "hint", "") or ""
    text = f"[{code}] {msg}" if code else msg
    return f"{text} — {hint}" if hint else text


def error_from(code: object, msg: str = "", http_status: int | None = None) -> BitgetError:
    """The typed error for a Bitget `code` (falling back on the HTTP status, then on BitgetError)."""
    text = str(code).strip() if code is not None else ""
    found = CODES.get(text)
    if found is not None:
        cls, hint = found
        return cls(text, msg, hint, http_status)
    if http_status == 429:
        return RateLimited(text or "429", msg or "Too Many Requests", None, http_status)
    if http_status is not None and http_status >= 500:
        return ExchangeUnavailable(text or str(http_status), msg, None, http_status)
    if http_status in (401, 403):
        return PermissionDenied(text or str(http_status), msg, None, http_status)
    return BitgetError(text, msg, None, http_status)


def ws_error_from(code: object, msg: str = "") -> BitgetError:
    """The typed error for a websocket `{"event":"error","code":...}` message."""
    return error_from(code, msg, None)
