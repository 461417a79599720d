"""Bitget API v3 (unified trading account) REST endpoints of the simulator, over the same market and engine.

A unified key's account is the engine's ordinary account marked unified (`Engine.mark_unified`): its spot
balances are the wallet and its USDT-FUTURES book draws margin from the same USDT, so v3 is a second wire
layout over one set of records rather than a second engine. Category `SPOT` routes to the engine's spot side,
`USDT-FUTURES` to its futures side; hold mode is account-wide. Engine refusals keep their classic codes except
the few whose v3 codes are known (balance, margin, unknown order, nothing to close).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from aiohttp import web

from bitget_desktop.simulator import uta_views as v3
from bitget_desktop.simulator.accounts import EngineError, fmt
from bitget_desktop.simulator.auth import ApiKeySpec, Auth
from bitget_desktop.simulator.engine import Engine
from bitget_desktop.simulator.history import parse_granularity
from bitget_desktop.simulator.instruments import InstrumentSpec
from bitget_desktop.simulator.market import MarketData
from bitget_desktop.simulator.public_api import _candle_rows
from bitget_desktop.simulator.wire import ApiError, ok, request_params

__all__ = ["register_uta_routes", "UTA_PUBLIC_PATHS", "CLASSIC_KEY_MSG"]

CLASSIC_KEY_MSG = "You are in Classic Account mode, and the Unified Account API is not supported at this time"
CATEGORIES = ("SPOT", "USDT-FUTURES")
INTERVALS = ("1m", "3m", "5m", "15m", "30m", "1H", "4H", "6H", "12H", "1D")  # the v3 docs' list
CLIENT_OID_RE = re.compile(r"^[.A-Z:/a-z0-9_-]{1,32}$")
# Engine (classic) codes -> the v3 codes client libraries know for the same refusal.
V3_CODES = {
    "43012": ("25202", "Insufficient balance"),
    "40762": ("25203", "Insufficient margin"),
    "40711": ("25203", "Insufficient margin"),
    "43001": ("25204", "Order does not exist"),
    "40768": ("25204", "Order does not exist"),
    "40109": ("25204", "Order does not exist"),
    "22002": ("25227", "No position to close"),
}
UTA_PUBLIC_PATHS = [
    "/api/v3/public/time",
    "/api/v3/market/instruments",
    "/api/v3/market/tickers",
    "/api/v3/market/orderbook",
    "/api/v3/market/candles",
    "/api/v3/market/history-candles",
]

Params = dict[str, Any]


# --- parameters ------------------------------------------------------------------------------------------------------


def _s(p: Params, name: str) -> str | None:
    v = p.get(name)
    if v is None:
        return None
    text = str(v).strip()
    return text or None


def _req(p: Params, name: str) -> str:
    v = _s(p, name)
    if v is None:
        raise EngineError("40019", f"Parameter {name} cannot be empty")
    return v


def _category(p: Params, *, required: bool = True, futures: bool = False) -> str | None:
    raw = _s(p, "category")
    if raw is None:
        if required:
            raise EngineError("40019", "Parameter category cannot be empty")
        return None
    cat = raw.upper().replace("_", "-")
    if cat not in CATEGORIES or (futures and cat == "SPOT"):
        raise EngineError("40020", "Parameter category error")
    return cat


def _int(p: Params, name: str) -> int | None:
    v = _s(p, name)
    if v is None:
        return None
    if not v.isdigit():
        raise EngineError("40020", f"Parameter {name} error")
    return int(v)


def _limit(p: Params, default: int = 100, maximum: int = 100) -> int:
    n = _int(p, "limit")
    return max(1, min(n or default, maximum))


def _yes(v: str | None) -> bool:
    return (v or "").lower() in ("yes", "true")


# --- public ----------------------------------------------------------------------------------------------------------


def _qp(request: web.Request, name: str, required: bool = False) -> str | None:
    v = (request.query.get(name) or "").strip()
    if required and not v:
        raise ApiError("40019", f"Parameter {name} cannot be empty")
    return v or None


def _public_category(request: web.Request) -> str:
    cat = (_qp(request, "category", True) or "").upper()
    if cat not in CATEGORIES:
        raise ApiError("40020", "Parameter category error")
    return cat


def instrument_row(s: InstrumentSpec) -> dict[str, Any]:
    row: dict[str, Any] = {
        "symbol": s.symbol,
        "category": s.product_type,
        "baseCoin": s.base_coin,
        "quoteCoin": s.quote_coin,
        "buyLimitPriceRatio": "0.05",
        "sellLimitPriceRatio": "0.05",
        "minOrderQty": fmt(s.min_size) if s.min_size else fmt(s.lot_size),
        "maxOrderQty": fmt(s.max_order_size) if s.max_order_size else "0",
        "pricePrecision": str(s.price_places),
        "quantityPrecision": str(s.size_places),
        "quotePrecision": str(s.quote_places if s.quote_places is not None else 8) if not s.is_futures else "",
        "minOrderAmount": fmt(s.min_notional),
        "maxSymbolOrderNum": "400",
        "maxProductOrderNum": "400",
        "maxPositionNum": "200",
        "status": "online",
        "maintainTime": "",
    }
    if s.is_futures:
        row.update({
            "isRwa": "NO", "feeRateUpRatio": "0.005", "makerFeeRate": fmt(s.maker_fee_rate),
            "takerFeeRate": fmt(s.taker_fee_rate), "openCostUpRatio": "0.01",
            "priceMultiplier": fmt(s.tick_size), "quantityMultiplier": fmt(s.lot_size), "type": "perpetual",
            "offTime": "-1", "limitOpenTime": "-1", "deliveryTime": "", "deliveryStartTime": "", "deliveryPeriod": "",
            "launchTime": "0", "fundInterval": "8", "minLeverage": str(s.min_leverage),
            "maxLeverage": str(s.max_leverage), "symbolType": "crypto",
            "maxMarketOrderQty": fmt(s.max_market_order_size) if s.max_market_order_size else "",
        })
    else:
        row.update({"areaSymbol": "no", "isReality": "no", "launchTime": ""})
    return row


class UtaPublic:
    """v3 market data over one MarketData."""

    def __init__(self, market: MarketData, now: Callable[[], int]) -> None:
        self.market = market
        self.now = now

    def _ok(self, data: Any) -> web.Response:
        return ok(data, self.now())

    def _spec(self, request: web.Request) -> InstrumentSpec:
        cat = _public_category(request)
        symbol = (_qp(request, "symbol", True) or "").upper()
        s = self.market.instrument_spec(cat, symbol)
        if s is None:
            raise ApiError("40034", f"Parameter {symbol} does not exist")
        return s

    async def time(self, request: web.Request) -> web.Response:
        t = self.now()
        return ok({"serverTime": str(t)}, t)

    async def instruments(self, request: web.Request) -> web.Response:
        cat = _public_category(request)
        symbol = (_qp(request, "symbol") or "").upper()
        rows = [instrument_row(s) for s in self.market.specs
                if s.product_type == cat and (not symbol or s.symbol == symbol)]
        if symbol and not rows:
            raise ApiError("40034", f"Parameter {symbol} does not exist")
        return self._ok(rows)

    def _ticker(self, s: InstrumentSpec) -> dict[str, str]:
        t = self.market.ticker(s.product_type, s.symbol)
        d = {
            "category": s.product_type, "symbol": s.symbol, "ts": t["ts"], "lastPrice": t["lastPr"],
            "openPrice24h": t["open24h"], "highPrice24h": t["high24h"], "lowPrice24h": t["low24h"],
            "ask1Price": t["askPr"], "bid1Price": t["bidPr"], "bid1Size": t["bidSz"], "ask1Size": t["askSz"],
            "price24hPcnt": t["change24h"], "volume24h": t["baseVolume"], "turnover24h": t["quoteVolume"],
        }
        if s.is_futures:
            d.update({"indexPrice": t["indexPrice"], "markPrice": t["markPrice"], "fundingRate": t["fundingRate"],
                      "openInterest": t["holdingAmount"], "deliveryStartTime": "", "deliveryTime": "",
                      "deliveryStatus": ""})
        return d

    async def tickers(self, request: web.Request) -> web.Response:
        cat = _public_category(request)
        if _qp(request, "symbol"):
            return self._ok([self._ticker(self._spec(request))])
        return self._ok([self._ticker(s) for s in self.market.specs if s.product_type == cat])

    async def orderbook(self, request: web.Request) -> web.Response:
        s = self._spec(request)
        raw = _qp(request, "limit") or "50"
        if not raw.isdigit() or int(raw) < 1:
            raise ApiError("40020", "Parameter limit error")
        bids, asks, _ = self.market.book_strings(s.product_type, s.symbol, min(int(raw), 200))
        # the recorded v3 answer carries JSON numbers, not strings
        return self._ok({"a": [[float(p), float(q)] for p, q in asks], "b": [[float(p), float(q)] for p, q in bids],
                         "ts": str(self.market.now)})

    def _candles(self, request: web.Request, *, history: bool) -> web.Response:
        s = self._spec(request)
        interval = _qp(request, "interval", True)
        tf = parse_granularity(interval) if interval in INTERVALS else None
        if tf is None:
            raise ApiError("40020", "Parameter interval error")
        kind = (_qp(request, "type") or "market").lower()
        if kind not in ("market", "mark", "index") or (kind != "market" and not s.is_futures):
            raise ApiError("40020", "Parameter type error")
        start = _qp(request, "startTime")
        end = _qp(request, "endTime")
        for v in (start, end):
            if v is not None and not v.isdigit():
                raise ApiError("40020", "Parameter time error")
        raw_limit = _qp(request, "limit") or "100"
        if not raw_limit.isdigit() or int(raw_limit) < 1:
            raise ApiError("40020", "Parameter limit error")
        limit = int(raw_limit)
        if limit > (100 if history else 1000):
            raise ApiError("40017", f"Parameter verification failed: limit must not exceed {100 if history else 1000}")
        st, en = (int(start) if start else None), (int(end) if end else None)
        if st is not None and en is not None and st >= en:
            return self._ok([])
        rows = self.market.candles(s.product_type, s.symbol, tf, st, en, limit, kind)
        return self._ok(_candle_rows(rows, s, spot=False))

    async def candles(self, request: web.Request) -> web.Response:
        return self._candles(request, history=False)

    async def history_candles(self, request: web.Request) -> web.Response:
        return self._candles(request, history=True)


# --- private ---------------------------------------------------------------------------------------------------------


def _order_or_404(engine: Engine, key: str, p: Params) -> Any:
    oid, coid = _s(p, "orderId"), _s(p, "clientOid")
    if oid is None and coid is None:
        raise EngineError("40019", "Parameter orderId cannot be empty")
    o = engine.find_order(key, oid, coid)
    if o is None:
        raise EngineError("25204", "Order does not exist")
    return o


def settings(engine: Engine, key: str, p: Params) -> Any:
    acc = engine.account(key)
    fb = engine.futures_book(key, engine.UNIFIED_PRODUCT)
    spec = p.get("__key_spec")
    return {
        "uid": str(getattr(spec, "uid", "")),
        "accountMode": "unified",
        "assetMode": "multi_assets",
        "accountLevel": "advanced",
        "holdMode": fb.pos_mode,
        "stpMode": "none",
        "symbolConfigList": [
            {"category": b.product, "symbol": sym, "marginMode": s.margin_mode, "leverage": str(s.cross_leverage)}
            for b in acc.futures.values() for sym, s in b.settings.items()
        ],
        "coinConfigList": [],
    }


def info(engine: Engine, key: str, p: Params) -> Any:
    spec = p["__key_spec"]
    perms = []
    if "read" in spec.permissions or "trade" in spec.permissions:
        perms += ["uta_mgt", "uta_trade"]
    if "withdraw" in spec.permissions:
        perms.append("withdraw")
    return {"userId": spec.uid, "inviterId": "", "parentId": "", "channelCode": "", "channel": "",
            "ips": ",".join(spec.ips), "permType": "read-and-write" if "trade" in spec.permissions else "read_only",
            "permissions": perms, "regisTime": "1610000000000"}


def _usd_price(engine: Engine, coin: str) -> Decimal:
    if coin in ("USDT", "USDC"):
        return Decimal(1)
    try:
        return engine.last_price("SPOT", f"{coin}USDT")
    except (EngineError, KeyError, LookupError):
        return Decimal(0)


def assets_view(engine: Engine, key: str) -> dict[str, Any]:
    """The one wallet: USDT is shared with the futures book (margin in use is not available)."""
    acc = engine.account(key)
    fb = engine.futures_book(key, engine.UNIFIED_PRODUCT)
    m = engine.futures_metrics(acc, fb)
    imr = m["margin_cross"] + m["margin_iso"]
    mm = sum((engine.keep_margin_rate(fb.product, pos.symbol, pos.size * pos.entry_price) * pos.size
              * engine.mark_price(fb.product, pos.symbol) for pos in fb.positions.values()), Decimal(0))
    rows, total = [], Decimal(0)
    for b in acc.spot.values():
        if b.coin == engine.UNIFIED_COIN:
            balance = fb.balance
            equity = balance + m["upl"]
            available = max(Decimal(0), m["raw_available"] - max(m["upl"], Decimal(0)))
        else:
            balance = b.available + b.frozen
            equity, available = balance, b.available
        if balance == 0 and b.locked == 0:
            continue
        usd = (equity * _usd_price(engine, b.coin)).quantize(Decimal("1e-8"))
        total += usd
        rows.append({"coin": b.coin, "equity": fmt(equity), "usdValue": fmt(usd), "balance": fmt(balance),
                     "available": fmt(available), "debt": "0", "locked": fmt(b.locked)})
    btc = _usd_price(engine, "BTC")
    ratio = (mm / total).quantize(Decimal("1e-8")) if total > 0 else Decimal(0)
    return {
        "accountEquity": fmt(total), "usdtEquity": fmt(total),
        "btcEquity": fmt((total / btc).quantize(Decimal("1e-8"))) if btc else "0",
        "unrealisedPnl": fmt(m["upl"]), "usdtUnrealisedPnl": fmt(m["upl"]), "btcUnrealizedPnl": "0",
        "effEquity": fmt(total), "mmr": fmt(mm.quantize(Decimal("1e-8"))), "imr": fmt(imr), "mgnRatio": fmt(ratio),
        "positionMgnRatio": "0", "assets": rows,
    }


def assets(engine: Engine, key: str, p: Params) -> Any:
    return assets_view(engine, key)


def set_leverage(engine: Engine, key: str, p: Params) -> Any:
    product = _category(p, futures=True) or ""
    symbol = _req(p, "symbol").upper()
    engine.set_leverage(key, product, symbol, _req(p, "leverage"), _s(p, "posSide"))
    return "success"


def set_hold_mode(engine: Engine, key: str, p: Params) -> Any:
    engine.set_hold_mode(key, _req(p, "holdMode"))
    return "success"


def place_order(engine: Engine, key: str, p: Params) -> Any:
    product = _category(p) or ""
    symbol = _req(p, "symbol").upper()
    side = _req(p, "side").lower()
    if side not in ("buy", "sell"):
        raise EngineError("40020", "Parameter side error")
    order_type = _req(p, "orderType")
    qty = _req(p, "qty")
    coid = _s(p, "clientOid")
    if coid is not None and not CLIENT_OID_RE.match(coid):
        raise EngineError("40305", "clientOid must be 1-32 characters of [.A-Za-z:/0-9_-]")
    tif = _s(p, "timeInForce")
    if product == "SPOT":
        o = engine.spot_place(key, symbol, side, order_type, qty, _s(p, "price"), tif, coid)
        return {"orderId": o.order_id, "clientOid": o.client_oid}
    fb = engine.futures_book(key, product)
    pos_side = (_s(p, "posSide") or "").lower() or None
    reduce_only = _yes(_s(p, "reduceOnly"))
    if fb.pos_mode == "hedge_mode":
        if pos_side not in ("long", "short"):
            raise EngineError("40774", "The order type for unilateral position must also be the unilateral "
                                       "position type.")
        if reduce_only:
            raise EngineError("25236", "reduceOnly is not supported in hedge mode")
        # v3 names the trade direction; the engine takes v2's hedge form (side = the position's direction)
        trade_side = "open" if (side == "buy") == (pos_side == "long") else "close"
        wire_side, ro = ("buy" if pos_side == "long" else "sell"), None
    else:
        if pos_side is not None and reduce_only:
            raise EngineError("25236", "posSide and reduceOnly cannot be combined")
        trade_side, wire_side, ro = None, side, ("YES" if reduce_only else None)
    o = engine.futures_place(key, product, symbol, wire_side, order_type, qty, _s(p, "price"), tif, coid,
                             trade_side, ro, _s(p, "marginMode"), None, _s(p, "takeProfit"), _s(p, "stopLoss"))
    return {"orderId": o.order_id, "clientOid": o.client_oid}


def cancel_order(engine: Engine, key: str, p: Params) -> Any:
    o = _order_or_404(engine, key, p)
    cat = _category(p, required=False)
    if (cat and o.product != cat) or not o.is_open:
        raise EngineError("25204", "Order does not exist")
    if o.product == "SPOT":
        engine.spot_cancel(key, None, o.order_id)
    else:
        engine.futures_cancel(key, o.product, None, o.order_id)
    return {"orderId": o.order_id, "clientOid": o.client_oid}


def _result_list(orders: list[Any]) -> dict[str, Any]:
    return {"list": [{"orderId": o.order_id, "clientOid": o.client_oid, "code": "00000", "msg": "success"}
                     for o in orders]}


def cancel_symbol_order(engine: Engine, key: str, p: Params) -> Any:
    product = _category(p) or ""
    symbol = (_s(p, "symbol") or "").upper() or None
    if product == "SPOT":
        if symbol is None:
            acc = engine.account(key)
            done = []
            for sym in sorted({o.symbol for o in acc.open_orders.values() if o.product == "SPOT"}):
                done += engine.spot_cancel_symbol(key, sym)
        else:
            done = engine.spot_cancel_symbol(key, symbol)
    else:
        done = engine.futures_cancel_all(key, product, symbol)
    return _result_list(done)


def close_positions(engine: Engine, key: str, p: Params) -> Any:
    product = _category(p, futures=True) or ""
    done = engine.close_positions(key, product, (_s(p, "symbol") or "").upper() or None, _s(p, "posSide"))
    return _result_list(done)


def _orders(engine: Engine, key: str, p: Params, *, open_only: bool, category_required: bool) -> Any:
    cat = _category(p, required=category_required)
    products = [cat] if cat else list(CATEGORIES)
    limit = _limit(p)
    found: list[Any] = []
    for product in products:
        found += engine.orders(key, product, open_only=open_only, symbol=(_s(p, "symbol") or "").upper() or None,
                               start=_int(p, "startTime"), end=_int(p, "endTime"), id_less_than=_s(p, "cursor"),
                               limit=limit, order_id=_s(p, "orderId"))
    found.sort(key=lambda o: int(o.order_id), reverse=True)
    found = found[:limit]
    return {"list": [v3.order(o) for o in found], "cursor": found[-1].order_id if found else ""}


def unfilled_orders(engine: Engine, key: str, p: Params) -> Any:
    return _orders(engine, key, p, open_only=True, category_required=False)


def history_orders(engine: Engine, key: str, p: Params) -> Any:
    return _orders(engine, key, p, open_only=False, category_required=True)


def order_info(engine: Engine, key: str, p: Params) -> Any:
    return v3.order(_order_or_404(engine, key, p))


def fills(engine: Engine, key: str, p: Params) -> Any:
    cat = _category(p, required=False)
    limit = _limit(p)
    found: list[Any] = []
    for product in [cat] if cat else list(CATEGORIES):
        found += engine.fills(key, product, symbol=(_s(p, "symbol") or "").upper() or None,
                              order_id=_s(p, "orderId"), start=_int(p, "startTime"), end=_int(p, "endTime"),
                              id_less_than=_s(p, "cursor"), limit=limit)
    found.sort(key=lambda f: int(f.trade_id), reverse=True)
    found = found[:limit]
    return {"list": [v3.fill(f) for f in found], "cursor": found[-1].trade_id if found else ""}


def position_rows(engine: Engine, key: str, product: str, *, ws: bool) -> list[dict[str, Any]]:
    acc = engine.account(key)
    fb = engine.futures_book(key, product)
    out = []
    for pos in fb.positions.values():
        if pos.size <= 0:
            continue
        mark = engine.mark_price(product, pos.symbol)
        out.append(v3.position(
            pos, product=product, margin_coin=fb.margin_coin, hold_mode=fb.pos_mode, mark=mark,
            upl=engine.unrealized(pos, mark), liq=engine.liquidation_price(acc, fb, pos),
            mmr=engine.keep_margin_rate(product, pos.symbol, pos.size * pos.entry_price), ws=ws))
    return out


def current_position(engine: Engine, key: str, p: Params) -> Any:
    product = _category(p, futures=True) or ""
    symbol = (_s(p, "symbol") or "").upper() or None
    pos_side = (_s(p, "posSide") or "").lower() or None
    rows = [r for r in position_rows(engine, key, product, ws=False)
            if (symbol is None or r["symbol"] == symbol) and (pos_side is None or r["posSide"] == pos_side)]
    return {"list": rows}


PRIVATE_ROUTES: list[tuple[str, str, Callable[[Engine, str, Params], Any]]] = [
    ("GET", "/api/v3/account/settings", settings),
    ("GET", "/api/v3/account/assets", assets),
    ("GET", "/api/v3/account/info", info),
    ("POST", "/api/v3/account/set-leverage", set_leverage),
    ("POST", "/api/v3/account/set-hold-mode", set_hold_mode),
    ("POST", "/api/v3/trade/place-order", place_order),
    ("POST", "/api/v3/trade/cancel-order", cancel_order),
    ("POST", "/api/v3/trade/cancel-symbol-order", cancel_symbol_order),
    ("POST", "/api/v3/trade/close-positions", close_positions),
    ("GET", "/api/v3/trade/unfilled-orders", unfilled_orders),
    ("GET", "/api/v3/trade/history-orders", history_orders),
    ("GET", "/api/v3/trade/order-info", order_info),
    ("GET", "/api/v3/trade/fills", fills),
    ("GET", "/api/v3/position/current-position", current_position),
]


def _make_handler(engine: Engine, auth: Auth, now: Callable[[], int], method: str,
                  fn: Callable[[Engine, str, Params], Any]) -> Callable[[web.Request], Awaitable[web.Response]]:
    permission = "trade" if method == "POST" else "read"

    async def handler(request: web.Request) -> web.Response:
        spec: ApiKeySpec = await auth.authenticate(request, family=None)
        if spec.account_family != "uta":
            raise ApiError("40084", CLASSIC_KEY_MSG)
        if permission not in spec.permissions:
            raise ApiError("40014", "Incorrect permissions")
        params = await request_params(request)
        params["__key_spec"] = spec
        try:
            data = fn(engine, spec.api_key, params)
        except EngineError as err:
            code, msg = V3_CODES.get(err.code, (err.code, err.msg))
            raise ApiError(code, msg, err.http_status) from None
        return ok(data, now())

    handler.__name__ = f"v3_{fn.__name__}"
    return handler


def register_uta_routes(router: web.UrlDispatcher, market: MarketData, engine: Engine | None, auth: Auth,
                        now: Callable[[], int]) -> None:
    """Add the v3 routes: public market data always; account and trading when there is an engine."""
    pub = UtaPublic(market, now)
    for path, h in zip(UTA_PUBLIC_PATHS, (pub.time, pub.instruments, pub.tickers, pub.orderbook, pub.candles,
                                          pub.history_candles), strict=True):
        router.add_get(path, h)
    if engine is None:
        async def classic_probe(request: web.Request) -> web.Response:
            spec = await auth.authenticate(request, family=None)
            if spec.account_family != "uta":
                raise ApiError("40084", CLASSIC_KEY_MSG)
            return ok({"accountMode": "unified", "holdMode": "one_way_mode", "stpMode": "none"}, now())

        router.add_get("/api/v3/account/settings", classic_probe)
        return
    for method, path, fn in PRIVATE_ROUTES:
        router.add_route(method, path, _make_handler(engine, auth, now, method, fn))
