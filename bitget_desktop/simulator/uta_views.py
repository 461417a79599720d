"""Bitget API v3 (unified account) field layouts of the simulator's records: orders, fills, positions, assets.

The layouts follow the recorded v3 payloads (tests/fixtures/bitget-v3/): REST uses upper-case `category`
(`USDT-FUTURES`) and `reduceOnly` "YES"/"NO"; websocket pushes use lower-case `category` and "yes"/"no".
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bitget_desktop.simulator.accounts import Position, SimFill, SimOrder, fmt

__all__ = ["order", "fill", "position", "category"]

SPOT = "SPOT"


def category(product: str, *, ws: bool) -> str:
    return product.lower() if ws else product


def _trade_side(o: SimOrder | SimFill, reduce_only: bool) -> str:
    if o.trade_side in ("open", "close"):
        return o.trade_side
    return "close" if reduce_only else "open"


def _fee_detail(fee: Decimal, coin: str, filled: bool) -> list[dict[str, Any]]:
    if not filled and fee == 0:
        return [{"feeCoin": None, "fee": None}]
    return [{"feeCoin": coin, "fee": fmt(-fee)}]  # v3 shows the fee paid as a positive amount


def order(o: SimOrder, *, ws: bool = False) -> dict[str, Any]:
    spot = o.product == SPOT
    market_buy = spot and o.order_type == "market" and o.side == "buy"
    hold_side = "" if spot or o.pos_side not in ("long", "short") else o.pos_side
    yes, no = ("yes", "no") if ws else ("YES", "NO")
    avg = o.avg_price
    d: dict[str, Any] = {
        "orderId": o.order_id,
        "clientOid": o.client_oid,
        "category": category(o.product, ws=ws),
        "symbol": o.symbol,
        "orderType": o.order_type,
        "side": o.exec_side or o.side,
        "price": fmt(o.price) if o.price is not None else ("" if ws else "0"),
        "qty": "0" if market_buy else fmt(o.size),
        "amount": fmt(o.size) if market_buy else "0",
        "cumExecQty": fmt(o.filled_base),
        "cumExecValue": fmt(o.filled_quote),
        "avgPrice": fmt(avg) if avg is not None else "0",
        "timeInForce": o.force,
        "orderStatus": o.status,
        "holdMode": "" if spot else o.pos_mode,
        "tradeSide": _trade_side(o, o.reduce_only),
        "delegateType": "normal",
        "reduceOnly": yes if o.reduce_only else no,
        "marginMode": o.margin_mode or "crossed",
        "stpMode": "none",
        "feeDetail": _fee_detail(o.fee, o.fee_coin, o.filled_base > 0),
        "cancelReason": o.cancel_reason,
        "createdTime": str(o.c_time),
        "updatedTime": str(o.u_time),
    }
    if ws:
        d["holdSide"] = hold_side
        d["marginCoin"] = "" if spot else (o.margin_coin or "USDT")
        d["leverage"] = "" if spot else str(o.leverage)
        d["totalProfit"] = fmt(o.total_profits)
    else:
        d["posSide"] = hold_side
        d.update({"takeProfit": fmt(o.preset_tp), "stopLoss": fmt(o.preset_sl), "tpTriggerBy": "",
                  "slTriggerBy": "", "tpOrderType": "", "slOrderType": "", "tpLimitPrice": "", "slLimitPrice": "",
                  "execType": ""})
    return d


def fill(f: SimFill, *, ws: bool = False, hold_side: str = "") -> dict[str, Any]:
    d: dict[str, Any] = {
        "execId": f.trade_id,
        "execLinkId": f.trade_id,
        "orderId": f.order_id,
        "clientOid": f.client_oid,
        "category": category(f.product, ws=ws),
        "symbol": f.symbol,
        "orderType": f.order_type,
        "side": f.exec_side or f.side,
        "execPrice": fmt(f.price),
        "execQty": fmt(f.size),
        "execValue": fmt(f.quote),
        "tradeScope": "maker" if f.maker else "taker",
        "tradeSide": "" if f.product == SPOT else (f.trade_side or ""),
        "feeDetail": [{"feeCoin": f.fee_coin, "fee": fmt(-f.fee)}],
        "createdTime": str(f.ts),
        "updatedTime": str(f.ts),
        "execPnl": fmt(f.profit),
        "isRPI": "no",
    }
    if ws:
        d["execTime"] = str(f.ts)
        d["holdSide"] = hold_side
    return d


def position(p: Position, *, product: str, margin_coin: str, hold_mode: str, mark: Decimal, upl: Decimal,
             liq: Decimal, mmr: Decimal, ws: bool = False) -> dict[str, Any]:
    d: dict[str, Any] = {
        "category": category(product, ws=ws),
        "symbol": p.symbol,
        "marginCoin": margin_coin,
        "holdMode": hold_mode,
        "posSide": p.hold_side,
        "marginMode": p.margin_mode,
        "available": fmt(p.size - p.locked),
        "frozen": fmt(p.locked),
        "leverage": str(p.leverage),
        "curRealisedPnl": fmt(p.achieved_profits),
        "avgPrice": fmt(p.entry_price),
        "positionStatus": "normal" if p.size > 0 else "ended",
        "unrealisedPnl": fmt(upl),
        "mmr": fmt(mmr),
        "profitRate": fmt((upl / p.margin).quantize(Decimal("1e-10"))) if p.margin else "0",
        "markPrice": fmt(mark),
        "breakEvenPrice": fmt(p.entry_price),
        "openFeeTotal": fmt(p.total_fee),
        "closeFeeTotal": "0",
        "createdTime": str(p.c_time),
        "updatedTime": str(p.u_time),
    }
    if ws:
        d.update({"size": fmt(p.size), "marginSize": fmt(p.margin), "liqPrice": fmt(liq),
                  "totalFundingFee": "0"})
    else:
        d.update({"positionBalance": fmt(p.margin), "total": fmt(p.size), "liquidationPrice": fmt(liq),
                  "totalFunding": "0"})
    return d
