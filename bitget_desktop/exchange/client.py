"""BitgetClient: typed async methods over the REST transport, the websocket streams and the v2 codec."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from bitget_desktop.domain.book import BookDataError, OrderBook
from bitget_desktop.domain.errors import (
    BitgetError,
    ClassicAccountError,
    ExchangeUnavailable,
    MalformedResponse,
    NetworkError,
    OrderNotFound,
    UncertainOrderState,
)
from bitget_desktop.domain.market import Candle, FundingRate, Instrument, ProductType, Ticker, Timeframe
from bitget_desktop.domain.trading import (
    Balance,
    Fill,
    FuturesAccount,
    HoldSide,
    MarginMode,
    Order,
    OrderRequest,
    Position,
    PositionMode,
)
from bitget_desktop.exchange.backoff import backoff
from bitget_desktop.exchange.classic import codec, paths as v2
from bitget_desktop.exchange.clock import ServerClock
from bitget_desktop.exchange.environments import Environment
from bitget_desktop.exchange.models import (
    AccountFamily,
    BatchFailure,
    BatchResult,
    KeyPermissions,
    LeverageInfo,
    OrderAck,
    TpslPlan,
    UnifiedAccountSettings,
    UnifiedAssets,
)
from bitget_desktop.exchange.ratelimit import RateLimiter
from bitget_desktop.exchange.rest import RestClient
from bitget_desktop.exchange.signing import Credentials
from bitget_desktop.exchange.stream import BitgetStream
from bitget_desktop.exchange.uta import codec as v3codec, paths as v3
from bitget_desktop.exchange.uta.api import UtaApi

__all__ = ["BitgetClient", "DEFAULT_FUTURES_SYMBOL"]

log = logging.getLogger(__name__)

# A symbol per product type for reading the per-productType position mode (v2 only reports it per symbol).
DEFAULT_FUTURES_SYMBOL: dict[ProductType, tuple[str, str]] = {
    ProductType.USDT_FUTURES: ("BTCUSDT", "USDT"),
    ProductType.USDC_FUTURES: ("BTCPERP", "USDC"),
    ProductType.COIN_FUTURES: ("BTCUSD", "BTC"),
    ProductType.SUSDT_FUTURES: ("SBTCSUSDT", "SUSDT"),
    ProductType.SUSDC_FUTURES: ("SBTCSPERP", "SUSDC"),
    ProductType.SCOIN_FUTURES: ("SBTCSUSD", "SBTC"),
}

# A place-order that ends so may or may not have reached the book: anything but a clean success with an order id
# or a clean Bitget refusal.
_UNCERTAIN = (NetworkError, ExchangeUnavailable, MalformedResponse)
_ABSENT = object()


def _book(symbol: str, product_type: ProductType, bids: Any, asks: Any, ts: int) -> OrderBook:
    """A REST snapshot as an OrderBook; malformed levels are a MalformedResponse like any other bad answer."""
    book = OrderBook(symbol, product_type)
    try:
        book.apply_snapshot(bids, asks, ts=ts)
    except BookDataError as exc:
        raise MalformedResponse("", f"order book of {symbol}: {exc}") from None
    return book


def _placed(data: Any, req: OrderRequest) -> OrderAck:
    """The ack of a successful place-order, which must name the order (and, if it says, our clientOid)."""
    oid = data.get("orderId") if isinstance(data, dict) else None
    if isinstance(oid, int) and not isinstance(oid, bool) and oid > 0:
        oid = str(oid)
    if not isinstance(oid, str) or not oid.strip():
        raise MalformedResponse("", f"place-order answered success without an orderId ({type(data).__name__})")
    echoed = data.get("clientOid")
    if echoed and str(echoed) != req.client_oid:
        raise MalformedResponse("", f"place-order answered for another clientOid {echoed!r:.40}")
    symbol = data.get("symbol")
    return OrderAck(oid.strip(), req.client_oid, symbol if isinstance(symbol, str) else None)


# Looks an order up by its clientOid: the order, or None when the exchange says there is none.
OrderLookup = Callable[[], Awaitable[Order | None]]


def _same_order(lookup: OrderLookup, client_oid: str) -> OrderLookup:
    """The lookup, trusted only when the order it finds carries our clientOid (anything else is no answer)."""

    async def checked() -> Order | None:
        order = await lookup()
        if order is not None and order.client_oid != client_oid:
            raise MalformedResponse("", f"lookup of {client_oid} answered with order {order.order_id}")
        return order

    return checked


def _pt(product_type: ProductType | str) -> ProductType:
    return ProductType.parse(product_type)


def _futures(product_type: ProductType | str) -> ProductType:
    pt = _pt(product_type)
    if not pt.is_futures:
        raise ValueError(f"{pt} is not a futures product type")
    return pt


class BitgetClient:
    """Async Bitget client: classic accounts speak API v2, unified accounts (UTA) API v3, behind one facade.

    The family is probed with `detect_account_family()` or given as `family=`; until then v2 is used.

    `async with BitgetClient(env, creds) as client:` closes the HTTP session and both websockets on exit.
    `clock` is the local wall clock (seconds, like time.time); the server offset is measured and applied.
    """

    def __init__(
        self,
        environment: Environment,
        credentials: Credentials | None = None,
        *,
        clock: Callable[[], float] = time.time,
        timeout: float = 10.0,
        get_retries: int = 4,
        retry_initial_delay: float = 0.2,
        rate_limits: dict[str, float] | None = None,
        resolve_attempts: int = 4,
        resolve_initial_delay: float = 0.25,
        resolve_settle: float | None = None,
        ws_ping_interval: float = 30.0,
        ws_silence_timeout: float = 45.0,
        ws_reconnect_initial: float = 0.5,
        rng: random.Random | None = None,
        family: AccountFamily | str | None = None,
    ) -> None:
        self.environment = environment
        self._credentials = credentials
        self.clock = ServerClock(clock)
        self._rng = rng or random.Random()
        self.rest = RestClient(
            environment,
            credentials,
            clock=self.clock,
            limiter=RateLimiter(rate_limits),
            timeout=timeout,
            get_retries=get_retries,
            retry_initial_delay=retry_initial_delay,
            rng=self._rng,
        )
        self.stream = BitgetStream(
            environment,
            credentials,
            clock=self.clock,
            resync_clock=self.rest.sync_clock,
            ping_interval=ws_ping_interval,
            silence_timeout=ws_silence_timeout,
            reconnect_initial=ws_reconnect_initial,
            rng=self._rng,
        )
        self._resolve_attempts = resolve_attempts
        self._resolve_initial = resolve_initial_delay
        # After a request got no answer it may still be in flight: absence only counts once this long has passed.
        self._resolve_settle = timeout if resolve_settle is None else resolve_settle
        # None until detect_account_family() (or given): None and CLASSIC speak v2, UNIFIED speaks v3.
        self.family: AccountFamily | None = AccountFamily(family) if family is not None else None
        self.stream.unified = self.unified
        self._v3 = UtaApi(self.rest)

    def __repr__(self) -> str:
        key = self._credentials.key_hint if self._credentials else None
        return f"BitgetClient({self.environment.name!r}, key={key!r})"

    async def __aenter__(self) -> BitgetClient:
        await self.rest.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self.stream.close()
        await self.rest.close()

    # -- clock ---------------------------------------------------------------------------------------------------
    async def server_time(self) -> int:
        return codec.parse_server_time(await self.rest.get(v2.SERVER_TIME))

    async def sync_clock(self) -> int:
        """Measure and apply the server clock offset (ms); private calls do this on their own when needed."""
        return await self.rest.sync_clock()

    # -- public market data --------------------------------------------------------------------------------------
    async def spot_instruments(self, symbol: str | None = None) -> list[Instrument]:
        if self.unified:
            return await self._v3.instruments(ProductType.SPOT, symbol)
        return codec.parse_spot_symbols(await self.rest.get(v2.SPOT_SYMBOLS, {"symbol": symbol}))

    async def futures_instruments(self, product_type: ProductType | str, symbol: str | None = None) -> list[Instrument]:
        if self.unified:
            return await self._v3.instruments(_futures(product_type), symbol)
        pt = _futures(product_type)
        data = await self.rest.get(v2.MIX_CONTRACTS, {"productType": pt.value, "symbol": symbol})
        return codec.parse_contracts(data, pt)

    async def instruments(self, product_type: ProductType | str) -> list[Instrument]:
        pt = _pt(product_type)
        return await (self.futures_instruments(pt) if pt.is_futures else self.spot_instruments())

    async def ticker(self, product_type: ProductType | str, symbol: str) -> Ticker:
        pt = _pt(product_type)
        if self.unified:
            found = await self._v3.tickers(pt, symbol)
        elif pt.is_futures:
            found = codec.parse_tickers(await self.rest.get(v2.MIX_TICKER, {"symbol": symbol,
                                                                            "productType": pt.value}), pt)
        else:
            found = codec.parse_tickers(await self.rest.get(v2.SPOT_TICKERS, {"symbol": symbol}), pt)
        # Only the asked symbol's ticker will do: an answer listing others (or none) is not one.
        mine = [t for t in found if t.symbol.upper() == symbol.upper()]
        if not mine:
            raise BitgetError("", f"no ticker for {symbol}", "Unknown symbol.")
        return mine[0]

    async def tickers(self, product_type: ProductType | str) -> list[Ticker]:
        if self.unified:
            return await self._v3.tickers(_pt(product_type))
        pt = _pt(product_type)
        if pt.is_futures:
            return codec.parse_tickers(await self.rest.get(v2.MIX_TICKERS, {"productType": pt.value}), pt)
        return codec.parse_tickers(await self.rest.get(v2.SPOT_TICKERS), pt)

    async def order_book(self, product_type: ProductType | str, symbol: str, limit: int = 100) -> OrderBook:
        """A REST snapshot as a domain OrderBook (spot `orderbook`, futures `merge-depth`)."""
        if self.unified:
            bids, asks, ts = await self._v3.order_book(_pt(product_type), symbol, limit)
            return _book(symbol, _pt(product_type), bids, asks, ts)
        pt = _pt(product_type)
        if pt.is_futures:
            lim = "max" if limit > 50 else str(min(x for x in (1, 5, 15, 50) if x >= limit))
            data = await self.rest.get(v2.MIX_DEPTH, {"symbol": symbol, "productType": pt.value, "limit": lim})
        else:
            data = await self.rest.get(v2.SPOT_ORDERBOOK, {"symbol": symbol, "type": "step0", "limit": limit})
        bids, asks, ts = codec.parse_depth(data)
        return _book(symbol, pt, bids, asks, ts)

    async def candles(
        self,
        product_type: ProductType | str,
        symbol: str,
        timeframe: Timeframe | str,
        *,
        start: int | None = None,
        end: int | None = None,
        limit: int = 200,
    ) -> list[Candle]:
        """Recent candles, oldest first (limit up to 1000)."""
        return await self._candles(product_type, symbol, timeframe, False, start, end, limit)

    async def history_candles(
        self, product_type: ProductType | str, symbol: str, timeframe: Timeframe | str, *, end: int, limit: int = 200
    ) -> list[Candle]:
        """Older candles ending before `end` (ms), oldest first (limit up to 200)."""
        return await self._candles(product_type, symbol, timeframe, True, None, end, limit)

    async def _candles(self, product_type: ProductType | str, symbol: str, timeframe: Timeframe | str,
                       history: bool, start: int | None, end: int | None, limit: int) -> list[Candle]:
        pt, tf = _pt(product_type), Timeframe.parse(timeframe)
        if self.unified and v3codec.interval(timeframe) is not None:
            return await self._v3.candles(pt, symbol, tf, history=history, start=start, end=end, limit=limit)
        params = {"symbol": symbol, "productType": pt.value if pt.is_futures else None,
                  "granularity": tf.granularity(pt), "startTime": start, "endTime": end, "limit": limit}
        if history:
            path = v2.MIX_HISTORY_CANDLES if pt.is_futures else v2.SPOT_HISTORY_CANDLES
        else:
            path = v2.MIX_CANDLES if pt.is_futures else v2.SPOT_CANDLES
        return codec.parse_candles(await self.rest.get(path, params))

    async def iter_candles_back(
        self,
        product_type: ProductType | str,
        symbol: str,
        timeframe: Timeframe | str,
        *,
        end: int | None = None,
        page_limit: int = 200,
        max_pages: int | None = None,
    ) -> AsyncIterator[list[Candle]]:
        """Pages of history (each oldest first), newest page first, until the server returns an empty page."""
        cursor = end if end is not None else self.clock.now_ms()
        pages = 0
        while max_pages is None or pages < max_pages:
            page = [c for c in await self.history_candles(product_type, symbol, timeframe, end=cursor,
                                                          limit=page_limit) if c.ts < cursor]
            if not page:
                return
            pages += 1
            yield page
            cursor = page[0].ts

    async def funding_rate(self, product_type: ProductType | str, symbol: str) -> FundingRate:
        pt = _futures(product_type)
        data = await self.rest.get(v2.MIX_FUNDING_RATE, {"symbol": symbol, "productType": pt.value})
        return codec.parse_funding_rate(data)

    # -- account family and key ----------------------------------------------------------------------------------
    async def detect_account_family(self) -> AccountFamily:
        """Probe GET /api/v3/account/settings: success -> unified; 40084/25245 -> classic; anything else raises."""
        try:
            await self.rest.get(v3.ACCOUNT_SETTINGS, private=True)
        except ClassicAccountError:
            self.family = AccountFamily.CLASSIC
        else:
            self.family = AccountFamily.UNIFIED
        self.stream.unified = self.unified  # private channels opened from now on use the matching socket
        return self.family

    async def key_permissions(self) -> KeyPermissions:
        """What the key may do (for the wizard's withdrawal warning); v2 or v3 depending on the family."""
        family = self.family or await self.detect_account_family()
        if family is AccountFamily.UNIFIED:
            return v3codec.parse_key_permissions(await self.rest.get(v3.ACCOUNT_INFO, private=True))
        return codec.parse_key_permissions(await self.rest.get(v2.SPOT_ACCOUNT_INFO, private=True))

    async def unified_settings(self) -> UnifiedAccountSettings:
        return await self._v3.settings()

    async def unified_assets(self) -> UnifiedAssets:
        return await self._v3.assets()

    @property
    def unified(self) -> bool:
        """True once the key is known to be a unified account: the facade then speaks v3."""
        return self.family is AccountFamily.UNIFIED

    # -- spot trading --------------------------------------------------------------------------------------------
    async def spot_balances(self, coin: str | None = None) -> list[Balance]:
        if self.unified:
            return await self._v3.balances(coin)
        return codec.parse_balances(await self.rest.get(v2.SPOT_ASSETS, {"coin": coin}, private=True))

    async def place_spot_order(self, req: OrderRequest) -> OrderAck:
        if self.unified and not req.product_type.is_futures:
            return await self._place_v3(req)
        if req.product_type.is_futures:
            raise ValueError("use place_futures_order for futures")
        body = codec.encode_spot_order(req)
        return await self._place(v2.SPOT_PLACE_ORDER, body, req, lambda: self._find_spot(req.client_oid))

    async def cancel_spot_order(self, symbol: str, *, order_id: str | None = None,
                                client_oid: str | None = None) -> OrderAck:
        _one_id(order_id, client_oid)
        if self.unified:
            return await self._v3.cancel(ProductType.SPOT, symbol, order_id=order_id, client_oid=client_oid)
        data = await self.rest.post(v2.SPOT_CANCEL_ORDER, {"symbol": symbol, "orderId": order_id,
                                                           "clientOid": None if order_id else client_oid})
        return codec.parse_ack(data)

    async def place_spot_orders(self, reqs: Sequence[OrderRequest]) -> BatchResult:
        """Batch place (no automatic recovery: check `failed` and open orders if this raises a NetworkError)."""
        if self.unified:
            return await self._place_each_v3(reqs)
        if not reqs:
            return BatchResult()
        return codec.parse_batch(await self.rest.post(v2.SPOT_BATCH_ORDERS, codec.encode_batch_spot_orders(reqs)))

    async def cancel_spot_orders(self, symbol: str, *, order_ids: Sequence[str] = (),
                                 client_oids: Sequence[str] = ()) -> BatchResult:
        if self.unified:
            return await self._cancel_each_v3(ProductType.SPOT, symbol, order_ids, client_oids)
        items = [{"orderId": o} for o in order_ids] + [{"clientOid": c} for c in client_oids]
        if not items:
            return BatchResult()
        return codec.parse_batch(await self.rest.post(v2.SPOT_BATCH_CANCEL, {"symbol": symbol, "orderList": items}))

    async def cancel_all_spot_orders(self, symbol: str) -> None:
        """Cancel every open order of `symbol` (Bitget cancels asynchronously)."""
        if self.unified:
            await self._v3.cancel_all(ProductType.SPOT, symbol)
            return
        await self.rest.post(v2.SPOT_CANCEL_SYMBOL, {"symbol": symbol})

    async def spot_open_orders(self, symbol: str | None = None, *, limit: int = 100) -> list[Order]:
        if self.unified:
            return await self._v3.open_orders(ProductType.SPOT, symbol, limit)
        data = await self.rest.get(v2.SPOT_OPEN_ORDERS, {"symbol": symbol, "limit": limit}, private=True)
        return codec.parse_spot_orders(data)

    async def spot_order_history(self, symbol: str | None = None, *, start: int | None = None,
                                 end: int | None = None, limit: int = 100) -> list[Order]:
        if self.unified:
            return await self._v3.order_history(ProductType.SPOT, symbol, start, end, limit)
        params = {"symbol": symbol, "startTime": start, "endTime": end, "limit": limit}
        return codec.parse_spot_orders(await self.rest.get(v2.SPOT_HISTORY_ORDERS, params, private=True))

    async def spot_order(self, *, order_id: str | None = None, client_oid: str | None = None) -> Order:
        _one_id(order_id, client_oid)
        if self.unified:
            return await self._v3.order(order_id=order_id, client_oid=client_oid)
        params = {"orderId": order_id} if order_id else {"clientOid": client_oid}
        orders = codec.parse_spot_orders(await self.rest.get(v2.SPOT_ORDER_INFO, params, private=True))
        if not orders:
            raise OrderNotFound("", f"no spot order {order_id or client_oid}")
        return orders[0]

    async def spot_fills(self, symbol: str, *, order_id: str | None = None, start: int | None = None,
                         end: int | None = None, limit: int = 100) -> list[Fill]:
        if self.unified:
            return await self._v3.fills(ProductType.SPOT, symbol, order_id, start, end, limit)
        params = {"symbol": symbol, "orderId": order_id, "startTime": start, "endTime": end, "limit": limit}
        return codec.parse_spot_fills(await self.rest.get(v2.SPOT_FILLS, params, private=True))

    # -- futures account -----------------------------------------------------------------------------------------
    async def futures_accounts(self, product_type: ProductType | str) -> list[FuturesAccount]:
        if self.unified:
            return [await self._v3.futures_account(_futures(product_type))]
        pt = _futures(product_type)
        data = await self.rest.get(v2.MIX_ACCOUNTS, {"productType": pt.value}, private=True)
        return codec.parse_futures_accounts(data)

    async def futures_account(self, product_type: ProductType | str, symbol: str,
                              margin_coin: str) -> FuturesAccount:
        """The account for one symbol, with its margin mode, position mode and cross leverage."""
        if self.unified:
            return await self._v3.futures_account(_futures(product_type), symbol, margin_coin)
        pt = _futures(product_type)
        params = {"symbol": symbol, "productType": pt.value, "marginCoin": margin_coin.upper()}
        return codec.parse_futures_account(await self.rest.get(v2.MIX_ACCOUNT, params, private=True))

    async def set_leverage(self, product_type: ProductType | str, symbol: str, margin_coin: str, leverage: int,
                           *, hold_side: HoldSide | None = None) -> LeverageInfo:
        if self.unified:
            return await self._v3.set_leverage(_futures(product_type), symbol, margin_coin, leverage, hold_side)
        pt = _futures(product_type)
        body = {"symbol": symbol, "productType": pt.value, "marginCoin": margin_coin.upper(),
                "leverage": str(int(leverage)), "holdSide": hold_side.value if hold_side else None}
        return codec.parse_leverage_info(await self.rest.post(v2.MIX_SET_LEVERAGE, body) or {})

    async def set_margin_mode(self, product_type: ProductType | str, symbol: str, margin_coin: str,
                              margin_mode: MarginMode) -> LeverageInfo:
        if self.unified:
            raise BitgetError("", "unified accounts have no margin-mode setting",
                              "On a unified account the margin mode is chosen per order (OrderRequest.margin_mode).")
        pt = _futures(product_type)
        body = {"symbol": symbol, "productType": pt.value, "marginCoin": margin_coin.upper(),
                "marginMode": MarginMode(margin_mode).value}
        return codec.parse_leverage_info(await self.rest.post(v2.MIX_SET_MARGIN_MODE, body) or {})

    async def position_mode(self, product_type: ProductType | str, symbol: str | None = None,
                            margin_coin: str | None = None) -> PositionMode:
        """The productType's position mode, read through one symbol's account (a default one if not given)."""
        if self.unified:
            _futures(product_type)
            return await self._v3.hold_mode()
        pt = _futures(product_type)
        default_symbol, default_coin = DEFAULT_FUTURES_SYMBOL[pt]
        account = await self.futures_account(pt, symbol or default_symbol, margin_coin or default_coin)
        if account.pos_mode is None:
            raise BitgetError("", "position mode missing in the account answer", "Bitget omitted posMode.")
        return account.pos_mode

    async def set_position_mode(self, product_type: ProductType | str, mode: PositionMode) -> PositionMode:
        """Switch one-way/hedge for the whole productType (Bitget refuses while positions or orders are open)."""
        if self.unified:
            _futures(product_type)
            return await self._v3.set_hold_mode(mode)
        pt = _futures(product_type)
        data = await self.rest.post(v2.MIX_SET_POSITION_MODE,
                                    {"productType": pt.value, "posMode": PositionMode(mode).value})
        return codec.parse_position_mode(data) if data else PositionMode(mode)

    async def positions(self, product_type: ProductType | str, margin_coin: str | None = None) -> list[Position]:
        if self.unified:
            return await self._v3.positions(_futures(product_type))
        pt = _futures(product_type)
        params = {"productType": pt.value, "marginCoin": margin_coin.upper() if margin_coin else None}
        return codec.parse_positions(await self.rest.get(v2.MIX_ALL_POSITIONS, params, private=True), pt)

    async def position(self, product_type: ProductType | str, symbol: str, margin_coin: str) -> list[Position]:
        """The symbol's open positions (two in hedge mode, none when flat)."""
        if self.unified:
            return await self._v3.positions(_futures(product_type), symbol)
        pt = _futures(product_type)
        params = {"symbol": symbol, "productType": pt.value, "marginCoin": margin_coin.upper()}
        return codec.parse_positions(await self.rest.get(v2.MIX_SINGLE_POSITION, params, private=True), pt)

    # -- futures trading -----------------------------------------------------------------------------------------
    async def place_futures_order(self, req: OrderRequest) -> OrderAck:
        if self.unified and req.product_type.is_futures:
            return await self._place_v3(req)
        if not req.product_type.is_futures:
            raise ValueError("use place_spot_order for spot")
        if not req.margin_coin:
            raise ValueError("futures orders need a margin coin (OrderRequest.build fills it from the instrument)")
        body = codec.encode_mix_order(req)
        return await self._place(v2.MIX_PLACE_ORDER, body, req,
                                 lambda: self._find_futures(req.product_type, req.symbol, req.client_oid))

    async def place_order(self, req: OrderRequest) -> OrderAck:
        """Spot or futures by the request's product type."""
        if req.product_type.is_futures:
            return await self.place_futures_order(req)
        return await self.place_spot_order(req)

    async def cancel_futures_order(self, product_type: ProductType | str, symbol: str, *,
                                   order_id: str | None = None, client_oid: str | None = None,
                                   margin_coin: str | None = None) -> OrderAck:
        _one_id(order_id, client_oid)
        if self.unified:
            return await self._v3.cancel(_futures(product_type), symbol, order_id=order_id, client_oid=client_oid)
        pt = _futures(product_type)
        body = {"symbol": symbol, "productType": pt.value, "marginCoin": margin_coin.upper() if margin_coin else None,
                "orderId": order_id, "clientOid": None if order_id else client_oid}
        return codec.parse_ack(await self.rest.post(v2.MIX_CANCEL_ORDER, body))

    async def cancel_all_futures_orders(self, product_type: ProductType | str, symbol: str | None = None,
                                        margin_coin: str | None = None) -> BatchResult:
        if self.unified:
            return await self._v3.cancel_all(_futures(product_type), symbol)
        pt = _futures(product_type)
        body = {"productType": pt.value, "symbol": symbol, "marginCoin": margin_coin.upper() if margin_coin else None}
        return codec.parse_batch(await self.rest.post(v2.MIX_BATCH_CANCEL, body))

    async def close_positions(self, product_type: ProductType | str, symbol: str | None = None,
                              hold_side: HoldSide | None = None) -> BatchResult:
        """Market-close positions (one symbol, or all of the productType; `hold_side` in hedge mode)."""
        if self.unified:
            return await self._v3.close_positions(_futures(product_type), symbol, hold_side)
        pt = _futures(product_type)
        body = {"productType": pt.value, "symbol": symbol, "holdSide": hold_side.value if hold_side else None}
        return codec.parse_batch(await self.rest.post(v2.MIX_CLOSE_POSITIONS, body))

    async def futures_open_orders(self, product_type: ProductType | str, symbol: str | None = None,
                                  *, limit: int = 100) -> list[Order]:
        if self.unified:
            return await self._v3.open_orders(_futures(product_type), symbol, limit)
        pt = _futures(product_type)
        params = {"productType": pt.value, "symbol": symbol, "limit": limit}
        return codec.parse_mix_order_list(await self.rest.get(v2.MIX_ORDERS_PENDING, params, private=True), pt)

    async def futures_order_history(self, product_type: ProductType | str, symbol: str | None = None, *,
                                    start: int | None = None, end: int | None = None,
                                    limit: int = 100) -> list[Order]:
        if self.unified:
            return await self._v3.order_history(_futures(product_type), symbol, start, end, limit)
        pt = _futures(product_type)
        params = {"productType": pt.value, "symbol": symbol, "startTime": start, "endTime": end, "limit": limit}
        return codec.parse_mix_order_list(await self.rest.get(v2.MIX_ORDERS_HISTORY, params, private=True), pt)

    async def futures_order(self, product_type: ProductType | str, symbol: str, *, order_id: str | None = None,
                            client_oid: str | None = None) -> Order:
        _one_id(order_id, client_oid)
        if self.unified:
            order = await self._v3.order(order_id=order_id, client_oid=client_oid)
            return v3codec.as_requested([order], _futures(product_type))[0]
        pt = _futures(product_type)
        params: dict[str, str | None] = {"symbol": symbol, "productType": pt.value}
        params.update({"orderId": order_id} if order_id else {"clientOid": client_oid})
        data = await self.rest.get(v2.MIX_ORDER_DETAIL, params, private=True)
        if not data:
            raise OrderNotFound("", f"no futures order {order_id or client_oid}")
        return codec.parse_mix_order(data, pt)

    async def futures_fills(self, product_type: ProductType | str, symbol: str | None = None, *,
                            order_id: str | None = None, start: int | None = None, end: int | None = None,
                            limit: int = 100) -> list[Fill]:
        if self.unified:
            return await self._v3.fills(_futures(product_type), symbol, order_id, start, end, limit)
        pt = _futures(product_type)
        params = {"productType": pt.value, "symbol": symbol, "orderId": order_id, "startTime": start,
                  "endTime": end, "limit": limit}
        return codec.parse_mix_fills(await self.rest.get(v2.MIX_FILLS, params, private=True), pt)

    async def futures_tpsl_orders(self, product_type: ProductType | str,
                                  symbol: str | None = None) -> list[TpslPlan] | None:
        """Pending take-profit / stop-loss orders on positions (v2 orders-plan-pending, planType=profit_loss).

        None on a unified account: this client does not read v3 strategy orders (the caller falls back on the
        opening orders' presets)."""
        if self.unified:
            return None
        pt = _futures(product_type)
        params = {"productType": pt.value, "symbol": symbol, "planType": "profit_loss"}
        return codec.parse_tpsl_plans(await self.rest.get(v2.MIX_ORDERS_PLAN_PENDING, params, private=True), pt)

    # -- the safe place-order path -------------------------------------------------------------------------------
    async def _find_spot(self, client_oid: str) -> Order | None:
        try:
            return await self.spot_order(client_oid=client_oid)
        except OrderNotFound:
            return None

    async def _find_futures(self, pt: ProductType, symbol: str, client_oid: str) -> Order | None:
        try:
            return await self.futures_order(pt, symbol, client_oid=client_oid)
        except OrderNotFound:
            return None

    async def _place(self, path: str, body: dict[str, str], req: OrderRequest, lookup: OrderLookup) -> OrderAck:
        """Send once; unless the answer is a clean success with an order id or a clean Bitget refusal (timeout,
        connection, 5xx, a garbled or incomplete answer), look the order up by clientOid.

        Found -> its ack. Confirmed absent -> re-send once with the SAME clientOid (Bitget refuses duplicates,
        so a late first copy cannot double the order). Still unknown -> UncertainOrderState.
        """
        first_error: BitgetError | None = None
        lookup = _same_order(lookup, req.client_oid)
        for attempt in range(2):
            settle = 0.0
            try:
                return _placed(await self.rest.post(path, body), req)
            except _UNCERTAIN as exc:
                first_error = first_error or exc
                # An HTTP answer (5xx) ends the request; no answer at all means it may still be in flight.
                settle = self._resolve_settle if isinstance(exc, NetworkError) else 0.0
                log.warning("place %s (%s): outcome unknown (%s); looking it up", req.symbol, req.client_oid, exc.msg)
            except BitgetError as exc:
                if attempt == 0:
                    raise
                # The re-send was refused: a duplicate clientOid means the first copy landed late after all;
                # any other refusal is final (the order is confirmed absent and was rejected again).
                log.warning("re-send of %s refused (%s); looking it up", req.client_oid, exc.code)
                late = await self._resolve(lookup, 0.0)
                if isinstance(late, Order):
                    return OrderAck(late.order_id, late.client_oid or req.client_oid, late.symbol)
                raise
            found = await self._resolve(lookup, settle)
            if isinstance(found, Order):
                return OrderAck(found.order_id, found.client_oid or req.client_oid, found.symbol)
            if found is _ABSENT and attempt == 0:
                log.info("order %s confirmed absent; re-sending with the same clientOid", req.client_oid)
                continue
            break
        raise UncertainOrderState(
            first_error.code if first_error else "",
            f"order {req.client_oid} on {req.symbol}: {first_error.msg if first_error else 'no answer'}",
            client_oid=req.client_oid,
            http_status=first_error.http_status if first_error else None,
        )

    async def _place_v3(self, req: OrderRequest) -> OrderAck:
        """v3 place-order on the same safe path (a lost answer is resolved by looking the clientOid up)."""
        body = v3codec.encode_order(req)
        return await self._place(v3.PLACE_ORDER, body, req, lambda: self._v3.find(req.client_oid))

    async def _place_each_v3(self, reqs: Sequence[OrderRequest]) -> BatchResult:
        """Several orders one by one (the v3 batch endpoint is not used): failures are collected, not raised."""
        result = BatchResult()
        for req in reqs:
            try:
                result.succeeded.append(await self._place_v3(req))
            except UncertainOrderState:
                raise
            except BitgetError as exc:
                result.failed.append(BatchFailure(None, req.client_oid, exc))
        return result

    async def _cancel_each_v3(self, pt: ProductType, symbol: str, order_ids: Sequence[str],
                              client_oids: Sequence[str]) -> BatchResult:
        result = BatchResult()
        for oid, coid in [(o, None) for o in order_ids] + [(None, c) for c in client_oids]:
            try:
                result.succeeded.append(await self._v3.cancel(pt, symbol, order_id=oid, client_oid=coid))
            except BitgetError as exc:
                result.failed.append(BatchFailure(oid, coid, exc))
        return result

    async def _resolve(self, lookup: OrderLookup, settle: float) -> object:
        """An Order, _ABSENT, or None (unknown).

        Absent means: at least two lookups answered "no such order", the last one did, and it came `settle`
        seconds or more after the failure (so a request still in flight had time to land).
        """
        loop = asyncio.get_running_loop()
        confirm_after = loop.time() + settle
        max_delay = 2.0
        delays = backoff(self._resolve_initial, 2.0, max_delay, jitter=0.2, rng=self._rng)
        attempts = self._resolve_attempts + int(settle / max_delay) + 1
        absent = 0
        for _ in range(attempts):
            await asyncio.sleep(next(delays))
            try:
                order = await lookup()
            except BitgetError as exc:  # whatever the lookup met, the order stays unknown rather than failed
                log.info("order lookup failed (%s)", exc.code or exc.msg)
                absent = 0  # an unanswered lookup breaks the chain of "absent" answers
                continue
            if order is not None:
                return order
            absent += 1
            if absent >= 2 and loop.time() >= confirm_after:
                return _ABSENT
        return None


def _one_id(order_id: str | None, client_oid: str | None) -> None:
    if not order_id and not client_oid:
        raise ValueError("give order_id or client_oid")
