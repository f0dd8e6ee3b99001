"""bot/tasks.py: background work is referenced, its failures logged with their purpose, drained at shutdown."""

from __future__ import annotations

import asyncio
import logging

from bot.tasks import BackgroundTasks


async def test_failure_is_logged_with_its_purpose(caplog) -> None:
    group = BackgroundTasks()

    async def fails() -> None:
        raise ValueError("boom")

    with caplog.at_level(logging.ERROR, logger="jetbot.tasks"):
        group.spawn(fails(), purpose="tell members event 12 changed")
        await group.wait()
    [record] = [r for r in caplog.records if r.name == "jetbot.tasks"]
    assert "tell members event 12 changed" in record.getMessage()
    assert record.exc_info is not None and isinstance(record.exc_info[1], ValueError)
    assert len(group) == 0


async def test_drain_waits_for_quick_work_and_cancels_the_rest() -> None:
    group = BackgroundTasks()
    done: list[str] = []
    forever = asyncio.Event()

    async def quick() -> None:
        await asyncio.sleep(0)
        group.spawn(follow_up(), purpose="follow-up")  # started by a task being drained

    async def follow_up() -> None:
        await asyncio.sleep(0)
        done.append("follow-up")

    async def stuck() -> None:
        await forever.wait()

    group.spawn(quick(), purpose="quick")
    stuck_task = group.spawn(stuck(), purpose="stuck")
    assert sorted(group.pending()) == ["quick", "stuck"]
    cancelled = await group.drain(0.2)
    assert cancelled == 1 and stuck_task.cancelled()
    assert done == ["follow-up"] and len(group) == 0


async def test_drain_with_nothing_running_returns_at_once() -> None:
    assert await BackgroundTasks().drain(5) == 0
