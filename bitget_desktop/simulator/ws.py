"""Websocket endpoints of the simulator (/v2/ws/public, /v2/ws/private): Bitget's v2 protocol over the live market
and the engine's private events — text ping/pong, subscribe acks echoing the arg, 300xx errors, login, books with
seq/pseq/checksum, idle and lifetime disconnects."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import WSMsgType, web

from bitget_desktop.simulator.auth import ApiKeySpec, WsLoginError
from bitget_desktop.simulator.history import Timeframe, parse_ws_candle
from bitget_desktop.simulator.instruments import InstrumentSpec, normalize_product
from bitget_desktop.simulator.market import FeedEvent, Trade, crc32_signed
from bitget_desktop.simulator.uta_ws import v3_public_data, v3_public_fields
from bitget_desktop.simulator.wire import ticks_str

if TYPE_CHECKING:
    from bitget_desktop.simulator.server import Simulator

__all__ = ["WsHub", "PUBLIC_CHANNELS", "PRIVATE_CHANNELS"]

log = logging.getLogger(__name__)

PUBLIC_CHANNELS = ("ticker", "trade", "books", "books1", "books5", "books15")
PRIVATE_CHANNELS = ("account", "orders", "fill", "positions", "orders-algo", "positions-history")
QUEUE_LIMIT = 5000
CANDLE_SNAPSHOT = 200
TRADE_SNAPSHOT = 50


def _dumps(obj: Any) -> str:
    return orjson.dumps(obj).decode()


@dataclass(eq=False)
class Conn:
    ws: web.WebSocketResponse
    request: web.Request
    private: bool
    opened: float
    last_ping: float
    key: ApiKeySpec | None = None
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    subs: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)  # (channel, type, id) -> arg
    closed: bool = False
    tokens: float = 0.0       # client message budget (token bucket)
    tokens_at: float = 0.0
    v3: bool = False          # /v3/ws/private: topic subscriptions of a unified account (simulator/uta_ws.py)
    extra: dict[str, Any] = field(default_factory=dict)
    silent: bool = False      # fault: open, reading, but nothing more is sent (not even "pong")
    held: str | None = None   # fault: a private push held back to be sent after the next one

    def send(self, text: str) -> None:
        if self.closed:
            return
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:  # a consumer this slow is disconnected, as Bitget does
            self.abort()

    def send_json(self, obj: Any) -> None:
        self.send(_dumps(obj))

    def abort(self) -> None:
        """Drop the connection without a close frame (the client sees 1006, as with Bitget's own disconnects)."""
        if self.closed:
            return
        self.closed = True
        transport = self.request.transport
        if transport is not None:
            transport.abort()
        self.queue.put_nowait("") if not self.queue.full() else None

    async def writer(self) -> None:
        while True:
            text = await self.queue.get()
            if self.closed or not text:
                return
            if self.silent:
                continue
            try:
                await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                self.abort()
                return


class WsHub:
    """All websocket connections of one simulator and the fan-out of market and engine events to them."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.market = sim.market
        self.conns: set[Conn] = set()
        # (product, symbol) -> {conn: {channel: [arg, ...]}}
        self._public: dict[tuple[str, str], dict[Conn, dict[str, list[dict[str, Any]]]]] = {}
        self._candle_last: dict[tuple[str, str, str], int] = {}
        self.market.add_feed_listener(self._on_feed)
        if sim.engine is not None and hasattr(sim.engine, "add_listener"):
            sim.engine.add_listener(self._on_private)
        from bitget_desktop.simulator.uta_ws import UtaPrivateTopics

        self.uta = UtaPrivateTopics(sim)

    # -- connection lifecycle -----------------------------------------------------------------------------------------
    async def public_handler(self, request: web.Request) -> web.WebSocketResponse:
        return await self._serve(request, private=False)

    async def private_handler(self, request: web.Request) -> web.WebSocketResponse:
        return await self._serve(request, private=True)

    async def v3_public_handler(self, request: web.Request) -> web.WebSocketResponse:
        return await self._serve(request, private=False, v3=True)

    async def v3_private_handler(self, request: web.Request) -> web.WebSocketResponse:
        return await self._serve(request, private=True, v3=True)

    async def _serve(self, request: web.Request, *, private: bool, v3: bool = False) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, compress=False, max_msg_size=1 << 16)
        await ws.prepare(request)
        now = time.monotonic()
        conn = Conn(ws, request, private, now, now, v3=v3)
        self.conns.add(conn)
        writer = asyncio.ensure_future(conn.writer())
        rate = self.sim.config.ws_client_msg_rate
        conn.tokens, conn.tokens_at = (2 * rate if rate else 0.0), now
        try:
            async for msg in ws:
                if rate and not self._budget(conn, rate):
                    conn.send_json({"event": "error", "code": 30007, "msg": "request over limit, connection close"})
                    await asyncio.sleep(0)  # let the writer flush the error before the drop
                    conn.abort()
                    break
                if msg.type == WSMsgType.TEXT:
                    self._on_text(conn, msg.data)
                elif msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
                else:
                    conn.send_json({"event": "error", "code": 30002, "msg": "illegal request"})
        finally:
            self._forget(conn)
            conn.closed = True
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer
        return ws

    @staticmethod
    def _budget(conn: Conn, rate: float) -> bool:
        """Bitget allows about `rate` client messages a second (pings included); bursts up to twice that."""
        now = time.monotonic()
        conn.tokens = min(2 * rate, conn.tokens + (now - conn.tokens_at) * rate)
        conn.tokens_at = now
        if conn.tokens < 1:
            return False
        conn.tokens -= 1
        return True

    def _forget(self, conn: Conn) -> None:
        self.conns.discard(conn)
        for subs in self._public.values():
            subs.pop(conn, None)

    def _matching(self, private: bool | None) -> list[Conn]:
        return [c for c in self.conns if private is None or c.private == private]

    def drop_all(self) -> int:
        return self.drop(None)

    def drop(self, private: bool | None = None) -> int:
        """Abort the open sockets (only the private or public ones when told); returns how many."""
        conns = self._matching(private)
        for c in conns:
            c.abort()
        return len(conns)

    def silence(self, private: bool | None = None) -> int:
        """Keep the sockets open but write nothing more on them (fault injection)."""
        conns = self._matching(private)
        for c in conns:
            c.silent = True
        return len(conns)

    def inject(self, frames: list[str], private: bool | None = None) -> int:
        """Send raw frames (malformed ones, for fault injection) on the open sockets."""
        conns = self._matching(private)
        for c in conns:
            for text in frames:
                c.send(text)
        return len(conns)

    def _send_private(self, conn: Conn, text: str) -> None:
        """A private push, sent twice or swapped with the next one when the faults say so."""
        faults = self.sim.faults
        if faults.reorder_private > 0 and conn.held is None:
            faults.reorder_private -= 1
            conn.held = text
            return
        conn.send(text)
        if faults.duplicate_private > 0:
            faults.duplicate_private -= 1
            conn.send(text)
        held, conn.held = conn.held, None
        if held is not None:
            conn.send(held)

    async def close_all(self) -> None:
        for c in list(self.conns):
            c.closed = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(c.ws.close(code=1001, message=b"server shutdown"), 1.0)
        self.conns.clear()

    async def watchdog(self) -> None:
        """Close sockets idle (no text ping) longer than the idle timeout, and any older than the max lifetime."""
        cfg = self.sim.config
        period = max(0.05, min(1.0, cfg.ws_idle_timeout_s / 4))
        while True:
            await asyncio.sleep(period)
            now = time.monotonic()
            for c in list(self.conns):
                if now - c.last_ping > cfg.ws_idle_timeout_s or (
                        cfg.ws_max_lifetime_s is not None and now - c.opened > cfg.ws_max_lifetime_s):
                    c.abort()

    # -- requests -----------------------------------------------------------------------------------------------------
    def _on_text(self, conn: Conn, text: str) -> None:
        if text == "ping":
            conn.last_ping = time.monotonic()
            conn.send("pong")
            return
        try:
            req = orjson.loads(text)
        except orjson.JSONDecodeError:
            req = None
        if not isinstance(req, dict) or req.get("op") not in ("subscribe", "unsubscribe", "login"):
            conn.send_json({"event": "error", "code": 30002, "msg": f"Unrecognized request: {text[:200]}"})
            return
        op = req["op"]
        args = req.get("args")
        if op == "login":
            self._login(conn, args)
            return
        if not isinstance(args, list) or not args:
            conn.send_json({"event": "error", "code": 30002, "msg": f"Unrecognized request: {text[:200]}"})
            return
        for arg in args:
            if not isinstance(arg, dict):
                conn.send_json({"event": "error", "code": 30016, "msg": "Param error", "op": op})
                continue
            if conn.v3 and conn.private:
                self.uta.op(conn, op, arg)
            elif conn.private:
                self._private_op(conn, op, arg)
            else:
                self._public_op(conn, op, arg)

    def _login(self, conn: Conn, args: Any) -> None:
        if not conn.private:
            conn.send_json({"event": "error", "code": 30002, "msg": "illegal request: login on the public channel"})
            return
        try:
            conn.key = self.sim.auth.ws_login(args, family="uta" if conn.v3 else "classic")
        except WsLoginError as e:
            conn.send_json({"event": "error", "code": e.code, "msg": e.msg})
            return
        conn.send_json({"event": "login", "code": 0})

    @staticmethod
    def _error(conn: Conn, arg: dict[str, Any], code: int, msg: str, op: str) -> None:
        conn.send_json({"event": "error", "arg": arg, "code": code, "msg": msg, "op": op})

    def _public_op(self, conn: Conn, op: str, arg: dict[str, Any]) -> None:
        if conn.v3:  # topic/symbol args map onto the v2 channels; pushes are re-shaped on the way out
            channel, inst_type, inst_id = v3_public_fields(arg)
        else:
            channel = str(arg.get("channel") or "")
            inst_type = str(arg.get("instType") or "")
            inst_id = str(arg.get("instId") or "")
        exists_msg = f"instType:{inst_type},channel:{channel},instId:{inst_id},precision:null doesn't exist"
        tf = parse_ws_candle(channel) if channel.startswith("candle") else None
        if channel not in PUBLIC_CHANNELS and tf is None:
            if channel.startswith(("candle", "books")):
                self._error(conn, arg, 30016, "Param error", op)
            else:
                self._error(conn, arg, 30001, exists_msg, op)
            return
        product = normalize_product(inst_type)
        if product is None or not inst_id:
            self._error(conn, arg, 30001, exists_msg, op)
            return
        spec = self.market.instrument_spec(product, inst_id)
        if spec is None:
            listed = any(s.symbol == inst_id.upper() for s in self.market.specs)
            if not listed:
                self._error(conn, arg, 30001, exists_msg, op)
                return
            conn.send_json({"event": op, "arg": arg})  # a real symbol under the wrong instType: ack, then silence
            return
        key = (spec.product_type, spec.symbol)
        if op == "unsubscribe":
            chans = self._public.get(key, {}).get(conn, {})
            lst = chans.get(channel, [])
            if arg in lst:
                lst.remove(arg)
            elif lst:
                lst.pop()
            conn.send_json({"event": "unsubscribe", "arg": arg})
            return
        per_conn = self._public.setdefault(key, {}).setdefault(conn, {})
        args = per_conn.setdefault(channel, [])
        if arg not in args:
            args.append(arg)
        conn.send_json({"event": "subscribe", "arg": arg})
        self._initial_public(conn, spec, channel, tf, arg)

    def _private_op(self, conn: Conn, op: str, arg: dict[str, Any]) -> None:
        channel = str(arg.get("channel") or "")
        inst_type = str(arg.get("instType") or "")
        ident = str(arg.get("instId") or arg.get("coin") or "")
        if conn.key is None:
            self._error(conn, arg, 30004, "User needs to log in", op)
            return
        product = normalize_product(inst_type)
        if channel not in PRIVATE_CHANNELS or product is None or not ident:
            self._error(conn, arg, 30001, f"instType:{inst_type},channel:{channel},instId:{ident} doesn't exist", op)
            return
        sub_key = (channel, product, ident.upper())
        if op == "unsubscribe":
            conn.subs.pop(sub_key, None)
            conn.send_json({"event": "unsubscribe", "arg": arg})
            return
        conn.subs[sub_key] = arg
        conn.send_json({"event": "subscribe", "arg": arg})
        engine = self.sim.engine
        if engine is None or not hasattr(engine, "snapshot") or channel not in ("account", "positions", "orders"):
            return
        try:
            data = engine.snapshot(conn.key.api_key, channel, product)
        except Exception:  # the account may not exist for that product: nothing to show
            log.debug("no private snapshot for %s %s", channel, product, exc_info=True)
            return
        data = self._filter(data, ident)
        if data or channel in ("account", "positions"):
            conn.send(self._push("snapshot", arg, _dumps(data), self.sim.now()))

    # -- pushes -------------------------------------------------------------------------------------------------------
    @staticmethod
    def _push(action: str, arg: dict[str, Any], data_json: str, ts: int) -> str:
        return f'{{"action":"{action}","arg":{_dumps(arg)},"data":{data_json},"ts":{ts}}}'

    @staticmethod
    def _filter(data: list[dict[str, Any]], ident: str) -> list[dict[str, Any]]:
        if ident.lower() == "default":
            return data
        up = ident.upper()
        return [d for d in data if str(d.get("instId") or d.get("symbol") or d.get("coin") or
                                          d.get("marginCoin") or "").upper() == up]

    def _on_private(self, api_key: str, channel: str, inst_type: str, data_list: list[dict[str, Any]]) -> None:
        try:
            self._route_private(api_key, channel, inst_type, data_list)
        except Exception:  # a push problem must never fail the engine call that caused it
            log.exception("private push failed (%s %s)", channel, inst_type)

    def _route_private(self, api_key: str, channel: str, inst_type: str, data_list: list[dict[str, Any]]) -> None:
        self.uta.route(list(self.conns), api_key, channel, data_list)
        product = normalize_product(inst_type)
        ts = self.sim.now()
        for conn in list(self.conns):
            if not conn.private or conn.v3 or conn.key is None or conn.key.api_key != api_key:
                continue
            for (ch, p, ident), arg in list(conn.subs.items()):
                if ch != channel or p != product:
                    continue
                data = self._filter(data_list, ident)
                # `positions` is a full snapshot: "no open positions" is news too (the last one just closed).
                if data or channel == "positions":
                    self._send_private(conn, self._push("snapshot", arg, _dumps(data), ts))

    def _book_data(self, spec: InstrumentSpec, depth: int | None) -> dict[str, Any]:
        bids, asks, seq = self.market.book_strings(spec.product_type, spec.symbol, depth)
        d: dict[str, Any] = {"asks": asks, "bids": bids}
        if self.sim.config.book_checksum:
            d["checksum"] = 0
        d.update({"ts": str(self.market.now), "seq": seq, "pseq": 0})
        return d

    def _initial_public(self, conn: Conn, spec: InstrumentSpec, channel: str, tf: Timeframe | None,
                        arg: dict[str, Any]) -> None:
        ts = self.market.now
        data: str | None = None
        if channel == "books":
            data = _dumps([self._book_data(spec, None)])
        elif channel in ("books1", "books5", "books15"):
            data = _dumps([self._book_data(spec, int(channel[5:]))])
        elif channel == "ticker":
            data = _dumps([self._ticker(spec)])
        elif channel == "trade":
            trades = self.market.recent_trades(spec.product_type, spec.symbol, TRADE_SNAPSHOT)
            data = _dumps(self._trades(spec, trades))
        elif tf is not None:
            rows = self.market.candles(spec.product_type, spec.symbol, tf, None, None, CANDLE_SNAPSHOT)
            data = _dumps(_candle_rows(rows, spec))
        if data is not None:
            conn.send(self._push("snapshot", arg, v3_public_data(channel, data) if conn.v3 else data, ts))

    def _ticker(self, spec: InstrumentSpec) -> dict[str, str]:
        t = self.market.ticker(spec.product_type, spec.symbol)
        d = {"instId": spec.symbol, "lastPr": t["lastPr"], "open24h": t["open24h"], "high24h": t["high24h"],
             "low24h": t["low24h"], "change24h": t["change24h"], "bidPr": t["bidPr"], "askPr": t["askPr"],
             "bidSz": t["bidSz"], "askSz": t["askSz"], "baseVolume": t["baseVolume"], "quoteVolume": t["quoteVolume"],
             "openUtc": t["openUtc"], "changeUtc24h": t["changeUtc24h"]}
        if spec.is_futures:
            d.update({"fundingRate": t["fundingRate"], "nextFundingTime": t["nextFundingTime"],
                      "markPrice": t["markPrice"], "indexPrice": t["indexPrice"],
                      "holdingAmount": t["holdingAmount"], "symbolType": "1", "symbol": spec.symbol,
                      "deliveryPrice": "0"})
        d["ts"] = t["ts"]
        return d

    @staticmethod
    def _trades(spec: InstrumentSpec, trades: list[Trade]) -> list[dict[str, str]]:
        pp, sp = spec.price_places, spec.size_places
        return [{"ts": str(t.ts), "price": ticks_str(t.price, pp), "size": ticks_str(t.size, sp), "side": t.side,
                 "tradeId": t.trade_id} for t in trades]

    def _on_feed(self, events: list[FeedEvent]) -> None:
        for ev in events:
            subs = self._public.get((ev.spec.product_type, ev.spec.symbol))
            if not subs:
                continue
            try:
                self._fan_out(ev, subs)
            except Exception:
                log.exception("public push failed for %s", ev.spec.symbol)

    def _fan_out(self, ev: FeedEvent, subs: dict[Conn, dict[str, list[dict[str, Any]]]]) -> None:
        spec, ts = ev.spec, ev.ts
        cache: dict[str, str] = {}

        def payload(channel: str) -> str | None:
            if channel in cache:
                return cache[channel]
            out: str | None = None
            if channel == "books":
                if ev.book_update is not None:
                    bids, asks = ev.update_strings()
                    _, _, seq, pseq = ev.book_update
                    d: dict[str, Any] = {"asks": asks, "bids": bids}
                    if self.sim.config.book_checksum:
                        d["checksum"] = self.market.book_checksum(spec.product_type, spec.symbol)
                        if spec.symbol in self.sim.faults.corrupt_checksums:
                            self.sim.faults.corrupt_checksums.discard(spec.symbol)
                            d["checksum"] = d["checksum"] ^ 0x5A5A  # fault: a checksum the book cannot match
                    d.update({"ts": str(ts), "seq": seq, "pseq": pseq})
                    out = _dumps([d])
            elif channel in ("books1", "books5", "books15"):
                out = _dumps([self._book_data(spec, int(channel[5:]))])
            elif channel == "ticker":
                out = _dumps([self._ticker(spec)])
            elif channel == "trade":
                trades = ev.public_trades()
                if trades:
                    out = _dumps(self._trades(spec, list(reversed(trades))))
            else:
                tf = parse_ws_candle(channel)
                if tf is not None:
                    out = self._candle_update(spec, tf, channel, ts)
            cache[channel] = out  # type: ignore[assignment]
            return out

        v3_cache: dict[str, str] = {}
        for conn, chans in list(subs.items()):
            for channel, args in chans.items():
                if not args:
                    continue
                data = payload(channel)
                if data is None:
                    continue
                if conn.v3:
                    if channel not in v3_cache:
                        v3_cache[channel] = v3_public_data(channel, data)
                    data = v3_cache[channel]
                action = "update" if channel in ("books", "trade") or channel.startswith("candle") else "snapshot"
                for arg in args:
                    conn.send(self._push(action, arg, data, ts))

    def _candle_update(self, spec: InstrumentSpec, tf: Timeframe, channel: str, ts: int) -> str | None:
        """The forming candle; at a bucket rollover also the one just closed (so its final values are seen)."""
        key = (spec.product_type, spec.symbol, channel)
        start = tf.bucket_start(ts)
        last = self._candle_last.get(key)
        rows = self.market.candles(spec.product_type, spec.symbol, tf, None, None,
                                   2 if last is not None and last != start else 1)
        self._candle_last[key] = start
        if not len(rows):
            return None
        return _dumps(_candle_rows(rows, spec))


def _candle_rows(rows: Any, spec: InstrumentSpec) -> list[list[str]]:
    pp, sp = spec.price_places, spec.size_places
    out = []
    for r in rows:
        qv = f"{float(r[6]):.6f}".rstrip("0").rstrip(".") or "0"
        row = [str(int(r[0])), ticks_str(int(r[1]), pp), ticks_str(int(r[2]), pp), ticks_str(int(r[3]), pp),
               ticks_str(int(r[4]), pp), ticks_str(int(r[5]), sp), qv]
        if not spec.is_futures:
            row.append(qv)
        out.append(row)
    return out


__all__ += ["crc32_signed"]
