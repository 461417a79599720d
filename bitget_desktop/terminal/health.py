"""StreamHealth: one state machine for the websocket streams, message age, book staleness and the banner text."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

STALE_AFTER_MS = 10_000  # a market stream silent this long is reported
RECONNECTED_BANNER_MS = 6000  # how long "reconnected" stays up after a stream comes back

MARKET = "market"
ACCOUNT = "account"
_LABELS = {MARKET: "Market data", ACCOUNT: "Account"}


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class StreamState:
    """One websocket stream as the status bar shows it."""

    state: str = "connecting"  # connecting | live | reconnecting | down
    last_message_ms: int | None = None  # local wall time of the last message
    reconnects: int = 0
    reconnected_ms: int | None = None  # local wall time the stream came back after a drop
    dropped_frames: int = 0  # frames the client refused (malformed), counted, never fatal
    last_drop_reason: str = ""


@dataclass
class HealthView:
    """What the status bar shows: per-stream state, last message age, REST latency, clock offset, book state."""

    streams: dict[str, StreamState] = field(default_factory=dict)
    last_message_age_ms: int | None = None
    rest_latency_ms: int | None = None
    clock_offset_ms: int | None = None
    book_stale: bool = False


class StreamHealth:
    """Fed by connection events, messages and the book; answers the status bar's view and the banner text."""

    def __init__(self, clock: Callable[[], int] = wall_ms) -> None:
        self.clock = clock
        self.view = HealthView()
        self.book_symbol: str | None = None

    def stream(self, name: str) -> StreamState:
        return self.view.streams.setdefault(name, StreamState())

    def connection(self, name: str, connected: bool) -> bool:
        """The socket of `name` went up or down; True when the state changed."""
        s = self.stream(name)
        before = s.state
        if connected:
            if s.state in ("reconnecting", "down"):
                s.reconnected_ms = self.clock()
            s.state = "live"
        elif s.state != "down":
            if s.state != "reconnecting":
                s.reconnects += 1
            s.state = "reconnecting"
        return s.state != before

    def message(self, name: str) -> bool:
        """A message arrived on `name`; True when that made the stream live again."""
        s = self.stream(name)
        s.last_message_ms = self.clock()
        if s.state != "live":
            s.state = "live"
            return True
        return False

    def down(self, name: str) -> None:
        """The stream gave up (e.g. its login was refused): it will not come back by itself."""
        self.stream(name).state = "down"

    def set_dropped(self, name: str, count: int, reason: str = "") -> None:
        """How many malformed frames the stream's socket has dropped so far (each one counted, none fatal)."""
        s = self.stream(name)
        s.dropped_frames = count
        s.last_drop_reason = reason

    def set_book(self, symbol: str | None, stale: bool) -> None:
        self.book_symbol = symbol
        self.view.book_stale = stale

    def refresh(self) -> HealthView:
        """Recompute the message age (called on the status timer)."""
        now = self.clock()
        streams = self.view.streams
        market = streams.get(MARKET)
        ages = [now - s.last_message_ms for s in streams.values() if s.last_message_ms is not None]
        self.view.last_message_age_ms = (
            now - market.last_message_ms if market is not None and market.last_message_ms is not None
            else (min(ages) if ages else None)
        )
        return self.view

    def banner(self) -> str:
        """The one line shown above the panels while something is wrong ("" when all is well)."""
        now = self.clock()
        streams = sorted(self.view.streams.items())
        for name, s in streams:
            label = _LABELS.get(name, name)
            if s.state == "down":
                return f"{label} stream stopped — see the error message; switch account or restart to retry."
            if s.state == "reconnecting":
                return f"{label} connection lost — reconnecting…"
        for name, s in streams:
            if s.reconnected_ms is not None and now - s.reconnected_ms < RECONNECTED_BANNER_MS:
                drops = f"{s.reconnects} drop{'s' if s.reconnects != 1 else ''} so far"
                return (f"{_LABELS.get(name, name)} stream reconnected ({drops}); "
                        "books and account state were re-synchronised.")
        if self.view.book_stale and self.book_symbol is not None:
            return f"Order book for {self.book_symbol} is stale — waiting for a fresh snapshot."
        market = self.view.streams.get(MARKET)
        if market is not None and market.last_message_ms is not None and now - market.last_message_ms > STALE_AFTER_MS:
            return f"No market data for {(now - market.last_message_ms) // 1000} s — the stream may be stalled."
        return ""
