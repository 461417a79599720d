"""What the simulator can do wrong on purpose, the way real networks and exchanges do; all of it off by default.

REST: latency (everywhere or on one endpoint), HTTP errors before handling, a 5xx or a lost answer *after* the
request was processed, clock skew. Websockets: drop every socket or only the private ones, keep sockets open but
silent, duplicate or reorder private pushes, corrupt a book checksum, send malformed frames. `apply(settings)` sets
any of them from a JSON object (the standalone simulator's `--faults` flag and its loopback control endpoint).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Faults", "MALFORMED_FRAMES", "LOSE"]

LOSE = "lose"  # an after-processing fault: close the connection instead of answering

# Frames no Bitget server should send; a client must drop each one and carry on.
MALFORMED_FRAMES: tuple[str, ...] = (
    "{not json",
    "[1, 2, 3]",
    '{"action":"snapshot","arg":"books","data":[]}',
    '{"action":"update","arg":{"instType":"SPOT","channel":"ticker","instId":"BTCUSDT"},"data":{"lastPr":"1"}}',
    '{"action":"snapshot","arg":{"instType":"SPOT","channel":"ticker","instId":"BTCUSDT"},"data":[],"ts":"abc"}',
    '{"action":"snapshot","arg":{"instType":"SPOT","channel":"ticker","instId":"BTCUSDT"},"data":[],"ts":"NaN"}',
    '{"action":"snapshot","arg":{"instType":"SPOT","channel":"ticker","instId":"BTCUSDT"},'
    '"data":[{"instId":"BTCUSDT","lastPr":"NaN","ts":"1"}],"ts":1}',
    '{"action":"update","arg":{"instType":"SPOT","channel":"books","instId":"BTCUSDT"},'
    '"data":[{"bids":[["1","1"]],"asks":[],"seq":"x","pseq":"y"}],"ts":1}',
    '{"action":"snapshot","arg":{"instType":"SPOT","channel":"orders","instId":"default"},'
    '"data":[{"orderId":{"a":1},"side":"sideways"}],"ts":1}',
)


class _Sockets(Protocol):
    """What the faults need from the websocket hub."""

    def drop(self, private: bool | None = None) -> int: ...
    def silence(self, private: bool | None = None) -> int: ...
    def inject(self, frames: list[str], private: bool | None = None) -> int: ...


def _who(value: Any) -> bool | None:
    """"private" / "public" / "all" (or True/False/None) -> which sockets."""
    if value in (None, "all"):
        return None
    if value in (True, "private"):
        return True
    if value in (False, "public"):
        return False
    raise ValueError(f"sockets must be 'private', 'public' or 'all', not {value!r}")


@dataclass
class Faults:
    """Mutable fault injection, read by the server's middleware and the websocket hub.

    REST (keyed by path, e.g. "/api/v2/spot/trade/place-order"): `latency_ms` delays every answer and
    `endpoint_latency_ms[path]` one endpoint's; `next_http_errors` are statuses answered (one per request, in order)
    before handling; `after_processing[path]` is a list of outcomes for that endpoint's next requests, each an
    HTTP status (answered instead of the real answer, after the request took effect) or LOSE (the connection is
    closed without an answer, after the request took effect). `clock_skew_ms` shifts the simulator clock.

    Websockets: `drop_ws_now()` / `drop_private_now()` close sockets, `silence_ws()` keeps them open but sends
    nothing more (not even "pong"), `duplicate_private` / `reorder_private` count the next private pushes to send
    twice / to swap with the push after them, `corrupt_checksum(symbol)` spoils the next books update's checksum,
    `send_malformed()` sends MALFORMED_FRAMES (or given frames) on every open socket.
    """

    latency_ms: int = 0
    endpoint_latency_ms: dict[str, int] = field(default_factory=dict)
    next_http_errors: list[int] = field(default_factory=list)
    after_processing: dict[str, list[int | str]] = field(default_factory=dict)
    clock_skew_ms: int = 0
    duplicate_private: int = 0
    reorder_private: int = 0
    corrupt_checksums: set[str] = field(default_factory=set)  # symbols whose next books update is spoiled
    _sockets: _Sockets | None = field(default=None, repr=False)
    _gap: Callable[[str, str | None], None] | None = field(default=None, repr=False)

    # -- REST ------------------------------------------------------------------------------------------------------
    def delay_ms(self, path: str) -> int:
        return self.latency_ms + self.endpoint_latency_ms.get(path, 0)

    def lose_answer(self, path: str, times: int = 1) -> None:
        """The next `times` requests to `path` take effect, then their connection closes without an answer."""
        self.after_processing.setdefault(path, []).extend([LOSE] * times)

    def error_after(self, path: str, status: int = 500, times: int = 1) -> None:
        """The next `times` requests to `path` take effect, then are answered with HTTP `status` (a 5xx)."""
        self.after_processing.setdefault(path, []).extend([int(status)] * times)

    def take_after(self, path: str) -> int | str | None:
        """The after-processing outcome for this request to `path`, if one is pending."""
        pending = self.after_processing.get(path)
        if not pending:
            return None
        outcome = pending.pop(0)
        if not pending:
            del self.after_processing[path]
        return outcome

    # -- websockets ------------------------------------------------------------------------------------------------
    def drop_ws_now(self) -> int:
        """Close every open websocket (abnormally); returns how many were open."""
        return self._sockets.drop(None) if self._sockets else 0

    def drop_private_now(self) -> int:
        """Close only the private websockets; the public ones carry on."""
        return self._sockets.drop(True) if self._sockets else 0

    def silence_ws(self, which: Any = "all") -> int:
        """Keep the sockets open but send nothing on them any more (no pushes, no pongs)."""
        return self._sockets.silence(_who(which)) if self._sockets else 0

    def send_malformed(self, frames: list[str] | None = None, which: Any = "all") -> int:
        """Send malformed frames on the open sockets; returns how many sockets got them."""
        return self._sockets.inject(list(frames or MALFORMED_FRAMES), _who(which)) if self._sockets else 0

    def book_gap(self, symbol: str, product_type: str | None = None) -> None:
        """Skip one seq on the next books update of `symbol` (all product types listing it unless given)."""
        if self._gap:
            self._gap(symbol, product_type)

    def corrupt_checksum(self, symbol: str) -> None:
        """The next books update of `symbol` carries a wrong checksum."""
        self.corrupt_checksums.add(symbol.upper())

    # -- from JSON -------------------------------------------------------------------------------------------------
    def apply(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        """Set faults from a JSON object; returns what the one-shot actions did. Unknown keys are refused."""
        done: dict[str, Any] = {}
        for key, value in settings.items():
            if key in ("latency_ms", "clock_skew_ms", "duplicate_private", "reorder_private"):
                setattr(self, key, int(value))
            elif key == "endpoint_latency_ms":
                self.endpoint_latency_ms = {str(p): int(ms) for p, ms in dict(value).items()}
            elif key == "next_http_errors":
                self.next_http_errors = [int(s) for s in value]
            elif key == "lose_answer":
                for path, times in dict(value).items():
                    self.lose_answer(str(path), int(times))
            elif key == "error_after":
                for path, status in dict(value).items():
                    self.error_after(str(path), int(status))
            elif key == "corrupt_checksum":
                for symbol in [value] if isinstance(value, str) else value:
                    self.corrupt_checksum(str(symbol))
            elif key == "book_gap":
                for symbol in [value] if isinstance(value, str) else value:
                    self.book_gap(str(symbol))
            elif key == "drop_ws":
                done[key] = self._sockets.drop(_who(value)) if self._sockets else 0
            elif key == "silence_ws":
                done[key] = self.silence_ws(value)
            elif key == "send_malformed":
                done[key] = self.send_malformed(None, value)
            elif key == "clear":
                self.clear()
            else:
                raise ValueError(f"unknown fault {key!r}")
        return done

    def clear(self) -> None:
        """Every fault off (sockets already dropped or silenced stay so)."""
        self.latency_ms = self.clock_skew_ms = self.duplicate_private = self.reorder_private = 0
        self.endpoint_latency_ms.clear()
        self.next_http_errors.clear()
        self.after_processing.clear()
        self.corrupt_checksums.clear()
