"""Hostile text typed into the real ticket widgets, then a click: either a field error and nothing sent, or a valid
order that the simulator answers (acknowledged or rejected with a Bitget code) — never a malformed request."""

from __future__ import annotations

import asyncio

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from bitget_desktop.domain.trading import Intent, OrderType, Side, TimeInForce
from bitget_desktop.ui.trading.perp_ticket import PerpTicket
from bitget_desktop.ui.trading.spot_ticket import SpotTicket

from .conftest import FUT, desk_for, wait_until
from .test_ticket_model import HOSTILE

SIZES = st.sampled_from(["0.001", "0.0005", "0.01", "0.002 ", "+0.003", "0,01", "0.00000001", "0.0011111", "０．００２",
                         "1e-3", "-0.001", "", "0.05"])


def _styles(d: Decimal) -> st.SearchStrategy[str]:
    """The same number as people paste it: plain, grouped with commas or spaces, full-width, padded."""
    plain = format(d, "f")
    whole, _, frac = plain.partition(".")
    grouped = f"{int(whole):,}" + (f".{frac}" if frac else "")
    full = plain.translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
    return st.sampled_from([plain, grouped, grouped.replace(",", " "), full, f"  {plain}\t", plain + "7"])


def fields(last: Decimal, places: int) -> st.SearchStrategy[str]:
    """Mostly plausible prices around ``last`` (in many spellings), sometimes anything at all."""
    near = st.decimals(min_value=last * Decimal("0.96"), max_value=last * Decimal("1.04"), places=places,
                       allow_nan=False, allow_infinity=False).flatmap(_styles)
    return st.one_of(HOSTILE, near, near, near)
TERMINAL = ("acknowledged", "rejected", "unknown", "live", "filled", "cancelled", "partially_filled")


def _check_request(req: Any, inst: Any) -> None:
    assert req.symbol == inst.symbol and req.size > 0 and req.size.is_finite()
    if req.price is not None:
        assert req.price > 0 and inst.price_on_tick(req.price)
    assert 0 < len(req.client_oid) <= 50


def test_spot_widget_hostile_input(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    ticket = SpotTicket(desk_for(client))
    qtbot.addWidget(ticket)

    async def setup() -> None:
        inst = next(i for i in await client.spot_instruments() if i.symbol == "BTCUSDT")
        ticket.set_instrument(inst)
        await ticket.refresh()

    run(setup())
    inst = ticket.instrument
    assert inst is not None and ticket.market.last is not None
    near = fields(ticket.market.last, inst.price_places)
    totals = st.one_of(HOSTILE, st.sampled_from(["10", "100.5", "1,000", "５０", "0.5", "200000"]))

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(side=st.sampled_from(Side), kind=st.sampled_from(OrderType), tif=st.sampled_from(TimeInForce),
           price=near, size=st.one_of(SIZES, SIZES, HOSTILE), total=totals)
    def check(side: Side, kind: OrderType, tif: TimeInForce, price: str, size: str, total: str) -> None:
        ticket.side.button(side).click()
        ticket.kind.button(kind).click()
        ticket.tif.setCurrentIndex(ticket.tif.findData(tif))
        for fld, text in ((ticket.price, price), (ticket.size, size), (ticket.total, total)):
            if fld.edit.isEnabled():
                fld.edit.setText(text)
                fld.edited.emit(fld.name)
        before = ticket.last_request
        expected = ticket.validate()
        assert expected is not None
        qtbot.mouseClick(ticket.submit, Qt.MouseButton.LeftButton)
        if expected.request is None:
            assert ticket.last_request is before and expected.errors
            shown = [f.error_text for f in (ticket.price, ticket.size, ticket.total)] + [
                ticket.tif_error.text(), ticket.form_error.text()]
            assert any(shown)
            return

        async def answered() -> None:
            await wait_until(lambda: ticket.last_request is not before, what="sent")
            req = ticket.last_request
            _check_request(req, inst)
            await wait_until(lambda: ticket.state_of(req.client_oid) in TERMINAL, what="Bitget's answer")
            await asyncio.gather(*ticket._tasks.tasks, return_exceptions=True)

        run(answered())

    check()
    run(ticket.aclose())


def test_perp_widget_hostile_input(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    ticket = PerpTicket(desk_for(client))
    qtbot.addWidget(ticket)

    async def setup() -> None:
        inst = next(i for i in await client.futures_instruments(FUT) if i.symbol == "BTCUSDT")
        ticket.set_instrument(inst)
        await ticket.refresh()

    run(setup())
    inst = ticket.instrument
    assert inst is not None and ticket.market.last is not None
    last = ticket.market.last
    near = fields(last, inst.price_places)
    maybe = st.one_of(st.just(""), st.just(""), fields(last * Decimal("0.98"), inst.price_places),
                      fields(last * Decimal("1.02"), inst.price_places))

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(intent=st.sampled_from([Intent.BUY, Intent.SELL]), reduce=st.sampled_from([False, False, False, True]), kind=st.sampled_from(OrderType),
           price=near, size=st.one_of(SIZES, SIZES, HOSTILE), tp=maybe, sl=maybe)
    def check(intent: Intent, reduce: bool, kind: OrderType, price: str, size: str, tp: str, sl: str) -> None:
        ticket.kind.button(kind).click()
        ticket.reduce_only.setChecked(reduce)
        for fld, text in ((ticket.price, price), (ticket.size, size), (ticket.take_profit, tp),
                          (ticket.stop_loss, sl)):
            if fld.edit.isEnabled():
                fld.edit.setText(text)
                fld.edited.emit(fld.name)
        before = ticket.last_request
        expected = ticket.validate(intent)
        assert expected is not None
        qtbot.mouseClick(ticket.intent_buttons[intent], Qt.MouseButton.LeftButton)
        if expected.request is None:
            assert ticket.last_request is before and expected.errors
            return

        async def answered() -> None:
            await wait_until(lambda: ticket.last_request is not before, what="sent")
            req = ticket.last_request
            _check_request(req, inst)
            assert req.trade_side is None and req.reduce_only is reduce
            await wait_until(lambda: ticket.state_of(req.client_oid) in TERMINAL, what="Bitget's answer")
            await asyncio.gather(*ticket._tasks.tasks, return_exceptions=True)

        run(answered())

    check()
    run(ticket.aclose())
