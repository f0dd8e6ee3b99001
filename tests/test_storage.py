"""The storage core: migrations, transactions, per-server settings and declined questions."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.storage import Database, StorageError, discover_migrations


async def test_migrations_set_user_version_to_the_last_file(db: Database) -> None:
    assert await db.schema_version() == len(discover_migrations())


async def test_reopening_does_not_reapply_migrations(tmp_path: Path) -> None:
    path = tmp_path / "x.sqlite3"
    async with Database(path) as first:
        await first.settings.set_timezone(7, "Asia/Tokyo")
    async with Database(path) as second:
        assert (await second.settings.get(7)).timezone == "Asia/Tokyo"


async def test_sqlite_wal_mode_is_on(tmp_path: Path) -> None:
    async with Database(tmp_path / "wal.sqlite3") as db:
        row = await db.fetchone("PRAGMA journal_mode")
    assert row is not None and row[0].lower() == "wal"


async def test_a_failing_migration_rolls_back_and_says_which(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_ok.sql").write_text("CREATE TABLE a (x INTEGER);")
    (migrations / "0002_broken.sql").write_text("CREATE TABLE b (y INTEGER); THIS IS NOT SQL;")
    db = Database(tmp_path / "m.sqlite3", migrations_dir=migrations)
    with pytest.raises(StorageError, match=r"0002_broken\.sql"):
        await db.open()
    assert not db.is_open  # a half-opened connection is closed, so nothing keeps the process alive
    with sqlite3.connect(tmp_path / "m.sqlite3") as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "a" in tables and "b" not in tables


def test_migration_numbers_must_not_have_gaps(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("")
    (tmp_path / "0003_c.sql").write_text("")
    with pytest.raises(StorageError, match="without gaps"):
        discover_migrations(tmp_path)


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')")
            raise RuntimeError("boom")
    assert await db.meta.get("k") is None


async def test_concurrent_transactions_are_serialised(db: Database) -> None:
    await db.meta.set("counter", "0")

    async def bump() -> None:
        async with db.transaction() as conn:
            # Read to decide, then write: the row stays locked until commit (FOR UPDATE on PostgreSQL).
            async with conn.execute("SELECT value FROM meta WHERE key='counter'" + conn.for_update()) as cur:
                value = int((await cur.fetchone())[0])
            await asyncio.sleep(0)  # let others try to interleave
            await conn.execute("UPDATE meta SET value=? WHERE key='counter'", (str(value + 1),))

    await asyncio.gather(*(bump() for _ in range(50)))
    assert await db.meta.get("counter") == "50"


async def test_settings_default_and_are_scoped_per_server(db: Database) -> None:
    default = await db.settings.get(1)
    assert (default.timezone, default.organiser_role_id, default.reminder_offsets) == ("UTC", None, (1440, 60))
    await db.settings.set_timezone(1, "Europe/London")
    await db.settings.set_organiser_role(1, 99)
    await db.settings.set_reminder_offsets(1, [30, 120, 30])
    one, two = await db.settings.get(1), await db.settings.get(2)
    assert (one.timezone, one.organiser_role_id, one.reminder_offsets) == ("Europe/London", 99, (120, 30))
    assert (two.timezone, two.organiser_role_id) == ("UTC", None)


async def test_unanswered_counts_per_server_most_frequent_first(db: Database) -> None:
    for _ in range(3):
        await db.unanswered.record(1, "visa korea", "visa for Korea?")
    await db.unanswered.record(1, "laptop", "good laptop?")
    await db.unanswered.record(2, "other server", "other server?")
    assert await db.unanswered.top(1) == [("visa for Korea?", 3), ("good laptop?", 1)]
    assert await db.unanswered.top(2) == [("other server?", 1)]
    assert await db.unanswered.clear(1) == 2
    assert await db.unanswered.top(1) == []


async def test_unanswered_table_has_no_user_column(db: Database) -> None:
    cols = await db.columns("unanswered_questions")
    assert "guild_id" in cols
    assert not any("user" in c for c in cols)


async def test_opening_an_unwritable_path_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises((StorageError, sqlite3.Error, OSError)):
        await Database(blocker / "db.sqlite3").open()
