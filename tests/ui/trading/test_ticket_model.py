"""The ticket model: field parsing, linked fields, and hostile input that must never become a malformed order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bitget_desktop.domain.market import Instrument
from bitget_desktop.domain.trading import (
    HoldSide,
    Intent,
    MarginMode,
    OrderRequest,
    OrderType,
    PositionMode,
    Side,
    TimeInForce,
    TradeSide,
)
from bitget_desktop.simulator.instruments import INSTRUMENTS
from bitget_desktop.ui.trading.model import (
    MarketState,
    PerpContext,
    PerpInputs,
    SpotContext,
    SpotInputs,
    build_perp,
    build_spot,
    estimate_liquidation,
    link_fields,
    perp_pct_size,
    snap_field,
    spot_pct_fill,
)
from bitget_desktop.ui.trading.numbers import FieldError, parse_amount

D = Decimal
SPOT = {s.symbol: s.to_instrument() for s in INSTRUMENTS if s.product_type == "SPOT"}
PERP = {s.symbol: s.to_instrument() for s in INSTRUMENTS if s.product_type != "SPOT"}
BTC, BTC_PERP = SPOT["BTCUSDT"], PERP["BTCUSDT"]
MKT = MarketState(last=D("85000.00"), bid=D("84999.99"), ask=D("85000.01"))


# -- parsing ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "value"), [
    ("1", D("1")), (" 0.5 ", D("0.5")), ("+2", D("2")), (".25", D("0.25")), ("3.", D("3")),
    ("1,234.5", D("1234.5")), ("1 234 567", D("1234567")), ("1\u00a0234.5", D("1234.5")), ("1'000", D("1000")),
    ("１２３．４", D("123.4")), ("١٢٣", D("123")), ("\u200b42\u200b", D("42")), ("", None), ("   ", None),
])
def test_parse_accepts(text: str, value: Decimal | None) -> None:
    assert parse_amount(text, "f") == value


@pytest.mark.parametrize(("text", "reason"), [
    ("-1", "positive"), ("\u22121", "positive"), ("abc", "not a number"), ("1e5", "not a number"),
    ("NaN", "not a number"), ("inf", "not a number"), ("1,5", "decimal point"), ("1,23,4", "not a number"),
    ("1.2.3", "not a number"), ("9" * 17, "too large"), ("0." + "1" * 19, "decimals"), ("1" * 50, "too long"),
    ("1 2", "not a number"), ("0x10", "not a number"), ("--1", "positive"), ("1-", "not a number"),
])
def test_parse_rejects(text: str, reason: str) -> None:
    with pytest.raises(FieldError) as err:
        parse_amount(text, "price")
    assert reason in err.value.reason and err.value.field == "price"


# -- spot -------------------------------------------------------------------------------------------------------------
def spot_ctx(**kw: object) -> SpotContext:
    base = dict(instrument=BTC, market=MKT, base_available=D("1"), quote_available=D("100000"))
    base.update(kw)
    return SpotContext(**base)  # type: ignore[arg-type]


def test_spot_limit_buy_valid() -> None:
    r = build_spot(SpotInputs(Side.BUY, OrderType.LIMIT, TimeInForce.GTC, "84000.5", "0.01", ""), spot_ctx())
    assert r.ok and r.request is not None
    assert r.request.price == D("84000.50") and r.request.size == D("0.010000") and r.request.side is Side.BUY
    assert "Buy 0.01 BTC at 84000.50" in r.preview


def test_spot_reasons_next_to_fields() -> None:
    ctx = spot_ctx()
    r = build_spot(SpotInputs(Side.BUY, OrderType.LIMIT, price="84000.555", size="0.0000001"), ctx)
    assert "tick" in r.errors["price"] and "lot" in r.errors["size"]
    r = build_spot(SpotInputs(Side.BUY, OrderType.LIMIT, price="90000", size="0.01"), ctx)
    assert r.request is not None and "price" not in r.errors  # the guard warns; the ticket asks to confirm
    assert r.warning == ("Price 90000.00 USDT is 5.9% above the last price 85000.00 USDT; the fat-finger guard is 5% "
                         "(setting fat_finger_pct).")
    r = build_spot(SpotInputs(Side.BUY, OrderType.LIMIT, price="90000", size="0.01"), spot_ctx(fat_finger_pct=D(10)))
    assert r.ok
    r = build_spot(SpotInputs(Side.BUY, OrderType.LIMIT, price="90000", size="0.01"), spot_ctx(market=MarketState()))
    assert "no market price yet" in r.errors["price"]
    r = build_spot(SpotInputs(Side.BUY, OrderType.LIMIT, price="90000", size="0.01"),
                   spot_ctx(market=MarketState(), fat_finger_pct=None))
    assert r.ok
    r = build_spot(SpotInputs(Side.BUY, OrderType.LIMIT, price="85000", size="2"), ctx)
    assert "needs 170000.00 USDT" in r.errors["total"]
    r = build_spot(SpotInputs(Side.SELL, OrderType.LIMIT, price="85000", size="2"), ctx)
    assert "1 BTC available" in r.errors["size"]
    r = build_spot(SpotInputs(Side.BUY, OrderType.LIMIT, price="85000", size="0.000001"), ctx)
    assert "minimum" in r.errors["size"]  # 0.085 USDT < 1 USDT minimum notional
    r = build_spot(SpotInputs(Side.BUY, OrderType.MARKET, total="0.5"), ctx)
    assert "minimum" in r.errors["total"]
    r = build_spot(SpotInputs(Side.BUY, OrderType.MARKET, total="200000"), ctx)
    assert "available" in r.errors["total"]
    r = build_spot(SpotInputs(Side.BUY, OrderType.MARKET, TimeInForce.POST_ONLY, total="100"), ctx)
    assert "limit" in r.errors["force"]


def test_spot_market_buy_is_quote_sized() -> None:
    r = build_spot(SpotInputs(Side.BUY, OrderType.MARKET, total="100", size="999"), spot_ctx())
    assert r.request is not None and r.request.is_quote_sized and r.request.size == D("100")
    assert r.request.price is None and "spend 100 USDT" in r.preview


def test_linked_fields_and_pct() -> None:
    assert link_fields(BTC, "size", "85000", "0.01", "") == {"total": "850"}
    assert link_fields(BTC, "total", "85000", "", "850") == {"size": "0.01"}
    assert link_fields(BTC, "price", "80000", "0.01", "850", anchor="size") == {"total": "800"}
    assert link_fields(BTC, "price", "80000", "0.01", "850", anchor="total") == {"size": "0.010625"}
    assert link_fields(BTC, "price", "x", "0.01", "850") == {}
    # off the tick: in the trader's favour, a buy down and a sell up; TP/SL are not snapped (refused instead)
    assert snap_field(BTC, "price", "85000.005") == "85000.00"
    assert snap_field(BTC, "price", "85000.005", buying=False) == "85000.01"
    assert snap_field(BTC, "price", "85000.001", buying=False) == "85000.01"
    assert snap_field(BTC, "take_profit", "85000.005") == "85000.005"
    assert snap_field(BTC, "size", "0.1234567") == "0.123456"
    assert snap_field(BTC, "size", "junk") == "junk"
    assert spot_pct_fill(BTC, 50, Side.BUY, OrderType.LIMIT, D("85000"), D(1), D(1000)) == {
        "size": "0.005882", "total": "499.97"}
    assert spot_pct_fill(BTC, 25, Side.SELL, OrderType.LIMIT, D("85000"), D(1), D(1000)) == {
        "size": "0.25", "total": "21250"}
    assert spot_pct_fill(BTC, 10, Side.BUY, OrderType.MARKET, None, D(1), D(1000)) == {"total": "100"}
    assert perp_pct_size(BTC_PERP, 100, D("85000"), D("1000"), 10) == "0.1169"


# -- perps ------------------------------------------------------------------------------------------------------------
def perp_ctx(**kw: object) -> PerpContext:
    base = dict(instrument=BTC_PERP, market=MarketState(last=D("85000.0"), bid=D("84999.9"), ask=D("85000.1")),
                available=D("10000"), leverage=10)
    base.update(kw)
    return PerpContext(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(("mode", "intent", "side", "trade_side", "reduce"), [
    (PositionMode.HEDGE, Intent.OPEN_LONG, Side.BUY, TradeSide.OPEN, False),
    (PositionMode.HEDGE, Intent.CLOSE_LONG, Side.BUY, TradeSide.CLOSE, False),
    (PositionMode.HEDGE, Intent.OPEN_SHORT, Side.SELL, TradeSide.OPEN, False),
    (PositionMode.HEDGE, Intent.CLOSE_SHORT, Side.SELL, TradeSide.CLOSE, False),
    (PositionMode.ONE_WAY, Intent.BUY, Side.BUY, None, False),
    (PositionMode.ONE_WAY, Intent.SELL, Side.SELL, None, False),
    (PositionMode.ONE_WAY, Intent.BUY_REDUCE, Side.BUY, None, True),
    (PositionMode.ONE_WAY, Intent.SELL_REDUCE, Side.SELL, None, True),
])
def test_perp_wire_sides(mode: PositionMode, intent: Intent, side: Side, trade_side: TradeSide | None,
                         reduce: bool) -> None:
    r = build_perp(PerpInputs(intent, OrderType.MARKET, size="0.01"), perp_ctx(position_mode=mode))
    assert r.request is not None, r.errors
    assert (r.request.side, r.request.trade_side, r.request.reduce_only) == (side, trade_side, reduce)
    assert r.request.margin_mode is MarginMode.CROSSED and r.request.margin_coin == "USDT"


def test_perp_refuses_intents_of_the_other_mode_and_bad_closes() -> None:
    r = build_perp(PerpInputs(Intent.OPEN_LONG, OrderType.MARKET, size="0.01"), perp_ctx())
    assert "one-way" in r.errors["form"]
    r = build_perp(PerpInputs(Intent.BUY, OrderType.MARKET, size="0.01"), perp_ctx(position_mode=PositionMode.HEDGE))
    assert "hedge" in r.errors["form"]
    ctx = perp_ctx(position_mode=PositionMode.HEDGE, positions={HoldSide.LONG: D("0.01")})
    r = build_perp(PerpInputs(Intent.CLOSE_LONG, OrderType.MARKET, size="0.02"), ctx)
    assert "0.01 BTC long position" in r.errors["size"]
    r = build_perp(PerpInputs(Intent.CLOSE_SHORT, OrderType.MARKET, size="0.01"), ctx)
    assert "no short position" in r.errors["size"]
    r = build_perp(PerpInputs(Intent.CLOSE_LONG, OrderType.MARKET, size="0.01", take_profit="90000"), ctx)
    assert "opening" in r.errors["take_profit"]
    r = build_perp(PerpInputs(Intent.OPEN_LONG, OrderType.MARKET, size="10"), ctx)
    assert "margin and fee" in r.errors["size"]
    r = build_perp(PerpInputs(Intent.OPEN_LONG, OrderType.MARKET, size="0.01", take_profit="80000"), ctx)
    assert "above" in r.errors["take_profit"]
    r = build_perp(PerpInputs(Intent.OPEN_LONG, OrderType.MARKET, size="0.01"), perp_ctx(
        position_mode=PositionMode.HEDGE, leverage=500))
    assert "125x" in r.errors["leverage"]


def test_perp_preview_tells_mode_cost_margin_fee_liq() -> None:
    r = build_perp(PerpInputs(Intent.OPEN_LONG, OrderType.LIMIT, price="85000.0", size="0.1", take_profit="90000",
                              stop_loss="80000"),
                   perp_ctx(position_mode=PositionMode.HEDGE, margin_mode=MarginMode.ISOLATED))
    assert r.ok, r.errors
    p = r.preview
    assert p.startswith("Sends: BUY LIMIT 0.1 BTC at 85000.0 USDT · GTC · tradeSide open · not reduce-only · "
                        "TP 90000.0 · SL 80000.0\n")
    assert "Hedge mode: Opens or adds to a LONG of 0.1 BTC at 85000.0" in p
    assert "Cost ≈ 8500.00 USDT" in p and "margin ≈ 850.00 USDT (10x isolated)" in p and "fee ≈ 1.7000" in p
    assert "liq. ≈ 76807.2" in p and "TP 90000.0" in p and "SL 80000.0" in p
    r = build_perp(PerpInputs(Intent.SELL_REDUCE, OrderType.MARKET, size="0.1"), perp_ctx())
    assert r.preview.startswith("Sends: SELL MARKET 0.1 BTC · reduce-only") and "cannot open a short" in r.preview
    liq = estimate_liquidation(D(100), D(1), long=False, leverage=10, margin_mode=MarginMode.ISOLATED, available=None)
    assert liq is not None and D(109) < liq < D(110)


# -- properties -------------------------------------------------------------------------------------------------------
NUMBERS = st.one_of(
    st.decimals(min_value=D("-1e6"), max_value=D("1e7"), allow_nan=False, allow_infinity=False, places=None)
    .map(lambda d: format(d, "f")),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
)
HOSTILE = st.one_of(
    NUMBERS,
    st.text(max_size=60),
    st.text(alphabet="0123456789.,+- _'\u00a0\u202f١٢٣٤٥٦٧٨٩٠０１２３．eE\u200b", max_size=30),
    st.sampled_from(["", " ", "NaN", "-0", "0", "0.0", "1e400", "Infinity", "sNaN", "1_000", "１２", "٣.٥",
                     "99999999999999999999999", "0." + "0" * 30 + "1", "85 000,00", "85,000.00", "\t1\n"]),
    st.builds(lambda a, b: f"{a} {b}", NUMBERS, NUMBERS),
)


def _assert_well_formed(req: OrderRequest, inst: Instrument) -> None:
    assert req.symbol == inst.symbol and req.product_type is inst.product_type
    assert isinstance(req.size, Decimal) and req.size.is_finite() and req.size > 0
    if req.price is not None:
        assert isinstance(req.price, Decimal) and req.price.is_finite() and req.price > 0
        assert inst.price_on_tick(req.price)
    if not req.is_quote_sized:
        assert inst.size_on_lot(req.size) and req.size >= inst.min_size
    for p in (req.preset_take_profit, req.preset_stop_loss):
        assert p is None or (p.is_finite() and p > 0 and inst.price_on_tick(p))
    assert 0 < len(req.client_oid) <= 50


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=st.sampled_from(sorted(SPOT.values(), key=lambda i: i.symbol)), side=st.sampled_from(Side),
       otype=st.sampled_from(OrderType), force=st.sampled_from(TimeInForce),
       price=HOSTILE, size=HOSTILE, total=HOSTILE,
       base=st.one_of(st.none(), st.decimals(min_value=0, max_value=10**6, places=4)),
       quote=st.one_of(st.none(), st.decimals(min_value=0, max_value=10**9, places=2)))
def test_spot_model_only_valid_requests_or_field_errors(inst: Instrument, side: Side, otype: OrderType,
                                                       force: TimeInForce, price: str, size: str, total: str,
                                                       base: Decimal | None, quote: Decimal | None) -> None:
    ctx = SpotContext(inst, MarketState(last=D("100")), base, quote, D("5"))
    r = build_spot(SpotInputs(side, otype, force, price, size, total), ctx)
    if r.request is None:
        assert r.errors and all(k in {"price", "size", "total", "force", "form"} and v for k, v in r.errors.items())
        return
    assert not r.errors
    _assert_well_formed(r.request, inst)
    if otype is OrderType.LIMIT:
        # beyond the guard the request stands but carries the warning the ticket asks the trader to confirm
        assert (abs(r.request.price - 100) > 5) == bool(r.warning)  # type: ignore[operator]
        if quote is not None and side is Side.BUY:
            assert r.request.price * r.request.size <= quote  # type: ignore[operator]
    if side is Side.SELL and base is not None:
        assert r.request.size <= base


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=st.sampled_from(sorted(PERP.values(), key=lambda i: i.symbol)), intent=st.sampled_from(Intent),
       mode=st.sampled_from(PositionMode), margin=st.sampled_from(MarginMode),
       otype=st.sampled_from(OrderType), force=st.sampled_from(TimeInForce),
       price=HOSTILE, size=HOSTILE, tp=HOSTILE, sl=HOSTILE, lev=st.integers(-5, 300),
       avail=st.one_of(st.none(), st.decimals(min_value=0, max_value=10**9, places=2)))
def test_perp_model_only_valid_requests_or_field_errors(inst: Instrument, intent: Intent, mode: PositionMode,
                                                       margin: MarginMode, otype: OrderType, force: TimeInForce,
                                                       price: str, size: str, tp: str, sl: str, lev: int,
                                                       avail: Decimal | None) -> None:
    ctx = PerpContext(inst, mode, margin, lev, MarketState(last=D("100")), avail)
    r = build_perp(PerpInputs(intent, otype, force, price, size, tp, sl), ctx)
    if r.request is None:
        assert r.errors and all(k in {"price", "size", "take_profit", "stop_loss", "leverage", "force", "form"} and v
                                for k, v in r.errors.items())
        return
    _assert_well_formed(r.request, inst)
    req = r.request
    assert req.margin_mode is margin and req.margin_coin == inst.margin_coin
    if mode is PositionMode.HEDGE:
        assert req.trade_side is not None and not req.reduce_only
    else:
        assert req.trade_side is None
    if req.reduce_only or req.trade_side is TradeSide.CLOSE:
        assert req.preset_take_profit is None and req.preset_stop_loss is None


@settings(max_examples=300, deadline=None)
@given(text=HOSTILE)
def test_parse_amount_total(text: str) -> None:
    try:
        v = parse_amount(text, "x")
    except FieldError as exc:
        assert exc.field == "x" and exc.reason
    else:
        assert v is None or (isinstance(v, Decimal) and v.is_finite() and 0 <= v <= D("1e15"))
