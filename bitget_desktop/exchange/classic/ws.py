"""Sans-I/O codec for Bitget websocket v2: subscription args, and push messages -> domain values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bitget_desktop.domain.market import Candle, ProductType, PublicTrade, Timeframe
from bitget_desktop.domain.trading import Side
from bitget_desktop.exchange.classic import codec
from bitget_desktop.exchange.wire import dec, parser

__all__ = [
    "BOOK_CHANNELS",
    "PRIVATE_CHANNELS",
    "Subscription",
    "decode_items",
]

BOOK_CHANNELS = frozenset({"books", "books1", "books5", "books15"})
PRIVATE_CHANNELS = frozenset({"orders", "fill", "positions", "account", "orders-algo", "positions-history"})
_COIN_KEYED = frozenset({"account"})


@dataclass(frozen=True, slots=True)
class Subscription:
    """One websocket channel subscription (v2): instType + channel + instId (or coin for `account`)."""

    inst_type: str
    channel: str
    inst_id: str = "default"

    @property
    def private(self) -> bool:
        return self.channel in PRIVATE_CHANNELS

    @property
    def is_book(self) -> bool:
        return self.channel in BOOK_CHANNELS

    @property
    def incremental_book(self) -> bool:
        return self.channel == "books"

    @property
    def product_type(self) -> ProductType:
        return ProductType.parse(self.inst_type)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.inst_type.upper(), self.channel, self.inst_id.upper())

    def arg(self) -> dict[str, str]:
        """The element of `args` as Bitget expects it."""
        id_key = "coin" if self.channel in _COIN_KEYED else "instId"
        return {"instType": self.inst_type, "channel": self.channel, id_key: self.inst_id}

    # -- constructors ------------------------------------------------------------------------------------------
    @classmethod
    def ticker(cls, product_type: ProductType | str, symbol: str) -> Subscription:
        return cls(ProductType.parse(product_type).value, "ticker", symbol)

    @classmethod
    def candles(cls, product_type: ProductType | str, symbol: str, timeframe: Timeframe | str) -> Subscription:
        return cls(ProductType.parse(product_type).value, Timeframe.parse(timeframe).ws_channel, symbol)

    @classmethod
    def book(cls, product_type: ProductType | str, symbol: str, depth: int | None = None) -> Subscription:
        """depth None = full incremental `books`; 1, 5 or 15 = fixed-depth snapshots."""
        if depth not in (None, 1, 5, 15):
            raise ValueError("Bitget v2 offers books (full), books1, books5 and books15 only")
        return cls(ProductType.parse(product_type).value, "books" if depth is None else f"books{depth}", symbol)

    @classmethod
    def trades(cls, product_type: ProductType | str, symbol: str) -> Subscription:
        return cls(ProductType.parse(product_type).value, "trade", symbol)

    @classmethod
    def orders(cls, product_type: ProductType | str, symbol: str = "default") -> Subscription:
        return cls(ProductType.parse(product_type).value, "orders", symbol)

    @classmethod
    def fills(cls, product_type: ProductType | str, symbol: str = "default") -> Subscription:
        return cls(ProductType.parse(product_type).value, "fill", symbol)

    @classmethod
    def positions(cls, product_type: ProductType | str, symbol: str = "default") -> Subscription:
        return cls(ProductType.parse(product_type).value, "positions", symbol)

    @classmethod
    def account(cls, product_type: ProductType | str) -> Subscription:
        return cls(ProductType.parse(product_type).value, "account", "default")


def arg_key(arg: Mapping[str, Any]) -> tuple[str, str, str]:
    """Routing key of an `arg` echoed by the server (instId or coin, upper-cased)."""
    ident = arg.get("instId") or arg.get("coin") or "default"
    return (str(arg.get("instType", "")).upper(), str(arg.get("channel", "")), str(ident).upper())


@parser
def parse_public_trade(d: Mapping[str, Any], symbol: str) -> PublicTrade:
    return PublicTrade(
        symbol=symbol,
        trade_id=str(d["tradeId"]),
        price=dec(d["price"]),
        size=dec(d["size"]),
        side=Side.parse(d["side"]),
        ts=int(d["ts"]),
    )


@parser
def parse_ws_candle(row: list[Any]) -> Candle:
    return codec.parse_candle(row)


@parser
def decode_items(sub: Subscription, data: list[Any]) -> list[Any]:
    """Domain values for a non-book push: tickers, candles, trades, orders, fills, positions, balances."""
    ch = sub.channel
    pt = sub.product_type
    if ch == "ticker":
        return [codec.parse_ticker(d, pt) for d in data]
    if ch.startswith("candle"):
        return [codec.parse_candle(r) for r in data]
    if ch == "trade":
        return [parse_public_trade(d, sub.inst_id) for d in data]
    if ch == "orders":
        if pt.is_futures:
            return [codec.parse_mix_order(d, pt) for d in data]
        return [codec.parse_spot_order(d) for d in data]
    if ch == "fill":
        if pt.is_futures:
            return [codec.parse_mix_fill(d, pt) for d in data]
        return [codec.parse_spot_fill(d) for d in data]
    if ch == "positions":
        return [codec.parse_position(d, pt) for d in data]
    if ch == "account":
        if pt.is_futures:
            return [codec.parse_futures_account(d) for d in data]
        return [codec.parse_balance(d) for d in data]
    return list(data)
