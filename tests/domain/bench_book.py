"""Rough ingest benchmark (not collected by pytest): our OrderBook vs ccxt.pro.bitget's handle_order_book.

Run: .venv/bin/python -m tests.domain.bench_book   (parse with orjson on both sides, as ccxt's ws client does).
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from pathlib import Path

import orjson

from bitget_desktop.domain.book import OrderBook

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "bitget"


def synthetic(n_updates: int = 20000, depth: int = 200, checksum: bool = True, seed: int = 1) -> list[bytes]:
    """A BTCUSDT-like stream: one snapshot of ``depth`` levels a side, then updates of 1-6 levels near the top."""
    rnd = random.Random(seed)
    mid = 8_650_000  # in cents

    def px(c: int) -> str:
        return f"{c // 100}.{c % 100:02d}"

    def sz() -> str:
        return f"{rnd.randint(1, 99999) / 1e5:.5f}"

    arg = {"instType": "SPOT", "channel": "books", "instId": "BTCUSDT"}
    bids = [[px(mid - 1 - i), sz()] for i in range(depth)]
    asks = [[px(mid + 1 + i), sz()] for i in range(depth)]
    shadow = OrderBook("BTCUSDT")
    shadow.apply_snapshot(bids, asks, seq=1)
    out = [orjson.dumps({"action": "snapshot", "arg": arg, "data": [
        {"asks": asks, "bids": bids, "checksum": 0, "ts": "1790134567554", "seq": 1, "pseq": 0}], "ts": 1})]
    for u in range(n_updates):
        b: list[list[str]] = []
        a: list[list[str]] = []
        for _ in range(rnd.randint(1, 6)):
            off = int(rnd.expovariate(1 / 8))
            if rnd.random() < 0.5:
                b.append([px(mid - 1 - off), "0" if rnd.random() < 0.3 else sz()])
            else:
                a.append([px(mid + 1 + off), "0" if rnd.random() < 0.3 else sz()])
        shadow.apply_update(b, a)
        d: dict = {"asks": a, "bids": b, "ts": str(1790134567555 + u), "seq": u + 2, "pseq": u + 1}
        if checksum:
            d["checksum"] = shadow.checksum()
        out.append(orjson.dumps({"action": "update", "arg": arg, "data": [d], "ts": u}))
    return out


def fixture_stream(repeat: int = 20000) -> list[bytes]:
    names = ["ws_books_snapshot_usdt_futures.json", "ws_books_update_usdt_futures_1.json",
             "ws_books_update_usdt_futures_2.json"]
    return [(FIXTURES / n).read_bytes() for n in names] * repeat


def ours(msgs: list[bytes]) -> float:
    books: dict[str, OrderBook] = {}
    t = time.perf_counter()
    for raw in msgs:
        m = orjson.loads(raw)
        inst = m["arg"]["instId"]
        ob = books.get(inst)
        if ob is None:
            ob = books[inst] = OrderBook(inst)
        ob.apply_push(m["action"], m["data"][0])
    dt = time.perf_counter() - t
    assert not any(b.stale for b in books.values())
    return len(msgs) / dt


def ccxt(msgs: list[bytes]) -> float:
    import ccxt.pro as ccxtpro

    class _Client:
        futures: dict = {}
        subscriptions: dict = {}

        def resolve(self, *a: object) -> None: ...
        def reject(self, *a: object) -> None: ...

    async def run() -> float:
        ex = ccxtpro.bitget()
        client = _Client()
        t = time.perf_counter()
        for raw in msgs:
            ex.handle_order_book(client, orjson.loads(raw))
        dt = time.perf_counter() - t
        await ex.close()
        return len(msgs) / dt

    return asyncio.run(run())


def main() -> None:
    for name, msgs in [("synthetic+checksum", synthetic()), ("synthetic seq only", synthetic(checksum=False)),
                       ("futures fixtures", fixture_stream())]:
        a = max(ours(msgs) for _ in range(3))
        b = max(ccxt(msgs) for _ in range(3))
        print(f"{name:20s} ours {a:>10,.0f} msg/s   ccxt {b:>10,.0f} msg/s   ratio {a / b:.1f}x")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
