"""Engine: spot matching, fees, balances, validation codes, events and persistence (pure, no sockets)."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from bitget_desktop.simulator import instruments
from bitget_desktop.simulator.accounts import EngineError
from bitget_desktop.simulator.engine import Engine

KEY = "bg_testkey"


class FakeMarket:
    """Book and prices under the test's control; specs are the simulator's real listings."""

    def __init__(self) -> None:
        self.books: dict[tuple[str, str], tuple[list, list]] = {}
        self.marks: dict[tuple[str, str], D] = {}

    def instrument_spec(self, product, symbol):
        return instruments.spec(str(product), symbol)

    def book(self, product, symbol):
        return self.books.get((str(product), symbol), ([], []))

    def set_book(self, product, symbol, bids, asks):
        self.books[(product, symbol)] = ([(D(p), D(s)) for p, s in bids], [(D(p), D(s)) for p, s in asks])

    def mark_price(self, product, symbol):
        return self.marks.get((str(product), symbol))

    def last_price(self, product, symbol):
        return self.marks.get((str(product), symbol))


class Clock:
    def __init__(self) -> None:
        self.t = 1_700_000_000_000

    def __call__(self) -> int:
        self.t += 1
        return self.t


@pytest.fixture
def market() -> FakeMarket:
    m = FakeMarket()
    m.set_book("SPOT", "BTCUSDT", [("49990", "0.5"), ("49980", "1")],
               [("50010", "0.2"), ("50020", "0.3"), ("50030", "5")])
    m.marks[("SPOT", "BTCUSDT")] = D("50000")
    return m


@pytest.fixture
def engine(market: FakeMarket) -> Engine:
    return Engine(market, Clock())


@pytest.fixture
def events(engine: Engine) -> list:
    out: list = []
    engine.add_listener(lambda k, ch, it, data: out.append((k, ch, it, data)))
    return out


def bal(engine: Engine, coin: str):
    return engine.account(KEY).spot[coin]


def test_demo_funding(engine: Engine) -> None:
    acc = engine.account(KEY)
    assert acc.spot["USDT"].available == D("100000")
    assert acc.spot["BTC"].available == D("1")
    assert acc.spot["ETH"].available == D("10")
    assert acc.spot["SOL"].available == D("100")
    assert acc.futures["USDT-FUTURES"].balance == D("100000")


def test_limit_buy_rests_and_freezes_quote(engine: Engine) -> None:
    o = engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.1", "49000")
    assert o.status == "live"
    assert bal(engine, "USDT").frozen == D("4900")
    assert bal(engine, "USDT").available == D("95100")
    engine.spot_cancel(KEY, "BTCUSDT", order_id=o.order_id)
    assert o.status == "cancelled"
    assert bal(engine, "USDT").frozen == 0
    assert bal(engine, "USDT").available == D("100000")


def test_taker_walks_levels_with_taker_fee_in_received_coin(engine: Engine, events: list) -> None:
    o = engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.4", "50020", force="GTC")
    assert o.status == "filled"
    assert o.filled_base == D("0.4")
    assert o.filled_quote == D("0.2") * 50010 + D("0.2") * 50020
    fee = D("0.4") * D("0.001")
    assert o.fee == -fee and o.fee_coin == "BTC"
    assert bal(engine, "BTC").available == D("1") + D("0.4") - fee
    # frozen at the limit price, refunded the price improvement
    assert bal(engine, "USDT").available == D("100000") - o.filled_quote
    assert bal(engine, "USDT").frozen == 0
    fills = engine.fills(KEY, "SPOT", symbol="BTCUSDT")
    assert [f.maker for f in fills] == [False, False]
    channels = [e[1] for e in events]
    assert channels.count("fill") == 2 and "orders" in channels and "account" in channels


def test_partial_fill_then_rest_then_maker_fill_on_trade(engine: Engine, market: FakeMarket) -> None:
    o = engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "1", "50010")
    assert o.status == "partially_filled" and o.filled_base == D("0.2")
    assert bal(engine, "USDT").frozen == D("0.8") * 50010
    market.set_book("SPOT", "BTCUSDT", [("49990", "0.5")], [("50100", "1")])
    engine.on_trade("SPOT", "BTCUSDT", "50005", "0.3", "sell", 1_700_000_100_000)
    assert o.filled_base == D("0.5")
    assert engine.fills(KEY, "SPOT")[0].maker is True
    maker_fee = D("0.3") * D("0.001")
    assert engine.fills(KEY, "SPOT")[0].fee == -maker_fee
    engine.on_trade("SPOT", "BTCUSDT", "50005", "5", "sell", 1_700_000_100_001)
    assert o.status == "filled"
    assert bal(engine, "USDT").frozen == 0


def test_trade_above_buy_price_does_not_fill(engine: Engine) -> None:
    o = engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.1", "49000")
    engine.on_trade("SPOT", "BTCUSDT", "49001", "1", "sell", 1)
    assert o.status == "live"
    engine.on_trade("SPOT", "BTCUSDT", "48999", "1", "buy", 2)  # a buy print does not hit resting buys
    assert o.status == "live"


def test_resting_order_crossed_by_book_fills_on_tick(engine: Engine, market: FakeMarket) -> None:
    o = engine.spot_place(KEY, "BTCUSDT", "sell", "limit", "0.1", "50500")
    market.set_book("SPOT", "BTCUSDT", [("50600", "1")], [("50700", "1")])
    engine.on_tick(5)
    assert o.status == "filled" and o.avg_price == D("50500")
    assert bal(engine, "USDT").available == D("100000") + D("5050") - D("5050") * D("0.001")


def test_ioc_partial_then_cancel(engine: Engine) -> None:
    o = engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "1", "50020", force="IOC")
    assert o.filled_base == D("0.5")
    assert o.status == "cancelled"
    assert bal(engine, "USDT").frozen == 0


def test_fok_kills_without_fill(engine: Engine) -> None:
    o = engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "1", "50020", force="fok")
    assert o.status == "cancelled" and o.filled_base == 0
    assert bal(engine, "USDT").available == D("100000")
    o2 = engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.5", "50020", force="fok")
    assert o2.status == "filled"


def test_post_only_that_would_cross_is_cancelled(engine: Engine) -> None:
    o = engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.1", "50010", force="post_only")
    assert o.status == "cancelled" and o.filled_base == 0
    assert bal(engine, "USDT").available == D("100000")
    ok = engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.1", "50000", force="post_only")
    assert ok.status == "live"


def test_market_buy_size_is_quote(engine: Engine) -> None:
    o = engine.spot_place(KEY, "BTCUSDT", "buy", "market", "10002")
    assert o.status == "filled"
    assert o.filled_base == D("0.2")
    assert o.filled_quote == D("10002")
    assert bal(engine, "USDT").available == D("90000") - D("2") + 0  # 100000 - 10002
    assert bal(engine, "USDT").frozen == 0


def test_market_sell_walks_bids(engine: Engine) -> None:
    o = engine.spot_place(KEY, "BTCUSDT", "sell", "market", "0.7")
    assert o.status == "filled"
    assert o.filled_quote == D("0.5") * 49990 + D("0.2") * 49980
    assert bal(engine, "BTC").available == D("0.3")
    assert bal(engine, "USDT").available == D("100000") + o.filled_quote - o.filled_quote * D("0.001")


def test_market_sell_thin_book_partially_fills_then_cancels(engine: Engine) -> None:
    o = engine.spot_place(KEY, "BTCUSDT", "sell", "market", "1")
    assert o.filled_base == D("1")
    engine.account(KEY).spot["BTC"].available = D("5")
    o_empty = engine.spot_place(KEY, "BTCUSDT", "sell", "market", "1")  # the book's bids were used up
    assert o_empty.filled_base == D("0.5") and o_empty.status == "cancelled"
    engine.on_tick(1)  # the market re-quotes
    o2 = engine.spot_place(KEY, "BTCUSDT", "sell", "market", "3")
    assert o2.filled_base == D("1.5") and o2.status == "cancelled"
    assert bal(engine, "BTC").frozen == 0


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        (dict(symbol="NOPEUSDT", side="buy", order_type="limit", size="1", price="1"), "40034"),
        (dict(symbol="BTCUSDT", side="hold", order_type="limit", size="1", price="1"), "40020"),
        (dict(symbol="BTCUSDT", side="buy", order_type="stop", size="1", price="1"), "40020"),
        (dict(symbol="BTCUSDT", side="buy", order_type="limit", size="0.1", price=None), "40019"),
        (dict(symbol="BTCUSDT", side="buy", order_type="limit", size="0.1", price="50000.123"), "41103"),
        (dict(symbol="BTCUSDT", side="buy", order_type="limit", size="0.1234567", price="50000"), "40808"),
        (dict(symbol="BTCUSDT", side="buy", order_type="limit", size="0.00001", price="50000"), "45110"),
        (dict(symbol="BTCUSDT", side="buy", order_type="limit", size="3", price="50000"), "43012"),
        (dict(symbol="BTCUSDT", side="sell", order_type="limit", size="2", price="60000"), "43012"),
        (dict(symbol="BTCUSDT", side="buy", order_type="limit", size="-1", price="50000"), "40020"),
        (dict(symbol="BTCUSDT", side="buy", order_type="limit", size="0.1", price="50000", force="day"), "40020"),
        (dict(symbol="BTCUSDT", side="buy", order_type="limit", size="0.1", price="50000", client_oid="x" * 51),
         "40305"),
    ],
)
def test_spot_validation_codes(engine: Engine, kwargs: dict, code: str) -> None:
    with pytest.raises(EngineError) as info:
        engine.spot_place(KEY, **kwargs)
    assert info.value.code == code
    assert engine.account(KEY).spot["USDT"].frozen == 0


def test_duplicate_client_oid(engine: Engine) -> None:
    engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.1", "40000", client_oid="abc")
    with pytest.raises(EngineError) as info:
        engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.1", "40000", client_oid="abc")
    assert info.value.code == "43118"
    # per account: another key may reuse it
    engine.spot_place("other", "BTCUSDT", "buy", "limit", "0.1", "40000", client_oid="abc")


def test_cancel_unknown_and_finished(engine: Engine) -> None:
    with pytest.raises(EngineError) as info:
        engine.spot_cancel(KEY, "BTCUSDT", order_id="123")
    assert info.value.code == "43001"
    o = engine.spot_place(KEY, "BTCUSDT", "buy", "market", "100")
    with pytest.raises(EngineError):
        engine.spot_cancel(KEY, "BTCUSDT", order_id=o.order_id)
    by_coid = engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.1", "40000", client_oid="mine")
    assert engine.spot_cancel(KEY, "BTCUSDT", client_oid="mine") is by_coid


def test_cancel_symbol(engine: Engine) -> None:
    for p in ("40000", "41000"):
        engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.1", p)
    assert len(engine.spot_cancel_symbol(KEY, "BTCUSDT")) == 2
    assert engine.orders(KEY, "SPOT", open_only=True) == []
    assert bal(engine, "USDT").available == D("100000")


def test_accounts_are_isolated(engine: Engine) -> None:
    engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.1", "40000")
    assert engine.account("someone").spot["USDT"].frozen == 0
    assert engine.orders("someone", "SPOT", open_only=None) == []


def test_reset(engine: Engine, events: list) -> None:
    engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.1", "40000")
    engine.reset(KEY)
    acc = engine.account(KEY)
    assert acc.open_orders == {} and acc.orders == {} and acc.spot["USDT"].available == D("100000")
    assert any(e[1] == "account" for e in events)


def test_persistence_round_trip(engine: Engine, market: FakeMarket, tmp_path) -> None:
    live = engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.1", "40000", client_oid="keep")
    engine.spot_place(KEY, "BTCUSDT", "sell", "market", "0.1")
    path = tmp_path / "state" / "sim.json"
    engine.save(path)
    assert json.loads(path.read_text())["version"] == 1
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    again = Engine.load(path, market, Clock())
    acc = again.account(KEY)
    assert acc.spot["USDT"].frozen == D("4000")
    assert acc.open_orders[live.order_id].client_oid == "keep"
    assert acc.spot == engine.account(KEY).spot
    assert len(acc.fills) == len(engine.account(KEY).fills)
    with pytest.raises(EngineError):
        again.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.1", "40000", client_oid="keep")
    new = again.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.1", "40000")
    assert int(new.order_id) > int(live.order_id)
    again.spot_cancel(KEY, "BTCUSDT", order_id=live.order_id)
    assert again.account(KEY).spot["USDT"].frozen == D("4000")


def test_load_missing_file_gives_fresh_engine(market: FakeMarket, tmp_path) -> None:
    e = Engine.load(tmp_path / "none.json", market, Clock())
    assert e.accounts == {}


def test_load_tolerates_fields_from_other_versions(engine: Engine, market: FakeMarket, tmp_path) -> None:
    engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.1", "40000")
    engine.set_leverage(KEY, "USDT-FUTURES", "BTCUSDT", "5")
    data = engine.to_json()
    data["accounts"][0]["orders"][0]["from_the_future"] = 1
    data["accounts"][0]["futures"][0]["settings"]["BTCUSDT"]["other"] = True
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    again = Engine.load(path, market, Clock())
    assert len(again.account(KEY).open_orders) == 1
    assert again.futures_book(KEY, "USDT-FUTURES").settings["BTCUSDT"].cross_leverage == 5


def test_taken_liquidity_is_gone_until_the_next_tick(engine: Engine) -> None:
    engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.2", "50010")
    second = engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.1", "50020", force="ioc")
    assert second.avg_price == D("50020")  # the 50010 level was used up by the first order
    engine.on_tick(1)
    third = engine.spot_place(KEY, "BTCUSDT", "buy", "limit", "0.1", "50010", force="ioc")
    assert third.filled_base == D("0.1")
