"""`bitget-desktop gui --endpoint URL`: the terminal on a separate Bitget-compatible server, its key from the
environment only (never on the command line, never stored)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from app_support import app_env, check_ready_line, noise

from bitget_desktop.simulator.auth import ApiKeySpec
from bitget_desktop.simulator.server import Simulator, SimulatorConfig

SCRIPT = Path(sys.executable).with_name("bitget-desktop")
KEY = ApiKeySpec("bg_endpoint_key_01", "s3cr3t-Endpoint-Secret-7c6d5e", "pass-Endpoint-19",
                 permissions=("read", "trade"))


def key_env(tmp_path: Path) -> dict[str, str]:
    return {**app_env(tmp_path), "BITGET_SIM_API_KEY": KEY.api_key, "BITGET_SIM_SECRET": KEY.secret,
            "BITGET_SIM_PASSPHRASE": KEY.passphrase}


def files_holding_the_secret(root: Path) -> list[Path]:
    return [f for f in root.rglob("*") if f.is_file() and (KEY.secret.encode() in (data := f.read_bytes())
                                                           or KEY.passphrase.encode() in data)]


@pytest.mark.slow
async def test_endpoint_connects_with_the_key_from_the_environment_and_keeps_it_off_the_command_line(
        tmp_path: Path) -> None:
    async with Simulator(SimulatorConfig(seed=7, keys=[KEY])) as sim:
        proc = await asyncio.create_subprocess_exec(
            str(SCRIPT), "gui", "--endpoint", sim.rest_url, env=key_env(tmp_path), cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        try:
            line = ""
            while not line.startswith("ready:"):
                raw = await asyncio.wait_for(proc.stdout.readline(), 30)
                assert raw, "the app ended before it was ready"
                line = raw.decode().strip()
            check_ready_line(line)
            cmdline = await asyncio.to_thread(Path(f"/proc/{proc.pid}/cmdline").read_bytes)
            assert sim.rest_url.encode() in cmdline
            assert KEY.secret.encode() not in cmdline and KEY.passphrase.encode() not in cmdline
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 20
            # the private socket of the server logged in with that key (REST alone would not show the account)
            while not any(c.private and c.key is not None and c.key.api_key == KEY.api_key for c in sim.hub.conns):
                assert loop.time() < deadline, "the app did not log in on the private websocket"
                await asyncio.sleep(0.1)
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), 20)
        stderr = (await proc.stderr.read()).decode()
    assert code == 0, stderr
    assert not noise(stderr), stderr
    # the run's account is not stored anywhere: settings, layout, candle cache, log
    assert not await asyncio.to_thread(files_holding_the_secret, tmp_path)


def test_endpoint_reads_the_same_variables_as_the_simulator() -> None:
    from bitget_desktop.cli import ENDPOINT_KEY_ENV
    from bitget_desktop.simulator.cli import ENV_KEY, ENV_PASSPHRASE, ENV_SECRET

    assert ENDPOINT_KEY_ENV == (ENV_KEY, ENV_SECRET, ENV_PASSPHRASE)


def test_endpoint_without_the_key_in_the_environment_is_refused(tmp_path: Path) -> None:
    env = key_env(tmp_path)
    del env["BITGET_SIM_SECRET"]
    done = subprocess.run([str(SCRIPT), "gui", "--endpoint", "http://127.0.0.1:9"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "BITGET_SIM_SECRET" in done.stderr and KEY.passphrase not in done.stderr
