"""Order-path values: wire enums, intent translation, validated OrderRequest, order/fill/balance/position records."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import Enum, StrEnum
from typing import TYPE_CHECKING, NamedTuple, Self

if TYPE_CHECKING:
    from bitget_desktop.domain.market import Instrument, ProductType

__all__ = [
    "Side",
    "TradeSide",
    "PositionMode",
    "MarginMode",
    "OrderType",
    "TimeInForce",
    "HoldSide",
    "OrderStatus",
    "Intent",
    "WireSide",
    "translate_intent",
    "new_client_oid",
    "CLIENT_OID_MAX_LEN",
    "OrderValidationError",
    "OrderRequest",
    "Order",
    "Fill",
    "Balance",
    "FuturesAccount",
    "Position",
]


class _WireEnum(StrEnum):
    @classmethod
    def parse(cls, value: str) -> Self:
        """Accept the wire value in any case (Bitget and clients disagree on capitals)."""
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            raise ValueError(f"unknown {cls.__name__}: {value!r}") from None


class Side(_WireEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class TradeSide(_WireEnum):
    OPEN = "open"
    CLOSE = "close"


class PositionMode(_WireEnum):
    ONE_WAY = "one_way_mode"
    HEDGE = "hedge_mode"


class MarginMode(_WireEnum):
    CROSSED = "crossed"
    ISOLATED = "isolated"


class OrderType(_WireEnum):
    LIMIT = "limit"
    MARKET = "market"


class TimeInForce(_WireEnum):
    GTC = "gtc"
    POST_ONLY = "post_only"
    IOC = "ioc"
    FOK = "fok"


class HoldSide(_WireEnum):
    LONG = "long"
    SHORT = "short"


_STATUS_ALIASES = {
    "live": "live",
    "new": "live",
    "init": "live",
    "open": "live",
    "partially_filled": "partially_filled",
    "partial_fill": "partially_filled",
    "partial-fill": "partially_filled",
    "filled": "filled",
    "full_fill": "filled",
    "full-fill": "filled",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "cancel": "cancelled",
}


class OrderStatus(StrEnum):
    LIVE = "live"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self in (OrderStatus.LIVE, OrderStatus.PARTIALLY_FILLED)

    @classmethod
    def parse(cls, value: str) -> OrderStatus:
        """Map any Bitget spelling (``canceled``/``cancelled``, ``init``/``new`` -> live, ``full_fill``...)."""
        key = _STATUS_ALIASES.get(str(value).strip().lower())
        if key is None:
            raise ValueError(f"unknown order status: {value!r}")
        return cls(key)


class Intent(Enum):
    """What the user wants, independent of the account's position mode."""

    OPEN_LONG = "open_long"
    OPEN_SHORT = "open_short"
    CLOSE_LONG = "close_long"
    CLOSE_SHORT = "close_short"
    BUY = "buy"
    SELL = "sell"
    BUY_REDUCE = "buy_reduce"
    SELL_REDUCE = "sell_reduce"


class WireSide(NamedTuple):
    side: Side
    trade_side: TradeSide | None
    reduce_only: bool


# Reference 4.4.2. Hedge mode: ``side`` names the position direction, so closing a long is buy + close.
_HEDGE = {
    Intent.OPEN_LONG: WireSide(Side.BUY, TradeSide.OPEN, False),
    Intent.OPEN_SHORT: WireSide(Side.SELL, TradeSide.OPEN, False),
    Intent.CLOSE_LONG: WireSide(Side.BUY, TradeSide.CLOSE, False),
    Intent.CLOSE_SHORT: WireSide(Side.SELL, TradeSide.CLOSE, False),
    Intent.BUY: WireSide(Side.BUY, TradeSide.OPEN, False),
    Intent.SELL: WireSide(Side.SELL, TradeSide.OPEN, False),
    Intent.BUY_REDUCE: WireSide(Side.SELL, TradeSide.CLOSE, False),  # buying reduces a short
    Intent.SELL_REDUCE: WireSide(Side.BUY, TradeSide.CLOSE, False),  # selling reduces a long
}
# One-way mode: ``side`` is the trade direction, tradeSide is omitted, closing uses reduceOnly.
_ONE_WAY = {
    Intent.OPEN_LONG: WireSide(Side.BUY, None, False),
    Intent.OPEN_SHORT: WireSide(Side.SELL, None, False),
    Intent.CLOSE_LONG: WireSide(Side.SELL, None, True),
    Intent.CLOSE_SHORT: WireSide(Side.BUY, None, True),
    Intent.BUY: WireSide(Side.BUY, None, False),
    Intent.SELL: WireSide(Side.SELL, None, False),
    Intent.BUY_REDUCE: WireSide(Side.BUY, None, True),
    Intent.SELL_REDUCE: WireSide(Side.SELL, None, True),
}


def translate_intent(intent: Intent, mode: PositionMode) -> WireSide:
    """Translate a user intent into Bitget's (side, tradeSide, reduceOnly) for the account's position mode."""
    table = _HEDGE if PositionMode(mode) is PositionMode.HEDGE else _ONE_WAY
    return table[intent]


CLIENT_OID_MAX_LEN = 50
_CLIENT_OID_RE = re.compile(r"[A-Za-z0-9_-]{1,50}\Z")


NEW_CLIENT_OID_LEN = 32  # the v3 (unified account) limit; v2 allows 50


def new_client_oid(prefix: str = "bd") -> str:
    """A fresh unique client order id of 32 chars of [A-Za-z0-9_-] (prefix + at least 24 random hex chars),
    short enough for both API families (v3 refuses more than 32)."""
    random_len = NEW_CLIENT_OID_LEN - len(prefix)
    oid = f"{prefix}{uuid.uuid4().hex[:random_len]}"
    if random_len < 24 or not _CLIENT_OID_RE.match(oid):
        raise ValueError(f"bad client_oid prefix: {prefix!r}")
    return oid


class OrderValidationError(ValueError):
    """An order failed local validation; ``field`` names the offending input, ``reason`` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _fail(field: str, reason: str) -> OrderValidationError:
    return OrderValidationError(field, reason)


def _as_decimal(field: str, value: object) -> Decimal:
    if isinstance(value, float):
        raise _fail(field, "must be a Decimal or a decimal string, not a float")
    try:
        d = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except ArithmeticError:
        raise _fail(field, f"not a number: {value!r}") from None
    if not d.is_finite():
        raise _fail(field, f"not a finite number: {value!r}")
    return d


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A validated, snapped order ready for the codec.

    ``size`` is in base coin, except for a spot market BUY where it is the quote amount to spend (Bitget semantics).
    """

    symbol: str
    product_type: ProductType
    side: Side
    order_type: OrderType
    size: Decimal
    price: Decimal | None
    force: TimeInForce
    client_oid: str
    trade_side: TradeSide | None = None
    reduce_only: bool = False
    margin_mode: MarginMode | None = None
    margin_coin: str | None = None
    preset_take_profit: Decimal | None = None
    preset_stop_loss: Decimal | None = None

    @property
    def is_quote_sized(self) -> bool:
        """True for a spot market buy, whose size is a quote amount."""
        return (not self.product_type.is_futures) and self.order_type is OrderType.MARKET and self.side is Side.BUY

    @classmethod
    def build(
        cls,
        instrument: Instrument,
        *,
        side: Side | str,
        order_type: OrderType | str,
        size: Decimal | str,
        price: Decimal | str | None = None,
        force: TimeInForce | str = TimeInForce.GTC,
        client_oid: str | None = None,
        trade_side: TradeSide | str | None = None,
        reduce_only: bool = False,
        margin_mode: MarginMode | str | None = None,
        margin_coin: str | None = None,
        preset_take_profit: Decimal | str | None = None,
        preset_stop_loss: Decimal | str | None = None,
        last_price: Decimal | str | None = None,
        position_mode: PositionMode | str | None = None,
        strict: bool = False,
        price_rounding: str = ROUND_HALF_UP,
    ) -> OrderRequest:
        """Validate inputs against ``instrument`` and snap them; raise OrderValidationError(field, reason).

        ``strict`` rejects a price off tick or a size off lot instead of snapping (price to nearest tick by
        ``price_rounding``, size down to the lot). ``last_price`` is used for the notional check of market orders
        (skipped when unknown). ``position_mode`` (futures) checks trade_side/reduce_only consistency.
        """
        inst = instrument
        futures = inst.product_type.is_futures
        side = Side.parse(side) if not isinstance(side, Side) else side
        otype = OrderType.parse(order_type) if not isinstance(order_type, OrderType) else order_type
        tif = TimeInForce.parse(force) if not isinstance(force, TimeInForce) else force
        tside = None if trade_side is None else TradeSide.parse(trade_side)
        mmode = None if margin_mode is None else MarginMode.parse(margin_mode)
        pmode = None if position_mode is None else PositionMode.parse(position_mode)

        if not inst.tradable:
            raise _fail("symbol", f"{inst.symbol} is not tradable now")

        # -- futures-only fields and hedge/one-way consistency
        if not futures:
            if tside is not None:
                raise _fail("trade_side", "trade_side applies to futures only")
            if reduce_only:
                raise _fail("reduce_only", "reduce_only applies to futures only")
            if mmode is not None:
                raise _fail("margin_mode", "margin_mode applies to futures only")
            if margin_coin is not None:
                raise _fail("margin_coin", "margin_coin applies to futures only")
            if pmode is not None:
                raise _fail("position_mode", "position_mode applies to futures only")
        else:
            if pmode is PositionMode.HEDGE:
                if tside is None:
                    raise _fail("trade_side", "hedge mode needs trade_side open or close")
                if reduce_only:
                    raise _fail("reduce_only", "hedge mode closes with trade_side=close, not reduce_only")
            elif pmode is PositionMode.ONE_WAY and tside is not None:
                raise _fail("trade_side", "one-way mode takes no trade_side (use reduce_only to close)")
            if tside is not None and reduce_only:
                raise _fail("reduce_only", "reduce_only and trade_side cannot be combined")
            if margin_coin is None:
                margin_coin = inst.margin_coin
            elif inst.margin_coin is not None and margin_coin.upper() != inst.margin_coin.upper():
                raise _fail("margin_coin", f"{inst.symbol} settles in {inst.margin_coin}, not {margin_coin}")

        # -- client oid
        if client_oid is None:
            client_oid = new_client_oid()
        elif len(client_oid) > CLIENT_OID_MAX_LEN:
            raise _fail("client_oid", f"longer than {CLIENT_OID_MAX_LEN} characters")
        elif not _CLIENT_OID_RE.match(client_oid):
            raise _fail("client_oid", "only letters, digits, '_' and '-' are allowed")

        # -- price
        if otype is OrderType.LIMIT:
            if price is None:
                raise _fail("price", "a limit order needs a price")
            px = _as_decimal("price", price)
            if px <= 0:
                raise _fail("price", "must be positive")
            if not inst.price_on_tick(px):
                if strict:
                    raise _fail("price", f"{px} is not a multiple of the tick {inst.tick_size}")
                px = inst.snap_price(px, price_rounding)
                if px <= 0:
                    raise _fail("price", f"rounds to zero at tick {inst.tick_size}")
            else:
                px = inst.snap_price(px, price_rounding)  # same value, quantized to price_places
        else:
            if price is not None:
                raise _fail("price", "a market order takes no price")
            if tif is not TimeInForce.GTC and tif is not TimeInForce.IOC and tif is not TimeInForce.FOK:
                raise _fail("force", f"{tif.value} is not allowed for a market order")
            px = None

        ref = px
        if ref is None and last_price is not None:
            ref = _as_decimal("last_price", last_price)
            if ref <= 0:
                raise _fail("last_price", "must be positive")

        # -- size
        qty = _as_decimal("size", size)
        if qty <= 0:
            raise _fail("size", "must be positive")
        quote_sized = (not futures) and otype is OrderType.MARKET and side is Side.BUY
        reducing = reduce_only or tside is TradeSide.CLOSE
        if quote_sized:
            snapped = inst.snap_quote(qty)
            if snapped != qty and strict:
                raise _fail("size", "quote amount has too many decimals")
            qty = snapped
            if qty <= 0:
                raise _fail("size", "quote amount rounds to zero")
            if inst.min_notional > 0 and qty < inst.min_notional:
                raise _fail("size", f"order value {qty} {inst.quote_coin} is below the minimum "
                                    f"{inst.min_notional} {inst.quote_coin}")
            if ref is not None and inst.min_size > 0 and qty / ref < inst.min_size:
                about = (qty / ref).quantize(Decimal(1).scaleb(-inst.size_places), rounding=ROUND_DOWN)
                raise _fail("size", f"buys about {about} {inst.base_coin}, below the minimum {inst.min_size} "
                                    f"{inst.base_coin}")
        else:
            if strict and not inst.size_on_lot(qty):
                raise _fail("size", f"{qty} is not a multiple of the lot {inst.lot_size}")
            qty = inst.snap_size(qty)
            if qty <= 0:
                raise _fail("size", f"rounds down to zero at lot {inst.lot_size}")
            if qty < inst.min_size:
                raise _fail("size", f"{qty} is below the minimum size {inst.min_size}")
            if inst.max_order_size is not None and qty > inst.max_order_size:
                raise _fail("size", f"{qty} is above the maximum order size {inst.max_order_size}")
            # Reducing orders may close a remainder worth less than the minimum; the exchange decides those.
            if ref is not None and inst.min_notional > 0 and not reducing and qty * ref < inst.min_notional:
                value = (qty * ref).quantize(Decimal(1).scaleb(-max(inst.price_places, 2)), rounding=ROUND_DOWN)
                raise _fail("size", f"order value {value} {inst.quote_coin} is below the minimum notional "
                                    f"{inst.min_notional} {inst.quote_coin}")

        # -- attached take-profit / stop-loss
        tp = _preset(inst, "preset_take_profit", preset_take_profit, strict)
        sl = _preset(inst, "preset_stop_loss", preset_stop_loss, strict)
        if (tp is not None or sl is not None) and reducing:
            raise _fail("preset_take_profit" if tp is not None else "preset_stop_loss",
                        "take-profit/stop-loss cannot be attached to a closing order")
        if ref is not None and (tp is not None or sl is not None):
            goes_long = side is Side.BUY
            if tp is not None and (tp <= ref if goes_long else tp >= ref):
                raise _fail("preset_take_profit", f"must be {'above' if goes_long else 'below'} {ref}")
            if sl is not None and (sl >= ref if goes_long else sl <= ref):
                raise _fail("preset_stop_loss", f"must be {'below' if goes_long else 'above'} {ref}")

        return cls(
            symbol=inst.symbol,
            product_type=inst.product_type,
            side=side,
            order_type=otype,
            size=qty,
            price=px,
            force=tif,
            client_oid=client_oid,
            trade_side=tside,
            reduce_only=bool(reduce_only),
            margin_mode=mmode,
            margin_coin=margin_coin if futures else None,
            preset_take_profit=tp,
            preset_stop_loss=sl,
        )


def _preset(inst: Instrument, field: str, value: object, strict: bool) -> Decimal | None:
    if value is None:
        return None
    p = _as_decimal(field, value)
    if p <= 0:
        raise _fail(field, "must be positive")
    if not inst.price_on_tick(p) and strict:
        raise _fail(field, f"{p} is not a multiple of the tick {inst.tick_size}")
    p = inst.snap_price(p)
    if p <= 0:
        raise _fail(field, f"rounds to zero at tick {inst.tick_size}")
    return p


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the exchange reports it (spot or futures)."""

    order_id: str
    client_oid: str | None
    symbol: str
    product_type: ProductType
    side: Side
    order_type: OrderType
    force: TimeInForce
    price: Decimal | None
    size: Decimal
    filled_size: Decimal
    avg_price: Decimal | None
    status: OrderStatus
    trade_side: TradeSide | None
    pos_side: HoldSide | None
    reduce_only: bool
    fee: Decimal
    c_time: int
    u_time: int
    preset_take_profit: Decimal | None = None  # TP/SL attached to the order, as the exchange stored them
    preset_stop_loss: Decimal | None = None

    @property
    def remaining(self) -> Decimal:
        return max(self.size - self.filled_size, Decimal(0))

    @property
    def is_open(self) -> bool:
        return self.status.is_open


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of one of our orders; ``fee`` is negative when paid (Bitget's sign)."""

    trade_id: str
    order_id: str
    symbol: str
    product_type: ProductType
    side: Side
    price: Decimal
    size: Decimal
    fee: Decimal
    fee_coin: str
    maker: bool
    ts: int
    trade_side: TradeSide | None = None
    profit: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Balance:
    """Spot balance of one coin."""

    coin: str
    available: Decimal
    frozen: Decimal
    locked: Decimal

    @property
    def total(self) -> Decimal:
        return self.available + self.frozen + self.locked


@dataclass(frozen=True, slots=True)
class FuturesAccount:
    """Futures account summary for one margin coin."""

    margin_coin: str
    available: Decimal
    equity: Decimal
    unrealized_pl: Decimal
    max_transfer_out: Decimal
    margin_mode: MarginMode | None = None
    pos_mode: PositionMode | None = None
    crossed_leverage: int | None = None
    # What a new position may still use, net of position and order margin (crossedMaxAvailable /
    # maxOpenPosAvailable); None when the answer did not say.
    max_open: Decimal | None = None

    @property
    def open_available(self) -> Decimal:
        """Margin available for a new order: the exchange's own figure when it gave one."""
        return self.max_open if self.max_open is not None else self.available


@dataclass(frozen=True, slots=True)
class Position:
    """An open futures position (one per hold side in hedge mode)."""

    symbol: str
    product_type: ProductType
    hold_side: HoldSide
    size: Decimal
    available: Decimal
    entry_price: Decimal
    mark_price: Decimal
    unrealized_pl: Decimal
    margin: Decimal
    leverage: int
    liquidation_price: Decimal | None
    margin_mode: MarginMode
    pos_mode: PositionMode
    c_time: int
