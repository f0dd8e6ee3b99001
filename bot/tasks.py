"""Background tasks: one way to start them, so none is lost, none fails silently, shutdown can wait.

``asyncio.create_task`` keeps only a weak reference to its task (a task nobody holds can vanish
mid-way), and an exception in a task nobody awaits is only reported when it is garbage-collected, if
ever. ``spawn`` keeps a reference until the task ends and logs its exception with what it was for
(python-discord bot-core ``pydis_core/utils/scheduling.py`` does the same). ``drain`` lets the bot's
shutdown wait for DMs and edits already started, for a bounded time.

Usage::

    from bot import tasks
    tasks.spawn(dm_members(...), purpose="tell members event 12 changed")
    ...
    await tasks.drain(5.0)   # at shutdown: JetBot.close()
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger("jetbot.tasks")

T = TypeVar("T")


class BackgroundTasks:
    """A set of running tasks with their purposes."""

    def __init__(self) -> None:
        self._tasks: dict[asyncio.Task[Any], str] = {}

    def spawn(self, coro: Coroutine[Any, Any, T], *, purpose: str) -> asyncio.Task[T]:
        task = asyncio.get_running_loop().create_task(coro, name=purpose)
        self._tasks[task] = purpose
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        purpose = self._tasks.pop(task, task.get_name())
        if task.cancelled():
            log.info("background task cancelled: %s", purpose)
            return
        exc = task.exception()
        if exc is not None:
            log.error("background task failed: %s", purpose, exc_info=exc)

    def __len__(self) -> int:
        return len(self._tasks)

    def pending(self) -> list[str]:
        """Purposes of the tasks still running."""
        return list(self._tasks.values())

    async def wait(self) -> None:
        """Wait until no task is running, including tasks started by the ones awaited (tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def drain(self, timeout: float) -> int:  # noqa: ASYNC109  (a bound, not a cancel scope)
        """Wait at most ``timeout`` seconds for running tasks (and those they start), then cancel the
        rest. Returns how many had to be cancelled. Work that must survive a cancel (promotion DMs)
        is persisted by its owner before it is spawned, and resent after a restart."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0.0)
        while self._tasks:
            left = deadline - loop.time()
            if left <= 0:
                break
            await asyncio.wait(list(self._tasks), timeout=left)
        late = [t for t in self._tasks if not t.done()]
        for task in late:
            log.warning("cancelling background task at shutdown: %s", self._tasks.get(task, task.get_name()))
            task.cancel()
        if late:
            await asyncio.gather(*late, return_exceptions=True)
        return len(late)


#: The bot's tasks. Module-level so that cogs, views and the bot's ``close`` share one set.
background = BackgroundTasks()


def spawn(coro: Coroutine[Any, Any, T], *, purpose: str) -> asyncio.Task[T]:
    """Start ``coro`` in the background, keep it referenced, log its failure with ``purpose``."""
    return background.spawn(coro, purpose=purpose)


async def drain(timeout: float = 5.0) -> int:  # noqa: ASYNC109
    """At shutdown: wait (bounded) for background work; returns how many tasks were cancelled."""
    return await background.drain(timeout)


async def wait() -> None:
    """Wait for every background task (tests)."""
    await background.wait()


__all__ = ["BackgroundTasks", "background", "drain", "spawn", "wait"]
