"""Command line: the terminal (default) and `sim`, the standalone Bitget-compatible simulator."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bitget-desktop", description="Desktop trading terminal for Bitget.")
    sub = parser.add_subparsers(dest="command")

    gui = sub.add_parser("gui", help="start the terminal (the default)")
    gui.add_argument("--simulator", action="store_true", help="start on the embedded simulator even if accounts exist")
    gui.add_argument("--seed", type=int, default=7, help="seed of the embedded simulator's market")

    sim = sub.add_parser("sim", help="run the Bitget-compatible simulator standalone")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=0, help="0 picks a free port")
    sim.add_argument("--seed", type=int, default=7)
    sim.add_argument("--api-key", help="the API key to accept (or BITGET_SIM_API_KEY, or api_key= in --key-file)")
    sim.add_argument("--key-file", help="file of api_key=, secret= and passphrase= lines (keep it private)")
    sim.add_argument("--secret", help="discouraged: visible to every local user; use BITGET_SIM_SECRET or --key-file")
    sim.add_argument("--passphrase", help="discouraged: use BITGET_SIM_PASSPHRASE or --key-file")
    sim.add_argument("--state", help="file to keep the accounts' state in across restarts")
    sim.add_argument("--faults", help='faults to start with, as JSON, e.g. \'{"latency_ms": 200}\'')
    sim.add_argument("--control", action="store_true",
                     help="serve POST /sim/faults (loopback callers only) to switch faults on and off")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "sim":
        from bitget_desktop.simulator.cli import SimSetupError, parse_faults, resolve_key, run_standalone

        try:
            key = resolve_key(args.api_key, args.secret, args.passphrase, args.key_file)
            faults = parse_faults(args.faults)
        except SimSetupError as exc:
            print(f"sim: {exc}", file=sys.stderr)
            return 2
        if args.secret or args.passphrase:
            print("sim: a secret on the command line is visible to every local user; prefer BITGET_SIM_SECRET / "
                  "BITGET_SIM_PASSPHRASE or --key-file", file=sys.stderr)
        return run_standalone(
            host=args.host, port=args.port, seed=args.seed, api_key=key[0], secret=key[1], passphrase=key[2],
            state_path=args.state, faults=faults, control=args.control,
        )
    from bitget_desktop.app import run_gui

    return run_gui(force_simulator=getattr(args, "simulator", False), seed=getattr(args, "seed", 7))
