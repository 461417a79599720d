"""The v3 private websocket of the simulator (/v3/ws/private): unified-account topics over the engine's events.

Same connection machinery as v2 (simulator/ws.py: text ping/pong, login, rate and idle limits); what differs is
the subscription form — `{"instType": "UTA", "topic": "order" | "fill" | "position" | "account"}`, one
subscription for every category — and the payloads, which are rebuilt from the engine's records in the v3
layouts (simulator/uta_views.py) whenever the engine reports a change for a unified key.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import orjson

from bitget_desktop.simulator import uta_views as v3
from bitget_desktop.simulator.uta_api import assets_view, position_rows

if TYPE_CHECKING:
    from bitget_desktop.simulator.server import Simulator
    from bitget_desktop.simulator.ws import Conn

__all__ = ["UtaPrivateTopics", "TOPICS"]

log = logging.getLogger(__name__)

TOPICS = ("order", "fill", "position", "account")
# engine channel (v2 naming) -> v3 topic
_TOPIC_OF = {"orders": "order", "fill": "fill", "positions": "position", "account": "account"}


def _dumps(obj: Any) -> str:
    return orjson.dumps(obj).decode()


class UtaPrivateTopics:
    """Subscribe/unsubscribe and pushes of the v3 private topics for the hub's v3 connections."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    @property
    def engine(self) -> Any:
        return self.sim.engine

    # -- requests -----------------------------------------------------------------------------------------------------
    def op(self, conn: Conn, op: str, arg: dict[str, Any]) -> None:
        topic = str(arg.get("topic") or "")
        inst_type = str(arg.get("instType") or "")
        if conn.key is None:
            conn.send_json({"event": "error", "arg": arg, "code": 30004, "msg": "User needs to log in", "op": op})
            return
        if topic not in TOPICS or inst_type.upper() != "UTA":
            conn.send_json({"event": "error", "arg": arg, "code": 30001,
                            "msg": f"instType:{inst_type},topic:{topic} doesn't exist", "op": op})
            return
        sub_key = (topic, "UTA", "")
        if op == "unsubscribe":
            conn.subs.pop(sub_key, None)
            conn.send_json({"event": "unsubscribe", "arg": arg})
            return
        conn.subs[sub_key] = arg
        conn.send_json({"event": "subscribe", "arg": arg})
        if self.engine is None or conn.key.api_key not in self.engine.unified:
            return
        data = self._snapshot(conn, topic)
        if data is not None:
            conn.send(self._push(arg, data))

    def _snapshot(self, conn: Conn, topic: str) -> list[dict[str, Any]] | None:
        key = conn.key.api_key  # type: ignore[union-attr]
        acc = self.engine.account(key)
        if topic == "account":
            return [self._account(key)]
        if topic == "position":
            return self._positions(conn, key)
        if topic == "order":
            return [v3.order(o, ws=True) for o in acc.open_orders.values()]
        return None

    # -- pushes -------------------------------------------------------------------------------------------------------
    def _push(self, arg: dict[str, Any], data: list[dict[str, Any]]) -> str:
        return f'{{"action":"snapshot","arg":{_dumps(arg)},"data":{_dumps(data)},"ts":{self.sim.now()}}}'

    def _account(self, key: str) -> dict[str, Any]:
        a = assets_view(self.engine, key)
        return {
            "unrealisedPnL": a["unrealisedPnl"], "totalEquity": a["accountEquity"], "positionMgnRatio": "0",
            "mmr": a["mmr"], "effEquity": a["effEquity"], "imr": a["imr"], "mgnRatio": a["mgnRatio"],
            "coin": [{"debts": c["debt"], "balance": c["balance"], "available": c["available"], "borrow": "0",
                      "locked": c["locked"], "equity": c["equity"], "coin": c["coin"], "usdValue": c["usdValue"]}
                     for c in a["assets"]],
        }

    def _positions(self, conn: Conn, key: str) -> list[dict[str, Any]]:
        """Open positions; a position that closed since this connection's last push is sent once as `ended`."""
        rows = position_rows(self.engine, key, self.engine.UNIFIED_PRODUCT, ws=True)
        now_open = {(r["symbol"], r["posSide"]): r for r in rows}
        was_open: dict[tuple[str, str], dict[str, Any]] = conn.extra.get("positions", {})
        for ident, last in was_open.items():
            if ident not in now_open:
                rows.append({**last, "size": "0", "available": "0", "frozen": "0", "marginSize": "0",
                             "unrealisedPnl": "0", "positionStatus": "ended",
                             "updatedTime": str(self.sim.now())})
        conn.extra["positions"] = now_open
        return rows

    def route(self, conns: Iterable[Conn], api_key: str, channel: str, data_list: list[dict[str, Any]]) -> None:
        """One engine event (v2 naming and layout) -> the matching v3 topic push, rebuilt from the records."""
        topic = _TOPIC_OF.get(channel)
        engine = self.engine
        if topic is None or engine is None or api_key not in engine.unified:
            return
        targets = [c for c in conns if c.v3 and c.key is not None and c.key.api_key == api_key
                   and (topic, "UTA", "") in c.subs]
        if not targets:
            return
        acc = engine.account(api_key)
        for conn in targets:
            if topic == "order":
                data = [v3.order(acc.orders[d["orderId"]], ws=True) for d in data_list
                        if d.get("orderId") in acc.orders]
            elif topic == "fill":
                ids = {str(d.get("tradeId")) for d in data_list}
                data = []
                for f in reversed(acc.fills):
                    if f.trade_id in ids:
                        order = acc.orders.get(f.order_id)
                        hold = order.pos_side if order is not None and order.pos_side in ("long", "short") else ""
                        data.append(v3.fill(f, ws=True, hold_side=hold))
                        if len(data) == len(ids):
                            break
                data.reverse()
            elif topic == "position":
                data = self._positions(conn, api_key)
            else:
                data = [self._account(api_key)]
            if data:
                conn.send(self._push(conn.subs[(topic, "UTA", "")], data))


# -- public topics (/v3/ws/public) -----------------------------------------------------------------------------------

_PUBLIC_TOPICS = {"ticker": "ticker", "publicTrade": "trade", "books": "books", "books1": "books1",
                  "books5": "books5"}
KLINE_INTERVALS = ("1m", "3m", "5m", "15m", "30m", "1H", "4H", "6H", "12H", "1D")


def v3_public_fields(arg: dict[str, Any]) -> tuple[str, str, str]:
    """(v2 channel, instType, symbol) of a v3 public arg; channel "" when the topic is not served."""
    topic = str(arg.get("topic") or "")
    inst_type = str(arg.get("instType") or "")
    symbol = str(arg.get("symbol") or "")
    if topic == "kline":
        interval = str(arg.get("interval") or "")
        channel = f"candle{interval}" if interval in KLINE_INTERVALS else ""
    else:
        channel = _PUBLIC_TOPICS.get(topic, "")
    return channel, inst_type, symbol


def _ticker(d: dict[str, Any]) -> dict[str, Any]:
    out = {"lastPrice": d["lastPr"], "openPrice24h": d["open24h"], "highPrice24h": d["high24h"],
           "lowPrice24h": d["low24h"], "price24hPcnt": d["change24h"], "bid1Price": d["bidPr"],
           "bid1Size": d["bidSz"], "ask1Price": d["askPr"], "ask1Size": d["askSz"], "volume24h": d["baseVolume"],
           "turnover24h": d["quoteVolume"], "ts": d["ts"]}
    if "markPrice" in d:
        out.update({"markPrice": d["markPrice"], "indexPrice": d["indexPrice"], "fundingRate": d["fundingRate"],
                    "nextFundingTime": d["nextFundingTime"], "openInterest": d["holdingAmount"]})
    return out


def v3_public_data(channel: str, data_json: str) -> str:
    """A v2 public push's `data` (JSON text) in the v3 layout of the matching topic."""
    data = orjson.loads(data_json)
    if channel == "ticker":
        out: list[Any] = [_ticker(d) for d in data]
    elif channel == "trade":
        out = [{"p": t["price"], "v": t["size"], "S": t["side"], "T": t["ts"], "i": t["tradeId"], "L": t["tradeId"],
                "isRPI": "no"} for t in data]
    elif channel.startswith("books"):
        # v3 books carry seq/pseq but no checksum
        out = [{"a": d["asks"], "b": d["bids"], "seq": d["seq"], "pseq": d["pseq"], "ts": d["ts"]} for d in data]
    elif channel.startswith("candle"):
        out = [{"start": r[0], "open": r[1], "high": r[2], "low": r[3], "close": r[4], "volume": r[5],
                "turnover": r[6]} for r in data]
    else:
        out = data
    return _dumps(out)
