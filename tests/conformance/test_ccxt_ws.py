"""ccxt.pro's bitget, changed only in its URLs, streams from the standalone simulator."""

from __future__ import annotations

import asyncio

import pytest

pytestmark = pytest.mark.slow

SPOT = "BTC/USDT"
SWAP = "BTC/USDT:USDT"


async def test_watch_order_book_keeps_a_consistent_book(ccxt_pro):
    await ccxt_pro.load_markets()
    for symbol in (SPOT, SWAP):
        seen = 0
        async with asyncio.timeout(20):
            while seen < 4:  # snapshot plus updates; ccxt verifies each update's checksum
                book = await ccxt_pro.watch_order_book(symbol)
                seen += 1
        assert book["bids"][0][0] < book["asks"][0][0]
        assert len(book["bids"]) > 50 and len(book["asks"]) > 50


async def test_watch_ohlcv_and_trades(ccxt_pro):
    await ccxt_pro.load_markets()
    async with asyncio.timeout(20):
        candles = await ccxt_pro.watch_ohlcv(SPOT, "1m")
        assert candles and len(candles[-1]) == 6 and candles[-1][0] % 60_000 == 0
        trades = await ccxt_pro.watch_trades(SWAP)
        assert trades and all(t["price"] > 0 and t["amount"] > 0 for t in trades)


async def test_watch_orders_sees_a_placed_order(ccxt_pro):
    await ccxt_pro.load_markets()
    watcher = asyncio.ensure_future(ccxt_pro.watch_orders(SPOT))
    await asyncio.sleep(0.5)  # let the private socket log in and subscribe before placing
    ticker = await ccxt_pro.fetch_ticker(SPOT)
    price = float(ccxt_pro.price_to_precision(SPOT, ticker["bid"] * 0.7))
    placed = await ccxt_pro.create_order(SPOT, "limit", "buy", 0.001, price)
    async with asyncio.timeout(15):
        orders = await watcher
        while placed["id"] not in [o["id"] for o in orders]:
            orders = await ccxt_pro.watch_orders(SPOT)
    mine = [o for o in orders if o["id"] == placed["id"]][-1]
    assert mine["status"] == "open" and mine["price"] == pytest.approx(price)
    await ccxt_pro.cancel_order(placed["id"], SPOT)
