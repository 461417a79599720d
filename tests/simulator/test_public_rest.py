"""Public REST endpoints: Bitget envelope, the same keys and JSON types as the real captures, parameter errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bitget"  # vendored copies of the real captures


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def assert_envelope(body: Any) -> Any:
    assert set(body) == {"code", "msg", "requestTime", "data"}
    assert body["code"] == "00000" and body["msg"] == "success"
    assert isinstance(body["requestTime"], int)
    return body["data"]


def assert_same_shape(actual: Any, model: Any, path: str = "data") -> None:
    """Same keys and JSON types, recursively (lists: every element against the model's first element)."""
    if isinstance(model, dict):
        assert isinstance(actual, dict), path
        assert set(actual) == set(model), f"{path}: extra {set(actual) - set(model)} missing {set(model) - set(actual)}"
        for k, v in model.items():
            if v is not None:
                assert_same_shape(actual[k], v, f"{path}.{k}")
    elif isinstance(model, list):
        assert isinstance(actual, list), path
        if model:
            assert actual, f"{path}: empty"
            for i, a in enumerate(actual):
                assert_same_shape(a, model[0], f"{path}[{i}]")
    else:
        assert type(actual) is type(model), f"{path}: {type(actual).__name__} != {type(model).__name__}"


async def test_public_time(http, sim):
    status, body = await http.get("/api/v2/public/time")
    assert status == 200
    data = assert_envelope(body)
    assert_same_shape(data, fixture("public_time.json")["data"])
    assert abs(int(data["serverTime"]) - body["requestTime"]) < 1000


@pytest.mark.parametrize("path,query,fx", [
    ("/api/v2/spot/public/symbols", "", "spot_public_symbols.json"),
    ("/api/v2/spot/market/tickers", "", "spot_market_tickers.json"),
    ("/api/v2/spot/market/tickers", "symbol=BTCUSDT", "spot_market_tickers.json"),
    ("/api/v2/spot/market/orderbook", "symbol=BTCUSDT&limit=20", "spot_market_orderbook.json"),
    ("/api/v2/spot/market/candles", "symbol=BTCUSDT&granularity=1min&limit=5", "spot_market_candles.json"),
    ("/api/v2/spot/market/candles", "symbol=ETHUSDT&granularity=1h&limit=5", "spot_market_candles.json"),
    ("/api/v2/spot/market/history-candles", "symbol=BTCUSDT&granularity=1min&endTime={now}&limit=5",
     "spot_market_history_candles.json"),
    ("/api/v2/spot/market/fills-history", "symbol=BTCUSDT&limit=5", "spot_market_fills_history.json"),
    ("/api/v2/mix/market/contracts", "productType=USDT-FUTURES", "mix_market_contracts_usdt_futures.json"),
    ("/api/v2/mix/market/candles", "symbol=BTCUSDT&productType=USDT-FUTURES&granularity=1m&limit=5",
     "mix_market_candles_usdt_futures.json"),
    ("/api/v2/mix/market/candles", "symbol=BTCUSDT&productType=USDT-FUTURES&granularity=1H&kLineType=MARK&limit=5",
     "mix_market_candles_usdt_futures.json"),
    ("/api/v2/mix/market/history-candles", "symbol=SOLUSDT&productType=usdt-futures&granularity=5m&limit=5",
     "mix_market_history_candles.json"),
    ("/api/v2/mix/market/history-mark-candles", "symbol=BTCUSDT&productType=USDT-FUTURES&granularity=1m&limit=5",
     "mix_market_history_candles.json"),
    ("/api/v2/mix/market/history-index-candles", "symbol=BTCUSDT&productType=USDT-FUTURES&granularity=1m&limit=5",
     "mix_market_history_candles.json"),
    ("/api/v2/mix/market/current-fund-rate", "symbol=BTCUSDT&productType=USDT-FUTURES",
     "mix_market_current_fund_rate.json"),
    ("/api/v2/mix/market/funding-time", "symbol=BTCUSDT&productType=USDT-FUTURES", "mix_market_funding_time.json"),
    ("/api/v2/mix/market/history-fund-rate", "symbol=BTCUSDT&productType=USDT-FUTURES&pageSize=5",
     "mix_market_history_fund_rate.json"),
    ("/api/v2/mix/market/query-position-lever", "symbol=BTCUSDT&productType=USDT-FUTURES",
     "mix_market_query_position_lever_btcusdt.json"),
])
async def test_shapes_match_real_captures(http, sim, path, query, fx):
    status, body = await http.get(path, query.format(now=sim.now()))
    assert status == 200, body
    assert_same_shape(assert_envelope(body), fixture(fx)["data"])


async def test_other_public_endpoints(http):
    _, body = await http.get("/api/v2/spot/public/coins")
    coins = assert_envelope(body)
    assert {c["coin"] for c in coins} >= {"USDT", "BTC", "ETH", "SOL"}
    assert all(c["chains"] and isinstance(c["chains"][0]["withdrawFee"], str) for c in coins)
    _, body = await http.get("/api/v2/margin/currencies")
    assert assert_envelope(body) == []
    _, body = await http.get("/api/v2/spot/market/merge-depth", "symbol=BTCUSDT&limit=15")
    d = assert_envelope(body)
    assert set(d) == {"asks", "bids", "ts", "scale", "precision", "isMaxPrecision"}
    assert len(d["asks"]) == 15 and all(isinstance(x, str) for lvl in d["asks"] for x in lvl)
    _, body = await http.get("/api/v2/spot/market/merge-depth", "symbol=BTCUSDT&precision=scale2&limit=5")
    merged = assert_envelope(body)
    assert merged["precision"] == "scale2" and len(merged["bids"]) == 5
    assert all(float(p) == round(float(p)) for p, _ in merged["bids"])  # 0.01 tick -> 1.0 steps
    _, body = await http.get("/api/v2/spot/market/fills", "symbol=SOLUSDT&limit=3")
    fills = assert_envelope(body)
    assert len(fills) == 3 and set(fills[0]) == {"symbol", "tradeId", "side", "price", "size", "ts"}
    assert fills[0]["side"] in ("buy", "sell") and int(fills[0]["ts"]) >= int(fills[-1]["ts"])


async def test_mix_market_endpoints(http, sim):
    q = "symbol=BTCUSDT&productType=USDT-FUTURES"
    _, body = await http.get("/api/v2/mix/market/ticker", q)
    [t] = assert_envelope(body)
    assert set(t) == {"symbol", "lastPr", "askPr", "bidPr", "bidSz", "askSz", "high24h", "low24h", "ts", "change24h",
                      "baseVolume", "quoteVolume", "usdtVolume", "openUtc", "changeUtc24h", "indexPrice",
                      "fundingRate", "holdingAmount", "deliveryStartTime", "deliveryTime", "deliveryStatus",
                      "open24h", "markPrice"}
    assert all(isinstance(v, str) for v in t.values())
    assert float(t["bidPr"]) < float(t["askPr"]) and float(t["low24h"]) <= float(t["lastPr"]) <= float(t["high24h"])
    _, body = await http.get("/api/v2/mix/market/tickers", "productType=USDT-FUTURES")
    assert {x["symbol"] for x in assert_envelope(body)} == {"BTCUSDT", "ETHUSDT", "SOLUSDT"}
    _, body = await http.get("/api/v2/mix/market/merge-depth", q + "&limit=50")
    d = assert_envelope(body)
    assert len(d["bids"]) == 50 and isinstance(d["bids"][0][0], float)  # futures merge-depth levels are numbers
    assert d["bids"][0][0] < d["asks"][0][0]
    _, body = await http.get("/api/v2/mix/market/symbol-price", q)
    [sp] = assert_envelope(body)
    assert set(sp) == {"symbol", "price", "indexPrice", "markPrice", "ts"}
    _, body = await http.get("/api/v2/mix/market/open-interest", q)
    oi = assert_envelope(body)
    assert oi["openInterestList"][0]["symbol"] == "BTCUSDT" and float(oi["openInterestList"][0]["size"]) > 0
    _, body = await http.get("/api/v2/mix/market/fills", q + "&limit=5")
    assert len(assert_envelope(body)) == 5
    _, body = await http.get("/api/v2/mix/market/fills-history", q + "&limit=5")
    rows = assert_envelope(body)
    _, body = await http.get("/api/v2/mix/market/fills-history", q + f"&limit=5&idLessThan={rows[-1]['tradeId']}")
    older = assert_envelope(body)
    assert older and int(older[0]["tradeId"]) < int(rows[-1]["tradeId"])
    _, body = await http.get("/api/v2/mix/market/current-fund-rate", q)
    [fr] = assert_envelope(body)
    assert int(fr["nextUpdate"]) % (8 * 3_600_000) == 0 and int(fr["nextUpdate"]) > sim.now()


async def test_contracts_for_all_product_types(http):
    for product in ("USDT-FUTURES", "COIN-FUTURES", "USDC-FUTURES", "SUSDT-FUTURES", "SCOIN-FUTURES",
                    "SUSDC-FUTURES"):
        status, body = await http.get("/api/v2/mix/market/contracts", f"productType={product}")
        data = assert_envelope(body)
        assert status == 200
        assert (len(data) == 3) if product == "USDT-FUTURES" else (data == [])
    _, body = await http.get("/api/v2/mix/market/contracts", "productType=USDT-FUTURES&symbol=BTCUSDT")
    [btc] = assert_envelope(body)
    assert (btc["pricePlace"], btc["priceEndStep"], btc["sizeMultiplier"], btc["minTradeNum"], btc["minTradeUSDT"],
            btc["maxLever"], btc["supportMarginCoins"]) == ("1", "1", "0.0001", "0.0001", "5", "125", ["USDT"])
    _, body = await http.get("/api/v2/spot/public/symbols", "symbol=BTCUSDT")
    [spot] = assert_envelope(body)
    assert (spot["pricePrecision"], spot["quantityPrecision"], spot["minTradeUSDT"], spot["status"]) == \
        ("2", "6", "1", "online")


@pytest.mark.parametrize("path,query,code", [
    ("/api/v2/spot/market/tickers", "symbol=NOPEUSDT", "40034"),
    ("/api/v2/spot/market/candles", "symbol=BTCUSDT", "40019"),
    ("/api/v2/spot/market/candles", "granularity=1min", "40019"),
    ("/api/v2/spot/market/candles", "symbol=BTCUSDT&granularity=7min", "40020"),
    ("/api/v2/spot/market/candles", "symbol=BTCUSDT&granularity=1min&limit=1001", "40017"),
    ("/api/v2/spot/market/candles", "symbol=BTCUSDT&granularity=1min&limit=abc", "40020"),
    ("/api/v2/spot/market/history-candles", "symbol=BTCUSDT&granularity=1min", "40019"),
    ("/api/v2/spot/market/history-candles", "symbol=BTCUSDT&granularity=1min&endTime=1790000000000&limit=201",
     "40017"),
    ("/api/v2/mix/market/ticker", "symbol=NOPEUSDT&productType=USDT-FUTURES", "40102"),
    ("/api/v2/mix/market/ticker", "symbol=BTCUSDT&productType=USDC-FUTURES", "40102"),
    ("/api/v2/mix/market/ticker", "symbol=BTCUSDT", "40019"),
    ("/api/v2/mix/market/contracts", "productType=SPOT-FUTURES", "40020"),
    ("/api/v2/mix/market/contracts", "", "40019"),
    ("/api/v2/mix/market/history-candles", "symbol=BTCUSDT&productType=USDT-FUTURES&granularity=1m&limit=500",
     "40017"),
])
async def test_parameter_errors(http, path, query, code):
    status, body = await http.get(path, query)
    assert status == 400
    assert body["code"] == code and body["data"] is None and isinstance(body["msg"], str) and body["msg"]
    assert isinstance(body["requestTime"], int)


async def test_unknown_path_is_bitget_shaped(http):
    status, body = await http.get("/api/v2/spot/market/nothing")
    assert status == 404 and body["code"] == "40404"


async def test_both_granularity_spellings_give_the_same_candles(http, sim):
    end = sim.now() - 8 * 86_400_000  # every bucket complete (the forming one changes with live trades)
    pairs = [("1min", "1m"), ("5min", "5m"), ("1h", "1H"), ("4h", "4H"), ("1day", "1D"), ("1Dutc", "1D"),
             ("1week", "1W"), ("6Hutc", "6H")]
    for spot_style, mix_style in pairs:
        _, a = await http.get("/api/v2/spot/market/candles", f"symbol=BTCUSDT&granularity={spot_style}&endTime={end}")
        _, b = await http.get("/api/v2/spot/market/candles", f"symbol=BTCUSDT&granularity={mix_style}&endTime={end}")
        assert a["data"] == b["data"] and a["data"], spot_style


async def test_uta_probe_answers_classic(http):
    from tests.simulator.conftest import KEY, UTA_KEY

    status, body = await http.get("/api/v3/account/settings")
    assert status == 400 and body["code"] == "40001"
    status, body = await http.signed_get(KEY, "/api/v3/account/settings")
    assert status == 400 and body["code"] == "40084"
    status, body = await http.signed_get(UTA_KEY, "/api/v3/account/settings")
    assert status == 200 and body["code"] == "00000"
