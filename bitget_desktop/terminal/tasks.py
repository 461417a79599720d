"""TaskSet: the one owner of the asyncio tasks the terminal starts; keeps them, reports failures, cancels them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

ErrorSink = Callable[[str, BaseException], None]


class TaskSet:
    """Every task spawned here is kept until it ends; a failure goes to `on_error`; `aclose()` cancels the rest.

    After `aclose()` nothing new is started: `spawn` closes the coroutine and returns None."""

    def __init__(self, name: str, on_error: ErrorSink | None = None) -> None:
        self.name = name
        self.on_error = on_error
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task[Any] | None:
        if self._closed:
            coro.close()
            return None
        task = asyncio.get_event_loop().create_task(coro, name=f"{self.name}:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or self._closed:
            return
        exc = task.exception()
        if exc is None:
            return
        log.warning("task %s failed: %r", task.get_name(), exc)
        if self.on_error is not None:
            self.on_error(task.get_name(), exc)

    @property
    def tasks(self) -> frozenset[asyncio.Task[Any]]:
        return frozenset(self._tasks)

    @property
    def closed(self) -> bool:
        return self._closed

    def __len__(self) -> int:
        return len(self._tasks)

    async def aclose(self) -> None:
        """Cancel every task and wait for them to end; safe to call twice."""
        self._closed = True
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
