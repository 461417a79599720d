"""Order-entry safety, item by item (issue 11), typed and clicked into real tickets over the in-process simulator:
one reading per number, refusals that stay, off-tick prices in the trader's favour, numbers at the instrument's
precision, the fat-finger confirmation, leverage's maximum, time in force, post-only reasons, blotter intents, status
lines per market, and error text that never moves a field or a button. Perp items run in both position modes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt

from bitget_desktop.domain.trading import Intent, OrderType, PositionMode, Side, TimeInForce
from bitget_desktop.ui.models.blotter import OrderHistoryModel
from bitget_desktop.ui.trading.confirm import ConfirmDialog
from bitget_desktop.ui.trading.numbers import FieldError, parse_amount

from .conftest import FUT, KEY, sim_order, wait_signal, wait_state, wait_until
from .test_perp_ticket import make_ticket as make_perp
from .test_spot_ticket import make_ticket as make_spot

D = Decimal
CLICK = Qt.MouseButton.LeftButton
MODES = [PositionMode.ONE_WAY, PositionMode.HEDGE]
BUY_OF = {PositionMode.ONE_WAY: Intent.BUY, PositionMode.HEDGE: Intent.OPEN_LONG}
SELL_OF = {PositionMode.ONE_WAY: Intent.SELL, PositionMode.HEDGE: Intent.OPEN_SHORT}


def type_into(qtbot: Any, field: Any, text: str) -> None:
    """Select all, delete and type, key by key (every key a textEdited)."""
    qtbot.keyClick(field.edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(field.edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field.edit, text)


async def perp(qtbot: Any, client: Any, mode: PositionMode, **kw: Any) -> Any:
    t = await make_perp(qtbot, client, **kw)
    if mode is PositionMode.HEDGE:
        assert await t.switch_position_mode(mode)
    assert t.position_mode is mode
    return t


def sim_oids(sim: Any) -> set[str]:
    return {o.client_oid for o in sim.engine.account(KEY).orders.values()}


async def market_long(qtbot: Any, t: Any, mode: PositionMode, size: str) -> str:
    """Open a long at market with real clicks; its clientOid once filled and shown as a position."""
    qtbot.mouseClick(t.kind.button(OrderType.MARKET), CLICK)
    type_into(qtbot, t.size_field, size)
    qtbot.mouseClick(t.intent_buttons[BUY_OF[mode]], CLICK)
    oid, _ = await wait_signal(t.ack_shown)
    await wait_state(t, oid, ("filled",))
    await wait_until(lambda: len(t.position_rows) == 1, what="a long")
    return oid


async def dialog_of(ticket: Any) -> ConfirmDialog:
    await wait_until(lambda: any(d.isVisible() for d in ticket.findChildren(ConfirmDialog)), what="a dialog")
    return next(d for d in ticket.findChildren(ConfirmDialog) if d.isVisible())


# -- one reading per number ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, hint", [
    ("0,001", "0.001"), ("0,5", "0.5"), ("1,000", "1000 or 1.000"), ("12,5", "12.5"), ("1.000.000", "decimal point"),
    ("1.234,5", "decimal point"), ("1,234 567", "mixed separators"), ("1 234,5", "mixed separators"),
    ("0,001,000", "not a number"), ("01,000", "decimal point"),
])
def test_ambiguous_numbers_are_refused_with_how_to_write_them(text: str, hint: str) -> None:
    with pytest.raises(FieldError) as exc:
        parse_amount(text, "size")
    assert hint in exc.value.reason


@pytest.mark.parametrize("text, value", [
    ("0.001", "0.001"), ("1,234.5", "1234.5"), ("1,000,000", "1000000"), ("1 000", "1000"), ("1'234.5", "1234.5"),
    ("１２３．５", "123.5"), ("+0.5", "0.5"),
])
def test_numbers_with_one_reading_are_accepted(text: str, value: str) -> None:
    assert parse_amount(text, "size") == D(value)


def test_a_size_typed_as_0_comma_001_is_refused_not_sent_as_1(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_spot(qtbot, client)
        type_into(qtbot, t.price, str(t.market.last))
        type_into(qtbot, t.size_field, "0,001")
        assert "use '.' as the decimal point: 0.001" in t.size_field.error_text
        assert "Sends" not in t.preview.text()
        qtbot.mouseClick(t.submit, CLICK)
        assert t.status_label.text().startswith("Not sent: size: use '.'") and sim_oids(sim) == set()
        await t.aclose()

    run(body())


# -- a refused click keeps its reason ---------------------------------------------------------------------------------

def test_refused_click_reason_survives_market_updates(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_spot(qtbot, client)
        type_into(qtbot, t.price, str(t.market.last))
        type_into(qtbot, t.size_field, "5")  # 5 BTC: more USDT than there is
        qtbot.mouseClick(t.submit, CLICK)
        assert "needs" in t.total.error_text and "Not sent: total: needs" in t.status_label.text()
        for _ in range(3):  # tickers and balances arrive and re-validate: the reason stays
            await t.refresh()
            t.set_market(t.market)
        assert "needs" in t.total.error_text and "Not sent: total: needs" in t.status_label.text()
        qtbot.keyClick(t.size_field.edit, Qt.Key.Key_Backspace)  # the input changes: live validation again
        assert t.status_label.text() == ""
        await t.aclose()

    run(body())


@pytest.mark.parametrize("mode", MODES)
def test_perp_refused_click_reason_survives_refresh(qtbot: Any, run: Any, sim: Any, client: Any,
                                                    mode: PositionMode) -> None:
    async def body() -> None:
        t = await perp(qtbot, client, mode)
        qtbot.mouseClick(t.intent_buttons[BUY_OF[mode]], CLICK)  # nothing typed
        assert "enter a price" in t.price.error_text and "enter a size" in t.size_field.error_text
        assert t.status_label.text() == "Not sent: price: enter a price; size: enter a size in BTC"
        await t.refresh()
        await t.refresh()
        assert "enter a price" in t.price.error_text and t.status_label.text().startswith("Not sent")
        qtbot.keyClicks(t.size_field.edit, "0")
        assert t.status_label.text() == "" and sim_oids(sim) == set()
        await t.aclose()

    run(body())


# -- off-tick prices: in the trader's favour, the same on Enter, on a click and from the book -----------------

def test_spot_off_tick_price_snaps_in_the_traders_favour(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_spot(qtbot, client)
        last = t.market.last
        assert last is not None
        base = last.quantize(D("0.01"))
        t.side.button(Side.BUY).click()
        type_into(qtbot, t.price, f"{base}9")  # x.xx9: a buy rounds down, even from .xx9
        qtbot.keyClick(t.price.edit, Qt.Key.Key_Return)
        assert t.price.text() == f"{base}"
        t.side.button(Side.SELL).click()
        type_into(qtbot, t.price, f"{base}1")  # a sell rounds up, even from .xx1
        qtbot.keyClick(t.price.edit, Qt.Key.Key_Return)
        assert t.price.text() == f"{base + D('0.01')}"
        # a click without leaving the field: the same rule, the snapped price shown, nothing sent yet
        t.side.button(Side.BUY).click()
        type_into(qtbot, t.price, f"{base}5")
        type_into(qtbot, t.size_field, "0.001")
        qtbot.mouseClick(t.submit, CLICK)
        assert t.price.text() == f"{base}" and "in your favour" in t.status_label.text()
        assert sim_oids(sim) == set()
        qtbot.mouseClick(t.submit, CLICK)  # the second click sends what is shown
        oid, _ = await wait_signal(t.ack_shown)
        assert sim_order(sim, oid).price == base
        # a price clicked on the chart (off the tick) for a sell goes up
        t.side.button(Side.SELL).click()
        t.set_price(base + D("0.004"))
        assert t.price.text() == f"{base + D('0.01')}"
        await t.aclose()

    run(body())


@pytest.mark.parametrize("mode", MODES)
def test_perp_off_tick_price_snaps_by_the_clicked_intent(qtbot: Any, run: Any, sim: Any, client: Any,
                                                         mode: PositionMode) -> None:
    async def body() -> None:
        t = await perp(qtbot, client, mode)
        last = t.market.last
        assert last is not None
        base = last.quantize(D("0.1"))
        type_into(qtbot, t.size_field, "0.001")
        type_into(qtbot, t.price, f"{base}5")
        qtbot.mouseClick(t.intent_buttons[SELL_OF[mode]], CLICK)  # a sell: up
        assert t.price.text() == f"{base + D('0.1')}" and sim_oids(sim) == set()
        type_into(qtbot, t.price, f"{base}5")
        qtbot.mouseClick(t.intent_buttons[BUY_OF[mode]], CLICK)  # a buy: down
        assert t.price.text() == f"{base}" and "Not sent" in t.status_label.text()
        qtbot.mouseClick(t.intent_buttons[BUY_OF[mode]], CLICK)
        oid, _ = await wait_signal(t.ack_shown)
        assert sim_order(sim, oid).price == base
        type_into(qtbot, t.take_profit, f"{base * 2}5")  # TP/SL off the tick: refused, both neighbours named
        assert "use" in t.take_profit.error_text and "or" in t.take_profit.error_text
        await t.aclose()

    run(body())


# -- numbers at the instrument's precision, with units --------------------------------------------------------------

def test_spot_numbers_at_instrument_precision(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_spot(qtbot, client)
        t.quote_available = D("159436.12376377629")
        t._show_available()
        assert "159436.12 USDT" in t.available.text()
        bid = sim.market.book("SPOT", "BTCUSDT").bids[0][0]
        t.side.button(Side.SELL).click()
        t.set_price(bid)
        type_into(qtbot, t.size_field, "0.001")
        assert t.preview.text().startswith(f"Sends: SELL LIMIT 0.001 BTC at {bid:.2f} USDT · GTC")
        fee = t.preview.text().split("fee ≈ ")[1]
        assert fee.endswith(" USDT") and len(fee.split()[0].split(".")[1]) == 4
        qtbot.mouseClick(t.submit, CLICK)
        oid, _ = await wait_signal(t.ack_shown)
        await wait_state(t, oid, ("filled",))
        avg = t.status_label.text().split("@ ")[1].split()[0]
        assert len(avg.split(".")[1]) == 2 and "USDT" in t.status_label.text()
        type_into(qtbot, t.size_field, "0.000001")  # below the minimum notional: the message has units and cents
        assert "USDT is below the minimum notional 1 USDT" in t.size_field.error_text
        await t.aclose()

    run(body())


def test_off_lot_hint_never_suggests_zero(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_perp(qtbot, client)
        type_into(qtbot, t.size_field, "0.00005")  # below the 0.0001 lot
        assert "smallest size is 0.0001" in t.size_field.error_text and "use 0)" not in t.size_field.error_text
        await t.aclose()

    run(body())


# -- the fat-finger guard ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_fat_finger_names_its_reference_and_can_be_confirmed(qtbot: Any, run: Any, sim: Any, client: Any,
                                                            mode: PositionMode) -> None:
    async def body() -> None:
        t = await perp(qtbot, client, mode)
        last = t.market.last
        assert last is not None
        far = (last * D("0.9")).quantize(D("0.1"))  # 10 % under the market: a buy that would rest
        type_into(qtbot, t.price, str(far))
        type_into(qtbot, t.size_field, "0.001")
        qtbot.mouseClick(t.intent_buttons[BUY_OF[mode]], CLICK)
        dialog = await dialog_of(t)
        text = dialog.body.text()
        assert dialog.objectName() == "fatFingerConfirm" and dialog.send_button.text() == "Send anyway"
        assert f"below the last price {last:.1f} USDT" in text and "fat-finger guard is 5%" in text
        assert f"Sends: BUY LIMIT 0.001 BTC at {far} USDT" in text
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Cancel), CLICK)
        await wait_until(lambda: t.status_label.text().startswith("Not sent: Price"), what="declined")
        assert sim_oids(sim) == set()
        qtbot.mouseClick(t.intent_buttons[BUY_OF[mode]], CLICK)
        dialog = await dialog_of(t)
        qtbot.mouseClick(dialog.send_button, CLICK)
        oid, _ = await wait_signal(t.ack_shown)
        assert sim_order(sim, oid).price == far
        await t.aclose()

    run(body())


def test_fat_finger_threshold_is_the_setting(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_spot(qtbot, client, fat_finger_pct=D(20))
        type_into(qtbot, t.price, str((t.market.last * D("0.9")).quantize(D("0.01"))))
        type_into(qtbot, t.size_field, "0.001")
        qtbot.mouseClick(t.submit, CLICK)  # 10 % off with a 20 % guard: no question asked
        await wait_signal(t.ack_shown)
        assert not t.findChildren(ConfirmDialog) or not any(d.isVisible() for d in t.findChildren(ConfirmDialog))
        await t.aclose()

    run(body())


# -- leverage, time in force, post-only ----------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_leverage_over_the_maximum_is_refused_with_a_reason(qtbot: Any, run: Any, sim: Any, client: Any,
                                                            mode: PositionMode) -> None:
    async def body() -> None:
        t = await perp(qtbot, client, mode)
        assert t.leverage_max.text() == "max 125x"
        before = sim.engine.futures_book(KEY, FUT.value).settings["BTCUSDT"].cross_leverage
        t.leverage_spin.lineEdit().selectAll()
        qtbot.keyClicks(t.leverage_spin, "200")
        assert t.leverage_spin.value() == 200  # kept as typed, not silently clamped
        assert t.leverage_error.text() == "200x is over BTCUSDT's maximum of 125x"
        qtbot.mouseClick(t.leverage_set, CLICK)
        assert "Leverage not sent: 200x is over BTCUSDT's maximum of 125x" in t.mode_note.text()
        await t.refresh()
        assert sim.engine.futures_book(KEY, FUT.value).settings["BTCUSDT"].cross_leverage == before
        t.leverage_spin.lineEdit().selectAll()
        qtbot.keyClicks(t.leverage_spin, "30")  # typed, not Set: the order and its preview keep Bitget's
        assert t.leverage_error.text() == f"not set: orders use Bitget's {before}x until you click Set"
        type_into(qtbot, t.price, str(t.market.last))
        type_into(qtbot, t.size_field, "0.001")
        assert f"({before}x crossed)" in t.preview.text()
        await t.aclose()

    run(body())


@pytest.mark.parametrize("mode", MODES)
def test_time_in_force_is_for_limit_orders_only(qtbot: Any, run: Any, sim: Any, client: Any,
                                                mode: PositionMode) -> None:
    async def body() -> None:
        s = await make_spot(qtbot, client)
        p = await perp(qtbot, client, mode)
        for t in (s, p):
            qtbot.mouseClick(t.kind.button(OrderType.LIMIT), CLICK)
            qtbot.keyClick(t.tif, Qt.Key.Key_Down)  # post-only
            assert t.tif.isEnabled() and t.tif.currentData() == TimeInForce.POST_ONLY
            qtbot.mouseClick(t.kind.button(OrderType.MARKET), CLICK)
            assert not t.tif.isEnabled() and t.tif.currentData() == TimeInForce.GTC
        type_into(qtbot, p.size_field, "0.001")
        qtbot.mouseClick(p.intent_buttons[BUY_OF[mode]], CLICK)
        oid, _ = await wait_signal(p.ack_shown)
        assert sim_order(sim, oid).order_type == "market"
        await s.aclose()
        await p.aclose()

    run(body())


@pytest.mark.parametrize("mode", MODES)
def test_post_only_that_would_cross_says_why(qtbot: Any, run: Any, sim: Any, client: Any, mode: PositionMode) -> None:
    async def body() -> None:
        t = await perp(qtbot, client, mode)
        ask = sim.market.book(FUT.value, "BTCUSDT").asks[0][0]
        qtbot.mouseClick(t.kind.button(OrderType.LIMIT), CLICK)
        t.tif.setCurrentIndex(t.tif.findData(TimeInForce.POST_ONLY.value))
        type_into(qtbot, t.price, str(ask))
        type_into(qtbot, t.size_field, "0.001")
        qtbot.mouseClick(t.intent_buttons[BUY_OF[mode]], CLICK)
        oid, _ = await wait_signal(t.ack_shown)
        await wait_state(t, oid, ("cancelled",))
        text = t.status_label.text()
        assert text.startswith("Cancelled: 0 of 0.001 BTC") and "post-only: it would have crossed the book" in text
        await t.aclose()

    run(body())


# -- blotter rows read as intent ------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_blotter_reads_as_intent_with_the_wire_in_the_tooltip(qtbot: Any, run: Any, sim: Any, client: Any,
                                                              mode: PositionMode) -> None:
    async def body() -> None:
        t = await perp(qtbot, client, mode)
        opened = await market_long(qtbot, t, mode, "0.002")
        if mode is PositionMode.HEDGE:
            close = Intent.CLOSE_LONG
        else:
            qtbot.mouseClick(t.reduce_only, CLICK, pos=QPoint(8, 8))
            close = Intent.SELL
        assert t.reduce_only.isChecked() is (mode is PositionMode.ONE_WAY)
        qtbot.mouseClick(t.intent_buttons[close], CLICK)
        closed, _ = await wait_signal(t.ack_shown)
        await wait_state(t, closed, ("filled",))
        orders = await client.futures_order_history(FUT, "BTCUSDT")
        model = OrderHistoryModel()
        inst = t.instrument
        model.instrument_of = lambda key: inst if key == f"{FUT.value}:BTCUSDT" else None
        model.set_records(orders)
        rows = {model.record(r).client_oid: r for r in range(model.rowCount())}
        side = lambda oid: model.data(model.index(rows[oid], 3))  # noqa: E731
        tip = lambda oid: model.data(model.index(rows[oid], 3), Qt.ItemDataRole.ToolTipRole)  # noqa: E731
        if mode is PositionMode.HEDGE:
            assert (side(opened), side(closed)) == ("Open long", "Close long")
            assert tip(closed).startswith("side=buy · tradeSide=close")  # the raw side Bitget has
        else:
            assert (side(opened), side(closed)) == ("Buy", "Close long")
            assert tip(closed) == "side=sell · reduceOnly=yes"
        assert model.data(model.index(rows[closed], 3), Qt.ItemDataRole.ForegroundRole) == model.down_colour
        avg = model.data(model.index(rows[closed], 8))
        assert len(avg.split(".")[1]) == inst.price_places
        await t.aclose()

    run(body())


# -- status lines belong to their market ----------------------------------------------------------------------------

def test_status_line_is_cleared_on_another_market(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_spot(qtbot, client)
        bid = sim.market.book("SPOT", "BTCUSDT").bids[0][0]
        type_into(qtbot, t.price, str(bid - 100))
        type_into(qtbot, t.size_field, "0.001")
        qtbot.mouseClick(t.submit, CLICK)
        oid, _ = await wait_signal(t.ack_shown)
        await wait_state(t, oid, ("live",))
        assert "Live on the book" in t.status_label.text() and t.cancel_button.isVisibleTo(t)
        sol = next(i for i in await client.spot_instruments() if i.symbol == "SOLUSDT")
        t.set_instrument(sol)
        assert t.status_label.text() == "" and not t.cancel_button.isVisibleTo(t)
        # the BTC order's news (as the account state gets it) stays off SOL's line
        t.desk.state.apply_orders([await client.spot_order(client_oid=oid)], t.desk.generation)
        assert t.status_label.text() == ""
        await t.aclose()

    run(body())


# -- error text never moves the fields or the buttons ---------------------------------------------------------------

def _geometry(ticket: Any, widgets: list[Any]) -> list[tuple[int, int, int, int]]:
    out = []
    for w in widgets:
        top = w.mapTo(ticket, QPoint(0, 0))
        out.append((top.x(), top.y(), w.width(), w.height()))
    return out


@pytest.mark.parametrize("mode", MODES)
def test_error_text_never_moves_fields_or_buttons(qtbot: Any, run: Any, sim: Any, client: Any,
                                                  mode: PositionMode) -> None:
    async def body() -> None:
        s = await make_spot(qtbot, client)
        p = await perp(qtbot, client, mode)
        for t, fields, buttons in (
            (s, [s.price, s.size_field, s.total], [s.submit, s.cancel_all_button]),
            (p, list(p._fields.values()), [*(b for b in p.intent_buttons.values() if b.isVisibleTo(p)),
                                          p.cancel_all_button]),
        ):
            t.show()
            await wait_until(t.isVisible, what="shown")
            targets = [f.edit for f in fields] + buttons
            before = _geometry(t, targets)
            for f in fields:  # long reasons everywhere, then a refused click listing them all
                type_into(qtbot, f, "1.234,5 and then some more text")
            qtbot.mouseClick(buttons[0], CLICK)
            assert t.price.error_text and t.size_field.error_text and t.status_label.text().startswith("Not sent")
            assert _geometry(t, targets) == before
            for f in fields:
                type_into(qtbot, f, "")
            assert _geometry(t, targets) == before
        await s.aclose()
        await p.aclose()

    run(body())


@pytest.mark.parametrize("mode", MODES)
def test_perp_status_line_at_precision_and_per_market(qtbot: Any, run: Any, sim: Any, client: Any,
                                                      mode: PositionMode) -> None:
    async def body() -> None:
        t = await perp(qtbot, client, mode)
        oid = await market_long(qtbot, t, mode, "0.0015")
        status = t.status_label.text()
        assert status.startswith("Filled: 0.0015 of 0.0015 BTC @ ") and " USDT" in status
        assert len(status.split("@ ")[1].split()[0].split(".")[1]) == 1  # BTCUSDT perp: one price decimal
        row = t.position_rows[0].label.text()
        assert row.startswith("LONG 0.0015 BTC @ ") and " USDT · " in row and "uPnL" in row
        sol = next(i for i in await client.futures_instruments(FUT) if i.symbol == "SOLUSDT")
        t.set_instrument(sol)
        assert t.status_label.text() == "" and not t.cancel_button.isVisibleTo(t)
        t.desk.state.apply_orders([await client.futures_order(FUT, "BTCUSDT", client_oid=oid)], t.desk.generation)
        assert t.status_label.text() == ""
        await t.aclose()

    run(body())
