"""bot/ops/sync_state.py: the last command tree synced, per application and scope, survives a restart."""

from __future__ import annotations

from pathlib import Path

from bot.ops.sync_state import CommandSyncState
from bot.storage import Database


async def test_a_digest_is_current_only_for_its_application_and_scope(db: Database) -> None:
    state = CommandSyncState(db)
    assert not await state.is_current(1, None, "abc")  # never synced
    await state.remember(1, None, "abc")
    assert await state.is_current(1, None, "abc")
    assert not await state.is_current(1, None, "def")  # the commands changed
    assert not await state.is_current(2, None, "abc")  # another application (a new bot on the same database)
    assert not await state.is_current(1, 555, "abc")  # a development server is its own scope
    await state.remember(1, 555, "dev")
    assert await state.is_current(1, None, "abc") and await state.is_current(1, 555, "dev")


async def test_it_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "jetbot.sqlite3"
    async with Database(path) as first:
        await CommandSyncState(first).remember(1, None, "abc")
    async with Database(path) as second:
        assert await CommandSyncState(second).is_current(1, None, "abc")
