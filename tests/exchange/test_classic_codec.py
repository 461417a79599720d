"""The v2 REST codec against real payloads."""

from decimal import Decimal

import pytest
from exchange_payloads import data, raw

from bitget_desktop.domain.errors import InsufficientFunds
from bitget_desktop.domain.market import ProductType
from bitget_desktop.domain.trading import (
    HoldSide,
    MarginMode,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionMode,
    Side,
    TimeInForce,
    TradeSide,
)
from bitget_desktop.exchange.classic import codec
from bitget_desktop.exchange.rest import parse_envelope

D = Decimal


def test_server_time():
    assert codec.parse_server_time(data("public_time.json")) == 1688008631614


@pytest.mark.parametrize("name", ["public_time.json", "spot_trade_place_order.json"])  # number and string requestTime
def test_envelope_accepts_number_or_string_request_time(name):
    assert parse_envelope(raw(name), 200) is not None


def test_spot_symbols():
    inst = {i.symbol: i for i in codec.parse_spot_symbols(data("spot_public_symbols.json"))}
    btc = inst["BTCUSDT"]
    assert btc.product_type is ProductType.SPOT
    assert btc.tick_size == D("0.01") and btc.lot_size == D("0.000001")
    assert btc.min_notional == D("1") and btc.tradable
    assert inst["ETHUSDT"].min_size == D("0.0005")


def test_usdt_contracts():
    inst = {i.symbol: i for i in codec.parse_contracts(data("mix_market_contracts_usdt_futures.json"),
                                                         ProductType.USDT_FUTURES)}
    btc = inst["BTCUSDT"]
    assert btc.tick_size == D("0.1") and btc.lot_size == D("0.0001") and btc.min_size == D("0.0001")
    assert btc.margin_coin == "USDT" and btc.max_leverage == 150 and btc.min_notional == D("5")
    assert inst["XRPUSDT"].lot_size == D("1")


def test_usdc_and_demo_contracts():
    usdc = codec.parse_contracts(data("mix_market_contracts_usdc_futures.json"), ProductType.USDC_FUTURES)
    assert [i.symbol for i in usdc] == ["BTCPERP", "ETHPERP"] and usdc[0].margin_coin == "USDC"
    demo = codec.parse_contracts(data("mix_market_contracts_susdt_futures_demo_docs.json"), ProductType.SUSDT_FUTURES)
    assert demo[0].tick_size == D("0.5") and demo[0].margin_coin == "SUSDT"


def test_spot_ticker():
    (t,) = codec.parse_tickers(data("spot_market_tickers.json"), ProductType.SPOT)
    assert t.symbol == "BTCUSDT" and t.last == D("73369.13") and t.open_24h == D("72170.63")
    assert t.bid == D("73369.13") and t.ask_size == D("0.002773") and t.ts == 1710328244283
    assert t.mark_price is None


def test_orderbook_levels_stay_strings():
    bids, asks, ts = codec.parse_depth(data("spot_market_orderbook.json"))
    assert bids[0] == ["42604.36", "0.6160"] and asks[0] == ["42604.37", "0.6010"] and ts == 1706804094602
    bids, asks, _ = codec.parse_depth({"bids": [[26347.5, 0.25]], "asks": [], "ts": "1"})  # merge-depth numbers
    assert bids == [["26347.5", "0.25"]]


@pytest.mark.parametrize(
    "name,first_ts,volume,quote",
    [
        ("spot_market_candles.json", 1703762160000, "0.6049", "26039.632367"),
        ("spot_market_history_candles.json", 1790358660000, "0.701343", "58742.42150798"),
        ("mix_market_candles_usdt_futures.json", 1703762100000, "90.097", "3882338.2038"),
        ("mix_market_candles_coin_futures.json", 1703762100000, "0.199", "8578.3319"),
        ("mix_market_history_candles.json", 1790358660000, "0.7569", "63370.46146"),
    ],
)
def test_candles(name, first_ts, volume, quote):
    candles = codec.parse_candles(data(name))
    assert candles[0].ts == first_ts and candles[0].volume == D(volume) and candles[0].quote_volume == D(quote)
    assert [c.ts for c in candles] == sorted(c.ts for c in candles)


def test_funding_rate():
    fr = codec.parse_funding_rate(data("mix_market_current_fund_rate.json"))
    assert fr.symbol == "BTCUSDT" and fr.rate == D("-0.000014")
    assert fr.next_funding_time == 1745510400000 and fr.interval_hours == 8
    ft = codec.parse_funding_rate([{**data("mix_market_funding_time.json")[0], "fundingRate": "0.0001"}])
    assert ft.next_funding_time == 1745424000000 and ft.interval_hours == 8


def test_balances():
    bal = {b.coin: b for b in codec.parse_balances(data("spot_account_assets.json"))}
    assert bal["USDT"].available == D("17.85159289") and bal["USDT"].frozen == D("5.5")
    assert bal["USDT"].total == D("23.35159289")


def test_spot_order_info_market_buy():
    (o,) = codec.parse_spot_orders(data("spot_trade_order_info.json"))
    assert o.order_id == "1134354173590421508" and o.client_oid == "84e6d418-b92b-480c-9169-6082702b32b7"
    assert o.order_type is OrderType.MARKET and o.price is None and o.status is OrderStatus.FILLED
    assert o.size == D("6") and o.filled_size == D("0.0915") and o.avg_price == D("65.521")
    assert o.fee == D("-0.0000915")


def test_spot_history_and_open_orders():
    (h,) = codec.parse_spot_orders(data("spot_trade_history_orders.json"))
    assert h.fee == D("-0.0000794") and h.side is Side.BUY
    (o,) = codec.parse_spot_orders(data("spot_trade_unfilled_orders.json"))
    assert o.price == D("50") and o.avg_price is None and o.status is OrderStatus.LIVE and o.is_open
    assert o.size == D("0.11") and o.fee == 0


def test_spot_fills():
    (f,) = codec.parse_spot_fills(data("spot_trade_fills.json"))
    assert f.trade_id == "1109431644504666114" and f.price == D("69.265") and f.size == D("0.0794")
    assert f.fee == D("-0.0000794") and f.fee_coin == "LTC" and not f.maker and f.ts == 1700235036970


def test_futures_account_number_and_string_leverage():
    a = codec.parse_futures_account(data("mix_account_account.json"))
    assert a.pos_mode is PositionMode.ONE_WAY and a.margin_mode is MarginMode.CROSSED and a.crossed_leverage == 10
    assert a.equity == D("70.09927267")
    h = codec.parse_futures_account(data("mix_account_account_hedge_mode.json"))
    assert h.pos_mode is PositionMode.HEDGE and h.crossed_leverage == 10


def test_positions():
    (p,) = codec.parse_positions(data("mix_position_all_position.json"), ProductType.USDT_FUTURES)
    assert p.symbol == "LTCUSDT" and p.hold_side is HoldSide.LONG and p.size == D("0.1")
    assert p.entry_price == D("72.66") and p.mark_price == D("72.62") and p.leverage == 5
    assert p.liquidation_price is None and p.pos_mode is PositionMode.HEDGE
    assert codec.parse_positions(data("mix_position_single_position_empty.json"), ProductType.USDT_FUTURES) == []


def test_mix_order_detail_open_and_close():
    o = codec.parse_mix_order(data("mix_order_detail_market_open_long.json"), ProductType.USDT_FUTURES)
    assert o.status is OrderStatus.FILLED and o.trade_side is TradeSide.OPEN and o.pos_side is HoldSide.LONG
    assert o.price is None and o.avg_price == D("68.74") and o.fee == D("-0.0041244") and not o.reduce_only
    c = codec.parse_mix_order(data("mix_order_detail_market_close_long_hedge.json"), ProductType.USDT_FUTURES)
    assert c.side is Side.BUY and c.trade_side is TradeSide.CLOSE and c.reduce_only


def test_mix_orders_history_and_fills():
    (o,) = codec.parse_mix_order_list(data("mix_order_orders_history.json"), ProductType.USDT_FUTURES)
    assert o.status is OrderStatus.FILLED and o.client_oid == "1115965643971776512"
    assert codec.parse_mix_order_list({"entrustedList": None, "endId": None}, ProductType.USDT_FUTURES) == []
    (f,) = codec.parse_mix_fills(data("mix_order_fills.json"), ProductType.USDT_FUTURES)
    assert f.price == D("72.25") and f.size == D("0.1") and f.fee == D("-0.004335") and f.fee_coin == "USDT"
    assert f.profit == D("-0.002") and f.trade_side is TradeSide.CLOSE


def test_place_ack_and_batch():
    ack = codec.parse_ack(data("spot_trade_place_order.json"))
    assert ack.order_id == "1136353550487961603"
    res = codec.parse_batch({"successList": [{"orderId": "1", "clientOid": "a"}],
                             "failureList": [{"orderId": "", "clientOid": "b", "errorMsg": "Insufficient balance",
                                              "errorCode": "43012"}]})
    assert res.succeeded[0].order_id == "1"
    assert isinstance(res.failed[0].error, InsufficientFunds) and res.failed[0].client_oid == "b"


def test_key_permissions():
    k = codec.parse_key_permissions({"userId": "1", "authorities": ["trade", "readonly", "withdraw"], "ips": "1.2.3.4"})
    assert k.can_withdraw and k.can_trade and k.ips == ("1.2.3.4",)
    k2 = codec.parse_key_permissions({"userId": "1", "authorities": "readonly,trade", "ips": ""})
    assert not k2.can_withdraw and k2.ips == ()
    v2_codes = codec.parse_key_permissions({"userId": "1", "authorities": ["coor", "stor", "stow", "wwow"]})
    assert v2_codes.can_withdraw and v2_codes.can_trade
    read_only = codec.parse_key_permissions({"userId": "1", "authorities": ["coor", "cpor", "stor"]})
    assert not read_only.can_withdraw and not read_only.can_trade


def _spot_instrument():
    return {i.symbol: i for i in codec.parse_spot_symbols(data("spot_public_symbols.json"))}["BTCUSDT"]


def _btc_perp():
    return codec.parse_contracts(data("mix_market_contracts_usdt_futures.json"), ProductType.USDT_FUTURES)[0]


def test_encode_spot_limit():
    req = OrderRequest.build(_spot_instrument(), side=Side.BUY, order_type=OrderType.LIMIT, size=D("0.001"),
                             price=D("20000"), force=TimeInForce.POST_ONLY, client_oid="abc123")
    assert codec.encode_spot_order(req) == {"symbol": "BTCUSDT", "side": "buy", "orderType": "limit",
                                            "force": "post_only", "size": "0.001000", "clientOid": "abc123",
                                            "price": "20000.00"}


def test_encode_mix_hedge_close_and_one_way_reduce():
    inst = _btc_perp()
    hedge = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.MARKET, size=D("0.01"),
                               trade_side=TradeSide.CLOSE, client_oid="x1", position_mode=PositionMode.HEDGE)
    body = codec.encode_mix_order(hedge)
    assert body["tradeSide"] == "close" and "reduceOnly" not in body and "price" not in body
    assert body["marginCoin"] == "USDT" and body["productType"] == "USDT-FUTURES" and body["marginMode"] == "crossed"
    one = OrderRequest.build(inst, side=Side.SELL, order_type=OrderType.LIMIT, size=D("0.01"), price=D("90000"),
                             reduce_only=True, client_oid="x2", position_mode=PositionMode.ONE_WAY,
                             margin_mode=MarginMode.ISOLATED)
    body = codec.encode_mix_order(one)
    assert body["reduceOnly"] == "YES" and "tradeSide" not in body and body["marginMode"] == "isolated"
    assert body["price"] == "90000.0"


def test_encode_mix_preset_tpsl():
    req = OrderRequest.build(_btc_perp(), side=Side.BUY, order_type=OrderType.LIMIT, size=D("0.01"),
                             price=D("80000"), client_oid="x3", preset_take_profit=D("90000"),
                             preset_stop_loss=D("75000"))
    body = codec.encode_mix_order(req)
    assert body["presetStopSurplusPrice"] == "90000.0" and body["presetStopLossPrice"] == "75000.0"


@pytest.mark.parametrize("bad", ["NaN", "-Infinity", "sNaN", "1e999999999", True, {}, [], "abc"])
def test_numbers_must_be_finite_and_parsers_raise_only_malformed_response(bad) -> None:
    from bitget_desktop.domain.errors import MalformedResponse
    from bitget_desktop.exchange.wire import dec

    with pytest.raises((ValueError, TypeError, ArithmeticError)):
        dec(bad)
    row = {"symbol": "BTCUSDT", "lastPr": bad, "ts": "1"}
    with pytest.raises(MalformedResponse) as info:
        codec.parse_ticker(row, ProductType.SPOT)
    assert "parse_ticker" in info.value.msg
