"""Hostile websocket frames through the real Router: nothing escapes, no stream dies, no book goes wrong.

Two generators: recorded pushes of every channel with one part replaced by a hostile value (or removed), and a
book session where valid updates (own checksum recipe, seq chain) are interleaved with broken ones; a reference
model of the book says what the router's book must hold whenever it is not stale.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import zlib
from decimal import Decimal
from typing import Any

import exchange_payloads
import orjson
import pytest
from hostile_values import HOSTILE, finite, json_paths, mutate
from hypothesis import HealthCheck, given, settings, strategies as st

from bitget_desktop.domain.market import ProductType
from bitget_desktop.exchange.stream import BookEvent, Push, Router, StreamError, Subscription


@functools.cache
def _recorded(name: str, family: str) -> Any:
    return exchange_payloads.load(name, family)


def load(name: str, family: str = "bitget") -> Any:
    return copy.deepcopy(_recorded(name, family))


def dumps(doc: Any) -> bytes:
    """JSON as a server might send it (big integers included, which orjson refuses to write)."""
    return json.dumps(doc).encode()


V2_PUSHES = [
    "ws_ticker_spot.json", "ws_ticker_usdt_futures.json", "ws_trade_spot_update.json", "ws_candle1m_spot_snapshot.json",
    "ws_account_spot_ccxt_comment.json", "ws_account_futures_ccxt_comment.json", "ws_fill_spot_ccxt_comment.json",
    "ws_fill_futures_ccxt_comment.json", "ws_fill_usdt_futures_docs.json", "ws_positions_snapshot_ccxt_comment.json",
    "ws_books5_spot_snapshot.json", "ws_books_snapshot_usdt_futures.json", "ws_books_spot_update.json",
]
V3_PUSHES = ["ws_private_account_push.json", "ws_private_fill_push.json", "ws_private_order_push.json",
             "ws_private_position_push.json"]
SENTINEL = Subscription.ticker(ProductType.SPOT, "SENTUSDT")


def _sentinel_frame(n: int) -> bytes:
    d = load("ws_ticker_spot.json")
    d["arg"]["instId"] = d["data"][0]["instId"] = "SENTUSDT"
    d["data"][0]["lastPr"] = str(100 + n)
    return orjson.dumps(d)


def _subscriptions(push: dict[str, Any]) -> list[Subscription]:
    arg = push["arg"]
    ident = arg.get("instId") or arg.get("coin") or "default"
    return [Subscription(arg["instType"], arg["channel"], ident)]


class Harness:
    """Routers (v2 public, v3 private) with every recorded push subscribed, plus a sentinel ticker."""

    def __init__(self) -> None:
        self.v2 = Router()
        self.v3 = Router(v3=True)
        self.events: list[Any] = []
        self.sentinel: list[Any] = []
        for name in V2_PUSHES:
            for sub in _subscriptions(load(name)):
                if sub.key not in {s.key for s in self.v2.subscriptions}:
                    self.v2.add(sub, self.events.append)
        for pt in (ProductType.SPOT, ProductType.USDT_FUTURES):
            for make in (Subscription.orders, Subscription.fills, Subscription.positions):
                self.v3.add(make(pt), self.events.append)
            self.v3.add(Subscription.account(pt), self.events.append)
        self.v2.add(SENTINEL, self.sentinel.append)

    def check_alive(self, n: int) -> None:
        before = len(self.sentinel)
        self.v2.feed(_sentinel_frame(n))
        assert len(self.sentinel) == before + 1, "the stream stopped delivering after a hostile frame"
        assert self.sentinel[-1].items[0].last == Decimal(100 + n)


hostile = st.sampled_from(HOSTILE)
mutation = st.tuples(
    st.sampled_from([(n, "bitget") for n in V2_PUSHES] + [(n, "bitget-v3") for n in V3_PUSHES]),
    st.integers(min_value=0, max_value=10_000), hostile, st.booleans(),
)
raw_garbage = st.one_of(
    st.binary(max_size=64),
    st.text(max_size=64),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8) | hostile,
                 lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
                     st.sampled_from(["action", "arg", "data", "ts", "event", "code", "msg", "topic"]) | st.text(
                         max_size=4), kids, max_size=5), max_leaves=12).map(dumps),
)


@settings(max_examples=2500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(st.one_of(mutation, raw_garbage), min_size=1, max_size=4))
def test_mutated_pushes_never_escape_nor_stop_the_stream(steps: list[Any]) -> None:
    h = Harness()
    for i, step in enumerate(steps):
        if isinstance(step, tuple):
            (name, family), pick, value, delete = step
            push = load(name, family)
            paths = json_paths(push)
            frame = dumps(mutate(push, paths[pick % len(paths)], value, delete))
            (h.v3 if family == "bitget-v3" else h.v2).feed(frame)
        else:
            h.v2.feed(step)
            h.v3.feed(step)
        for router in (h.v2, h.v3):  # the router's last guard caught nothing: every frame met a named check
            assert not router.last_drop_reason.startswith("unexpected"), router.last_drop_reason
        h.check_alive(i)
    for ev in h.events:
        if isinstance(ev, Push):
            assert finite(ev.items)
        if isinstance(ev, BookEvent) and not ev.book.stale:
            assert all(p.is_finite() and p > 0 and s.is_finite() and s > 0
                       for p, s in ev.book.bids() + ev.book.asks())


@pytest.mark.parametrize("frame,reason", [
    (b'{"action":"update","arg":"books","data":[]}', "arg of type str"),
    (b'{"action":"update","arg":{"instType":"SPOT","channel":"ticker","instId":"BTCUSDT"},"data":{"a":1}}',
     "ticker data of type dict"),
    (b'{"action":"snapshot","arg":{"instType":"SPOT","channel":"ticker","instId":"BTCUSDT"},"data":[],"ts":"abc"}',
     "ts 'abc'"),
    (b'{"action":"snapshot","arg":{"instType":"SPOT","channel":"ticker","instId":"BTCUSDT"},"data":[],"ts":"NaN"}',
     "ts 'NaN'"),
    (b'{"action":"update","arg":{"instType":"SPOT","channel":"books","instId":"BTCUSDT"},'
     b'"data":[{"bids":[["1","1"]],"asks":[],"seq":"x","pseq":"y"}]}', "seq is not an integer"),
    (b'[1,2]', "a JSON list"),
    (b'{"action":"snapshot","arg":{"instType":"SPOT","channel":"ticker","instId":"BTCUSDT"},'
     b'"data":[{"instId":"BTCUSDT","lastPr":"NaN"}]}', "undecodable ticker push"),
])
def test_each_issue_frame_is_dropped_counted_and_the_router_carries_on(frame: bytes, reason: str) -> None:
    router = Router()
    got: list[Any] = []
    book = Subscription.book(ProductType.SPOT, "BTCUSDT")
    router.add(Subscription.ticker(ProductType.SPOT, "BTCUSDT"), got.append)
    router.add(book, got.append)
    router.feed(orjson.dumps({"action": "snapshot", "arg": book.arg(),
                              "data": [{"bids": [["1", "1"]], "asks": [["2", "1"]], "seq": 1, "ts": "1"}]}))
    router.feed(frame)
    assert router.dropped_frames == 1 and reason in router.last_drop_reason
    router.feed(orjson.dumps(load("ws_ticker_spot.json")))
    assert isinstance(got[-1], Push) and got[-1].items[0].symbol == "BTCUSDT"


def test_a_nan_price_in_a_snapshot_never_becomes_a_level() -> None:
    router = Router()
    book = Subscription.book(ProductType.SPOT, "BTCUSDT", 5)
    got: list[Any] = []
    router.add(book, got.append)
    for bad in ("NaN", "Infinity", "-1", "1e999", "abc", ""):
        router.feed(orjson.dumps({"action": "snapshot", "arg": book.arg(),
                                  "data": [{"bids": [[bad, "1"], ["1", "1"]], "asks": [["2", "1"]], "ts": "1"}]}))
        ob = router.book(book)
        assert ob is not None and ob.stale and ob.bids() == [] and ob.asks() == []
        assert isinstance(got[-1], StreamError)
    assert router.dropped_frames == 6


# -- a book session: valid updates with a reference model, broken updates in between ----------------------------


def _signed_crc(text: str) -> int:
    c = zlib.crc32(text.encode())
    return c - (1 << 32) if c & (1 << 31) else c


class Model:
    """The book the exchange holds: price text -> size text, and its own checksum (top 25 interleaved)."""

    def __init__(self) -> None:
        self.bids: dict[str, str] = {}
        self.asks: dict[str, str] = {}
        self.seq = 1

    def apply(self, side: dict[str, str], levels: list[list[str]]) -> None:
        for p, s in levels:
            if Decimal(s) == 0:
                side.pop(p, None)
            else:
                side[p] = s

    def ordered(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        bids = sorted(self.bids.items(), key=lambda kv: -Decimal(kv[0]))
        asks = sorted(self.asks.items(), key=lambda kv: Decimal(kv[0]))
        return bids, asks

    def checksum(self) -> int:
        bids, asks = self.ordered()
        parts: list[str] = []
        for i in range(25):
            for side in (bids, asks):
                if i < len(side):
                    parts.append(f"{side[i][0]}:{side[i][1]}")
        return _signed_crc(":".join(parts))

    def levels(self) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        bids, asks = self.ordered()
        return ([(Decimal(p), Decimal(s)) for p, s in bids], [(Decimal(p), Decimal(s)) for p, s in asks])


bid_price = st.integers(min_value=900, max_value=999).map(lambda i: f"{i / 10:.1f}")
ask_price = st.integers(min_value=1001, max_value=1100).map(lambda i: f"{i / 10:.1f}")
size = st.sampled_from(["0", "0", "1", "2.5", "0.001", "17"])
valid_update = st.tuples(st.lists(st.tuples(bid_price, size), max_size=4),
                         st.lists(st.tuples(ask_price, size), max_size=4)).map(lambda t: ("valid", t))

def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _reads_as(v: Any) -> float | None:
    """The finite number a price or size field holds (text float() reads, or a JSON number), else None."""
    if not (isinstance(v, str) or _number(v)):
        return None
    try:
        f = float(v)
    except ValueError:
        return None
    return f if math.isfinite(f) else None


# Where a broken update is broken, and with what: only values that are wrong in that place (a positive number
# is a fine size, " 1" and "1_000" are numbers, a negative integer is a fine checksum, an absent seq is allowed).
_NOT_A_PRICE = [v for v in HOSTILE if v is not None and not ((_reads_as(v) or 0) > 0)]
_NOT_A_SIZE = [v for v in HOSTILE if v is not None and (_reads_as(v) is None or _reads_as(v) < 0)]
_NOT_AN_INT = [v for v in HOSTILE if v not in (None, "", "-1") and not _number(v)]
broken_update = st.one_of(
    st.tuples(st.just("price"), st.sampled_from(_NOT_A_PRICE)),
    st.tuples(st.just("size"), st.sampled_from(_NOT_A_SIZE)),
    st.tuples(st.sampled_from(["level", "bids"]), st.sampled_from([v for v in HOSTILE if v is not None])),
    st.tuples(st.sampled_from(["seq", "pseq", "checksum", "ts"]), st.sampled_from([*_NOT_AN_INT, 1.5, -3])),
).map(lambda t: ("broken", t))
# An envelope problem: the frame is dropped before it reaches the book, which stays whole.
broken_envelope = st.sampled_from([("arg", "books"), ("data", {"bids": []}), ("ts", "abc"), ("ts", "NaN"),
                                   ("action", 5), ("data", "x")]).map(lambda t: ("envelope", t))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(st.one_of(valid_update, valid_update, broken_update, broken_envelope), max_size=25))
def test_book_session_never_holds_a_wrong_book(steps: list[Any]) -> None:
    sub = Subscription.book(ProductType.USDT_FUTURES, "BTCUSDT")
    resubscribed: list[Subscription] = []
    router = Router(resubscribed.append)
    events: list[Any] = []
    router.add(sub, events.append)
    model = Model()
    model.apply(model.bids, [["99.0", "1"]])
    model.apply(model.asks, [["100.5", "1"]])

    def snapshot() -> None:
        bids, asks = model.ordered()
        router.feed(orjson.dumps({"action": "snapshot", "arg": sub.arg(), "ts": 1, "data": [
            {"bids": [list(b) for b in bids], "asks": [list(a) for a in asks], "seq": model.seq, "pseq": 0,
             "checksum": 0, "ts": "1"}]}))

    def update(bids: Any, asks: Any, **fields: Any) -> dict[str, Any]:
        d = {"bids": bids, "asks": asks, "seq": model.seq + 1, "pseq": model.seq, "ts": "2"}
        d.update(fields)
        return {"action": "update", "arg": sub.arg(), "ts": 2, "data": [d]}

    snapshot()
    book = router.book(sub)
    assert book is not None
    for kind, detail in steps:
        dropped = router.dropped_frames
        if kind == "valid":
            bids, asks = ([list(x) for x in side] for side in detail)
            model.apply(model.bids, bids)
            model.apply(model.asks, asks)
            router.feed(orjson.dumps(update(bids, asks, checksum=model.checksum())))
            model.seq += 1
        elif kind == "broken":
            where, value = detail
            level: Any = ["99.5", "3"]
            fields: dict[str, Any] = {}
            bids: Any = [level]
            if where == "price":
                level[0] = value
            elif where == "size":
                level[1] = value
            elif where == "level":
                bids = [value]
            elif where == "bids":
                bids = value if not isinstance(value, list) else "x"
            elif where == "checksum" and value == -3:
                fields[where] = 1.5
            else:
                fields[where] = value
            router.feed(dumps(update(bids, [], **fields)))
            assert router.dropped_frames == dropped + 1, (where, value)
            assert book.stale and resubscribed and resubscribed[-1] == sub
        else:
            field_name, value = detail
            frame = update([["99.5", "3"]], [], checksum=0)
            frame[field_name] = value
            router.feed(orjson.dumps(frame))
            assert router.dropped_frames == dropped + 1, detail
        if book.stale:  # what the server does on the resubscription
            snapshot()
        assert not book.stale
        assert (book.bids(), book.asks()) == model.levels()
    assert not router.last_drop_reason.startswith("unexpected")
