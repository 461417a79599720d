"""The positions blotter of the main window offers Close / Close limit / Reverse on a right click, and they act."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

from ui_support import simulator, wait_signal, wait_until, window_for

from bitget_desktop.domain.market import ProductType
from bitget_desktop.domain.trading import OrderRequest


def test_position_row_menu_closes_the_position(qloop: Any, qtbot: Any, tmp_path: Path) -> None:
    async def main() -> None:
        async with simulator() as sim:
            win = window_for(qtbot, sim, tmp_path)
            await wait_signal(win.session.ready, timeout=15)
            client = win.session.client
            inst = next(i for i in await client.futures_instruments(ProductType.USDT_FUTURES) if i.symbol == "BTCUSDT")
            await client.place_futures_order(OrderRequest.build(
                inst, side="buy", order_type="market", size="0.01", margin_mode="crossed", margin_coin="USDT"))
            win.blotter.setCurrentWidget(win.blotter_views["positions"])
            await wait_until(lambda: win.positions_model.rowCount() == 1, timeout=15, what="position row")

            view = win.blotter_views["positions"]
            menu = win.position_menu(view.visualRect(view.model().index(0, 0)).center())
            assert menu is not None
            labels = [a.text() for a in menu.actions()]
            assert labels[0] == "Close long at market" and labels[-1] == "Reverse to short"
            menu.actions()[0].trigger()

            async def flat() -> bool:
                return not [p for p in await client.positions(ProductType.USDT_FUTURES) if p.size > 0]

            for _ in range(100):
                if await flat():
                    break
                await asyncio.sleep(0.1)
            assert await flat(), "Close at market left the position open"
            await wait_until(lambda: win.positions_model.rowCount() == 0, timeout=15, what="blotter row gone")

    qloop.run_until_complete(asyncio.wait_for(main(), 60))


def test_open_order_row_cancels_one_and_all(qloop: Any, qtbot: Any, tmp_path: Path) -> None:
    async def main() -> None:
        async with simulator() as sim:
            win = window_for(qtbot, sim, tmp_path)
            await wait_signal(win.session.ready, timeout=15)
            client = win.session.client
            spot = next(i for i in await client.spot_instruments() if i.symbol == "BTCUSDT")
            perp = next(i for i in await client.futures_instruments(ProductType.USDT_FUTURES) if i.symbol == "BTCUSDT")
            bid = (await client.ticker(ProductType.SPOT, "BTCUSDT")).bid
            ids = []
            for factor in ("0.7", "0.75", "0.8"):
                ack = await client.place_spot_order(OrderRequest.build(
                    spot, side="buy", order_type="limit", size="0.001", price=spot.snap_price(bid * Decimal(factor))))
                ids.append(ack.order_id)
            perp_ack = await client.place_futures_order(OrderRequest.build(
                perp, side="buy", order_type="limit", size="0.01", price=perp.snap_price(bid * Decimal("0.7")),
                margin_mode="crossed", margin_coin="USDT"))
            view = win.blotter_views["openOrders"]
            await wait_until(lambda: win.open_orders_model.rowCount() == 4, timeout=15, what="four open orders")

            def row_of(order_id: str) -> int:
                return next(r for r in range(view.model().rowCount())
                            if win._order_at(view.model().index(r, 0)).order_id == order_id)

            # Delete on the selected row cancels that order only
            view.setCurrentIndex(view.model().index(row_of(ids[0]), 0))
            view.setFocus()
            win.cancel_selected_order()
            await wait_until(lambda: win.open_orders_model.rowCount() == 3, timeout=15, what="one cancelled")
            open_spot = {o.order_id for o in await client.spot_open_orders("BTCUSDT")}
            assert open_spot == {ids[1], ids[2]}

            # the row menu: "Cancel all BTCUSDT orders" on a spot row leaves the perp order alone
            menu = win.order_menu(view.visualRect(view.model().index(row_of(ids[1]), 0)).center())
            assert menu is not None
            assert [a.text() for a in menu.actions()] == [f"Cancel order {ids[1]}", "Cancel all BTCUSDT orders"]
            menu.actions()[1].trigger()
            await wait_until(lambda: win.open_orders_model.rowCount() == 1, timeout=15, what="spot orders cancelled")
            assert not await client.spot_open_orders("BTCUSDT")
            open_perp = await client.futures_open_orders(ProductType.USDT_FUTURES)
            assert [o.order_id for o in open_perp] == [perp_ack.order_id]

            menu = win.order_menu(view.visualRect(view.model().index(0, 0)).center())
            menu.actions()[0].trigger()
            await wait_until(lambda: win.open_orders_model.rowCount() == 0, timeout=15, what="perp order cancelled")

    qloop.run_until_complete(asyncio.wait_for(main(), 60))
