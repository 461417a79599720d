"""UtaApi: the v3 (unified account) requests behind BitgetClient's facade, returning domain values.

Holds no state beyond the shared REST transport; the facade decides when to route here and keeps the safe
place-order path (send once, resolve by clientOid) for both families.
"""

from __future__ import annotations

from bitget_desktop.domain.errors import BitgetError, OrderNotFound
from bitget_desktop.domain.market import Candle, Instrument, ProductType, Ticker, Timeframe
from bitget_desktop.domain.trading import (
    Balance,
    Fill,
    FuturesAccount,
    HoldSide,
    Order,
    Position,
    PositionMode,
)
from bitget_desktop.exchange.models import BatchResult, LeverageInfo, OrderAck, UnifiedAccountSettings, UnifiedAssets
from bitget_desktop.exchange.rest import RestClient
from bitget_desktop.exchange.uta import codec, paths as v3

__all__ = ["UtaApi"]


class UtaApi:
    """v3 endpoints over a RestClient (signed with the same credentials as v2)."""

    def __init__(self, rest: RestClient) -> None:
        self.rest = rest

    # -- market ----------------------------------------------------------------------------------------------------
    async def instruments(self, product_type: ProductType, symbol: str | None = None) -> list[Instrument]:
        data = await self.rest.get(v3.INSTRUMENTS, {"category": codec.category(product_type), "symbol": symbol})
        return codec.as_requested(codec.parse_instruments(data), product_type)

    async def tickers(self, product_type: ProductType, symbol: str | None = None) -> list[Ticker]:
        data = await self.rest.get(v3.TICKERS, {"category": codec.category(product_type), "symbol": symbol})
        return codec.as_requested(codec.parse_tickers(data), product_type)

    async def order_book(self, product_type: ProductType, symbol: str,
                         limit: int) -> tuple[list[list[str]], list[list[str]], int]:
        params = {"category": codec.category(product_type), "symbol": symbol, "limit": min(max(limit, 1), 200)}
        return codec.parse_orderbook(await self.rest.get(v3.ORDERBOOK, params))

    async def candles(self, product_type: ProductType, symbol: str, timeframe: Timeframe, *, history: bool,
                      start: int | None, end: int | None, limit: int) -> list[Candle]:
        interval = codec.interval(timeframe)
        if interval is None:
            raise ValueError(f"{timeframe} is not a v3 candle interval")
        params = {"category": codec.category(product_type), "symbol": symbol, "interval": interval,
                  "startTime": start, "endTime": end, "limit": min(limit, 100 if history else 1000)}
        return codec.parse_candles(await self.rest.get(v3.HISTORY_CANDLES if history else v3.CANDLES, params))

    # -- account ---------------------------------------------------------------------------------------------------
    async def settings(self) -> UnifiedAccountSettings:
        return codec.parse_settings(await self.rest.get(v3.ACCOUNT_SETTINGS, private=True))

    async def assets(self) -> UnifiedAssets:
        return codec.parse_assets(await self.rest.get(v3.ACCOUNT_ASSETS, private=True))

    async def balances(self, coin: str | None = None) -> list[Balance]:
        out = codec.parse_balances(await self.assets())
        return [b for b in out if coin is None or b.coin == coin.upper()]

    async def futures_account(self, product_type: ProductType, symbol: str | None = None,
                              margin_coin: str = "USDT") -> FuturesAccount:
        assets = await self.assets()
        settings = await self.settings()
        pt = ProductType.parse(codec.category(product_type))
        return codec.parse_futures_account(assets, margin_coin, settings, symbol, pt)

    async def set_leverage(self, product_type: ProductType, symbol: str, margin_coin: str, leverage: int,
                           hold_side: HoldSide | None) -> LeverageInfo:
        body = {"category": codec.category(product_type), "symbol": symbol, "leverage": str(int(leverage)),
                "posSide": hold_side.value if hold_side else None}
        await self.rest.post(v3.SET_LEVERAGE, body)  # answers "success": report what was set
        lev = int(leverage)
        return LeverageInfo(symbol=symbol, margin_coin=margin_coin.upper(),
                            long_leverage=lev if hold_side in (None, HoldSide.LONG) else None,
                            short_leverage=lev if hold_side in (None, HoldSide.SHORT) else None,
                            cross_leverage=lev if hold_side is None else None, margin_mode=None)

    async def hold_mode(self) -> PositionMode:
        mode = (await self.settings()).hold_mode
        if mode is None:
            raise BitgetError("", "hold mode missing in the account settings", "Bitget omitted holdMode.")
        return mode

    async def set_hold_mode(self, mode: PositionMode) -> PositionMode:
        await self.rest.post(v3.SET_HOLD_MODE, {"holdMode": PositionMode(mode).value})
        return PositionMode(mode)

    async def positions(self, product_type: ProductType, symbol: str | None = None) -> list[Position]:
        params = {"category": codec.category(product_type), "symbol": symbol}
        data = await self.rest.get(v3.CURRENT_POSITION, params, private=True)
        return codec.as_requested(codec.parse_positions(data), product_type)

    # -- orders ----------------------------------------------------------------------------------------------------
    async def order(self, *, order_id: str | None = None, client_oid: str | None = None) -> Order:
        params = {"orderId": order_id} if order_id else {"clientOid": client_oid}
        data = await self.rest.get(v3.ORDER_INFO, params, private=True)
        if not data:
            raise OrderNotFound("", f"no order {order_id or client_oid}")
        return codec.parse_order(data)

    async def find(self, client_oid: str) -> Order | None:
        """The order with this clientOid, or None when Bitget says there is none (the lookup of the safe path)."""
        try:
            return await self.order(client_oid=client_oid)
        except OrderNotFound:
            return None

    async def cancel(self, product_type: ProductType, symbol: str | None, *, order_id: str | None,
                     client_oid: str | None) -> OrderAck:
        body = {"category": codec.category(product_type), "symbol": symbol, "orderId": order_id,
                "clientOid": None if order_id else client_oid}
        return codec.parse_ack(await self.rest.post(v3.CANCEL_ORDER, body), symbol)

    async def cancel_all(self, product_type: ProductType, symbol: str | None) -> BatchResult:
        body = {"category": codec.category(product_type), "symbol": symbol}
        return codec.parse_result_list(await self.rest.post(v3.CANCEL_SYMBOL_ORDER, body))

    async def close_positions(self, product_type: ProductType, symbol: str | None,
                              hold_side: HoldSide | None) -> BatchResult:
        body = {"category": codec.category(product_type), "symbol": symbol,
                "posSide": hold_side.value if hold_side else None}
        return codec.parse_result_list(await self.rest.post(v3.CLOSE_POSITIONS, body))

    async def open_orders(self, product_type: ProductType, symbol: str | None, limit: int) -> list[Order]:
        params = {"category": codec.category(product_type), "symbol": symbol, "limit": limit}
        data = await self.rest.get(v3.UNFILLED_ORDERS, params, private=True)
        return codec.as_requested(codec.parse_orders(data), product_type)

    async def order_history(self, product_type: ProductType, symbol: str | None, start: int | None,
                            end: int | None, limit: int) -> list[Order]:
        params = {"category": codec.category(product_type), "symbol": symbol, "startTime": start, "endTime": end,
                  "limit": limit}
        data = await self.rest.get(v3.HISTORY_ORDERS, params, private=True)
        return codec.as_requested(codec.parse_orders(data), product_type)

    async def fills(self, product_type: ProductType, symbol: str | None, order_id: str | None, start: int | None,
                    end: int | None, limit: int) -> list[Fill]:
        params = {"category": codec.category(product_type), "symbol": symbol, "orderId": order_id,
                  "startTime": start, "endTime": end, "limit": limit}
        data = await self.rest.get(v3.FILLS, params, private=True)
        return codec.as_requested(codec.parse_fills(data), product_type)
