"""Market reference values: product types, instruments with tick/lot rules, timeframes, candles, tickers and trades."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal
from enum import Enum, StrEnum
from typing import Any

from bitget_desktop.domain.trading import Side

__all__ = [
    "ProductType",
    "Instrument",
    "Timeframe",
    "Candle",
    "Ticker",
    "PublicTrade",
    "FundingRate",
]

_ZERO = Decimal(0)
_ONE = Decimal(1)
# Wide enough that tick/lot arithmetic on any realistic price or size is exact (the default 28 digits is not).
_CTX = Context(prec=80)


class ProductType(StrEnum):
    """Bitget product families; the value is the wire spelling (futures ones are the v2 ``productType``)."""

    SPOT = "SPOT"
    USDT_FUTURES = "USDT-FUTURES"
    USDC_FUTURES = "USDC-FUTURES"
    COIN_FUTURES = "COIN-FUTURES"
    SUSDT_FUTURES = "SUSDT-FUTURES"
    SUSDC_FUTURES = "SUSDC-FUTURES"
    SCOIN_FUTURES = "SCOIN-FUTURES"

    @property
    def is_futures(self) -> bool:
        return self is not ProductType.SPOT

    @property
    def is_demo(self) -> bool:
        return self.value.startswith("S") and self is not ProductType.SPOT

    @classmethod
    def parse(cls, value: str | ProductType) -> ProductType:
        """Accept any case and ``_`` for ``-`` (``usdt-futures``, ``USDT_FUTURES``)."""
        if isinstance(value, ProductType):
            return value
        key = str(value).strip().upper().replace("_", "-")
        try:
            return cls(key)
        except ValueError:
            raise ValueError(f"unknown product type: {value!r}") from None


def _dec(value: Any) -> Decimal | None:
    """A Decimal from a wire string/number, None for missing or empty."""
    if value is None or value == "":
        return None
    out = Decimal(str(value))
    if not out.is_finite():
        raise ValueError(f"non-finite number {value!r:.30}")
    return out


def _precision(value: Any) -> int:
    """A decimal-places count from the wire (0..30); anything else is a malformed instrument."""
    places = int(value)
    if not 0 <= places <= 30:
        raise ValueError(f"precision {places} out of range")
    return places


def _dec_or(value: Any, default: Decimal) -> Decimal:
    d = _dec(value)
    return default if d is None else d


def _places(step: Decimal) -> int:
    exp = step.normalize().as_tuple().exponent
    assert isinstance(exp, int)
    return max(0, -exp)


@dataclass(frozen=True, slots=True)
class Instrument:
    """One tradable symbol with the exchange's price/size rules; all money fields are Decimal."""

    symbol: str
    product_type: ProductType
    base_coin: str
    quote_coin: str
    tick_size: Decimal
    lot_size: Decimal
    min_size: Decimal
    min_notional: Decimal
    price_places: int
    size_places: int
    maker_fee_rate: Decimal
    taker_fee_rate: Decimal
    margin_coin: str | None = None
    min_leverage: int = 1
    max_leverage: int = 1
    max_order_size: Decimal | None = None
    tradable: bool = True
    # Spot only: decimals of a quote amount (the ``size`` of a spot market buy). None = not known.
    quote_places: int | None = None

    # -- rules -------------------------------------------------------------------------------------------------
    def snap_price(self, price: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
        """Round ``price`` to a multiple of the tick (``rounding`` picks the direction), quantized to price_places."""
        steps = _CTX.divide(Decimal(price), self.tick_size).quantize(_ONE, rounding=rounding, context=_CTX)
        return _CTX.multiply(steps, self.tick_size).quantize(self._price_quantum, context=_CTX)

    def snap_size(self, size: Decimal) -> Decimal:
        """Round ``size`` DOWN to a multiple of the lot, quantized to size_places."""
        steps = _CTX.divide(Decimal(size), self.lot_size).quantize(_ONE, rounding=ROUND_DOWN, context=_CTX)
        return _CTX.multiply(steps, self.lot_size).quantize(self._size_quantum, context=_CTX)

    def snap_quote(self, amount: Decimal) -> Decimal:
        """Round a quote amount DOWN to quote_places (or price_places when unknown)."""
        places = self.quote_places if self.quote_places is not None else self.price_places
        return Decimal(amount).quantize(_ONE.scaleb(-places), rounding=ROUND_DOWN, context=_CTX)

    def price_on_tick(self, price: Decimal) -> bool:
        return _CTX.remainder(Decimal(price), self.tick_size) == 0

    def size_on_lot(self, size: Decimal) -> bool:
        return _CTX.remainder(Decimal(size), self.lot_size) == 0

    @property
    def _price_quantum(self) -> Decimal:
        return Decimal(1).scaleb(-max(self.price_places, _places(self.tick_size)))

    @property
    def _size_quantum(self) -> Decimal:
        return Decimal(1).scaleb(-max(self.size_places, _places(self.lot_size)))

    # -- constructors from Bitget REST objects ------------------------------------------------------------------
    @classmethod
    def from_spot_symbol(cls, d: Mapping[str, Any]) -> Instrument:
        """Build from one element of ``GET /api/v2/spot/public/symbols`` (reference 3.1.1)."""
        price_places = _precision(d["pricePrecision"])
        size_places = _precision(d["quantityPrecision"])
        quote = str(d["quoteCoin"])
        min_usdt = _dec_or(d.get("minTradeUSDT"), _ZERO)
        max_size = _dec(d.get("maxTradeAmount"))
        qp = d.get("quotePrecision")
        return cls(
            symbol=str(d["symbol"]),
            product_type=ProductType.SPOT,
            base_coin=str(d["baseCoin"]),
            quote_coin=quote,
            tick_size=Decimal(1).scaleb(-price_places),
            lot_size=Decimal(1).scaleb(-size_places),
            min_size=_dec_or(d.get("minTradeAmount"), _ZERO),
            # minTradeUSDT is denominated in USDT: it is a quote-currency minimum only for USDT-quoted pairs.
            min_notional=min_usdt if quote == "USDT" else _ZERO,
            price_places=price_places,
            size_places=size_places,
            maker_fee_rate=_dec_or(d.get("makerFeeRate"), _ZERO),
            taker_fee_rate=_dec_or(d.get("takerFeeRate"), _ZERO),
            max_order_size=max_size if max_size else None,
            tradable=str(d.get("status", "online")).lower() == "online",
            quote_places=int(qp) if qp not in (None, "") else None,
        )

    @classmethod
    def from_contract(cls, d: Mapping[str, Any], product_type: ProductType | str) -> Instrument:
        """Build from one element of ``GET /api/v2/mix/market/contracts`` (reference 4.2.1)."""
        pt = ProductType.parse(product_type)
        price_places = _precision(d["pricePlace"])
        end_step = _dec(d.get("priceEndStep")) or _ONE
        tick = (end_step * Decimal(1).scaleb(-price_places)).normalize()
        size_places = _precision(d["volumePlace"])
        lot = _dec(d.get("sizeMultiplier")) or Decimal(1).scaleb(-size_places)
        coins = d.get("supportMarginCoins") or []
        max_size = _dec(d.get("maxOrderQty"))
        return cls(
            symbol=str(d["symbol"]),
            product_type=pt,
            base_coin=str(d["baseCoin"]),
            quote_coin=str(d["quoteCoin"]),
            tick_size=tick,
            lot_size=lot.normalize(),
            min_size=_dec_or(d.get("minTradeNum"), _ZERO),
            min_notional=_dec_or(d.get("minTradeUSDT"), _ZERO),
            price_places=max(price_places, _places(tick)),
            size_places=max(size_places, _places(lot)),
            maker_fee_rate=_dec_or(d.get("makerFeeRate"), _ZERO),
            taker_fee_rate=_dec_or(d.get("takerFeeRate"), _ZERO),
            margin_coin=str(coins[0]) if coins else None,
            min_leverage=int(Decimal(str(d.get("minLever") or 1))),
            max_leverage=int(Decimal(str(d.get("maxLever") or 1))),
            max_order_size=max_size if max_size else None,
            tradable=str(d.get("symbolStatus", "normal")).lower() == "normal",
        )


# (label, ms, spot REST utc, spot REST local, mix REST utc, mix REST local, ws interval utc, ws interval local)
_TF: dict[str, tuple[str, int, str | None, str | None, str, str, str, str]] = {
    "M1": ("1m", 60_000, "1min", "1min", "1m", "1m", "1m", "1m"),
    "M3": ("3m", 180_000, "3min", "3min", "3m", "3m", "3m", "3m"),
    "M5": ("5m", 300_000, "5min", "5min", "5m", "5m", "5m", "5m"),
    "M15": ("15m", 900_000, "15min", "15min", "15m", "15m", "15m", "15m"),
    "M30": ("30m", 1_800_000, "30min", "30min", "30m", "30m", "30m", "30m"),
    "H1": ("1h", 3_600_000, "1h", "1h", "1H", "1H", "1H", "1H"),
    "H2": ("2h", 7_200_000, None, None, "2H", "2H", "2H", "2H"),
    "H4": ("4h", 14_400_000, "4h", "4h", "4H", "4H", "4H", "4H"),
    "H6": ("6h", 21_600_000, "6Hutc", "6h", "6Hutc", "6H", "6Hutc", "6H"),
    "H12": ("12h", 43_200_000, "12Hutc", "12h", "12Hutc", "12H", "12Hutc", "12H"),
    "D1": ("1d", 86_400_000, "1Dutc", "1day", "1Dutc", "1D", "1Dutc", "1D"),
    "D3": ("3d", 259_200_000, "3Dutc", "3day", "3Dutc", "3D", "3Dutc", "3D"),
    "W1": ("1w", 604_800_000, "1Wutc", "1week", "1Wutc", "1W", "1Wutc", "1W"),
    "MN1": ("1M", 2_592_000_000, "1Mutc", "1M", "1Mutc", "1M", "1Mutc", "1M"),
}


class Timeframe(Enum):
    """Candle intervals with every Bitget spelling (REST spot, REST mix, ws channel); >= 6h default to UTC-aligned."""

    M1 = "1m"
    M3 = "3m"
    M5 = "5m"
    M15 = "15m"
    M30 = "30m"
    H1 = "1h"
    H2 = "2h"
    H4 = "4h"
    H6 = "6h"
    H12 = "12h"
    D1 = "1d"
    D3 = "3d"
    W1 = "1w"
    MN1 = "1M"

    @property
    def label(self) -> str:
        return _TF[self.name][0]

    @property
    def ms(self) -> int:
        """Length in ms; MN1 is a nominal 30 days (use candles.month_* helpers for real months)."""
        return _TF[self.name][1]

    @property
    def is_calendar(self) -> bool:
        return self is Timeframe.MN1

    @property
    def spot_granularity(self) -> str | None:
        """Spot REST ``granularity`` (UTC-aligned for >= 6h); None where spot offers no such interval (2h)."""
        return _TF[self.name][2]

    @property
    def spot_granularity_local(self) -> str | None:
        return _TF[self.name][3]

    @property
    def mix_granularity(self) -> str:
        """Futures REST ``granularity`` (UTC-aligned for >= 6h)."""
        return _TF[self.name][4]

    @property
    def mix_granularity_local(self) -> str:
        return _TF[self.name][5]

    @property
    def ws_channel(self) -> str:
        """WebSocket channel name, e.g. ``candle1m``, ``candle1H``, ``candle6Hutc``."""
        return "candle" + _TF[self.name][6]

    @property
    def ws_channel_local(self) -> str:
        return "candle" + _TF[self.name][7]

    def granularity(self, product_type: ProductType, *, utc: bool = True) -> str:
        """REST granularity for a product type; raises ValueError where the product lacks the interval."""
        row = _TF[self.name]
        if product_type is ProductType.SPOT:
            g = row[2] if utc else row[3]
            if g is None:
                raise ValueError(f"spot has no {self.label} candles")
            return g
        return row[4] if utc else row[5]

    @classmethod
    def for_product(cls, product_type: ProductType) -> list[Timeframe]:
        return [tf for tf in cls if product_type.is_futures or tf.spot_granularity is not None]

    @classmethod
    def parse(cls, value: str | Timeframe) -> Timeframe:
        """Parse any spelling: label, spot or mix REST granularity, ws channel (with or without ``candle``)."""
        if isinstance(value, Timeframe):
            return value
        s = str(value).strip()
        if s.startswith("candle"):
            s = s[6:]
        tf = _EXACT.get(s)
        if tf is None:
            tf = _FOLDED.get(s.lower())
        if tf is None:
            raise ValueError(f"unknown timeframe: {value!r}")
        return tf


def _build_parse_tables() -> tuple[dict[str, Timeframe], dict[str, Timeframe]]:
    exact: dict[str, Timeframe] = {}
    for tf in Timeframe:
        label, _, *spellings = _TF[tf.name]
        for s in (label, *spellings):
            if s is not None:
                exact[s] = tf
    exact.update({"1min": Timeframe.M1, "1mo": Timeframe.MN1, "1mon": Timeframe.MN1, "1month": Timeframe.MN1})
    exact.update({"2h": Timeframe.H2, "1d": Timeframe.D1, "3d": Timeframe.D3, "1w": Timeframe.W1})
    folded: dict[str, Timeframe] = {}
    ambiguous: set[str] = set()
    for s, tf in exact.items():
        k = s.lower()
        if k in folded and folded[k] is not tf:
            ambiguous.add(k)
        folded[k] = tf
    for k in ambiguous:  # "1m" (minute) vs "1M" (month): only exact case decides
        del folded[k]
    return exact, folded


_EXACT, _FOLDED = _build_parse_tables()


@dataclass(frozen=True, slots=True)
class Candle:
    """One OHLCV bar; ``ts`` is the bar's open time in ms."""

    ts: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal


@dataclass(frozen=True, slots=True)
class Ticker:
    """24h ticker snapshot for one symbol; futures add mark/index price and funding rate."""

    symbol: str
    product_type: ProductType
    last: Decimal
    bid: Decimal
    ask: Decimal
    bid_size: Decimal
    ask_size: Decimal
    high_24h: Decimal
    low_24h: Decimal
    open_24h: Decimal
    base_volume: Decimal
    quote_volume: Decimal
    ts: int
    mark_price: Decimal | None = None
    index_price: Decimal | None = None
    funding_rate: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PublicTrade:
    """One public trade; ``side`` is the taker's side."""

    symbol: str
    trade_id: str
    price: Decimal
    size: Decimal
    side: Side
    ts: int


@dataclass(frozen=True, slots=True)
class FundingRate:
    """Current funding rate of a perpetual contract."""

    symbol: str
    rate: Decimal
    next_funding_time: int | None
    interval_hours: int | None
