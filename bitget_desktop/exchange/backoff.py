"""One backoff generator and one retry-or-give-up classifier, used by REST retries and websocket reconnects."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from enum import Enum

from bitget_desktop.domain.errors import (
    AuthenticationError,
    BitgetError,
    ExchangeUnavailable,
    NetworkError,
    PermissionDenied,
    RateLimited,
    TimestampError,
)

__all__ = ["Verdict", "backoff", "classify"]


def backoff(
    initial: float = 0.5,
    factor: float = 2.0,
    maximum: float = 30.0,
    *,
    jitter: float = 0.5,
    rng: random.Random | None = None,
) -> Iterator[float]:
    """Endless delays in seconds: exponential growth up to `maximum`, each scaled by a random (1 - jitter .. 1) factor.

    The jitter spreads reconnects of many clients (and of our own two sockets) so they do not arrive in lockstep.
    """
    rand = rng or random.Random()
    delay = initial
    while True:
        yield delay * (1.0 - jitter * rand.random())
        delay = min(delay * factor, maximum)


class Verdict(Enum):
    RETRY = "retry"            # transient: wait a backoff step and try again
    RESYNC = "resync"          # clock-related: re-sync the server clock, then try once more
    GIVE_UP = "give_up"        # permanent: surface to the caller


def classify(exc: BaseException) -> Verdict:
    """Decide whether a failure is worth another attempt (for idempotent requests and reconnects)."""
    if isinstance(exc, TimestampError):
        return Verdict.RESYNC
    if isinstance(exc, (AuthenticationError, PermissionDenied)):
        return Verdict.GIVE_UP
    if isinstance(exc, (RateLimited, ExchangeUnavailable, NetworkError)):
        return Verdict.RETRY
    if isinstance(exc, BitgetError):
        return Verdict.GIVE_UP
    if isinstance(exc, (OSError, asyncio.TimeoutError, ConnectionError, EOFError)):
        return Verdict.RETRY
    return Verdict.GIVE_UP
