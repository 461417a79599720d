"""Engine: USDT-FUTURES positions in one-way and hedge mode, margin, PnL, TP/SL, liquidation, mode rules."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from bitget_desktop.simulator import instruments
from bitget_desktop.simulator.accounts import EngineError
from bitget_desktop.simulator.engine import Engine

KEY = "bg_futkey"
PT = "USDT-FUTURES"
SYM = "BTCUSDT"
TAKER = D("0.0006")
MAKER = D("0.0002")


class FakeMarket:
    def __init__(self) -> None:
        self.books: dict = {}
        self.marks: dict = {}

    def instrument_spec(self, product, symbol):
        return instruments.spec(str(product), symbol)

    def book(self, product, symbol):
        return self.books.get((str(product), symbol), ([], []))

    def set_book(self, bids, asks, product=PT, symbol=SYM):
        self.books[(product, symbol)] = ([(D(p), D(s)) for p, s in bids], [(D(p), D(s)) for p, s in asks])

    def mark_price(self, product, symbol):
        return self.marks.get((str(product), symbol))

    def set_mark(self, price, product=PT, symbol=SYM):
        self.marks[(product, symbol)] = D(price)


class Clock:
    def __init__(self) -> None:
        self.t = 1_700_000_000_000

    def __call__(self) -> int:
        self.t += 1
        return self.t


@pytest.fixture
def market() -> FakeMarket:
    m = FakeMarket()
    m.set_book([("49999", "5"), ("49990", "5")], [("50001", "5"), ("50010", "5")])
    m.set_mark("50000")
    return m


@pytest.fixture
def engine(market: FakeMarket) -> Engine:
    return Engine(market, Clock())


@pytest.fixture
def events(engine: Engine) -> list:
    out: list = []
    engine.add_listener(lambda k, ch, it, data: out.append((k, ch, it, data)))
    return out


def fb(engine: Engine):
    return engine.futures_book(KEY, PT)


def pos(engine: Engine, hold: str):
    return fb(engine).positions.get(f"{SYM}:{hold}")


def place(engine: Engine, side: str, size: str, order_type: str = "market", price: str | None = None, **kw):
    return engine.futures_place(KEY, PT, SYM, side, order_type, size, price, **kw)


# --- one-way -----------------------------------------------------------------------------------------------------


def test_one_way_open_long_margin_fee_and_upl(engine: Engine, market: FakeMarket) -> None:
    o = place(engine, "buy", "1")
    assert o.status == "filled" and o.pos_side == "net" and o.trade_side is None
    p = pos(engine, "long")
    assert p.size == 1 and p.entry_price == D("50001") and p.leverage == 10
    assert p.margin == D("5000.1")
    assert fb(engine).balance == D("100000") - D("50001") * TAKER
    market.set_mark("51000")
    assert engine.unrealized(p, D("51000")) == D("999")
    m = engine.futures_metrics(engine.account(KEY), fb(engine))
    assert m["equity"] == fb(engine).balance + D("999")


def test_entry_price_averages(engine: Engine, market: FakeMarket) -> None:
    place(engine, "buy", "1")
    market.set_book([("50999", "5")], [("51001", "5")])
    place(engine, "buy", "1")
    assert pos(engine, "long").entry_price == D("50501")
    assert pos(engine, "long").size == 2


def test_one_way_sell_reduces_then_flips(engine: Engine, events: list) -> None:
    place(engine, "buy", "1")
    bal0 = fb(engine).balance
    o = place(engine, "sell", "3")
    assert pos(engine, "long") is None
    assert pos(engine, "short").size == 2
    assert o.total_profits == (D("49999") - D("50001")) * 1
    assert fb(engine).balance == bal0 - 2 - D("49999") * 3 * TAKER
    snap = [e for e in events if e[1] == "positions"][-1]
    assert [d["holdSide"] for d in snap[3]] == ["short"]


def test_one_way_reduce_only_never_flips_or_opens(engine: Engine) -> None:
    with pytest.raises(EngineError) as info:
        place(engine, "sell", "1", reduce_only="YES")
    assert info.value.code == "22002"
    place(engine, "buy", "1")
    with pytest.raises(EngineError) as info:
        place(engine, "buy", "1", reduce_only="YES")  # same direction: nothing to reduce
    assert info.value.code == "22002"
    o = place(engine, "sell", "3", reduce_only="yes")
    assert o.filled_base == 1 and o.status in ("filled", "cancelled")
    assert pos(engine, "long") is None and pos(engine, "short") is None


def test_one_way_resting_reduce_only_is_capped_at_fill_time(engine: Engine, market: FakeMarket) -> None:
    place(engine, "buy", "1")
    o = place(engine, "sell", "2", "limit", "50500", reduce_only="YES")
    assert o.status == "live"
    engine.on_trade(PT, SYM, "50600", "10", "buy", 10)
    assert o.filled_base == 1
    assert pos(engine, "long") is None and pos(engine, "short") is None
    assert not o.is_open


def test_trade_side_in_one_way_is_40774(engine: Engine) -> None:
    with pytest.raises(EngineError) as info:
        place(engine, "buy", "1", trade_side="Open")
    assert info.value.code == "40774"


def test_insufficient_margin_40762(engine: Engine) -> None:
    with pytest.raises(EngineError) as info:
        place(engine, "buy", "21")  # 21 * 50001 / 10 > 100000
    assert info.value.code == "40762"
    engine.set_leverage(KEY, PT, SYM, "50")
    assert place(engine, "buy", "10", "limit", "50010").status == "filled"


def test_limit_open_freezes_margin_and_cancel_releases(engine: Engine) -> None:
    o = place(engine, "buy", "1", "limit", "49000")
    m = engine.futures_metrics(engine.account(KEY), fb(engine))
    assert m["frozen"] == D("4900") and m["available"] == D("95100")
    engine.futures_cancel(KEY, PT, SYM, order_id=o.order_id)
    assert o.status == "cancelled"
    assert engine.futures_metrics(engine.account(KEY), fb(engine))["frozen"] == 0
    with pytest.raises(EngineError) as info:
        engine.futures_cancel(KEY, PT, SYM, order_id=o.order_id)
    assert info.value.code == "40768"


def test_maker_fill_of_resting_order_pays_maker_fee(engine: Engine) -> None:
    o = place(engine, "buy", "1", "limit", "49500")
    engine.on_trade(PT, SYM, "49400", "2", "sell", 10)
    assert o.status == "filled"
    assert pos(engine, "long").entry_price == D("49500")
    assert fb(engine).balance == D("100000") - D("49500") * MAKER
    fill = engine.fills(KEY, PT)[0]
    assert fill.maker and fill.fee == -(D("49500") * MAKER)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        (dict(size="0.00001"), "40808"),
        (dict(size="0.00005", price="50000.1", order_type="limit"), "40808"),
        (dict(size="0.0001", price="50000.15", order_type="limit"), "41103"),
        (dict(size="0.0001", price="40000", order_type="limit"), "45110"),
        (dict(size="5000", order_type="limit", price="50000"), "45112"),
        (dict(size="500"), "45112"),
        (dict(size="1", side="long"), "40020"),
        (dict(size="1", client_oid="c" * 51), "40305"),
    ],
)
def test_futures_validation_codes(engine: Engine, kwargs: dict, code: str) -> None:
    args = dict(side="buy", order_type="market", price=None) | kwargs
    with pytest.raises(EngineError) as info:
        engine.futures_place(KEY, PT, SYM, args.pop("side"), args.pop("order_type"), args.pop("size"),
                             args.pop("price"), **args)
    assert info.value.code == code


def test_unknown_contract_40102(engine: Engine) -> None:
    with pytest.raises(EngineError) as info:
        engine.futures_place(KEY, PT, "NOPEUSDT", "buy", "market", "1")
    assert info.value.code == "40102"


def test_duplicate_client_oid_40786(engine: Engine) -> None:
    place(engine, "buy", "0.1", "limit", "40000", client_oid="dup")
    with pytest.raises(EngineError) as info:
        place(engine, "buy", "0.1", "limit", "40000", client_oid="dup")
    assert info.value.code == "40786"


# --- hedge ---------------------------------------------------------------------------------------------------------


def test_hedge_open_and_close_semantics(engine: Engine) -> None:
    assert engine.set_position_mode(KEY, PT, "hedge_mode") == "hedge_mode"
    place(engine, "buy", "1", trade_side="open")
    place(engine, "sell", "2", trade_side="Open")
    assert pos(engine, "long").size == 1 and pos(engine, "short").size == 2
    # close long = side buy + tradeSide close, executes as a sell on the bids
    c = place(engine, "buy", "1", trade_side="close")
    assert c.exec_side == "sell" and c.reduce_only and c.pos_side == "long"
    assert c.avg_price == D("49999")
    assert pos(engine, "long") is None and pos(engine, "short").size == 2
    assert c.total_profits == D("-2")
    with pytest.raises(EngineError) as info:
        place(engine, "buy", "1", trade_side="close")
    assert info.value.code == "22002"
    with pytest.raises(EngineError) as info:
        place(engine, "sell", "3", trade_side="close")
    assert info.value.code == "40757"


def test_hedge_requires_trade_side(engine: Engine) -> None:
    engine.set_position_mode(KEY, PT, "hedge_mode")
    with pytest.raises(EngineError) as info:
        place(engine, "buy", "1")
    assert info.value.code == "40774"


def test_hedge_close_orders_lock_position(engine: Engine) -> None:
    engine.set_position_mode(KEY, PT, "hedge_mode")
    place(engine, "buy", "1", trade_side="open")
    c = place(engine, "buy", "0.6", "limit", "52000", trade_side="close")
    assert pos(engine, "long").locked == D("0.6")
    with pytest.raises(EngineError) as info:  # a limit close larger than the free size
        place(engine, "buy", "0.5", "limit", "52000", trade_side="close")
    assert info.value.code == "40757"
    engine.futures_cancel(KEY, PT, SYM, order_id=c.order_id)
    assert pos(engine, "long").locked == 0


def test_hedge_market_close_takes_only_the_free_size(engine: Engine) -> None:
    """Bitget docs: position 100, limit close 70, market close 50 -> closes 30, the limit close stays."""
    engine.set_position_mode(KEY, PT, "hedge_mode")
    place(engine, "buy", "1", trade_side="open")
    limit = place(engine, "buy", "0.7", "limit", "52000", trade_side="close")
    m = place(engine, "buy", "0.5", trade_side="close")
    assert m.size == D("0.3") and m.filled_base == D("0.3")
    assert limit.is_open and pos(engine, "long").size == D("0.7") and pos(engine, "long").locked == D("0.7")


def test_hedge_close_cancels_limit_closes_occupying_everything(engine: Engine) -> None:
    engine.set_position_mode(KEY, PT, "hedge_mode")
    place(engine, "buy", "1", trade_side="open")
    limit = place(engine, "buy", "1", "limit", "52000", trade_side="close")
    m = place(engine, "buy", "0.4", trade_side="close")
    assert limit.status == "cancelled" and m.filled_base == D("0.4")
    assert pos(engine, "long").size == D("0.6") and pos(engine, "long").locked == 0


def test_one_way_reduce_only_evicts_older_reduce_only_orders(engine: Engine) -> None:
    place(engine, "buy", "1")
    first = place(engine, "sell", "0.6", "limit", "52000", reduce_only="YES")
    second = place(engine, "sell", "0.3", "limit", "53000", reduce_only="YES")
    third = place(engine, "sell", "0.5", "limit", "54000", reduce_only="YES")
    assert first.status == "cancelled" and second.is_open and third.is_open


def test_position_mode_refused_with_position_or_order(engine: Engine) -> None:
    o = place(engine, "buy", "1", "limit", "40000")
    with pytest.raises(EngineError) as info:
        engine.set_position_mode(KEY, PT, "hedge_mode")
    assert info.value.code == "40920"
    engine.futures_cancel(KEY, PT, SYM, order_id=o.order_id)
    place(engine, "buy", "1")
    with pytest.raises(EngineError) as info:
        engine.set_position_mode(KEY, PT, "hedge_mode")
    assert info.value.code == "40920"
    engine.close_positions(KEY, PT)
    assert engine.set_position_mode(KEY, PT, "HEDGE_MODE") == "hedge_mode"
    place(engine, "sell", "1", trade_side="open")
    with pytest.raises(EngineError) as info:
        engine.set_position_mode(KEY, PT, "one_way_mode")
    assert info.value.code == "40920"
    # setting the current mode again is fine
    assert engine.set_position_mode(KEY, PT, "hedge_mode") == "hedge_mode"


def test_margin_mode_refused_with_position_or_order(engine: Engine) -> None:
    o = place(engine, "buy", "1", "limit", "40000")
    with pytest.raises(EngineError) as info:
        engine.set_margin_mode(KEY, PT, SYM, "isolated")
    assert info.value.code == "45117"
    engine.futures_cancel(KEY, PT, SYM, order_id=o.order_id)
    assert engine.set_margin_mode(KEY, PT, SYM, "isolated").margin_mode == "isolated"
    # other symbols are unaffected
    assert engine.set_margin_mode(KEY, PT, "ETHUSDT", "crossed").margin_mode == "crossed"


def test_set_leverage_range_and_hold_side(engine: Engine) -> None:
    with pytest.raises(EngineError) as info:
        engine.set_leverage(KEY, PT, SYM, "126")
    assert info.value.code == "43050"
    engine.set_margin_mode(KEY, PT, SYM, "isolated")
    s = engine.set_leverage(KEY, PT, SYM, "20", hold_side="long")
    assert (s.long_leverage, s.short_leverage) == (20, 10)
    place(engine, "buy", "1")
    assert pos(engine, "long").leverage == 20 and pos(engine, "long").margin == D("50001") / 20


# --- close / reverse ------------------------------------------------------------------------------------------------


def test_close_positions_one_way_and_hedge(engine: Engine) -> None:
    with pytest.raises(EngineError) as info:
        engine.close_positions(KEY, PT)
    assert info.value.code == "22002"
    place(engine, "buy", "1")
    out = engine.close_positions(KEY, PT, SYM)
    assert len(out) == 1 and out[0].reduce_only and out[0].side == "sell"
    assert fb(engine).positions == {}
    engine.set_position_mode(KEY, PT, "hedge_mode")
    place(engine, "buy", "1", trade_side="open")
    place(engine, "sell", "1", trade_side="open")
    out = engine.close_positions(KEY, PT, SYM, hold_side="short")
    assert [o.side for o in out] == ["sell"] and out[0].trade_side == "close"
    assert list(fb(engine).positions) == [f"{SYM}:long"]


def test_click_backhand_reverses(engine: Engine) -> None:
    place(engine, "buy", "1")
    engine.click_backhand(KEY, PT, SYM)
    assert pos(engine, "long") is None and pos(engine, "short").size == 1


def test_click_backhand_hedge(engine: Engine) -> None:
    engine.set_position_mode(KEY, PT, "hedge_mode")
    place(engine, "sell", "0.5", trade_side="open")
    engine.click_backhand(KEY, PT, SYM)
    assert pos(engine, "short") is None and pos(engine, "long").size == D("0.5")


# --- TP/SL and liquidation ---------------------------------------------------------------------------------------


def test_preset_take_profit_triggers_on_mark(engine: Engine, market: FakeMarket, events: list) -> None:
    o = place(engine, "buy", "1", preset_tp="52000", preset_sl="48000")
    assert o.preset_tp == D("52000")
    plans = engine.plans(KEY, PT)
    assert sorted(p.plan_type for p in plans) == ["loss_plan", "profit_plan"]
    market.set_mark("51000")
    engine.on_tick(1)
    assert pos(engine, "long").size == 1
    market.set_mark("52000")
    market.set_book([("52000", "5")], [("52001", "5")])
    engine.on_tick(2)
    assert pos(engine, "long") is None
    assert engine.plans(KEY, PT) == []  # the stop loss went with the position
    closing = engine.orders(KEY, PT, open_only=False)[0]
    assert closing.order_source == "profit_plan" and closing.total_profits == D("52000") - D("50001")
    assert [d for e in events if e[1] == "positions" for d in e[3]]  # the position was pushed while it was open
    assert [e for e in events if e[1] == "positions"][-1][3] == []


def test_preset_stop_loss_triggers_short_in_hedge(engine: Engine, market: FakeMarket) -> None:
    engine.set_position_mode(KEY, PT, "hedge_mode")
    place(engine, "sell", "1", trade_side="open", preset_sl="50500")
    market.set_mark("50600")
    market.set_book([("50590", "5")], [("50610", "5")])
    engine.on_tick(1)
    assert pos(engine, "short") is None
    last = engine.orders(KEY, PT, open_only=False)[0]
    assert last.side == "sell" and last.trade_side == "close" and last.order_source == "loss_plan"


def test_tpsl_on_wrong_side_refused(engine: Engine) -> None:
    with pytest.raises(EngineError) as info:
        place(engine, "buy", "1", preset_tp="49000")
    assert info.value.code == "40829"
    with pytest.raises(EngineError) as info:
        place(engine, "buy", "1", preset_sl="51000")
    assert info.value.code == "40833"


def test_liquidation_price_isolated_and_crossed(engine: Engine, market: FakeMarket) -> None:
    engine.set_margin_mode(KEY, PT, SYM, "isolated")
    engine.set_leverage(KEY, PT, SYM, "10")
    place(engine, "buy", "1")
    acc, book = engine.account(KEY), fb(engine)
    p = pos(engine, "long")
    liq = engine.liquidation_price(acc, book, p)
    # isolated long at 10x: about entry * (1 - 1/10) / (1 - mmr)
    expect = (D("50001") - D("5000.1")) / (1 - D("0.004"))
    assert abs(liq - expect) < D("0.1")
    assert liq < p.entry_price
    engine.close_positions(KEY, PT)
    engine.set_margin_mode(KEY, PT, SYM, "crossed")
    place(engine, "sell", "1")
    p = pos(engine, "short")
    liq_cross = engine.liquidation_price(acc, book, p)
    # the whole wallet backs a crossed short: liquidation far above the entry
    assert liq_cross > D("140000")
    view = engine.position_views(acc, book, ws=False)[0]
    assert view["liquidationPrice"] == str(liq_cross) or D(view["liquidationPrice"]) == liq_cross


def test_isolated_liquidation_executes(engine: Engine, market: FakeMarket, events: list) -> None:
    engine.set_margin_mode(KEY, PT, SYM, "isolated")
    engine.set_leverage(KEY, PT, SYM, "20")
    place(engine, "buy", "1")
    bal = fb(engine).balance
    liq = engine.liquidation_price(engine.account(KEY), fb(engine), pos(engine, "long"))
    market.set_mark(str(liq - 1))
    engine.on_tick(9)
    assert pos(engine, "long") is None
    assert fb(engine).balance == bal - D("50001") / 20


def test_crossed_equity_and_account_view(engine: Engine, market: FakeMarket) -> None:
    place(engine, "buy", "1")
    market.set_mark("49000")
    acc = engine.account(KEY)
    v = engine.futures_account_ws(acc, fb(engine))
    assert D(v["equity"]) == fb(engine).balance - D("1001")
    assert D(v["maxOpenPosAvailable"]) == fb(engine).balance - D("1001") - D("5000.1")


def test_futures_persistence_round_trip(engine: Engine, market: FakeMarket, tmp_path) -> None:
    engine.set_position_mode(KEY, PT, "hedge_mode")
    engine.set_leverage(KEY, PT, SYM, "7")
    place(engine, "buy", "1", trade_side="open", preset_tp="60000")
    place(engine, "buy", "0.5", "limit", "60000", trade_side="close")
    path = tmp_path / "sim.json"
    engine.save(path)
    again = Engine.load(path, market, Clock())
    b = again.futures_book(KEY, PT)
    assert b.pos_mode == "hedge_mode" and b.settings[SYM].cross_leverage == 7
    assert b.positions[f"{SYM}:long"].locked == D("0.5")
    assert b.balance == fb(engine).balance
    assert len(b.plans) == 1


def test_order_margin_mode_only_picks_the_mode_until_it_is_set(engine: Engine) -> None:
    o = place(engine, "buy", "0.1", "limit", "40000", margin_mode="isolated")
    assert o.margin_mode == "isolated"
    engine.futures_cancel(KEY, PT, SYM, order_id=o.order_id)
    engine.set_margin_mode(KEY, PT, SYM, "isolated")
    o = place(engine, "buy", "0.1", "limit", "40000", margin_mode="crossed")  # ccxt's default: ignored now
    assert o.margin_mode == "isolated"


def test_lowering_leverage_needs_margin_40893(engine: Engine) -> None:
    engine.set_leverage(KEY, PT, SYM, "100")
    place(engine, "buy", "10", "limit", "50010")
    with pytest.raises(EngineError) as info:
        engine.set_leverage(KEY, PT, SYM, "1")
    assert info.value.code == "40893"
    assert fb(engine).settings[SYM].cross_leverage == 100 and pos(engine, "long").leverage == 100
    engine.set_leverage(KEY, PT, SYM, "20")
    p = pos(engine, "long")
    assert p.leverage == 20 and p.margin == p.entry_price * p.size / 20


def test_history_is_capped(engine: Engine, monkeypatch) -> None:
    import bitget_desktop.simulator.engine as engine_module

    monkeypatch.setattr(engine_module, "MAX_STORED_ORDERS", 3)
    first = place(engine, "buy", "0.1", client_oid="old")
    for _ in range(4):
        place(engine, "buy", "0.1")
    acc = engine.account(KEY)
    assert len(acc.orders) <= 4 and first.order_id not in acc.orders and "old" not in acc.client_oids


def test_funding_settles_at_funding_time(engine: Engine, market: FakeMarket) -> None:
    interval = 8 * 3600 * 1000
    market.next_funding_time = lambda now=None: (now // interval + 1) * interval
    market.funding_rate = lambda symbol, now=None: D("0.0001")
    engine.set_position_mode(KEY, PT, "hedge_mode")
    place(engine, "buy", "1", trade_side="open")
    place(engine, "sell", "2", trade_side="open")
    t0 = 1_700_000_000_000
    engine.on_tick(t0)  # learns the next funding time
    before = fb(engine).balance
    due = (t0 // interval + 1) * interval
    engine.on_tick(due - 1)
    assert fb(engine).balance == before
    engine.on_tick(due)
    # long pays 1 x 50000 x 0.0001, short receives 2 x 50000 x 0.0001
    assert fb(engine).balance == before - 5 + 10
    bills = engine.bills(KEY, PT, business_type="contract_settle_fee")
    assert sorted(b["amount"] for b in bills) == ["-5", "10"] and all(b["cTime"] == str(due) for b in bills)
    engine.on_tick(due + 1000)
    assert len(engine.bills(KEY, PT)) == 2


def test_stop_loss_frees_size_locked_by_a_pending_close_order(engine: Engine, market: FakeMarket) -> None:
    engine.set_position_mode(KEY, PT, "hedge_mode")
    place(engine, "buy", "1", trade_side="open", preset_sl="49000")
    tp_order = place(engine, "buy", "1", "limit", "60000", trade_side="close")
    assert pos(engine, "long").locked == 1
    market.set_mark("48900")
    market.set_book([("48900", "5")], [("48901", "5")])
    engine.on_tick(1)
    assert pos(engine, "long") is None
    assert tp_order.status == "cancelled"


def test_one_way_single_trade_side_tags_are_accepted(engine: Engine) -> None:
    o = place(engine, "buy", "1", trade_side="buy_single")
    assert o.status == "filled" and o.trade_side is None
    with pytest.raises(EngineError) as info:
        place(engine, "sell", "1", trade_side="buy_single")
    assert info.value.code == "400172"
    engine.close_positions(KEY, PT)
    engine.set_position_mode(KEY, PT, "hedge_mode")
    with pytest.raises(EngineError) as info:
        place(engine, "buy", "1", trade_side="buy_single")
    assert info.value.code == "40774"


def test_margins_are_kept_to_eight_decimals(engine: Engine) -> None:
    engine.set_leverage(KEY, PT, SYM, "7")
    place(engine, "buy", "1")
    [view] = engine.position_views(engine.account(KEY), fb(engine), ws=False)
    assert len(view["marginSize"].split(".")[-1]) <= 8
