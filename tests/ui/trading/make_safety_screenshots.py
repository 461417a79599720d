"""Screenshots of order-entry safety against the in-process simulator, typed and clicked like a person would.

Run: ``python tests/ui/trading/make_safety_screenshots.py [light|dark] [--hold SECONDS]``
-> docs/screenshots/ticket-refused-click.png, ticket-fat-finger-confirm.png and blotter-hedge.png.
With ``--hold`` (on a real or virtual X screen) the fat-finger confirmation stays open over the ticket that long, for a
whole-screen capture (``/work/shared/tools/screenshot``).
"""

from __future__ import annotations

import asyncio
import os
import sys
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import qasync  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtGui import QPainter, QPixmap  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QHeaderView, QTableView, QVBoxLayout, QWidget  # noqa: E402

from bitget_desktop.domain.market import ProductType  # noqa: E402
from bitget_desktop.domain.trading import Intent, OrderType, PositionMode  # noqa: E402
from bitget_desktop.ui import theme  # noqa: E402
from bitget_desktop.ui.models.blotter import OrderHistoryModel  # noqa: E402
from bitget_desktop.ui.trading.confirm import ConfirmDialog  # noqa: E402
from tests.ui.trading.make_screenshots import simulator_panel  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
FUT = ProductType.USDT_FUTURES


def type_into(field: object, text: str) -> None:
    edit = field.edit  # type: ignore[attr-defined]
    QTest.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(edit, Qt.Key.Key_Backspace)
    QTest.keyClicks(edit, text)


def click(widget: QWidget, pos: QPoint | None = None) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos or widget.rect().center())


async def settle(seconds: float = 0.1) -> None:
    await asyncio.sleep(seconds)
    QApplication.processEvents()


async def until(predicate: object, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():  # type: ignore[operator]
        if loop.time() > end:
            raise TimeoutError(predicate)
        await asyncio.sleep(0.02)


def save(pixmap: QPixmap, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    assert pixmap.save(str(OUT / name)), name
    print(OUT / name)


async def main(mode: str, hold: float) -> None:
    async with simulator_panel(mode) as (_sim, client, panel):
        spot, perp = panel.spot, panel.perp
        await spot.refresh()
        await perp.switch_position_mode(PositionMode.HEDGE)
        await perp.refresh()
        panel.resize(400, 760)
        panel.show()

        # 1. a refused click: "0,001" has two readings; the reason stays after the next refresh
        panel.setCurrentIndex(0)
        type_into(spot.price, str(spot.market.last))
        type_into(spot.size_field, "0,001")
        click(spot.submit)
        await spot.refresh()
        await settle()
        save(panel.grab(), "ticket-refused-click.png")

        # 2. the fat-finger guard: 8 % over the market, asked for explicitly
        panel.setCurrentIndex(1)
        panel.resize(400, 980)
        await settle()
        type_into(perp.price, str((perp.market.last * Decimal("1.08")).quantize(Decimal("0.1"))))
        type_into(perp.size_field, "0.01")
        click(perp.intent_buttons[Intent.OPEN_SHORT])
        await until(lambda: any(d.isVisible() for d in perp.findChildren(ConfirmDialog)))
        dialog = next(d for d in perp.findChildren(ConfirmDialog) if d.isVisible())
        await settle()
        shot = QPixmap(panel.size())
        panel.render(shot)
        painter = QPainter(shot)  # the dialog as the window manager would place it: over the ticket
        pic = dialog.grab()
        painter.drawPixmap(max(0, (shot.width() - pic.width()) // 2), 260, pic)
        painter.end()
        save(shot, "ticket-fat-finger-confirm.png")
        if hold:
            await asyncio.sleep(hold)
        click(dialog.send_button)
        await until(lambda: perp.state_of(perp.last_oid or "") in ("live", "filled", "rejected"))

        # 3. the hedge-mode blotter: open long, open short, close long at market, read as intent
        click(perp.kind.button(OrderType.MARKET))
        for intent, size in ((Intent.OPEN_LONG, "0.02"), (Intent.CLOSE_LONG, "0.01"),
                             (Intent.OPEN_SHORT, "0.01"), (Intent.CLOSE_SHORT, "0.005")):
            await until(lambda: not perp._tasks.tasks)
            type_into(perp.size_field, size)
            before = perp.last_oid
            click(perp.intent_buttons[intent])
            await until(lambda b=before: perp.last_oid != b and perp.state_of(perp.last_oid or "") == "filled")
        model = OrderHistoryModel()
        inst = perp.instrument
        model.instrument_of = lambda k: inst if k == f"{FUT.value}:BTCUSDT" else None
        model.set_records(await client.futures_order_history(FUT, "BTCUSDT"))
        host = QWidget()
        host.setWindowTitle("Order history (hedge mode)")
        lay = QVBoxLayout(host)
        view = QTableView(host)
        view.setModel(model)
        view.verticalHeader().hide()
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        lay.addWidget(view)
        host.resize(1180, 260)
        host.show()
        await settle(0.2)
        row = next(r for r in range(model.rowCount()) if model.data(model.index(r, 3)) == "Close long")
        rect = view.visualRect(model.index(row, 3))
        shot = host.grab()
        painter = QPainter(shot)  # the tooltip that row shows on hover: the raw fields Bitget has
        tip = model.data(model.index(row, 3), Qt.ItemDataRole.ToolTipRole)
        last = view.visualRect(model.index(model.rowCount() - 1, 3))
        origin = view.viewport().mapTo(host, QPoint(rect.left(), last.bottom())) + QPoint(12, 8)
        metrics = painter.fontMetrics()
        box = metrics.boundingRect(tip).adjusted(-6, -4, 6, 4)
        box.moveTopLeft(origin)
        painter.fillRect(box, Qt.GlobalColor.white if mode == "light" else Qt.GlobalColor.black)
        painter.setPen(Qt.GlobalColor.black if mode == "light" else Qt.GlobalColor.white)
        painter.drawRect(box)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, tip)
        painter.drawLine(view.viewport().mapTo(host, rect.center()), box.topLeft() + QPoint(10, 0))
        painter.end()
        save(shot, "blotter-hedge.png")
        host.hide()
        panel.hide()
        await spot.aclose()
        await perp.aclose()


if __name__ == "__main__":
    app = QApplication.instance() or QApplication(sys.argv)
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    hold = float(sys.argv[sys.argv.index("--hold") + 1]) if "--hold" in sys.argv else 0.0
    theme_mode = args[0] if args and args[0] in ("light", "dark") else "light"
    theme.apply(app, theme_mode)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        loop.run_until_complete(main(theme_mode, hold))
