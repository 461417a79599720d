"""Fixtures for the simulator tests: a running Simulator on 127.0.0.1:0, an HTTP session and a signing helper."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import aiohttp
import pytest

from bitget_desktop.simulator import ApiKeySpec, Simulator, SimulatorConfig

KEY = ApiKeySpec("sim-test-key", "sim-test-secret", "sim-test-pass", permissions=("read", "trade", "withdraw"))
READ_KEY = ApiKeySpec("sim-read-key", "sim-read-secret", "sim-read-pass", permissions=("read",))
UTA_KEY = ApiKeySpec("sim-uta-key", "sim-uta-secret", "sim-uta-pass", account_family="uta")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def sign(secret: str, prehash: str) -> str:
    """Independent HMAC-SHA256/base64 (deliberately not the package's signer)."""
    return base64.b64encode(hmac.new(secret.encode(), prehash.encode(), hashlib.sha256).digest()).decode()


def auth_headers(key: ApiKeySpec, method: str, path: str, query: str = "", body: str = "",
                 ts: int | None = None) -> dict[str, str]:
    t = str(now_ms() if ts is None else ts)
    pre = t + method + path + (f"?{query}" if query else "") + body
    return {"ACCESS-KEY": key.api_key, "ACCESS-SIGN": sign(key.secret, pre), "ACCESS-TIMESTAMP": t,
            "ACCESS-PASSPHRASE": key.passphrase, "Content-Type": "application/json"}


class Http:
    """Tiny raw client: public GETs, signed GET/POST; returns (status, json)."""

    def __init__(self, session: aiohttp.ClientSession, base: str) -> None:
        self.session = session
        self.base = base

    async def get(self, path: str, query: str = "", headers: dict[str, str] | None = None) -> tuple[int, Any]:
        url = self.base + path + (f"?{query}" if query else "")
        async with self.session.get(url, headers=headers or {}) as r:
            return r.status, await r.json(content_type=None)

    async def signed_get(self, key: ApiKeySpec, path: str, query: str = "", **kw: Any) -> tuple[int, Any]:
        return await self.get(path, query, auth_headers(key, "GET", path, query, **kw))

    async def signed_post(self, key: ApiKeySpec, path: str, payload: dict[str, Any]) -> tuple[int, Any]:
        body = json.dumps(payload, separators=(",", ":"))
        async with self.session.post(self.base + path, data=body.encode(),
                                     headers=auth_headers(key, "POST", path, "", body)) as r:
            return r.status, await r.json(content_type=None)


@pytest.fixture
async def sim():
    cfg = SimulatorConfig(seed=7, keys=[KEY, READ_KEY, UTA_KEY], tick_ms=50, rate_limits=False)
    async with Simulator(cfg) as s:
        yield s


@pytest.fixture
async def http(sim):
    async with aiohttp.ClientSession() as session:
        yield Http(session, sim.rest_url)
