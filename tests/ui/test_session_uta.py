"""Session with a unified-account (UTA) key against the in-process simulator: the same code path as a classic key,
with the client speaking API v3 (REST and the v3 private socket)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from ui_support import OPEN_SESSIONS, UTA, simulator, wait_signal, wait_until

from bitget_desktop.domain.market import ProductType
from bitget_desktop.domain.trading import OrderRequest, OrderType, Side
from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.environments import local
from bitget_desktop.exchange.signing import Credentials
from bitget_desktop.ui.session import Session


def test_unified_session_account_state_and_live_orders(qloop: Any) -> None:
    async def main() -> None:
        async with simulator() as sim:
            env = local(sim.rest_url)
            client = BitgetClient(env, Credentials(*UTA), ws_reconnect_initial=0.05, family="unified")
            session = Session(client, env, symbols=["SPOT:BTCUSDT"])
            OPEN_SESSIONS.append(session)
            errors: list[Any] = []
            session.error_raised.connect(errors.append)
            session.start()
            await wait_signal(session.ready, timeout=15)
            await wait_until(lambda: any(getattr(b, "coin", None) == "USDT" for b in session.balance_list()),
                             what="balances")
            usdt = next(b for b in session.balance_list() if getattr(b, "coin", None) == "USDT")
            assert usdt.available == Decimal("100000")
            perp = session.instruments["USDT-FUTURES:BTCUSDT"]
            req = OrderRequest.build(perp, side=Side.BUY, order_type=OrderType.MARKET, size=Decimal("0.01"))
            await client.place_order(req)
            await wait_until(lambda: any(o.client_oid == req.client_oid for o in session.order_history()),
                             timeout=10, what="the order pushed on the v3 socket")
            await wait_until(lambda: [p.size for p in session.position_list()] == [Decimal("0.01")],
                             timeout=10, what="the position")
            await client.close_positions(ProductType.USDT_FUTURES)
            await wait_until(lambda: session.position_list() == [], timeout=10, what="position closed")
            assert session.health.streams["account"].state == "live"
            assert not errors, errors
            await session.aclose()

    qloop.run_until_complete(asyncio.wait_for(main(), 60))
