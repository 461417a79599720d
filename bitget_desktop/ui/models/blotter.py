"""Blotter models: open orders, order history, fills, positions and balances, over the session's records."""

from __future__ import annotations

from typing import Any

from bitget_desktop.ui.models.records import Column, RecordTableModel, fmt_decimal, fmt_ms


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
    text = str(o.order_type)
    if getattr(o, "trade_side", None):
        text += f" · {o.trade_side}"
    if getattr(o, "reduce_only", False):
        text += " · reduce"
    return text


_ORDER_COLUMNS = (
    Column("Time", lambda o: fmt_ms(o.c_time), sort=lambda o: o.c_time),
    Column("Symbol", lambda o: o.symbol),
    Column("Market", _product),
    Column("Side", lambda o: str(o.side), colour=_side_tone),
    Column("Type", _order_kind),
    Column("Price", lambda o: fmt_decimal(o.price) or "market", numeric=True, sort=lambda o: o.price or 0),
    Column("Size", lambda o: fmt_decimal(o.size), numeric=True, sort=lambda o: o.size),
    Column("Filled", lambda o: fmt_decimal(o.filled_size), numeric=True, sort=lambda o: o.filled_size),
    Column("Avg price", lambda o: fmt_decimal(o.avg_price), numeric=True, sort=lambda o: o.avg_price or 0),
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
        Column("Side", lambda f: str(f.side), colour=_side_tone),
        Column("Price", lambda f: fmt_decimal(f.price), numeric=True, sort=lambda f: f.price),
        Column("Size", lambda f: fmt_decimal(f.size), numeric=True, sort=lambda f: f.size),
        Column("Fee", lambda f: f"{fmt_decimal(f.fee)} {f.fee_coin}", numeric=True, sort=lambda f: f.fee),
        Column("Role", lambda f: "maker" if f.maker else "taker"),
        Column("P&L", lambda f: fmt_decimal(f.profit), numeric=True, colour=lambda f: _pnl_tone(f.profit)),
        Column("Order id", lambda f: f.order_id),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(key=lambda f: f.trade_id, parent=parent)


class PositionsModel(RecordTableModel):
    """Open futures positions (one row per hold side)."""

    columns = (
        Column("Symbol", lambda p: p.symbol),
        Column("Side", lambda p: str(p.hold_side), colour=_side_tone),
        Column("Size", lambda p: fmt_decimal(p.size), numeric=True, sort=lambda p: p.size),
        Column("Entry", lambda p: fmt_decimal(p.entry_price), numeric=True, sort=lambda p: p.entry_price),
        Column("Mark", lambda p: fmt_decimal(p.mark_price), numeric=True, sort=lambda p: p.mark_price),
        Column("Unrealized P&L", lambda p: fmt_decimal(p.unrealized_pl), numeric=True,
               sort=lambda p: p.unrealized_pl, colour=lambda p: _pnl_tone(p.unrealized_pl)),
        Column("Margin", lambda p: fmt_decimal(p.margin), numeric=True, sort=lambda p: p.margin),
        Column("Leverage", lambda p: f"{p.leverage}x", numeric=True, sort=lambda p: p.leverage),
        Column("Liq. price", lambda p: fmt_decimal(p.liquidation_price), numeric=True),
        Column("Mode", lambda p: f"{p.margin_mode} · {str(p.pos_mode).replace('_mode', '').replace('_', '-')}"),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(key=lambda p: (p.symbol, str(p.hold_side)), parent=parent)


class BalancesModel(RecordTableModel):
    """Spot balances per coin and futures account equity per margin coin."""

    columns = (
        Column("Account", lambda b: "Futures" if hasattr(b, "margin_coin") else "Spot"),
        Column("Coin", lambda b: getattr(b, "margin_coin", None) or b.coin),
        Column("Available", lambda b: fmt_decimal(b.available), numeric=True, sort=lambda b: b.available),
        Column("Frozen / locked", lambda b: fmt_decimal(b.frozen + b.locked) if hasattr(b, "frozen") else "",
               numeric=True),
        Column("Equity / total", lambda b: fmt_decimal(b.equity if hasattr(b, "equity") else b.total), numeric=True),
        Column("Unrealized P&L", lambda b: fmt_decimal(getattr(b, "unrealized_pl", None)), numeric=True,
               colour=lambda b: _pnl_tone(getattr(b, "unrealized_pl", None))),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            key=lambda b: ("F", b.margin_coin) if hasattr(b, "margin_coin") else ("S", b.coin), parent=parent
        )
