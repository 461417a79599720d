"""Instrument parsing and snapping, product types and the timeframe table."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_UP, Decimal

import pytest

from bitget_desktop.domain.market import Instrument, ProductType, Timeframe

from .conftest import contract, load_fixture, spot

D = Decimal


# -- ProductType ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("usdt-futures", ProductType.USDT_FUTURES),
        ("USDT-FUTURES", ProductType.USDT_FUTURES),
        ("Usdc-Futures", ProductType.USDC_FUTURES),
        ("coin_futures", ProductType.COIN_FUTURES),
        ("susdt-futures", ProductType.SUSDT_FUTURES),
        ("spot", ProductType.SPOT),
        (ProductType.SCOIN_FUTURES, ProductType.SCOIN_FUTURES),
    ],
)
def test_product_type_parse_any_case(raw: str, expected: ProductType) -> None:
    assert ProductType.parse(raw) is expected


def test_product_type_flags() -> None:
    assert not ProductType.SPOT.is_futures
    assert all(p.is_futures for p in ProductType if p is not ProductType.SPOT)
    assert ProductType.SUSDT_FUTURES.is_demo and not ProductType.USDT_FUTURES.is_demo and not ProductType.SPOT.is_demo
    assert ProductType.USDT_FUTURES == "USDT-FUTURES"


def test_product_type_parse_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unknown product type"):
        ProductType.parse("margin")


# -- Instrument from REST dicts -------------------------------------------------------------------------------
def test_from_contract_btcusdt() -> None:
    i = contract("BTCUSDT")
    assert i.product_type is ProductType.USDT_FUTURES
    assert (i.base_coin, i.quote_coin, i.margin_coin) == ("BTC", "USDT", "USDT")
    assert i.tick_size == D("0.1") and i.price_places == 1
    assert i.lot_size == D("0.0001") and i.size_places == 4
    assert i.min_size == D("0.0001") and i.min_notional == D("5")
    assert (i.maker_fee_rate, i.taker_fee_rate) == (D("0.0002"), D("0.0006"))
    assert (i.min_leverage, i.max_leverage) == (1, 150)
    assert i.max_order_size == D("1200")
    assert i.tradable


def test_from_contract_eth_and_xrp_ticks() -> None:
    eth = contract("ETHUSDT")
    assert eth.tick_size == D("0.01") and eth.lot_size == D("0.01") and eth.size_places == 2
    xrp = contract("XRPUSDT")
    assert xrp.tick_size == D("0.0001") and xrp.lot_size == D("1") and xrp.size_places == 0


def test_from_contract_price_end_step_scales_tick() -> None:
    row = dict(load_fixture("mix_market_contracts_usdt_futures.json")["data"][0], priceEndStep="5", pricePlace="1")
    i = Instrument.from_contract(row, "usdt-futures")
    assert i.tick_size == D("0.5")
    assert i.snap_price(D("65000.26")) == D("65000.5")
    assert i.snap_price(D("65000.24")) == D("65000.0")
    assert not i.price_on_tick(D("65000.1")) and i.price_on_tick(D("65000.5"))


def test_from_contract_usdc_perp_quote_not_in_symbol() -> None:
    i = contract("BTCPERP", ProductType.USDC_FUTURES)
    assert i.symbol == "BTCPERP" and i.margin_coin == "USDC" and i.product_type is ProductType.USDC_FUTURES


def test_from_contract_status_not_normal_is_not_tradable() -> None:
    row = dict(load_fixture("mix_market_contracts_usdt_futures.json")["data"][0], symbolStatus="maintain")
    assert not Instrument.from_contract(row, ProductType.USDT_FUTURES).tradable


@pytest.mark.parametrize(
    "name", ["mix_market_contracts_usdt_futures.json", "mix_market_contracts_usdc_futures.json"]
)
def test_every_fixture_contract_parses_consistently(name: str) -> None:
    pt = ProductType.USDC_FUTURES if "usdc" in name else ProductType.USDT_FUTURES
    for row in load_fixture(name)["data"]:
        i = Instrument.from_contract(row, pt)
        assert i.tick_size > 0 and i.lot_size > 0
        assert i.tick_size == D(row["priceEndStep"]) * D(10) ** -int(row["pricePlace"])
        assert i.lot_size == D(row["sizeMultiplier"])
        assert i.size_on_lot(i.min_size)
        assert i.snap_price(i.tick_size * 7) == i.tick_size * 7


def test_from_spot_symbol_btcusdt() -> None:
    i = spot("BTCUSDT")
    assert i.product_type is ProductType.SPOT and i.margin_coin is None
    assert i.tick_size == D("0.01") and i.price_places == 2
    assert i.lot_size == D("0.000001") and i.size_places == 6
    assert i.min_size == 0 and i.min_notional == D("1")
    assert i.quote_places == 8
    assert i.tradable


def test_from_spot_symbol_eth_min_size_and_xrp() -> None:
    assert spot("ETHUSDT").min_size == D("0.0005")
    xrp = spot("XRPUSDT")
    assert xrp.tick_size == D("0.0001") and xrp.lot_size == D("0.0001")


def test_every_fixture_spot_symbol_parses() -> None:
    for row in load_fixture("spot_public_symbols.json")["data"]:
        i = Instrument.from_spot_symbol(row)
        assert i.tick_size == D(1).scaleb(-int(row["pricePrecision"]))
        assert i.lot_size == D(1).scaleb(-int(row["quantityPrecision"]))


def test_spot_non_usdt_quote_has_no_min_notional() -> None:
    row = dict(load_fixture("spot_public_symbols.json")["data"][1], symbol="ETHBTC", baseCoin="ETH", quoteCoin="BTC")
    assert Instrument.from_spot_symbol(row).min_notional == 0


def test_spot_offline_not_tradable() -> None:
    row = dict(load_fixture("spot_public_symbols.json")["data"][0], status="halt")
    assert not Instrument.from_spot_symbol(row).tradable


# -- snapping -------------------------------------------------------------------------------------------------
def test_snap_price_nearest_and_quantized() -> None:
    i = contract("BTCUSDT")
    assert str(i.snap_price(D("65000.06"))) == "65000.1"
    assert str(i.snap_price(D("65000.04"))) == "65000.0"
    assert str(i.snap_price(D("65000.05"))) == "65000.1"  # half up
    assert str(i.snap_price(D("65000"))) == "65000.0"  # quantized to price places


@pytest.mark.parametrize(
    ("rounding", "expected"),
    [(ROUND_DOWN, "65000.0"), (ROUND_FLOOR, "65000.0"), (ROUND_UP, "65000.1"), (ROUND_CEILING, "65000.1")],
)
def test_snap_price_rounding_option(rounding: str, expected: str) -> None:
    assert str(contract("BTCUSDT").snap_price(D("65000.01"), rounding)) == expected


def test_snap_size_rounds_down_to_lot() -> None:
    i = contract("ETHUSDT")
    assert str(i.snap_size(D("1.239"))) == "1.23"
    assert str(i.snap_size(D("1.2"))) == "1.20"
    assert i.snap_size(D("0.009")) == 0
    assert str(contract("XRPUSDT").snap_size(D("12.9"))) == "12"


def test_on_tick_and_on_lot() -> None:
    i = spot("BTCUSDT")
    assert i.price_on_tick(D("100.01")) and not i.price_on_tick(D("100.001"))
    assert i.size_on_lot(D("0.000001")) and not i.size_on_lot(D("0.0000001"))


def test_snap_quote_uses_quote_places() -> None:
    i = spot("BTCUSDT")
    assert str(i.snap_quote(D("10.123456789"))) == "10.12345678"


# -- Timeframe ------------------------------------------------------------------------------------------------
TABLE = [
    # tf, label, ms, spot REST, mix REST, ws channel, spot local, mix local, ws local
    (Timeframe.M1, "1m", 60_000, "1min", "1m", "candle1m", "1min", "1m", "candle1m"),
    (Timeframe.M3, "3m", 180_000, "3min", "3m", "candle3m", "3min", "3m", "candle3m"),
    (Timeframe.M5, "5m", 300_000, "5min", "5m", "candle5m", "5min", "5m", "candle5m"),
    (Timeframe.M15, "15m", 900_000, "15min", "15m", "candle15m", "15min", "15m", "candle15m"),
    (Timeframe.M30, "30m", 1_800_000, "30min", "30m", "candle30m", "30min", "30m", "candle30m"),
    (Timeframe.H1, "1h", 3_600_000, "1h", "1H", "candle1H", "1h", "1H", "candle1H"),
    (Timeframe.H2, "2h", 7_200_000, None, "2H", "candle2H", None, "2H", "candle2H"),
    (Timeframe.H4, "4h", 14_400_000, "4h", "4H", "candle4H", "4h", "4H", "candle4H"),
    (Timeframe.H6, "6h", 21_600_000, "6Hutc", "6Hutc", "candle6Hutc", "6h", "6H", "candle6H"),
    (Timeframe.H12, "12h", 43_200_000, "12Hutc", "12Hutc", "candle12Hutc", "12h", "12H", "candle12H"),
    (Timeframe.D1, "1d", 86_400_000, "1Dutc", "1Dutc", "candle1Dutc", "1day", "1D", "candle1D"),
    (Timeframe.D3, "3d", 259_200_000, "3Dutc", "3Dutc", "candle3Dutc", "3day", "3D", "candle3D"),
    (Timeframe.W1, "1w", 604_800_000, "1Wutc", "1Wutc", "candle1Wutc", "1week", "1W", "candle1W"),
    (Timeframe.MN1, "1M", 2_592_000_000, "1Mutc", "1Mutc", "candle1Mutc", "1M", "1M", "candle1M"),
]


@pytest.mark.parametrize("row", TABLE, ids=lambda r: r[1])
def test_timeframe_table(row: tuple) -> None:
    tf, label, ms, spot_g, mix_g, ws, spot_l, mix_l, ws_l = row
    assert (tf.label, tf.ms, tf.spot_granularity, tf.mix_granularity, tf.ws_channel) == (label, ms, spot_g, mix_g, ws)
    assert (tf.spot_granularity_local, tf.mix_granularity_local, tf.ws_channel_local) == (spot_l, mix_l, ws_l)
    for spelling in (label, spot_g, mix_g, ws, spot_l, mix_l, ws_l, ws.removeprefix("candle")):
        if spelling is not None:
            assert Timeframe.parse(spelling) is tf, spelling


def test_timeframe_table_is_exhaustive() -> None:
    assert {r[0] for r in TABLE} == set(Timeframe)


def test_timeframe_parse_case() -> None:
    assert Timeframe.parse("1m") is Timeframe.M1
    assert Timeframe.parse("1M") is Timeframe.MN1
    assert Timeframe.parse("candle1M") is Timeframe.MN1
    assert Timeframe.parse("1MIN") is Timeframe.M1
    assert Timeframe.parse("4h") is Timeframe.H4 and Timeframe.parse("4H") is Timeframe.H4
    assert Timeframe.parse("1DUTC") is Timeframe.D1 and Timeframe.parse("1mutc") is Timeframe.MN1
    assert Timeframe.parse("1Day") is Timeframe.D1 and Timeframe.parse("1WEEK") is Timeframe.W1
    assert Timeframe.parse(Timeframe.H6) is Timeframe.H6


@pytest.mark.parametrize("bad", ["", "7m", "candle", "1y", "hour"])
def test_timeframe_parse_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match="unknown timeframe"):
        Timeframe.parse(bad)


def test_timeframe_granularity_per_product() -> None:
    assert Timeframe.D1.granularity(ProductType.SPOT) == "1Dutc"
    assert Timeframe.D1.granularity(ProductType.SPOT, utc=False) == "1day"
    assert Timeframe.D1.granularity(ProductType.USDT_FUTURES, utc=False) == "1D"
    assert Timeframe.H1.granularity(ProductType.COIN_FUTURES) == "1H"
    with pytest.raises(ValueError, match="spot has no 2h"):
        Timeframe.H2.granularity(ProductType.SPOT)
    assert Timeframe.H2 not in Timeframe.for_product(ProductType.SPOT)
    assert Timeframe.H2 in Timeframe.for_product(ProductType.USDT_FUTURES)
    assert Timeframe.MN1.is_calendar and not Timeframe.W1.is_calendar
