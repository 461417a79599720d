"""The `bitget-desktop` command's own options: --version, --help and --reset-demo, run as the installed script."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from app_support import app_env

from bitget_desktop import __version__
from bitget_desktop.app import EmbeddedSimulator
from bitget_desktop.domain.market import ProductType
from bitget_desktop.domain.trading import OrderRequest
from bitget_desktop.exchange.client import BitgetClient

SCRIPT = Path(sys.executable).with_name("bitget-desktop")


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], env=app_env(tmp_path), cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, check=False)


def test_version_prints_the_package_version(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"bitget-desktop {__version__}"
    assert not (tmp_path / "config").exists() and not (tmp_path / "home" / ".local").exists()  # nothing started


def test_help_names_the_commands_and_options(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    for word in ("usage: bitget-desktop", "--version", "--reset-demo", "gui", "sim", "Custom server"):
        assert word in done.stdout, word
    sim = run_cli(tmp_path, "sim", "--help")
    assert sim.returncode == 0 and "--port" in sim.stdout and "--state" in sim.stdout


async def _paper_account(state: Path) -> tuple[Decimal, Decimal, int]:
    """(USDT available, USDT frozen, open orders) of the embedded simulator's paper account saved in `state`."""
    emb = EmbeddedSimulator(7, state_path=state)
    conn = await emb.start()
    try:
        async with BitgetClient(conn.environment, conn.credentials) as client:
            usdt = next(b for b in await client.spot_balances() if b.coin == "USDT")
            return usdt.available, usdt.frozen, len(await client.spot_open_orders())
    finally:
        await emb.stop()


async def test_reset_demo_puts_the_paper_account_back_to_its_starting_funds(tmp_path: Path) -> None:
    state = tmp_path / "data" / "paper-account.json"  # where app_env's BITGET_DESKTOP_DATA_DIR puts it
    emb = EmbeddedSimulator(7, state_path=state)
    conn = await emb.start()
    try:
        async with BitgetClient(conn.environment, conn.credentials) as client:
            inst = next(i for i in await client.spot_instruments() if i.symbol == "BTCUSDT")
            bid = (await client.ticker(ProductType.SPOT, "BTCUSDT")).bid
            await client.place_spot_order(OrderRequest.build(
                inst, side="buy", order_type="limit", size="0.01", price=inst.snap_price(bid * Decimal("0.8"))))
    finally:
        await emb.stop()
    available, frozen, orders = await _paper_account(state)
    assert frozen > 0 and orders == 1 and available < Decimal("100000")  # the order survived the restart

    done = run_cli(tmp_path, "--reset-demo")
    assert done.returncode == 0, done.stderr
    assert "reset" in done.stdout

    assert not state.exists()
    assert await _paper_account(state) == (Decimal("100000"), Decimal("0"), 0)
