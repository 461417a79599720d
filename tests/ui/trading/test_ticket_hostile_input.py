"""What you see is what is sent: arbitrary text typed key by key into every ticket field, then a real click on every
submit button. Either nothing reaches the simulator and a visible message says why, or the order the simulator holds
is exactly the one the preview and the confirmation showed (side, type, price, size, time in force, tradeSide,
reduce-only, TP/SL). Both tickets, the perp in both position modes, confirmations on."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from bitget_desktop.domain.trading import Intent, OrderType, PositionMode, Side
from bitget_desktop.ui.trading.confirm import ConfirmDialog
from bitget_desktop.ui.trading.perp_ticket import PerpTicket
from bitget_desktop.ui.trading.spot_ticket import SpotTicket

from .conftest import FUT, KEY, desk_for, wait_until

D = Decimal
CLICK = Qt.MouseButton.LeftButton
EXAMPLES = 75
_BOX = QPoint(8, 8)  # inside a check box's indicator

# Anything a keyboard or a paste can put into a line edit (the Basic Multilingual Plane, no control characters)...
ANY_TEXT = st.text(st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cc", "Cs", "Co", "Cn")), max_size=14)
# ...with the characters numbers are made of over-represented.
NUMBERISH = st.text(alphabet="0123456789.,+- _'\u00a0١٢٣٠０１２．eE", max_size=12)


def _spellings(d: Decimal) -> st.SearchStrategy[str]:
    plain = format(d, "f")
    whole, _, frac = plain.partition(".")
    grouped = f"{int(whole):,}" + (f".{frac}" if frac else "")
    return st.sampled_from([plain, plain, grouped, grouped.replace(",", " "), plain.replace(".", ","),
                            plain + "7", f" {plain} "])


def prices(last: Decimal, places: int, spread: str = "0.08") -> st.SearchStrategy[str]:
    """Mostly prices around ``last`` (some past the 5 % fat-finger guard, some off the tick), sometimes anything."""
    lo, hi = last * (1 - D(spread)), last * (1 + D(spread))
    near = st.one_of(*(st.decimals(min_value=lo, max_value=hi, places=p, allow_nan=False, allow_infinity=False)
                       for p in (places, places, places, places + 1)))
    return st.one_of(ANY_TEXT, NUMBERISH, *[near.flatmap(_spellings)] * 4)


SIZES = st.one_of(ANY_TEXT, NUMBERISH, *[st.sampled_from(["0.001", "0.002", "0,001", "1,000", "0.0005", "0.00011",
                                                          "+0.003", "０．００２", "0.01", "", "0.0001"])] * 3)

def clean_prices(last: Decimal, places: int) -> st.SearchStrategy[str]:
    """Prices a trader means: on the tick, within 3 % of the market."""
    return st.decimals(min_value=last * D("0.97"), max_value=last * D("1.03"), places=places, allow_nan=False,
                       allow_infinity=False).map(lambda d: format(d, "f"))


CLEAN_SIZES = st.sampled_from(["0.001", "0.002", "0.0015", "0.01"])

SENDS = re.compile(r"Sends: (BUY|SELL) (LIMIT|MARKET) (spend )?([0-9.]+) ([A-Z]+)(?: at ([0-9.]+) [A-Z]+)?"
                   r"([^\n]*)")


def sends(text: str) -> dict[str, Any]:
    """The 'Sends: …' line of a preview or a confirmation, as values."""
    m = SENDS.search(text)
    assert m is not None, f"no 'Sends:' line in {text!r}"
    side, kind, spend, size, _unit, price, rest = m.groups()
    out: dict[str, Any] = {"side": side.lower(), "type": kind.lower(), "size": D(size),
                           "price": D(price) if price else None, "force": "gtc", "trade_side": None,
                           "reduce_only": None, "tp": None, "sl": None, "quote_sized": bool(spend)}
    for part in (p.strip() for p in rest.split("·") if p.strip()):
        if part in ("GTC", "POST-ONLY", "IOC", "FOK"):
            out["force"] = part.lower().replace("-", "_")
        elif part.startswith("tradeSide "):
            out["trade_side"] = part.split()[1]
        elif part in ("reduce-only", "not reduce-only"):
            out["reduce_only"] = part == "reduce-only"
        elif part.startswith(("TP ", "SL ")):
            value = part.split()[1]
            out[part[:2].lower()] = None if value == "none" else D(value)
    return out


def clear_and_type(qtbot: Any, edit: Any, text: str) -> None:
    """Select all and delete, then type ``text`` key by key (each key a textEdited, as a person's)."""
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    for ch in text:
        if " " <= ch <= "~":
            qtbot.keyClicks(edit, ch)
        else:  # WORKAROUND: QTest.keyClicks aborts on characters it has no key code for; the same key press
            QTest.sendKeyEvent(QTest.KeyAction.Click, edit, Qt.Key.Key_unknown, ch, Qt.KeyboardModifier.NoModifier)


def sim_orders(sim: Any) -> dict[str, Any]:
    """Every order the simulator holds for the test key, by clientOid."""
    return {o.client_oid: o for o in sim.engine.account(KEY).orders.values()}


def visible_dialog(ticket: Any) -> ConfirmDialog | None:
    return next((d for d in ticket.findChildren(ConfirmDialog) if d.isVisible()), None)


async def outcome(qtbot: Any, ticket: Any, sim: Any, before: set[str], stats: dict[str, int]) -> None:
    """After a click: a visible refusal with nothing on the simulator, or the confirmed order, exactly as shown."""
    if ticket.status_label.property("state") == "refused":
        assert ticket.status_label.isVisible() and ticket.status_label.text().startswith("Not sent: ")
        assert len(ticket.status_label.text()) > len("Not sent: ")
        assert set(sim_orders(sim)) == before
        stats["refused"] += 1
        return
    await wait_until(lambda: visible_dialog(ticket) is not None, what="a confirmation")
    dialog = visible_dialog(ticket)
    assert dialog is not None
    shown = sends(ticket.preview.text())
    assert sends(dialog.body.text()) == shown  # the confirmation says what the preview said
    oid = re.search(r"clientOid (\S+)", dialog.body.text())
    assert oid is not None
    client_oid = oid.group(1)
    stats["fat-finger" if dialog.objectName() == "fatFingerConfirm" else "confirmed"] += 1
    qtbot.mouseClick(dialog.send_button, CLICK)
    await wait_until(lambda: ticket.state_of(client_oid) not in (None, "sending"), what="Bitget's answer")
    orders = sim_orders(sim)
    if ticket.state_of(client_oid) == "rejected":  # the exchange refused: nothing there, and the line says why
        assert client_oid not in orders and "Rejected by Bitget" in ticket.status_label.text()
        stats["rejected"] += 1
        return
    o = orders[client_oid]
    assert (o.side, o.order_type, o.size, o.price) == (shown["side"], shown["type"], shown["size"], shown["price"])
    if o.order_type == "limit":
        assert o.force == shown["force"]
    if o.product != "SPOT":
        # a hedge-mode close (tradeSide=close) is reducing by nature: the simulator records it so
        reducing = shown["reduce_only"] or shown["trade_side"] == "close"
        assert o.trade_side == shown["trade_side"] and o.reduce_only is reducing
        assert (o.preset_tp, o.preset_sl) == (shown["tp"], shown["sl"])
        lev = re.search(r"\((\d+)x (crossed|isolated)\)", ticket.preview.text())
        if lev is not None:  # an opening order shows the leverage it opens at
            assert (o.leverage, o.margin_mode) == (int(lev.group(1)), lev.group(2))
    stats["sent"] += 1
    # the ticket's tasks and the desk's follow-ups end before the next example types (outside the loop)
    await asyncio.gather(*ticket._tasks.tasks, *ticket.desk.tasks.tasks, return_exceptions=True)


def test_spot_what_you_see_is_what_is_sent(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    ticket = SpotTicket(desk_for(client), confirm=True)
    qtbot.addWidget(ticket)
    ticket.resize(380, 900)
    ticket.show()

    async def setup() -> None:
        ticket.set_instrument(next(i for i in await client.spot_instruments() if i.symbol == "BTCUSDT"))
        await ticket.refresh()

    run(setup())
    inst, last = ticket.instrument, ticket.market.last
    assert inst is not None and last is not None
    stats = dict.fromkeys(("refused", "confirmed", "fat-finger", "sent", "rejected"), 0)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(side=st.sampled_from(Side), kind=st.sampled_from(OrderType), tif_steps=st.integers(0, 3),
           clean=st.booleans(), price=prices(last, inst.price_places), size=SIZES,
           total=st.one_of(ANY_TEXT, NUMBERISH, st.sampled_from(["10", "100.5", "1,000", "５０", "200000"])),
           clean_price=clean_prices(last, inst.price_places), clean_size=CLEAN_SIZES)
    def check(side: Side, kind: OrderType, tif_steps: int, clean: bool, price: str, size: str, total: str,
              clean_price: str, clean_size: str) -> None:
        if clean:
            price, size, total = clean_price, clean_size, "100"
        qtbot.mouseClick(ticket.side.button(side), CLICK)
        qtbot.mouseClick(ticket.kind.button(kind), CLICK)
        if ticket.tif.isEnabled():
            qtbot.keyClick(ticket.tif, Qt.Key.Key_Home)
            for _ in range(tif_steps):
                qtbot.keyClick(ticket.tif, Qt.Key.Key_Down)
        for fld, text in ((ticket.price, price), (ticket.size_field, size), (ticket.total, total)):
            if fld.edit.isEnabled():
                clear_and_type(qtbot, fld.edit, text)
        before = set(sim_orders(sim))
        qtbot.mouseClick(ticket.submit, CLICK)
        run(outcome(qtbot, ticket, sim, before, stats))

    check()
    run(ticket.aclose())
    print("spot outcomes", stats)
    assert stats["refused"] and stats["sent"], stats  # both ways out were taken


@pytest.mark.parametrize("mode", [PositionMode.ONE_WAY, PositionMode.HEDGE])
def test_perp_what_you_see_is_what_is_sent(qtbot: Any, run: Any, sim: Any, client: Any, mode: PositionMode) -> None:
    ticket = PerpTicket(desk_for(client), confirm=True)
    qtbot.addWidget(ticket)
    ticket.resize(400, 1100)
    ticket.show()

    async def setup() -> None:
        ticket.set_instrument(next(i for i in await client.futures_instruments(FUT) if i.symbol == "BTCUSDT"))
        await ticket.refresh()
        if mode is PositionMode.HEDGE:
            assert await ticket.switch_position_mode(mode)

    run(setup())
    inst, last = ticket.instrument, ticket.market.last
    assert inst is not None and last is not None and ticket.position_mode is mode
    intents = ([Intent.OPEN_LONG, Intent.OPEN_SHORT, Intent.CLOSE_LONG, Intent.CLOSE_SHORT]
               if mode is PositionMode.HEDGE else [Intent.BUY, Intent.SELL])
    tpsl = st.one_of(st.just(""), prices(last * D("0.97"), inst.price_places, "0.02"),
                     prices(last * D("1.03"), inst.price_places, "0.02"))
    stats = dict.fromkeys(("refused", "confirmed", "fat-finger", "sent", "rejected"), 0)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(intent=st.sampled_from(intents), reduce=st.sampled_from([False, False, False, True]),
           kind=st.sampled_from(OrderType), tif_steps=st.integers(0, 3), clean=st.booleans(),
           price=st.one_of(prices(last, inst.price_places), clean_prices(last, inst.price_places)),
           size=st.one_of(SIZES, CLEAN_SIZES), tp=tpsl, sl=tpsl, clean_size=CLEAN_SIZES,
           clean_price=clean_prices(last, inst.price_places),
           leverage=st.one_of(st.just(""), st.text("0123456789x-", max_size=4), ANY_TEXT))
    def check(intent: Intent, reduce: bool, kind: OrderType, tif_steps: int, clean: bool, price: str, size: str,
              tp: str, sl: str, clean_size: str, clean_price: str, leverage: str) -> None:
        if clean:  # half the examples are what a trader means, so that orders do go out and get compared
            price, size, tp, sl = clean_price, clean_size, "", ""
        qtbot.mouseClick(ticket.kind.button(kind), CLICK)
        if ticket.tif.isEnabled():
            qtbot.keyClick(ticket.tif, Qt.Key.Key_Home)
            for _ in range(tif_steps):
                qtbot.keyClick(ticket.tif, Qt.Key.Key_Down)
        if mode is PositionMode.ONE_WAY and ticket.reduce_only.isChecked() is not reduce:
            qtbot.mouseClick(ticket.reduce_only, CLICK, pos=ticket.reduce_only.rect().topLeft() + _BOX)
        clear_and_type(qtbot, ticket.leverage_spin.lineEdit(), leverage)  # typed, never Set: the order keeps
        if ticket.leverage_spin.value() > inst.max_leverage:  # the leverage Bitget reports; too much is flagged
            assert ticket.leverage_error.isVisibleTo(ticket) and "maximum of 125x" in ticket.leverage_error.text()
        for fld, text in ((ticket.price, price), (ticket.size_field, size), (ticket.take_profit, tp),
                          (ticket.stop_loss, sl)):
            if fld.edit.isEnabled():
                clear_and_type(qtbot, fld.edit, text)
        before = set(sim_orders(sim))
        qtbot.mouseClick(ticket.intent_buttons[intent], CLICK)
        run(outcome(qtbot, ticket, sim, before, stats))

    check()
    run(ticket.aclose())
    print(f"perp {mode.value} outcomes", stats)
    assert stats["refused"] and stats["sent"], stats
