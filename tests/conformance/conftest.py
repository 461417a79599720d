"""The standalone simulator (`bitget-desktop sim`) as a subprocess, and ccxt's bitget pointed at it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

KEY, SECRET, PASSPHRASE = "ccxt-key", "ccxt-secret", "ccxt-pass"
API_SECTIONS = ("spot", "mix", "user", "p2p", "broker", "margin", "common", "tax", "convert", "copy", "earn", "uta")


@pytest.fixture(scope="session")
def standalone_sim(tmp_path_factory):
    """Start `python -m bitget_desktop sim` on a free port and yield its REST base URL."""
    state = tmp_path_factory.mktemp("sim") / "state.json"
    cmd = [sys.executable, "-m", "bitget_desktop", "sim", "--host", "127.0.0.1", "--port", "0", "--seed", "7",
           "--api-key", KEY, "--secret", SECRET, "--passphrase", PASSPHRASE, "--state", str(state)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2], env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + 30
    line = ""
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line or proc.poll() is not None:
            break
    match = re.fullmatch(r"REST (http://127\.0\.0\.1:\d+)\n", line)
    if not match:
        proc.kill()
        raise RuntimeError(f"simulator did not start: {line!r} {proc.stderr.read()[-2000:]}")
    yield match.group(1)
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()
    proc.stderr.close()


def point_ccxt_at(exchange, base: str) -> None:
    """Change only the URLs of a ccxt bitget instance (the one thing a user must change)."""
    for section in API_SECTIONS:
        exchange.urls["api"][section] = base
    ws = base.replace("http://", "ws://")
    exchange.urls["api"]["ws"] = {
        "public": f"{ws}/v2/ws/public", "private": f"{ws}/v2/ws/private",
        "utaPublic": f"{ws}/v3/ws/public", "utaPrivate": f"{ws}/v3/ws/private",
    }


@pytest.fixture
async def ccxt_rest(standalone_sim):
    import ccxt.async_support as ccxt

    ex = ccxt.bitget({"apiKey": KEY, "secret": SECRET, "password": PASSPHRASE})
    point_ccxt_at(ex, standalone_sim)
    try:
        yield ex
    finally:
        await ex.close()


@pytest.fixture
async def ccxt_pro(standalone_sim):
    import ccxt.pro as ccxtpro

    ex = ccxtpro.bitget({"apiKey": KEY, "secret": SECRET, "password": PASSPHRASE})
    point_ccxt_at(ex, standalone_sim)
    try:
        yield ex
    finally:
        await ex.close()
