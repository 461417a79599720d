"""Command line: the terminal (default), `sim` (the standalone simulator), --version and --reset-demo."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bitget_desktop import __version__

if TYPE_CHECKING:
    from bitget_desktop.exchange.signing import Credentials

EPILOG = """\
With no command the terminal starts: on the stored account last used, or on the embedded simulator
when no account is set up.

examples:
  bitget-desktop                      start the terminal
  bitget-desktop gui --simulator      start on the embedded simulator even if accounts exist
  bitget-desktop sim --port 8800      run the simulator alone; point the key wizard's
                                      "Custom server" at http://127.0.0.1:8800
  bitget-desktop gui --endpoint http://127.0.0.1:8800
                                      connect to that server for this run only, with the key in
                                      BITGET_SIM_API_KEY, BITGET_SIM_SECRET and BITGET_SIM_PASSPHRASE
  bitget-desktop --reset-demo         put the simulator's paper account back to its starting funds
"""


# The key of `gui --endpoint`: the variables `bitget-desktop sim` reads its own key from (spelled out here so that the
# terminal does not load the simulator to read three names; tests/app/test_endpoint_option.py holds them equal).
ENDPOINT_KEY_ENV = ("BITGET_SIM_API_KEY", "BITGET_SIM_SECRET", "BITGET_SIM_PASSPHRASE")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bitget-desktop", description="Desktop trading terminal for the Bitget exchange.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--reset-demo", action="store_true",
                        help="reset the embedded simulator's paper account (balances, orders, positions) and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = sub.add_parser("gui", help="start the terminal (the default)")
    gui.add_argument("--simulator", action="store_true", help="start on the embedded simulator even if accounts exist")
    gui.add_argument("--seed", type=int, default=7, help="seed of the embedded simulator's market")
    gui.add_argument("--endpoint", metavar="URL",
                     help="connect to the Bitget-compatible server at URL (e.g. `bitget-desktop sim`) as a custom "
                          "server account for this run only (nothing is stored); its key is read from "
                          "BITGET_SIM_API_KEY, BITGET_SIM_SECRET and BITGET_SIM_PASSPHRASE, never from the command "
                          "line")

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


def reset_demo() -> int:
    """Forget the paper account's saved state; the next start begins with the starting funds again."""
    from bitget_desktop.settings import paper_state_path

    path = paper_state_path()
    existed = path.exists()
    path.unlink(missing_ok=True)
    if existed:
        print(f"The simulator's paper account is reset (removed {path}).")
        print("A terminal that is running now keeps its account until it closes: use Account > Reset there.")
    else:
        print("The simulator's paper account already has its starting funds.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.reset_demo:
        return reset_demo()
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
    endpoint = None
    if getattr(args, "endpoint", None):
        try:
            endpoint = endpoint_account(args.endpoint)
        except ValueError as exc:
            print(f"gui: {exc}", file=sys.stderr)
            return 2
    from bitget_desktop.app import run_gui

    return run_gui(force_simulator=getattr(args, "simulator", False), seed=getattr(args, "seed", 7),
                   endpoint=endpoint)


def endpoint_account(url: str) -> tuple[str, Credentials]:
    """`gui --endpoint URL`: the server's checked base URL and the key from the BITGET_SIM_* environment."""
    from bitget_desktop.exchange.environments import local
    from bitget_desktop.exchange.signing import Credentials

    base = local(url).rest_url  # ValueError for anything but http(s)://host[:port]
    key, secret, passphrase = (os.environ.get(name) for name in ENDPOINT_KEY_ENV)
    if not (key and secret and passphrase):
        raise ValueError(f"--endpoint needs the server's API key in {', '.join(ENDPOINT_KEY_ENV)}")
    return base, Credentials(key, secret, passphrase)
