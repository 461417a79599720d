"""Only the private socket drops while the exchange cancels and fills orders: after the reconnect the terminal's
orders, positions and balances equal the simulator's within a few seconds (the reconnect-triggered reconcile)."""

from __future__ import annotations

from decimal import Decimal

from bitget_desktop.domain.errors import BitgetError
from bitget_desktop.domain.trading import OrderRequest, OrderStatus, OrderType, PositionMode, Side
from bitget_desktop.terminal.desk import Action

from .sim_support import KEY, PERP, client_for, converge, open_connection, simulator, wait_until

D = Decimal


def _limit(inst, side: Side, size: str, price: Decimal) -> OrderRequest:
    return OrderRequest.build(inst, side=side, order_type=OrderType.LIMIT, size=D(size), price=price)


async def test_private_drop_while_orders_change_then_terminal_equals_simulator() -> None:
    # A still market (no ticks): every number the simulator reports stays put, so equality can be exact.
    async with simulator(run_market=False) as sim:
        conn = await open_connection(sim, ws_reconnect_initial=1.0)
        other = client_for(sim)
        try:
            spot = conn.instruments["SPOT:BTCUSDT"]
            perp = conn.instruments["USDT-FUTURES:BTCUSDT"]
            last_spot = sim.engine.last_price("SPOT", "BTCUSDT")
            last_perp = sim.engine.last_price(PERP.value, "BTCUSDT")
            below_s = (last_spot * D("0.97")).quantize(D("0.01"))
            below_p = (last_perp * D("0.97")).quantize(D("0.1"))
            reqs = [
                _limit(spot, Side.BUY, "0.01", below_s),                  # 0: cancelled by another client
                _limit(spot, Side.BUY, "0.01", below_s - 1),              # 1: filled by a trade
                _limit(spot, Side.BUY, "0.02", below_s - 2),              # 2: partly filled by a trade
                _limit(spot, Side.BUY, "0.01", below_s - 100),            # 3: stays open
                _limit(perp, Side.BUY, "0.01", below_p),                  # 4: cancelled by another client
                _limit(perp, Side.BUY, "0.02", below_p - 1),              # 5: filled: opens a long
                _limit(perp, Side.BUY, "0.01", below_p - 100),            # 6: stays open
            ]
            actions: list[Action] = [await conn.desk.place(r) for r in reqs]
            await wait_until(lambda: all(a.state == "live" for a in actions), 5.0, "every order live")
            ids = [a.order_id for a in actions]
            assert all(ids) and len(set(ids)) == len(ids)
            assert not conn.state.positions

            assert sim.faults.drop_private_now() >= 1
            # Still down (the client waits ~1 s before reconnecting): the exchange changes the account meanwhile.
            await other.cancel_spot_order("BTCUSDT", order_id=ids[0])
            await other.cancel_futures_order(PERP, "BTCUSDT", order_id=ids[4], margin_coin="USDT")
            sim.engine.on_trade("SPOT", "BTCUSDT", below_s - 2, D("0.02"), "sell")  # fills 1 fully, 2 by 0.01
            sim.engine.on_trade(PERP.value, "BTCUSDT", below_p - 1, D("0.02"), "sell")  # fills 5: a 0.02 long
            foreign = await other.place_order(OrderRequest.build(  # an order born and finished while down
                spot, side=Side.SELL, order_type=OrderType.MARKET, size=D("0.001")))
            assert conn._private_dropped, "the private socket came back before the changes were all made"
            # what the terminal shows before the reconnect is stale (it missed the pushes)
            stale = conn.state.orders[ids[0]]
            assert stale.status is OrderStatus.LIVE

            diff = await converge(conn, sim, other, timeout=5.0)
            assert diff == [], "\n".join(diff)
            st = conn.state
            assert st.orders[ids[0]].status is OrderStatus.CANCELLED
            assert st.orders[ids[1]].status is OrderStatus.FILLED
            assert st.orders[ids[2]].status is OrderStatus.PARTIALLY_FILLED
            assert st.orders[ids[3]].status is OrderStatus.LIVE
            assert st.orders[ids[4]].status is OrderStatus.CANCELLED
            assert st.orders[ids[5]].status is OrderStatus.FILLED
            assert foreign.order_id in st.orders
            assert [(p.symbol, p.size) for p in st.position_list()] == [("BTCUSDT", D("0.02"))]
            assert not conn._private_dropped
            assert sim.engine.account(KEY).orders  # the comparison above covered a non-empty account
        finally:
            await conn.aclose()
            await other.close()


async def test_unanswered_leverage_and_cancel_all_show_what_bitget_did() -> None:
    """A lost answer after the request took effect: the desk must not keep the old leverage nor call a cancel-all
    that happened 'refused'."""
    async with simulator(run_market=False) as sim:
        conn = await open_connection(sim)
        try:
            perp = conn.instruments["USDT-FUTURES:BTCUSDT"]
            await conn.desk.set_leverage(perp, 10)
            assert conn.state.symbol_settings(PERP, "BTCUSDT").leverage == 10
            sim.faults.lose_answer("/api/v2/mix/account/set-leverage")
            try:
                await conn.desk.set_leverage(perp, 25)
            except BitgetError:
                pass  # no answer: the desk may say so, but it must then show what Bitget has
            async with client_for(sim) as other:
                assert (await other.futures_account(PERP, "BTCUSDT", "USDT")).crossed_leverage == 25
            assert conn.state.symbol_settings(PERP, "BTCUSDT").leverage == 25

            below = (sim.engine.last_price(PERP.value, "BTCUSDT") * D("0.97")).quantize(D("0.1"))
            placed = await conn.desk.place(_limit(perp, Side.BUY, "0.01", below))
            await wait_until(lambda: placed.state == "live", 5.0, "the order live")
            sim.faults.lose_answer("/api/v2/mix/order/batch-cancel-orders")
            action = await conn.desk.cancel_all(perp)
            assert sim.engine.find_order(KEY, order_id=placed.order_id).status == "cancelled"
            assert action.state != "rejected", action
            await wait_until(lambda: placed.state == "cancelled", 5.0, "the order shown cancelled")
        finally:
            await conn.aclose()


async def test_position_mode_changed_elsewhere_while_private_socket_down() -> None:
    """Flat and without orders, nothing is pushed about the position mode: the reconnect's read must carry it."""
    async with simulator(run_market=False) as sim:
        conn = await open_connection(sim, ws_reconnect_initial=1.0)
        try:
            async with client_for(sim) as other:
                assert conn.state.position_mode(PERP) is PositionMode.ONE_WAY
                runs = conn.reconciler.runs
                assert sim.faults.drop_private_now() >= 1
                await other.set_position_mode(PERP, PositionMode.HEDGE)
                assert conn._private_dropped
                await wait_until(lambda: conn.reconciler.runs > runs and not conn._private_dropped, 5.0,
                                 "a reconcile after the reconnect")
                assert await other.position_mode(PERP) is PositionMode.HEDGE
                assert conn.state.position_mode(PERP) is PositionMode.HEDGE
        finally:
            await conn.aclose()
