"""Public REST endpoints of the simulator (market data, instruments, time), shaped like Bitget's v2 answers."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import numpy as np
from aiohttp import web

from bitget_desktop.simulator import instruments as ins
from bitget_desktop.simulator.history import Timeframe, parse_granularity
from bitget_desktop.simulator.instruments import InstrumentSpec
from bitget_desktop.simulator.market import MarketData
from bitget_desktop.simulator.wire import ApiError, ok, ticks_str

__all__ = ["register_public_routes", "PUBLIC_PATHS"]

PUBLIC_PATHS: list[str] = []


def _param(request: web.Request, name: str, required: bool = False) -> str | None:
    v = request.query.get(name)
    if v is not None:
        v = v.strip()
    if required and not v:
        raise ApiError("40019", f"Parameter {name} cannot be empty")
    return v or None


def _int_param(request: web.Request, name: str, default: int | None = None, *, maximum: int | None = None,
               clamp: bool = False, minimum: int = 1) -> int | None:
    raw = _param(request, name)
    if raw is None:
        return default
    try:
        v = int(raw)
    except ValueError:
        raise ApiError("40020", f"Parameter {name} error") from None
    if v < minimum:
        raise ApiError("40020", f"Parameter {name} error")
    if maximum is not None and v > maximum:
        if clamp:
            return maximum
        raise ApiError("40017", f"Parameter verification failed: {name} must not exceed {maximum}")
    return v


def _ms_param(request: web.Request, name: str, required: bool = False) -> int | None:
    raw = _param(request, name, required)
    if raw is None:
        return None
    if not raw.isdigit():
        raise ApiError("40020", f"Parameter {name} error")
    return int(raw)


def _product(request: web.Request, required: bool = True) -> str:
    raw = _param(request, "productType", required)
    p = ins.normalize_product(raw)
    if p is None or p == ins.SPOT:
        raise ApiError("40020", "Parameter productType error")
    return p


class PublicApi:
    """Handlers for the public v2 endpoints over one MarketData."""

    def __init__(self, market: MarketData, now: Callable[[], int]) -> None:
        self.market = market
        self.now = now

    # -- lookups ----------------------------------------------------------------------------------------------------
    def _spot(self, request: web.Request) -> InstrumentSpec:
        symbol = _param(request, "symbol", True)
        assert symbol is not None
        s = self.market.instrument_spec("SPOT", symbol)
        if s is None:
            raise ApiError("40034", f"Parameter {symbol} does not exist")
        return s

    def _contract(self, request: web.Request) -> InstrumentSpec:
        symbol = _param(request, "symbol", True)
        product = _product(request)
        assert symbol is not None
        s = self.market.instrument_spec(product, symbol)
        if s is None:
            raise ApiError("40102", "Contract configuration does not exist, please check the parameters")
        return s

    def _ok(self, data: Any) -> web.Response:
        return ok(data, self.now())

    # -- common -----------------------------------------------------------------------------------------------------
    async def time(self, request: web.Request) -> web.Response:
        t = self.now()
        return ok({"serverTime": str(t)}, t)

    async def margin_currencies(self, request: web.Request) -> web.Response:
        return self._ok([])

    # -- spot -------------------------------------------------------------------------------------------------------
    async def spot_symbols(self, request: web.Request) -> web.Response:
        symbol = _param(request, "symbol")
        rows = [s.spot_symbol_row() for s in self.market.specs if s.product_type == ins.SPOT
                and (symbol is None or s.symbol == symbol.upper())]
        if symbol and not rows:
            raise ApiError("40034", f"Parameter {symbol} does not exist")
        return self._ok(rows)

    async def spot_coins(self, request: web.Request) -> web.Response:
        coin = _param(request, "coin")
        rows = ins.coin_rows(coin)
        if coin and not rows:
            raise ApiError("40034", f"Parameter {coin} does not exist")
        return self._ok(rows)

    def _spot_ticker(self, s: InstrumentSpec) -> dict[str, str]:
        t = self.market.ticker(s.product_type, s.symbol)
        return {
            "open": t["open24h"], "symbol": s.symbol, "high24h": t["high24h"], "low24h": t["low24h"],
            "lastPr": t["lastPr"], "quoteVolume": t["quoteVolume"], "baseVolume": t["baseVolume"],
            "usdtVolume": t["quoteVolume"], "ts": t["ts"], "bidPr": t["bidPr"], "askPr": t["askPr"],
            "bidSz": t["bidSz"], "askSz": t["askSz"], "openUtc": t["openUtc"], "changeUtc24h": t["changeUtc24h"],
            "change24h": t["change24h"],
        }

    async def spot_tickers(self, request: web.Request) -> web.Response:
        if _param(request, "symbol"):
            return self._ok([self._spot_ticker(self._spot(request))])
        return self._ok([self._spot_ticker(s) for s in self.market.specs if s.product_type == ins.SPOT])

    async def spot_orderbook(self, request: web.Request) -> web.Response:
        s = self._spot(request)
        step = _param(request, "type") or "step0"
        if step not in ("step0", "step1", "step2", "step3", "step4", "step5"):
            raise ApiError("40020", "Parameter type error")
        limit = _int_param(request, "limit", 150, maximum=150, clamp=True)
        bids, asks, _ = self.market.book_strings(s.product_type, s.symbol, limit)
        return self._ok({"asks": asks, "bids": bids, "ts": str(self.market.now)})

    def _merge_depth(self, request: web.Request, s: InstrumentSpec, numbers: bool) -> dict[str, Any]:
        precision = _param(request, "precision") or "scale0"
        if precision not in ("scale0", "scale1", "scale2", "scale3"):
            raise ApiError("40020", "Parameter precision error")
        raw_limit = _param(request, "limit") or "100"
        if raw_limit == "max":
            limit = 150
        else:
            if not raw_limit.isdigit() or int(raw_limit) < 1:
                raise ApiError("40020", "Parameter limit error")
            limit = min(int(raw_limit), 150)
        scale_n = int(precision[-1])
        bids: list[list[str]] | list[list[float]]
        asks: list[list[str]] | list[list[float]]
        bids, asks, _ = self.market.book_strings(s.product_type, s.symbol, 150 if scale_n else limit)
        if scale_n:
            bids = _merge(bids, s.price_places - scale_n, descending=True)[:limit]
            asks = _merge(asks, s.price_places - scale_n, descending=False)[:limit]
        if numbers:
            bids = [[float(p), float(q)] for p, q in bids]
            asks = [[float(p), float(q)] for p, q in asks]
        scale = ticks_str(1, max(0, s.price_places - scale_n)) if s.price_places - scale_n >= 0 else \
            str(10 ** (scale_n - s.price_places))
        return {"asks": asks, "bids": bids, "ts": str(self.market.now), "scale": scale, "precision": precision,
                "isMaxPrecision": "YES" if scale_n == 0 else "NO"}

    async def spot_merge_depth(self, request: web.Request) -> web.Response:
        return self._ok(self._merge_depth(request, self._spot(request), numbers=False))

    def _candles(self, request: web.Request, s: InstrumentSpec, *, history: bool, kind: str = "market") -> web.Response:
        gran = _param(request, "granularity", True)
        tf = parse_granularity(gran)
        if tf is None:
            raise ApiError("40020", "Parameter granularity error")
        start = _ms_param(request, "startTime")
        end = _ms_param(request, "endTime", required=history and s.product_type == ins.SPOT)
        limit = _int_param(request, "limit", 100, maximum=200 if history else 1000)
        assert limit is not None
        if not s.is_futures:
            kind = "market"
        else:
            klt = (_param(request, "kLineType") or "").upper()
            if klt:
                if klt not in ("MARKET", "MARK", "INDEX") or history:
                    raise ApiError("40020", "Parameter kLineType error")
                kind = klt.lower()
            if history and start is not None and end is not None and end - start > 90 * 86_400_000:
                raise ApiError("00001", "startTime and endTime interval cannot be greater than 90 days")
        if start is not None and end is not None and start >= end:
            return self._ok([])
        rows = self.market.candles(s.product_type, s.symbol, tf, start, end, limit, kind)
        return self._ok(_candle_rows(rows, s, spot=not s.is_futures))

    async def spot_candles(self, request: web.Request) -> web.Response:
        return self._candles(request, self._spot(request), history=False)

    async def spot_history_candles(self, request: web.Request) -> web.Response:
        return self._candles(request, self._spot(request), history=True)

    def _trades(self, request: web.Request, s: InstrumentSpec, *, history: bool, max_limit: int,
                default: int) -> list[dict[str, str]]:
        limit = _int_param(request, "limit", default, maximum=max_limit, clamp=True)
        assert limit is not None
        before = _param(request, "idLessThan") if history else None
        if before is not None and not before.isdigit():
            raise ApiError("40020", "Parameter idLessThan error")
        start = _ms_param(request, "startTime") if history else None
        end = _ms_param(request, "endTime") if history else None
        trades = self.market.recent_trades(s.product_type, s.symbol, limit, before_id=before, start=start, end=end)
        spot_hist = history and not s.is_futures
        pp, sp = s.price_places, s.size_places
        return [{"symbol": s.symbol, "tradeId": t.trade_id,
                 "side": t.side.capitalize() if spot_hist else t.side,
                 "price": ticks_str(t.price, pp), "size": ticks_str(t.size, sp), "ts": str(t.ts)} for t in trades]

    async def spot_fills(self, request: web.Request) -> web.Response:
        return self._ok(self._trades(request, self._spot(request), history=False, max_limit=500, default=100))

    async def spot_fills_history(self, request: web.Request) -> web.Response:
        return self._ok(self._trades(request, self._spot(request), history=True, max_limit=1000, default=500))

    # -- mix --------------------------------------------------------------------------------------------------------
    async def mix_contracts(self, request: web.Request) -> web.Response:
        product = _product(request)
        symbol = _param(request, "symbol")
        rows = [s.contract_row() for s in self.market.specs if s.product_type == product
                and (symbol is None or s.symbol == symbol.upper())]
        if symbol and not rows:
            raise ApiError("40102", "Contract configuration does not exist, please check the parameters")
        return self._ok(rows)

    def _mix_ticker(self, s: InstrumentSpec) -> dict[str, str]:
        t = self.market.ticker(s.product_type, s.symbol)
        return {
            "symbol": s.symbol, "lastPr": t["lastPr"], "askPr": t["askPr"], "bidPr": t["bidPr"], "bidSz": t["bidSz"],
            "askSz": t["askSz"], "high24h": t["high24h"], "low24h": t["low24h"], "ts": t["ts"],
            "change24h": t["change24h"], "baseVolume": t["baseVolume"], "quoteVolume": t["quoteVolume"],
            "usdtVolume": t["quoteVolume"], "openUtc": t["openUtc"], "changeUtc24h": t["changeUtc24h"],
            "indexPrice": t["indexPrice"], "fundingRate": t["fundingRate"], "holdingAmount": t["holdingAmount"],
            "deliveryStartTime": "", "deliveryTime": "", "deliveryStatus": "", "open24h": t["open24h"],
            "markPrice": t["markPrice"],
        }

    async def mix_ticker(self, request: web.Request) -> web.Response:
        return self._ok([self._mix_ticker(self._contract(request))])

    async def mix_tickers(self, request: web.Request) -> web.Response:
        product = _product(request)
        return self._ok([self._mix_ticker(s) for s in self.market.specs if s.product_type == product])

    async def mix_merge_depth(self, request: web.Request) -> web.Response:
        return self._ok(self._merge_depth(request, self._contract(request), numbers=True))

    async def mix_candles(self, request: web.Request) -> web.Response:
        return self._candles(request, self._contract(request), history=False)

    async def mix_history_candles(self, request: web.Request) -> web.Response:
        return self._candles(request, self._contract(request), history=True)

    async def mix_history_mark_candles(self, request: web.Request) -> web.Response:
        return self._candles(request, self._contract(request), history=True, kind="mark")

    async def mix_history_index_candles(self, request: web.Request) -> web.Response:
        return self._candles(request, self._contract(request), history=True, kind="index")

    async def mix_fills(self, request: web.Request) -> web.Response:
        return self._ok(self._trades(request, self._contract(request), history=False, max_limit=100, default=100))

    async def mix_fills_history(self, request: web.Request) -> web.Response:
        return self._ok(self._trades(request, self._contract(request), history=True, max_limit=1000, default=500))

    async def mix_current_fund_rate(self, request: web.Request) -> web.Response:
        s = self._contract(request)
        now = self.now()
        return self._ok([{
            "symbol": s.symbol, "fundingRate": _plain(self.market.funding_rate(s.symbol, now)),
            "fundingRateInterval": "8", "nextUpdate": str(self.market.next_funding_time(now)),
            "minFundingRate": "-0.003", "maxFundingRate": "0.003",
        }])

    async def mix_funding_time(self, request: web.Request) -> web.Response:
        s = self._contract(request)
        return self._ok([{"symbol": s.symbol, "nextFundingTime": str(self.market.next_funding_time(self.now())),
                          "ratePeriod": "8"}])

    async def mix_history_fund_rate(self, request: web.Request) -> web.Response:
        s = self._contract(request)
        page_size = _int_param(request, "pageSize", 20, maximum=100, clamp=True)
        page_no = _int_param(request, "pageNo", 1)
        assert page_size is not None and page_no is not None
        rows = self.market.funding_history(s.symbol, page_size, (page_no - 1) * page_size, self.now())
        return self._ok([{"symbol": s.symbol, "fundingRate": _plain(r), "fundingTime": str(t)} for t, r in rows])

    async def mix_symbol_price(self, request: web.Request) -> web.Response:
        s = self._contract(request)
        m = self.market
        return self._ok([{"symbol": s.symbol, "price": _plain(m.last_price(s.product_type, s.symbol)),
                          "indexPrice": _plain(m.index_price(s.product_type, s.symbol)),
                          "markPrice": _plain(m.mark_price(s.product_type, s.symbol)), "ts": str(m.now)}])

    async def mix_open_interest(self, request: web.Request) -> web.Response:
        s = self._contract(request)
        return self._ok({"openInterestList": [{"symbol": s.symbol, "size": _plain(
            self.market.open_interest(s.product_type, s.symbol))}], "ts": str(self.market.now)})

    async def mix_position_lever(self, request: web.Request) -> web.Response:
        return self._ok(ins.leverage_tiers(self._contract(request)))


def _plain(d: Decimal) -> str:
    t = format(d, "f")
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    return t or "0"


def _merge(levels: list[list[str]], places: int, *, descending: bool) -> list[list[str]]:
    """Aggregate levels to a coarser price step (10^-places), bids rounded down, asks up."""
    out: dict[Decimal, Decimal] = {}
    q = Decimal(1).scaleb(-places)
    for p, s in levels:
        d = Decimal(p)
        key = (d / q).to_integral_value(rounding="ROUND_FLOOR" if descending else "ROUND_CEILING") * q
        out[key] = out.get(key, Decimal(0)) + Decimal(s)
    keys = sorted(out, reverse=descending)
    return [[_plain(k), _plain(out[k])] for k in keys]


def _candle_rows(rows: np.ndarray, s: InstrumentSpec, *, spot: bool) -> list[list[str]]:
    pp, sp = s.price_places, s.size_places
    out = []
    for r in rows:
        qv = _fmt(float(r[6]), 8 if spot else 5)
        row = [str(int(r[0])), ticks_str(int(r[1]), pp), ticks_str(int(r[2]), pp), ticks_str(int(r[3]), pp),
               ticks_str(int(r[4]), pp), ticks_str(int(r[5]), sp), qv]
        if spot:
            row.append(qv)
        out.append(row)
    return out


def _fmt(x: float, places: int) -> str:
    t = f"{x:.{places}f}"
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    return t if t not in ("", "-0") else "0"


def register_public_routes(router: web.UrlDispatcher, market: MarketData, now: Callable[[], int]) -> PublicApi:
    api = PublicApi(market, now)
    routes = {
        "/api/v2/public/time": api.time,
        "/api/v2/margin/currencies": api.margin_currencies,
        "/api/v2/spot/public/symbols": api.spot_symbols,
        "/api/v2/spot/public/coins": api.spot_coins,
        "/api/v2/spot/market/tickers": api.spot_tickers,
        "/api/v2/spot/market/orderbook": api.spot_orderbook,
        "/api/v2/spot/market/merge-depth": api.spot_merge_depth,
        "/api/v2/spot/market/candles": api.spot_candles,
        "/api/v2/spot/market/history-candles": api.spot_history_candles,
        "/api/v2/spot/market/fills": api.spot_fills,
        "/api/v2/spot/market/fills-history": api.spot_fills_history,
        "/api/v2/mix/market/contracts": api.mix_contracts,
        "/api/v2/mix/market/ticker": api.mix_ticker,
        "/api/v2/mix/market/tickers": api.mix_tickers,
        "/api/v2/mix/market/merge-depth": api.mix_merge_depth,
        "/api/v2/mix/market/candles": api.mix_candles,
        "/api/v2/mix/market/history-candles": api.mix_history_candles,
        "/api/v2/mix/market/history-mark-candles": api.mix_history_mark_candles,
        "/api/v2/mix/market/history-index-candles": api.mix_history_index_candles,
        "/api/v2/mix/market/fills": api.mix_fills,
        "/api/v2/mix/market/fills-history": api.mix_fills_history,
        "/api/v2/mix/market/current-fund-rate": api.mix_current_fund_rate,
        "/api/v2/mix/market/funding-time": api.mix_funding_time,
        "/api/v2/mix/market/history-fund-rate": api.mix_history_fund_rate,
        "/api/v2/mix/market/symbol-price": api.mix_symbol_price,
        "/api/v2/mix/market/open-interest": api.mix_open_interest,
        "/api/v2/mix/market/query-position-lever": api.mix_position_lever,
    }
    for path, handler in routes.items():
        router.add_get(path, handler)
        if path not in PUBLIC_PATHS:
            PUBLIC_PATHS.append(path)
    return api


# Timeframe is re-exported for tests that want to aggregate by hand.
__all__ += ["Timeframe"]
