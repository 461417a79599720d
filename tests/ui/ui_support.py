"""Helpers for the Qt tests: awaiting Qt signals on the qasync loop, the in-process simulator and its test keys."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

try:
    from bitget_desktop.simulator import ApiKeySpec, Simulator, SimulatorConfig
except ImportError:
    from bitget_desktop.simulator.server import ApiKeySpec, Simulator, SimulatorConfig

__all__ = ["GOOD", "OPEN_SESSIONS", "UTA", "WITHDRAW", "ApiKeySpec", "Simulator", "SimulatorConfig", "expect_signal",
           "keys", "running_terminal", "simulator", "wait_signal", "wait_until", "window_for"]

GOOD = ("bg_good_key_0001", "s3cr3t-Good-Secret-Value-9f8e7d", "pass-Phrase-42")
WITHDRAW = ("bg_withdraw_key_02", "s3cr3t-Withdraw-Secret-1a2b3c", "pass-Withdraw-7")
UTA = ("bg_uta_key_0003", "s3cr3t-Uta-Secret-5e6f7a", "pass-Uta-3")


OPEN_SESSIONS: list[Any] = []


@contextlib.asynccontextmanager
async def simulator(**config: Any) -> AsyncIterator[Any]:
    """The in-process simulator with the test keys; sessions in OPEN_SESSIONS are closed before it stops."""
    async with Simulator(SimulatorConfig(**{"seed": 7, "keys": keys(), **config})) as sim:
        try:
            yield sim
        finally:
            while OPEN_SESSIONS:
                await OPEN_SESSIONS.pop().aclose()


@contextlib.asynccontextmanager
async def running_terminal(qtbot: Any, settings_store: Any, credential_store: Any,
                           **options: Any) -> AsyncIterator[tuple[Any, list[str]]]:
    """A started Terminal (the composition root, seed 7) and the list its ready lines go to; closed on exit."""
    from bitget_desktop.app import Terminal

    ready: list[str] = []
    term = Terminal(settings_store=settings_store, credential_store=credential_store, seed=7,
                    force_simulator=False, on_ready=ready.append, **options)
    try:
        await term.start()
        assert term.window is not None and term.session is not None
        qtbot.addWidget(term.window)
        yield term, ready
    finally:
        await term.aclose()


def keys() -> list[ApiKeySpec]:
    return [
        ApiKeySpec(*GOOD, permissions=("read", "trade")),
        ApiKeySpec(*WITHDRAW, permissions=("read", "trade", "withdraw")),
        ApiKeySpec(*UTA, permissions=("read", "trade"), account_family="uta"),
    ]


async def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Await a condition that Qt signals or asyncio tasks will make true (polled on the running loop)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.01)


def expect_signal(signal: Any) -> asyncio.Future[tuple[Any, ...]]:
    """A future for the next emission of a Qt signal, connected now (before the action that emits it)."""
    fut: asyncio.Future[tuple[Any, ...]] = asyncio.get_event_loop().create_future()

    def slot(*args: Any) -> None:
        if not fut.done():
            fut.set_result(args)
        signal.disconnect(slot)

    signal.connect(slot)
    return fut


async def wait_signal(signal: Any, timeout: float = 10.0) -> tuple[Any, ...]:
    """Await the next emission of a Qt signal; returns its arguments."""
    return await asyncio.wait_for(expect_signal(signal), timeout)


def window_for(qtbot: Any, sim: Any, tmp: Any, settings: Any = None, *, credentials: tuple[str, str, str] | None = GOOD,
               size: tuple[int, int] | None = None, layout_path: str | None = None) -> Any:
    """A shown MainWindow over a started Session on `sim` (spot BTCUSDT), settings kept under `tmp`.

    `credentials=None` gives a public-only session; the session is closed by `simulator()` on exit."""
    from bitget_desktop.exchange.client import BitgetClient
    from bitget_desktop.exchange.environments import local
    from bitget_desktop.exchange.signing import Credentials
    from bitget_desktop.settings import SettingsStore
    from bitget_desktop.ui.main_window import MainWindow
    from bitget_desktop.ui.session import Session

    env = local(sim.rest_url)
    client = BitgetClient(env, Credentials(*credentials) if credentials else None)
    session = Session(client, env, symbols=["SPOT:BTCUSDT"])
    OPEN_SESSIONS.append(session)
    store = SettingsStore(tmp)
    win = MainWindow(session, settings=settings or store.load(), settings_store=store, layout_path=layout_path)
    qtbot.addWidget(win)
    if size is not None:
        win.resize(*size)
    win.show()
    session.start()
    return win
