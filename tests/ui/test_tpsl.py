"""TP/SL shown where a trader looks: the Open orders and Positions blotters (columns) and the chart (lines), with real
orders placed on the in-process simulator through the real client, and a position TP/SL order cancelled on the
exchange disappearing from both."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from ui_support import simulator, wait_signal, wait_until, window_for

from bitget_desktop.domain.market import ProductType
from bitget_desktop.domain.trading import OrderRequest
from bitget_desktop.ui.chart import DARK
from bitget_desktop.ui.chart_panel import ChartPanel
from bitget_desktop.ui.models.records import fmt_decimal

FUT = ProductType.USDT_FUTURES


def cell(model: Any, row: int, title: str) -> str:
    col = next(c for c in range(model.columnCount())
               if model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) == title)
    return str(model.data(model.index(row, col), Qt.ItemDataRole.DisplayRole))


def row_of(model: Any, order_id: str) -> int:
    return next(r for r in range(model.rowCount()) if model.record(r).order_id == order_id)


def test_tpsl_columns_and_chart_lines_follow_the_exchange(qloop: Any, qtbot: Any, tmp_path: Path) -> None:
    async def main() -> None:
        async with simulator() as sim:
            win = window_for(qtbot, sim, tmp_path)
            session = win.session
            await wait_signal(session.ready, timeout=15)
            client = session.client
            inst = next(i for i in await client.futures_instruments(FUT) if i.symbol == "BTCUSDT")
            last = (await client.ticker(FUT, "BTCUSDT")).last

            def px(factor: str) -> Decimal:
                return inst.snap_price(last * Decimal(factor))

            def show(value: Decimal) -> str:
                return fmt_decimal(value, inst.price_places)

            chart = ChartPanel(theme_mode="dark", follow_session=False)
            qtbot.addWidget(chart)
            chart.bind_session(session)
            chart.set_instrument(inst)

            def lines(kind: str) -> list[tuple[float, str, str, float]]:
                """(price, label, pen colour, item position) of the chart's line items of `kind`."""
                return sorted((pl.price, item.label.toPlainText(), item.pen.color().name(), item.value())
                              for pl, item in chart.chart._order_lines if pl.kind == kind)

            # a resting perp order with presets, and one without
            rest_tp, rest_sl, rest_price = px("1.1"), px("0.8"), px("0.9")
            with_presets = await client.place_futures_order(OrderRequest.build(
                inst, side="buy", order_type="limit", size="0.01", price=rest_price, margin_mode="crossed",
                margin_coin="USDT", preset_take_profit=rest_tp, preset_stop_loss=rest_sl))
            plain = await client.place_futures_order(OrderRequest.build(
                inst, side="buy", order_type="limit", size="0.01", price=px("0.88"), margin_mode="crossed",
                margin_coin="USDT"))
            orders = win.open_orders_model
            await wait_until(lambda: orders.rowCount() == 2, timeout=15, what="two open orders")
            r = row_of(orders, with_presets.order_id)
            assert (cell(orders, r, "TP"), cell(orders, r, "SL")) == (show(rest_tp), show(rest_sl))
            r = row_of(orders, plain.order_id)
            assert (cell(orders, r, "TP"), cell(orders, r, "SL")) == ("", "")

            # a filled opening order with presets: the position gets them as TP/SL orders on the exchange
            tp, sl = px("1.05"), px("0.85")
            await client.place_futures_order(OrderRequest.build(
                inst, side="buy", order_type="market", size="0.02", margin_mode="crossed", margin_coin="USDT",
                preset_take_profit=tp, preset_stop_loss=sl))
            positions = win.positions_model
            await wait_until(lambda: positions.rowCount() == 1 and cell(positions, 0, "TP") != "", timeout=15,
                             what="position with a TP")
            await session.refresh_account()  # read the TP/SL orders now rather than on the slow timer
            await wait_until(lambda: (cell(positions, 0, "TP"), cell(positions, 0, "SL")) == (show(tp), show(sl)),
                             timeout=15, what="the position's TP/SL orders as read from the exchange")

            want_tp = [
                (float(tp), f"TP long {show(tp)}", DARK.take_profit, float(tp)),
                (float(rest_tp), f"TP {show(rest_tp)} (buy {show(rest_price)})", DARK.take_profit, float(rest_tp)),
            ]
            want_sl = [
                (float(rest_sl), f"SL {show(rest_sl)} (buy {show(rest_price)})", DARK.stop_loss, float(rest_sl)),
                (float(sl), f"SL long {show(sl)}", DARK.stop_loss, float(sl)),
            ]
            await wait_until(lambda: lines("take_profit") == want_tp and lines("stop_loss") == want_sl, timeout=10,
                             what="TP/SL lines of the order's presets and of the position's TP/SL orders")
            assert lines("take_profit") == want_tp and lines("stop_loss") == want_sl

            # the trader cancels the position's SL order on the exchange: it goes from the blotter and the chart,
            # although the opening order's preset still names it
            pending = await client.futures_tpsl_orders(FUT)
            sl_order = next(p for p in pending if p.stop_loss)
            await client.rest.post("/api/v2/mix/order/cancel-plan-order", {
                "productType": FUT.value, "symbol": "BTCUSDT", "marginCoin": "USDT",
                "orderIdList": [{"orderId": sl_order.order_id}]})
            await session.refresh_account()
            await wait_until(lambda: cell(positions, 0, "SL") == "", timeout=15, what="SL gone from the blotter")
            assert cell(positions, 0, "TP") == show(tp)
            await wait_until(lambda: [x[0] for x in lines("stop_loss")] == [float(rest_sl)], timeout=10,
                             what="the position's SL line gone, the order's preset line kept")
            chart.bind_session(None)

    qloop.run_until_complete(asyncio.wait_for(main(), 90))


def test_position_with_tpsl_screenshot(qloop: Any, qtbot: Any, tmp_path: Path) -> None:
    """The main window on the BTCUSDT perp with a long whose TP/SL came from its opening order's presets: Positions
    blotter and chart lines. BITGET_DESKTOP_SCREENSHOTS=docs/screenshots refreshes the committed PNGs."""
    import os

    target = os.environ.get("BITGET_DESKTOP_SCREENSHOTS")
    shots = Path(target) if target else tmp_path

    async def main() -> None:
        async with simulator(run_market=False) as sim:  # the market stands still: the picture is repeatable
            win = window_for(qtbot, sim, tmp_path, size=(1500, 920))
            session = win.session
            await wait_signal(session.ready, timeout=15)
            client = session.client
            inst = next(i for i in await client.futures_instruments(FUT) if i.symbol == "BTCUSDT")
            last = (await client.ticker(FUT, "BTCUSDT")).last
            tp, sl = inst.snap_price(last * Decimal("1.002")), inst.snap_price(last * Decimal("0.997"))
            await client.place_futures_order(OrderRequest.build(
                inst, side="buy", order_type="market", size="0.05", margin_mode="crossed", margin_coin="USDT",
                preset_take_profit=tp, preset_stop_loss=sl))
            session.set_symbol(f"{FUT.value}:BTCUSDT")
            win.blotter.setCurrentWidget(win.blotter_views["positions"])
            await session.refresh_account()
            chart = win.chart
            await wait_until(lambda: getattr(chart, "instrument", None) == inst and len(chart.chart.store) > 0,
                             timeout=15, what="perp candles")
            want = {("take_profit", float(tp)), ("stop_loss", float(sl))}
            await wait_until(lambda: want <= {(pl.kind, pl.price) for pl in chart.chart.order_lines}
                             and win.positions_model.rowCount() == 1
                             and cell(win.positions_model, 0, "TP") == fmt_decimal(tp, inst.price_places),
                             timeout=15, what="TP/SL on the blotter and the chart")
            for _ in range(10):  # let the views repaint
                await asyncio.sleep(0.05)
            for mode in ("dark", "light"):
                win.set_theme(mode)
                await asyncio.sleep(0.2)
                image = win.grab().toImage()
                assert image.save(str(shots / f"position-tpsl-{mode}.png"))

    qloop.run_until_complete(asyncio.wait_for(main(), 60))
