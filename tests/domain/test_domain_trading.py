"""Wire enums, the intent table, client oids and OrderRequest.build validation."""

from __future__ import annotations

import itertools
import re
from decimal import ROUND_DOWN, Decimal

import pytest

from bitget_desktop.domain.market import Instrument, ProductType
from bitget_desktop.domain.trading import (
    Balance,
    HoldSide,
    Intent,
    MarginMode,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    OrderValidationError,
    PositionMode,
    Side,
    TimeInForce,
    TradeSide,
    WireSide,
    new_client_oid,
    translate_intent,
)

D = Decimal


# -- enums ----------------------------------------------------------------------------------------------------
def test_wire_values() -> None:
    assert [s.value for s in Side] == ["buy", "sell"]
    assert [t.value for t in TradeSide] == ["open", "close"]
    assert [m.value for m in PositionMode] == ["one_way_mode", "hedge_mode"]
    assert [m.value for m in MarginMode] == ["crossed", "isolated"]
    assert [o.value for o in OrderType] == ["limit", "market"]
    assert [f.value for f in TimeInForce] == ["gtc", "post_only", "ioc", "fok"]
    assert [h.value for h in HoldSide] == ["long", "short"]
    assert [s.value for s in OrderStatus] == ["live", "partially_filled", "filled", "cancelled"]


def test_enum_parse_any_case() -> None:
    assert TradeSide.parse("Close") is TradeSide.CLOSE and Side.parse("Buy") is Side.BUY
    assert TimeInForce.parse("GTC") is TimeInForce.GTC and Side.BUY.opposite is Side.SELL
    with pytest.raises(ValueError, match="unknown Side"):
        Side.parse("long")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("live", OrderStatus.LIVE),
        ("new", OrderStatus.LIVE),
        ("init", OrderStatus.LIVE),
        ("partially_filled", OrderStatus.PARTIALLY_FILLED),
        ("partial_fill", OrderStatus.PARTIALLY_FILLED),
        ("filled", OrderStatus.FILLED),
        ("full_fill", OrderStatus.FILLED),
        ("canceled", OrderStatus.CANCELLED),
        ("cancelled", OrderStatus.CANCELLED),
        ("CANCELED", OrderStatus.CANCELLED),
    ],
)
def test_order_status_parse(raw: str, expected: OrderStatus) -> None:
    assert OrderStatus.parse(raw) is expected


def test_order_status_parse_unknown_and_is_open() -> None:
    with pytest.raises(ValueError, match="unknown order status"):
        OrderStatus.parse("weird")
    assert OrderStatus.LIVE.is_open and OrderStatus.PARTIALLY_FILLED.is_open
    assert not OrderStatus.FILLED.is_open and not OrderStatus.CANCELLED.is_open


# -- intent table (reference 4.4.2) ---------------------------------------------------------------------------
B, S, O, C = Side.BUY, Side.SELL, TradeSide.OPEN, TradeSide.CLOSE
EXPECTED = {
    (PositionMode.HEDGE, Intent.OPEN_LONG): (B, O, False),
    (PositionMode.HEDGE, Intent.CLOSE_LONG): (B, C, False),
    (PositionMode.HEDGE, Intent.OPEN_SHORT): (S, O, False),
    (PositionMode.HEDGE, Intent.CLOSE_SHORT): (S, C, False),
    (PositionMode.HEDGE, Intent.BUY): (B, O, False),
    (PositionMode.HEDGE, Intent.SELL): (S, O, False),
    (PositionMode.HEDGE, Intent.BUY_REDUCE): (S, C, False),
    (PositionMode.HEDGE, Intent.SELL_REDUCE): (B, C, False),
    (PositionMode.ONE_WAY, Intent.OPEN_LONG): (B, None, False),
    (PositionMode.ONE_WAY, Intent.CLOSE_LONG): (S, None, True),
    (PositionMode.ONE_WAY, Intent.OPEN_SHORT): (S, None, False),
    (PositionMode.ONE_WAY, Intent.CLOSE_SHORT): (B, None, True),
    (PositionMode.ONE_WAY, Intent.BUY): (B, None, False),
    (PositionMode.ONE_WAY, Intent.SELL): (S, None, False),
    (PositionMode.ONE_WAY, Intent.BUY_REDUCE): (B, None, True),
    (PositionMode.ONE_WAY, Intent.SELL_REDUCE): (S, None, True),
}


def test_intent_table_is_exhaustive() -> None:
    assert set(EXPECTED) == set(itertools.product(PositionMode, Intent))


@pytest.mark.parametrize(("key", "wire"), list(EXPECTED.items()), ids=lambda v: str(v))
def test_translate_intent(key: tuple[PositionMode, Intent], wire: tuple) -> None:
    mode, intent = key
    got = translate_intent(intent, mode)
    assert isinstance(got, WireSide) and tuple(got) == wire
    assert translate_intent(intent, mode.value) == got  # wire string accepted


def test_hedge_never_reduce_only_one_way_never_trade_side() -> None:
    for intent in Intent:
        assert not translate_intent(intent, PositionMode.HEDGE).reduce_only
        assert translate_intent(intent, PositionMode.ONE_WAY).trade_side is None


# -- client oid -----------------------------------------------------------------------------------------------
def test_new_client_oid() -> None:
    oids = {new_client_oid() for _ in range(2000)}
    assert len(oids) == 2000
    assert all(len(o) <= 50 and re.fullmatch(r"[A-Za-z0-9_-]+", o) for o in oids)
    assert new_client_oid("ui-").startswith("ui-")
    with pytest.raises(ValueError):
        new_client_oid("bad prefix!")
    with pytest.raises(ValueError):
        new_client_oid("x" * 30)


# -- OrderRequest.build ---------------------------------------------------------------------------------------
def reason(excinfo: pytest.ExceptionInfo[OrderValidationError]) -> tuple[str, str]:
    return excinfo.value.field, excinfo.value.reason


def test_limit_futures_happy_path(btc_perp: Instrument) -> None:
    r = OrderRequest.build(
        btc_perp, side="buy", order_type="limit", size="0.01234", price="65000.06", client_oid="abc_1-2",
        margin_mode="crossed", trade_side="open", position_mode="hedge_mode",
        preset_take_profit="70000.04", preset_stop_loss="60000",
    )
    assert r.symbol == "BTCUSDT" and r.product_type is ProductType.USDT_FUTURES
    assert (r.side, r.order_type, r.force) == (Side.BUY, OrderType.LIMIT, TimeInForce.GTC)
    assert str(r.size) == "0.0123" and str(r.price) == "65000.1"
    assert r.client_oid == "abc_1-2" and r.trade_side is TradeSide.OPEN and not r.reduce_only
    assert r.margin_mode is MarginMode.CROSSED and r.margin_coin == "USDT"
    assert str(r.preset_take_profit) == "70000.0" and str(r.preset_stop_loss) == "60000.0"
    assert not r.is_quote_sized


def test_generated_client_oid(btc_perp: Instrument) -> None:
    r = OrderRequest.build(btc_perp, side=Side.SELL, order_type=OrderType.LIMIT, size=D("1"), price=D("65000"))
    assert r.client_oid and len(r.client_oid) <= 50


def test_price_rounding_option(btc_perp: Instrument) -> None:
    r = OrderRequest.build(btc_perp, side="buy", order_type="limit", size="1", price="65000.09",
                           price_rounding=ROUND_DOWN)
    assert r.price == D("65000.0")


@pytest.mark.parametrize(
    ("kwargs", "field", "fragment"),
    [
        (dict(size="0"), "size", "must be positive"),
        (dict(size="-1"), "size", "must be positive"),
        (dict(size="0.00005"), "size", "rounds down to zero"),
        (dict(size="abc"), "size", "not a number"),
        (dict(size="NaN"), "size", "not a finite number"),
        (dict(size=0.5), "size", "not a float"),
        (dict(size="0.00005", strict=True), "size", "not a multiple of the lot"),
        (dict(size="0.00015", strict=True), "size", "not a multiple of the lot"),
        (dict(size="5000"), "size", "above the maximum order size"),
        (dict(size="0.0001", price="40000"), "size", "below the minimum notional"),
        (dict(price=None), "price", "needs a price"),
        (dict(price="0"), "price", "must be positive"),
        (dict(price="0.04"), "price", "rounds to zero"),
        (dict(price="65000.05", strict=True), "price", "not a multiple of the tick"),
        (dict(order_type="market", price="65000"), "price", "takes no price"),
        (dict(order_type="market", price=None, force="post_only"), "force", "not allowed for a market order"),
        (dict(client_oid="x" * 51), "client_oid", "longer than 50"),
        (dict(client_oid="has space"), "client_oid", "only letters"),
        (dict(client_oid=""), "client_oid", "only letters"),
        (dict(position_mode="hedge_mode"), "trade_side", "hedge mode needs trade_side"),
        (dict(position_mode="hedge_mode", trade_side="close", reduce_only=True), "reduce_only", "hedge mode"),
        (dict(position_mode="one_way_mode", trade_side="open"), "trade_side", "one-way mode takes no trade_side"),
        (dict(trade_side="close", reduce_only=True), "reduce_only", "cannot be combined"),
        (dict(margin_coin="USDC"), "margin_coin", "settles in USDT"),
        (dict(preset_take_profit="64000"), "preset_take_profit", "must be above"),
        (dict(preset_stop_loss="66000"), "preset_stop_loss", "must be below"),
        (dict(side="sell", preset_take_profit="66000"), "preset_take_profit", "must be below"),
        (dict(side="sell", preset_stop_loss="64000"), "preset_stop_loss", "must be above"),
        (dict(preset_stop_loss="-1"), "preset_stop_loss", "must be positive"),
        (dict(preset_stop_loss="60000.05", strict=True), "preset_stop_loss", "not a multiple of the tick"),
        (dict(reduce_only=True, preset_stop_loss="60000"), "preset_stop_loss", "closing order"),
        (dict(order_type="market", price=None, last_price="-3"), "last_price", "must be positive"),
    ],
)
def test_futures_validation_errors(btc_perp: Instrument, kwargs: dict, field: str, fragment: str) -> None:
    base: dict = dict(side="buy", order_type="limit", size="0.01", price="65000")
    base.update(kwargs)
    with pytest.raises(OrderValidationError) as info:
        OrderRequest.build(btc_perp, **base)
    assert info.value.field == field, info.value
    assert fragment in info.value.reason, info.value
    assert str(info.value).startswith(f"{field}: ")


def test_below_minimum_size(eth_spot: Instrument) -> None:
    with pytest.raises(OrderValidationError) as info:
        OrderRequest.build(eth_spot, side="sell", order_type="limit", size="0.0004", price="3000")
    assert reason(info)[0] == "size" and "below the minimum size 0.0005" in reason(info)[1]


def test_market_notional_uses_last_price(btc_perp: Instrument) -> None:
    base = dict(side="sell", order_type="market", size="0.0001")
    OrderRequest.build(btc_perp, **base)  # unknown last price: the exchange decides
    with pytest.raises(OrderValidationError, match="below the minimum notional"):
        OrderRequest.build(btc_perp, **base, last_price="40000")
    r = OrderRequest.build(btc_perp, side="sell", order_type="market", size="0.001", last_price="40000")
    assert r.price is None and r.size == D("0.0010")


def test_reducing_orders_skip_min_notional(btc_perp: Instrument) -> None:
    r = OrderRequest.build(btc_perp, side="sell", order_type="market", size="0.0001", last_price="40000",
                           reduce_only=True, position_mode="one_way_mode")
    assert r.reduce_only and r.trade_side is None
    r = OrderRequest.build(btc_perp, side="buy", order_type="limit", size="0.0001", price="40000",
                           trade_side="close", position_mode=PositionMode.HEDGE)
    assert r.trade_side is TradeSide.CLOSE


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        (dict(trade_side="open"), "trade_side"),
        (dict(reduce_only=True), "reduce_only"),
        (dict(margin_mode="crossed"), "margin_mode"),
        (dict(margin_coin="USDT"), "margin_coin"),
        (dict(position_mode="one_way_mode"), "position_mode"),
    ],
)
def test_futures_only_fields_rejected_on_spot(btc_spot: Instrument, kwargs: dict, field: str) -> None:
    with pytest.raises(OrderValidationError) as info:
        OrderRequest.build(btc_spot, side="buy", order_type="limit", size="0.001", price="65000", **kwargs)
    assert info.value.field == field and "futures only" in info.value.reason


def test_spot_limit_snaps(btc_spot: Instrument) -> None:
    r = OrderRequest.build(btc_spot, side="sell", order_type="limit", size="0.0012345678", price="65000.006")
    assert str(r.size) == "0.001234" and str(r.price) == "65000.01" and r.margin_coin is None


def test_spot_market_buy_is_quote_sized(btc_spot: Instrument) -> None:
    r = OrderRequest.build(btc_spot, side="buy", order_type="market", size="25.123456789", last_price="65000")
    assert r.is_quote_sized and str(r.size) == "25.12345678" and r.price is None
    with pytest.raises(OrderValidationError, match="quote amount has too many decimals"):
        OrderRequest.build(btc_spot, side="buy", order_type="market", size="25.123456789", strict=True)
    with pytest.raises(OrderValidationError, match="below the minimum 1"):
        OrderRequest.build(btc_spot, side="buy", order_type="market", size="0.5")
    with pytest.raises(OrderValidationError, match="rounds to zero"):
        OrderRequest.build(btc_spot, side="buy", order_type="market", size="0.000000001")


def test_spot_market_buy_checks_min_base_with_last_price(eth_spot: Instrument) -> None:
    with pytest.raises(OrderValidationError) as info:
        OrderRequest.build(eth_spot, side="buy", order_type="market", size="1", last_price="3000")
    assert info.value.field == "size" and "below the minimum 0.0005" in info.value.reason
    OrderRequest.build(eth_spot, side="buy", order_type="market", size="2", last_price="3000")


def test_spot_market_sell_is_base_sized(btc_spot: Instrument) -> None:
    r = OrderRequest.build(btc_spot, side="sell", order_type="market", size="0.0012345678", last_price="65000")
    assert not r.is_quote_sized and str(r.size) == "0.001234"


def test_untradable_instrument(btc_perp: Instrument) -> None:
    from dataclasses import replace

    with pytest.raises(OrderValidationError) as info:
        OrderRequest.build(replace(btc_perp, tradable=False), side="buy", order_type="limit", size="1", price="1")
    assert info.value.field == "symbol"


def test_market_ioc_fok_allowed(btc_perp: Instrument) -> None:
    for force in ("ioc", "fok", "gtc"):
        assert OrderRequest.build(btc_perp, side="buy", order_type="market", size="1", force=force).force == force


# -- records --------------------------------------------------------------------------------------------------
def test_records() -> None:
    o = Order(
        order_id="1", client_oid=None, symbol="BTCUSDT", product_type=ProductType.USDT_FUTURES, side=Side.BUY,
        order_type=OrderType.LIMIT, force=TimeInForce.GTC, price=D("1"), size=D("3"), filled_size=D("1"),
        avg_price=None, status=OrderStatus.PARTIALLY_FILLED, trade_side=None, pos_side=None, reduce_only=False,
        fee=D("-0.1"), c_time=1, u_time=2,
    )
    assert o.remaining == D("2") and o.is_open
    assert Balance("USDT", D("1"), D("2"), D("3")).total == D("6")
