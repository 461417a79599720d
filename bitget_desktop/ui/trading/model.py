"""The ticket model: field text + market/account context -> a validated OrderRequest, or per-field reasons (no Qt).

Everything here is pure and Decimal-exact; the widgets only move text in and show what comes out. Nothing but a
domain ``OrderRequest`` built by ``OrderRequest.build(..., strict=True)`` ever leaves ``build_spot``/``build_perp``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from bitget_desktop.domain.market import Instrument
from bitget_desktop.domain.trading import (
    HoldSide,
    Intent,
    MarginMode,
    OrderRequest,
    OrderType,
    OrderValidationError,
    PositionMode,
    Side,
    TimeInForce,
    translate_intent,
)
from bitget_desktop.ui.trading.numbers import WIDE, FieldError, coin_places, fmt, fmt_down, fmt_size, parse_amount

__all__ = [
    "MarketState",
    "TicketResult",
    "SpotInputs",
    "SpotContext",
    "PerpInputs",
    "PerpContext",
    "build_spot",
    "build_perp",
    "link_fields",
    "snap_field",
    "favour_price",
    "sent_line",
    "spot_pct_fill",
    "perp_pct_size",
    "estimate_liquidation",
    "DEFAULT_FAT_FINGER_PCT",
    "DEFAULT_MMR",
]

DEFAULT_FAT_FINGER_PCT = Decimal("5")
DEFAULT_MMR = Decimal("0.004")  # Bitget's first maintenance-margin tier for the majors; estimates only
_HUNDRED = Decimal(100)

# OrderRequest.build names fields after the request; the ticket names them after its inputs.
_FIELD_OF = {
    "price": "price",
    "size": "size",
    "preset_take_profit": "take_profit",
    "preset_stop_loss": "stop_loss",
}


@dataclass(frozen=True, slots=True)
class MarketState:
    """What the ticket knows of the market right now (any of it may be unknown)."""

    last: Decimal | None = None
    bid: Decimal | None = None
    ask: Decimal | None = None
    mark: Decimal | None = None

    @property
    def reference(self) -> Decimal | None:
        """The price a fat-finger check and an estimate compare against: last, else mid, else mark."""
        if self.last is not None and self.last > 0:
            return self.last
        if self.bid is not None and self.ask is not None and self.bid > 0 and self.ask > 0:
            return (self.bid + self.ask) / 2
        if self.mark is not None and self.mark > 0:
            return self.mark
        return None

    @property
    def reference_name(self) -> str:
        """What ``reference`` is, in words: 'last price', 'mid of bid and ask' or 'mark price'."""
        if self.last is not None and self.last > 0:
            return "last price"
        if self.bid is not None and self.ask is not None and self.bid > 0 and self.ask > 0:
            return "mid of bid and ask"
        return "mark price"

    def taker_price(self, side: Side) -> Decimal | None:
        """Where a market order of ``side`` would start filling (best ask for a buy, best bid for a sell)."""
        p = self.ask if side is Side.BUY else self.bid
        return p if p is not None and p > 0 else self.reference


@dataclass(frozen=True, slots=True)
class TicketResult:
    """Either ``request`` (valid, snapped, ready to send) or ``errors`` (field -> reason); ``preview`` explains.

    ``warning`` (the fat-finger guard) does not block the request: the ticket sends it only after the trader confirms.
    """

    request: OrderRequest | None
    errors: Mapping[str, str] = field(default_factory=dict)
    preview: str = ""
    warning: str = ""

    @property
    def ok(self) -> bool:
        return self.request is not None and not self.errors


# ---------------------------------------------------------------------------------------------------------------------
# shared checks


def _parse(errors: dict[str, str], field_name: str, text: str, *, required: bool, what: str) -> Decimal | None:
    try:
        value = parse_amount(text, field_name)
    except FieldError as exc:
        errors[field_name] = exc.reason
        return None
    if value is None:
        if required:
            errors[field_name] = f"enter {what}"
        return None
    if value <= 0:
        errors[field_name] = "must be more than zero"
        return None
    return value


def favour_price(inst: Instrument, price: Decimal, buying: bool) -> Decimal:
    """``price`` on the tick in the trader's favour: a buy rounds down, a sell rounds up (never against them)."""
    return inst.snap_price(price, ROUND_FLOOR if buying else ROUND_CEILING)


def _check_price(errors: dict[str, str], field_name: str, inst: Instrument, price: Decimal,
                 buying: bool | None = None) -> None:
    if inst.price_on_tick(price):
        return
    tick = fmt(inst.tick_size)
    if buying is None:  # TP/SL: no side is "in favour"; name both neighbours
        low, high = favour_price(inst, price, True), favour_price(inst, price, False)
        errors[field_name] = (f"not on the {tick} tick: use {fmt(low, inst.price_places)} "
                              f"or {fmt(high, inst.price_places)}")
        return
    snapped = favour_price(inst, price, buying)
    errors[field_name] = (f"not on the {tick} tick: {fmt(snapped, inst.price_places)} "
                          f"({'down' if buying else 'up'}, in your favour) on Enter or click")


def _check_lot(errors: dict[str, str], field_name: str, inst: Instrument, size: Decimal) -> None:
    if inst.size_on_lot(size):
        return
    snapped = inst.snap_size(size)
    if snapped > 0:
        errors[field_name] = f"not a multiple of the lot {fmt(inst.lot_size)} (use {fmt(snapped)})"
    else:
        smallest = max(inst.lot_size, inst.min_size)
        errors[field_name] = f"below the lot {fmt(inst.lot_size)}: the smallest size is {fmt(smallest)}"


def _fat_finger(errors: dict[str, str], field_name: str, inst: Instrument, price: Decimal, market: MarketState,
                pct: Decimal | None) -> str:
    """The fat-finger warning for ``price`` ('' when within the guard); no market price at all is an error."""
    if pct is None or pct <= 0:
        return ""
    ref = market.reference
    if ref is None or ref <= 0:
        errors[field_name] = "no market price yet to check this price against; wait a moment"
        return ""
    off = abs(price - ref) / ref * _HUNDRED
    if off <= pct:
        return ""
    where = "above" if price > ref else "below"
    return (f"Price {fmt(price, inst.price_places)} {inst.quote_coin} is "
            f"{off.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}% {where} the {market.reference_name} "
            f"{fmt(inst.snap_price(ref), inst.price_places)} {inst.quote_coin}; the fat-finger guard is "
            f"{fmt(pct)}% (setting fat_finger_pct).")


def sent_line(req: OrderRequest, inst: Instrument) -> str:
    """Exactly what goes to the exchange, in one line: side, type, size, price, and for futures the reduce-only
    flag and TP/SL ("Sends: BUY LIMIT 0.01 BTC at 92000.00 USDT · GTC")."""
    size = (f"spend {fmt(req.size)} {inst.quote_coin}" if req.is_quote_sized
            else f"{fmt(req.size)} {inst.base_coin}")
    at = f" at {fmt(req.price, inst.price_places)} {inst.quote_coin}" if req.price is not None else ""
    parts = [f"Sends: {req.side.value.upper()} {req.order_type.value.upper()} {size}{at}"]
    if req.order_type is OrderType.LIMIT:
        parts.append(req.force.value.upper().replace("_", "-"))
    if req.product_type.is_futures:
        if req.trade_side is not None:
            parts.append(f"tradeSide {req.trade_side.value}")
        parts.append("reduce-only" if req.reduce_only else "not reduce-only")
        parts.append("TP " + (fmt(req.preset_take_profit, inst.price_places)
                              if req.preset_take_profit is not None else "none"))
        parts.append("SL " + (fmt(req.preset_stop_loss, inst.price_places)
                              if req.preset_stop_loss is not None else "none"))
    return " · ".join(parts)


def _build(inst: Instrument, errors: dict[str, str], *, size_field: str = "size", **kw: object) -> OrderRequest | None:
    try:
        return OrderRequest.build(inst, strict=True, **kw)  # type: ignore[arg-type]
    except OrderValidationError as exc:
        name = _FIELD_OF.get(exc.field, "form")
        if name == "size":
            name = size_field
        errors.setdefault(name, exc.reason)
        return None


# ---------------------------------------------------------------------------------------------------------------------
# spot


@dataclass(frozen=True, slots=True)
class SpotInputs:
    """The spot ticket's fields as typed. ``total`` is the quote amount (what a market buy spends)."""

    side: Side = Side.BUY
    order_type: OrderType = OrderType.LIMIT
    force: TimeInForce = TimeInForce.GTC
    price: str = ""
    size: str = ""
    total: str = ""


@dataclass(frozen=True, slots=True)
class SpotContext:
    instrument: Instrument
    market: MarketState = MarketState()
    base_available: Decimal | None = None
    quote_available: Decimal | None = None
    fat_finger_pct: Decimal | None = DEFAULT_FAT_FINGER_PCT


def build_spot(inputs: SpotInputs, ctx: SpotContext, *, client_oid: str | None = None) -> TicketResult:
    """Validate the spot ticket; a market buy sends ``total`` (quote), every other order sends ``size`` (base)."""
    inst = ctx.instrument
    errors: dict[str, str] = {}
    side, otype = inputs.side, inputs.order_type
    market_buy = otype is OrderType.MARKET and side is Side.BUY
    price: Decimal | None = None
    warning = ""
    qp = min(coin_places(inst, inst.quote_coin), 2)  # quote amounts to spend or hold: cents
    if otype is OrderType.LIMIT:
        price = _parse(errors, "price", inputs.price, required=True, what="a price")
        if price is not None:
            _check_price(errors, "price", inst, price, side is Side.BUY)
            warning = _fat_finger(errors, "price", inst, price, ctx.market, ctx.fat_finger_pct)
    elif inputs.force is not TimeInForce.GTC:
        errors["force"] = "time in force applies to limit orders only"
    if market_buy:
        amount = _parse(errors, "total", inputs.total, required=True, what=f"the {inst.quote_coin} amount to spend")
        size = amount
        size_field = "total"
        if amount is not None and ctx.quote_available is not None and amount > ctx.quote_available:
            errors["total"] = f"more than the {fmt_down(ctx.quote_available, qp)} {inst.quote_coin} available"
    else:
        size = _parse(errors, "size", inputs.size, required=True, what=f"a size in {inst.base_coin}")
        size_field = "size"
        if size is not None:
            _check_lot(errors, "size", inst, size)
            if side is Side.SELL and ctx.base_available is not None and size > ctx.base_available:
                errors["size"] = (f"more than the {fmt_size(ctx.base_available, inst.size_places)} "
                                  f"{inst.base_coin} available")
            if side is Side.BUY and price is not None and ctx.quote_available is not None:
                need = price * size
                if need > ctx.quote_available:
                    errors["total"] = (f"needs {fmt(need, qp)} {inst.quote_coin}, "
                                       f"{fmt_down(ctx.quote_available, qp)} {inst.quote_coin} available")
    if errors:
        return TicketResult(None, errors)
    ref = ctx.market.taker_price(side) if otype is OrderType.MARKET else None
    req = _build(inst, errors, size_field=size_field, side=side, order_type=otype, size=size, price=price,
                 force=inputs.force, client_oid=client_oid, last_price=ref)
    if req is None:
        return TicketResult(None, errors)
    return TicketResult(req, {}, spot_preview(req, inst, ctx), warning)


def spot_preview(req: OrderRequest, inst: Instrument, ctx: SpotContext) -> str:
    return f"{sent_line(req, inst)}\n{_spot_explained(req, inst, ctx)}"


def _spot_explained(req: OrderRequest, inst: Instrument, ctx: SpotContext) -> str:
    qp = coin_places(inst, inst.quote_coin)
    verb = "Buy" if req.side is Side.BUY else "Sell"
    fee_rate = inst.taker_fee_rate if req.order_type is OrderType.MARKET else inst.maker_fee_rate
    if req.is_quote_sized:
        ref = ctx.market.taker_price(Side.BUY)
        about = f" (≈ {fmt(inst.snap_size(req.size / ref))} {inst.base_coin})" if ref else ""
        return (f"Market buy: spend {fmt(req.size)} {inst.quote_coin}{about} at the best asks · "
                f"fee ≈ {fmt((req.size * fee_rate), qp)} {inst.quote_coin}")
    if req.price is None:
        ref = ctx.market.taker_price(req.side)
        value = f" ≈ {fmt(req.size * ref, qp)} {inst.quote_coin}" if ref else ""
        return f"Market {verb.lower()} {fmt(req.size)} {inst.base_coin}{value} at the best bids"
    notional = req.price * req.size
    tif = {TimeInForce.GTC: "good till cancelled", TimeInForce.POST_ONLY: "post-only (maker or cancelled)",
           TimeInForce.IOC: "immediate or cancel", TimeInForce.FOK: "fill or kill"}[req.force]
    return (f"{verb} {fmt(req.size)} {inst.base_coin} at {fmt(req.price, inst.price_places)} = "
            f"{_total_text(inst, notional)} "
            f"{inst.quote_coin} · {tif} · fee ≈ {fmt(notional * fee_rate, qp)} {inst.quote_coin}")


# ---------------------------------------------------------------------------------------------------------------------
# perpetuals


@dataclass(frozen=True, slots=True)
class PerpInputs:
    intent: Intent = Intent.OPEN_LONG
    order_type: OrderType = OrderType.LIMIT
    force: TimeInForce = TimeInForce.GTC
    price: str = ""
    size: str = ""
    take_profit: str = ""
    stop_loss: str = ""


@dataclass(frozen=True, slots=True)
class PerpContext:
    instrument: Instrument
    position_mode: PositionMode = PositionMode.ONE_WAY
    margin_mode: MarginMode = MarginMode.CROSSED
    leverage: int = 10
    market: MarketState = MarketState()
    available: Decimal | None = None  # margin coin available for new positions
    positions: Mapping[HoldSide, Decimal] | None = None  # open size per hold side (None: not known)
    fat_finger_pct: Decimal | None = DEFAULT_FAT_FINGER_PCT
    maintenance_margin_rate: Decimal = DEFAULT_MMR


def _closes(intent: Intent) -> HoldSide | None:
    """The hold side an intent reduces (None for an opening intent)."""
    return {Intent.CLOSE_LONG: HoldSide.LONG, Intent.SELL_REDUCE: HoldSide.LONG,
            Intent.CLOSE_SHORT: HoldSide.SHORT, Intent.BUY_REDUCE: HoldSide.SHORT}.get(intent)


def _goes_long(intent: Intent) -> bool:
    return intent in (Intent.OPEN_LONG, Intent.BUY, Intent.CLOSE_SHORT, Intent.BUY_REDUCE)


_HEDGE_INTENTS = (Intent.OPEN_LONG, Intent.OPEN_SHORT, Intent.CLOSE_LONG, Intent.CLOSE_SHORT)
_ONE_WAY_INTENTS = (Intent.BUY, Intent.SELL, Intent.BUY_REDUCE, Intent.SELL_REDUCE)


def build_perp(inputs: PerpInputs, ctx: PerpContext, *, client_oid: str | None = None) -> TicketResult:
    """Validate the perp ticket for the account's position mode; closes are reduce-only and cannot flip."""
    inst = ctx.instrument
    errors: dict[str, str] = {}
    intent, mode = inputs.intent, ctx.position_mode
    allowed = _HEDGE_INTENTS if mode is PositionMode.HEDGE else _ONE_WAY_INTENTS
    if intent not in allowed:
        # The mode changed under the button: say so rather than translate an intent the account cannot take.
        errors["form"] = f"{intent.value.replace('_', ' ')} is not an action in {_mode_name(mode)}"
        return TicketResult(None, errors)
    wire = translate_intent(intent, mode)
    closing = _closes(intent)
    if not (inst.min_leverage <= ctx.leverage <= max(inst.max_leverage, inst.min_leverage)):
        errors["leverage"] = (f"leverage {ctx.leverage}x is over {inst.symbol}'s maximum of {inst.max_leverage}x"
                              if ctx.leverage > inst.max_leverage else
                              f"leverage must be {inst.min_leverage}x to {inst.max_leverage}x")
    price: Decimal | None = None
    warning = ""
    if inputs.order_type is OrderType.LIMIT:
        price = _parse(errors, "price", inputs.price, required=True, what="a price")
        if price is not None:
            _check_price(errors, "price", inst, price, _goes_long(intent))
            warning = _fat_finger(errors, "price", inst, price, ctx.market, ctx.fat_finger_pct)
    elif inputs.force is not TimeInForce.GTC:
        errors["force"] = "time in force applies to limit orders only"
    size = _parse(errors, "size", inputs.size, required=True, what=f"a size in {inst.base_coin}")
    if size is not None:
        _check_lot(errors, "size", inst, size)
    tp = _parse(errors, "take_profit", inputs.take_profit, required=False, what="")
    sl = _parse(errors, "stop_loss", inputs.stop_loss, required=False, what="")
    for name, value in (("take_profit", tp), ("stop_loss", sl)):
        if value is not None:
            if closing is not None:
                errors[name] = "only on an opening order"
            else:
                _check_price(errors, name, inst, value)  # TP/SL: refused off the tick, both neighbours named
    if closing is not None and size is not None and ctx.positions is not None:
        held = ctx.positions.get(closing, Decimal(0))
        if held <= 0:
            errors["size"] = f"no {closing.value} position to close"
        elif size > held:
            errors["size"] = (f"more than the {fmt_size(held, inst.size_places)} {inst.base_coin} "
                              f"{closing.value} position")
    entry = price if price is not None else ctx.market.taker_price(Side.BUY if _goes_long(intent) else Side.SELL)
    if closing is None and size is not None and entry is not None and ctx.available is not None and ctx.leverage > 0:
        notional = entry * size
        need = notional / ctx.leverage + notional * inst.taker_fee_rate
        if need > ctx.available:
            errors["size"] = (f"needs ≈ {fmt(need, 2)} {inst.margin_coin or inst.quote_coin} margin and fee, "
                              f"{fmt_down(ctx.available, 2)} available")
    if errors:
        return TicketResult(None, errors)
    req = _build(inst, errors, side=wire.side, order_type=inputs.order_type, size=size, price=price,
                 force=inputs.force, client_oid=client_oid, trade_side=wire.trade_side,
                 reduce_only=wire.reduce_only, margin_mode=ctx.margin_mode, preset_take_profit=tp,
                 preset_stop_loss=sl, last_price=entry, position_mode=mode)
    if req is None:
        return TicketResult(None, errors)
    return TicketResult(req, {}, perp_preview(req, intent, ctx, entry), warning)


def _mode_name(mode: PositionMode) -> str:
    return "hedge mode" if mode is PositionMode.HEDGE else "one-way mode"


def estimate_liquidation(entry: Decimal, size: Decimal, *, long: bool, leverage: int, margin_mode: MarginMode,
                         available: Decimal | None, mmr: Decimal = DEFAULT_MMR) -> Decimal | None:
    """Rough liquidation price of a new position (isolated: its own margin; crossed: plus the available balance)."""
    if entry <= 0 or size <= 0 or leverage <= 0:
        return None
    margin = entry * size / leverage
    if margin_mode is MarginMode.CROSSED and available is not None:
        margin = max(available, margin)
    cushion = margin / size  # price move the margin absorbs
    if long:
        liq = (entry - cushion) / (1 - mmr)
    else:
        liq = (entry + cushion) / (1 + mmr)
    return liq if liq > 0 else Decimal(0)


def perp_preview(req: OrderRequest, intent: Intent, ctx: PerpContext, entry: Decimal | None) -> str:
    inst = ctx.instrument
    coin = inst.margin_coin or inst.quote_coin
    at = f"at {fmt(req.price, inst.price_places)}" if req.price is not None else "at market"
    closing = _closes(intent)
    if closing is not None:
        what = (f"Reduces your {closing.value.upper()} by {fmt(req.size)} {inst.base_coin} {at}; "
                f"reduce-only, so it cannot open a {('short' if closing is HoldSide.LONG else 'long')}")
    else:
        direction = "LONG" if _goes_long(intent) else "SHORT"
        if ctx.position_mode is PositionMode.HEDGE:
            what = f"Opens or adds to a {direction} of {fmt(req.size)} {inst.base_coin} {at}"
        else:
            opposite = HoldSide.SHORT if direction == "LONG" else HoldSide.LONG
            held = (ctx.positions or {}).get(opposite, Decimal(0))
            if held > 0:
                what = (f"{'Buys' if direction == 'LONG' else 'Sells'} {fmt(req.size)} {inst.base_coin} {at}: "
                        f"first reduces your {opposite.value.upper()} of {fmt_size(held, inst.size_places)}, "
                        f"any rest goes {direction}")
            else:
                what = f"{'Buys' if direction == 'LONG' else 'Sells'} {fmt(req.size)} {inst.base_coin} {at}: " \
                       f"opens or adds to a {direction}"
    parts = [f"{sent_line(req, inst)}\n{_mode_name(ctx.position_mode).capitalize()}: {what}"]
    if entry is not None:
        notional = entry * req.size
        fee_rate = inst.taker_fee_rate if req.order_type is OrderType.MARKET else inst.maker_fee_rate
        parts.append(f"Cost ≈ {fmt(notional, 2)} {coin}")
        if closing is None:
            parts.append(f"margin ≈ {fmt(notional / ctx.leverage, 2)} {coin} ({ctx.leverage}x {ctx.margin_mode.value})")
        parts.append(f"fee ≈ {fmt(notional * fee_rate, coin_places(inst, coin))} {coin}")
        if closing is None:
            liq = estimate_liquidation(entry, req.size, long=_goes_long(intent), leverage=ctx.leverage,
                                       margin_mode=ctx.margin_mode, available=ctx.available,
                                       mmr=ctx.maintenance_margin_rate)
            if liq is not None:
                parts.append("liq. ≈ " + (fmt(inst.snap_price(liq), inst.price_places) if liq > 0
                                          else "none (the balance covers the whole position)"))
    return " · ".join(parts)  # TP/SL are on the Sends line


# ---------------------------------------------------------------------------------------------------------------------
# linked fields


def quiet_amount(text: str) -> Decimal | None:
    try:
        v = parse_amount(text, "")
    except FieldError:
        return None
    return v if v is not None and v > 0 else None


def link_fields(inst: Instrument, edited: str, price: str, size: str, total: str, *,
                anchor: str = "size") -> dict[str, str]:
    """After ``edited`` ('price' | 'size' | 'total') changed, the text the other fields should show.

    ``anchor`` is whichever of size/total the user set last: a price change keeps it and recomputes the other.
    Returns only the fields to change; unparsable input changes nothing.
    """
    p, s, t = quiet_amount(price), quiet_amount(size), quiet_amount(total)
    out: dict[str, str] = {}
    if edited == "size" or (edited == "price" and anchor == "size"):
        if p is not None and s is not None:
            out["total"] = _total_text(inst, p * s)
    elif (edited == "total" or (edited == "price" and anchor == "total")) and p is not None and t is not None:
        out["size"] = fmt(inst.snap_size(t / p))
    return out


def _total_text(inst: Instrument, value: Decimal) -> str:
    """A quote total as shown: the quote amount's precision capped at the price's (rounded down)."""
    places = min(inst.quote_places if inst.quote_places is not None else inst.price_places, inst.price_places)
    return fmt(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN, context=WIDE))


def snap_field(inst: Instrument, name: str, text: str, *, buying: bool = True) -> str:
    """The field text snapped to the instrument: a price to the tick in the trader's favour (``buying`` rounds down,
    selling rounds up), a size down to the lot. TP/SL are left as typed (refused off the tick: no side is 'in
    favour' of a trigger), as is anything that would snap to zero."""
    v = quiet_amount(text)
    if v is None:
        return text
    if name == "price":
        snapped = favour_price(inst, v, buying)
        return fmt(snapped, inst.price_places) if snapped > 0 else text
    if name == "size":
        snapped = inst.snap_size(v)
        return fmt(snapped) if snapped > 0 else text
    return text


def spot_pct_fill(inst: Instrument, pct: int, side: Side, order_type: OrderType, price: Decimal | None,
                  base_available: Decimal | None, quote_available: Decimal | None) -> dict[str, str]:
    """Fields for ``pct`` % of the balance: a buy spends that share of the quote, a sell sells that share of base."""
    share = Decimal(max(0, min(100, int(pct)))) / _HUNDRED
    if side is Side.BUY:
        if quote_available is None:
            return {}
        spend = inst.snap_quote(quote_available * share)
        if order_type is OrderType.MARKET:
            return {"total": fmt(spend)}
        if price is None or price <= 0:
            return {"total": fmt(spend)}
        size = inst.snap_size(spend / price)
        return {"size": fmt(size), "total": _total_text(inst, price * size)}
    if base_available is None:
        return {}
    size = inst.snap_size(base_available * share)
    out = {"size": fmt(size)}
    if price is not None and price > 0:
        out["total"] = _total_text(inst, price * size)
    return out


def perp_pct_size(inst: Instrument, pct: int, price: Decimal | None, available: Decimal | None,
                  leverage: int) -> str:
    """The size that uses ``pct`` % of the available margin at ``leverage`` (fee included)."""
    if price is None or price <= 0 or available is None or leverage <= 0:
        return ""
    share = Decimal(max(0, min(100, int(pct)))) / _HUNDRED
    per_unit = price / leverage + price * inst.taker_fee_rate
    size = inst.snap_size(available * share / per_unit)
    return fmt(size) if size > 0 else ""
