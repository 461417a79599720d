"""Sans-I/O codec for Bitget API v3 (unified trading account): wire dicts -> domain values, requests -> bodies.

Conventions kept identical to the classic codec so callers never see the family:
- v3 `category` becomes the domain `ProductType` (demo `S...-FUTURES` types are sent as the plain category:
  v3 demo trading is the `paptrading` header only);
- an `Order` of a hedge-mode futures order carries the classic side convention (side = the position's direction,
  `trade_side` open/close), because v3 sends the trade direction plus `posSide` instead;
- fees are negative when paid (v3 reports the fee paid as a positive amount).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from bitget_desktop.domain.errors import error_from
from bitget_desktop.domain.market import Candle, Instrument, ProductType, PublicTrade, Ticker, Timeframe
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
    AccountFamily,
    BatchFailure,
    BatchResult,
    KeyPermissions,
    OrderAck,
    UnifiedAccountSettings,
    UnifiedAssets,
    UnifiedCoinAsset,
    UnifiedSymbolConfig,
)
from bitget_desktop.exchange.wire import dec, dec_text, enum_or_none, level_strings, ms, opt_dec, opt_price, parser, yes

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Json = Mapping[str, Any]
_T = TypeVar("_T", bound="DataclassInstance")  # as_requested relabels domain dataclasses
_ZERO = Decimal(0)
CLIENT_OID_MAX_LEN = 32  # v3 regex ^[.A-Z:/a-z0-9_-]{1,32}$ (docs, websocket place-order page)
# WORKAROUND: v3 spot instruments carry no fee rates (GET /api/v3/account/fee-rate has them, per account);
# Bitget's standard spot rate stands in so previews are not fee-free.
SPOT_DEFAULT_FEE = Decimal("0.001")
# v3 REST candle intervals (docs list); other timeframes are not offered on v3.
INTERVALS: dict[Timeframe, str] = {
    Timeframe.M1: "1m", Timeframe.M3: "3m", Timeframe.M5: "5m", Timeframe.M15: "15m", Timeframe.M30: "30m",
    Timeframe.H1: "1H", Timeframe.H4: "4H", Timeframe.H6: "6H", Timeframe.H12: "12H", Timeframe.D1: "1D",
}
_DEMO_TO_REAL = {
    ProductType.SUSDT_FUTURES: ProductType.USDT_FUTURES,
    ProductType.SUSDC_FUTURES: ProductType.USDC_FUTURES,
    ProductType.SCOIN_FUTURES: ProductType.COIN_FUTURES,
}

__all__ = [
    "CLIENT_OID_MAX_LEN", "INTERVALS", "category", "product_type", "interval", "as_requested",
    "parse_settings", "parse_assets", "parse_key_permissions", "parse_instrument", "parse_instruments",
    "parse_ticker", "parse_tickers", "parse_orderbook", "parse_candles", "parse_ws_kline", "parse_public_trade",
    "parse_balances", "parse_futures_account", "parse_order", "parse_orders", "parse_fill", "parse_fills",
    "parse_position", "parse_positions", "parse_result_list", "encode_order",
]


# -- scalars -----------------------------------------------------------------------------------------------------


def category(product_type: ProductType | str) -> str:
    """The v3 `category` of a product type (demo futures types map to the real category)."""
    pt = ProductType.parse(product_type)
    return _DEMO_TO_REAL.get(pt, pt).value


def as_requested(items: list[_T], requested: ProductType | str) -> list[_T]:
    """Label items of a demo request (`SUSDT-FUTURES`...) with the demo product type the caller used.

    v3 has no demo categories (demo is the `paptrading` header), so answers say `USDT-FUTURES`; a caller that
    keys its state by the product type it asked for must get that type back.
    """
    pt = ProductType.parse(requested)
    real = _DEMO_TO_REAL.get(pt)
    if real is None:
        return items
    return [replace(i, product_type=pt) if getattr(i, "product_type", None) is real else i for i in items]


def product_type(value: Any) -> ProductType:
    """`USDT-FUTURES` (REST) or `usdt-futures` (websocket) -> ProductType."""
    return ProductType.parse(str(value))


def interval(timeframe: Timeframe | str) -> str | None:
    """The v3 candle `interval` of a timeframe, or None when v3 does not offer it."""
    return INTERVALS.get(Timeframe.parse(timeframe))


def _places(text: Any) -> int:
    return int(Decimal(str(text))) if text not in (None, "") else 0


def _decimals(step: Decimal) -> int:
    exponent = step.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _fee(detail: Any) -> tuple[Decimal, str]:
    """Total fee (negative = paid) and its coin from a v3 `feeDetail` list."""
    total, coin = _ZERO, ""
    for item in detail or []:
        if not isinstance(item, Mapping) or item.get("fee") in (None, ""):
            continue
        total -= dec(item.get("fee"))
        coin = coin or str(item.get("feeCoin") or "")
    return total, coin


# -- account -----------------------------------------------------------------------------------------------------


@parser
def parse_settings(data: Json) -> UnifiedAccountSettings:
    hold = data.get("holdMode")
    try:
        hold_mode = PositionMode.parse(hold) if hold else None
    except ValueError:
        hold_mode = None
    configs = []
    for c in data.get("symbolConfigList") or []:
        try:
            pt = product_type(c.get("category"))
        except ValueError:
            continue
        configs.append(UnifiedSymbolConfig(
            product_type=pt, symbol=str(c.get("symbol", "")), margin_mode=enum_or_none(MarginMode, c.get("marginMode")),
            leverage=int(Decimal(str(c.get("leverage") or 0))) or None))
    return UnifiedAccountSettings(
        uid=str(data.get("uid", "")),
        account_mode=str(data.get("accountMode", "")),
        asset_mode=data.get("assetMode"),
        account_level=data.get("accountLevel"),
        hold_mode=hold_mode,
        symbol_configs=tuple(configs),
    )


@parser
def parse_assets(data: Json) -> UnifiedAssets:
    assets = tuple(
        UnifiedCoinAsset(
            coin=str(a["coin"]),
            equity=dec(a.get("equity")),
            balance=dec(a.get("balance")),
            available=dec(a.get("available")),
            locked=dec(a.get("locked")),
            debt=dec(a.get("debt", a.get("debts"))),
            usd_value=dec(a.get("usdValue")),
        )
        for a in (data.get("assets") or data.get("coin") or [])
    )
    return UnifiedAssets(
        account_equity=dec(data.get("accountEquity", data.get("totalEquity"))),
        usdt_equity=dec(data.get("usdtEquity", data.get("totalEquity"))),
        unrealized_pl=dec(data.get("unrealisedPnl", data.get("unrealisedPnL"))),
        effective_equity=dec(data.get("effEquity")),
        assets=assets,
        initial_margin=dec(data.get("imr")),
        maintenance_margin=dec(data.get("mmr")),
    )


@parser
def parse_key_permissions(data: Json) -> KeyPermissions:
    perms = data.get("permissions") or []
    ips = data.get("ips") or ""
    ip_list = ips if isinstance(ips, list) else str(ips).split(",")
    return KeyPermissions(
        user_id=str(data.get("userId", "")),
        permissions=frozenset(str(p).strip().lower() for p in perms if str(p).strip()),
        ips=tuple(p.strip() for p in ip_list if str(p).strip()),
        family=AccountFamily.UNIFIED,
    )


@parser
def parse_balances(assets: UnifiedAssets) -> list[Balance]:
    """The unified wallet as per-coin balances: `frozen` is what is neither available nor locked (orders, margin)."""
    out = []
    for a in assets.assets:
        frozen = a.balance - a.available - a.locked
        out.append(Balance(coin=a.coin, available=a.available, frozen=max(frozen, _ZERO), locked=a.locked))
    return out


@parser
def parse_futures_account(assets: UnifiedAssets, margin_coin: str = "USDT",
                          settings: UnifiedAccountSettings | None = None, symbol: str | None = None,
                          product: ProductType | None = None) -> FuturesAccount:
    """The futures view of the unified wallet for one margin coin (with hold mode / leverage from the settings)."""
    coin = next((a for a in assets.assets if a.coin == margin_coin.upper()), None)
    available = coin.available if coin else _ZERO
    equity = coin.equity if coin else _ZERO
    margin_mode = None
    leverage = None
    if settings is not None and symbol is not None:
        for c in settings.symbol_configs:
            if c.symbol == symbol and (product is None or c.product_type == product):
                margin_mode, leverage = c.margin_mode, c.leverage
    return FuturesAccount(
        margin_coin=margin_coin.upper(),
        available=available,
        equity=equity,
        unrealized_pl=assets.unrealized_pl,
        max_transfer_out=available,
        margin_mode=margin_mode or (MarginMode.CROSSED if settings is not None and symbol is not None else None),
        pos_mode=settings.hold_mode if settings is not None else None,
        crossed_leverage=leverage,
    )


# -- market --------------------------------------------------------------------------------------------------------


@parser
def parse_instrument(d: Json) -> Instrument:
    """One element of GET /api/v3/market/instruments (spot has no tick/lot field: 10^-precision)."""
    pt = product_type(d["category"])
    price_places = _places(d.get("pricePrecision"))
    size_places = _places(d.get("quantityPrecision"))
    tick = opt_dec(d.get("priceMultiplier")) or Decimal(1).scaleb(-price_places)
    lot = opt_dec(d.get("quantityMultiplier")) or Decimal(1).scaleb(-size_places)
    tick, lot = tick.normalize(), lot.normalize()
    max_qty = opt_dec(d.get("maxOrderQty"))
    default_fee = _ZERO if pt.is_futures else SPOT_DEFAULT_FEE
    quote_places = d.get("quotePrecision")
    return Instrument(
        symbol=str(d["symbol"]),
        product_type=pt,
        base_coin=str(d["baseCoin"]),
        quote_coin=str(d["quoteCoin"]),
        tick_size=tick,
        lot_size=lot,
        min_size=dec(d.get("minOrderQty")),
        min_notional=dec(d.get("minOrderAmount")),
        price_places=max(price_places, _decimals(tick)),
        size_places=max(size_places, _decimals(lot)),
        maker_fee_rate=opt_dec(d.get("makerFeeRate")) or default_fee,
        taker_fee_rate=opt_dec(d.get("takerFeeRate")) or default_fee,
        margin_coin=str(d["quoteCoin"]) if pt.is_futures else None,
        min_leverage=int(Decimal(str(d.get("minLeverage") or 1))),
        max_leverage=int(Decimal(str(d.get("maxLeverage") or 1))),
        max_order_size=max_qty if max_qty else None,
        tradable=str(d.get("status", "online")).lower() in ("online", "listed"),
        quote_places=None if pt.is_futures or quote_places in (None, "") else int(str(quote_places)),
    )


@parser
def parse_instruments(data: Iterable[Json] | None) -> list[Instrument]:
    return [parse_instrument(d) for d in (data or [])]


@parser
def parse_ticker(d: Json, product: ProductType | None = None, symbol: str | None = None) -> Ticker:
    """REST ticker, or a websocket `ticker` push item (which has neither category nor symbol: pass them)."""
    pt = product or product_type(d["category"])
    futures = pt.is_futures
    return Ticker(
        symbol=str(d.get("symbol") or symbol),
        product_type=pt,
        last=dec(d.get("lastPrice")),
        bid=dec(d.get("bid1Price")),
        ask=dec(d.get("ask1Price")),
        bid_size=dec(d.get("bid1Size")),
        ask_size=dec(d.get("ask1Size")),
        high_24h=dec(d.get("highPrice24h")),
        low_24h=dec(d.get("lowPrice24h")),
        open_24h=dec(d.get("openPrice24h")),
        base_volume=dec(d.get("volume24h")),
        quote_volume=dec(d.get("turnover24h")),
        ts=ms(d.get("ts")),
        mark_price=opt_dec(d.get("markPrice")) if futures else None,
        index_price=opt_dec(d.get("indexPrice")) if futures else None,
        funding_rate=opt_dec(d.get("fundingRate")) if futures else None,
    )


@parser
def parse_tickers(data: Iterable[Json] | None) -> list[Ticker]:
    return [parse_ticker(d) for d in (data or [])]


@parser
def parse_orderbook(data: Json) -> tuple[list[list[str]], list[list[str]], int]:
    """(bids, asks, ts) from `{"a": [[p, q]], "b": [[p, q]], "ts"}` (REST sends numbers, pushes strings)."""
    return level_strings(data.get("b") or []), level_strings(data.get("a") or []), ms(data.get("ts"))


@parser
def parse_candles(rows: Iterable[Sequence[Any]] | None) -> list[Candle]:
    """`[ts, open, high, low, close, baseVolume, quoteTurnover]` rows, returned oldest first."""
    out = [Candle(ts=int(r[0]), open=dec(r[1]), high=dec(r[2]), low=dec(r[3]), close=dec(r[4]), volume=dec(r[5]),
                  quote_volume=dec(r[6]) if len(r) > 6 else _ZERO) for r in rows or []]
    out.sort(key=lambda c: c.ts)
    return out


@parser
def parse_ws_kline(d: Json) -> Candle:
    """A websocket `kline` item: `{start, open, high, low, close, volume, turnover}`."""
    return Candle(ts=int(d["start"]), open=dec(d["open"]), high=dec(d["high"]), low=dec(d["low"]),
                  close=dec(d["close"]), volume=dec(d.get("volume")), quote_volume=dec(d.get("turnover")))


@parser
def parse_public_trade(d: Json, symbol: str) -> PublicTrade:
    """A websocket `publicTrade` item `{i, p, v, S, T}` (the symbol is in the push's `arg`)."""
    return PublicTrade(symbol=symbol, trade_id=str(d["i"]), price=dec(d["p"]), size=dec(d["v"]),
                       side=Side.parse(d["S"]), ts=int(d["T"]))


# -- orders, fills, positions ----------------------------------------------------------------------------------------


@parser
def parse_order(d: Json) -> Order:
    """order-info / unfilled-orders / history-orders element, or an `order` push item."""
    pt = product_type(d["category"])
    otype = OrderType.parse(d.get("orderType", "limit"))
    price = opt_dec(d.get("price"))
    if price is not None and (price == 0 or otype is OrderType.MARKET):
        price = None
    avg = opt_dec(d.get("avgPrice"))
    if avg is not None and avg == 0:
        avg = None
    side = Side.parse(d["side"])
    hold = enum_or_none(HoldSide, d.get("posSide") or d.get("holdSide"))
    hedge = str(d.get("holdMode", "")).lower() == PositionMode.HEDGE.value
    trade_side = enum_or_none(TradeSide, d.get("tradeSide")) if pt.is_futures else None
    reduce_only = yes(d.get("reduceOnly"))
    if pt.is_futures and hedge and hold is not None:
        # v3 gives the trade direction: buying a long or selling a short opens, the other way closes
        opening = (side is Side.BUY) == (hold is HoldSide.LONG)
        trade_side = trade_side or (TradeSide.OPEN if opening else TradeSide.CLOSE)
        side = Side.BUY if hold is HoldSide.LONG else Side.SELL  # classic hedge convention: the position's side
    elif pt.is_futures:
        trade_side = None  # one-way: direction + reduceOnly, as classic
        hold = None
    market_buy_amount = opt_dec(d.get("amount"))
    size = dec(d.get("qty"))
    if not pt.is_futures and otype is OrderType.MARKET and side is Side.BUY and not size and market_buy_amount:
        size = market_buy_amount  # spot market buys are sized in quote (`amount`), as OrderRequest.size
    fee, _ = _fee(d.get("feeDetail"))
    return Order(
        order_id=str(d["orderId"]),
        client_oid=str(d.get("clientOid") or "") or None,
        symbol=str(d["symbol"]),
        product_type=pt,
        side=side,
        order_type=otype,
        force=enum_or_none(TimeInForce, d.get("timeInForce")) or TimeInForce.GTC,
        price=price,
        size=size,
        filled_size=dec(d.get("cumExecQty")),
        avg_price=avg,
        status=OrderStatus.parse(d.get("orderStatus") or "live"),
        trade_side=trade_side,
        pos_side=hold,
        reduce_only=reduce_only,
        fee=fee,
        c_time=ms(d.get("createdTime")),
        u_time=ms(d.get("updatedTime"), ms(d.get("createdTime"))),
        preset_take_profit=opt_price(d.get("takeProfit")),
        preset_stop_loss=opt_price(d.get("stopLoss")),
    )


@parser
def parse_orders(data: Json | None) -> list[Order]:
    """`{"list": [...], "cursor"}` of unfilled-orders / history-orders."""
    return [parse_order(d) for d in ((data or {}).get("list") or [])]


@parser
def parse_fill(d: Json) -> Fill:
    """trade/fills element or a `fill` push item (side = the executed direction)."""
    pt = product_type(d["category"])
    fee, coin = _fee(d.get("feeDetail"))
    profit = opt_dec(d.get("execPnl"))
    return Fill(
        trade_id=str(d["execId"]),
        order_id=str(d["orderId"]),
        symbol=str(d["symbol"]),
        product_type=pt,
        side=Side.parse(d["side"]),
        price=dec(d.get("execPrice")),
        size=dec(d.get("execQty")),
        fee=fee,
        fee_coin=coin,
        maker=str(d.get("tradeScope", "")).lower() == "maker",
        ts=ms(d.get("createdTime"), ms(d.get("execTime"))),
        trade_side=enum_or_none(TradeSide, d.get("tradeSide")) if pt.is_futures else None,
        profit=profit if pt.is_futures else None,
    )


@parser
def parse_fills(data: Json | None) -> list[Fill]:
    return [parse_fill(d) for d in ((data or {}).get("list") or [])]


@parser
def parse_position(d: Json, product: ProductType | None = None) -> Position:
    """current-position element or a `position` push item (push: `size`, `liqPrice`, `marginSize`)."""
    pt = product or product_type(d["category"])
    size = dec(d.get("total", d.get("size")))
    liq = opt_dec(d.get("liquidationPrice", d.get("liqPrice")))
    return Position(
        symbol=str(d["symbol"]),
        product_type=pt,
        hold_side=HoldSide.parse(d["posSide"]),
        size=size,
        available=dec(d.get("available")),
        entry_price=dec(d.get("avgPrice")),
        mark_price=dec(d.get("markPrice")),
        unrealized_pl=dec(d.get("unrealisedPnl")),
        margin=dec(d.get("positionBalance", d.get("marginSize"))),
        leverage=int(Decimal(str(d.get("leverage") or 1))),
        liquidation_price=liq if liq else None,
        margin_mode=MarginMode.parse(d.get("marginMode") or "crossed"),
        pos_mode=PositionMode.parse(d.get("holdMode") or "one_way_mode"),
        c_time=ms(d.get("createdTime")),
    )


@parser
def parse_positions(data: Json | None) -> list[Position]:
    return [parse_position(d) for d in ((data or {}).get("list") or [])]


@parser
def parse_ack(data: Json | None, symbol: str | None = None) -> OrderAck:
    """A v3 place/cancel answer: `{"orderId", "clientOid"}` (null when Bitget says no more)."""
    data = data or {}
    oid, coid = data.get("orderId"), data.get("clientOid")
    return OrderAck(str(oid) if oid else None, str(coid) if coid else None, symbol)


@parser
def parse_result_list(data: Json | None) -> BatchResult:
    """cancel-symbol-order / close-positions: `{"list": [{orderId, clientOid, code, msg}]}`."""
    ok, bad = [], []
    for d in (data or {}).get("list") or []:
        oid, coid = d.get("orderId"), d.get("clientOid")
        ack = OrderAck(str(oid) if oid else None, str(coid) if coid else None, d.get("symbol"))
        code = str(d.get("code") or "")
        if code in ("", "0", "00000"):
            ok.append(ack)
        else:
            bad.append(BatchFailure(ack.order_id, ack.client_oid, error_from(code, str(d.get("msg", "")))))
    return BatchResult(ok, bad)


# -- requests --------------------------------------------------------------------------------------------------------


def encode_order(req: OrderRequest) -> dict[str, str]:
    """POST /api/v3/trade/place-order body.

    One-way: the trade direction, `reduceOnly: "yes"` to close. Hedge (the request has a tradeSide, classic
    form: side = the position's direction): `posSide` names the position and `side` is the trade direction, so
    closing a long sells with posSide=long. v3 sends no tradeSide.
    """
    if len(req.client_oid) > CLIENT_OID_MAX_LEN:
        raise ValueError(f"clientOid longer than {CLIENT_OID_MAX_LEN} characters (v3 limit): {req.client_oid!r}")
    body: dict[str, str] = {
        "category": category(req.product_type),
        "symbol": req.symbol,
        "orderType": req.order_type.value,
        "qty": dec_text(req.size),
        "clientOid": req.client_oid,
    }
    side = req.side
    if req.product_type.is_futures:
        if req.trade_side is None:
            if req.reduce_only:
                body["reduceOnly"] = "yes"
        else:
            pos = HoldSide.LONG if req.side is Side.BUY else HoldSide.SHORT
            body["posSide"] = pos.value
            if req.trade_side is TradeSide.CLOSE:
                side = Side.SELL if pos is HoldSide.LONG else Side.BUY
        if req.margin_mode is not None:
            body["marginMode"] = MarginMode(req.margin_mode).value
    body["side"] = side.value
    if req.order_type is OrderType.LIMIT:
        body["timeInForce"] = req.force.value
    if req.price is not None:
        body["price"] = dec_text(req.price)
    if req.preset_take_profit is not None:
        body["takeProfit"] = dec_text(req.preset_take_profit)
    if req.preset_stop_loss is not None:
        body["stopLoss"] = dec_text(req.preset_stop_loss)
    return body
