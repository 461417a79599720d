"""The simulator's paper account survives a restart of the terminal and can be reset from the Account menu."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox
from ui_support import wait_until

from bitget_desktop.app import Terminal
from bitget_desktop.credentials import CredentialStore
from bitget_desktop.domain.market import ProductType
from bitget_desktop.domain.trading import OrderRequest
from bitget_desktop.settings import PAPER_STATE_FILE, SettingsStore


def _terminal(settings_store: SettingsStore, keyring_store: CredentialStore, ready: list[str]) -> Terminal:
    return Terminal(settings_store=settings_store, credential_store=keyring_store, seed=7,
                    force_simulator=False, on_ready=ready.append)


def test_paper_account_survives_restart_and_resets(qloop: Any, qtbot: Any, keyring_store: CredentialStore,
                                                   settings_store: SettingsStore, config_dirs: Path) -> None:
    async def main() -> None:
        ready: list[str] = []
        term = _terminal(settings_store, keyring_store, ready)
        try:
            await term.start()
            qtbot.addWidget(term.window)
            await wait_until(lambda: bool(ready), timeout=15, what="first run ready")
            client = term.session.client
            inst = next(i for i in await client.spot_instruments() if i.symbol == "BTCUSDT")
            bid = (await client.ticker(ProductType.SPOT, "BTCUSDT")).bid
            req = OrderRequest.build(inst, side="buy", order_type="limit", size="0.01",
                                     price=inst.snap_price(bid * Decimal("0.8")))
            ack = await client.place_spot_order(req)
            frozen = next(b for b in await client.spot_balances() if b.coin == "USDT").frozen
            assert frozen > 0
        finally:
            await term.aclose()
        assert (config_dirs / "data" / PAPER_STATE_FILE).exists()

        ready.clear()
        term = _terminal(settings_store, keyring_store, ready)
        try:
            await term.start()
            win = term.window
            qtbot.addWidget(win)
            await wait_until(lambda: bool(ready), timeout=15, what="second run ready")
            client = term.session.client
            open_ids = [o.order_id for o in await client.spot_open_orders("BTCUSDT")]
            assert ack.order_id in open_ids, "the resting order of the previous run is gone"
            assert next(b for b in await client.spot_balances() if b.coin == "USDT").frozen == frozen
            await wait_until(lambda: win.open_orders_model.rowCount() == 1, timeout=10, what="order in the blotter")

            # Account > Reset simulator account..., confirmed
            assert win.act_reset_demo.isEnabled()
            win.act_reset_demo.trigger()
            box = win.findChild(QMessageBox, "resetDemoBox")
            assert box is not None and box.isVisible()
            box.button(QMessageBox.StandardButton.Reset).click()

            async def reset_done() -> bool:
                usdt = next(b for b in await client.spot_balances() if b.coin == "USDT")
                return usdt.frozen == 0 and usdt.available == Decimal("100000") and not await client.spot_open_orders()

            for _ in range(50):
                if await reset_done():
                    break
                await asyncio.sleep(0.1)
            assert await reset_done(), "the paper account was not reset"
            await wait_until(lambda: win.open_orders_model.rowCount() == 0, timeout=10, what="blotter emptied")
        finally:
            await term.aclose()

    qloop.run_until_complete(asyncio.wait_for(main(), 90))
