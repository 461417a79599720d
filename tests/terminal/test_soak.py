"""A seeded soak: ~300 random desk actions (spot and perp places, cancels, cancel-all, closes, position mode and
leverage changes) with random faults between them (socket drops, late and lost answers, 429 and 5xx before and
after processing, clock skew, book gaps). Afterwards the terminal's orders, positions and balances equal the
simulator's: nothing lost, nothing duplicated, no wrong state, and no desk action left waiting."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from decimal import Decimal

import pytest

from bitget_desktop.domain.errors import BitgetError, ExchangeUnavailable, MalformedResponse, NetworkError
from bitget_desktop.domain.market import Instrument
from bitget_desktop.domain.trading import (
    Intent,
    OrderRequest,
    OrderType,
    PositionMode,
    Side,
    translate_intent,
)
from bitget_desktop.terminal.connection import AccountConnection
from bitget_desktop.terminal.desk import CANCEL_REFUSED, NOT_PLACED, NOT_SENT, REJECTED, WAITING, Action

from .sim_support import (
    PERP,
    PERP_PLACE,
    SPOT_PLACE,
    FreezableClock,
    client_for,
    converge,
    open_connection,
    read_truth,
    simulator,
    wait_until,
)

D = Decimal
SEED = int(os.environ.get("SOAK_SEED", "20261203"))  # another seed: SOAK_SEED=n pytest ...
OPERATIONS = 300
TIMEOUT_S = 0.5  # the client's request timeout: place latency faults go beyond it
SPOT_SYMBOLS = ("BTCUSDT", "ETHUSDT")
UNCERTAIN = (NetworkError, ExchangeUnavailable, MalformedResponse)  # no clean answer: the outcome is unknown
SPOT_CANCEL = "/api/v2/spot/trade/cancel-order"
PERP_CANCEL = "/api/v2/mix/order/cancel-order"
FAULTS = ("drop-private", "drop-all", "late-place", "429", "5xx-before", "5xx-after", "lost-answer", "skew",
          "book-gap", "duplicate-push", "reorder-push")
# requests whose answer a fault may lose or replace by a 5xx after they took effect
AFTER_PROCESSING = (SPOT_PLACE, PERP_PLACE, SPOT_CANCEL, PERP_CANCEL, "/api/v2/spot/trade/cancel-symbol-order",
                    "/api/v2/mix/order/batch-cancel-orders", "/api/v2/mix/account/set-leverage",
                    "/api/v2/mix/account/set-position-mode")


class Soak:
    def __init__(self, conn: AccountConnection, sim, rng: random.Random) -> None:
        self.conn, self.sim, self.rng = conn, sim, rng
        self.ops: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()

    def inst(self, key: str) -> Instrument:
        return self.conn.instruments[key]

    def price(self, inst: Instrument, factor: str) -> Decimal:
        return self.sim.engine.last_price(inst.product_type.value, inst.symbol) * D(factor)

    # -- operations -----------------------------------------------------------------------------------------------
    async def spot_place(self) -> None:
        inst = self.inst("SPOT:" + self.rng.choice(SPOT_SYMBOLS))
        side = self.rng.choice([Side.BUY, Side.SELL])
        kind = self.rng.choice(["rest", "rest", "cross", "market"])
        size = D("0.0005") if inst.symbol == "BTCUSDT" else D("0.01")
        if kind == "market":
            req = OrderRequest.build(inst, side=side, order_type=OrderType.MARKET,
                                     size=D("20") if side is Side.BUY else size)
        else:
            away = {"rest": ("0.98", "1.02"), "cross": ("1.01", "0.99")}[kind]
            factor = away[0] if side is Side.BUY else away[1]
            req = OrderRequest.build(inst, side=side, order_type=OrderType.LIMIT, size=size,
                                     price=self.price(inst, factor))
        self.ops[f"spot-{kind}"] += 1
        await self.conn.desk.place(req)

    def _perp_wire(self, opening: bool, long: bool) -> tuple[Intent, PositionMode]:
        mode = self.conn.state.position_mode(PERP) or PositionMode.ONE_WAY
        if mode is PositionMode.HEDGE:
            intent = (Intent.OPEN_LONG if long else Intent.OPEN_SHORT) if opening else (
                Intent.CLOSE_LONG if long else Intent.CLOSE_SHORT)
        else:
            intent = Intent.BUY if long else Intent.SELL
        return intent, mode

    async def perp_place(self) -> None:
        inst = self.inst("USDT-FUTURES:BTCUSDT")
        long = self.rng.random() < 0.5
        intent, mode = self._perp_wire(True, long)
        wire = translate_intent(intent, mode)
        kind = self.rng.choice(["rest", "rest", "cross", "market"])
        size = D(self.rng.choice(["0.001", "0.002", "0.005"]))
        buy = wire.side is Side.BUY
        common = dict(side=wire.side, size=size, trade_side=wire.trade_side, reduce_only=wire.reduce_only,
                      position_mode=mode)
        if kind == "market":
            req = OrderRequest.build(inst, order_type=OrderType.MARKET, **common)
        else:
            away = {"rest": ("0.98", "1.02"), "cross": ("1.01", "0.99")}[kind]
            req = OrderRequest.build(inst, order_type=OrderType.LIMIT, price=self.price(
                inst, away[0] if buy else away[1]), **common)
        self.ops[f"perp-{kind}"] += 1
        await self.conn.desk.place(req)

    async def cancel(self) -> None:
        open_orders = self.conn.state.open_orders()
        self.ops["cancel"] += 1
        if open_orders:
            await self.conn.desk.cancel(self.rng.choice(open_orders))

    async def cancel_all(self) -> None:
        key = self.rng.choice(["SPOT:BTCUSDT", "SPOT:ETHUSDT", "USDT-FUTURES:BTCUSDT"])
        self.ops["cancel-all"] += 1
        await self.conn.desk.cancel_all(self.inst(key))

    async def close(self) -> None:
        self.ops["close"] += 1
        positions = self.conn.state.position_list()
        if positions:
            pos = self.rng.choice(positions)
            await self.conn.desk.close_position(self.inst("USDT-FUTURES:" + pos.symbol), pos)

    async def reverse(self) -> None:
        self.ops["reverse"] += 1
        positions = self.conn.state.position_list()
        if positions:
            pos = self.rng.choice(positions)
            try:
                await self.conn.desk.reverse_position(self.inst("USDT-FUTURES:" + pos.symbol), pos)
                self.outcomes["reversed"] += 1
            except BitgetError:
                self.outcomes["reverse stopped"] += 1

    async def position_mode(self) -> None:
        self.ops["position-mode"] += 1
        now = self.conn.state.position_mode(PERP) or PositionMode.ONE_WAY
        other = PositionMode.HEDGE if now is PositionMode.ONE_WAY else PositionMode.ONE_WAY
        try:
            await self.conn.desk.set_position_mode(PERP, other)
            self.outcomes["mode switched"] += 1
        except BitgetError:
            self.outcomes["mode refused"] += 1

    async def leverage(self) -> None:
        self.ops["leverage"] += 1
        try:
            await self.conn.desk.set_leverage(self.inst("USDT-FUTURES:BTCUSDT"), self.rng.choice([5, 10, 20, 50]))
            self.outcomes["leverage set"] += 1
        except BitgetError:
            self.outcomes["leverage refused"] += 1

    # -- faults ---------------------------------------------------------------------------------------------------
    def fault(self) -> None:
        f, rng = self.sim.faults, self.rng
        done = sum(self.faults.values())
        kind = FAULTS[done] if done < len(FAULTS) else rng.choice(FAULTS)  # every kind once, then at random
        self.faults[kind] += 1
        if kind == "drop-private":
            f.drop_private_now()
        elif kind == "drop-all":
            f.drop_ws_now()
        elif kind == "late-place":
            path = rng.choice([SPOT_PLACE, PERP_PLACE])
            f.endpoint_latency_ms[path] = int(TIMEOUT_S * 1000) + rng.choice([100, 400])
        elif kind == "429":
            f.next_http_errors.append(429)
        elif kind == "5xx-before":
            f.next_http_errors.append(rng.choice([500, 502, 503]))
        elif kind == "5xx-after":
            f.error_after(rng.choice(AFTER_PROCESSING), rng.choice([500, 503]))
        elif kind == "lost-answer":
            f.lose_answer(rng.choice(AFTER_PROCESSING))
        elif kind == "duplicate-push":
            f.duplicate_private += rng.choice([1, 3])
        elif kind == "reorder-push":
            f.reorder_private += rng.choice([1, 2])
        elif kind == "skew":
            f.clock_skew_ms = rng.choice([0, 1500, -1500, 45_000, -45_000])
        else:
            self.sim.book_gap(rng.choice(["BTCUSDT", "ETHUSDT"]))

    def calm(self) -> None:
        """Latency faults last one operation."""
        self.sim.faults.endpoint_latency_ms.clear()

    async def run(self, n: int) -> None:
        ops = [self.spot_place] * 6 + [self.perp_place] * 6 + [self.cancel] * 4 + [self.cancel_all, self.close,
                                                                                    self.reverse, self.position_mode,
                                                                                    self.leverage]
        for _ in range(n):
            if self.rng.random() < 0.2:
                self.fault()
            await self.rng.choice(ops)()
            self.calm()
            await asyncio.sleep(self.rng.choice([0, 0.005, 0.02]))


@pytest.mark.slow
async def test_seeded_soak_ends_with_the_terminal_equal_to_the_simulator() -> None:
    clock = FreezableClock()
    started = time.monotonic()
    async with simulator(clock=clock) as sim:
        conn = await open_connection(sim, timeout=TIMEOUT_S, resolve_delay=0.05)
        rest = client_for(sim)
        try:
            seen: dict[int, Action] = {}  # every action the desk told of (cancels and cancel-alls are not kept)
            conn.desk.listen(lambda a: seen.setdefault(id(a), a))
            soak = Soak(conn, sim, random.Random(SEED))
            await soak.run(OPERATIONS)

            # the end: no more faults, a still market, every action resolved, one reconcile
            sim.faults.clear()
            clock.freeze()
            await wait_until(lambda: not conn.desk.in_flight(), 20.0, "every desk action to resolve")
            await asyncio.sleep(0.3)  # the last pushes of the still market
            await conn.reconciler.request()
            diff = await converge(conn, sim, rest, timeout=5.0)
            truth = await read_truth(sim, rest)

            places = [a for a in conn.desk.actions.values() if a.request is not None]
            states = Counter(a.state for a in seen.values())
            # a duplicate is a clientOid placed twice, or an order no place action asked for (a re-send under a new id)
            duplicated = {oid: n for oid, n in truth.client_oids.items() if n > 1}
            duplicated.update({o.client_oid or o.order_id: 0 for o in truth.orders.values()
                               if o.client_oid not in conn.desk.actions})
            sim_by_oid = {o.client_oid: o for o in truth.orders.values()}
            lost = [o.order_id for o in truth.orders.values() if o.order_id not in conn.state.orders]
            wrong_actions = []
            for a in places:
                placed = sim_by_oid.get(a.key)
                if a.state in (REJECTED, NOT_PLACED, NOT_SENT):
                    if placed is not None:
                        wrong_actions.append(f"{a.key}: {a.state} but the simulator has order {placed.order_id}")
                elif placed is None:
                    wrong_actions.append(f"{a.key}: {a.state} but the simulator has no such order")
                elif a.state == CANCEL_REFUSED and isinstance(a.error, UNCERTAIN):
                    wrong_actions.append(f"{a.key}: 'cancel refused' though Bitget never answered ({a.error!r}); "
                                         f"the order is {placed.status.value}")
                elif a.state not in (placed.status.value, CANCEL_REFUSED):
                    wrong_actions.append(f"{a.key}: {a.state} but the order is {placed.status.value}")
            for a in seen.values():
                if a.kind == "cancel-all" and a.state == REJECTED and isinstance(a.error, UNCERTAIN):
                    wrong_actions.append(f"{a.key}: 'refused' though Bitget never answered ({a.error!r})")
            print(f"\nsoak seed={SEED}: {sum(soak.ops.values())} ops {dict(soak.ops)}; "
                  f"{sum(soak.faults.values())} faults {dict(soak.faults)}; "
                  f"{soak.faults['drop-private'] + soak.faults['drop-all']} drops; "
                  f"{len(truth.orders)} orders on the simulator, {len(conn.state.open_orders())} open, "
                  f"{len(truth.positions)} positions; actions {dict(states)}; {dict(soak.outcomes)}; "
                  f"reconciles {conn.reconciler.runs}; {time.monotonic() - started:.1f} s")

            assert not [a.key for a in seen.values() if a.state in WAITING], "actions left waiting"
            assert duplicated == {}, f"clientOids placed more than once: {duplicated}"
            assert lost == [], f"orders the terminal never learned of: {lost}"
            assert wrong_actions == [], "\n".join(wrong_actions)
            assert diff == [], "\n".join(diff)
            # the settings the soak changed: position mode, and the perp's leverage as far as the terminal shows one
            assert conn.state.position_mode(PERP) is await rest.position_mode(PERP)
            shown = conn.state.symbol_settings(PERP, "BTCUSDT")
            acc = await rest.futures_account(PERP, "BTCUSDT", "USDT")
            if shown.leverage is not None:
                assert (shown.margin_mode, shown.leverage) == (acc.margin_mode, acc.crossed_leverage)
            # the soak did what it says: orders of every kind, faults of every kind, drops
            assert len(truth.orders) > 100
            assert set(soak.faults) == set(FAULTS)
        finally:
            await conn.aclose()
            await rest.close()
