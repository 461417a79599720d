"""Exchange-core benchmark: book ingest and order placement, each beside ccxt measured in the same run.

Run: .venv/bin/python tests/benchmarks/bench_exchange.py [--frames N] [--orders N]

1. Book ingest. Real `books` frames (snapshot + incremental updates with seq/pseq and CRC32 checksum) are recorded
   from the simulator's websocket for the six default markets, then replayed from memory, fresh state per pass,
   through (a) our stream Router (orjson parse -> route -> OrderBook apply -> continuity + checksum) and
   (b) ccxt.pro bitget's own frame handler (its orjson parse -> handle_message -> counted order book -> checksum).
   Reported: messages per second and our/ccxt ratio (target >= 3x).
2. Order placement. A simulator runs in a separate process (rate limits off) so the server's work does not share
   our CPU. Interleaved round by round, each places one IOC limit order far from the market:
   (a) the floor: aiohttp POST of pre-built, pre-signed bytes (no client logic at all),
   (b) BitgetClient.place_spot_order(OrderRequest) (validate, snap, clientOid, sign, rate-limit, parse),
   (c) ccxt bitget create_order.
   Client-side overhead = latency minus the floor's latency at the same percentile. Target: ours < 1 ms at p50.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing as mp
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import orjson  # noqa: E402
import websockets  # noqa: E402

from bitget_desktop.domain.market import ProductType  # noqa: E402
from bitget_desktop.domain.trading import OrderRequest, new_client_oid  # noqa: E402
from bitget_desktop.exchange.classic.ws import Subscription  # noqa: E402
from bitget_desktop.exchange.client import BitgetClient  # noqa: E402
from bitget_desktop.exchange.environments import local  # noqa: E402
from bitget_desktop.exchange.signing import Credentials, rest_headers  # noqa: E402
from bitget_desktop.exchange.stream import Router  # noqa: E402
from bitget_desktop.simulator import ApiKeySpec, Simulator, SimulatorConfig  # noqa: E402

KEY, SECRET, PASS = "bench-key", "bench-secret", "bench-pass"
MARKETS = [(pt, s) for pt in ("SPOT", "USDT-FUTURES") for s in ("BTCUSDT", "ETHUSDT", "SOLUSDT")]


# -- 1. book ingest ---------------------------------------------------------------------------------------------


async def record_book_frames(n_frames: int) -> list[str]:
    """Record real `books` frames from the simulator (a fast market tick so recording takes seconds)."""
    cfg = SimulatorConfig(seed=7, tick_ms=5, keys=[ApiKeySpec(KEY, SECRET, PASS)])
    frames: list[str] = []
    async with Simulator(cfg) as sim:
        async with websockets.connect(sim.ws_public_url, max_size=None) as ws:
            args = [{"instType": pt, "channel": "books", "instId": s} for pt, s in MARKETS]
            await ws.send(orjson.dumps({"op": "subscribe", "args": args}).decode())
            while len(frames) < n_frames:
                text = await ws.recv()
                if isinstance(text, str) and '"action"' in text:
                    frames.append(text)
    return frames


def ours_ingest(frames: list[str]) -> float:
    router = Router()
    for pt, s in MARKETS:
        router.add(Subscription(pt, "books", s), _noop)
    t0 = time.perf_counter()
    for f in frames:
        router.feed(f)
    elapsed = time.perf_counter() - t0
    for pt, s in MARKETS:
        book = router.book(Subscription(pt, "books", s))
        assert book is not None and not book.stale, f"our book for {pt} {s} broke during the replay"
    return elapsed


def _noop(event: object) -> None:
    return None


async def ccxt_ingest_setup(rest_url: str):
    import ccxt.pro as ccxtpro

    ex = ccxtpro.bitget({"enableRateLimit": False})
    for section in ("spot", "mix", "user", "p2p", "broker", "margin", "common", "tax", "convert", "copy", "earn",
                    "uta"):
        ex.urls["api"][section] = rest_url
    await ex.load_markets()
    return ex


def ccxt_ingest(ex, frames: list[str]) -> float:
    ex.orderbooks = {}
    client = ex.client("ws://127.0.0.1:1/v2/ws/public")  # constructed, never connected: we feed it frames
    handle = client.handle_text_or_binary_message
    t0 = time.perf_counter()
    for f in frames:
        handle(f)
    elapsed = time.perf_counter() - t0
    assert len(ex.orderbooks) == len(MARKETS), "ccxt did not build every book"
    return elapsed


async def bench_ingest(n_frames: int, passes: int) -> dict[str, float]:
    frames = await record_book_frames(n_frames)
    levels = sum(len(orjson.loads(f)["data"][0]["bids"]) + len(orjson.loads(f)["data"][0]["asks"]) for f in frames)
    async with Simulator(SimulatorConfig(seed=7, keys=[ApiKeySpec(KEY, SECRET, PASS)])) as sim:
        ex = await ccxt_ingest_setup(sim.rest_url)
    try:
        ours, theirs = [], []
        for _ in range(passes):  # interleaved passes, fresh state each time; best pass counts
            gc.collect()
            ours.append(ours_ingest(frames))
            gc.collect()
            theirs.append(ccxt_ingest(ex, frames))
    finally:
        await ex.close()
    o, c = len(frames) / min(ours), len(frames) / min(theirs)
    print(f"\nBook ingest: {len(frames)} real frames ({levels / len(frames):.1f} levels/frame avg, "
          f"{sum(1 for f in frames if 'snapshot' in f[:40])} snapshots), best of {passes} passes")
    print(f"  ours (Router: parse+apply+seq+checksum) {o:>10,.0f} msg/s")
    print(f"  ccxt.pro bitget handler                 {c:>10,.0f} msg/s")
    print(f"  ratio ours/ccxt                         {o / c:>10.2f}x   (target >= 3x)")
    return {"ours_msg_s": o, "ccxt_msg_s": c, "ratio": o / c}


# -- 2. order placement -----------------------------------------------------------------------------------------


def _serve(port_q: mp.Queue, stop: mp.Event) -> None:
    async def main() -> None:
        cfg = SimulatorConfig(seed=7, rate_limits=False, keys=[ApiKeySpec(KEY, SECRET, PASS)])
        async with Simulator(cfg) as sim:
            port_q.put(sim.rest_url)
            while not stop.is_set():  # noqa: ASYNC110 (a multiprocessing.Event, set by the parent process)
                await asyncio.sleep(0.1)

    asyncio.run(main())


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


async def bench_orders(n_orders: int) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    port_q, stop = ctx.Queue(), ctx.Event()
    proc = ctx.Process(target=_serve, args=(port_q, stop), daemon=True)
    proc.start()
    rest_url = port_q.get(timeout=60)
    import ccxt.async_support as ccxt

    creds = Credentials(KEY, SECRET, PASS)
    ex = ccxt.bitget({"apiKey": KEY, "secret": SECRET, "password": PASS, "enableRateLimit": False,
                      "options": {"uta": False}})
    for section in ("spot", "mix", "user", "p2p", "broker", "margin", "common", "tax", "convert", "copy", "earn",
                    "uta"):
        ex.urls["api"][section] = rest_url
    lat: dict[str, list[float]] = {"floor": [], "ours": [], "ccxt": []}
    try:
        async with BitgetClient(local(rest_url), creds) as client, aiohttp.ClientSession() as raw:
            await client.sync_clock()
            inst = next(i for i in await client.spot_instruments() if i.symbol == "BTCUSDT")
            await ex.load_markets()
            ticker = await client.ticker(ProductType.SPOT, "BTCUSDT")
            far = inst.snap_price(ticker.bid * Decimal("0.7"))
            far_f = float(far)
            path = "/api/v2/spot/trade/place-order"

            def floor_request() -> tuple[bytes, dict[str, str]]:
                body = orjson.dumps({"symbol": "BTCUSDT", "side": "buy", "orderType": "limit", "force": "ioc",
                                     "price": str(far), "size": "0.001", "clientOid": new_client_oid()}).decode()
                ts = int(time.time() * 1000 + client_clock_offset(client))
                return body.encode(), rest_headers(creds, ts, "POST", path, "", body)

            async def floor() -> None:
                body, headers = floor_request()  # built before the clock starts: the floor has no client logic
                t0 = time.perf_counter()
                async with raw.post(rest_url + path, data=body, headers=headers) as r:
                    payload = orjson.loads(await r.read())
                lat["floor"].append(time.perf_counter() - t0)
                assert payload["code"] == "00000", payload

            async def ours() -> None:
                t0 = time.perf_counter()
                req = OrderRequest.build(inst, side="buy", order_type="limit", size="0.001", price=far, force="ioc")
                ack = await client.place_spot_order(req)
                lat["ours"].append(time.perf_counter() - t0)
                assert ack.order_id

            async def theirs() -> None:
                t0 = time.perf_counter()
                order = await ex.create_order("BTC/USDT", "limit", "buy", 0.001, far_f, {"timeInForce": "IOC"})
                lat["ccxt"].append(time.perf_counter() - t0)
                assert order["id"]

            runners = [floor, ours, theirs]
            period = 1 / 9  # stay under our own client's 10 orders/s limiter, so it never waits
            for _ in range(10):  # warm up connections and caches, paced like the measured rounds
                for run in runners:
                    await run()
                await asyncio.sleep(period)
            for k in lat:
                lat[k].clear()
            for i in range(n_orders):
                t_round = time.perf_counter()
                order = runners[i % 3:] + runners[: i % 3]  # rotate who goes first
                for run in order:
                    await run()
                rest = period - (time.perf_counter() - t_round)
                if rest > 0:
                    await asyncio.sleep(rest)
    finally:
        await ex.close()
        stop.set()
        proc.join(10)
    res: dict[str, float] = {}
    print("  slowest ms:", {k: [round(x * 1e3, 1) for x in sorted(v)[-4:]] for k, v in lat.items()})
    print(f"\nOrder placement: {n_orders} IOC limit orders each, interleaved, simulator in another process")
    print(f"  {'':28}{'p50 ms':>9}{'p99 ms':>9}{'overhead p50':>14}{'overhead p99':>14}")
    f50, f99 = pct(lat["floor"], 50) * 1e3, pct(lat["floor"], 99) * 1e3
    for name, label in (("floor", "floor (pre-signed raw POST)"), ("ours", "ours (BitgetClient)"),
                        ("ccxt", "ccxt create_order")):
        p50, p99 = pct(lat[name], 50) * 1e3, pct(lat[name], 99) * 1e3
        res[f"{name}_p50_ms"], res[f"{name}_p99_ms"] = p50, p99
        print(f"  {label:28}{p50:9.3f}{p99:9.3f}{p50 - f50:14.3f}{p99 - f99:14.3f}")
    ours_o, ccxt_o = res["ours_p50_ms"] - f50, res["ccxt_p50_ms"] - f50
    res["ours_overhead_p50_ms"], res["ccxt_overhead_p50_ms"] = ours_o, ccxt_o
    print(f"  client overhead at p50: ours {ours_o:.3f} ms (target < 1 ms), ccxt {ccxt_o:.3f} ms, "
          f"ccxt/ours {ccxt_o / max(ours_o, 1e-6):.1f}x; mean ours {statistics.mean(lat['ours']) * 1e3:.3f} ms")
    return res


def client_clock_offset(client: BitgetClient) -> float:
    clock = getattr(client, "clock", None) or getattr(client, "_clock", None)
    return float(getattr(clock, "offset_ms", 0) or 0)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--orders", type=int, default=300)
    args = parser.parse_args()
    await bench_ingest(args.frames, args.passes)
    await bench_orders(args.orders)


if __name__ == "__main__":
    asyncio.run(main())
