"""``jetbot db copy``: a running chapter's SQLite data moved to PostgreSQL (and back), verified."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.events import EventService
from bot.newsletter import NewsletterService
from bot.storage import Database, StorageError
from bot.storage.copy import copy_database, copy_order, parse_target
from tests.conftest import PgCluster
from tests.test_events_service import G1, make

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WORDING = "I agree to receive the chapter newsletter."


async def _chapter(db: Database, clock: FakeClock) -> int:
    """A little of everything: events with a waitlist, a series, settings, sign-ups, votes, declined questions."""
    events = EventService(db, clock=clock)
    event_id = await make(events, capacity=2)
    for u in (11, 12, 13):
        await events.rsvp(G1, event_id, u, "going")
    series = await events.series.create(G1, created_by=9, channel_id=500, title="Pub night", start="2026-12-04 19:00",
                                        end="22:00", pattern="monthly-weekday", count=6, location="The Tanuki")
    await events.series.materialize(series=series)
    await db.settings.set_timezone(G1, "Asia/Tokyo")
    newsletter = NewsletterService(db, clock=clock, consent_text=WORDING)
    await newsletter.subscribe(G1, 11, "ana@example.org", "Ana", channel_id=500)
    await db.chapter_kb.vote(G1, "alt-role", 11, True, clock.now)
    for _ in range(2):
        await db.unanswered.record(G1, "visa korea", "visa for Korea?")
    return event_id


@pytest.fixture
async def pg_url(pg_cluster: PgCluster) -> str:
    url = await pg_cluster.create()
    yield url
    await pg_cluster.drop(url)


async def test_sqlite_to_postgresql_and_back_copies_every_row(tmp_path: Path, pg_url: str, clock: FakeClock) -> None:
    async with Database(tmp_path / "old.sqlite3") as old:
        event_id = await _chapter(old, clock)
        counts = {t: (await old.fetchone(f"SELECT COUNT(*) FROM {t}"))[0] for t in await old.tables()}
        async with Database(pg_url) as pg:
            report = await copy_database(old, pg)
            assert {r.table: r.rows for r in report} == counts and all(r.verified for r in report)
            assert sum(counts.values()) >= 10
            # The bot reads the copy exactly as before, and new rows get new ids.
            events = EventService(pg, clock=clock)
            att = await events.attendees(G1, event_id)
            assert [r.user_id for r in att.going] == [11, 12] and [r.user_id for r in att.waitlist] == [13]
            assert (await pg.settings.get(G1)).timezone == "Asia/Tokyo"
            assert await pg.unanswered.top(G1) == [("visa for Korea?", 2)]
            newer = await make(events, title="After the move")
            assert newer > event_id
            await pg.unanswered.record(G1, "another", "another?")
            async with Database(tmp_path / "back.sqlite3") as back:
                again = await copy_database(pg, back)
                assert all(r.verified for r in again) and sum(r.rows for r in again) == sum(counts.values()) + 2


async def test_a_target_with_data_is_refused_and_left_alone(tmp_path: Path, pg_url: str, clock: FakeClock) -> None:
    async with Database(tmp_path / "old.sqlite3") as old, Database(pg_url) as pg:
        await _chapter(old, clock)
        await pg.meta.set("already", "here")
        with pytest.raises(StorageError, match="already holds data"):
            await copy_database(old, pg)
        row = await pg.fetchone("SELECT COUNT(*) FROM events")
        assert row is not None and row[0] == 0


async def test_tables_are_copied_after_the_tables_they_reference(tmp_path: Path) -> None:
    async with Database(tmp_path / "x.sqlite3") as db:
        order = await copy_order(db)
    assert order.index("events") < order.index("event_rsvps") and order.index("event_series") < order.index("events")
    assert order.index("consent_texts") < order.index("newsletter_subscriptions")


def test_database_urls_are_read_as_the_issue_writes_them() -> None:
    assert parse_target("sqlite:///data/jetbot.sqlite3") == Path("data/jetbot.sqlite3")
    assert parse_target("sqlite:////srv/jetbot.sqlite3") == Path("/srv/jetbot.sqlite3")
    assert parse_target("postgresql://u:p@h/db") == "postgresql://u:p@h/db"
    with pytest.raises(StorageError, match="mysql"):
        parse_target("mysql://h/db")


async def test_the_command_line_prints_each_table_and_hides_the_password(tmp_path: Path, pg_url: str,
                                                                         clock: FakeClock) -> None:
    async with Database(tmp_path / "old.sqlite3") as old:
        await _chapter(old, clock)
    url = pg_url.replace("postgres@", "postgres:hunter2@")  # trust authentication ignores the password
    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "bot", "db", "copy", "--from", f"sqlite:///{tmp_path}/old.sqlite3",
                         "--to", url], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "event_rsvps: 3 rows, verified" in done.stdout and "every row read back matches" in done.stdout
    assert "hunter2" not in done.stdout + done.stderr
    again = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "bot", "db", "copy", "--from", f"sqlite:///{tmp_path}/old.sqlite3",
                         "--to", url], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "already holds data" in again.stderr
    assert "hunter2" not in again.stderr and "Traceback" not in again.stderr


async def test_jetbot_check_reaches_postgresql_and_reads_its_schema(pg_url: str, tmp_path: Path) -> None:
    from bot.config import Settings
    from bot.ops.backup import latest_migration
    from bot.ops.doctor import FAIL, OK, run_checks

    def database_checks(url: str) -> list[tuple[str, str]]:
        settings = Settings(database_url=url, knowledge_path=PROJECT_ROOT / "tests" / "data" / "kb_small")
        return [(c.status, c.detail) for c in run_checks(settings) if c.what == "JETBOT_DATABASE_URL"]

    ((status, detail),) = await asyncio.to_thread(database_checks, pg_url)
    assert status == OK and f"schema {latest_migration()}, current" in detail  # a copy of the migrated template
    down = "postgresql://jetbot:hunter2@127.0.0.1:1/nothing"
    ((status, detail),) = await asyncio.to_thread(database_checks, down)
    assert status == FAIL and "cannot connect" in detail and "hunter2" not in detail


async def test_a_running_bot_keeps_writing_while_its_data_is_copied(tmp_path: Path, pg_url: str,
                                                                     clock: FakeClock) -> None:
    path = tmp_path / "live.sqlite3"
    async with Database(path) as bot_db, Database(path) as source, Database(pg_url) as pg:
        await _chapter(bot_db, clock)
        stop, enough = asyncio.Event(), asyncio.Event()
        written = 0

        async def keep_writing() -> None:
            nonlocal written
            while not stop.is_set():
                await bot_db.unanswered.record(G1, f"q{written}", f"question {written}?")
                written += 1
                if written >= 20:
                    enough.set()
                await asyncio.sleep(0)

        writer = asyncio.create_task(keep_writing())
        await enough.wait()
        at_copy_start = written
        report = await copy_database(source, pg)
        at_copy_end = written
        await asyncio.sleep(0.05)
        stop.set()
        await writer  # never blocked or failed by the copy
        copied = {r.table: r.rows for r in report}["unanswered_questions"]
        assert all(r.verified for r in report) and 20 < copied <= at_copy_end + 1
        assert at_copy_end > at_copy_start + 2  # the bot kept writing while the copy ran; the copy is still exact
