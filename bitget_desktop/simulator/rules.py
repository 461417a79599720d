"""Order-parameter normalisation and small pure rules shared by the spot and futures halves of the engine.

Bitget codes the engine answers (V = seen in a real response or Bitget's own error table / docs; C = our choice):
  40019 parameter missing (V table)            40020 parameter malformed / unknown enum (V table)
  40017 body is not a JSON object (V table)    40305 clientOid > 50 chars or non-printable (V ccxt)
  43118 spot duplicate clientOid (V table)     40786 futures duplicate clientOid (V SDK docstring, live logs)
  41103 price scale (V ccxt)                   45115 price not on tick (V table)
  40808 size scale / not on lot (V ccxt)       43006 spot below minTradeAmount (V table)
  45110 below minimum notional (V ccxt)        45111 futures below minTradeNum (V table)
  45112 above max (market) order size (V table) 43012 spot insufficient balance (V ccxt)
  40762 futures margin insufficient (V ccxt)   43001 spot cancel of an unknown/finished order (V table)
  40768 futures cancel unknown (V ccxt)        40109 futures detail unknown (V table; orderInfo answers [])
  40774 tradeSide in one-way / none in hedge (V ccxt issues #19140 #20729 for the first; C for the second)
  400172 "side mismatch" buy_single vs sell (V issue text)   22002 no position to close (V table)
  40757 close larger than the free position (V table)       40920 position mode switch refused (V table)
  45117 margin mode change refused (V table)   43050 leverage outside min/max (V table)
  40893 not enough margin for a lower leverage (V table)    40829/40831/40833/40835 preset TP/SL side (V table)
  43025 plan order unknown (V ccxt)            40306 batch larger than 50 (C limit; V code)
  40034 unknown spot symbol (C)                40102 unknown contract (V ccxt)
post_only that would take: accepted, then cancelled with no fill (C: no public capture of Bitget's behaviour found).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from bitget_desktop.simulator.accounts import EngineError, PlanOrder, SimOrder

ZERO = Decimal(0)
SPOT = "SPOT"
FORCES = ("gtc", "post_only", "ioc", "fok")
DEFAULT_MMR = Decimal("0.004")
FEE_Q = Decimal("1e-12")
MARGIN_Q = Decimal("1e-8")  # margins are kept to 8 decimals, like Bitget's account figures
CLIENT_OID_RE = re.compile(r"^[\x21-\x7e]{1,50}$")
MAX_STORED_FILLS = 5000
MAX_STORED_ORDERS = 5000


def _D(value: Any, name: str) -> Decimal:
    try:
        d = Decimal(str(value).strip())
    except Exception as exc:  # any parse failure is the same refusal
        raise EngineError("40020", f"Parameter {name} error") from exc
    if not d.is_finite():
        raise EngineError("40020", f"Parameter {name} error")
    return d


def _scale(d: Decimal) -> int:
    exp = d.normalize().as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def _attr(obj: Any, *names: str, default: Any = None) -> Any:
    for n in names:
        if obj is not None and hasattr(obj, n):
            v = getattr(obj, n)
            if v is not None:
                return v
    return default


def _levels(raw: Any) -> list[tuple[Decimal, Decimal]]:
    if raw is None:
        return []
    if callable(raw):
        raw = raw()
    return [(Decimal(str(p)), Decimal(str(s))) for p, s in raw]


def _tier(t: Any, *names: str) -> Any:
    if isinstance(t, dict):
        for n in names:
            if n in t:
                return t[n]
        raise KeyError(names[0])
    return _attr(t, *names)


def _margin_coin_of(product: str) -> str:
    p = product.upper()
    if p.startswith(("USDC", "SUSDC")):
        return "SUSDC" if p.startswith("S") else "USDC"
    if p.startswith("SUSDT"):
        return "SUSDT"
    if p.startswith("USDT"):
        return "USDT"
    return "BTC"


def _norm_side(side: Any) -> str:
    s = str(side or "").strip().lower()
    if not s:
        raise EngineError("40019", "Parameter side cannot be empty")
    if s not in ("buy", "sell"):
        raise EngineError("40020", "Parameter side error")
    return s


def _norm_type(order_type: Any) -> str:
    t = str(order_type or "").strip().lower()
    if not t:
        raise EngineError("40019", "Parameter orderType cannot be empty")
    if t not in ("limit", "market"):
        raise EngineError("40020", "Parameter orderType error")
    return t


def _norm_force(force: Any) -> str:
    f = str(force or "gtc").strip().lower().replace("-", "_")
    f = {"postonly": "post_only", "post only": "post_only", "normal": "gtc"}.get(f, f)
    if f not in FORCES:
        raise EngineError("40020", "Parameter force error")
    return f


def _yes_no(value: Any) -> bool:
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    v = str(value).strip().lower()
    if v in ("yes", "true", "y", "1"):
        return True
    if v in ("no", "false", "n", "0"):
        return False
    raise EngineError("40020", "Parameter reduceOnly error")


def _required_decimal(value: Any, name: str) -> Decimal:
    if value is None or str(value).strip() == "":
        raise EngineError("40019", f"Parameter {name} cannot be empty")
    return _D(value, name)


def _opt_decimal(value: Any, name: str) -> Decimal | None:
    if value is None or str(value).strip() in ("", "0"):
        return None
    d = _D(value, name)
    if d <= 0:
        raise EngineError("40020", f"Parameter {name} error")
    return d


def _reaches(order: SimOrder, price: Decimal) -> bool:
    """Would a print / level at ``price`` execute this resting order?"""
    if order.price is None:
        return False
    return price <= order.price if order.exec_side == "buy" else price >= order.price


def _triggered(plan: PlanOrder, mark: Decimal) -> bool:
    long_ = plan.hold_side == "long"
    if plan.plan_type == "profit_plan":
        return mark >= plan.trigger_price if long_ else mark <= plan.trigger_price
    return mark <= plan.trigger_price if long_ else mark >= plan.trigger_price
