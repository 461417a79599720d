"""Fixtures for the ticket tests: the in-process simulator on 127.0.0.1:0 and a real client, driven by a qasync loop.

The simulator's market is not advanced by the clock here (`run_market=False`): the book stands still, so a test knows
which orders cross. Tests that need the price to move call `move_market` (the market's own `advance`).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import qasync

from bitget_desktop.domain.market import ProductType
from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.environments import local
from bitget_desktop.exchange.signing import Credentials
from bitget_desktop.terminal.account import AccountState
from bitget_desktop.terminal.desk import OrderDesk
from bitget_desktop.terminal.tasks import TaskSet

try:
    from bitget_desktop.simulator import ApiKeySpec, Simulator, SimulatorConfig
except ImportError:  # until the package exports them
    from bitget_desktop.simulator.server import ApiKeySpec, Simulator, SimulatorConfig

KEY, SECRET, PASSPHRASE = "bg_ticket_test_key", "ticket-secret", "ticket-pass"
CREDS = Credentials(KEY, SECRET, PASSPHRASE)
FUT = ProductType.USDT_FUTURES


@pytest.fixture
def qloop(qapp: Any) -> Iterator[qasync.QEventLoop]:
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def sim(qloop: qasync.QEventLoop) -> Iterator[Any]:
    s = Simulator(SimulatorConfig(seed=7, host="127.0.0.1", port=0, run_market=False,
                                  keys=[ApiKeySpec(KEY, SECRET, PASSPHRASE)]))
    qloop.run_until_complete(s.start())
    yield s
    qloop.run_until_complete(s.stop())


_DESKS: list[OrderDesk] = []


@pytest.fixture
def client(qloop: qasync.QEventLoop, sim: Any) -> Iterator[BitgetClient]:
    c = BitgetClient(local(sim.rest_url), CREDS, timeout=3.0, retry_initial_delay=0.05, resolve_initial_delay=0.05,
                     rng=random.Random(7))
    qloop.run_until_complete(c.__aenter__())
    yield c
    while _DESKS:
        qloop.run_until_complete(_DESKS.pop().tasks.aclose())
    qloop.run_until_complete(c.close())


def desk_for(client: BitgetClient) -> OrderDesk:
    """An OrderDesk over `client` with an empty account state (as a fresh connection has), closed after the test."""
    desk = OrderDesk(client, AccountState(), TaskSet("test-desk"), resolve_delay=0.05)
    _DESKS.append(desk)
    return desk


@pytest.fixture
def run(qloop: qasync.QEventLoop) -> Callable[..., Any]:
    """run(coro, timeout=20): drive a coroutine to completion on the Qt loop."""

    def _run(coro: Any, timeout: float = 20.0) -> Any:
        return qloop.run_until_complete(asyncio.wait_for(coro, timeout))

    return _run


async def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.01)


async def wait_signal(signal: Any, timeout: float = 10.0) -> tuple[Any, ...]:
    fut: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

    def slot(*args: Any) -> None:
        if not fut.done():
            fut.set_result(args)

    signal.connect(slot)
    try:
        return await asyncio.wait_for(fut, timeout)
    finally:
        signal.disconnect(slot)


async def wait_state(ticket: Any, oid: str, states: tuple[str, ...], timeout: float = 10.0) -> str:
    """Wait until the ticket shows one of `states` for `oid` (states come only from Bitget's answers)."""
    await wait_until(lambda: ticket.state_of(oid) in states, timeout, f"{oid} in {states}")
    return ticket.state_of(oid)


def sim_order(sim: Any, oid: str) -> Any:
    order = sim.engine.find_order(KEY, client_oid=oid)
    assert order is not None, f"the simulator has no order {oid}"
    return order


def sim_positions(sim: Any, symbol: str = "BTCUSDT") -> dict[str, Decimal]:
    fb = sim.engine.futures_book(KEY, FUT.value)
    return {p.hold_side: p.size for p in fb.positions.values() if p.symbol == symbol and p.size > 0}


def move_market(sim: Any, steps: int = 1, step_ms: int = 60_000) -> None:
    """Advance the simulator's market (and with it last/mark price, book, triggers) by `steps` x `step_ms`."""
    for _ in range(steps):
        sim.market.advance(sim.market.now + step_ms)
