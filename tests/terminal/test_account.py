"""AccountState fed with recorded pushes and REST snapshots (the fixtures), with no loop and no Qt."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from bitget_desktop.domain.market import ProductType
from bitget_desktop.domain.trading import Order, OrderStatus
from bitget_desktop.exchange.classic import codec
from bitget_desktop.exchange.classic.ws import decode_items
from bitget_desktop.exchange.stream import Subscription
from bitget_desktop.terminal.account import AccountState, Snapshot, next_generation

FIXTURES = Path(__file__).parents[1] / "fixtures" / "bitget"
FUT = ProductType.USDT_FUTURES
D = Decimal


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def spot_open_orders() -> list[Order]:
    return codec.parse_spot_orders(load("spot_trade_unfilled_orders.json")["data"])


def pushed(name: str, sub: Subscription) -> list[Any]:
    return decode_items(sub, load(name)["data"])


def test_snapshot_then_newer_push_then_older_snapshot() -> None:
    state = AccountState()
    gen = state.generation
    live = spot_open_orders()[0]
    snap = Snapshot(started_at=state.clock(), open_orders=[live], open_order_scope={"SPOT"})
    assert state.apply_snapshot(snap, gen) == []
    assert state.open_orders() == [live]
    # a push with a later update time fills the order
    filled = replace(live, status=OrderStatus.FILLED, filled_size=live.size, u_time=live.u_time + 1000)
    old_snap = Snapshot(started_at=state.clock(), open_orders=[live], open_order_scope={"SPOT"})
    assert state.apply_orders([filled], gen)
    # a snapshot requested before the push still lists the order as open: it must not undo the fill
    assert state.apply_snapshot(old_snap, gen) == []
    assert state.open_orders() == [] and state.order_history() == [filled]


def test_equal_update_time_never_reopens_a_final_order() -> None:
    state = AccountState()
    live = spot_open_orders()[0]
    cancelled = replace(live, status=OrderStatus.CANCELLED)
    state.apply_orders([cancelled], state.generation)
    assert not state.apply_orders([live], state.generation)
    assert state.orders[live.order_id].status is OrderStatus.CANCELLED


def test_an_order_missing_from_the_open_list_is_returned_for_lookup_not_cancelled() -> None:
    state = AccountState()
    gen = state.generation
    live = spot_open_orders()[0]
    state.apply_orders([live], gen)
    vanished = state.apply_snapshot(Snapshot(started_at=state.clock(), open_orders=[], open_order_scope={"SPOT"}),
                                    gen)
    assert vanished == [live]
    assert state.orders[live.order_id].status is OrderStatus.LIVE  # still as last known until looked up
    # a futures-only read says nothing about spot orders
    assert state.apply_snapshot(Snapshot(started_at=state.clock(), open_orders=[],
                                         open_order_scope={FUT.value}), gen) == []


def test_an_order_pushed_while_the_read_was_in_flight_is_not_looked_up() -> None:
    state = AccountState()
    gen = state.generation
    snap = Snapshot(started_at=state.clock(), open_orders=[], open_order_scope={"SPOT"})
    state.apply_orders([spot_open_orders()[0]], gen)  # placed after the read went out
    assert state.apply_snapshot(snap, gen) == []


def test_positions_push_replaces_the_product_type_and_beats_an_older_read() -> None:
    sub = Subscription.positions(FUT)
    positions = pushed("ws_positions_snapshot_ccxt_comment.json", sub)
    assert positions
    state = AccountState()
    gen = state.generation
    old_read = Snapshot(started_at=state.clock(), positions={FUT.value: positions})
    assert state.push_positions(FUT, [], gen) is False  # nothing known, nothing open
    state.apply_snapshot(old_read, gen)
    assert state.position_list() == []  # the flat push came after the read was requested
    state.apply_snapshot(Snapshot(started_at=state.clock(), positions={FUT.value: positions}), gen)
    assert {p.symbol for p in state.position_list()} == {p.symbol for p in positions if p.size}
    state.push_positions(FUT, [], gen)
    assert state.position_list() == []


def test_futures_available_is_the_exchanges_figure_for_new_positions() -> None:
    acc = codec.parse_futures_account(load("mix_account_account.json")["data"])
    raw = load("mix_account_account.json")["data"]
    assert acc.max_open == D(raw["crossedMaxAvailable"])
    assert acc.open_available == D(raw["crossedMaxAvailable"])
    assert replace(acc, max_open=None).open_available == acc.available  # an answer without the figure
    state = AccountState()
    state.push_balances([acc], state.generation)
    inst_coin = acc.margin_coin
    kept = state.futures_account(inst_coin)
    assert kept is not None and kept.open_available == acc.open_available and kept.equity == acc.equity
    # one symbol's settings are not the account's: they live in the symbol settings and position modes
    assert acc.margin_mode is not None and kept.margin_mode is None and kept.crossed_leverage is None


def test_balances_read_keeps_a_newer_push_and_drops_coins_gone_from_the_account() -> None:
    spot = codec.parse_balances(load("spot_account_assets.json")["data"])
    assert len(spot) >= 2
    state = AccountState()
    gen = state.generation
    state.apply_snapshot(Snapshot(started_at=state.clock(), balances=spot), gen)
    first, second = spot[0], spot[1]
    read = Snapshot(started_at=state.clock(), balances=[first])  # second coin no longer held
    newer = replace(first, available=first.available + 1)
    state.push_balances([newer], gen)  # arrives while the read is in flight
    state.apply_snapshot(read, gen)
    assert state.balances[first.coin] == newer
    assert second.coin not in state.balances


def test_nothing_from_another_generation_is_applied() -> None:
    state = AccountState()
    stale = next_generation()
    assert stale != state.generation
    live = spot_open_orders()[0]
    assert not state.apply_orders([live], stale)
    assert state.apply_snapshot(Snapshot(started_at=0, open_orders=[live], open_order_scope={"SPOT"}), stale) == []
    assert not state.push_positions(FUT, pushed("ws_positions_snapshot_ccxt_comment.json",
                                                Subscription.positions(FUT)), stale)
    assert state.orders == {} and state.positions == {}


def test_preset_tp_sl_are_read_from_orders() -> None:
    raw = dict(load("mix_order_detail_market_open_long.json")["data"])
    raw.update(presetStopSurplusPrice="130000", presetStopLossPrice="90000.5")
    o = codec.parse_mix_order(raw, FUT)
    assert (o.preset_take_profit, o.preset_stop_loss) == (D("130000"), D("90000.5"))
    raw.update(presetStopSurplusPrice="", presetStopLossPrice="0")
    o = codec.parse_mix_order(raw, FUT)
    assert (o.preset_take_profit, o.preset_stop_loss) == (None, None)


def test_listeners_hear_each_kind_once_per_change() -> None:
    state = AccountState()
    heard: list[str] = []
    state.listen(heard.append)
    live = spot_open_orders()[0]
    state.apply_orders([live], state.generation)
    state.apply_orders([live], state.generation)  # no change, no news
    assert heard == ["orders"]
