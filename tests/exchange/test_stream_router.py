"""The sans-I/O websocket router against recorded pushes."""

from decimal import Decimal

import orjson
from exchange_payloads import load, raw

from bitget_desktop.domain import errors as e
from bitget_desktop.domain.book import BookChecksumError, BookGapError, crc32_signed
from bitget_desktop.domain.market import Candle, ProductType, PublicTrade, Ticker, Timeframe
from bitget_desktop.domain.trading import Balance, Fill, FuturesAccount, HoldSide, Order, OrderStatus, Position, Side
from bitget_desktop.exchange.stream import BookEvent, Push, Router, StreamError, Subscription

D = Decimal


def make_router():
    resubs = []
    controls = []
    return Router(resubs.append, controls.append), resubs, controls


def collect(router, sub):
    got = []
    router.add(sub, got.append)
    return got


def test_subscription_args():
    assert Subscription.book("USDT-FUTURES", "BTCUSDT").arg() == load("ws_subscribe_request_usdt_futures_books.json")[
        "args"][0]
    assert Subscription.candles(ProductType.SPOT, "BTCUSDT", Timeframe.H1).arg()["channel"] == "candle1H"
    assert Subscription.account(ProductType.SPOT).arg() == {"instType": "SPOT", "channel": "account", "coin": "default"}
    assert Subscription.orders(ProductType.USDT_FUTURES).private
    assert not Subscription.trades(ProductType.SPOT, "BTCUSDT").private


def test_ticker_pushes():
    router, _, _ = make_router()
    spot = collect(router, Subscription.ticker(ProductType.SPOT, "BTCUSDT"))
    fut = collect(router, Subscription.ticker(ProductType.USDT_FUTURES, "BTCUSDT"))
    router.feed(raw("ws_ticker_spot.json"))
    router.feed(raw("ws_ticker_usdt_futures.json"))
    router.feed(raw("ws_ticker_spot_ccxt_comment.json"))
    (p1, p3) = spot
    t = p1.items[0]
    assert isinstance(t, Ticker) and t.last == D("83715.7") and t.bid_size == D("0.074435") and t.mark_price is None
    assert p3.items[0].high_24h == D("44490.00")
    (f,) = fut
    ft = f.items[0]
    assert ft.mark_price == D("83692.3") and ft.funding_rate == D("0.0001") and ft.index_price == D("83720.9225")


def test_ticker_futures_ccxt_comment():
    router, _, _ = make_router()
    got = collect(router, Subscription.ticker(ProductType.USDT_FUTURES, "BTCUSDT"))
    router.feed(raw("ws_ticker_futures_ccxt_comment.json"))
    assert got[0].items[0].funding_rate == D("0.000096")


def test_candle_and_trade_pushes():
    router, _, _ = make_router()
    candles = collect(router, Subscription.candles(ProductType.SPOT, "BTCUSDT", Timeframe.M1))
    trades = collect(router, Subscription.trades(ProductType.SPOT, "BTCUSDT"))
    router.feed(raw("ws_candle1m_spot_snapshot.json"))
    router.feed(raw("ws_trade_spot_update.json"))
    (c,) = candles
    assert c.action == "snapshot" and len(c.items) == 3 and isinstance(c.items[0], Candle)
    assert c.items[0].ts == 1790358660000 and c.items[1].close == D("83715.7")
    (t,) = trades
    tr = t.items[0]
    assert isinstance(tr, PublicTrade) and tr.side is Side.BUY and tr.size == D("0.000012")
    assert tr.trade_id == "1487438024184414208" and tr.ts == 1790358780904


def test_full_book_snapshot_then_updates():
    router, resubs, _ = make_router()
    sub = Subscription.book(ProductType.USDT_FUTURES, "MAVUSDT")
    got = collect(router, sub)
    for name in ("ws_books_snapshot_usdt_futures.json", "ws_books_update_usdt_futures_1.json",
                 "ws_books_update_usdt_futures_2.json"):
        router.feed(raw(name))
    assert len(got) == 3 and all(isinstance(ev, BookEvent) for ev in got)
    book = router.book(sub)
    assert not book.stale and book.seq == 427583480664 and resubs == []
    assert book.best_bid() == (D("0.01038"), D("4311.15"))
    assert book.best_ask() == (D("0.01039"), D("4499.23"))
    assert (D("0.00519"), D("30828.52")) in book.bids()
    assert (D("0.01042"), D("382403.68")) in book.asks()


def test_book_gap_marks_stale_and_resubscribes():
    router, resubs, _ = make_router()
    sub = Subscription.book(ProductType.USDT_FUTURES, "MAVUSDT")
    got = collect(router, sub)
    router.feed(raw("ws_books_snapshot_usdt_futures.json"))
    router.feed(raw("ws_books_update_usdt_futures_2.json"))  # skips update 1: pseq does not chain
    assert router.book(sub).stale
    assert resubs == [sub]
    assert isinstance(got[-1], StreamError) and isinstance(got[-1].error, BookGapError)
    assert isinstance(got[-2], BookEvent) and got[-2].book.stale
    router.feed(raw("ws_books_update_usdt_futures_1.json"))  # ignored while stale
    assert router.book(sub).stale
    router.feed(raw("ws_books_snapshot_usdt_futures.json"))  # fresh snapshot heals
    assert not router.book(sub).stale


def _push(action, bids, asks, **extra):
    return orjson.dumps({"action": action, "arg": {"instType": "SPOT", "channel": "books", "instId": "BTCUSDT"},
                         "data": [{"bids": bids, "asks": asks, "ts": "1", **extra}], "ts": 1})


def test_book_checksum_verified_and_mismatch_resubscribes():
    router, resubs, _ = make_router()
    sub = Subscription.book(ProductType.SPOT, "BTCUSDT")
    got = collect(router, sub)
    router.feed(_push("snapshot", [["100.0", "1"]], [["101.00", "2"]], checksum=0))
    good = crc32_signed("100.0:1:101.00:2:101.50:3")
    router.feed(_push("update", [], [["101.50", "3"]], checksum=good))
    assert not router.book(sub).stale and resubs == []
    router.feed(_push("update", [["99", "1"]], [], checksum=good))  # wrong after this change
    assert router.book(sub).stale and resubs == [sub]
    assert isinstance(got[-1].error, BookChecksumError)


def test_fixed_depth_books_are_snapshots():
    router, resubs, _ = make_router()
    sub = Subscription.book(ProductType.SPOT, "BTCUSDT", depth=5)
    collect(router, sub)
    router.feed(raw("ws_books5_spot_snapshot.json"))
    assert router.book(sub).best_ask() == (D("83715.7"), D("2.145777"))
    router.feed(raw("ws_books5_snapshot_with_checksum_ccxt_comment.json"))  # older format, snapshot checksum ignored
    assert router.book(sub).best_bid() == (D("21040.76"), D("0.0417")) and resubs == []


def test_spot_book_update_fixture_chains():
    router, resubs, _ = make_router()
    sub = Subscription.book(ProductType.SPOT, "BTCUSDT")
    collect(router, sub)
    snap = {"action": "snapshot", "arg": sub.arg(),
            "data": [{"asks": [["83744.78", "1"]], "bids": [["83700", "1"]], "ts": "1", "seq": 850169286126,
                      "pseq": 0}], "ts": 1}
    router.feed(orjson.dumps(snap))
    router.feed(raw("ws_books_spot_update.json"))
    book = router.book(sub)
    assert not book.stale and book.best_ask() == (D("83747.24"), D("0.238934")) and resubs == []


def test_server_errors_become_typed_events():
    router, _, controls = make_router()
    sub = Subscription.book(ProductType.USDT_FUTURES, "NOPEUSDT")
    got = collect(router, sub)
    router.feed(raw("ws_error_unknown_symbol.json"))
    assert isinstance(got[0], StreamError) and isinstance(got[0].error, e.BadRequest)
    assert got[0].error.code == "30001" and "NOPEUSDT" in got[0].error.msg
    other = collect(router, Subscription.candles(ProductType.SPOT, "BTCUSDT", Timeframe.H1))
    router.feed(raw("ws_subscribe_error_candle1h.json"))  # arg "candle1h" matches none of ours
    assert other == [] and controls[-1]["code"] == 30016
    router.feed(b'{"event":"error","code":30015,"msg":"Invalid sign"}')
    assert isinstance(other[-1].error, e.InvalidSignature) and other[-1].sub is None


def test_acks_and_pong_are_control():
    router, _, controls = make_router()
    router.feed(raw("ws_subscribe_ack.json"))
    router.feed("pong")
    assert controls[0]["event"] == "subscribe" and router.last_pong


def test_private_pushes():
    router, _, _ = make_router()
    pos = collect(router, Subscription.positions(ProductType.USDT_FUTURES))
    acc_spot = collect(router, Subscription.account(ProductType.SPOT))
    acc_fut = collect(router, Subscription.account(ProductType.USDT_FUTURES))
    fill_spot = collect(router, Subscription.fills(ProductType.SPOT))
    fill_fut = collect(router, Subscription.fills(ProductType.USDT_FUTURES))
    for name in ("ws_positions_snapshot_ccxt_comment.json", "ws_account_spot_ccxt_comment.json",
                 "ws_account_futures_ccxt_comment.json", "ws_fill_spot_ccxt_comment.json",
                 "ws_fill_futures_ccxt_comment.json", "ws_fill_usdt_futures_docs.json"):
        router.feed(raw(name))
    p = pos[0].items[0]
    assert isinstance(p, Position) and p.symbol == "BTCUSDT" and p.hold_side is HoldSide.LONG and p.leverage == 20
    assert p.liquidation_price == D("17629.684814834")
    b = acc_spot[0].items[0]
    assert isinstance(b, Balance) and b.coin == "USDT" and b.frozen == D("7")
    a = acc_fut[0].items[0]
    assert isinstance(a, FuturesAccount) and a.equity == D("26.14309528")
    f = fill_spot[0].items[0]
    assert isinstance(f, Fill) and f.fee == D("0.000074") and f.fee_coin == "LTC" and f.price == D("81.069")
    assert [ev.items[0].fee for ev in fill_fut] == [D("-0.0048522"), D("-0.183717")]


def test_orders_push_shapes():
    router, _, _ = make_router()
    spot = collect(router, Subscription.orders(ProductType.SPOT))
    fut = collect(router, Subscription.orders(ProductType.USDT_FUTURES))
    spot_msg = {"action": "snapshot", "arg": {"instType": "SPOT", "channel": "orders", "instId": "default"},
                "data": [{"instId": "BTCUSDT", "orderId": "1", "clientOid": "c1", "price": "50000", "size": "0.01",
                          "newSize": "0.01", "notional": "500", "orderType": "limit", "force": "gtc", "side": "buy",
                          "accBaseVolume": "0.004", "baseVolume": "0.001", "priceAvg": "50000",
                          "status": "partially_filled", "cTime": "1", "uTime": "2",
                          "feeDetail": [{"feeCoin": "BTC", "fee": "-0.000004"}]}], "ts": 2}
    fut_msg = {"action": "snapshot", "arg": {"instType": "USDT-FUTURES", "channel": "orders", "instId": "default"},
               "data": [{"instId": "BTCUSDT", "orderId": "2", "clientOid": "c2", "price": "0", "size": "0.1",
                         "orderType": "market", "force": "gtc", "side": "sell", "posSide": "net",
                         "tradeSide": "sell_single", "reduceOnly": "yes", "accBaseVolume": "0.1",
                         "priceAvg": "60000", "status": "filled", "feeDetail": [{"feeCoin": "USDT", "fee": "-3.6"}],
                         "cTime": "1", "uTime": "2"}], "ts": 2}
    router.feed(orjson.dumps(spot_msg))
    router.feed(orjson.dumps(fut_msg))
    s = spot[0].items[0]
    assert isinstance(s, Order) and s.filled_size == D("0.004") and s.status is OrderStatus.PARTIALLY_FILLED
    assert s.fee == D("-0.000004")
    f = fut[0].items[0]
    assert f.reduce_only and f.trade_side is None and f.pos_side is None and f.price is None and f.fee == D("-3.6")


def test_handler_errors_do_not_break_routing():
    router, _, _ = make_router()
    sub = Subscription.ticker(ProductType.SPOT, "BTCUSDT")

    def boom(_):
        raise RuntimeError("handler bug")

    router.add(sub, boom)
    got = collect(router, sub)
    router.feed(raw("ws_ticker_spot.json"))
    assert isinstance(got[0], Push)


def test_remove_reports_last_handler():
    router, _, _ = make_router()
    sub = Subscription.ticker(ProductType.SPOT, "BTCUSDT")
    h1, h2 = (lambda ev: None), (lambda ev: None)
    assert router.add(sub, h1) and not router.add(sub, h2)
    assert not router.remove(sub, h1) and router.remove(sub, h2)
    assert router.subscriptions == []
