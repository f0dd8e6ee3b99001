"""jetbot backup / restore (bot/ops/backup.py): a consistent copy while the bot writes, restores that
refuse while a bot runs on the database, and a full disk that leaves nothing half-written."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.client import DISK_FULL, describe_error
from bot.ops.backup import DatabaseLock, OpsError, backup, bot_running_on, inspect, latest_migration, restore
from bot.storage import Database

ROOT = Path(__file__).resolve().parent.parent


async def _write_rows(db: Database, stop: asyncio.Event, written: list[int]) -> None:
    n = 0
    while not stop.is_set():
        async with db.transaction() as conn:  # one transaction per row, like RSVPs arriving
            await conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (f"row:{n:06d}", "x" * 200))
        written.append(n)
        n += 1
        await asyncio.sleep(0)


async def test_backup_while_writes_go_on_is_consistent(tmp_path: Path) -> None:
    path = tmp_path / "live.sqlite3"
    db = await Database(path).open()
    stop, written = asyncio.Event(), []
    writer = asyncio.create_task(_write_rows(db, stop, written))
    try:
        while len(written) < 300:  # noqa: ASYNC110 - a database of some size, so the copy takes several steps
            await asyncio.sleep(0.01)
        before = len(written)
        report = await asyncio.to_thread(backup, path, tmp_path / "copy.sqlite3")
        during = len(written)
    finally:
        stop.set()
        await writer
        await db.close()
    assert during > before, "the writes did not go on during the backup"
    assert report.integrity == "ok" and report.schema_version == latest_migration()
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    keys = [r[0] for r in copy.execute("SELECT key FROM meta WHERE key LIKE 'row:%' ORDER BY key")]
    copy.close()
    # A snapshot: every row committed before the backup began, and no gap (no half of a later state).
    assert len(keys) >= before
    assert keys == [f"row:{n:06d}" for n in range(len(keys))]
    assert report.row_counts["meta"] == len(keys)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]  # noqa: ASYNC240


async def test_backup_finishes_while_another_process_writes_without_pause(tmp_path: Path) -> None:
    """Copied in several steps, SQLite restarts a backup each time another connection writes between two
    steps: under a steady stream of writes a large database would never finish. One step always does."""
    path = tmp_path / "live.sqlite3"
    await (await Database(path).open()).close()
    conn = sqlite3.connect(path)
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [(f"bulk:{i}", "x" * 500) for i in range(100000)])
    conn.commit()
    conn.close()
    stop = threading.Event()

    def storm() -> None:  # another connection, like the running bot, committing all the time
        writer = sqlite3.connect(path, isolation_level=None, timeout=10)
        n = 0
        while not stop.is_set():
            writer.execute("INSERT INTO meta (key, value) VALUES (?, 'y')", (f"storm:{n}",))
            n += 1
        writer.close()

    thread = threading.Thread(target=storm)
    thread.start()
    try:
        # The bound only keeps a regression from hanging the suite; one pass takes well under a second.
        report = await asyncio.wait_for(asyncio.to_thread(backup, path, tmp_path / "copy.sqlite3"), 60)
    finally:
        stop.set()
        thread.join()
    assert report.integrity == "ok" and report.row_counts["meta"] >= 100000


async def test_backup_into_a_folder_gets_a_dated_name_and_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "live.sqlite3"
    await (await Database(path).open()).close()
    folder = tmp_path / "backups"
    folder.mkdir()
    report = backup(path, folder)
    assert report.path.parent == folder and report.path.name.startswith("jetbot-")
    with pytest.raises(OpsError, match="already exists"):
        backup(path, report.path)
    with pytest.raises(OpsError, match="no such database"):
        backup(tmp_path / "missing.sqlite3", tmp_path / "x.sqlite3")


async def _database_with(path: Path, value: str) -> None:
    db = await Database(path).open()
    await db.meta.set("marker", value)
    await db.close()


def _marker(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("SELECT value FROM meta WHERE key = 'marker'").fetchone()[0])
    finally:
        conn.close()


async def test_restore_puts_the_backup_in_place_and_keeps_the_current_one(tmp_path: Path) -> None:
    live, saved = tmp_path / "live.sqlite3", tmp_path / "saved.sqlite3"
    await _database_with(live, "old")
    backup(live, saved)
    await _database_with(live, "new")
    report, kept = restore(saved, live)
    assert _marker(live) == "old" and report.integrity == "ok"
    assert kept is not None and _marker(kept) == "new"


async def test_restore_refuses_while_a_bot_holds_the_lock(tmp_path: Path) -> None:
    live, saved = tmp_path / "live.sqlite3", tmp_path / "saved.sqlite3"
    await _database_with(live, "old")
    backup(live, saved)
    await _database_with(live, "current")
    # The lock held by another process, as a running `jetbot run` holds it.
    holder = subprocess.Popen(  # noqa: ASYNC220 - a plain process that only holds the lock
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from bot.ops.backup import DatabaseLock; "
                               "lock = DatabaseLock(Path(sys.argv[1])); assert lock.acquire(); "
                               "print('held', flush=True); time.sleep(60)", str(live)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert bot_running_on(live)
        with pytest.raises(OpsError, match="running"):
            restore(saved, live)
        assert _marker(live) == "current"
        assert not DatabaseLock(live).acquire()
    finally:
        holder.kill()
        holder.wait()
    assert not bot_running_on(live)  # the kernel dropped the dead process's lock: no stale lock file trouble
    restore(saved, live)
    assert _marker(live) == "old"


async def test_restore_refuses_a_damaged_or_newer_backup(tmp_path: Path) -> None:
    live = tmp_path / "live.sqlite3"
    await _database_with(live, "current")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(OpsError, match="not a jetbot database or damaged"):
        restore(junk, live)
    newer = tmp_path / "newer.sqlite3"
    backup(live, newer)
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {latest_migration() + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(OpsError, match="newer jetbot"):
        restore(newer, live)
    assert _marker(live) == "current"
    assert inspect(live).integrity == "ok"


async def test_a_full_disk_is_a_clear_message_and_nothing_half_written(tmp_path: Path) -> None:
    db = await Database(tmp_path / "live.sqlite3").open()
    try:
        await db.meta.set("kept", "yes")
        pages = (await db.fetchone("PRAGMA page_count"))[0]  # type: ignore[index]
        await db.execute(f"PRAGMA max_page_count = {pages + 2}")  # "the disk" has two pages left
        with pytest.raises(sqlite3.OperationalError, match="full") as caught:
            async with db.transaction() as conn:
                for n in range(200):
                    await conn.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (f"big:{n}", "x" * 4000))
        assert describe_error(caught.value) == (DISK_FULL, True)
        rows = await db.fetchall("SELECT key FROM meta WHERE key LIKE 'big:%'")
        assert rows == []  # the whole transaction was rolled back
        assert await db.meta.get("kept") == "yes"
    finally:
        await db.close()
