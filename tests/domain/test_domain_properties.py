"""Property tests: OrderRequest.build never yields an off-tick, off-lot or sub-minimum order; snapping is idempotent."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal

from hypothesis import given, settings, strategies as st

from bitget_desktop.domain.market import Instrument, ProductType
from bitget_desktop.domain.trading import OrderRequest, OrderValidationError

ROUNDINGS = st.sampled_from([ROUND_HALF_UP, ROUND_HALF_EVEN, ROUND_DOWN, ROUND_UP, ROUND_FLOOR, ROUND_CEILING])


@st.composite
def instruments(draw: st.DrawFn) -> Instrument:
    futures = draw(st.booleans())
    price_places = draw(st.integers(0, 8))
    end_step = Decimal(draw(st.sampled_from([1, 1, 2, 5, 25]))) if futures else Decimal(1)
    tick = (end_step * Decimal(1).scaleb(-price_places)).normalize()
    size_places = draw(st.integers(0, 8))
    lot = (Decimal(draw(st.sampled_from([1, 1, 5]))) * Decimal(1).scaleb(-size_places)).normalize()
    min_size = lot * draw(st.integers(0, 20))
    return Instrument(
        symbol="TESTUSDT",
        product_type=ProductType.USDT_FUTURES if futures else ProductType.SPOT,
        base_coin="TEST",
        quote_coin="USDT",
        tick_size=tick,
        lot_size=lot,
        min_size=min_size,
        min_notional=Decimal(draw(st.sampled_from(["0", "1", "5"]))),
        price_places=price_places,
        size_places=size_places,
        maker_fee_rate=Decimal("0.0002"),
        taker_fee_rate=Decimal("0.0006"),
        margin_coin="USDT" if futures else None,
        quote_places=draw(st.integers(0, 8)),
    )


decimals = st.decimals(min_value=Decimal("-10"), max_value=Decimal("1000000"), allow_nan=False, allow_infinity=False,
                       places=10) | st.decimals(min_value=Decimal("1e15"), max_value=Decimal("1e24"), places=6)


@settings(max_examples=400, deadline=None)
@given(inst=instruments(), price=decimals, size=decimals, side=st.sampled_from(["buy", "sell"]),
       order_type=st.sampled_from(["limit", "market"]), strict=st.booleans(), rounding=ROUNDINGS,
       last=st.none() | decimals)
def test_build_never_yields_off_tick_off_lot_or_below_min(
    inst: Instrument, price: Decimal, size: Decimal, side: str, order_type: str, strict: bool, rounding: str,
    last: Decimal | None,
) -> None:
    try:
        r = OrderRequest.build(
            inst, side=side, order_type=order_type, size=size, price=price if order_type == "limit" else None,
            strict=strict, price_rounding=rounding, last_price=last,
        )
    except OrderValidationError as e:
        assert e.field in {"price", "size", "last_price"} and e.reason
        return
    assert r.size > 0
    if r.price is not None:
        assert r.price > 0 and inst.price_on_tick(r.price)
        assert r.price.as_tuple().exponent == -inst.price_places
        if strict:
            assert r.price == price
    if r.is_quote_sized:
        assert r.size >= inst.min_notional
    else:
        assert inst.size_on_lot(r.size) and r.size >= inst.min_size
        assert r.size <= size
        if strict:
            assert r.size == size
        if r.price is not None:
            assert r.size * r.price >= inst.min_notional


@settings(max_examples=400, deadline=None)
@given(inst=instruments(), value=decimals, rounding=ROUNDINGS)
def test_snapping_is_idempotent_and_on_grid(inst: Instrument, value: Decimal, rounding: str) -> None:
    p = inst.snap_price(value, rounding)
    assert inst.price_on_tick(p)
    assert inst.snap_price(p, rounding) == p and inst.snap_price(p) == p
    assert abs(p - value) <= inst.tick_size
    s = inst.snap_size(value)
    assert inst.size_on_lot(s) and inst.snap_size(s) == s
    assert abs(s) <= abs(value) and abs(value - s) < inst.lot_size
