"""The positions blotter of the main window offers Close / Close limit / Reverse on a right click, and they act."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from test_main_window import window_for
from ui_support import simulator, wait_signal, wait_until

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
