"""Spot ticket, clicked through against the in-process simulator; results are checked on the exchange side."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt

from bitget_desktop.domain.market import ProductType
from bitget_desktop.domain.trading import OrderType, Side, TimeInForce
from bitget_desktop.ui.trading.confirm import ConfirmDialog
from bitget_desktop.ui.trading.spot_ticket import SpotTicket

from .conftest import KEY, desk_for, sim_order, wait_signal, wait_state, wait_until

D = Decimal


async def make_ticket(qtbot: Any, client: Any, symbol: str = "BTCUSDT", **kw: Any) -> SpotTicket:
    ticket = SpotTicket(desk_for(client), **kw)
    qtbot.addWidget(ticket)
    ticket.resize(360, 640)
    inst = next(i for i in await client.spot_instruments() if i.symbol == symbol)
    ticket.set_instrument(inst)
    await ticket.refresh()
    return ticket


def choose(ticket: SpotTicket, side: Side, kind: OrderType, tif: TimeInForce = TimeInForce.GTC) -> None:
    ticket.side.button(side).click()
    ticket.kind.button(kind).click()
    ticket.tif.setCurrentIndex(ticket.tif.findData(tif))


def type_into(qtbot: Any, field: Any, text: str) -> None:
    field.edit.clear()
    qtbot.keyClicks(field.edit, text)


async def click_and_ack(qtbot: Any, ticket: SpotTicket) -> tuple[str, str]:
    qtbot.mouseClick(ticket.submit, Qt.MouseButton.LeftButton)
    try:
        oid, order_id = await wait_signal(ticket.ack_shown)
    except TimeoutError:
        raise AssertionError(f"no ack: {ticket.status_label.text()!r}") from None
    assert order_id and oid in ticket.status_label.text() and "Acknowledged" in ticket.status_label.text()
    return oid, order_id


async def open_dialog(ticket: Any) -> ConfirmDialog:
    """The confirmation the ticket opened (window-modal, parented to it)."""
    found: list[ConfirmDialog] = []

    def shown() -> bool:
        found[:] = [d for d in ticket.findChildren(ConfirmDialog) if d.isVisible()]
        return bool(found)

    await wait_until(shown, what="a confirmation dialog")
    return found[0]


def test_limit_buy_rests_then_cancel(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_ticket(qtbot, client)
        assert t.quote_available == D("100000") and "100000.00 USDT" in t.available.text()
        bid = sim.market.book("SPOT", "BTCUSDT").bids[0][0]
        choose(t, Side.BUY, OrderType.LIMIT)
        price = bid - D("100")
        type_into(qtbot, t.price, str(price))
        type_into(qtbot, t.size_field, "0.01")
        assert D(t.total.text()) == (price * D("0.01")).quantize(D("0.01"), rounding="ROUND_DOWN")  # linked
        oid, _order_id = await click_and_ack(qtbot, t)
        assert await wait_state(t, oid, ("live",)) == "live"
        o = sim_order(sim, oid)
        assert (o.side, o.order_type, o.price, o.size, o.status) == ("buy", "limit", price, D("0.01"), "live")
        assert "Live on the book" in t.status_label.text() and not t.cancel_button.isHidden()
        # cancel it from the status line
        qtbot.mouseClick(t.cancel_button, Qt.MouseButton.LeftButton)
        await wait_state(t, oid, ("cancelled",))
        assert sim_order(sim, oid).status == "cancelled" and "Cancelled" in t.status_label.text()
        await t.aclose()

    run(body())


def test_limit_sell_crossing_fills(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_ticket(qtbot, client)
        bid = sim.market.book("SPOT", "BTCUSDT").bids[0]
        choose(t, Side.SELL, OrderType.LIMIT)
        t.set_price(bid[0])  # as if clicked on the book
        assert t.price.text() == f"{bid[0]:.2f}"
        size = min(bid[1], D("0.01"))
        type_into(qtbot, t.size_field, str(size))
        oid, _ = await click_and_ack(qtbot, t)
        await wait_state(t, oid, ("filled",))
        o = sim_order(sim, oid)
        assert o.status == "filled" and o.filled_base == size and o.side == "sell"
        assert "Filled" in t.status_label.text()
        bal = {b.coin: b for b in await client.spot_balances()}
        assert bal["BTC"].available == D(1) - size
        await t.aclose()

    run(body())


def test_market_buy_is_quote_sized_and_market_sell(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_ticket(qtbot, client)
        choose(t, Side.BUY, OrderType.MARKET)
        assert not t.size_field.edit.isEnabled() and t.total_label.text() == "Spend"
        assert "sized in USDT" in t.note.text() and "at market" in t.submit.text()
        type_into(qtbot, t.total, "1000")
        assert t.size_field.text()  # the estimate in BTC
        oid, _ = await click_and_ack(qtbot, t)
        await wait_state(t, oid, ("filled",))
        o = sim_order(sim, oid)
        assert o.order_type == "market" and o.size == D("1000") and o.filled_base > 0
        assert abs(o.filled_quote - D("1000")) < D("200")

        choose(t, Side.SELL, OrderType.MARKET)
        assert not t.total.edit.isEnabled() and t.size_field.edit.isEnabled()
        type_into(qtbot, t.size_field, "0.005")
        oid2, _ = await click_and_ack(qtbot, t)
        await wait_state(t, oid2, ("filled",))
        o2 = sim_order(sim, oid2)
        assert (o2.side, o2.filled_base) == ("sell", D("0.005"))
        await t.aclose()

    run(body())


def test_post_only_that_would_cross_is_cancelled(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_ticket(qtbot, client)
        ask = sim.market.book("SPOT", "BTCUSDT").asks[0][0]
        choose(t, Side.BUY, OrderType.LIMIT, TimeInForce.POST_ONLY)
        type_into(qtbot, t.price, str(ask))
        type_into(qtbot, t.size_field, "0.001")
        oid, _ = await click_and_ack(qtbot, t)
        await wait_state(t, oid, ("cancelled",))
        o = sim_order(sim, oid)
        assert o.status == "cancelled" and o.filled_base == 0 and o.force == "post_only"
        assert "Cancelled: 0 of 0.001 BTC" in t.status_label.text()
        assert "post-only: it would have crossed the book" in t.status_label.text()
        await t.aclose()

    run(body())


def test_ioc_partial_fill(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_ticket(qtbot, client)
        ask, ask_size = sim.market.book("SPOT", "BTCUSDT").asks[0]
        choose(t, Side.BUY, OrderType.LIMIT, TimeInForce.IOC)
        type_into(qtbot, t.price, str(ask))
        type_into(qtbot, t.size_field, str(ask_size + D("0.1")))
        oid, _ = await click_and_ack(qtbot, t)
        await wait_state(t, oid, ("cancelled",))
        o = sim_order(sim, oid)
        assert o.status == "cancelled" and o.filled_base == ask_size  # took the best ask level, the rest cancelled
        assert f"Cancelled: {ask_size.normalize()} of" in t.status_label.text()
        await t.aclose()

    run(body())


def test_cancel_all_button(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_ticket(qtbot, client)
        bid = sim.market.book("SPOT", "BTCUSDT").bids[0][0]
        choose(t, Side.BUY, OrderType.LIMIT)
        oids = []
        for k in range(3):
            type_into(qtbot, t.price, str(bid - D(50 + k)))
            type_into(qtbot, t.size_field, "0.001")
            oids.append((await click_and_ack(qtbot, t))[0])
        assert len(await client.spot_open_orders("BTCUSDT")) == 3
        qtbot.mouseClick(t.cancel_all_button, Qt.MouseButton.LeftButton)
        await wait_state(t, "", ("cancel-acknowledged",))
        assert await client.spot_open_orders("BTCUSDT") == []
        assert all(sim_order(sim, oid).status == "cancelled" for oid in oids)
        await t.aclose()

    run(body())


def test_guards_before_sending(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    """Off-tick, fat-finger, below minimum and insufficient balance are caught next to the field; nothing is sent."""

    async def body() -> None:
        t = await make_ticket(qtbot, client)
        last = t.market.last
        assert last is not None
        choose(t, Side.BUY, OrderType.LIMIT)
        sent: list[str] = []
        t.order_state.connect(lambda oid, state, _text: sent.append(state))

        type_into(qtbot, t.price, f"{last:.2f}1")  # one decimal too many
        type_into(qtbot, t.size_field, "0.01")
        assert "tick" in t.price.error_text
        qtbot.mouseClick(t.submit, Qt.MouseButton.LeftButton)  # snapped down (a buy), shown, not sent
        assert t.price.text() == f"{last:.2f}" and "Not sent" in t.status_label.text()
        assert "tick" in t.status_label.text() and "in your favour" in t.status_label.text()
        type_into(qtbot, t.price, str((last * D("1.2")).quantize(D("0.01"))))
        qtbot.mouseClick(t.submit, Qt.MouseButton.LeftButton)
        dialog = await open_dialog(t)  # the fat-finger guard asks; Cancel sends nothing
        assert "above the last price" in dialog.body.text() and "5%" in dialog.body.text()
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Cancel), Qt.MouseButton.LeftButton)
        await wait_until(lambda: "Not sent" in t.status_label.text(), what="declined")
        type_into(qtbot, t.price, str(last))
        type_into(qtbot, t.size_field, "0.000001")
        qtbot.mouseClick(t.submit, Qt.MouseButton.LeftButton)
        assert "minimum" in t.size_field.error_text
        type_into(qtbot, t.size_field, "5")
        qtbot.mouseClick(t.submit, Qt.MouseButton.LeftButton)
        assert "100000.00 USDT available" in t.total.error_text
        type_into(qtbot, t.size_field, "12abc")
        assert "not a number" in t.size_field.error_text
        assert set(sent) <= {"refused", "not-sent", ""} and await client.spot_open_orders() == []
        assert KEY not in t.status_label.text()
        # the snapped value replaces what was typed when the field is left
        type_into(qtbot, t.size_field, "0.0123456789")
        t.size_field.edit.editingFinished.emit()
        assert t.size_field.text() == "0.012345"
        await t.aclose()

    run(body())


def test_slider_uses_share_of_balance(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_ticket(qtbot, client)
        choose(t, Side.SELL, OrderType.LIMIT)
        t.set_price(t.market.last)
        t.slider.setValue(50)
        assert t.size_field.text() == "0.5" and t.pct_label.text() == "50%"
        choose(t, Side.BUY, OrderType.MARKET)
        t.slider.setValue(25)
        assert t.total.text() == "25000"
        await t.aclose()

    run(body())


def test_rejection_shows_bitget_code(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    """Balance unknown to the ticket (so the local guard is off): Bitget's refusal and code are shown as they are."""

    async def body() -> None:
        t = await make_ticket(qtbot, client)
        t.quote_available = None  # pretend the balance was never read
        choose(t, Side.BUY, OrderType.LIMIT)
        type_into(qtbot, t.price, str(t.market.last))
        type_into(qtbot, t.size_field, "5")
        qtbot.mouseClick(t.submit, Qt.MouseButton.LeftButton)
        oid, state, _text = await wait_signal(t.order_state)
        if state == "sending":
            oid, state, _text = await wait_signal(t.order_state)
        assert state == "rejected" and "Rejected by Bitget: [43012]" in t.status_label.text()
        assert sim.engine.find_order(KEY, client_oid=oid) is None
        await t.aclose()

    run(body())


def test_confirmation_dialog(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    from PySide6.QtWidgets import QApplication

    from bitget_desktop.ui.trading.confirm import ConfirmDialog

    async def body() -> None:
        t = await make_ticket(qtbot, client, confirm=True, live=True)
        bid = sim.market.book(ProductType.SPOT.value, "BTCUSDT").bids[0][0]
        choose(t, Side.BUY, OrderType.LIMIT)
        type_into(qtbot, t.price, str(bid - 10))
        type_into(qtbot, t.size_field, "0.001")

        async def dialog() -> ConfirmDialog:
            from .conftest import wait_until

            await wait_until(lambda: any(isinstance(w, ConfirmDialog) and w.isVisible()
                                         for w in QApplication.topLevelWidgets()))
            return next(w for w in QApplication.topLevelWidgets() if isinstance(w, ConfirmDialog) and w.isVisible())

        qtbot.mouseClick(t.submit, Qt.MouseButton.LeftButton)
        d = await dialog()
        assert "LIVE account" in d.findChild(type(d.body), "modeNote").text() and "clientOid" in d.body.text()
        d.reject()
        await wait_state(t, "", ("not-sent",))
        assert await client.spot_open_orders() == []

        qtbot.mouseClick(t.submit, Qt.MouseButton.LeftButton)
        d = await dialog()
        qtbot.mouseClick(d.send_button, Qt.MouseButton.LeftButton)
        oid, _ = await wait_signal(t.ack_shown)
        assert sim_order(sim, oid).status == "live"
        await t.aclose()

    run(body())


def test_unanswered_order_is_resolved_with_the_exchange(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    """Bitget does not answer the placement nor the lookups: the ticket says 'unknown', keeps asking, and shows
    what the exchange finally says (here: no such order, it was not placed) — never a guess."""

    async def body() -> None:
        t = await make_ticket(qtbot, client)
        choose(t, Side.BUY, OrderType.LIMIT)
        type_into(qtbot, t.price, str(sim.market.book("SPOT", "BTCUSDT").bids[0][0] - 100))
        type_into(qtbot, t.size_field, "0.001")
        sim.faults.next_http_errors = [503] * 200
        qtbot.mouseClick(t.submit, Qt.MouseButton.LeftButton)
        from .conftest import wait_until

        await wait_until(lambda: t.last_oid is not None and t.state_of(t.last_oid) == "unknown", timeout=20,
                         what="unknown state")
        oid = t.last_oid
        assert oid is not None and "may or may not exist" in t.status_label.text()
        sim.faults.next_http_errors.clear()
        await wait_state(t, oid, ("not-placed",), timeout=20)
        assert "it was not placed" in t.status_label.text()
        assert sim.engine.find_order(KEY, client_oid=oid) is None
        await t.aclose()

    run(body(), timeout=45)
