"""Blotter models: open orders, order history, fills, positions and balances, over the session's records."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bitget_desktop.domain.market import Instrument
from bitget_desktop.domain.trading import Balance, FuturesAccount
from bitget_desktop.ui.models.records import Column, RecordTableModel, fmt_decimal, fmt_ms
from bitget_desktop.ui.trading.numbers import coin_places, fmt_down


def _value(x: Any) -> str:
    return str(getattr(x, "value", x) or "")


def intent_of(rec: Any) -> str:
    """What an order or fill does, as a trader says it: Open long, Close short, Buy, Sell, Close long (reduce)…

    Bitget's hedge mode names the position in ``side`` (closing a long is side=buy, tradeSide=close); one-way mode
    names the trade direction and closes with reduceOnly. The raw fields go in the tooltip (``wire_of``)."""
    side = _value(getattr(rec, "side", ""))
    trade_side = _value(getattr(rec, "trade_side", None))
    pos_side = _value(getattr(rec, "pos_side", None))
    if trade_side in ("open", "close"):
        held = pos_side if pos_side in ("long", "short") else ("long" if side == "buy" else "short")
        return f"{trade_side.capitalize()} {held}"
    if getattr(rec, "reduce_only", False):
        return "Close short" if side == "buy" else "Close long"
    return side.capitalize()


def wire_of(rec: Any) -> str:
    """The raw side / tradeSide / posSide / reduceOnly, as Bitget has them."""
    parts = [f"side={_value(getattr(rec, 'side', ''))}"]
    for name, label in (("trade_side", "tradeSide"), ("pos_side", "posSide")):
        value = _value(getattr(rec, name, None))
        if value:
            parts.append(f"{label}={value}")
    if hasattr(rec, "reduce_only"):
        parts.append(f"reduceOnly={'yes' if rec.reduce_only else 'no'}")
    return " · ".join(parts)


def _intent_tone(rec: Any) -> str | None:
    """Green for what buys (Open long, Close short, Buy), red for what sells."""
    text = intent_of(rec)
    return "up" if text in ("Open long", "Close short", "Buy") else "down" if text else None


def _side_tone(rec: Any) -> str | None:
    side = str(getattr(rec, "side", "") or getattr(rec, "hold_side", ""))
    return "up" if side in ("buy", "long") else "down" if side in ("sell", "short") else None


def _pnl_tone(value: Any) -> str | None:
    if value is None:
        return None
    return "up" if value > 0 else "down" if value < 0 else None


def _product(rec: Any) -> str:
    pt = getattr(rec, "product_type", None)
    return "" if pt is None else ("Spot" if str(pt) == "SPOT" else "Perp")


def _order_kind(o: Any) -> str:
    text = _value(o.order_type)
    force = _value(getattr(o, "force", None))
    if force and force != "gtc" and text == "limit":
        text += f" · {force.replace('_', '-')}"
    return text


def _price(value: Decimal | None, inst: Instrument | None) -> str:
    return fmt_decimal(value, inst.price_places if inst is not None and value is not None else None)


def _size(value: Decimal | None, inst: Instrument | None) -> str:
    return fmt_decimal(value, inst.size_places if inst is not None and value is not None else None)


def _coin(value: Decimal | None, inst: Instrument | None, coin: str | None) -> str:
    """A fee, PnL or margin amount at its coin's precision, with the coin when known."""
    if value is None:
        return ""
    places = coin_places(inst, coin) if inst is not None else None
    text = fmt_decimal(value, places)
    return f"{text} {coin}" if coin else text


def _margin_coin(rec: Any, inst: Instrument | None) -> str | None:
    return getattr(rec, "margin_coin", None) or (inst.margin_coin or inst.quote_coin if inst is not None else None)


def _order_size(o: Any, inst: Instrument | None) -> str:
    if inst is not None and not inst.product_type.is_futures and _value(o.order_type) == "market" \
            and _value(o.side) == "buy":
        return _coin(o.size, inst, inst.quote_coin)  # a spot market buy is sized in quote
    return _size(o.size, inst)


_ORDER_COLUMNS = (
    Column("Time", lambda o: fmt_ms(o.c_time), sort=lambda o: o.c_time),
    Column("Symbol", lambda o: o.symbol),
    Column("Market", _product),
    Column("Side", intent_of, colour=_intent_tone, tooltip=wire_of),
    Column("Type", _order_kind),
    Column("Price", lambda o, i: _price(o.price, i) or "market", numeric=True, sort=lambda o: o.price or 0,
           with_instrument=True),
    Column("Size", _order_size, numeric=True, sort=lambda o: o.size, with_instrument=True),
    Column("Filled", lambda o, i: _size(o.filled_size, i), numeric=True, sort=lambda o: o.filled_size,
           with_instrument=True),
    Column("Avg price", lambda o, i: _price(o.avg_price, i), numeric=True, sort=lambda o: o.avg_price or 0,
           with_instrument=True),
    Column("TP", lambda o, i: _price(o.preset_take_profit, i), numeric=True,
           sort=lambda o: o.preset_take_profit or 0, colour=lambda o: "up" if o.preset_take_profit else None,
           tooltip=lambda o: "Take-profit trigger attached to the order" if o.preset_take_profit else "",
           with_instrument=True),
    Column("SL", lambda o, i: _price(o.preset_stop_loss, i), numeric=True,
           sort=lambda o: o.preset_stop_loss or 0, colour=lambda o: "down" if o.preset_stop_loss else None,
           tooltip=lambda o: "Stop-loss trigger attached to the order" if o.preset_stop_loss else "",
           with_instrument=True),
    Column("Status", lambda o: str(o.status).replace("_", " ")),
    Column("Client id", lambda o: o.client_oid or ""),
)


class OpenOrdersModel(RecordTableModel):
    """Working orders (live or partially filled)."""

    columns = _ORDER_COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(key=lambda o: o.order_id, parent=parent)


class OrderHistoryModel(RecordTableModel):
    """Closed orders, newest first."""

    columns = _ORDER_COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(key=lambda o: o.order_id, parent=parent)


class FillsModel(RecordTableModel):
    """Executions of our orders, newest first."""

    columns = (
        Column("Time", lambda f: fmt_ms(f.ts), sort=lambda f: f.ts),
        Column("Symbol", lambda f: f.symbol),
        Column("Market", _product),
        Column("Side", intent_of, colour=_intent_tone, tooltip=wire_of),
        Column("Price", lambda f, i: _price(f.price, i), numeric=True, sort=lambda f: f.price, with_instrument=True),
        Column("Size", lambda f, i: _size(f.size, i), numeric=True, sort=lambda f: f.size, with_instrument=True),
        Column("Fee", lambda f, i: _coin(f.fee, i, f.fee_coin), numeric=True, sort=lambda f: f.fee,
               with_instrument=True),
        Column("Role", lambda f: "maker" if f.maker else "taker"),
        Column("P&L", lambda f, i: _coin(f.profit, i, _margin_coin(f, i)) if f.profit is not None else "",
               numeric=True, sort=lambda f: f.profit or 0, colour=lambda f: _pnl_tone(f.profit),
               with_instrument=True),
        Column("Order id", lambda f: f.order_id),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(key=lambda f: f.trade_id, parent=parent)


class PositionsModel(RecordTableModel):
    """Open futures positions (one row per hold side)."""

    columns = (
        Column("Symbol", lambda p: p.symbol),
        Column("Side", lambda p: str(p.hold_side), colour=_side_tone),
        Column("Size", lambda p, i: _size(p.size, i), numeric=True, sort=lambda p: p.size, with_instrument=True),
        Column("Entry", lambda p, i: _price(p.entry_price, i), numeric=True, sort=lambda p: p.entry_price,
               with_instrument=True),
        Column("Mark", lambda p, i: _price(p.mark_price, i), numeric=True, sort=lambda p: p.mark_price,
               with_instrument=True),
        Column("Unrealized P&L", lambda p, i: _coin(p.unrealized_pl, i, _margin_coin(p, i)), numeric=True,
               sort=lambda p: p.unrealized_pl, colour=lambda p: _pnl_tone(p.unrealized_pl), with_instrument=True),
        Column("Margin", lambda p, i: _coin(p.margin, i, _margin_coin(p, i)), numeric=True, sort=lambda p: p.margin,
               with_instrument=True),
        Column("Leverage", lambda p: f"{p.leverage}x", numeric=True, sort=lambda p: p.leverage),
        Column("Liq. price", lambda p, i: _price(p.liquidation_price, i), numeric=True,
               sort=lambda p: p.liquidation_price or 0, with_instrument=True),
        Column("TP", lambda p, i, m: _protection_text(m.protection_of(p), "take_profit", i), numeric=True,
               colour=lambda p: "up", tooltip=lambda p: _PROTECTION_TIP, with_model=True),
        Column("SL", lambda p, i, m: _protection_text(m.protection_of(p), "stop_loss", i), numeric=True,
               colour=lambda p: "down", tooltip=lambda p: _PROTECTION_TIP, with_model=True),
        Column("Mode", lambda p: f"{p.margin_mode} · {str(p.pos_mode).replace('_mode', '').replace('_', '-')}"),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(key=lambda p: (p.symbol, str(p.hold_side)), parent=parent)
        # Position -> terminal.protection.Protection (or None): the position's TP/SL, set by the window
        self.protection_of: Callable[[Any], Any] = lambda _p: None


_PROTECTION_TIP = ("The position's take-profit / stop-loss trigger orders on the exchange; \"(preset)\" when only "
                   "the opening order's presets are known so far, \"+n\" for further partial TP/SL orders")


def _protection_text(protection: Any, which: str, inst: Instrument | None) -> str:
    """The first TP (or SL) price at the instrument's precision, "+n" for more, "(preset)" when not yet confirmed."""
    prices = getattr(protection, which, ()) if protection is not None else ()
    if not prices:
        return ""
    text = _price(prices[0], inst)
    if len(prices) > 1:
        text += f" +{len(prices) - 1}"
    if protection.source == "preset":
        text += " (preset)"
    return text


_STABLE = ("USDT", "USDC", "USD", "BUSD", "DAI")


def _balance(b: Balance | FuturesAccount, value: Decimal | None) -> str:
    """A balance never shown larger than it is: cents for a stablecoin, at most 8 decimals for a coin."""
    if value is None:
        return ""
    coin = b.margin_coin if isinstance(b, FuturesAccount) else b.coin
    if coin.upper() in _STABLE:
        return fmt_down(value, 2)
    return fmt_decimal(Decimal(fmt_down(value, 8)))


class BalancesModel(RecordTableModel):
    """Spot balances per coin and futures account equity per margin coin."""

    columns = (
        Column("Account", lambda b: "Futures" if hasattr(b, "margin_coin") else "Spot"),
        Column("Coin", lambda b: getattr(b, "margin_coin", None) or b.coin),
        Column("Available", lambda b: _balance(b, b.available), numeric=True, sort=lambda b: b.available),
        Column("Frozen / locked", lambda b: _balance(b, b.frozen + b.locked) if hasattr(b, "frozen") else "",
               numeric=True),
        Column("Equity / total", lambda b: _balance(b, b.equity if hasattr(b, "equity") else b.total),
               numeric=True),
        Column("Unrealized P&L", lambda b: _balance(b, getattr(b, "unrealized_pl", None)), numeric=True,
               colour=lambda b: _pnl_tone(getattr(b, "unrealized_pl", None))),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            key=lambda b: ("F", b.margin_coin) if hasattr(b, "margin_coin") else ("S", b.coin), parent=parent
        )
