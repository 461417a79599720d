"""Hostile REST answers through the real client and transport: a typed value or a typed error, nothing else.

A fake Bitget on 127.0.0.1 answers every request with a generated answer: a recorded answer of that endpoint with
one part swapped for a hostile value, another body altogether, a garbled envelope, an HTML page, a truncated
body, under any of a dozen HTTP statuses. Place-order additionally must never call a garbled answer a failure:
it is resolved by the clientOid lookup (answered "found" or "absent" by the fake), exactly like a timeout.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import random
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import exchange_payloads
import orjson
import pytest
from aiohttp import web
from hostile_values import HOSTILE, finite, json_paths, mutate
from hypothesis import HealthCheck, given, settings, strategies as st

from bitget_desktop.domain.book import OrderBook
from bitget_desktop.domain.errors import CODES, BitgetError, ExchangeUnavailable, UncertainOrderState
from bitget_desktop.domain.market import ProductType
from bitget_desktop.domain.trading import OrderRequest, OrderType, Side
from bitget_desktop.exchange.classic import codec
from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.environments import local
from bitget_desktop.exchange.models import OrderAck
from bitget_desktop.exchange.ratelimit import RateLimiter
from bitget_desktop.exchange.signing import Credentials

SPOT, USDT = ProductType.SPOT, ProductType.USDT_FUTURES
TIME_PATH = "/api/v2/public/time"
LOOKUP_PATHS = ("/api/v2/spot/trade/orderInfo", "/api/v3/trade/order-info")
PLACE_PATHS = ("/api/v2/spot/trade/place-order", "/api/v3/trade/place-order")


@functools.cache
def _recorded(name: str) -> Any:
    family, _, file = name.partition("/")
    return exchange_payloads.load(file, family)


def recorded(name: str) -> Any:
    return copy.deepcopy(_recorded(name))


Call = Callable[[BitgetClient], Awaitable[Any]]
# (client family, recorded answer of the endpoint, the call)
CALLS: list[tuple[str, str, Call]] = [
    ("classic", "bitget/spot_market_tickers.json", lambda c: c.ticker(SPOT, "BTCUSDT")),
    ("classic", "bitget/spot_market_tickers.json", lambda c: c.tickers(SPOT)),
    ("classic", "bitget/spot_market_candles.json", lambda c: c.candles(SPOT, "BTCUSDT", "1m")),
    ("classic", "bitget/mix_market_candles_usdt_futures.json", lambda c: c.candles(USDT, "BTCUSDT", "1H")),
    ("classic", "bitget/spot_market_orderbook.json", lambda c: c.order_book(SPOT, "BTCUSDT")),
    ("classic", "bitget/spot_public_symbols.json", lambda c: c.spot_instruments()),
    ("classic", "bitget/mix_market_contracts_usdt_futures.json", lambda c: c.futures_instruments(USDT)),
    ("classic", "bitget/mix_market_current_fund_rate.json", lambda c: c.funding_rate(USDT, "BTCUSDT")),
    ("classic", "bitget/spot_account_assets.json", lambda c: c.spot_balances()),
    ("classic", "bitget/mix_position_all_position.json", lambda c: c.positions(USDT)),
    ("classic", "bitget/mix_account_account.json", lambda c: c.futures_account(USDT, "BTCUSDT", "USDT")),
    ("classic", "bitget/mix_account_account.json", lambda c: c.position_mode(USDT)),
    ("classic", "bitget/spot_trade_unfilled_orders.json", lambda c: c.spot_open_orders()),
    ("classic", "bitget/spot_trade_history_orders.json", lambda c: c.spot_order_history()),
    ("classic", "bitget/mix_order_orders_history.json", lambda c: c.futures_order_history(USDT)),
    ("classic", "bitget/mix_order_fills.json", lambda c: c.futures_fills(USDT)),
    ("classic", "bitget/spot_trade_fills.json", lambda c: c.spot_fills("BTCUSDT")),
    ("classic", "bitget/mix_order_detail_market_open_long.json",
     lambda c: c.futures_order(USDT, "BTCUSDT", order_id="1")),
    ("unified", "bitget-v3/rest_market_tickers_futures.json", lambda c: c.tickers(USDT)),
    ("unified", "bitget-v3/rest_market_candles.json", lambda c: c.candles(USDT, "BTCUSDT", "1m")),
    ("unified", "bitget-v3/rest_market_orderbook.json", lambda c: c.order_book(USDT, "BTCUSDT")),
    ("unified", "bitget-v3/rest_market_instruments_usdt_futures.json", lambda c: c.futures_instruments(USDT)),
    ("unified", "bitget-v3/rest_position_current_position.json", lambda c: c.positions(USDT)),
    ("unified", "bitget-v3/rest_trade_unfilled_orders.json", lambda c: c.spot_open_orders()),
    ("unified", "bitget-v3/rest_trade_fills.json", lambda c: c.futures_fills(USDT)),
    ("unified", "bitget-v3/rest_account_settings.json", lambda c: c.unified_settings()),
    ("unified", "bitget-v3/rest_account_assets.json", lambda c: c.unified_assets()),
    ("unified", "bitget-v3/rest_account_assets.json", lambda c: c.spot_balances()),
    ("unified", "bitget-v3/rest_trade_cancel_order.json", lambda c: c.cancel_spot_order("BTCUSDT", order_id="1")),
]

STATUSES = [200] * 8 + [201, 301, 302, 307, 400, 401, 403, 404, 429, 500, 502, 503]


class FakeBitget:
    """An aiohttp server that answers what the test sets: `answer` for the endpoint under test, `lookup` for order
    lookups, a correct server time always (so private calls get past their clock sync)."""

    def __init__(self) -> None:
        self.answer: tuple[int, bytes, int | None] = (200, b"{}", None)
        self.lookup: tuple[int, bytes] = (200, b"{}")
        self.places = 0
        self.oids: set[str] = set()  # the clientOids place-order was sent with
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if request.path == TIME_PATH:
            body = {"code": "00000", "msg": "success", "requestTime": 1, "data": {"serverTime": str(_now_ms())}}
            return web.Response(body=json.dumps(body).encode(), content_type="application/json")
        if request.path in LOOKUP_PATHS:
            status, raw = self.lookup
            return web.Response(status=status, body=raw, content_type="application/json")
        if request.path in PLACE_PATHS:
            self.places += 1
            self.oids.add(json.loads(body)["clientOid"])
        status, raw, cut = self.answer
        if cut is None:
            headers = {"Location": "http://127.0.0.1:9/elsewhere"} if 300 <= status < 400 else None
            return web.Response(status=status, body=raw, content_type="application/json", headers=headers)
        # A body cut short by the connection closing: the declared length is never reached.
        resp = web.StreamResponse(status=status)
        resp.content_length = len(raw)
        await resp.prepare(request)
        await resp.write(raw[:cut])
        assert request.transport is not None
        request.transport.close()
        return resp

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self.runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _client(url: str, family: str) -> BitgetClient:
    c = BitgetClient(local(url), Credentials("k", "s", "p"), family=family, timeout=2.0, get_retries=1,
                     retry_initial_delay=0.0005, resolve_attempts=2, resolve_initial_delay=0.0005,
                     resolve_settle=0.0, rng=random.Random(3))
    c.rest.limiter = RateLimiter({}, default_rate=1e9)
    return c


# -- generated answers -------------------------------------------------------------------------------------------

hostile = st.sampled_from(HOSTILE)
json_value = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=6) | hostile,
                          lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids,
                                                                                      max_size=3), max_leaves=8)
code = st.sampled_from(["00000", "00000", "40009", "43012", "40015", "40786", "429", "1001", "40008", "99999", "abc",
                        "", 0, 43012, None, True, [], {"a": 1}])


@st.composite
def answers(draw: st.DrawFn, template: Any) -> tuple[int, bytes, int | None]:
    """(status, body, cut-at) for an endpoint whose recorded answer is `template`."""
    status = draw(st.sampled_from(STATUSES))
    kind = draw(st.sampled_from(["mutated", "mutated", "mutated", "data", "envelope", "raw", "cut"]))
    if kind == "mutated":
        paths = json_paths(template["data"])
        doc = template
        if paths:
            path = paths[draw(st.integers(0, len(paths) - 1))]
            doc = {**template, "data": mutate(copy.deepcopy(template["data"]), path, draw(hostile),
                                               draw(st.booleans()))}
        return status, json.dumps(doc).encode(), None
    if kind == "data":
        return status, json.dumps({"code": "00000", "msg": "success", "requestTime": 1,
                                   "data": draw(json_value)}).encode(), None
    if kind == "envelope":
        doc = {"code": draw(code), "msg": draw(st.one_of(st.text(max_size=10), hostile)),
               "requestTime": draw(st.one_of(st.integers(0, 2**40), hostile)), "data": draw(json_value)}
        for key in draw(st.sets(st.sampled_from(["code", "msg", "requestTime", "data"]), max_size=2)):
            del doc[key]
        return status, json.dumps(doc).encode(), None
    full = json.dumps(template).encode()
    if kind == "cut":
        return status, full, draw(st.integers(0, max(0, len(full) - 1)))
    raw = draw(st.sampled_from([b"", b"null", b"[]", b"<html><body>502 Bad Gateway</body></html>", b"\xff\xfe",
                                full[: len(full) // 2], b'{"code":"00000","data":', b"{}"]))
    return status, raw, None


def _check_value(value: Any) -> None:
    """A value a call returned is domain-shaped: no NaN or Infinity anywhere, a book fit to show."""
    assert finite(value)
    if isinstance(value, OrderBook):
        assert all(p.is_finite() and p > 0 and s.is_finite() and s > 0 for p, s in value.bids() + value.asks())


def _run_examples(test: Callable[[asyncio.AbstractEventLoop, FakeBitget, dict[str, BitgetClient]], None]) -> None:
    """Run a hypothesis test body on one event loop with one fake server and two clients (classic, unified)."""
    loop = asyncio.new_event_loop()
    fake = FakeBitget()
    loop.run_until_complete(fake.start())
    clients = {f: _client(fake.url, f) for f in ("classic", "unified")}
    try:
        test(loop, fake, clients)
    finally:
        for c in clients.values():
            loop.run_until_complete(c.close())
        loop.run_until_complete(fake.stop())
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()


def test_every_answer_becomes_a_value_or_a_typed_error() -> None:
    outcomes = {"value": 0, "typed error": 0}

    def body(loop: asyncio.AbstractEventLoop, fake: FakeBitget, clients: dict[str, BitgetClient]) -> None:
        @settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
        @given(data=st.data(), which=st.integers(0, len(CALLS) - 1))
        def one(data: st.DataObject, which: int) -> None:
            family, fixture, call = CALLS[which]
            fake.answer = data.draw(answers(recorded(fixture)))
            try:
                value = loop.run_until_complete(call(clients[family]))
            except BitgetError:
                outcomes["typed error"] += 1
                return
            outcomes["value"] += 1
            _check_value(value)

        one()

    _run_examples(body)
    assert outcomes["value"] > 100 and outcomes["typed error"] > 100, outcomes


# -- place-order ------------------------------------------------------------------------------------------------


def _instrument() -> Any:
    """BTCUSDT spot from the recorded symbols answer."""
    symbols = codec.parse_spot_symbols(recorded("bitget/spot_public_symbols.json")["data"])
    return next(i for i in symbols if i.symbol == "BTCUSDT")


def _clean(status: int, raw: bytes, cut: int | None, client_oid: str) -> str:
    """What the answer says, decided here without the client's code: "ack", "refused" or "unknown"."""
    if cut is not None:
        return "unknown"
    try:
        doc = orjson.loads(raw)  # a body a strict reader cannot read (an integer over 64 bits...) tells nothing
    except orjson.JSONDecodeError:
        doc = None
    if isinstance(doc, dict) and "code" in doc:
        c = doc["code"]
        if isinstance(c, bool) or not isinstance(c, (str, int)):
            return "unknown"
        if str(c) == "00000":
            rt = doc.get("requestTime")
            data = doc.get("data")
            oid = data.get("orderId") if isinstance(data, dict) else None
            echoed = data.get("clientOid") if isinstance(data, dict) else None
            named = (isinstance(oid, str) and oid.strip()) or (type(oid) is int and oid > 0)
            ok = (status < 300 and (rt is None or (isinstance(rt, (str, int)) and not isinstance(rt, bool)))
                  and named
                  and (not echoed or str(echoed) == client_oid))
            return "ack" if ok else "unknown"
        known = CODES.get(str(c))
        if known is not None:  # Bitget's code decides; "system error" / maintenance say nothing of the order
            return "unknown" if known[0] is ExchangeUnavailable else "refused"
        return "unknown" if status >= 500 else "refused"
    return "refused" if status in (401, 403, 429) else "unknown"


def test_place_order_never_calls_a_garbled_answer_a_failure() -> None:
    inst = _instrument()
    seen: dict[str, int] = {}

    def body(loop: asyncio.AbstractEventLoop, fake: FakeBitget, clients: dict[str, BitgetClient]) -> None:
        @settings(max_examples=1200, deadline=None, suppress_health_check=list(HealthCheck))
        @given(data=st.data(), family=st.sampled_from(["classic", "unified"]), found=st.booleans())
        def one(data: st.DataObject, family: str, found: bool) -> None:
            req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size=Decimal("0.01"),
                                     price=Decimal("10000"))
            if family == "classic":
                template = recorded("bitget/spot_trade_place_order.json")
                order = recorded("bitget/spot_trade_order_info.json")
                order["data"][0]["clientOid"] = req.client_oid
                absent: Any = {"code": "00000", "msg": "success", "requestTime": 1, "data": []}
            else:
                template = recorded("bitget-v3/rest_trade_place_order.json")
                order = recorded("bitget-v3/rest_trade_order_info.json")
                order["data"]["clientOid"] = req.client_oid
                absent = {"code": "00000", "msg": "success", "requestTime": 1, "data": None}
            template["data"]["clientOid"] = req.client_oid
            fake.answer = status, raw, cut = data.draw(answers(template))
            fake.lookup = (200, json.dumps(order if found else absent).encode())
            expected = _clean(status, raw, cut, req.client_oid)
            fake.places = 0
            fake.oids.clear()
            try:
                ack = loop.run_until_complete(clients[family].place_spot_order(req))
            except UncertainOrderState:
                outcome = "uncertain"
            except BitgetError:
                outcome = "refused"
            else:
                assert isinstance(ack, OrderAck) and ack.order_id
                outcome = "ack"
            seen[f"{expected}->{outcome}"] = seen.get(f"{expected}->{outcome}", 0) + 1
            if expected == "ack":
                assert outcome == "ack" and fake.places == 1
            elif expected == "refused":
                assert outcome == "refused"
            else:  # looked up: found -> its ack; absent -> re-sent with the same clientOid, then uncertain
                assert outcome == ("ack" if found else "uncertain"), (status, raw[:80], cut)
                assert fake.places == 1 or not found
            # However often it went out (a 429 is retried, a confirmed absence re-sent), it is the same order.
            assert fake.oids == {req.client_oid}

        one()

    _run_examples(body)
    assert seen.get("unknown->ack", 0) > 50 and seen.get("unknown->uncertain", 0) > 50, seen


@pytest.mark.parametrize("raw", [
    b'{"code":"00000","msg":"success","requestTime":1,"data":{"orderId":"1", "clientOid":', b"<html>oops</html>",
    b'{"msg":"success","data":{"orderId":"1"}}', b'{"code":"00000","data":[{"orderId":"1"}]}',
    b'{"code":"00000","data":"1"}', b'{"code":"00000","data":null}', b'{"code":"00000","data":{"clientOid":"x"}}',
])
def test_each_garbled_place_answer_of_the_issue_is_looked_up(raw: bytes) -> None:
    inst = _instrument()

    def body(loop: asyncio.AbstractEventLoop, fake: FakeBitget, clients: dict[str, BitgetClient]) -> None:
        req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size=Decimal("0.01"),
                                 price=Decimal("10000"))
        order = recorded("bitget/spot_trade_order_info.json")
        order["data"][0]["clientOid"] = req.client_oid
        fake.answer = (200, raw, None)
        fake.lookup = (200, json.dumps(order).encode())
        ack = loop.run_until_complete(clients["classic"].place_spot_order(req))
        assert ack.order_id == order["data"][0]["orderId"] and ack.client_oid == req.client_oid

    _run_examples(body)


def test_a_lookup_answering_with_another_order_is_no_answer() -> None:
    """The lookup must find *our* clientOid: another order in the answer leaves the outcome unknown."""
    inst = _instrument()

    def body(loop: asyncio.AbstractEventLoop, fake: FakeBitget, clients: dict[str, BitgetClient]) -> None:
        req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size=Decimal("0.01"),
                                 price=Decimal("10000"))
        fake.answer = (502, b"<html>Bad Gateway</html>", None)
        fake.lookup = (200, json.dumps(recorded("bitget/spot_trade_order_info.json")).encode())  # someone else's
        with pytest.raises(UncertainOrderState):
            loop.run_until_complete(clients["classic"].place_spot_order(req))

    _run_examples(body)
