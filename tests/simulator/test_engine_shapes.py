"""The engine's REST and websocket payloads carry the field names and JSON types of real Bitget captures."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from bitget_desktop.simulator import instruments, views
from bitget_desktop.simulator.engine import Engine

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bitget"
KEY = "bg_shapes"


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text())


def first(name: str) -> dict:
    data = fixture(name)["data"]
    if isinstance(data, dict) and "entrustedList" in data:
        return data["entrustedList"][0]
    if isinstance(data, dict) and "fillList" in data:
        return data["fillList"][0]
    return data[0] if isinstance(data, list) else data


def types(d: dict) -> dict:
    return {k: type(v).__name__ for k, v in d.items() if v is not None}


def assert_like(ours: dict, real: dict, *, ignore_types: tuple[str, ...] = ()) -> None:
    missing = set(real) - set(ours)
    assert not missing, f"missing fields {sorted(missing)}"
    for k, t in types(real).items():
        if k in ignore_types or ours.get(k) is None:
            continue
        assert type(ours[k]).__name__ == t, (k, ours[k], t)


class Market:
    def instrument_spec(self, product, symbol):
        return instruments.spec(str(product), symbol)

    def book(self, product, symbol):
        return ([(D("49990"), D("5"))], [(D("50010"), D("5"))])

    def mark_price(self, product, symbol):
        return D("50000")


@pytest.fixture
def filled():
    engine = Engine(Market(), iter(range(1_700_000_000_000, 1_800_000_000_000)).__next__)
    events: list = []
    engine.add_listener(lambda k, ch, it, data: events.append((ch, it, data)))
    spot = engine.spot_place(KEY, "BTCUSDT", "buy", "market", "1000", client_oid="s1")
    resting = engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.01", "40000")
    fut = engine.futures_place(KEY, "USDT-FUTURES", "BTCUSDT", "buy", "market", "0.1", preset_tp="60000")
    return engine, events, spot, resting, fut


def test_spot_rest_shapes(filled) -> None:
    engine, _, spot, resting, _ = filled
    assert_like(views.spot_order(spot, "BTC", "USDT"), first("spot_trade_order_info.json"))
    assert_like(views.spot_order(spot, "BTC", "USDT"), first("spot_trade_history_orders.json"))
    assert_like(views.spot_open_order(resting), first("spot_trade_unfilled_orders.json"))
    assert_like(views.spot_fill(engine.fills(KEY, "SPOT")[0]), first("spot_trade_fills.json"))
    assert_like(views.spot_balance(engine.account(KEY).spot["USDT"]), first("spot_account_assets.json"))
    fee_detail = views.spot_order(spot)["feeDetail"]
    assert isinstance(fee_detail, str) and json.loads(fee_detail)["BTC"]["feeCoinCode"] == "BTC"


def test_mix_rest_shapes(filled) -> None:
    engine, _, _, _, fut = filled
    detail = views.mix_order(fut, detail=True)
    assert_like(detail, first("mix_order_detail_market_open_long.json"))
    assert "feeDetail" not in detail and detail["state"] == "filled"
    assert_like(views.mix_order(fut, detail=False), first("mix_order_orders_history.json"))
    fill = views.mix_fill(engine.fills(KEY, "USDT-FUTURES")[0])
    assert_like(fill, first("mix_order_fills.json"))
    acc = engine.account(KEY)
    fb = engine.futures_book(KEY, "USDT-FUTURES")
    [pos] = engine.position_views(acc, fb, ws=False)
    assert_like(pos, first("mix_position_all_position.json"))


def test_ws_shapes(filled) -> None:
    _, events, *_ = filled
    by = {}
    for ch, it, data in events:
        if data:
            by.setdefault((ch, it), data[-1])
    assert_like(by[("fill", "SPOT")], fixture("ws_fill_spot_ccxt_comment.json")["data"][0])
    assert_like(by[("fill", "USDT-FUTURES")], fixture("ws_fill_futures_ccxt_comment.json")["data"][0])
    assert_like(by[("fill", "USDT-FUTURES")], fixture("ws_fill_usdt_futures_docs.json")["data"][0])
    assert_like(by[("positions", "USDT-FUTURES")], fixture("ws_positions_snapshot_ccxt_comment.json")["data"][0])
    assert_like(by[("account", "SPOT")], fixture("ws_account_spot_ccxt_comment.json")["data"][0])
    assert_like(by[("account", "USDT-FUTURES")], fixture("ws_account_futures_ccxt_comment.json")["data"][0])
    spot_order = by[("orders", "SPOT")]
    for k in ("instId", "orderId", "clientOid", "size", "newSize", "notional", "orderType", "force", "side",
              "accBaseVolume", "priceAvg", "status", "cTime", "uTime", "feeDetail", "enterPointSource"):
        assert k in spot_order
    fut_order = by[("orders", "USDT-FUTURES")]
    for k in ("instId", "orderId", "clientOid", "price", "size", "notionalUsd", "orderType", "force", "side",
              "posSide", "posMode", "tradeSide", "marginCoin", "marginMode", "leverage", "reduceOnly",
              "accBaseVolume", "priceAvg", "status", "totalProfits", "presetStopSurplusPrice", "presetStopLossPrice",
              "feeDetail", "cTime", "uTime"):
        assert k in fut_order
    assert fut_order["reduceOnly"] in ("yes", "no") and fut_order["status"] in ("live", "partially_filled", "filled",
                                                                               "canceled")


def test_mix_status_spelling(filled) -> None:
    engine, events, *_ = filled
    o = engine.futures_place(KEY, "USDT-FUTURES", "BTCUSDT", "buy", "limit", "0.1", "40000")
    engine.futures_cancel(KEY, "USDT-FUTURES", "BTCUSDT", order_id=o.order_id)
    assert views.mix_order(o, detail=True)["state"] == "canceled"
    assert views.mix_order(o, detail=False)["status"] == "canceled"
    assert events[-2][2][0]["status"] == "canceled" or any(
        d.get("status") == "canceled" for ch, _, data in events if ch == "orders" for d in data)
    s = engine.spot_place(KEY, "BTCUSDT", "sell", "limit", "0.01", "90000")
    engine.spot_cancel(KEY, "BTCUSDT", order_id=s.order_id)
    assert views.spot_order(s)["status"] == "cancelled"


def test_ws_positions_is_full_snapshot_per_product(filled) -> None:
    engine, events, *_ = filled
    engine.futures_place(KEY, "USDT-FUTURES", "ETHUSDT", "sell", "market", "1")
    last = [data for ch, it, data in events if ch == "positions"][-1]
    assert sorted((d["instId"], d["holdSide"]) for d in last) == [("BTCUSDT", "long"), ("ETHUSDT", "short")]
    assert isinstance(last[0]["leverage"], int)
    engine.close_positions(KEY, "USDT-FUTURES", "BTCUSDT")
    last = [data for ch, it, data in events if ch == "positions"][-1]
    assert [d["instId"] for d in last] == ["ETHUSDT"]


def test_snapshot_for_new_subscribers(filled) -> None:
    engine, *_ = filled
    assert {d["coin"] for d in engine.snapshot(KEY, "account", "SPOT")} >= {"USDT", "BTC"}
    assert engine.snapshot(KEY, "account", "USDT-FUTURES")[0]["marginCoin"] == "USDT"
    assert len(engine.snapshot(KEY, "positions", "USDT-FUTURES")) == 1
    assert len(engine.snapshot(KEY, "orders", "SPOT")) == 1
