"""`bitget-desktop sim`: prints exactly `REST http://127.0.0.1:<port>` (plus a demo key line without key flags),
serves until terminated."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]


async def start(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bitget_desktop", "sim", "--port", "0", *args, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def stop(proc: asyncio.subprocess.Process) -> None:
    proc.send_signal(signal.SIGTERM)
    await asyncio.wait_for(proc.wait(), 10)
    assert proc.returncode == 0


async def test_demo_key_printed_and_usable():
    proc = await start("--seed", "5")
    try:
        first = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        m = re.fullmatch(r"REST (http://127\.0\.0\.1:(\d+))\n", first)
        assert m, first
        second = (await asyncio.wait_for(proc.stdout.readline(), 5)).decode()
        km = re.fullmatch(r"demo key: api_key=(\S+) secret=(\S+) passphrase=(\S+)\n", second)
        assert km, second
        from bitget_desktop.simulator import ApiKeySpec
        from tests.simulator.conftest import Http

        key = ApiKeySpec(*km.groups())
        async with aiohttp.ClientSession() as s:
            http = Http(s, m.group(1))
            status, body = await http.signed_get(key, "/api/v2/spot/account/assets")
            assert status == 200 and body["code"] == "00000" and body["data"]
            async with s.ws_connect(m.group(1).replace("http", "ws") + "/v2/ws/public") as ws:
                await ws.send_str("ping")
                assert (await ws.receive()).data == "pong"
    finally:
        await stop(proc)


async def test_given_key_prints_one_line(tmp_path):
    state = tmp_path / "state.json"
    proc = await start("--api-key", "k1", "--secret", "s1", "--passphrase", "p1", "--state", str(state))
    try:
        first = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        assert re.fullmatch(r"REST http://127\.0\.0\.1:\d+\n", first)
    finally:
        await stop(proc)
    rest = (await proc.stdout.read()).decode()
    assert rest == ""  # nothing else on stdout (the secret is never printed when given)
    assert state.exists()  # the accounts were saved on the way out
