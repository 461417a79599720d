"""The server clock: local time corrected by an offset measured against Bitget's /api/v2/public/time."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

__all__ = ["ServerClock"]


class ServerClock:
    """Server time estimated as local time + offset (offset = server time - local midpoint of the round trip)."""

    def __init__(self, local: Callable[[], float] = time.time) -> None:
        self._local = local
        self.offset_ms = 0
        self.synced = False
        self.last_rtt_ms: int | None = None

    def local_ms(self) -> int:
        return int(self._local() * 1000)

    def now_ms(self) -> int:
        """Best estimate of Bitget's current time in integer milliseconds."""
        return self.local_ms() + self.offset_ms

    def now_s(self) -> int:
        return self.now_ms() // 1000

    def record(self, sent_ms: int, server_ms: int, received_ms: int) -> int:
        """Store the offset from one round trip; returns it."""
        midpoint = (sent_ms + received_ms) // 2
        self.offset_ms = server_ms - midpoint
        self.last_rtt_ms = received_ms - sent_ms
        self.synced = True
        return self.offset_ms

    async def sync(self, fetch_server_ms: Callable[[], Awaitable[int]]) -> int:
        """Measure the offset with one call of `fetch_server_ms` (which returns the server's time in ms)."""
        sent = self.local_ms()
        server = await fetch_server_ms()
        received = self.local_ms()
        return self.record(sent, server, received)
