"""`bitget-desktop sim`: prints exactly `REST http://127.0.0.1:<port>` (plus a demo key line without key flags),
serves until terminated."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

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


async def _start_env(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    import os

    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bitget_desktop", "sim", "--port", "0", *args, cwd=ROOT, env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def test_key_from_the_environment_and_faults_from_the_control_endpoint():
    """The secret never appears in the process's command line; the loopback control switch sets faults."""
    secret, passphrase = "env-secret-7f3a", "env-pass-91c2"
    proc = await _start_env({"BITGET_SIM_API_KEY": "env-key", "BITGET_SIM_SECRET": secret,
                             "BITGET_SIM_PASSPHRASE": passphrase}, "--control", "--faults", '{"latency_ms": 1}')
    try:
        first = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        m = re.fullmatch(r"REST (http://127\.0\.0\.1:\d+)\n", first)
        assert m, first
        cmdline = await asyncio.to_thread(Path(f"/proc/{proc.pid}/cmdline").read_bytes)
        assert secret.encode() not in cmdline and passphrase.encode() not in cmdline
        from bitget_desktop.simulator import ApiKeySpec
        from tests.simulator.conftest import Http

        key = ApiKeySpec("env-key", secret, passphrase)
        async with aiohttp.ClientSession() as s:
            http = Http(s, m.group(1))
            status, body = await http.signed_get(key, "/api/v2/spot/account/assets")
            assert status == 200 and body["code"] == "00000"
            async with s.post(m.group(1) + "/sim/faults", json={"next_http_errors": [503]}) as r:
                assert r.status == 200
            status, _ = await http.signed_get(key, "/api/v2/spot/account/assets")
            assert status == 503
    finally:
        await stop(proc)
    assert (await proc.stdout.read()) == b""


async def test_key_file(tmp_path):
    keys = tmp_path / "sim.keys"
    keys.write_text("# local simulator key\napi_key = file-key\nsecret = file-secret\npassphrase = file-pass\n")
    proc = await _start_env({}, "--key-file", str(keys))
    try:
        first = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        m = re.fullmatch(r"REST (http://127\.0\.0\.1:\d+)\n", first)
        assert m, first
        from bitget_desktop.simulator import ApiKeySpec
        from tests.simulator.conftest import Http

        async with aiohttp.ClientSession() as s:
            status, body = await Http(s, m.group(1)).signed_get(ApiKeySpec("file-key", "file-secret", "file-pass"),
                                                                "/api/v2/spot/account/assets")
            assert status == 200 and body["code"] == "00000"
    finally:
        await stop(proc)


def test_key_settings_resolve_flags_then_file_then_environment(tmp_path):
    from bitget_desktop.simulator.cli import SimSetupError, resolve_key

    env = {"BITGET_SIM_API_KEY": "ek", "BITGET_SIM_SECRET": "es", "BITGET_SIM_PASSPHRASE": "ep"}
    assert resolve_key(None, None, None, None, env) == ("ek", "es", "ep")
    f = tmp_path / "k"
    f.write_text("secret=fs\n")
    assert resolve_key("k", None, None, str(f), env) == ("k", "fs", "ep")
    assert resolve_key(None, None, None, None, {}) == (None, None, None)  # a demo key
    with pytest.raises(SimSetupError) as info:
        resolve_key(None, None, None, None, {"BITGET_SIM_SECRET": "only-the-secret"})
    assert "only-the-secret" not in str(info.value)
    f.write_text("token=x\n")
    with pytest.raises(SimSetupError):
        resolve_key(None, None, None, str(f), {})
