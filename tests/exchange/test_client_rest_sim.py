"""BitgetClient REST against the simulator over loopback sockets."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from decimal import Decimal

import pytest

from bitget_desktop.domain import errors as e
from bitget_desktop.domain.market import ProductType, Timeframe
from bitget_desktop.domain.trading import (
    HoldSide,
    MarginMode,
    OrderRequest,
    OrderStatus,
    OrderType,
    PositionMode,
    Side,
    TimeInForce,
    TradeSide,
    new_client_oid,
)
from bitget_desktop.exchange.models import AccountFamily
from bitget_desktop.exchange.signing import Credentials
from tests.exchange.conftest import KEY, PASSPHRASE, SECRET, UTA_KEY, WITHDRAW_KEY, client_for

D = Decimal
SPOT = ProductType.SPOT
USDT = ProductType.USDT_FUTURES


async def spot_btc(client):
    return next(i for i in await client.spot_instruments() if i.symbol == "BTCUSDT")


async def perp_btc(client):
    return next(i for i in await client.futures_instruments(USDT) if i.symbol == "BTCUSDT")


async def far_bid(client, inst):
    ticker = await client.ticker(inst.product_type, inst.symbol)
    return inst.snap_price(ticker.last * D("0.8"))


# -- public ------------------------------------------------------------------------------------------------------


async def test_public_market_data(client):
    now = await client.server_time()
    assert abs(now - int(time.time() * 1000)) < 60_000
    spot = await client.spot_instruments()
    assert {"BTCUSDT", "ETHUSDT"} <= {i.symbol for i in spot}
    perps = await client.futures_instruments(USDT)
    btc = next(i for i in perps if i.symbol == "BTCUSDT")
    assert btc.product_type is USDT and btc.margin_coin == "USDT" and btc.max_leverage > 1
    for pt in (ProductType.USDC_FUTURES, ProductType.COIN_FUTURES):
        assert isinstance(await client.futures_instruments(pt), list)
    t = await client.ticker(SPOT, "BTCUSDT")
    assert t.last > 0 and t.bid <= t.ask
    ft = await client.ticker(USDT, "BTCUSDT")
    assert ft.mark_price is not None and ft.mark_price > 0
    assert any(x.symbol == "ETHUSDT" for x in await client.tickers(SPOT))
    assert any(x.symbol == "ETHUSDT" for x in await client.tickers(USDT))
    book = await client.order_book(SPOT, "BTCUSDT", limit=20)
    assert not book.stale and book.best_bid()[0] < book.best_ask()[0]
    fbook = await client.order_book(USDT, "BTCUSDT", limit=15)
    assert fbook.best_bid()[0] < fbook.best_ask()[0]
    fr = await client.funding_rate(USDT, "BTCUSDT")
    assert fr.symbol == "BTCUSDT" and fr.next_funding_time


@pytest.mark.parametrize("pt", [SPOT, USDT])
async def test_candles_and_history_paging(client, pt):
    recent = await client.candles(pt, "BTCUSDT", Timeframe.M1, limit=100)
    assert 0 < len(recent) <= 100 and all(a.ts < b.ts for a, b in itertools.pairwise(recent))
    assert all(c.low <= c.open <= c.high for c in recent)
    pages = []
    async for page in client.iter_candles_back(pt, "BTCUSDT", Timeframe.D1, page_limit=100, max_pages=50):
        pages.append(page)
    assert pages, "no history served"
    flat = [c for page in reversed(pages) for c in page]
    assert all(a.ts < b.ts for a, b in itertools.pairwise(flat))  # contiguous, no overlap between pages
    assert len(pages) < 50  # stopped on an empty page, not on max_pages


# -- authentication and clock -----------------------------------------------------------------------------------


async def test_signed_request_accepted(client):
    balances = await client.spot_balances()
    assert any(b.coin == "USDT" and b.available > 0 for b in balances)


async def test_wrong_passphrase(sim):
    async with client_for(sim, Credentials(KEY, SECRET, "not-the-passphrase")) as c:
        with pytest.raises(e.InvalidPassphrase) as info:
            await c.spot_balances()
    assert info.value.code == "40012" and info.value.hint
    assert "not-the-passphrase" not in str(info.value) + repr(info.value)


async def test_wrong_secret(sim):
    async with client_for(sim, Credentials(KEY, "wrong-secret", PASSPHRASE)) as c:
        with pytest.raises(e.InvalidSignature) as info:
            await c.spot_balances()
    assert info.value.code == "40009"
    assert "wrong-secret" not in str(info.value) + repr(info.value) + repr(c)


async def test_unknown_key(sim):
    async with client_for(sim, Credentials("nobody", SECRET, PASSPHRASE)) as c:
        with pytest.raises(e.InvalidApiKey):
            await c.spot_balances()


async def test_skewed_local_clock_is_corrected(sim):
    skew_s = 3600.0  # the PC clock is an hour behind
    async with client_for(sim, clock=lambda: time.time() - skew_s) as c:
        assert await c.spot_balances()
        assert abs(c.clock.offset_ms - skew_s * 1000) < 5_000


async def test_server_clock_jump_resyncs_and_retries_once(sim, client):
    await client.spot_balances()  # synced
    sim.faults.clock_skew_ms = 120_000  # the server's clock moves: our timestamp is now "expired"
    assert await client.spot_balances()
    assert abs(client.clock.offset_ms - 120_000) < 5_000


# -- retries and pacing -----------------------------------------------------------------------------------------


async def test_get_retries_429_and_5xx(sim, client):
    sim.faults.next_http_errors = [429, 503, 500]
    t = await client.ticker(SPOT, "BTCUSDT")
    assert t.last > 0 and sim.faults.next_http_errors == []


async def test_get_gives_up_after_budget(sim):
    async with client_for(sim, get_retries=1) as c:
        sim.faults.next_http_errors = [503, 503, 503]
        with pytest.raises(e.ExchangeUnavailable):
            await c.ticker(SPOT, "BTCUSDT")


async def test_rate_limiter_paces(sim):
    path = "/api/v2/spot/market/tickers"
    async with client_for(sim, rate_limits={path: 10}) as c:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        await asyncio.gather(*(c.ticker(SPOT, "BTCUSDT") for _ in range(6)))
        assert loop.time() - t0 >= 0.45  # 6 calls at 10/s: at least 5 gaps of 100 ms


# -- spot trading -----------------------------------------------------------------------------------------------


async def test_spot_order_lifecycle(client):
    inst = await spot_btc(client)
    price = await far_bid(client, inst)
    req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size=D("0.001"), price=price,
                             force=TimeInForce.GTC)
    ack = await client.place_spot_order(req)
    assert ack.order_id and ack.client_oid == req.client_oid
    order = await client.spot_order(client_oid=req.client_oid)
    assert order.status is OrderStatus.LIVE and order.price == price and order.size == D("0.001")
    assert any(o.order_id == ack.order_id for o in await client.spot_open_orders("BTCUSDT"))
    await client.cancel_spot_order("BTCUSDT", order_id=ack.order_id)
    order = await client.spot_order(order_id=ack.order_id)
    assert order.status is OrderStatus.CANCELLED
    assert any(o.order_id == ack.order_id for o in await client.spot_order_history("BTCUSDT"))
    with pytest.raises(e.OrderNotFound):
        await client.spot_order(client_oid=new_client_oid())


async def test_spot_market_buy_fills(client):
    inst = await spot_btc(client)
    req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.MARKET, size=D("50"))  # 50 USDT
    ack = await client.place_spot_order(req)
    order = await client.spot_order(order_id=ack.order_id)
    assert order.status is OrderStatus.FILLED and order.filled_size > 0
    fills = await client.spot_fills("BTCUSDT", order_id=ack.order_id)
    assert fills and all(f.order_id == ack.order_id for f in fills)


async def test_spot_batch_and_cancel_all(client):
    inst = await spot_btc(client)
    price = await far_bid(client, inst)
    reqs = [OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size=D("0.001"), price=price)
            for _ in range(3)]
    res = await client.place_spot_orders(reqs)
    assert len(res.succeeded) == 3 and not res.failed
    ids = [a.order_id for a in res.succeeded]
    res = await client.cancel_spot_orders("BTCUSDT", order_ids=ids[:1])
    assert [a.order_id for a in res.succeeded] == ids[:1]
    await client.cancel_all_spot_orders("BTCUSDT")
    for _ in range(50):
        if not await client.spot_open_orders("BTCUSDT"):
            break
        await asyncio.sleep(0.02)
    assert await client.spot_open_orders("BTCUSDT") == []


async def test_insufficient_funds_is_typed(client):
    inst = await spot_btc(client)
    price = await far_bid(client, inst)
    req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size=D("100000"), price=price)
    with pytest.raises(e.InsufficientFunds) as info:
        await client.place_spot_order(req)
    assert info.value.code in ("43012", "40762")


# -- place-order outcome resolution -----------------------------------------------------------------------------


async def test_place_after_5xx_is_resolved_by_client_oid(sim, client, caplog):
    inst = await spot_btc(client)
    price = await far_bid(client, inst)
    await client.spot_balances()  # sync the clock first so the fault hits the place call
    req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size=D("0.001"), price=price)
    sim.faults.next_http_errors = [503]  # refused before handling: the order is absent, re-sent with the same id
    with caplog.at_level(logging.INFO, logger="bitget_desktop.exchange.client"):
        ack = await client.place_spot_order(req)
    assert "confirmed absent" in caplog.text
    orders = [o for o in await client.spot_open_orders("BTCUSDT") if o.client_oid == req.client_oid]
    assert len(orders) == 1 and ack.order_id == orders[0].order_id


async def test_lost_answer_resolved_by_lookup(sim, caplog):
    async with client_for(sim, timeout=0.3) as c:
        inst = await spot_btc(c)
        price = await far_bid(c, inst)
        await c.spot_balances()
        req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size=D("0.001"), price=price)
        sim.faults.latency_ms = 600  # the order lands, but after our timeout

        async def heal():  # once the order has landed, answers flow again
            while sim.engine.find_order(KEY, None, req.client_oid) is None:  # noqa: ASYNC110 - no event to wait on
                await asyncio.sleep(0.01)
            sim.faults.latency_ms = 0

        healer = asyncio.create_task(heal())
        with caplog.at_level(logging.INFO, logger="bitget_desktop.exchange.client"):
            ack = await c.place_spot_order(req)
        assert "looking it up" in caplog.text and "confirmed absent" not in caplog.text
        await healer
        orders = [o for o in await c.spot_open_orders("BTCUSDT") if o.client_oid == req.client_oid]
        assert len(orders) == 1 and orders[0].order_id == ack.order_id  # exactly one order, found not re-sent


async def test_unresolvable_outcome_raises_uncertain(sim):
    async with client_for(sim, timeout=0.2, resolve_attempts=2, get_retries=0) as c:
        inst = await perp_btc(c)
        await c.futures_accounts(USDT)
        req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.MARKET, size=D("0.001"))
        sim.faults.latency_ms = 1000  # every answer is lost, lookups too
        with pytest.raises(e.UncertainOrderState) as info:
            await c.place_futures_order(req)
        sim.faults.latency_ms = 0
        assert info.value.client_oid == req.client_oid


# -- futures ----------------------------------------------------------------------------------------------------


async def test_futures_account_leverage_margin_and_position_mode(client):
    accounts = await client.futures_accounts(USDT)
    assert any(a.margin_coin == "USDT" and a.available > 0 for a in accounts)
    info = await client.set_leverage(USDT, "BTCUSDT", "USDT", 7)
    assert 7 in (info.cross_leverage, info.long_leverage)
    await client.set_margin_mode(USDT, "BTCUSDT", "USDT", MarginMode.ISOLATED)
    acc = await client.futures_account(USDT, "BTCUSDT", "USDT")
    assert acc.margin_mode is MarginMode.ISOLATED
    await client.set_margin_mode(USDT, "BTCUSDT", "USDT", MarginMode.CROSSED)
    assert await client.set_position_mode(USDT, PositionMode.HEDGE) is PositionMode.HEDGE
    assert await client.position_mode(USDT) is PositionMode.HEDGE
    await client.set_position_mode(USDT, PositionMode.ONE_WAY)
    assert await client.position_mode(USDT, "ETHUSDT", "USDT") is PositionMode.ONE_WAY


async def test_futures_hedge_open_close_flow(client):
    inst = await perp_btc(client)
    await client.set_position_mode(USDT, PositionMode.HEDGE)
    open_long = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.MARKET, size=D("0.01"),
                                   trade_side=TradeSide.OPEN, position_mode=PositionMode.HEDGE)
    ack = await client.place_futures_order(open_long)
    order = await client.futures_order(USDT, "BTCUSDT", order_id=ack.order_id)
    assert order.status is OrderStatus.FILLED and order.trade_side is TradeSide.OPEN
    (pos,) = await client.positions(USDT)
    assert pos.hold_side is HoldSide.LONG and pos.size == D("0.01") and pos.pos_mode is PositionMode.HEDGE
    assert await client.position(USDT, "BTCUSDT", "USDT")
    close_long = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.MARKET, size=D("0.01"),
                                    trade_side=TradeSide.CLOSE, position_mode=PositionMode.HEDGE)
    await client.place_futures_order(close_long)
    assert await client.positions(USDT) == []
    hist = await client.futures_order_history(USDT, "BTCUSDT")
    assert {o.client_oid for o in hist} >= {open_long.client_oid, close_long.client_oid}
    fills = await client.futures_fills(USDT, "BTCUSDT")
    assert len(fills) >= 2 and all(f.product_type is USDT for f in fills)


async def test_futures_one_way_limit_tpsl_cancel_and_close_positions(client):
    inst = await perp_btc(client)
    price = await far_bid(client, inst)
    limit = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size=D("0.01"), price=price,
                               preset_take_profit=price * 2, preset_stop_loss=inst.snap_price(price * D("0.9")),
                               position_mode=PositionMode.ONE_WAY)
    ack = await client.place_futures_order(limit)
    pending = await client.futures_open_orders(USDT, "BTCUSDT")
    assert [o.order_id for o in pending] == [ack.order_id]
    await client.cancel_futures_order(USDT, "BTCUSDT", client_oid=limit.client_oid)
    assert await client.futures_open_orders(USDT) == []
    buy = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.MARKET, size=D("0.02"))
    await client.place_futures_order(buy)
    reduce = OrderRequest.build(inst, side=Side.SELL, order_type=OrderType.MARKET, size=D("0.01"), reduce_only=True,
                                position_mode=PositionMode.ONE_WAY)
    await client.place_futures_order(reduce)
    (pos,) = await client.positions(USDT)
    assert pos.size == D("0.01")
    res = await client.close_positions(USDT, "BTCUSDT")
    assert res.succeeded
    assert await client.positions(USDT) == []


async def test_tradeside_in_one_way_mode_is_position_mode_mismatch(client):
    inst = await perp_btc(client)
    req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.MARKET, size=D("0.01"),
                             trade_side=TradeSide.OPEN)
    with pytest.raises(e.PositionModeMismatch):
        await client.place_futures_order(req)


# -- account family and key -------------------------------------------------------------------------------------


async def test_account_family_detection(sim, client):
    assert await client.detect_account_family() is AccountFamily.CLASSIC
    async with client_for(sim, Credentials(UTA_KEY, SECRET, PASSPHRASE)) as uta:
        with pytest.raises(e.UnifiedAccountError):
            await uta.spot_balances()  # before detection the facade speaks v2, which refuses a UTA key
        assert await uta.detect_account_family() is AccountFamily.UNIFIED
        assert await uta.spot_balances()  # after it, the same call goes to v3
    async with client_for(sim, Credentials(KEY, SECRET, "wrong")) as bad:
        with pytest.raises(e.InvalidPassphrase):
            await bad.detect_account_family()  # auth errors are not guessed into a family


async def test_key_permissions(sim, client):
    perms = await client.key_permissions()
    assert perms.can_trade and not perms.can_withdraw
    async with client_for(sim, Credentials(WITHDRAW_KEY, SECRET, PASSPHRASE)) as c:
        assert (await c.key_permissions()).can_withdraw


async def test_place_429_is_refused_not_processed_and_retried(sim, client):
    inst = await spot_btc(client)
    price = await far_bid(client, inst)
    await client.spot_balances()
    req = OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT, size=D("0.001"), price=price)
    sim.faults.next_http_errors = [429]
    await client.place_order(req)
    assert len([o for o in await client.spot_open_orders("BTCUSDT") if o.client_oid == req.client_oid]) == 1


async def test_get_timeout_and_refused_connection_are_network_errors(sim):
    async with client_for(sim, timeout=0.2, get_retries=0) as c:
        sim.faults.latency_ms = 500
        with pytest.raises(e.NetworkError) as info:
            await c.ticker(SPOT, "BTCUSDT")
        sim.faults.latency_ms = 0
        assert "no answer" in info.value.msg
    from bitget_desktop.exchange.client import BitgetClient
    from bitget_desktop.exchange.environments import local

    async with BitgetClient(local("http://127.0.0.1:9"), get_retries=1, retry_initial_delay=0.01) as dead:
        with pytest.raises(e.NetworkError):
            await dead.server_time()


async def test_futures_cancel_all_and_batch_failures(client):
    inst = await perp_btc(client)
    price = await far_bid(client, inst)
    for _ in range(2):
        await client.place_futures_order(OrderRequest.build(inst, side=Side.BUY, order_type=OrderType.LIMIT,
                                                            size=D("0.01"), price=price))
    assert len(await client.futures_open_orders(USDT, "BTCUSDT")) == 2
    res = await client.cancel_all_futures_orders(USDT, "BTCUSDT", "USDT")
    assert len(res.succeeded) == 2
    assert await client.futures_open_orders(USDT, "BTCUSDT") == []
    spot = await spot_btc(client)
    spot_price = await far_bid(client, spot)
    ok = OrderRequest.build(spot, side=Side.BUY, order_type=OrderType.LIMIT, size=D("0.001"), price=spot_price)
    broke = OrderRequest.build(spot, side=Side.BUY, order_type=OrderType.LIMIT, size=D("100000"), price=spot_price)
    res = await client.place_spot_orders([ok, broke])
    assert [a.client_oid for a in res.succeeded] == [ok.client_oid]
    assert res.failed[0].client_oid == broke.client_oid and isinstance(res.failed[0].error, e.InsufficientFunds)


async def test_unified_settings(sim):
    async with client_for(sim, Credentials(UTA_KEY, SECRET, PASSPHRASE)) as uta:
        settings = await uta.unified_settings()
        assert settings.hold_mode is PositionMode.ONE_WAY and not settings.is_switching
