"""Trades tape: side colouring of price and size, and large trades picked out relative to the recent tape."""

from __future__ import annotations

import asyncio
from decimal import Decimal as D
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from ui_support import OPEN_SESSIONS, simulator, wait_signal, wait_until

from bitget_desktop.domain.market import PublicTrade
from bitget_desktop.domain.trading import Side
from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.environments import local
from bitget_desktop.ui.models import TradesModel
from bitget_desktop.ui.models.trades import large_threshold
from bitget_desktop.ui.session import Session

T0 = 1_780_000_000_000


def trade(i: int, size: str, side: Side) -> PublicTrade:
    return PublicTrade("BTCUSDT", f"t{i}", D("100") + i, D(size), side, T0 + i)


def test_threshold_is_the_recent_quantile() -> None:
    assert large_threshold([D(1)] * 19) is None  # too few trades to judge
    sizes = [D(i) for i in range(1, 101)]
    assert large_threshold(sizes) == D(91)
    assert large_threshold(sizes, 0.5) == D(52)  # never the median itself


def test_tape_colours_sides_and_highlights_large_trades(qtmodeltester: Any) -> None:
    m = TradesModel(limit=50)
    m.set_colours(QColor("#00aa00"), QColor("#aa0000"))
    small = [trade(i, "0.1", Side.BUY if i % 2 else Side.SELL) for i in range(30)]
    m.add_trades(small)
    assert m.threshold is None  # all alike: none stands out
    assert large_threshold([D(1)] * 30 + [D(2)]) == D(2)
    big = [trade(100, "5", Side.BUY), trade(101, "7", Side.SELL)]
    m.add_trades(big)
    qtmodeltester.check(m, force_py=True)
    assert m.threshold == D("5")
    rows = {m.record(r).trade_id: r for r in range(m.rowCount())}
    for tid, colour in (("t101", "#aa0000"), ("t100", "#00aa00")):
        r = rows[tid]
        assert m.data(m.index(r, 1), Qt.ItemDataRole.ForegroundRole).name() == colour
        assert m.data(m.index(r, 2), Qt.ItemDataRole.ForegroundRole).name() == colour
        assert m.data(m.index(r, 0), TradesModel.LARGE_ROLE) is True
        assert m.data(m.index(r, 2), Qt.ItemDataRole.FontRole).bold()
        tint = m.data(m.index(r, 2), Qt.ItemDataRole.BackgroundRole)
        assert tint.name() == colour and 0 < tint.alpha() < 255
    r = rows["t3"]
    assert m.data(m.index(r, 0), TradesModel.LARGE_ROLE) is False
    assert m.data(m.index(r, 2), Qt.ItemDataRole.FontRole) is None
    assert m.data(m.index(r, 2), Qt.ItemDataRole.BackgroundRole) is None
    assert m.data(m.index(r, 1), Qt.ItemDataRole.ForegroundRole).name() == "#00aa00"  # t3 was a buy
    m.clear()
    assert m.threshold is None and m.rowCount() == 0


def test_tape_fills_from_the_simulator(qloop: Any) -> None:
    async def main() -> None:
        async with simulator(tick_ms=20) as sim:
            env = local(sim.rest_url)
            session = Session(BitgetClient(env), env, symbols=["SPOT:BTCUSDT"])
            OPEN_SESSIONS.append(session)
            m = TradesModel(limit=100)
            session.trades_added.connect(m.add_trades)
            session.start()
            await wait_signal(session.ready, timeout=15)
            await wait_until(lambda: m.rowCount() >= 25, timeout=20, what="trades")
            ts = [m.record(r).ts for r in range(m.rowCount())]
            assert ts == sorted(ts, reverse=True)
            large = [r for r in range(m.rowCount()) if m.is_large(r)]
            assert large and len(large) < m.rowCount()
            assert all(m.record(r).size >= m.threshold for r in large)

    qloop.run_until_complete(asyncio.wait_for(main(), 60))
