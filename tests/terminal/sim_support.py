"""An AccountConnection on the in-process simulator over loopback, and the simulator's truth to compare it with.

The truth is read two ways: orders from the engine's own records rendered exactly as its REST endpoints render them
(views -> the client's codec), positions and balances through a second, separate REST client on the same key.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from bitget_desktop.domain.market import ProductType
from bitget_desktop.domain.trading import Balance, FuturesAccount, Order, Position
from bitget_desktop.exchange.classic import codec
from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.environments import local
from bitget_desktop.exchange.signing import Credentials
from bitget_desktop.simulator import ApiKeySpec, Simulator, SimulatorConfig, views
from bitget_desktop.terminal.account import position_key
from bitget_desktop.terminal.connection import READY, AccountConnection

KEY, SECRET, PASSPHRASE = "bg_terminal_soak_key", "soak-secret", "soak-passphrase"
CREDS = Credentials(KEY, SECRET, PASSPHRASE)
SPOT = ProductType.SPOT
PERP = ProductType.USDT_FUTURES
SPOT_PLACE = "/api/v2/spot/trade/place-order"
PERP_PLACE = "/api/v2/mix/order/place-order"


class FreezableClock:
    """The simulator's wall clock in ms until `freeze()`: then time (and so the market) stands still."""

    def __init__(self) -> None:
        self.frozen: int | None = None

    def __call__(self) -> int:
        return self.frozen if self.frozen is not None else int(time.time() * 1000)

    def freeze(self) -> None:
        self.frozen = int(time.time() * 1000)


def simulator(**config: Any) -> Simulator:
    return Simulator(SimulatorConfig(**{"seed": 7, "host": "127.0.0.1", "port": 0,
                                        "keys": [ApiKeySpec(KEY, SECRET, PASSPHRASE)], **config}))


def client_for(sim: Simulator, **kw: Any) -> BitgetClient:
    opts: dict[str, Any] = dict(timeout=2.0, retry_initial_delay=0.05, resolve_initial_delay=0.05,
                                ws_reconnect_initial=0.05, rng=random.Random(7))
    opts.update(kw)
    return BitgetClient(local(sim.rest_url), CREDS, **opts)


async def open_connection(sim: Simulator, *, resolve_delay: float = 0.05, **client_kw: Any) -> AccountConnection:
    conn = AccountConnection(client_for(sim, **client_kw), local(sim.rest_url), account_name="soak",
                             symbols=["SPOT:BTCUSDT"])
    conn.desk.resolve_delay = resolve_delay
    conn.start()
    await wait_until(lambda: conn.status == READY, 15.0, "the connection to be ready")
    assert conn.futures_type is PERP
    return conn


async def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


# -- the simulator's truth -------------------------------------------------------------------------------------------
@dataclass
class Truth:
    orders: dict[str, Order]
    client_oids: dict[str, int]  # clientOid -> how many orders carry it
    positions: dict[tuple[str, str, str], Position]
    balances: dict[str, Balance]
    futures_accounts: dict[str, FuturesAccount]


def sim_orders(sim: Simulator) -> tuple[dict[str, Order], dict[str, int]]:
    """Every order of the key, as the simulator's order-detail endpoints would answer for it."""
    acc = sim.engine.account(KEY)
    out: dict[str, Order] = {}
    oids: dict[str, int] = {}
    for o in acc.orders.values():
        if o.product == "SPOT":
            order = codec.parse_spot_order(views.spot_order(o))
        else:
            order = codec.parse_mix_order(views.mix_order(o, detail=True), ProductType(o.product))
        out[order.order_id] = order
        oids[o.client_oid] = oids.get(o.client_oid, 0) + 1
    return out, oids


async def read_truth(sim: Simulator, rest: BitgetClient) -> Truth:
    positions = await rest.positions(PERP)
    balances = await rest.spot_balances()
    accounts = await rest.futures_accounts(PERP)
    orders, oids = sim_orders(sim)
    return Truth(orders, oids, {position_key(p): p for p in positions if p.size},
                 {b.coin: b for b in balances}, {a.margin_coin: a for a in accounts})


def _diff(kind: str, key: object, mine: Any, theirs: Any, skip: tuple[str, ...] = ()) -> list[str]:
    if mine is None or theirs is None:
        return [f"{kind} {key}: terminal {'lacks it' if mine is None else 'has it'}, "
                f"simulator {'lacks it' if theirs is None else 'has it'}"]
    return [f"{kind} {key}.{f.name}: terminal {getattr(mine, f.name)!r} != simulator {getattr(theirs, f.name)!r}"
            for f in fields(mine) if f.name not in skip and getattr(mine, f.name) != getattr(theirs, f.name)]


def differences(conn: AccountConnection, truth: Truth) -> list[str]:
    """Every field where the terminal's orders, positions and balances differ from the simulator's."""
    st = conn.state
    out: list[str] = []
    for oid in sorted(set(st.orders) | set(truth.orders)):
        out += _diff("order", oid, st.orders.get(oid), truth.orders.get(oid))
    for k in sorted(set(st.positions) | set(truth.positions)):
        out += _diff("position", k, st.positions.get(k), truth.positions.get(k))
    for c in sorted(set(st.balances) | set(truth.balances)):
        out += _diff("balance", c, st.balances.get(c), truth.balances.get(c))
    for c in sorted(set(st.futures_accounts) | set(truth.futures_accounts)):
        out += _diff("futures account", c, st.futures_accounts.get(c), truth.futures_accounts.get(c))
    return out


async def converge(conn: AccountConnection, sim: Simulator, rest: BitgetClient, timeout: float) -> list[str]:
    """Wait up to `timeout` s for the terminal to equal the simulator; the remaining differences ([] if none)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        diff = differences(conn, await read_truth(sim, rest))
        if not diff or loop.time() > deadline:
            return diff
        await asyncio.sleep(0.1)
