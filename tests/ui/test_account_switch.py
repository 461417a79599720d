"""Switching to an account that cannot connect, and back: nothing of the previous account stays on screen, no order
line hangs, and order entry is disabled (with the reason) until an account is connected and reconciled."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from test_screenshots import save
from ui_support import GOOD, running_terminal, wait_until

from bitget_desktop.credentials import CredentialStore
from bitget_desktop.exchange.environments import local
from bitget_desktop.exchange.signing import Credentials
from bitget_desktop.settings import AccountInfo, SettingsStore

CLICK = Qt.MouseButton.LeftButton


async def _closed_port_url() -> str:
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    return f"http://127.0.0.1:{port}"


def _shown_numbers(win: Any) -> dict[str, Any]:
    """Everything on screen that carries an account's or a market's numbers."""
    spot = win.trading.spot
    return {
        "markets": win.symbols_model.rowCount(),
        "header": (win.symbol_title.text(), win.last_price.text(), win.ticker_stats.text()),
        "open orders": win.open_orders_model.rowCount(),
        "history": win.history_model.rowCount(),
        "balances": win.balances_model.rowCount(),
        "positions": win.positions_model.rowCount(),
        "available": spot.available.text(),
        "perp available": win.trading.perp.available_label.text(),
    }


def test_switch_to_an_unreachable_account_and_back(qloop: Any, qtbot: Any, keyring_store: CredentialStore,
                                                    settings_store: SettingsStore, config_dirs: Path,
                                                    shots: Path) -> None:
    async def main() -> None:
        gone_url = await _closed_port_url()
        keyring_store.save("Gone", Credentials(*GOOD))
        settings = settings_store.load()
        settings.upsert_account(AccountInfo("Gone", "demo", key_hint="bg_goo…", family="classic"))
        settings.extra["welcomed"] = True
        settings_store.save(settings)
        async with running_terminal(qtbot, settings_store, keyring_store,
                                    environments={"demo": local(gone_url, name="Gone exchange")}) as (term, ready):
            win = term.window
            win.resize(1600, 1000)
            await wait_until(lambda: bool(ready) and term.session.status == "ready", timeout=20,
                             what="simulator connected")
            spot = win.trading.spot
            await wait_until(lambda: spot.quote_available is not None and win.balances_model.rowCount() > 0,
                             what="balances shown")
            # a resting spot buy, typed and clicked, so the paper account has an open order on screen
            bid = term.session.book.best_bid()[0]
            qtbot.keyClicks(spot.price.edit, str(bid - Decimal(200)))
            qtbot.keyClicks(spot.size_field.edit, "0.001")
            qtbot.mouseClick(spot.submit, CLICK)
            await wait_until(lambda: win.open_orders_model.rowCount() == 1, what="the order in Open orders")
            before = _shown_numbers(win)
            assert before["markets"] > 0 and before["header"][1] and "USDT" in before["available"]

            # a second order that is still waiting for Bitget's answer when the account is switched
            term.simulator.sim.faults.latency_ms = 3000
            qtbot.mouseClick(spot.submit, CLICK)
            await wait_until(lambda: spot.status_label.text().startswith("Sending"), what="sending")
            win.switch_requested.emit("Gone")
            await wait_until(lambda: term.session.account_name == "Gone", what="switched")

            # at once: nothing of the paper account, order entry disabled with the reason
            now = _shown_numbers(win)
            assert now["markets"] == 0 and now["header"] == ("", "", "")
            assert (now["open orders"], now["history"], now["balances"], now["positions"]) == (0, 0, 0, 0)
            assert now["available"] == "Available: —" and now["perp available"].startswith("Available: —")
            assert not spot.submit.isEnabled()
            assert "Sending" not in spot.status_label.text()
            assert spot.status_label.text() in ("Connecting to Gone…", ) or "Could not" in spot.status_label.text()

            await wait_until(lambda: term.session.status == "failed", timeout=30, what="the switch failed")
            assert win.banner.isVisible() and win.banner.text.startswith("Could not connect to Gone")
            assert spot.status_label.text() == term.session.status_text and not spot.submit.isEnabled()
            assert not any(b.isEnabled() for b in win.trading.perp.intent_buttons.values())
            assert _shown_numbers(win) == now  # still nothing: a failed account shows empty panels
            save(win, shots / "account-switch-failed.png")
            # back to the simulator (the embedded one stopped, its paper account saved, when Gone was chosen): its
            # own numbers again, no hanging line, order entry back once reconciled
            win.switch_requested.emit(None)
            await wait_until(lambda: term.session.account_name is None and term.session.status == "ready",
                             timeout=20, what="back on the simulator")
            await wait_until(lambda: win.open_orders_model.rowCount() >= 1 and spot.quote_available is not None,
                             what="paper account shown again")
            await wait_until(lambda: win.book_model.rowCount() > 0 and win.trades_model.rowCount() > 0,
                             what="book and trades of the simulator again")
            assert spot.submit.isEnabled()
            assert "Sending" not in spot.status_label.text() and not spot.status_label.text().startswith("Could")
            assert not win.error_bar.isVisible() or "Gone" not in win.error_bar.text
            assert not win.banner.isVisible() or "Gone" not in win.banner.text
            save(win, shots / "account-switch-back.png")

    qloop.run_until_complete(asyncio.wait_for(main(), 120))
