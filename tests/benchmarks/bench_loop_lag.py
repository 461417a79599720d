"""Event-loop lag of the whole terminal at 2,000 order-book messages/s, through the real websocket path.

Run: ``python tests/benchmarks/bench_loop_lag.py [--seconds 20]`` (offscreen; not collected by the suite).

What runs:
- A feeder process (this script with ``--serve``): the simulator (seed 7) and, in front of its public websocket, a
  relay on 127.0.0.1. The relay passes every frame both ways (tickers, trades, candles, acks, pings) except the
  simulator's own ``books`` pushes; in their place it replays ``books`` frames recorded from that same simulator
  beforehand (market tick 20 ms, snapshot first, each symbol's frames in order, restarting at the snapshot, so
  seq/pseq/checksum stay valid and the app really maintains the book) at the rate the parent asks for on stdin.
- This process: the app as it runs for a user — BitgetClient (its BitgetStream over that relay; private socket and
  REST straight to the simulator) -> AccountConnection -> ui Session -> MainWindow (1600x1000, offscreen) with the
  main chart, a second chart dock (MainWindow.open_chart_dock), the book ladder, the trades tape and the blotter all
  shown, on spot BTCUSDT with a funded key.
- A 1 ms asyncio probe on the qasync loop: ``t = perf_counter(); await asyncio.sleep(0.001)``; lag = elapsed - 1 ms.

Scenarios, alternating in 2 s chunks so both see the same background load: ``books`` (the relay replays 2,000
books messages/s for the subscribed book) and ``no-books`` (the relay replays none: the app keeps its last book and
everything else of the live stream). The target is p99 < 8 ms with the book stream; the no-book figures are the
same-run reference. ``msg/s`` is counted in this process (BookEvents its stream delivered), not at the sender.

Recorded 2026-12-03 on the 2-core build VM shared with other work (``--seconds 20``, load average 0.7-1.3):

    scenario  samples  p50 ms  p99 ms   p99.9  max ms  msg/s book signals/s cpu %
    no-books    16028   0.111    1.89    7.56   17.41      0            0.0     9
    books       14157   0.171    6.72   13.74   21.94   1998            5.0    25
    p99 6.72 ms with 2000 book msg/s vs 1.89 ms without (ratio 3.56); target p99 < 8 ms met

Another run the same day: books p99 7.47 ms, no-books 2.66 ms. The book's share of the tail is mostly the ladder's
repaint at each 200 ms flush (every cell goes through a Python delegate) plus bursts of frames read back to back.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

RATE = 2000  # book messages per second in the "books" scenario
TARGET_P99_MS = 8.0
CHUNK_S = 2.0


# -- the feeder process: simulator + relay ----------------------------------------------------------------------


async def record(sim: Any, seconds: float = 4.0) -> dict[tuple[str, str], list[str]]:
    """Books frames per (instType, instId) as the simulator sends them: the snapshot, then updates in order."""
    from websockets.asyncio.client import connect

    frames: dict[tuple[str, str], list[str]] = defaultdict(list)
    args = [{"instType": s.product_type, "channel": "books", "instId": s.symbol} for s in sim.market.specs]
    async with connect(sim.ws_public_url, compression=None, max_size=2**24) as ws:
        await ws.send(orjson.dumps({"op": "subscribe", "args": args}).decode())
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            text = await asyncio.wait_for(ws.recv(), 2)
            if text == "pong":
                continue
            msg = orjson.loads(text)
            if "action" not in msg:
                continue
            arg = msg["arg"]
            key = (arg["instType"], arg["instId"])
            if not frames[key] and msg["action"] != "snapshot":
                continue
            frames[key].append(text if isinstance(text, str) else text.decode())
    return dict(frames)


class Relay:
    """A public websocket in front of the simulator's: everything passes except its books, replaced by a replay."""

    def __init__(self, upstream: str, frames: dict[tuple[str, str], list[str]]) -> None:
        self.upstream = upstream
        self.frames = frames
        self.rate = 0.0
        self.sent = 0

    async def handle(self, ws: Any) -> None:
        from websockets.asyncio.client import connect

        books: list[tuple[str, str]] = []  # (instType, instId) the client subscribed to, in order
        async with connect(self.upstream, compression=None, max_size=2**24) as up:

            async def down() -> None:  # simulator -> app, minus its books pushes
                async for text in up:
                    if '"books' in text and '"action"' in text:
                        continue
                    await ws.send(text)

            async def replay() -> None:
                cursor: dict[tuple[str, str], int] = {}
                loop = asyncio.get_running_loop()
                credit, last = 0.0, loop.time()
                while True:
                    await asyncio.sleep(0.001)
                    now = loop.time()
                    credit = min(credit + (now - last) * self.rate, 50.0)
                    last = now
                    for key in books:
                        if key not in cursor:  # a new subscription: its snapshot at once, whatever the rate
                            cursor[key] = 1
                            await ws.send(self.frames[key][0])
                    live = [k for k in books if k in self.frames]
                    while credit >= 1.0 and live:
                        for key in live:
                            seq = self.frames[key]
                            i = cursor[key]
                            await ws.send(seq[i])
                            cursor[key] = (i + 1) % len(seq)
                            self.sent += 1
                            credit -= 1.0
                    for key in list(cursor):
                        if key not in books:
                            del cursor[key]

            tasks = [asyncio.create_task(down()), asyncio.create_task(replay())]
            try:
                async for text in ws:  # app -> simulator; note the books it (un)subscribes
                    if '"books' in text:
                        msg = orjson.loads(text)
                        for arg in msg.get("args") or []:
                            if arg.get("channel") != "books":
                                continue
                            key = (str(arg.get("instType")), str(arg.get("instId")))
                            if msg.get("op") == "subscribe" and key in self.frames and key not in books:
                                books.append(key)
                            elif msg.get("op") == "unsubscribe" and key in books:
                                books.remove(key)
                    await up.send(text)
            finally:
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)


async def serve() -> None:
    """Simulator + relay; prints one JSON line of addresses, then takes ``rate N`` / ``quit`` lines on stdin."""
    from websockets.asyncio.server import serve as ws_serve

    from bitget_desktop.simulator.server import ApiKeySpec, Simulator, SimulatorConfig

    key = ApiKeySpec(os.environ["BITGET_SIM_API_KEY"], os.environ["BITGET_SIM_SECRET"],
                     os.environ["BITGET_SIM_PASSPHRASE"], permissions=("read", "trade"))
    async with Simulator(SimulatorConfig(seed=7, tick_ms=20, keys=[key], ws_client_msg_rate=None)) as sim:
        frames = await record(sim)
        relay = Relay(sim.ws_public_url, frames)
        async with ws_serve(relay.handle, "127.0.0.1", 0, compression=None, max_size=2**24) as server:
            port = server.sockets[0].getsockname()[1]
            print(json.dumps({"rest": sim.rest_url, "ws_public": f"ws://127.0.0.1:{port}/v2/ws/public",
                              "frames": sum(len(v) for v in frames.values()), "symbols": len(frames)}), flush=True)
            loop = asyncio.get_running_loop()
            done = asyncio.Event()

            def read_stdin() -> None:
                for line in sys.stdin:
                    words = line.split()
                    if words[:1] == ["rate"]:
                        loop.call_soon_threadsafe(setattr, relay, "rate", float(words[1]))
                    elif words[:1] == ["quit"]:
                        break
                loop.call_soon_threadsafe(done.set)

            threading.Thread(target=read_stdin, daemon=True).start()
            await done.wait()


# -- this process: the app on a qasync loop ---------------------------------------------------------------------


def _pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(len(s) * p))]


class Feeder:
    def __init__(self) -> None:
        self.creds = ("bg_bench_" + secrets.token_hex(6), secrets.token_urlsafe(18), "bench" + secrets.token_hex(4))
        env = {**os.environ, "BITGET_SIM_API_KEY": self.creds[0], "BITGET_SIM_SECRET": self.creds[1],
               "BITGET_SIM_PASSPHRASE": self.creds[2]}
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        assert self.proc.stdout is not None
        self.info = json.loads(self.proc.stdout.readline())

    def rate(self, n: float) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"rate {n}\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            assert self.proc.stdin is not None
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


async def open_window(feeder: Feeder, tmp: str) -> tuple[Any, Any]:
    from PySide6.QtWidgets import QDockWidget

    from bitget_desktop.exchange.client import BitgetClient
    from bitget_desktop.exchange.environments import local
    from bitget_desktop.exchange.signing import Credentials
    from bitget_desktop.settings import SettingsStore
    from bitget_desktop.ui.main_window import MainWindow
    from bitget_desktop.ui.session import Session

    env = dataclasses.replace(local(feeder.info["rest"]), ws_public_url=feeder.info["ws_public"])
    client = BitgetClient(env, Credentials(*feeder.creds))
    session = Session(client, env, symbols=["SPOT:BTCUSDT"])
    store = SettingsStore(Path(tmp))
    win = MainWindow(session, settings=store.load(), settings_store=store, layout_path=None)
    win.resize(1600, 1000)
    win.show()
    ready = asyncio.Event()
    session.ready.connect(lambda *_: ready.set())
    session.start()
    await asyncio.wait_for(ready.wait(), 30)
    win.open_chart_dock()
    for dock in win.findChildren(QDockWidget):  # book, trades, blotter and the second chart: all on screen
        if dock.isHidden() or not dock.widget().isVisible():
            dock.show()
            dock.raise_()
    await asyncio.sleep(3.0)  # candles loaded, first paints done
    return win, session


async def chunk(seconds: float, counters: dict[str, int]) -> dict[str, Any]:
    lags: list[float] = []
    stop = asyncio.Event()

    async def probe() -> None:
        while not stop.is_set():
            t = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append((time.perf_counter() - t) * 1000 - 1.0)

    await asyncio.sleep(0.5)  # the new rate has reached the app
    base = dict(counters)
    t0, c0 = time.perf_counter(), time.process_time()
    task = asyncio.get_running_loop().create_task(probe())
    await asyncio.sleep(seconds)
    stop.set()
    await task
    elapsed = time.perf_counter() - t0
    return {"lags": lags, "elapsed": elapsed, "cpu_s": time.process_time() - c0,
            **{k: counters[k] - base[k] for k in counters}}


def summarise(name: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    lags = [x for p in parts for x in p["lags"]]
    elapsed = sum(p["elapsed"] for p in parts)
    return {"scenario": name, "samples": len(lags), "p50": statistics.median(lags), "p99": _pct(lags, 0.99),
            "p999": _pct(lags, 0.999), "max": max(lags),
            "msg_per_s": sum(p["books"] for p in parts) / elapsed,
            "flush_per_s": sum(p["book_signals"] for p in parts) / elapsed,
            "cpu": 100 * sum(p["cpu_s"] for p in parts) / elapsed}


async def measure(seconds: float) -> list[dict[str, Any]]:
    from bitget_desktop.exchange.stream import BookEvent, Subscription

    feeder = Feeder()
    print(f"feeder: simulator {feeder.info['rest']}, relay {feeder.info['ws_public']}; recorded "
          f"{feeder.info['frames']} books frames over {feeder.info['symbols']} symbols; load average before: "
          f"{os.getloadavg()[0]:.2f}", flush=True)
    counters = {"books": 0, "book_signals": 0}
    session = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            win, session = await open_window(feeder, tmp)

            def count(ev: Any) -> None:
                if isinstance(ev, BookEvent):
                    counters["books"] += 1

            inst = session.instrument
            await session.client.stream.subscribe(Subscription.book(inst.product_type, inst.symbol), count)
            session.book_changed.connect(lambda: counters.__setitem__("book_signals", counters["book_signals"] + 1))
            parts: dict[str, list[dict[str, Any]]] = {"no-books": [], "books": []}
            for _ in range(max(1, round(seconds / CHUNK_S))):
                for name, rate in (("no-books", 0), ("books", RATE)):
                    feeder.rate(rate)
                    parts[name].append(await chunk(CHUNK_S, counters))
            feeder.rate(0)
            visible = {
                "main chart": win.chart.isVisible(),
                "second chart": bool(win.chart_docks) and win.chart_docks[0].widget().isVisible(),
                "book ladder": win.book_dock.isVisible(),
                **{d.windowTitle() or d.objectName(): d.isVisible() for d in win.findChildren(type(win.book_dock))
                   if d is not win.book_dock and d not in win.chart_docks},
            }
            print("shown: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in visible.items()))
            await session.aclose()
            win.close()
            return [summarise(n, ps) for n, ps in parts.items()]
    finally:
        if session is not None:
            await session.aclose()
        feeder.close()


def report(results: list[dict[str, Any]]) -> str:
    lines = [f"{'scenario':<9} {'samples':>7} {'p50 ms':>7} {'p99 ms':>7} {'p99.9':>7} {'max ms':>7} {'msg/s':>6} "
             f"{'book signals/s':>14} {'cpu %':>5}"]
    for r in results:
        lines.append(f"{r['scenario']:<9} {r['samples']:>7} {r['p50']:>7.3f} {r['p99']:>7.2f} {r['p999']:>7.2f} "
                     f"{r['max']:>7.2f} {r['msg_per_s']:>6.0f} {r['flush_per_s']:>14.1f} {r['cpu']:>5.0f}")
    ref = next(r for r in results if r["scenario"] == "no-books")
    books = next(r for r in results if r["scenario"] == "books")
    ok = books["p99"] < TARGET_P99_MS
    lines.append("msg/s = books messages the app's stream applied per s; book signals/s = Session.book_changed per s "
                 "(its 200 ms flush); cpu % = this process's CPU time / wall time")
    lines.append(f"p99 {books['p99']:.2f} ms with {RATE} book msg/s vs {ref['p99']:.2f} ms without "
                 f"(ratio {books['p99'] / ref['p99']:.2f}); p50 {books['p50']:.3f} vs {ref['p50']:.3f} ms; "
                 f"target p99 < {TARGET_P99_MS:.0f} ms {'met' if ok else 'MISSED'}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per scenario")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve())
        return 0
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        results = loop.run_until_complete(measure(args.seconds))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
        asyncio.set_event_loop(None)
    print(report(results))
    print(f"load average after: {os.getloadavg()[0]:.2f} (2 cores shared; other work on the machine inflates tails)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
