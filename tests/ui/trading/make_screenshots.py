"""Screenshots of the tickets against the in-process simulator (offscreen).

Run: ``python tests/ui/trading/make_screenshots.py [light|dark]``
-> resources/screenshots/ticket-spot.png and ticket-perp.png
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import qasync  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bitget_desktop.domain.market import ProductType  # noqa: E402
from bitget_desktop.domain.trading import Intent, OrderType, PositionMode, Side  # noqa: E402
from bitget_desktop.exchange.client import BitgetClient  # noqa: E402
from bitget_desktop.exchange.environments import local  # noqa: E402
from bitget_desktop.exchange.signing import Credentials  # noqa: E402
from bitget_desktop.simulator import ApiKeySpec, Simulator, SimulatorConfig  # noqa: E402
from bitget_desktop.terminal.account import AccountState  # noqa: E402
from bitget_desktop.terminal.desk import OrderDesk  # noqa: E402
from bitget_desktop.terminal.tasks import TaskSet  # noqa: E402
from bitget_desktop.ui import theme  # noqa: E402
from bitget_desktop.ui.trading.panel import TradingPanel  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


@contextlib.asynccontextmanager
async def simulator_panel(mode: str) -> AsyncIterator[tuple[Simulator, BitgetClient, TradingPanel]]:
    """The simulator (market standing still), a client on it and a trading panel on BTCUSDT spot and perp."""
    key = ("bg_screenshot_key", "screenshot-secret", "screenshot-pass")
    async with Simulator(SimulatorConfig(seed=7, run_market=False, keys=[ApiKeySpec(*key)])) as sim:
        async with BitgetClient(local(sim.rest_url), Credentials(*key), rng=random.Random(1)) as client:
            panel = TradingPanel(theme_mode=mode)
            desk = OrderDesk(client, AccountState(), TaskSet("screenshots"))
            for t in panel.tickets:
                t.set_desk(desk)
            panel.spot.set_instrument(next(i for i in await client.spot_instruments() if i.symbol == "BTCUSDT"))
            panel.perp.set_instrument(next(i for i in await client.futures_instruments(ProductType.USDT_FUTURES)
                                           if i.symbol == "BTCUSDT"))
            yield sim, client, panel


async def main(mode: str) -> None:
    async with simulator_panel(mode) as (sim, _client, panel):
        spot, perp = panel.spot, panel.perp
        await spot.refresh()
        await perp.switch_position_mode(PositionMode.HEDGE)
        await perp.set_leverage(20)
        await perp.refresh()

        spot.side.set_value(Side.BUY)
        spot.kind.set_value(OrderType.LIMIT)
        spot._on_mode()
        bid = sim.market.book("SPOT", "BTCUSDT").bids[0][0]
        spot.set_price(bid - Decimal("25"))
        spot.slider.setValue(10)
        spot.price.set_text(spot.price.text())
        spot.revalidate()

        perp.kind.set_value(OrderType.MARKET)
        perp._on_kind()
        perp.size_field.set_text("0.05")
        perp._touched.add("size")
        perp._on_intent(Intent.OPEN_LONG)
        for _ in range(200):
            await asyncio.sleep(0.02)
            if perp.positions:
                break
        await perp.refresh()
        perp.kind.set_value(OrderType.LIMIT)
        perp._on_kind()
        perp.set_price(sim.market.book("USDT-FUTURES", "BTCUSDT").bids[0][0] - Decimal("40"))
        perp.size_field.set_text("0.1")
        perp.take_profit.set_text(str(int(perp.market.last * Decimal("1.05"))))
        perp.stop_loss.set_text(str(int(perp.market.last * Decimal("0.97"))))
        perp._set_preview_intent(Intent.OPEN_LONG)

        OUT.mkdir(parents=True, exist_ok=True)
        for name, ticket in (("ticket-spot.png", spot), ("ticket-perp.png", perp)):
            panel.setCurrentIndex(0 if ticket is spot else 1)
            panel.resize(380, 900 if ticket is perp else 700)
            panel.show()
            await asyncio.sleep(0.05)
            QApplication.processEvents()
            panel.grab().save(str(OUT / name))
            print(OUT / name)
        panel.hide()
        await spot.aclose()
        await perp.aclose()


if __name__ == "__main__":
    app = QApplication.instance() or QApplication(sys.argv)
    theme_mode = sys.argv[1] if len(sys.argv) > 1 else "light"
    theme.apply(app, theme_mode)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main(theme_mode))
