"""The simulator's listed markets: spot and USDT-FUTURES specs as Bitget publishes them, coins and leverage tiers."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = [
    "SPOT",
    "USDT_FUTURES",
    "FUTURES_PRODUCT_TYPES",
    "InstrumentSpec",
    "INSTRUMENTS",
    "COINS",
    "spec",
    "specs",
    "normalize_product",
    "coin_rows",
    "leverage_tiers",
]

SPOT = "SPOT"
USDT_FUTURES = "USDT-FUTURES"
FUTURES_PRODUCT_TYPES = (
    "USDT-FUTURES", "COIN-FUTURES", "USDC-FUTURES", "SUSDT-FUTURES", "SCOIN-FUTURES", "SUSDC-FUTURES",
)


def normalize_product(value: str | None) -> str | None:
    """Canonical product type ("SPOT", "USDT-FUTURES", ...) for any case / `_` spelling, or None if unknown."""
    if value is None:
        return None
    key = str(value).strip().upper().replace("_", "-")
    if key == SPOT or key in FUTURES_PRODUCT_TYPES:
        return key
    return None


@dataclass(frozen=True, slots=True)
class InstrumentSpec:
    """One listed symbol. Attribute names follow `domain.market.Instrument`; prices are integer ticks of
    10^-price_places and sizes integer units of 10^-size_places inside the simulator (`tick_size`, `lot_size`
    are those units as Decimals)."""

    symbol: str
    product_type: str
    base_coin: str
    quote_coin: str
    price_places: int
    size_places: int
    min_size: Decimal
    min_notional: Decimal
    maker_fee_rate: Decimal
    taker_fee_rate: Decimal
    margin_coin: str | None = None
    min_leverage: int = 1
    max_leverage: int = 1
    max_order_size: Decimal | None = None
    max_market_order_size: Decimal | None = None
    quote_places: int | None = None
    # Synthetic-market parameters (not on the wire).
    coin_key: int = 0           # which underlying price path (spot and perp of a coin share it)
    start_price: float = 100.0  # long-run centre of the path
    daily_vol: float = 0.03     # typical daily log-return stdev
    minute_volume: float = 1.0  # typical base volume per minute
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def tick_size(self) -> Decimal:
        return Decimal(1).scaleb(-self.price_places)

    @property
    def lot_size(self) -> Decimal:
        return Decimal(1).scaleb(-self.size_places)

    @property
    def is_futures(self) -> bool:
        return self.product_type != SPOT

    def to_instrument(self) -> Any:
        """The matching `bitget_desktop.domain.market.Instrument`."""
        from bitget_desktop.domain.market import Instrument, ProductType

        return Instrument(
            symbol=self.symbol, product_type=ProductType(self.product_type), base_coin=self.base_coin,
            quote_coin=self.quote_coin, tick_size=self.tick_size, lot_size=self.lot_size, min_size=self.min_size,
            min_notional=self.min_notional, price_places=self.price_places, size_places=self.size_places,
            maker_fee_rate=self.maker_fee_rate, taker_fee_rate=self.taker_fee_rate, margin_coin=self.margin_coin,
            min_leverage=self.min_leverage, max_leverage=self.max_leverage, max_order_size=self.max_order_size,
            quote_places=self.quote_places,
        )

    # -- wire objects ------------------------------------------------------------------------------------------
    def spot_symbol_row(self) -> dict[str, str]:
        """Element of GET /api/v2/spot/public/symbols."""
        return {
            "symbol": self.symbol, "baseCoin": self.base_coin, "quoteCoin": self.quote_coin,
            "minTradeAmount": _s(self.min_size), "maxTradeAmount": "900000000000000000000",
            "takerFeeRate": _s(self.taker_fee_rate), "makerFeeRate": _s(self.maker_fee_rate),
            "pricePrecision": str(self.price_places), "quantityPrecision": str(self.size_places),
            "quotePrecision": str(self.quote_places if self.quote_places is not None else 8),
            "status": "online", "minTradeUSDT": _s(self.min_notional),
            "buyLimitPriceRatio": "0.02", "sellLimitPriceRatio": "0.02", "areaSymbol": "no",
            "orderQuantity": "200", "openTime": self.extra.get("openTime", "1532454360000"), "offTime": "",
            "maxLimitOrderValue": "20000000", "maxMarketOrderValue": "1000000",
        }

    def contract_row(self) -> dict[str, Any]:
        """Element of GET /api/v2/mix/market/contracts."""
        return {
            "symbol": self.symbol, "baseCoin": self.base_coin, "quoteCoin": self.quote_coin,
            "buyLimitPriceRatio": "0.05", "sellLimitPriceRatio": "0.05", "feeRateUpRatio": "0.005",
            "makerFeeRate": _s(self.maker_fee_rate), "takerFeeRate": _s(self.taker_fee_rate),
            "openCostUpRatio": "0.01", "supportMarginCoins": [self.margin_coin or self.quote_coin],
            "minTradeNum": _s(self.min_size), "priceEndStep": "1", "volumePlace": str(self.size_places),
            "pricePlace": str(self.price_places), "sizeMultiplier": _s(self.lot_size), "symbolType": "perpetual",
            "minTradeUSDT": _s(self.min_notional), "maxSymbolOrderNum": "200", "maxProductOrderNum": "1000",
            "maxPositionNum": "200", "symbolStatus": "normal", "offTime": "-1", "limitOpenTime": "-1",
            "deliveryTime": "", "deliveryStartTime": "", "deliveryPeriod": "", "launchTime": "",
            "fundInterval": "8", "minLever": str(self.min_leverage), "maxLever": str(self.max_leverage),
            "posLimit": self.extra.get("posLimit", "0.2"), "maintainTime": "", "openTime": "",
            "maxMarketOrderQty": _s(self.max_market_order_size or Decimal(0)),
            "maxOrderQty": _s(self.max_order_size or Decimal(0)), "isRwa": "NO",
        }


def _s(d: Decimal) -> str:
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


D = Decimal

INSTRUMENTS: tuple[InstrumentSpec, ...] = (
    InstrumentSpec("BTCUSDT", SPOT, "BTC", "USDT", 2, 6, D("0"), D("1"), D("0.001"), D("0.001"),
                   quote_places=8, coin_key=1, start_price=85000.0, daily_vol=0.028, minute_volume=2.5,
                   extra={"openTime": "1532454360000"}),
    InstrumentSpec("ETHUSDT", SPOT, "ETH", "USDT", 2, 4, D("0"), D("1"), D("0.001"), D("0.001"),
                   quote_places=6, coin_key=2, start_price=3200.0, daily_vol=0.036, minute_volume=40.0,
                   extra={"openTime": "1532450400000"}),
    InstrumentSpec("SOLUSDT", SPOT, "SOL", "USDT", 2, 3, D("0"), D("1"), D("0.001"), D("0.001"),
                   quote_places=6, coin_key=3, start_price=180.0, daily_vol=0.045, minute_volume=300.0,
                   extra={"openTime": "1626760800000"}),
    InstrumentSpec("BTCUSDT", USDT_FUTURES, "BTC", "USDT", 1, 4, D("0.0001"), D("5"), D("0.0002"), D("0.0006"),
                   margin_coin="USDT", min_leverage=1, max_leverage=125, max_order_size=D("1200"),
                   max_market_order_size=D("220"), coin_key=1, start_price=85000.0, daily_vol=0.028,
                   minute_volume=12.0, extra={"posLimit": "0.2"}),
    InstrumentSpec("ETHUSDT", USDT_FUTURES, "ETH", "USDT", 2, 2, D("0.01"), D("5"), D("0.0002"), D("0.0006"),
                   margin_coin="USDT", min_leverage=1, max_leverage=100, max_order_size=D("9900"),
                   max_market_order_size=D("1900"), coin_key=2, start_price=3200.0, daily_vol=0.036,
                   minute_volume=200.0, extra={"posLimit": "0.1"}),
    InstrumentSpec("SOLUSDT", USDT_FUTURES, "SOL", "USDT", 3, 1, D("0.1"), D("5"), D("0.0002"), D("0.0006"),
                   margin_coin="USDT", min_leverage=1, max_leverage=75, max_order_size=D("60000"),
                   max_market_order_size=D("12000"), coin_key=3, start_price=180.0, daily_vol=0.045,
                   minute_volume=1500.0, extra={"posLimit": "0.15"}),
)

_BY_KEY = {(s.product_type, s.symbol): s for s in INSTRUMENTS}


def spec(product_type: str, symbol: str) -> InstrumentSpec | None:
    """The spec for a product type (any case) and symbol (any case), or None."""
    p = normalize_product(product_type)
    if p is None or not symbol:
        return None
    return _BY_KEY.get((p, str(symbol).upper()))


def specs(product_type: str | None = None) -> list[InstrumentSpec]:
    p = normalize_product(product_type) if product_type is not None else None
    return [s for s in INSTRUMENTS if p is None or s.product_type == p]


COINS = ("USDT", "BTC", "ETH", "SOL")
_COIN_IDS = {"USDT": "2", "BTC": "1", "ETH": "3", "SOL": "101"}
_CHAINS: dict[str, list[tuple[str, str, str, str]]] = {
    # chain, withdrawFee, minWithdrawAmount, contractAddress
    "USDT": [("TRC20", "1.5", "10", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
             ("ERC20", "3", "10", "0xdac17f958d2ee523a2206206994597c13d831ec7")],
    "BTC": [("BTC", "0.0001", "0.0005", "")],
    "ETH": [("ETH", "0.0015", "0.005", ""), ("ArbitrumOne", "0.0001", "0.001", "")],
    "SOL": [("SOL", "0.01", "0.1", "")],
}


def coin_rows(coin: str | None = None) -> list[dict[str, Any]]:
    """Elements of GET /api/v2/spot/public/coins."""
    out = []
    for c in COINS:
        if coin and coin.upper() != c:
            continue
        chains = [{
            "chain": chain, "needTag": "false", "withdrawable": "true", "rechargeable": "true",
            "withdrawFee": fee, "extraWithdrawFee": "0", "depositConfirm": "12", "withdrawConfirm": "12",
            "minDepositAmount": "0.000001", "minWithdrawAmount": min_wd, "browserUrl": "",
            "contractAddress": addr, "withdrawStep": "0", "withdrawMinScale": "8", "congestion": "normal",
        } for chain, fee, min_wd, addr in _CHAINS[c]]
        out.append({"coinId": _COIN_IDS[c], "coin": c, "transfer": "true", "chains": chains, "areaCoin": "no"})
    return out


_TIERS = [  # (endUnit in USDT, leverage cap fraction of max, keepMarginRate)
    (200000, 1.0, "0.0040"), (1000000, 0.8, "0.0050"), (5000000, 0.6, "0.0070"), (15000000, 0.4, "0.0100"),
    (50000000, 0.2, "0.0200"), (100000000, 0.16, "0.0300"), (150000000, 0.08, "0.0600"),
    (300000000, 0.04, "0.1200"), (500000000, 0.032, "0.1500"), (700000000, 0.024, "0.2000"),
    (900000000, 0.016, "0.3000"), (1200000000, 0.0, "0.6000"),
]


def leverage_tiers(s: InstrumentSpec) -> list[dict[str, str]]:
    """Elements of GET /api/v2/mix/market/query-position-lever (BTC fixture shape, scaled for other coins)."""
    scale = 1 if s.base_coin == "BTC" else 5
    rows, start = [], 0
    for level, (end, frac, mmr) in enumerate(_TIERS, start=1):
        end_scaled = end // scale
        lev = max(1, int(s.max_leverage * frac)) if frac else 1
        rows.append({"symbol": s.symbol, "level": str(level), "startUnit": str(start), "endUnit": str(end_scaled),
                     "leverage": str(lev), "keepMarginRate": mmr})
        start = end_scaled
    return rows
