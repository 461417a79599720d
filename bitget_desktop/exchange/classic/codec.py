"""Sans-I/O codec for Bitget API v2 REST: wire dicts -> domain values, domain requests -> wire bodies."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from bitget_desktop.domain.errors import error_from
from bitget_desktop.domain.market import Candle, FundingRate, Instrument, ProductType, Ticker
from bitget_desktop.domain.trading import (
    Balance,
    Fill,
    FuturesAccount,
    HoldSide,
    MarginMode,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    PositionMode,
    Side,
    TimeInForce,
    TradeSide,
)
from bitget_desktop.exchange.models import (
    BatchFailure,
    BatchResult,
    KeyPermissions,
    LeverageInfo,
    OrderAck,
    TpslPlan,
)
from bitget_desktop.exchange.wire import (
    dec,
    dec_text,
    enum_or_none,
    level_strings,
    ms,
    opt_dec,
    opt_int,
    opt_price,
    parser,
    yes,
)

Json = Mapping[str, Any]
_ZERO = Decimal(0)

# -- public market -----------------------------------------------------------------------------------------------


@parser
def parse_server_time(data: Json) -> int:
    return int(data["serverTime"])


@parser
def parse_spot_symbols(data: Iterable[Json]) -> list[Instrument]:
    return [Instrument.from_spot_symbol(d) for d in data]


@parser
def parse_contracts(data: Iterable[Json] | None, product_type: ProductType) -> list[Instrument]:
    return [Instrument.from_contract(d, product_type) for d in (data or [])]


@parser
def parse_ticker(d: Json, product_type: ProductType) -> Ticker:
    """Spot or mix ticker, REST or websocket (REST spot says `open`, the others `open24h`; ws says `instId`)."""
    futures = product_type.is_futures
    return Ticker(
        symbol=str(d.get("symbol") or d.get("instId")),
        product_type=product_type,
        last=dec(d.get("lastPr")),
        bid=dec(d.get("bidPr")),
        ask=dec(d.get("askPr")),
        bid_size=dec(d.get("bidSz")),
        ask_size=dec(d.get("askSz")),
        high_24h=dec(d.get("high24h")),
        low_24h=dec(d.get("low24h")),
        open_24h=dec(d.get("open24h", d.get("open"))),
        base_volume=dec(d.get("baseVolume")),
        quote_volume=dec(d.get("quoteVolume")),
        ts=ms(d.get("ts")),
        mark_price=opt_dec(d.get("markPrice")) if futures else None,
        index_price=opt_dec(d.get("indexPrice")) if futures else None,
        funding_rate=opt_dec(d.get("fundingRate")) if futures else None,
    )


@parser
def parse_tickers(data: Iterable[Json] | None, product_type: ProductType) -> list[Ticker]:
    return [parse_ticker(d, product_type) for d in (data or [])]


@parser
def parse_depth(data: Json) -> tuple[list[list[str]], list[list[str]], int]:
    """(bids, asks, ts) of a REST order book (spot `orderbook` or mix `merge-depth`), levels as strings."""
    return level_strings(data.get("bids") or []), level_strings(data.get("asks") or []), ms(data.get("ts"))


@parser
def parse_candle(row: Sequence[Any]) -> Candle:
    """One candle row: spot rows have 8 fields, mix rows 7; index 5 is base volume, index 6 quote volume."""
    return Candle(
        ts=int(row[0]),
        open=dec(row[1]),
        high=dec(row[2]),
        low=dec(row[3]),
        close=dec(row[4]),
        volume=dec(row[5]),
        quote_volume=dec(row[6]) if len(row) > 6 else _ZERO,
    )


@parser
def parse_candles(data: Iterable[Sequence[Any]] | None) -> list[Candle]:
    """Candles sorted oldest first (Bitget already answers ascending; sorting makes that an invariant)."""
    out = [parse_candle(r) for r in (data or [])]
    out.sort(key=lambda c: c.ts)
    return out


@parser
def parse_funding_rate(data: Iterable[Json] | Json) -> FundingRate:
    d = _first(data)
    return FundingRate(
        symbol=str(d["symbol"]),
        rate=dec(d.get("fundingRate")),
        next_funding_time=opt_int(d.get("nextUpdate") or d.get("nextFundingTime")),
        interval_hours=opt_int(d.get("fundingRateInterval") or d.get("ratePeriod")),
    )


def _first(data: Iterable[Json] | Json) -> Json:
    if isinstance(data, Mapping):
        return data
    for d in data:
        return d
    raise ValueError("empty list where one element was expected")


# -- spot account and orders -------------------------------------------------------------------------------------


@parser
def parse_balance(d: Json) -> Balance:
    return Balance(
        coin=str(d["coin"]),
        available=dec(d.get("available")),
        frozen=dec(d.get("frozen")),
        locked=dec(d.get("locked")),
    )


@parser
def parse_balances(data: Iterable[Json] | None) -> list[Balance]:
    return [parse_balance(d) for d in (data or [])]


@parser
def parse_key_permissions(data: Json) -> KeyPermissions:
    """v2 GET /api/v2/spot/account/info: `authorities` (list or comma text), `ips` (comma text)."""
    auth = data.get("authorities") or []
    if isinstance(auth, str):
        auth = auth.split(",")
    ips = data.get("ips") or ""
    ip_list = ips if isinstance(ips, list) else str(ips).split(",")
    return KeyPermissions(
        user_id=str(data.get("userId", "")),
        permissions=frozenset(str(a).strip().lower() for a in auth if str(a).strip()),
        ips=tuple(p.strip() for p in ip_list if str(p).strip()),
    )


def spot_fee_from_detail(detail: Any) -> tuple[Decimal, str]:
    """(total fee, fee coin) from a spot order's `feeDetail`, which is a JSON *string* (or "")."""
    if not detail:
        return _ZERO, ""
    doc = json.loads(detail, parse_float=Decimal, parse_int=Decimal) if isinstance(detail, str) else detail
    total = _ZERO
    coin = ""
    if isinstance(doc, Mapping):
        for key, entry in doc.items():
            if key == "newFees" or not isinstance(entry, Mapping):
                continue
            if "totalFee" in entry:
                total += dec(entry.get("totalFee"))
                coin = str(entry.get("feeCoinCode") or key)
        if not coin and isinstance(doc.get("newFees"), Mapping):
            total = dec(doc["newFees"].get("t"))
    elif isinstance(doc, list):  # websocket pushes: [{"feeCoin":..., "fee":...}]
        for entry in doc:
            total += dec(entry.get("fee", entry.get("totalFee")))
            coin = str(entry.get("feeCoin", coin))
    return total, coin


@parser
def parse_spot_order(d: Json) -> Order:
    """orderInfo / history-orders / unfilled-orders element.

    unfilled-orders has no `price`: there `priceAvg` is the limit price and `basePrice` the average fill price.
    """
    otype = OrderType.parse(d.get("orderType", "limit"))
    if "price" not in d and "basePrice" in d:
        price = opt_dec(d.get("priceAvg"))
        avg = opt_dec(d.get("basePrice"))
    else:
        price = opt_dec(d.get("price"))
        avg = opt_dec(d.get("priceAvg"))
    if price is not None and (price == 0 or otype is OrderType.MARKET):
        price = None
    if avg is not None and avg == 0:
        avg = None
    fee, _ = spot_fee_from_detail(d.get("feeDetail"))
    return Order(
        order_id=str(d["orderId"]),
        client_oid=str(d["clientOid"]) if d.get("clientOid") else None,
        symbol=str(d.get("symbol") or d.get("instId")),
        product_type=ProductType.SPOT,
        side=Side.parse(d["side"]),
        order_type=otype,
        force=enum_or_none(TimeInForce, d.get("force")) or TimeInForce.GTC,
        price=price,
        size=dec(d.get("size")),
        filled_size=dec(d["accBaseVolume"] if "accBaseVolume" in d else d.get("baseVolume")),  # pushes: acc = total
        avg_price=avg,
        status=OrderStatus.parse(d["status"]),
        trade_side=None,
        pos_side=None,
        reduce_only=False,
        fee=fee,
        c_time=ms(d.get("cTime")),
        u_time=ms(d.get("uTime"), ms(d.get("cTime"))),
        preset_take_profit=opt_price(d.get("presetTakeProfitPrice")),
        preset_stop_loss=opt_price(d.get("presetStopLossPrice")),
    )


@parser
def parse_spot_orders(data: Iterable[Json] | None) -> list[Order]:
    return [parse_spot_order(d) for d in (data or [])]


@parser
def parse_spot_fill(d: Json) -> Fill:
    detail = d.get("feeDetail") or {}
    if isinstance(detail, list):
        detail = detail[0] if detail else {}
    return Fill(
        trade_id=str(d["tradeId"]),
        order_id=str(d["orderId"]),
        symbol=str(d.get("symbol") or d.get("instId")),
        product_type=ProductType.SPOT,
        side=Side.parse(d["side"]),
        price=dec(d.get("priceAvg", d.get("price"))),
        size=dec(d.get("size", d.get("baseVolume"))),
        fee=dec(detail.get("totalFee")),
        fee_coin=str(detail.get("feeCoin") or ""),
        maker=str(d.get("tradeScope", "")).lower() in ("maker", "m"),
        ts=ms(d.get("cTime"), ms(d.get("uTime"))),
    )


@parser
def parse_spot_fills(data: Iterable[Json] | None) -> list[Fill]:
    return [parse_spot_fill(d) for d in (data or [])]


# -- futures account, positions, orders -------------------------------------------------------------------------


@parser
def parse_futures_account(d: Json) -> FuturesAccount:
    """mix account/account, account/accounts element, or the futures `account` websocket push."""
    return FuturesAccount(
        margin_coin=str(d["marginCoin"]),
        available=dec(d.get("available")),
        equity=dec(d.get("accountEquity", d.get("equity"))),
        unrealized_pl=dec(d.get("unrealizedPL")),
        max_transfer_out=dec(d.get("maxTransferOut")),
        margin_mode=enum_or_none(MarginMode, d.get("marginMode")),
        pos_mode=enum_or_none(PositionMode, d.get("posMode")),
        crossed_leverage=opt_int(d.get("crossedMarginLeverage")),
        max_open=opt_dec(d.get("crossedMaxAvailable", d.get("maxOpenPosAvailable"))),
    )


@parser
def parse_futures_accounts(data: Iterable[Json] | None) -> list[FuturesAccount]:
    return [parse_futures_account(d) for d in (data or [])]


@parser
def parse_position(d: Json, product_type: ProductType) -> Position:
    """all-position / single-position element or `positions` websocket push element."""
    return Position(
        symbol=str(d.get("symbol") or d.get("instId")),
        product_type=product_type,
        hold_side=HoldSide.parse(d["holdSide"]),
        size=dec(d.get("total")),
        available=dec(d.get("available")),
        entry_price=dec(d.get("openPriceAvg")),
        # WORKAROUND: the websocket `positions` push carries no markPrice; 0 means "unknown" there.
        mark_price=dec(d.get("markPrice")),
        unrealized_pl=dec(d.get("unrealizedPL")),
        margin=dec(d.get("marginSize")),
        leverage=opt_int(d.get("leverage")) or 1,
        liquidation_price=opt_price(d.get("liquidationPrice")),
        margin_mode=MarginMode.parse(d.get("marginMode", "crossed")),
        pos_mode=PositionMode.parse(d.get("posMode", "one_way_mode")),
        c_time=ms(d.get("cTime")),
    )


@parser
def parse_positions(data: Iterable[Json] | None, product_type: ProductType) -> list[Position]:
    return [parse_position(d, product_type) for d in (data or []) if dec(d.get("total")) != 0]


@parser
def parse_position_mode(data: Json) -> PositionMode:
    return PositionMode.parse(data["posMode"])


@parser
def parse_leverage_info(data: Json) -> LeverageInfo:
    return LeverageInfo(
        symbol=str(data.get("symbol", "")),
        margin_coin=data.get("marginCoin"),
        long_leverage=opt_int(data.get("longLeverage")),
        short_leverage=opt_int(data.get("shortLeverage")),
        cross_leverage=opt_int(data.get("crossMarginLeverage")),
        margin_mode=enum_or_none(MarginMode, data.get("marginMode")),
    )


def _trade_side(value: Any) -> TradeSide | None:
    # one-way pushes say buy_single / sell_single: no open/close meaning
    return enum_or_none(TradeSide, value)


def _pos_side(value: Any) -> HoldSide | None:
    return enum_or_none(HoldSide, value)  # "net" in one-way mode -> None


@parser
def parse_mix_order(d: Json, product_type: ProductType) -> Order:
    """detail (`state`) / orders-pending / orders-history (`status`) element, or a futures `orders` push."""
    otype = OrderType.parse(d.get("orderType", "limit"))
    price = opt_dec(d.get("price"))
    if price is not None and (price == 0 or otype is OrderType.MARKET):
        price = None
    avg = opt_dec(d.get("priceAvg"))
    if avg is not None and avg == 0:
        avg = None
    fee = d.get("fee")
    fee_value = dec(fee) if fee not in (None, "") else spot_fee_from_detail(d.get("feeDetail"))[0]
    return Order(
        order_id=str(d["orderId"]),
        client_oid=str(d.get("clientOid") or d.get("clientOId") or "") or None,
        symbol=str(d.get("symbol") or d.get("instId")),
        product_type=product_type,
        side=Side.parse(d["side"]),
        order_type=otype,
        force=enum_or_none(TimeInForce, d.get("force")) or TimeInForce.GTC,
        price=price,
        size=dec(d.get("size")),
        filled_size=dec(d["accBaseVolume"] if "accBaseVolume" in d else d.get("baseVolume")),  # pushes: acc = total
        avg_price=avg,
        status=OrderStatus.parse(str(d.get("state") or d.get("status"))),
        trade_side=_trade_side(d.get("tradeSide")),
        pos_side=_pos_side(d.get("posSide")),
        reduce_only=yes(d.get("reduceOnly")),
        fee=fee_value,
        c_time=ms(d.get("cTime")),
        u_time=ms(d.get("uTime"), ms(d.get("cTime"))),
        preset_take_profit=opt_price(d.get("presetStopSurplusPrice")),
        preset_stop_loss=opt_price(d.get("presetStopLossPrice")),
    )


@parser
def parse_mix_order_list(data: Json | None, product_type: ProductType) -> list[Order]:
    """orders-pending / orders-history: `{"entrustedList": [...] | null, "endId": ...}`."""
    if not data:
        return []
    return [parse_mix_order(d, product_type) for d in (data.get("entrustedList") or [])]


def _plan_hold_side(d: Json) -> HoldSide:
    """The position a TP/SL order protects: `posSide` in hedge mode; in one-way mode (`net`) the order's `side` is the
    closing trade, so a sell protects a long."""
    held: HoldSide | None = enum_or_none(HoldSide, d.get("posSide"))
    if held is not None:
        return held
    return HoldSide.LONG if Side.parse(d["side"]) is Side.SELL else HoldSide.SHORT


@parser
def parse_tpsl_plan(d: Json, product_type: ProductType) -> TpslPlan:
    """orders-plan-pending element of planType=profit_loss (pos_profit, pos_loss, profit_plan, loss_plan, ...)."""
    plan_type = str(d.get("planType") or "")
    trigger = opt_dec(d.get("triggerPrice"))
    if not trigger:  # some answers carry the price only in the TP or SL field of the pair
        field = "stopLossTriggerPrice" if plan_type in ("pos_loss", "loss_plan") else "stopSurplusTriggerPrice"
        trigger = opt_dec(d.get(field))
    size = opt_dec(d.get("size"))
    return TpslPlan(
        order_id=str(d["orderId"]),
        symbol=str(d["symbol"]),
        product_type=product_type,
        plan_type=plan_type,
        hold_side=_plan_hold_side(d),
        trigger_price=trigger if trigger is not None else _ZERO,
        size=size if size else None,
        c_time=ms(d.get("cTime")),
    )


@parser
def parse_tpsl_plans(data: Json | None, product_type: ProductType) -> list[TpslPlan]:
    """orders-plan-pending: `{"entrustedList": [...] | null, "endId": ...}`; only live plans with a trigger price."""
    if not data:
        return []
    plans = [parse_tpsl_plan(d, product_type) for d in (data.get("entrustedList") or [])
             if str(d.get("planStatus") or "live") == "live"]
    return [p for p in plans if p.trigger_price > 0]


@parser
def parse_mix_fill(d: Json, product_type: ProductType) -> Fill:
    detail = d.get("feeDetail") or [{}]
    first = detail[0] if isinstance(detail, list) and detail else (detail if isinstance(detail, Mapping) else {})
    deducted = str(first.get("deduction", "no")).lower() == "yes"
    fee = dec(first.get("totalDeductionFee")) if deducted else dec(first.get("totalFee"))
    return Fill(
        trade_id=str(d["tradeId"]),
        order_id=str(d["orderId"]),
        symbol=str(d.get("symbol") or d.get("instId")),
        product_type=product_type,
        side=Side.parse(d["side"]),
        price=dec(d.get("price")),
        size=dec(d.get("baseVolume")),
        fee=fee,
        fee_coin=str(first.get("feeCoin") or ""),
        maker=str(d.get("tradeScope", "")).lower() in ("maker", "m"),
        ts=ms(d.get("cTime"), ms(d.get("uTime"))),
        trade_side=_trade_side(d.get("tradeSide")),
        profit=opt_dec(d.get("profit")),
    )


@parser
def parse_mix_fills(data: Json | None, product_type: ProductType) -> list[Fill]:
    if not data:
        return []
    return [parse_mix_fill(d, product_type) for d in (data.get("fillList") or [])]


# -- acks --------------------------------------------------------------------------------------------------------


@parser
def parse_ack(data: Json | None) -> OrderAck:
    data = data or {}
    oid = data.get("orderId")
    coid = data.get("clientOid")
    return OrderAck(str(oid) if oid else None, str(coid) if coid else None, data.get("symbol"))


@parser
def parse_batch(data: Json | None) -> BatchResult:
    data = data or {}
    ok = [parse_ack(d) for d in (data.get("successList") or [])]
    bad = []
    for d in data.get("failureList") or []:
        err = error_from(d.get("errorCode", ""), str(d.get("errorMsg", "")))
        ack = parse_ack(d)
        bad.append(BatchFailure(ack.order_id, ack.client_oid, err))
    return BatchResult(ok, bad)


# -- requests ----------------------------------------------------------------------------------------------------


def encode_spot_order(req: OrderRequest) -> dict[str, str]:
    body: dict[str, str] = {
        "symbol": req.symbol,
        "side": req.side.value,
        "orderType": req.order_type.value,
        "force": req.force.value,
        "size": dec_text(req.size),
        "clientOid": req.client_oid,
    }
    if req.price is not None:
        body["price"] = dec_text(req.price)
    if req.preset_take_profit is not None:
        body["presetTakeProfitPrice"] = dec_text(req.preset_take_profit)
    if req.preset_stop_loss is not None:
        body["presetStopLossPrice"] = dec_text(req.preset_stop_loss)
    return body


def encode_mix_order(req: OrderRequest) -> dict[str, str]:
    """Mix place-order body; tradeSide only when given (hedge mode), reduceOnly YES only for one-way closes."""
    body: dict[str, str] = {
        "symbol": req.symbol,
        "productType": req.product_type.value,
        "marginMode": (req.margin_mode or MarginMode.CROSSED).value,
        "marginCoin": (req.margin_coin or "").upper(),
        "size": dec_text(req.size),
        "side": req.side.value,
        "orderType": req.order_type.value,
        "force": req.force.value,
        "clientOid": req.client_oid,
    }
    if req.price is not None:
        body["price"] = dec_text(req.price)
    if req.trade_side is not None:
        body["tradeSide"] = req.trade_side.value
    elif req.reduce_only:
        body["reduceOnly"] = "YES"
    if req.preset_take_profit is not None:
        body["presetStopSurplusPrice"] = dec_text(req.preset_take_profit)
    if req.preset_stop_loss is not None:
        body["presetStopLossPrice"] = dec_text(req.preset_stop_loss)
    return body


def encode_batch_spot_orders(reqs: Sequence[OrderRequest]) -> dict[str, Any]:
    symbols = {r.symbol for r in reqs}
    items = []
    for r in reqs:
        item = encode_spot_order(r)
        if len(symbols) == 1:
            item.pop("symbol")
        items.append(item)
    body: dict[str, Any] = {"orderList": items}
    if len(symbols) == 1:
        body["symbol"] = next(iter(symbols))
    else:
        body["batchMode"] = "multiple"
    return body
