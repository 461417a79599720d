"""Perp ticket, clicked through against the in-process simulator: modes, leverage, intents, TP/SL, Close, Reverse."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt

from bitget_desktop.domain.trading import Intent, MarginMode, OrderType, PositionMode
from bitget_desktop.ui.trading.perp_ticket import PerpTicket

from .conftest import FUT, KEY, desk_for, move_market, sim_order, sim_positions, wait_signal, wait_state, wait_until

D = Decimal
CLICK = Qt.MouseButton.LeftButton


async def make_ticket(qtbot: Any, client: Any, symbol: str = "BTCUSDT", **kw: Any) -> PerpTicket:
    ticket = PerpTicket(desk_for(client), **kw)
    qtbot.addWidget(ticket)
    ticket.resize(380, 800)
    inst = next(i for i in await client.futures_instruments(FUT) if i.symbol == symbol)
    ticket.set_instrument(inst)
    await ticket.refresh()
    return ticket


def type_into(qtbot: Any, field: Any, text: str) -> None:
    field.edit.clear()
    qtbot.keyClicks(field.edit, text)


def fb(sim: Any) -> Any:
    return sim.engine.futures_book(KEY, FUT.value)


async def order(qtbot: Any, t: PerpTicket, sim: Any, intent: Intent, size: str, *, kind: OrderType = OrderType.MARKET,
                reduce_only: bool = False, state: tuple[str, ...] = ("filled",)) -> Any:
    t.kind.button(kind).click()
    t.reduce_only.setChecked(reduce_only)
    type_into(qtbot, t.size_field, size)
    qtbot.mouseClick(t.intent_buttons[intent], CLICK)
    try:
        oid, order_id = await wait_signal(t.ack_shown)
    except TimeoutError:
        raise AssertionError(f"no ack: {t.status_label.text()!r} {t.form_error.text()!r} "
                             f"{[f.error_text for f in t._fields.values()]}") from None
    assert order_id and "Acknowledged by Bitget" in t.status_label.text()
    await wait_state(t, oid, state)  # the desk re-read the positions before it reported the order's state
    return sim_order(sim, oid)


def test_one_way_buy_sell_and_reduce_only_close(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_ticket(qtbot, client)
        assert t.position_mode is PositionMode.ONE_WAY and "one-way mode" in t.reported.text()
        assert t.one_way_box.isVisibleTo(t) and not t.hedge_box.isVisibleTo(t)
        o = await order(qtbot, t, sim, Intent.BUY, "0.01")
        assert (o.side, o.trade_side, o.reduce_only) == ("buy", None, False)
        assert sim_positions(sim) == {"long": D("0.01")}
        await wait_until(lambda: len(t.position_rows) == 1, what="position row")
        o = await order(qtbot, t, sim, Intent.SELL, "0.01", reduce_only=True)
        assert (o.side, o.reduce_only) == ("sell", True) and sim_positions(sim) == {}
        o = await order(qtbot, t, sim, Intent.SELL, "0.02")
        assert sim_positions(sim) == {"short": D("0.02")}
        assert "Sell / Short" in t.preview.text() or "Buy" in t.preview.text()
        o = await order(qtbot, t, sim, Intent.BUY, "0.02", reduce_only=True)
        assert (o.side, o.reduce_only) == ("buy", True) and sim_positions(sim) == {}
        await t.aclose()

    run(body())


def test_reduce_only_cannot_flip(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_ticket(qtbot, client)
        await order(qtbot, t, sim, Intent.BUY, "0.01")
        await wait_until(lambda: len(t.position_rows) == 1, what="position row")
        # The ticket refuses a reduce-only larger than the position it knows of...
        t.reduce_only.setChecked(True)
        type_into(qtbot, t.size_field, "0.03")
        qtbot.mouseClick(t.intent_buttons[Intent.SELL], CLICK)
        assert "long position" in t.size_field.error_text
        # ...and when the position shrank behind its back, the exchange still cannot flip it.
        from bitget_desktop.terminal.desk import close_request

        inst = t.instrument
        assert inst is not None
        pos = (await client.position(FUT, "BTCUSDT", "USDT"))[0]
        await client.place_futures_order(close_request(inst, pos, size=D("0.005")))
        assert sim_positions(sim) == {"long": D("0.005")}
        o = await order(qtbot, t, sim, Intent.SELL, "0.01", reduce_only=True, state=("filled", "cancelled"))
        assert o.reduce_only and o.filled_base <= D("0.005")
        assert sim_positions(sim) == {}  # flat, not short
        await t.aclose()

    run(body())


def test_hedge_toggle_and_four_intents(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_ticket(qtbot, client)
        qtbot.mouseClick(t.mode_toggle.button(PositionMode.HEDGE), CLICK)
        await wait_until(lambda: t.position_mode is PositionMode.HEDGE, what="hedge mode")
        assert fb(sim).pos_mode == "hedge_mode" and "hedge mode" in t.reported.text()
        assert t.hedge_box.isVisibleTo(t) and not t.one_way_box.isVisibleTo(t)
        o = await order(qtbot, t, sim, Intent.OPEN_LONG, "0.01")
        assert (o.side, o.trade_side) == ("buy", "open")
        o = await order(qtbot, t, sim, Intent.OPEN_SHORT, "0.02")
        assert (o.side, o.trade_side) == ("sell", "open")
        assert sim_positions(sim) == {"long": D("0.01"), "short": D("0.02")}
        await wait_until(lambda: len(t.position_rows) == 2, what="two position rows")
        o = await order(qtbot, t, sim, Intent.CLOSE_LONG, "0.01")
        assert (o.side, o.trade_side) == ("buy", "close")
        o = await order(qtbot, t, sim, Intent.CLOSE_SHORT, "0.02")
        assert (o.side, o.trade_side) == ("sell", "close")
        assert sim_positions(sim) == {}
        # and back to one-way while flat
        await wait_until(lambda: not t.position_rows, what="rows gone")
        qtbot.mouseClick(t.mode_toggle.button(PositionMode.ONE_WAY), CLICK)
        await wait_until(lambda: t.position_mode is PositionMode.ONE_WAY, what="one-way mode")
        assert fb(sim).pos_mode == "one_way_mode"
        await t.aclose()

    run(body())


def test_toggle_refused_with_a_position_open(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_ticket(qtbot, client)
        await order(qtbot, t, sim, Intent.BUY, "0.01")
        qtbot.mouseClick(t.mode_toggle.button(PositionMode.HEDGE), CLICK)
        await wait_until(lambda: "refused" in t.mode_note.text(), what="refusal shown")
        note = t.mode_note.text()
        assert "[40920]" in note and "Position or order exists" in note and "close the positions" in note.lower()
        assert fb(sim).pos_mode == "one_way_mode" and t.position_mode is PositionMode.ONE_WAY
        assert t.mode_toggle.value() is PositionMode.ONE_WAY and "one-way mode" in t.reported.text()
        await t.aclose()

    run(body())


def test_leverage_and_margin_mode(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_ticket(qtbot, client)
        settings = lambda: fb(sim).settings["BTCUSDT"]  # noqa: E731
        t.leverage_spin.setValue(20)
        qtbot.mouseClick(t.leverage_set, CLICK)
        await wait_until(lambda: t.leverage == 20, what="leverage 20")
        assert settings().cross_leverage == 20 and "20x" in t.reported.text()
        qtbot.mouseClick(t.margin_toggle.button(MarginMode.ISOLATED), CLICK)
        await wait_until(lambda: t.margin_mode is MarginMode.ISOLATED, what="isolated")
        assert settings().margin_mode == "isolated" and "isolated" in t.reported.text()
        t.leverage_spin.setValue(7)
        qtbot.mouseClick(t.leverage_set, CLICK)
        await wait_until(lambda: t.leverage == 7, what="leverage 7")
        assert (settings().long_leverage, settings().short_leverage) == (7, 7)
        o = await order(qtbot, t, sim, Intent.BUY, "0.01")
        assert o.margin_mode == "isolated" and o.leverage == 7
        assert "7x isolated" in t.preview.text()
        # with a position open Bitget refuses the margin-mode change; the ticket shows its code and stays isolated
        qtbot.mouseClick(t.margin_toggle.button(MarginMode.CROSSED), CLICK)
        await wait_until(lambda: "refused" in t.mode_note.text(), what="refusal")
        assert "[45117]" in t.mode_note.text() and settings().margin_mode == "isolated"
        assert t.margin_toggle.value() is MarginMode.ISOLATED
        # an out-of-range leverage comes back with Bitget's own code
        ok = await t.set_leverage(126 if t.instrument and t.instrument.max_leverage < 126 else 1000)
        assert not ok and "Bitget refused the leverage" in t.mode_note.text()
        await t.aclose()

    run(body())


def test_preset_tp_sl_trigger_when_mark_moves(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    """TP and SL 0.1 % either side of the mark: whichever way the simulator's market goes, one of them fires."""

    async def body() -> None:
        t = await make_ticket(qtbot, client)
        inst = t.instrument
        assert inst is not None
        mark = sim.engine.mark_price(FUT.value, "BTCUSDT")
        tp = inst.snap_price(mark * D("1.001"))
        sl = inst.snap_price(mark * D("0.999"))
        type_into(qtbot, t.take_profit, str(tp))
        type_into(qtbot, t.stop_loss, str(sl))
        o = await order(qtbot, t, sim, Intent.BUY, "0.01")
        assert (o.preset_tp, o.preset_sl) == (tp, sl)
        plans = sim.engine.plans(KEY, FUT.value, "BTCUSDT")
        assert {(p.plan_type, p.trigger_price) for p in plans} == {("profit_plan", tp), ("loss_plan", sl)}
        assert sim_positions(sim) == {"long": D("0.01")}
        for _ in range(3000):  # move the simulator's market minute by minute until a preset fires
            move_market(sim)
            if not sim_positions(sim):
                break
        assert sim_positions(sim) == {}
        now = sim.engine.mark_price(FUT.value, "BTCUSDT")
        assert now >= tp or now <= sl
        history = await client.futures_order_history(FUT, "BTCUSDT")
        closes = [h for h in history if h.order_id != o.order_id and h.status.value == "filled"]
        assert len(closes) == 1 and closes[0].filled_size == D("0.01")
        await t.refresh()
        assert not t.position_rows and "No open position" in t.no_position.text()
        await t.aclose()

    run(body(), timeout=60)


def test_close_limit_close_market_and_reverse(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_ticket(qtbot, client)
        await order(qtbot, t, sim, Intent.BUY, "0.01")
        await wait_until(lambda: len(t.position_rows) == 1, what="position row")
        row = t.position_rows[0]
        assert row.position.hold_side.value == "long"
        # Reverse: long 0.01 -> short 0.01
        qtbot.mouseClick(row.reverse, CLICK)
        await wait_until(lambda: sim_positions(sim) == {"short": D("0.01")}, what="reversed to short")
        await wait_until(lambda: "Reversed" in t.status_label.text(), what="reverse reported")
        await wait_until(lambda: [r.position.hold_side.value for r in t.position_rows] == ["short"], what="row")
        # Close limit: a reduce-only buy resting below the market
        row = t.position_rows[0]
        bid = sim.market.book(FUT.value, "BTCUSDT").bids[0][0]
        t.kind.button(OrderType.LIMIT).click()
        t.set_price(bid - D("50"))
        qtbot.mouseClick(row.close_limit, CLICK)
        await wait_until(lambda: "Close BTCUSDT short (limit at" in t.status_label.text(), what="close limit ack")
        open_orders = await client.futures_open_orders(FUT, "BTCUSDT")
        assert len(open_orders) == 1 and open_orders[0].reduce_only and open_orders[0].price == bid - D("50")
        # Close at market (Bitget's own close rules take care of the resting close order)
        await wait_until(lambda: len(t.position_rows) == 1, what="row still there")
        qtbot.mouseClick(t.position_rows[0].close_market, CLICK)
        await wait_until(lambda: sim_positions(sim) == {}, what="flat")
        await wait_until(lambda: not t.position_rows, what="rows gone")
        await t.aclose()

    run(body())


def test_hedge_reverse(qtbot: Any, run: Any, sim: Any, client: Any) -> None:
    async def body() -> None:
        t = await make_ticket(qtbot, client)
        assert await t.switch_position_mode(PositionMode.HEDGE)
        await order(qtbot, t, sim, Intent.OPEN_SHORT, "0.02")
        await wait_until(lambda: len(t.position_rows) == 1, what="row")
        qtbot.mouseClick(t.position_rows[0].reverse, CLICK)
        await wait_until(lambda: sim_positions(sim) == {"long": D("0.02")}, what="reversed to long")
        await t.aclose()

    run(body())
