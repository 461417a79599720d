"""Backoff generator, retry classifier, server clock and token buckets (no sockets)."""

import asyncio
import random

from bitget_desktop.domain import errors as e
from bitget_desktop.exchange.backoff import Verdict, backoff, classify
from bitget_desktop.exchange.clock import ServerClock
from bitget_desktop.exchange.ratelimit import RATE_LIMITS, RateLimiter, TokenBucket


def test_backoff_grows_caps_and_jitters():
    delays = backoff(1.0, 2.0, 8.0, jitter=0.5, rng=random.Random(7))
    got = [next(delays) for _ in range(8)]
    caps = [1, 2, 4, 8, 8, 8, 8, 8]
    assert all(c * 0.5 <= d <= c for d, c in zip(got, caps, strict=True))
    assert len(set(got)) == len(got)  # jittered


def test_backoff_without_jitter_is_exact():
    delays = backoff(0.5, 2.0, 2.0, jitter=0.0)
    assert [next(delays) for _ in range(4)] == [0.5, 1.0, 2.0, 2.0]


def test_classify():
    assert classify(e.error_from("40004", "")) is Verdict.RESYNC
    assert classify(e.error_from("40009", "")) is Verdict.GIVE_UP
    assert classify(e.error_from("429", "")) is Verdict.RETRY
    assert classify(e.ExchangeUnavailable("503", "")) is Verdict.RETRY
    assert classify(e.NetworkError("", "timeout")) is Verdict.RETRY
    assert classify(e.error_from("43012", "")) is Verdict.GIVE_UP
    assert classify(ConnectionResetError()) is Verdict.RETRY
    assert classify(ValueError()) is Verdict.GIVE_UP


def test_clock_offset_uses_round_trip_midpoint():
    now = [1000.0]
    clock = ServerClock(lambda: now[0])
    assert clock.record(sent_ms=1_000_000, server_ms=1_060_100, received_ms=1_000_200) == 60_000
    assert clock.now_ms() == 1_000_000 + 60_000 and clock.last_rtt_ms == 200


async def test_clock_sync_with_fetch():
    now = [100.0]
    clock = ServerClock(lambda: now[0])

    async def fetch():
        now[0] += 0.1  # 100 ms round trip
        return 200_000 + 50

    offset = await clock.sync(fetch)
    assert offset == 200_050 - 100_050
    assert clock.synced


async def test_token_bucket_paces_without_failing():
    bucket = TokenBucket(20)  # 20/s => 50 ms apart
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    await asyncio.gather(*(bucket.acquire() for _ in range(6)))
    elapsed = loop.time() - t0
    assert 0.24 <= elapsed < 0.6


async def test_token_bucket_with_burst_capacity():
    bucket = TokenBucket(10, capacity=5)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    for _ in range(5):
        await bucket.acquire()
    assert loop.time() - t0 < 0.05


async def test_limiter_uses_published_limits():
    limiter = RateLimiter()
    assert limiter.bucket("/api/v2/spot/trade/place-order").rate == 10
    assert limiter.bucket("/api/v2/mix/account/set-leverage").rate == 5
    assert limiter.bucket("/api/v2/some/unknown").rate == 5
    assert RATE_LIMITS["/api/v2/mix/order/place-order"] == 10
    assert limiter.bucket("/a") is limiter.bucket("/a")
