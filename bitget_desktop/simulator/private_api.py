"""Private REST endpoints of the simulator (spot and mix v2): lenient Bitget-style parsing over the engine.

``register_private_routes(router, engine, auth)``: ``auth`` authenticates a request and returns its API key; it is
either an object with ``authenticate(request)`` or a callable ``auth(request)`` (sync or async) and raises the
server's ``ApiError`` on failure. Every handler answers Bitget's envelope; engine refusals become ``ApiError``.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from aiohttp import web

from bitget_desktop.simulator import views
from bitget_desktop.simulator.accounts import EngineError, fmt
from bitget_desktop.simulator.engine import Engine
from bitget_desktop.simulator.wire import ApiError, ok, request_params

__all__ = ["register_private_routes", "PRIVATE_ROUTES"]

FUTURES_TYPES = ("USDT-FUTURES", "COIN-FUTURES", "USDC-FUTURES", "SUSDT-FUTURES", "SCOIN-FUTURES", "SUSDC-FUTURES")
MAX_BATCH = 50

Params = dict[str, Any]
Handler = Callable[[Engine, str, Params], Any]


# --- parameter helpers ---------------------------------------------------------------------------------------------


def _s(p: Params, name: str) -> str | None:
    """A parameter as a stripped string (numbers accepted), or None when absent/empty."""
    v = p.get(name)
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    text = str(v).strip()
    return text or None


def _req(p: Params, name: str) -> str:
    v = _s(p, name)
    if v is None:
        raise EngineError("40019", f"Parameter {name} cannot be empty")
    return v


def _symbol(p: Params, required: bool = True) -> str | None:
    v = _s(p, "symbol")
    if v is None:
        if required:
            raise EngineError("40019", "Parameter symbol cannot be empty")
        return None
    return v.upper()


def _product(p: Params) -> str:
    v = _req(p, "productType").upper().replace("_", "-")
    if v not in FUTURES_TYPES:
        raise EngineError("40020", "Parameter productType error")
    return v


def _int(p: Params, name: str, default: int | None = None) -> int | None:
    v = _s(p, name)
    if v is None:
        return default
    try:
        return int(Decimal(v))
    except Exception as exc:
        raise EngineError("40020", f"Parameter {name} error") from exc


def _limit(p: Params, default: int = 100, maximum: int = 100) -> int:
    n = _int(p, "limit", default) or default
    return max(1, min(n, maximum))


def _id(p: Params, name: str) -> str | None:
    v = _s(p, name)
    if v is not None and not v.isdigit():
        raise EngineError("40020", f"Parameter {name} error")
    return v


def _order_ref(p: Params) -> tuple[str | None, str | None]:
    """(orderId, clientOid) of a request that names one order; at least one of the two must be there."""
    oid, coid = _id(p, "orderId"), _s(p, "clientOid")
    if oid is None and coid is None:
        raise EngineError("40019", "Parameter orderId cannot be empty")
    return oid, coid


def _ack(o: Any) -> dict[str, Any]:
    return {"orderId": o.order_id, "clientOid": o.client_oid}


# --- spot ----------------------------------------------------------------------------------------------------------


def spot_assets(engine: Engine, key: str, p: Params) -> Any:
    acc = engine.account(key)
    coin = _s(p, "coin")
    asset_type = (_s(p, "assetType") or "hold_only").lower()
    out = []
    for b in acc.spot.values():
        if coin is not None:
            if b.coin != coin.upper():
                continue
        elif asset_type != "all" and b.available == 0 and b.frozen == 0 and b.locked == 0:
            continue
        out.append(views.spot_balance(b))
    return out


def spot_info(engine: Engine, key: str, p: Params) -> Any:
    spec = p.get("__key_spec")
    uid = str(getattr(spec, "uid", "") or views.USER_ID)
    try:
        from bitget_desktop.simulator.auth import authorities  # the server's key permissions

        auths = authorities(spec) if spec is not None and hasattr(spec, "permissions") else ["coor", "cpor", "stor"]
    except ImportError:
        auths = ["coor", "cpor", "stor"]
    return {
        "userId": uid,
        "inviterId": "",
        "ips": ",".join(getattr(spec, "ips", ()) or ()),
        "authorities": auths,
        "parentId": int(uid),
        "traderType": "",
        "channelCode": "",
        "channel": "",
        "regisTime": "1610000000000",
    }


def _spot_place(engine: Engine, key: str, p: Params, symbol: str | None = None) -> Any:
    o = engine.spot_place(
        key, symbol or _symbol(p) or "", _s(p, "side") or "", _s(p, "orderType") or "", _s(p, "size"),
        _s(p, "price"), _s(p, "force"), _s(p, "clientOid"),
    )
    return _ack(o)


def spot_place(engine: Engine, key: str, p: Params) -> Any:
    return _spot_place(engine, key, p)


def spot_cancel(engine: Engine, key: str, p: Params) -> Any:
    oid, coid = _order_ref(p)
    o = engine.spot_cancel(key, _symbol(p, required=False), oid, coid)
    return _ack(o)


def _order_list(p: Params, name: str) -> list[Params]:
    items = p.get(name)
    if items is None:
        raise EngineError("40019", f"Parameter {name} cannot be empty")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise EngineError("40020", f"Parameter {name} error")
    if len(items) > MAX_BATCH:
        raise EngineError("40306", f"Batch processing orders can only process up to {MAX_BATCH}")
    return items


def _failure(item: Params, err: EngineError) -> dict[str, Any]:
    return {"orderId": _s(item, "orderId") or "", "clientOid": _s(item, "clientOid") or "",
            "errorMsg": err.msg, "errorCode": err.code}


def spot_batch_orders(engine: Engine, key: str, p: Params) -> Any:
    symbol = _symbol(p, required=False)
    success, failure = [], []
    for item in _order_list(p, "orderList"):
        try:
            item_symbol = _symbol(item, required=False) or symbol
            if item_symbol is None:
                raise EngineError("40019", "Parameter symbol cannot be empty")
            success.append(_spot_place(engine, key, item, item_symbol))
        except EngineError as err:
            failure.append(_failure(item, err))
    return {"successList": success, "failureList": failure}


def spot_batch_cancel(engine: Engine, key: str, p: Params) -> Any:
    symbol = _symbol(p, required=False)
    success, failure = [], []
    for item in _order_list(p, "orderList"):
        try:
            oid, coid = _order_ref(item)
            o = engine.spot_cancel(key, _symbol(item, required=False) or symbol, oid, coid)
            success.append(_ack(o))
        except EngineError as err:
            failure.append(_failure(item, err))
    return {"successList": success, "failureList": failure}


def spot_cancel_symbol(engine: Engine, key: str, p: Params) -> Any:
    symbol = _symbol(p) or ""
    engine.spot_cancel_symbol(key, symbol)
    return {"symbol": symbol}


def _base_quote(engine: Engine, symbol: str) -> tuple[str, str]:
    try:
        inst = engine.market.instrument_spec("SPOT", symbol)
    except (KeyError, LookupError):
        inst = None
    return (inst.base_coin, inst.quote_coin) if inst is not None else ("", "")


def spot_order_info(engine: Engine, key: str, p: Params) -> Any:
    oid, coid = _order_ref(p)
    o = engine.find_order(key, oid, coid)
    if o is None or o.product != "SPOT":
        return []
    return [views.spot_order(o, *_base_quote(engine, o.symbol))]


def _query_orders(engine: Engine, key: str, p: Params, product: str, open_only: bool) -> list[Any]:
    return engine.orders(
        key, product, open_only=open_only, symbol=_symbol(p, required=False), start=_int(p, "startTime"),
        end=_int(p, "endTime"), id_less_than=_id(p, "idLessThan"), limit=_limit(p), order_id=_id(p, "orderId"),
        client_oid=_s(p, "clientOid"),
    )


def spot_unfilled(engine: Engine, key: str, p: Params) -> Any:
    return [views.spot_open_order(o) for o in _query_orders(engine, key, p, "SPOT", True)]


def spot_history(engine: Engine, key: str, p: Params) -> Any:
    return [views.spot_order(o, *_base_quote(engine, o.symbol)) for o in _query_orders(engine, key, p, "SPOT", False)]


def spot_fills(engine: Engine, key: str, p: Params) -> Any:
    fills = engine.fills(key, "SPOT", symbol=_symbol(p, required=False), order_id=_id(p, "orderId"),
                         start=_int(p, "startTime"), end=_int(p, "endTime"), id_less_than=_id(p, "idLessThan"),
                         limit=_limit(p))
    return [views.spot_fill(f) for f in fills]


# --- mix account -----------------------------------------------------------------------------------------------------


def _account_row(engine: Engine, key: str, product: str, symbol: str | None) -> dict[str, Any]:
    acc = engine.account(key)
    fb = engine.futures_book(key, product)
    m = engine.futures_metrics(acc, fb)
    row: dict[str, Any] = {
        "marginCoin": fb.margin_coin,
        "locked": fmt(m["frozen"]),
        "available": fmt(fb.balance),
        "crossedMaxAvailable": fmt(m["available"]),
        "isolatedMaxAvailable": fmt(m["available"]),
        "maxTransferOut": fmt(m["available"]),
        "accountEquity": fmt(m["equity"]),
        "usdtEquity": fmt(m["equity"]),
        "btcEquity": _btc_equity(engine, m["equity"]),
        "crossedRiskRate": fmt(m["risk_rate"].quantize(Decimal("1e-12"))),
        "unrealizedPL": fmt(m["upl"]),
        "coupon": "0",
        "crossedUnrealizedPL": fmt(m["upl_cross"]),
        "isolatedUnrealizedPL": fmt(m["upl_iso"]),
        "grant": "",
        "assetMode": "single",
        "isolatedMargin": fmt(m["margin_iso"]),
        "crossedMargin": fmt(m["margin_cross"]),
    }
    if symbol is not None:
        s = engine._settings(fb, symbol)
        row.update({
            "crossedMarginLeverage": s.cross_leverage,
            "isolatedLongLever": s.long_leverage,
            "isolatedShortLever": s.short_leverage,
            "marginMode": s.margin_mode,
            "posMode": fb.pos_mode,
        })
    else:
        row.update({
            "unionTotalMagin": fmt(m["equity"]),
            "unionAvailable": fmt(m["available"]),
            "unionMm": "0",
            "assetList": [{"coin": fb.margin_coin, "balance": fmt(fb.balance), "available": fmt(m["available"])}],
        })
    return row


def _btc_equity(engine: Engine, equity: Decimal) -> str:
    try:
        px = engine.last_price("SPOT", "BTCUSDT")
    except (EngineError, KeyError, LookupError):
        return "0"
    if not px:
        return "0"
    return fmt((equity / px).quantize(Decimal("1e-12")))


def mix_account(engine: Engine, key: str, p: Params) -> Any:
    product = _product(p)
    symbol = _symbol(p)
    engine._instrument(product, symbol or "")
    _req(p, "marginCoin")
    return _account_row(engine, key, product, symbol)


def mix_accounts(engine: Engine, key: str, p: Params) -> Any:
    product = _product(p)
    return [_account_row(engine, key, product, None)]


def mix_bills(engine: Engine, key: str, p: Params) -> Any:
    product = _product(p)
    bills = engine.bills(key, product, symbol=_symbol(p, required=False), business_type=_s(p, "businessType"),
                         start=_int(p, "startTime"), end=_int(p, "endTime"), id_less_than=_id(p, "idLessThan"),
                         limit=_limit(p, default=20))
    return {"bills": bills, "endId": bills[-1]["billId"] if bills else ""}


def _leverage_view(engine: Engine, key: str, product: str, symbol: str) -> dict[str, Any]:
    fb = engine.futures_book(key, product)
    s = engine._settings(fb, symbol)
    return {"symbol": symbol, "marginCoin": fb.margin_coin, "longLeverage": str(s.long_leverage),
            "shortLeverage": str(s.short_leverage), "crossMarginLeverage": str(s.cross_leverage),
            "marginMode": s.margin_mode}


def mix_set_leverage(engine: Engine, key: str, p: Params) -> Any:
    product, symbol = _product(p), _symbol(p) or ""
    engine.set_leverage(key, product, symbol, _req(p, "leverage"), _s(p, "holdSide"))
    return _leverage_view(engine, key, product, symbol)


def mix_set_margin_mode(engine: Engine, key: str, p: Params) -> Any:
    product, symbol = _product(p), _symbol(p) or ""
    engine.set_margin_mode(key, product, symbol, _req(p, "marginMode"))
    v = _leverage_view(engine, key, product, symbol)
    v.pop("crossMarginLeverage")
    return v


def mix_set_position_mode(engine: Engine, key: str, p: Params) -> Any:
    return {"posMode": engine.set_position_mode(key, _product(p), _req(p, "posMode"))}


def mix_all_positions(engine: Engine, key: str, p: Params) -> Any:
    product = _product(p)
    return engine.position_views(engine.account(key), engine.futures_book(key, product), ws=False)


def mix_single_position(engine: Engine, key: str, p: Params) -> Any:
    product, symbol = _product(p), _symbol(p) or ""
    engine._instrument(product, symbol)
    rows = engine.position_views(engine.account(key), engine.futures_book(key, product), ws=False)
    return [r for r in rows if r["symbol"] == symbol]


# --- mix trading -----------------------------------------------------------------------------------------------------


def _mix_place(engine: Engine, key: str, p: Params, product: str, symbol: str, defaults: Params | None = None) -> Any:
    d = defaults or {}
    o = engine.futures_place(
        key, product, symbol, _s(p, "side") or "", _s(p, "orderType") or "", _s(p, "size"), _s(p, "price"),
        _s(p, "force"), _s(p, "clientOid"), _s(p, "tradeSide"), _s(p, "reduceOnly"),
        _s(p, "marginMode") or _s(d, "marginMode"), _s(p, "marginCoin") or _s(d, "marginCoin"),
        _s(p, "presetStopSurplusPrice"), _s(p, "presetStopLossPrice"),
    )
    return _ack(o)


def mix_place(engine: Engine, key: str, p: Params) -> Any:
    return _mix_place(engine, key, p, _product(p), _symbol(p) or "")


def mix_batch_place(engine: Engine, key: str, p: Params) -> Any:
    product, symbol = _product(p), _symbol(p) or ""
    success, failure = [], []
    for item in _order_list(p, "orderList"):
        try:
            success.append(_mix_place(engine, key, item, product, symbol, p))
        except EngineError as err:
            failure.append(_failure(item, err))
    return {"successList": success, "failureList": failure}


def mix_modify(engine: Engine, key: str, p: Params) -> Any:
    """modify-order: Bitget cancels and re-places (the new order needs a new clientOid)."""
    product, symbol = _product(p), _symbol(p) or ""
    oid, coid = _order_ref(p)
    new_coid = _req(p, "newClientOid")
    new_size, new_price = _s(p, "newSize"), _s(p, "newPrice")
    if (new_size is None) != (new_price is None):
        raise EngineError("40925", "price or size must be passed in together")
    old = engine.find_order(key, oid, coid)
    if old is None or old.product != product or old.symbol != symbol or not old.is_open:
        raise EngineError("40768", "Order does not exist")
    if old.order_type != "limit":
        raise EngineError("40922", "Only work order modifications are allowed")
    if new_coid in engine.account(key).client_oids:
        raise EngineError("40786", "Duplicate clientOid")
    size = new_size if new_size is not None else fmt(old.size - old.filled_base)
    price = new_price if new_price is not None else fmt(old.price)
    tp = _s(p, "newPresetStopSurplusPrice") or (fmt(old.preset_tp) if old.preset_tp is not None else None)
    sl = _s(p, "newPresetStopLossPrice") or (fmt(old.preset_sl) if old.preset_sl is not None else None)
    engine.futures_cancel(key, product, symbol, old.order_id)
    o = engine.futures_place(key, product, symbol, old.side, "limit", size, price, old.force, new_coid,
                             old.trade_side, "YES" if (old.reduce_only and old.trade_side is None) else None,
                             None, None, tp, sl)
    return _ack(o)


def mix_cancel(engine: Engine, key: str, p: Params) -> Any:
    product, symbol = _product(p), _symbol(p)
    oid, coid = _order_ref(p)
    o = engine.futures_cancel(key, product, symbol, oid, coid)
    return _ack(o)


def mix_batch_cancel(engine: Engine, key: str, p: Params) -> Any:
    product, symbol = _product(p), _symbol(p, required=False)
    items = p.get("orderIdList")
    if not items:
        done = engine.futures_cancel_all(key, product, symbol)
        return {"successList": [_ack(o) for o in done], "failureList": []}
    success, failure = [], []
    for item in _order_list(p, "orderIdList"):
        try:
            oid, coid = _order_ref(item)
            o = engine.futures_cancel(key, product, symbol, oid, coid)
            success.append(_ack(o))
        except EngineError as err:
            failure.append(_failure(item, err))
    return {"successList": success, "failureList": failure}


def mix_cancel_all(engine: Engine, key: str, p: Params) -> Any:
    product = _product(p)
    done = engine.futures_cancel_all(key, product, _symbol(p, required=False))
    return {"successList": [_ack(o) for o in done], "failureList": []}


def mix_close_positions(engine: Engine, key: str, p: Params) -> Any:
    product = _product(p)
    done = engine.close_positions(key, product, _symbol(p, required=False), _s(p, "holdSide"))
    return {
        "successList": [{"orderId": o.order_id, "clientOid": o.client_oid, "symbol": o.symbol} for o in done],
        "failureList": [],
        "result": True,
    }


def mix_click_backhand(engine: Engine, key: str, p: Params) -> Any:
    product, symbol = _product(p), _symbol(p) or ""
    o = engine.click_backhand(key, product, symbol, _s(p, "clientOid"))
    return _ack(o)


def mix_detail(engine: Engine, key: str, p: Params) -> Any:
    product, symbol = _product(p), _symbol(p)
    oid, coid = _order_ref(p)
    o = engine.find_order(key, oid, coid)
    if o is None or o.product != product or (symbol and o.symbol != symbol):
        raise EngineError("40109", "The data of the order cannot be found, please confirm the order number")
    return views.mix_order(o, detail=True)


def mix_orders_pending(engine: Engine, key: str, p: Params) -> Any:
    product = _product(p)
    status = (_s(p, "status") or "").lower()
    orders = [o for o in _query_orders(engine, key, p, product, True) if not status or o.status == status]
    return {"entrustedList": [views.mix_order(o, detail=False) for o in orders],
            "endId": orders[-1].order_id if orders else ""}


def mix_orders_history(engine: Engine, key: str, p: Params) -> Any:
    product = _product(p)
    orders = _query_orders(engine, key, p, product, False)
    return {"entrustedList": [views.mix_order(o, detail=False) for o in orders],
            "endId": orders[-1].order_id if orders else ""}


def mix_fills(engine: Engine, key: str, p: Params) -> Any:
    product = _product(p)
    fills = engine.fills(key, product, symbol=_symbol(p, required=False), order_id=_id(p, "orderId"),
                         start=_int(p, "startTime"), end=_int(p, "endTime"), id_less_than=_id(p, "idLessThan"),
                         limit=_limit(p))
    return {"fillList": [views.mix_fill(f) for f in fills], "endId": fills[-1].trade_id if fills else ""}


def mix_plan_pending(engine: Engine, key: str, p: Params) -> Any:
    product = _product(p)
    plan_type = (_s(p, "planType") or "profit_loss").lower()
    plans = engine.plans(key, product, _symbol(p, required=False)) if plan_type in ("profit_loss", "tpsl") else []
    return {"entrustedList": [views.mix_plan(pl) for pl in plans], "endId": plans[-1].order_id if plans else ""}


def mix_plan_history(engine: Engine, key: str, p: Params) -> Any:
    _product(p)
    return {"entrustedList": [], "endId": ""}


def mix_cancel_plan(engine: Engine, key: str, p: Params) -> Any:
    product = _product(p)
    items = p.get("orderIdList")
    success, failure = [], []
    if items:
        for item in _order_list(p, "orderIdList"):
            try:
                pl = engine.cancel_plan(key, product, _s(item, "orderId"), _s(item, "clientOid"))
                success.append({"orderId": pl.order_id, "clientOid": pl.client_oid})
            except EngineError as err:
                failure.append(_failure(item, err))
    else:
        symbol = _symbol(p, required=False)
        for pl in engine.plans(key, product, symbol):
            engine.cancel_plan(key, product, pl.order_id)
            success.append({"orderId": pl.order_id, "clientOid": pl.client_oid})
    return {"successList": success, "failureList": failure}


PRIVATE_ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/api/v2/spot/account/assets", spot_assets),
    ("GET", "/api/v2/spot/account/info", spot_info),
    ("POST", "/api/v2/spot/trade/place-order", spot_place),
    ("POST", "/api/v2/spot/trade/cancel-order", spot_cancel),
    ("POST", "/api/v2/spot/trade/batch-orders", spot_batch_orders),
    ("POST", "/api/v2/spot/trade/batch-cancel-order", spot_batch_cancel),
    ("POST", "/api/v2/spot/trade/cancel-symbol-order", spot_cancel_symbol),
    ("GET", "/api/v2/spot/trade/orderInfo", spot_order_info),
    ("GET", "/api/v2/spot/trade/unfilled-orders", spot_unfilled),
    ("GET", "/api/v2/spot/trade/history-orders", spot_history),
    ("GET", "/api/v2/spot/trade/fills", spot_fills),
    ("GET", "/api/v2/mix/account/account", mix_account),
    ("GET", "/api/v2/mix/account/accounts", mix_accounts),
    ("GET", "/api/v2/mix/account/bill", mix_bills),
    ("POST", "/api/v2/mix/account/set-leverage", mix_set_leverage),
    ("POST", "/api/v2/mix/account/set-margin-mode", mix_set_margin_mode),
    ("POST", "/api/v2/mix/account/set-position-mode", mix_set_position_mode),
    ("GET", "/api/v2/mix/position/all-position", mix_all_positions),
    ("GET", "/api/v2/mix/position/single-position", mix_single_position),
    ("POST", "/api/v2/mix/order/place-order", mix_place),
    ("POST", "/api/v2/mix/order/batch-place-order", mix_batch_place),
    ("POST", "/api/v2/mix/order/cancel-order", mix_cancel),
    ("POST", "/api/v2/mix/order/modify-order", mix_modify),
    ("POST", "/api/v2/mix/order/batch-cancel-orders", mix_batch_cancel),
    ("POST", "/api/v2/mix/order/cancel-all-orders", mix_cancel_all),
    ("POST", "/api/v2/mix/order/close-positions", mix_close_positions),
    ("POST", "/api/v2/mix/order/click-backhand", mix_click_backhand),
    ("GET", "/api/v2/mix/order/detail", mix_detail),
    ("GET", "/api/v2/mix/order/orders-pending", mix_orders_pending),
    ("GET", "/api/v2/mix/order/orders-history", mix_orders_history),
    ("GET", "/api/v2/mix/order/fills", mix_fills),
    ("GET", "/api/v2/mix/order/fill-history", mix_fills),
    ("GET", "/api/v2/mix/order/orders-plan-pending", mix_plan_pending),
    ("GET", "/api/v2/mix/order/orders-plan-history", mix_plan_history),
    ("POST", "/api/v2/mix/order/cancel-plan-order", mix_cancel_plan),
]


async def _authenticate(auth: Any, request: web.Request, permission: str) -> Any:
    """The verified key: the server's ``Auth.authenticate`` (returns an ApiKeySpec) or any callable returning one."""
    fn = getattr(auth, "authenticate", None)
    result = fn(request, permission=permission) if fn is not None else auth(request)
    if inspect.isawaitable(result):
        result = await result
    return result


def _make_handler(engine: Engine, auth: Any, method: str,
                  fn: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    permission = "trade" if method == "POST" else "read"

    async def handler(request: web.Request) -> web.Response:
        spec = await _authenticate(auth, request, permission)
        key = str(getattr(spec, "api_key", spec))
        params = await request_params(request)
        if fn is spot_info:
            params["__key_spec"] = spec
        try:
            data = fn(engine, key, params)
        except EngineError as err:
            raise ApiError(err.code, err.msg, err.http_status) from None
        return ok(data)

    handler.__name__ = fn.__name__
    return handler


def register_private_routes(router: Any, engine: Engine, auth: Any) -> None:
    """Add every private spot/mix route to an aiohttp router (UrlDispatcher or RouteTableDef)."""
    for method, path, fn in PRIVATE_ROUTES:
        h = _make_handler(engine, auth, method, fn)
        if hasattr(router, "add_route"):
            router.add_route(method, path, h)
        else:
            router.route(method, path)(h)
