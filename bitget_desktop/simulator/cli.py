"""`bitget-desktop sim`: run the simulator standalone until interrupted, printing where it listens."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
import sys

from bitget_desktop.simulator.auth import ApiKeySpec
from bitget_desktop.simulator.server import Simulator, SimulatorConfig

__all__ = ["run_standalone"]


def run_standalone(host: str = "127.0.0.1", port: int = 0, seed: int = 7, api_key: str | None = None,
                   secret: str | None = None, passphrase: str | None = None,
                   state_path: str | None = None) -> int:
    """Serve until SIGINT/SIGTERM. Prints `REST http://host:port` (one line); without key flags, registers a demo key
    with read/trade permissions and prints it on a second line."""
    demo = not (api_key and secret and passphrase)
    if demo:
        api_key = "bg_demo_" + secrets.token_hex(8)
        secret = secrets.token_hex(16)
        passphrase = "demo" + secrets.token_hex(4)
    assert api_key and secret and passphrase
    key = ApiKeySpec(api_key, secret, passphrase, permissions=("read", "trade"))
    cfg = SimulatorConfig(seed=seed, host=host, port=port, keys=[key], state_path=state_path)
    try:
        asyncio.run(_serve(cfg, demo, key))
    except KeyboardInterrupt:
        pass
    return 0


async def _serve(cfg: SimulatorConfig, demo: bool, key: ApiKeySpec) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with Simulator(cfg) as sim:
        print(f"REST {sim.rest_url}", flush=True)
        if demo:
            # A local throwaway key for the demo account: printing it is the point (nothing real is behind it).
            print(f"demo key: api_key={key.api_key} secret={key.secret} passphrase={key.passphrase}", flush=True)
        sys.stdout.flush()
        await stop.wait()
