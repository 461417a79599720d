"""Per-API-key account state of the simulator (balances, orders, fills, positions) and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

__all__ = [
    "Account",
    "EngineError",
    "FuturesBook",
    "PlanOrder",
    "Position",
    "SimFill",
    "SimOrder",
    "SpotBalance",
    "SymbolSettings",
    "fmt",
    "DEMO_SPOT_FUNDING",
    "DEMO_FUTURES_FUNDING",
]

ZERO = Decimal(0)

DEMO_SPOT_FUNDING: dict[str, Decimal] = {
    "USDT": Decimal("100000"),
    "BTC": Decimal("1"),
    "ETH": Decimal("10"),
    "SOL": Decimal("100"),
}
DEMO_FUTURES_FUNDING: dict[str, Decimal] = {"USDT-FUTURES": Decimal("100000")}


class EngineError(Exception):
    """A refusal with Bitget's error code and message (the REST layer turns it into an error envelope)."""

    def __init__(self, code: str, msg: str, http_status: int = 400) -> None:
        super().__init__(code, msg)
        self.code = code
        self.msg = msg
        self.http_status = http_status

    def __str__(self) -> str:
        return f"[{self.code}] {self.msg}"


def fmt(value: Decimal | None) -> str:
    """Decimal -> plain string without exponent or trailing zeros ("" for None)."""
    if value is None:
        return ""
    if value == 0:
        return "0"
    text = format(value.normalize(), "f")
    return text


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


@dataclass(slots=True)
class SpotBalance:
    coin: str
    available: Decimal = ZERO
    frozen: Decimal = ZERO
    locked: Decimal = ZERO
    u_time: int = 0


@dataclass(slots=True)
class SimOrder:
    order_id: str
    client_oid: str
    symbol: str
    product: str  # "SPOT" or a futures productType
    side: str  # request side: buy/sell (in hedge mode the position side)
    order_type: str  # limit / market
    force: str  # gtc / post_only / ioc / fok
    price: Decimal | None
    size: Decimal  # base qty; spot market buy: quote amount
    c_time: int
    u_time: int
    status: str = "live"  # live / partially_filled / filled / cancelled
    filled_base: Decimal = ZERO
    filled_quote: Decimal = ZERO
    fee: Decimal = ZERO  # negative = paid
    fee_coin: str = ""
    # futures
    trade_side: str | None = None  # open / close (hedge); None in one-way
    exec_side: str = ""  # the trading direction actually executed: buy / sell
    pos_side: str = ""  # long / short / net
    reduce_only: bool = False
    margin_mode: str = ""
    margin_coin: str = ""
    leverage: int = 0
    pos_mode: str = ""
    preset_tp: Decimal | None = None
    preset_sl: Decimal | None = None
    total_profits: Decimal = ZERO
    frozen: Decimal = ZERO  # reserved funds: spot coin amount / futures margin
    frozen_coin: str = ""
    cancel_reason: str = ""
    order_source: str = "normal"

    @property
    def is_open(self) -> bool:
        return self.status in ("live", "partially_filled")

    @property
    def avg_price(self) -> Decimal | None:
        if self.filled_base == 0:
            return None
        return self.filled_quote / self.filled_base


@dataclass(slots=True)
class SimFill:
    trade_id: str
    order_id: str
    client_oid: str
    symbol: str
    product: str
    side: str  # request side (as the order)
    exec_side: str
    order_type: str
    price: Decimal
    size: Decimal
    quote: Decimal
    fee: Decimal  # negative = paid
    fee_coin: str
    maker: bool
    ts: int
    trade_side: str | None = None
    pos_mode: str = ""
    profit: Decimal = ZERO


@dataclass(slots=True)
class Position:
    symbol: str
    product: str
    hold_side: str  # long / short
    size: Decimal
    entry_price: Decimal
    margin_mode: str
    leverage: int
    margin: Decimal  # initial margin allocated (isolated: the position's margin)
    c_time: int
    u_time: int
    pos_id: str = ""
    locked: Decimal = ZERO  # reserved by pending close orders
    achieved_profits: Decimal = ZERO
    total_fee: Decimal = ZERO


@dataclass(slots=True)
class PlanOrder:
    """A preset take-profit / stop-loss attached to a position, triggered on the mark price."""

    order_id: str
    client_oid: str
    symbol: str
    product: str
    plan_type: str  # profit_plan / loss_plan
    hold_side: str
    trigger_price: Decimal
    size: Decimal
    c_time: int
    margin_mode: str = "crossed"
    pos_mode: str = "one_way_mode"


@dataclass(slots=True)
class SymbolSettings:
    margin_mode: str = "crossed"
    cross_leverage: int = 10
    long_leverage: int = 10
    short_leverage: int = 10
    margin_mode_set: bool = False  # chosen through set-margin-mode: an order's marginMode then no longer changes it


@dataclass(slots=True)
class FuturesBook:
    """One futures product type's wallet for one account."""

    product: str
    margin_coin: str = "USDT"
    balance: Decimal = ZERO  # wallet: deposits + realised PnL - fees
    pos_mode: str = "one_way_mode"
    settings: dict[str, SymbolSettings] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)  # key "SYMBOL:long"
    plans: dict[str, PlanOrder] = field(default_factory=dict)
    bills: list[dict[str, str]] = field(default_factory=list)  # funding settlements, wire shape of account/bill


@dataclass(slots=True)
class Account:
    api_key: str
    spot: dict[str, SpotBalance] = field(default_factory=dict)
    futures: dict[str, FuturesBook] = field(default_factory=dict)
    orders: dict[str, SimOrder] = field(default_factory=dict)  # every order ever, by id
    open_orders: dict[str, SimOrder] = field(default_factory=dict)
    client_oids: dict[str, str] = field(default_factory=dict)  # clientOid -> orderId
    fills: list[SimFill] = field(default_factory=list)


# --- JSON form -----------------------------------------------------------------------------------------------------

_DECIMAL_FIELDS = {
    SpotBalance: {"available", "frozen", "locked"},
    SimOrder: {"price", "size", "filled_base", "filled_quote", "fee", "preset_tp", "preset_sl", "total_profits",
               "frozen"},
    SimFill: {"price", "size", "quote", "fee", "profit"},
    Position: {"size", "entry_price", "margin", "locked", "achieved_profits", "total_fee"},
    PlanOrder: {"trigger_price", "size"},
}


def _dump(obj: Any) -> dict[str, Any]:
    dec = _DECIMAL_FIELDS.get(type(obj), set())
    out: dict[str, Any] = {}
    for f in fields(obj):
        v = getattr(obj, f.name)
        out[f.name] = (None if v is None else str(v)) if f.name in dec else v
    return out


def _load(cls: type, data: dict[str, Any]) -> Any:
    """Rebuild a record; fields unknown to this version are dropped, missing ones take their defaults."""
    dec = _DECIMAL_FIELDS.get(cls, set())
    known = {f.name for f in fields(cls)}
    kwargs = {k: (_dec(v) if k in dec else v) for k, v in data.items() if k in known}
    return cls(**kwargs)


def account_to_json(acc: Account) -> dict[str, Any]:
    return {
        "api_key": acc.api_key,
        "spot": [_dump(b) for b in acc.spot.values()],
        "futures": [
            {
                "product": fb.product,
                "margin_coin": fb.margin_coin,
                "balance": str(fb.balance),
                "pos_mode": fb.pos_mode,
                "settings": {s: _settings_dump(v) for s, v in fb.settings.items()},
                "positions": [_dump(p) for p in fb.positions.values()],
                "plans": [_dump(p) for p in fb.plans.values()],
                "bills": fb.bills,
            }
            for fb in acc.futures.values()
        ],
        "orders": [_dump(o) for o in acc.orders.values()],
        "fills": [_dump(f) for f in acc.fills],
    }


def _settings_dump(s: SymbolSettings) -> dict[str, Any]:
    return {f.name: getattr(s, f.name) for f in fields(s)}


def account_from_json(data: dict[str, Any]) -> Account:
    acc = Account(api_key=data["api_key"])
    for b in data.get("spot", []):
        bal = _load(SpotBalance, b)
        acc.spot[bal.coin] = bal
    for fd in data.get("futures", []):
        fb = FuturesBook(
            product=fd["product"],
            margin_coin=fd["margin_coin"],
            balance=Decimal(fd["balance"]),
            pos_mode=fd["pos_mode"],
        )
        fb.settings = {s: _load(SymbolSettings, v) for s, v in fd.get("settings", {}).items()}
        for p in fd.get("positions", []):
            pos = _load(Position, p)
            fb.positions[f"{pos.symbol}:{pos.hold_side}"] = pos
        fb.bills = list(fd.get("bills", []))
        for p in fd.get("plans", []):
            plan = _load(PlanOrder, p)
            fb.plans[plan.order_id] = plan
        acc.futures[fb.product] = fb
    for o in data.get("orders", []):
        order = _load(SimOrder, o)
        acc.orders[order.order_id] = order
        if order.client_oid:
            acc.client_oids[order.client_oid] = order.order_id
        if order.is_open:
            acc.open_orders[order.order_id] = order
    acc.fills = [_load(SimFill, f) for f in data.get("fills", [])]
    return acc
