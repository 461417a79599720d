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
    sim.add_argument("--api-key")
    sim.add_argument("--secret")
    sim.add_argument("--passphrase")
    sim.add_argument("--state", help="file to keep the accounts' state in across restarts")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "sim":
        keys = (args.api_key, args.secret, args.passphrase)
        if any(keys) and not all(keys):
            print("sim: give --api-key, --secret and --passphrase together (or none for a demo key)", file=sys.stderr)
            return 2
        from bitget_desktop.simulator.cli import run_standalone

        return run_standalone(
            host=args.host, port=args.port, seed=args.seed,
            api_key=args.api_key, secret=args.secret, passphrase=args.passphrase, state_path=args.state,
        )
    from bitget_desktop.app import run_gui

    return run_gui(force_simulator=getattr(args, "simulator", False), seed=getattr(args, "seed", 7))
