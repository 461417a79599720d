"""`bitget-desktop sim`: run the simulator standalone until interrupted, printing where it listens."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bitget_desktop.simulator.auth import ApiKeySpec
from bitget_desktop.simulator.faults import Faults
from bitget_desktop.simulator.server import Simulator, SimulatorConfig

__all__ = ["SimSetupError", "parse_faults", "resolve_key", "run_standalone", "ENV_KEY", "ENV_SECRET", "ENV_PASSPHRASE"]

ENV_KEY, ENV_SECRET, ENV_PASSPHRASE = "BITGET_SIM_API_KEY", "BITGET_SIM_SECRET", "BITGET_SIM_PASSPHRASE"


class SimSetupError(ValueError):
    """The key settings of `bitget-desktop sim` are incomplete or unreadable (the message names no secret)."""


def _key_file(path: str) -> dict[str, str]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SimSetupError(f"cannot read the key file {path}: {exc.strerror}") from None
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep or name.strip() not in ("api_key", "secret", "passphrase"):
            raise SimSetupError(f"{path}:{n}: expected api_key=, secret= or passphrase=")
        out[name.strip()] = value.strip()
    return out


def resolve_key(api_key: str | None, secret: str | None, passphrase: str | None, key_file: str | None = None,
                environ: Mapping[str, str] | None = None) -> tuple[str | None, str | None, str | None]:
    """(api_key, secret, passphrase) from the flags, then the key file, then the environment; all or none."""
    env = os.environ if environ is None else environ
    from_file = _key_file(key_file) if key_file else {}
    key = (api_key or from_file.get("api_key") or env.get(ENV_KEY) or None,
           secret or from_file.get("secret") or env.get(ENV_SECRET) or None,
           passphrase or from_file.get("passphrase") or env.get(ENV_PASSPHRASE) or None)
    if any(key) and not all(key):
        missing = [n for n, v in zip(("api key", "secret", "passphrase"), key, strict=True) if not v]
        raise SimSetupError(f"give the api key, secret and passphrase together (or none for a demo key); "
                        f"missing: {', '.join(missing)}")
    return key


def parse_faults(text: str | None) -> dict[str, Any]:
    """The `--faults` JSON object (checked again by Faults.apply when the simulator starts)."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise SimSetupError(f"--faults is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise SimSetupError("--faults must be a JSON object")
    try:
        Faults().apply(value)  # a dry run: refuses unknown faults and wrong values before anything starts
    except (ValueError, TypeError) as exc:
        raise SimSetupError(f"bad --faults: {exc}") from None
    return value


def run_standalone(host: str = "127.0.0.1", port: int = 0, seed: int = 7, api_key: str | None = None,
                   secret: str | None = None, passphrase: str | None = None,
                   state_path: str | None = None, faults: dict[str, Any] | None = None,
                   control: bool = False) -> int:
    """Serve until SIGINT/SIGTERM. Prints `REST http://host:port` (one line); without key flags, registers a demo key
    with read/trade permissions and prints it on a second line."""
    demo = not (api_key and secret and passphrase)
    if demo:
        api_key = "bg_demo_" + secrets.token_hex(8)
        secret = secrets.token_hex(16)
        passphrase = "demo" + secrets.token_hex(4)
    assert api_key and secret and passphrase
    key = ApiKeySpec(api_key, secret, passphrase, permissions=("read", "trade"))
    cfg = SimulatorConfig(seed=seed, host=host, port=port, keys=[key], state_path=state_path, control=control)
    try:
        asyncio.run(_serve(cfg, demo, key, faults or {}))
    except KeyboardInterrupt:
        pass
    return 0


async def _serve(cfg: SimulatorConfig, demo: bool, key: ApiKeySpec, faults: dict[str, Any]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with Simulator(cfg) as sim:
        sim.faults.apply(faults)
        print(f"REST {sim.rest_url}", flush=True)
        if demo:
            # A local throwaway key for the demo account: printing it is the point (nothing real is behind it).
            print(f"demo key: api_key={key.api_key} secret={key.secret} passphrase={key.passphrase}", flush=True)
        sys.stdout.flush()
        await stop.wait()
