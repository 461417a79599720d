"""Fixtures: a simulator on 127.0.0.1 (port 0) and clients pointed at it."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest

from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.environments import local
from bitget_desktop.exchange.signing import Credentials
from bitget_desktop.simulator import ApiKeySpec, Simulator, SimulatorConfig

KEY = "bg_test_classic_key"
SECRET = "test-secret"
PASSPHRASE = "test-passphrase"
UTA_KEY = "bg_test_uta_key"
WITHDRAW_KEY = "bg_test_withdraw_key"

CREDS = Credentials(KEY, SECRET, PASSPHRASE)


def client_for(sim, credentials: Credentials | None = CREDS, **kw) -> BitgetClient:
    opts = dict(timeout=2.0, retry_initial_delay=0.05, resolve_initial_delay=0.1, ws_reconnect_initial=0.05,
                rng=random.Random(7))
    opts.update(kw)
    return BitgetClient(local(sim.rest_url), credentials, **opts)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    config = SimulatorConfig(
        seed=7,
        host="127.0.0.1",
        port=0,
        keys=[
            ApiKeySpec(KEY, SECRET, PASSPHRASE),
            ApiKeySpec(UTA_KEY, SECRET, PASSPHRASE, account_family="uta"),
            ApiKeySpec(WITHDRAW_KEY, SECRET, PASSPHRASE, permissions=("read", "trade", "withdraw")),
        ],
    )
    async with Simulator(config) as s:
        yield s


@pytest.fixture
async def client(sim) -> AsyncIterator[BitgetClient]:
    async with client_for(sim) as c:
        yield c
