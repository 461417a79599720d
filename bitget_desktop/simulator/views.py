"""Wire shapes (Bitget v2 field names, numbers as strings) of the simulator's orders, fills, positions and accounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bitget_desktop.simulator.accounts import FuturesBook, PlanOrder, Position, SimFill, SimOrder, SpotBalance, fmt

__all__ = [
    "USER_ID",
    "mix_fill",
    "mix_order",
    "mix_plan",
    "spot_balance",
    "spot_fill",
    "spot_open_order",
    "spot_order",
    "ws_mix_fill",
    "ws_mix_order",
    "ws_position",
    "ws_spot_fill",
    "ws_spot_order",
]

USER_ID = "7393346635"


def _mix_status(status: str) -> str:
    return "canceled" if status == "cancelled" else status


def _fee_detail_string(fee: Decimal, coin: str) -> str:
    """Spot order feeDetail: a JSON *string* (CCXT json-decodes it); "" when nothing was charged."""
    if not coin or fee == 0:
        return ""
    f = fmt(fee)
    return (
        '{"newFees":{"c":0,"d":0,"deduction":false,"r":' + f + ',"t":' + f + ',"totalDeductionFee":0},'
        '"' + coin + '":{"deduction":false,"feeCoinCode":"' + coin + '","totalDeductionFee":0,"totalFee":' + f + "}}"
    )


def _trade_side(o: SimOrder | SimFill) -> str:
    if o.trade_side:
        return o.trade_side
    return "buy_single" if o.side == "buy" else "sell_single"


def spot_order(o: SimOrder, base: str = "", quote: str = "") -> dict[str, Any]:
    """orderInfo / history-orders element."""
    return {
        "userId": USER_ID,
        "symbol": o.symbol,
        "orderId": o.order_id,
        "clientOid": o.client_oid,
        "price": fmt(o.price) if o.price is not None else "0",
        "size": fmt(o.size),
        "orderType": o.order_type,
        "side": o.side,
        "status": o.status,
        "priceAvg": fmt(o.avg_price) if o.avg_price is not None else "0",
        "baseVolume": fmt(o.filled_base),
        "quoteVolume": fmt(o.filled_quote),
        "enterPointSource": "API",
        "feeDetail": _fee_detail_string(o.fee, o.fee_coin),
        "orderSource": o.order_source,
        "cancelReason": o.cancel_reason,
        "triggerPrice": "",
        "tpslType": "normal",
        "baseCoin": base,
        "quoteCoin": quote,
        "cTime": str(o.c_time),
        "uTime": str(o.u_time),
    }


def spot_open_order(o: SimOrder) -> dict[str, Any]:
    """unfilled-orders element: here priceAvg is the limit price and basePrice the average fill price."""
    return {
        "userId": USER_ID,
        "symbol": o.symbol,
        "orderId": o.order_id,
        "clientOid": o.client_oid,
        "priceAvg": fmt(o.price) if o.price is not None else "0",
        "size": fmt(o.size),
        "orderType": o.order_type,
        "side": o.side,
        "status": o.status,
        "basePrice": fmt(o.avg_price) if o.avg_price is not None else "0",
        "baseVolume": fmt(o.filled_base),
        "quoteVolume": fmt(o.filled_quote),
        "enterPointSource": "API",
        "orderSource": o.order_source,
        "presetTakeProfitPrice": "",
        "executeTakeProfitPrice": "",
        "presetStopLossPrice": "",
        "executeStopLossPrice": "",
        "tpslType": "normal",
        "triggerPrice": "",
        "cTime": str(o.c_time),
        "uTime": str(o.u_time),
    }


def spot_fill(f: SimFill) -> dict[str, Any]:
    return {
        "userId": USER_ID,
        "symbol": f.symbol,
        "orderId": f.order_id,
        "tradeId": f.trade_id,
        "orderType": f.order_type,
        "side": f.side,
        "priceAvg": fmt(f.price),
        "size": fmt(f.size),
        "amount": fmt(f.quote),
        "feeDetail": {"deduction": "no", "feeCoin": f.fee_coin, "totalDeductionFee": "", "totalFee": fmt(f.fee)},
        "tradeScope": "maker" if f.maker else "taker",
        "cTime": str(f.ts),
        "uTime": str(f.ts),
    }


def spot_balance(b: SpotBalance) -> dict[str, Any]:
    return {
        "coin": b.coin,
        "available": fmt(b.available),
        "frozen": fmt(b.frozen),
        "locked": fmt(b.locked),
        "limitAvailable": "0",
        "uTime": str(b.u_time),
    }


def mix_order(o: SimOrder, *, detail: bool) -> dict[str, Any]:
    """detail (``state``) or orders-pending / orders-history (``status``) element; never a feeDetail."""
    out: dict[str, Any] = {
        "symbol": o.symbol,
        "size": fmt(o.size),
        "orderId": o.order_id,
        "clientOid": o.client_oid,
        "baseVolume": fmt(o.filled_base),
        "fee": fmt(o.fee),
        "price": fmt(o.price) if o.price is not None else "",
        "priceAvg": fmt(o.avg_price) if o.avg_price is not None else "",
        ("state" if detail else "status"): _mix_status(o.status),
        "side": o.side,
        "force": o.force,
        "totalProfits": fmt(o.total_profits),
        "posSide": o.pos_side,
        "marginCoin": o.margin_coin,
        "presetStopSurplusPrice": fmt(o.preset_tp),
        "presetStopLossPrice": fmt(o.preset_sl),
        "quoteVolume": fmt(o.filled_quote),
        "orderType": o.order_type,
        "leverage": str(o.leverage),
        "marginMode": o.margin_mode,
        "reduceOnly": "YES" if o.reduce_only else "NO",
        "enterPointSource": "API",
        "tradeSide": _trade_side(o),
        "posMode": o.pos_mode,
        "orderSource": o.order_source,
        "cancelReason": o.cancel_reason,
        "cTime": str(o.c_time),
        "uTime": str(o.u_time),
    }
    if not detail:
        out.update(
            {
                "presetStopSurplusType": "",
                "presetStopSurplusExecutePrice": "",
                "presetStopLossType": "",
                "presetStopLossExecutePrice": "",
            }
        )
    return out


def mix_fill(f: SimFill) -> dict[str, Any]:
    return {
        "tradeId": f.trade_id,
        "symbol": f.symbol,
        "orderId": f.order_id,
        "price": fmt(f.price),
        "baseVolume": fmt(f.size),
        "feeDetail": [{"deduction": "no", "feeCoin": f.fee_coin, "totalDeductionFee": None, "totalFee": fmt(f.fee)}],
        "side": f.side,
        "quoteVolume": fmt(f.quote),
        "profit": fmt(f.profit),
        "enterPointSource": "api",
        "tradeSide": _trade_side(f),
        "posMode": f.pos_mode,
        "tradeScope": "maker" if f.maker else "taker",
        "cTime": str(f.ts),
    }


def mix_plan(p: PlanOrder) -> dict[str, Any]:
    """orders-plan-pending element for a preset TP/SL attached to a position."""
    return {
        "planType": p.plan_type,
        "symbol": p.symbol,
        "size": fmt(p.size),
        "orderId": p.order_id,
        "clientOid": p.client_oid,
        "price": "0",
        "executePrice": "0",
        "callbackRatio": "",
        "triggerPrice": fmt(p.trigger_price),
        "triggerType": "mark_price",
        "planStatus": "live",
        "side": ("sell" if p.hold_side == "long" else "buy") if p.pos_mode == "one_way_mode" else (
            "buy" if p.hold_side == "long" else "sell"
        ),
        "posSide": p.hold_side if p.pos_mode == "hedge_mode" else "net",
        "marginCoin": "USDT",
        "marginMode": p.margin_mode,
        "enterPointSource": "API",
        "tradeSide": "close",
        "posMode": p.pos_mode,
        "orderType": "market",
        "orderSource": "normal",
        "stopSurplusTriggerPrice": fmt(p.trigger_price) if p.plan_type == "profit_plan" else "",
        "stopSurplusExecutePrice": "",
        "stopSurplusTriggerType": "",
        "stopLossTriggerPrice": fmt(p.trigger_price) if p.plan_type == "loss_plan" else "",
        "stopLossExecutePrice": "",
        "stopLossTriggerType": "",
        "cTime": str(p.c_time),
        "uTime": str(p.c_time),
    }


# --- websocket ------------------------------------------------------------------------------------------------------


def ws_spot_order(o: SimOrder, fill: SimFill | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "instId": o.symbol,
        "orderId": o.order_id,
        "clientOid": o.client_oid,
        "size": fmt(o.size),
        "newSize": fmt(o.size),
        "notional": fmt(o.size) if (o.order_type == "market" and o.side == "buy") else fmt(
            (o.price or Decimal(0)) * o.size
        ),
        "orderType": o.order_type,
        "force": o.force,
        "side": o.side,
        "accBaseVolume": fmt(o.filled_base),
        "priceAvg": fmt(o.avg_price) if o.avg_price is not None else "0",
        "status": o.status,
        "cTime": str(o.c_time),
        "uTime": str(o.u_time),
        "feeDetail": [{"feeCoin": o.fee_coin, "fee": fmt(o.fee)}] if o.fee_coin else [],
        "enterPointSource": "API",
        "stpMode": "none",
    }
    if o.price is not None:
        out["price"] = fmt(o.price)
    if fill is not None:
        out.update(
            {
                "fillPrice": fmt(fill.price),
                "tradeId": fill.trade_id,
                "baseVolume": fmt(fill.size),
                "fillTime": str(fill.ts),
                "fillFee": fmt(fill.fee),
                "fillFeeCoin": fill.fee_coin,
                "tradeScope": "M" if fill.maker else "T",
            }
        )
    return out


def ws_spot_fill(f: SimFill) -> dict[str, Any]:
    return {
        "orderId": f.order_id,
        "tradeId": f.trade_id,
        "symbol": f.symbol,
        "orderType": f.order_type,
        "side": f.side,
        "priceAvg": fmt(f.price),
        "size": fmt(f.size),
        "amount": fmt(f.quote),
        "tradeScope": "maker" if f.maker else "taker",
        "feeDetail": [{"feeCoin": f.fee_coin, "deduction": "no", "totalDeductionFee": "0", "totalFee": fmt(f.fee)}],
        "cTime": str(f.ts),
        "uTime": str(f.ts),
    }


def ws_mix_order(o: SimOrder, fill: SimFill | None = None) -> dict[str, Any]:
    ref_price = o.price if o.price is not None else (o.avg_price or Decimal(0))
    out: dict[str, Any] = {
        "instId": o.symbol,
        "orderId": o.order_id,
        "clientOid": o.client_oid,
        "price": fmt(o.price) if o.price is not None else "",
        "size": fmt(o.size),
        "notionalUsd": fmt(ref_price * o.size),
        "orderType": o.order_type,
        "force": o.force,
        "side": o.side,
        "posSide": o.pos_side,
        "posMode": o.pos_mode,
        "tradeSide": _trade_side(o),
        "marginCoin": o.margin_coin,
        "marginMode": o.margin_mode,
        "leverage": str(o.leverage),
        "reduceOnly": "yes" if o.reduce_only else "no",
        "accBaseVolume": fmt(o.filled_base),
        "priceAvg": fmt(o.avg_price) if o.avg_price is not None else "",
        "status": _mix_status(o.status),
        "totalProfits": fmt(o.total_profits),
        "presetStopSurplusPrice": fmt(o.preset_tp),
        "presetStopLossPrice": fmt(o.preset_sl),
        "feeDetail": [{"feeCoin": o.margin_coin, "fee": fmt(o.fee)}],
        "enterPointSource": "API",
        "stpMode": "none",
        "cancelReason": o.cancel_reason,
        "cTime": str(o.c_time),
        "uTime": str(o.u_time),
    }
    if fill is not None:
        out.update(
            {
                "baseVolume": fmt(fill.size),
                "fillPrice": fmt(fill.price),
                "fillTime": str(fill.ts),
                "fillFee": fmt(fill.fee),
                "fillFeeCoin": fill.fee_coin,
                "fillNotionalUsd": fmt(fill.quote),
                "pnl": fmt(fill.profit),
                "tradeId": fill.trade_id,
                "tradeScope": "maker" if fill.maker else "taker",
            }
        )
    return out


def ws_mix_fill(f: SimFill) -> dict[str, Any]:
    return {
        "orderId": f.order_id,
        "clientOid": f.client_oid,
        "tradeId": f.trade_id,
        "symbol": f.symbol,
        "side": f.side,
        "orderType": f.order_type,
        "posMode": f.pos_mode,
        "price": fmt(f.price),
        "baseVolume": fmt(f.size),
        "quoteVolume": fmt(f.quote),
        "profit": fmt(f.profit),
        "tradeSide": _trade_side(f),
        "tradeScope": "maker" if f.maker else "taker",
        "feeDetail": [{"feeCoin": f.fee_coin, "deduction": "no", "totalDeductionFee": "0", "totalFee": fmt(f.fee)}],
        "cTime": str(f.ts),
        "uTime": str(f.ts),
    }


def ws_position(p: Position, fb: FuturesBook, *, mark: Decimal, upl: Decimal, liq: Decimal, mmr: Decimal,
                margin_rate: Decimal) -> dict[str, Any]:
    return {
        "posId": p.pos_id,
        "instId": p.symbol,
        "marginCoin": fb.margin_coin,
        "marginSize": fmt(p.margin),
        "marginMode": p.margin_mode,
        "holdSide": p.hold_side,
        "posMode": fb.pos_mode,
        "total": fmt(p.size),
        "available": fmt(p.size - p.locked),
        "frozen": fmt(p.locked),
        "openPriceAvg": fmt(p.entry_price),
        "leverage": p.leverage,
        "achievedProfits": fmt(p.achieved_profits),
        "unrealizedPL": fmt(upl),
        "unrealizedPLR": fmt((upl / p.margin).quantize(Decimal("1e-10"))) if p.margin else "0",
        "liquidationPrice": fmt(liq),
        "keepMarginRate": fmt(mmr),
        "marginRate": fmt(margin_rate),
        "markPrice": fmt(mark),
        "breakEvenPrice": fmt(p.entry_price),
        "totalFee": fmt(p.total_fee),
        "cTime": str(p.c_time),
        "uTime": str(p.u_time),
        "autoMargin": "off",
    }
