"""The minimal v3 (UTA) codec against recorded payloads."""

from decimal import Decimal

from exchange_payloads import data

from bitget_desktop.domain.trading import PositionMode
from bitget_desktop.exchange.models import AccountFamily
from bitget_desktop.exchange.uta import codec


def test_settings():
    s = codec.parse_settings(data("rest_account_settings.json", "bitget-v3"))
    assert s.account_mode == "hybrid" and s.hold_mode is PositionMode.ONE_WAY and s.uid == "1111111111"
    assert s.account_level == "advanced" and not s.is_switching


def test_assets():
    a = codec.parse_assets(data("rest_account_assets.json", "bitget-v3"))
    assert a.account_equity == Decimal("11.13919278") and a.effective_equity == Decimal("6.19299777")
    assert [c.coin for c in a.assets] == ["USDT", "BGB"] and a.assets[0].available == Decimal("6.19300826")


def test_key_info_flags_withdrawal():
    k = codec.parse_key_permissions(data("rest_account_info.json", "bitget-v3"))
    assert k.family is AccountFamily.UNIFIED and k.can_withdraw and k.can_trade
    assert k.ips == ("192.168.1.1", "192.168.1.2")


# -- every v3 parser on the recorded payloads ----------------------------------------------------------------------

from exchange_payloads import load  # noqa: E402

from bitget_desktop.domain.market import ProductType, Timeframe  # noqa: E402
from bitget_desktop.domain.trading import (  # noqa: E402
    HoldSide,
    MarginMode,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    TradeSide,
)

V3 = "bitget-v3"
D = Decimal
USDT = ProductType.USDT_FUTURES


def test_settings_symbol_configs():
    s = codec.parse_settings(data("rest_account_settings.json", V3))
    btc = next(c for c in s.symbol_configs if c.symbol == "BTCUSDT")
    assert btc.product_type is USDT and btc.margin_mode is MarginMode.CROSSED and btc.leverage == 1
    assert len(s.symbol_configs) == 8


def test_assets_as_balances_and_futures_account():
    assets = codec.parse_assets(data("rest_account_assets.json", V3))
    usdt = next(a for a in assets.assets if a.coin == "USDT")
    assert usdt.available == D("6.19300826") and usdt.usd_value == D("6.19299777")
    balances = codec.parse_balances(assets)
    assert [(b.coin, b.available, b.frozen) for b in balances] == [("USDT", D("6.19300826"), 0),
                                                                    ("BGB", D("1.15582129"), 0)]
    settings = codec.parse_settings(data("rest_account_settings.json", V3))
    acc = codec.parse_futures_account(assets, "usdt", settings, "BTCUSDT", USDT)
    assert acc.available == D("6.19300826") and acc.crossed_leverage == 1
    assert acc.pos_mode.value == "one_way_mode" and acc.margin_mode is MarginMode.CROSSED


def test_ws_account_push_has_the_asset_shape():
    push = load("ws_private_account_push.json", V3)
    assets = codec.parse_assets(push["data"][0])
    assert assets.account_equity == D("4976919.05") and assets.unrealized_pl == D("-10116.55")
    usdt = next(a for a in assets.assets if a.coin == "USDT")
    assert usdt.balance - usdt.available == D("10128.8")
    (frozen,) = [b.frozen for b in codec.parse_balances(assets) if b.coin == "USDT"]
    assert frozen == D("10128.8")


def test_key_permissions():
    k = codec.parse_key_permissions(data("rest_account_info.json", V3))
    assert k.can_withdraw and k.can_trade and k.ips == ("192.168.1.1", "192.168.1.2")


def test_instruments_futures_and_spot():
    (btc,) = codec.parse_instruments(data("rest_market_instruments_usdt_futures.json", V3))
    assert (btc.product_type, btc.tick_size, btc.lot_size, btc.min_size, btc.min_notional) == (
        USDT, D("0.1"), D("0.0001"), D("0.0001"), D("5"))
    assert (btc.price_places, btc.size_places, btc.max_leverage, btc.margin_coin) == (1, 4, 150, "USDT")
    assert btc.taker_fee_rate == D("0.0006") and btc.max_order_size == D("1200") and btc.tradable
    spot = codec.parse_instrument(load("rest_market_instruments_spot_item_ccxt.json", V3))
    assert spot.product_type is ProductType.SPOT and spot.tick_size == D("0.01") and spot.lot_size == D("0.000001")
    assert spot.quote_places == 8 and spot.max_order_size is None and spot.margin_coin is None
    usdc = codec.parse_instrument(load("rest_market_instruments_usdc_futures_item_ccxt.json", V3))
    assert usdc.product_type is ProductType.USDC_FUTURES and usdc.tick_size == D("0.5") and usdc.symbol == "BTCPERP"


def test_tickers_rest_and_ws():
    (t,) = codec.parse_tickers(data("rest_market_tickers_futures.json", V3))
    assert (t.symbol, t.last, t.bid, t.ask, t.mark_price) == ("BTCUSDT", D("90216.3"), D("90216.3"), D("90216.4"),
                                                             D("90216.4"))
    assert t.quote_volume == D("4667820987.88478") and t.ts == 1765444282230 and t.funding_rate == D("0.000047")
    push = load("ws_public_ticker_push.json", V3)
    w = codec.parse_ticker(push["data"][0], USDT, push["arg"]["instId"])
    assert (w.symbol, w.last, w.ask_size) == ("BTCUSDT", D("100000"), D("188.312553"))


def test_orderbook_numbers_and_ws_strings():
    bids, asks, ts = codec.parse_orderbook(data("rest_market_orderbook.json", V3))
    assert bids[0] == ["71213.8", "1.836"] and asks[-1] == ["75123.0", "5.615"] and ts == 1730969017964
    push = load("ws_public_books1_push.json", V3)["data"][0]
    bids, asks, ts = codec.parse_orderbook(push)
    assert (bids, asks) == ([["99756.6", "0.0128"]], [["99756.7", "23.9774"]])


def test_candles_rows_and_kline_push():
    for name in ("rest_market_candles.json", "rest_market_history_candles.json"):
        first, second = codec.parse_candles(data(name, V3))
        assert first.ts == 1687708800000 and second.low == D("24000") and first.quote_volume == D("81246917.3294")
    k = codec.parse_ws_kline(load("ws_public_kline_push.json", V3)["data"][0])
    assert (k.ts, k.open, k.close, k.volume, k.quote_volume) == (1710518400000, D("276670"), D("400005"),
                                                                 D("0.423"), D("148190.38375"))
    assert codec.interval(Timeframe.H1) == "1H" and codec.interval(Timeframe.W1) is None


def test_public_trade_push():
    t = codec.parse_public_trade(load("ws_public_publicTrade_push.json", V3)["data"][0], "BTCUSDT")
    assert (t.trade_id, t.price, t.size, t.side, t.ts) == ("1260903622036942849", D("100000"), D("0.00118"),
                                                           Side.BUY, 1736348770627)


def test_orders_hedge_spot_and_push():
    (o,) = codec.parse_orders(data("rest_trade_history_orders.json", V3))
    # hedge: v3 says sell + posSide long (closing a long, no tradeSide field); the domain Order keeps the classic
    # form, buy + close with pos_side long
    assert (o.product_type, o.side, o.trade_side, o.pos_side) == (USDT, Side.BUY, TradeSide.CLOSE, HoldSide.LONG)
    assert o.status is OrderStatus.FILLED
    assert o.fee == D("-4.2500586") and o.avg_price == D("49534.4") and not o.reduce_only
    (live,) = codec.parse_orders(data("rest_trade_unfilled_orders.json", V3))
    assert live.status is OrderStatus.LIVE and live.fee == 0 and live.avg_price is None and live.price == D("45000")
    spot = codec.parse_order(data("rest_trade_order_info.json", V3))
    assert spot.product_type is ProductType.SPOT and spot.order_type is OrderType.MARKET
    assert spot.size == D("100") and spot.filled_size == D("0.0372") and spot.price is None  # quote-sized buy
    assert spot.trade_side is None and spot.pos_side is None and spot.fee == D("-0.00000744")
    push = codec.parse_order(load("ws_private_order_push.json", V3)["data"][0])
    assert (push.product_type, push.side, push.trade_side, push.pos_side) == (USDT, Side.BUY, TradeSide.OPEN,
                                                                            HoldSide.LONG)
    assert push.force is TimeInForce.GTC and push.filled_size == D("0.001")


def test_fills_rest_and_push():
    (f,) = codec.parse_fills(data("rest_trade_fills.json", V3))
    assert (f.trade_id, f.side, f.price, f.size, f.fee, f.fee_coin, f.maker) == (
        "131111111111111111", Side.SELL, D("106950.1"), D("0.01"), D("-0.6417006"), "USDT", False)
    assert f.trade_side is TradeSide.OPEN and f.profit == D("-0.002") and f.ts == 1750141421721
    p = codec.parse_fill(load("ws_private_fill_push.json", V3)["data"][0])
    assert p.product_type is USDT and p.size == D("0.01") and p.fee == D("-0.569958")


def test_positions_rest_and_push():
    (p,) = codec.parse_positions(data("rest_position_current_position.json", V3))
    assert (p.hold_side, p.size, p.entry_price, p.leverage, p.liquidation_price) == (
        HoldSide.LONG, D("119.2068"), D("108674"), 3, D("43099.9"))
    assert p.pos_mode.value == "hedge_mode" and p.margin == D("4701531.84941582") and p.c_time == 1736378720620
    w = codec.parse_position(load("ws_private_position_push.json", V3)["data"][0], USDT)
    assert w.size == 0 and w.liquidation_price is None and w.hold_side is HoldSide.LONG


def test_result_lists_and_acks():
    for name in ("rest_trade_cancel_symbol_order.json", "rest_trade_close_positions.json"):
        res = codec.parse_result_list(data(name, V3))
        assert not res.succeeded and res.failed[0].error.code == "24056"
    ok = codec.parse_result_list({"list": [{"orderId": "1", "clientOid": "a", "code": "00000", "msg": "success"}]})
    assert [a.order_id for a in ok.succeeded] == ["1"]
    assert load("rest_account_set_hold_mode.json", V3)["data"] == "success"
    assert load("rest_account_set_leverage.json", V3)["data"] == "success"


def _inst(pt):
    if pt is ProductType.SPOT:
        return codec.parse_instrument(load("rest_market_instruments_spot_item_ccxt.json", V3))
    return codec.parse_instruments(data("rest_market_instruments_usdt_futures.json", V3))[0]


def test_encode_spot_and_one_way():
    spot = OrderRequest.build(_inst(ProductType.SPOT), side=Side.BUY, order_type=OrderType.LIMIT, size=D("0.01"),
                              price=D("50000"), client_oid="abc")
    assert codec.encode_order(spot) == {"category": "SPOT", "symbol": "BTCUSDT", "orderType": "limit",
                                        "qty": "0.010000", "clientOid": "abc", "side": "buy", "timeInForce": "gtc",
                                        "price": "50000.00"}
    perp = _inst(USDT)
    close = OrderRequest.build(perp, side=Side.SELL, order_type=OrderType.MARKET, size=D("0.01"), reduce_only=True,
                               client_oid="c1", margin_mode=MarginMode.CROSSED)
    assert codec.encode_order(close) == {"category": "USDT-FUTURES", "symbol": "BTCUSDT", "orderType": "market",
                                         "qty": "0.0100", "clientOid": "c1", "reduceOnly": "yes",
                                         "marginMode": "crossed", "side": "sell"}


def test_encode_hedge_uses_pos_side_and_trade_direction():
    perp = _inst(USDT)
    cases = {  # classic (side, tradeSide) -> v3 (side, posSide)
        (Side.BUY, TradeSide.OPEN): ("buy", "long"),
        (Side.SELL, TradeSide.OPEN): ("sell", "short"),
        (Side.BUY, TradeSide.CLOSE): ("sell", "long"),
        (Side.SELL, TradeSide.CLOSE): ("buy", "short"),
    }
    for (side, ts), want in cases.items():
        req = OrderRequest.build(perp, side=side, order_type=OrderType.MARKET, size=D("0.01"), trade_side=ts)
        body = codec.encode_order(req)
        assert (body["side"], body["posSide"]) == want and "tradeSide" not in body and "reduceOnly" not in body
    demo = OrderRequest.build(perp, side=Side.BUY, order_type=OrderType.MARKET, size=D("0.01"))
    assert codec.category(ProductType.SUSDT_FUTURES) == "USDT-FUTURES" and codec.encode_order(demo)["side"] == "buy"
