"""Upgrading: a database made by the previous release (migrations 0001-0003, the released schema) with
data in every table is opened by this jetbot, migrated to the latest schema, and nothing is lost."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.ops.backup import backup, inspect, latest_migration, prepare_upgrade
from bot.storage import MIGRATIONS_DIR, Database, discover_migrations

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "kb_small"
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GAbCdE.abcdefghijklmnopqrstuvwxyz0123456789AB"  # shaped like one, not real
RELEASED = 3  # migrations 0001-0003 shipped in the previous release
NOW = "2026-01-01T00:00:00+00:00"

ROWS = {
    "meta": [("command_tree_hash:1:global", "abc")],
    "guild_settings": [(10, 55, "Europe/London", "[1440, 60]", NOW), (20, None, "Asia/Tokyo", "[60]", NOW)],
    "unanswered_questions": [(10, "sea salt", "where is sea salt?", 3, NOW, NOW)],
    "events": [(1, 10, "Networking Night", "Bring cards", "Tipsy Tanuki", "2026-12-05T18:30:00+00:00",
                "2026-12-05T20:30:00+00:00", 2, 500, 600, None, 7, "scheduled", NOW, NOW),
               (2, 20, "Japanese lesson", "", "Library", "2026-12-10T19:00:00+00:00",
                "2026-12-10T20:00:00+00:00", None, None, None, None, 8, "cancelled", NOW, NOW)],
    "event_rsvps": [(1, 10, 101, "going", 1, NOW, NOW), (1, 10, 102, "going", 2, NOW, NOW),
                    (1, 10, 103, "waitlist", 3, NOW, NOW), (2, 20, 201, "maybe", 1, NOW, NOW)],
    "event_reminders": [(1, 10, 101, 1440, NOW)],
    "consent_texts": [(1, "0" * 64, "I agree.", NOW)],
    "newsletter_subscriptions": [(10, 101, "a@example.org", "Ann", "active", NOW, NOW, None, 500,
                                  "/newsletter subscribe", 1, NOW)],
    "newsletter_consent_log": [(1, 10, 101, "subscribe", NOW, 500, "/newsletter subscribe", 1)],
}


def released_database(path: Path, tmp: Path) -> dict[str, list[tuple[object, ...]]]:
    """The previous release's schema, built from the 0001-0003 files as they are now, with data."""
    old = tmp / "released-migrations"
    old.mkdir()
    for number, file in discover_migrations(MIGRATIONS_DIR):
        if number <= RELEASED:
            shutil.copy(file, old / file.name)
    conn = sqlite3.connect(path)
    for number, file in discover_migrations(old):
        conn.executescript(file.read_text(encoding="utf-8") + f"\nPRAGMA user_version = {number};")
    for table, rows in ROWS.items():
        marks = ", ".join("?" * len(rows[0]))
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    conn.commit()
    snapshot = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in ROWS}
    conn.close()
    return snapshot


async def test_previous_release_upgrades_to_the_latest_schema_without_losing_anything(tmp_path: Path) -> None:
    path = tmp_path / "jetbot.sqlite3"
    before = released_database(path, tmp_path)
    assert inspect(path).schema_version == RELEASED

    safety = backup(path, tmp_path / "before-upgrade.sqlite3")  # what the README tells operators to do first
    db = await Database(path).open()
    try:
        assert await db.schema_version() == latest_migration() > RELEASED
        for table, rows in before.items():
            async with db.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2") as cur:
                after = [tuple(r) for r in await cur.fetchall()]
            width = len(rows[0])
            # New migrations may add columns (at the end); every old value is still there, unchanged.
            assert [r[:width] for r in after] == rows, table
        settings = await db.settings.get(10)
        assert settings.organiser_role_id == 55 and settings.timezone == "Europe/London"
    finally:
        await db.close()
    assert inspect(path).integrity == "ok"
    # Rolling back = the backup made before upgrading: still the released schema and the same rows.
    assert safety.schema_version == RELEASED and sum(safety.row_counts.values()) == sum(map(len, before.values()))


def test_prepare_upgrade_keeps_a_copy_only_when_a_migration_is_due(tmp_path: Path) -> None:
    path = tmp_path / "jetbot.sqlite3"
    before = released_database(path, tmp_path)
    kept = prepare_upgrade(path)
    assert kept is not None and kept.name.startswith("jetbot.sqlite3.before-upgrade-schema3-")
    report = inspect(kept)
    assert report.schema_version == RELEASED and report.row_counts["events"] == len(before["events"])
    assert prepare_upgrade(tmp_path / "absent.sqlite3") is None  # a first start: nothing to keep


def jetbot_run(tmp_path: Path, db: Path) -> subprocess.CompletedProcess[str]:
    with socket.socket() as s:  # Discord "down": the start fails after the database is opened
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "JETBOT_"))}
    env.update(PYTHONPATH=str(ROOT), DISCORD_TOKEN=TOKEN, JETBOT_DB=str(db), JETBOT_KNOWLEDGE=str(SMALL),
               JETBOT_DISCORD_API_BASE=f"http://127.0.0.1:{port}/api/v10")
    return subprocess.run([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)


def test_starting_on_an_old_database_migrates_it_and_keeps_the_old_one(tmp_path: Path) -> None:
    path = tmp_path / "jetbot.sqlite3"
    released_database(path, tmp_path)
    result = jetbot_run(tmp_path, path)
    assert "Traceback" not in result.stdout + result.stderr
    assert f"upgraded to schema {latest_migration()} now; a copy from before is kept as" in result.stdout
    [kept] = tmp_path.glob("jetbot.sqlite3.before-upgrade-schema3-*")
    assert inspect(kept).schema_version == RELEASED and inspect(path).schema_version == latest_migration()
    again = jetbot_run(tmp_path, path)  # current now: no second copy
    assert "a copy from before" not in again.stdout and len(list(tmp_path.glob("*.before-upgrade-*"))) == 1


def test_a_database_from_a_newer_jetbot_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "jetbot.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {latest_migration() + 1}")
    conn.close()
    result = jetbot_run(tmp_path, path)
    assert result.returncode == 2  # the systemd unit does not retry it (RestartPreventExitStatus=2)
    [line] = result.stderr.strip().splitlines()
    assert "used by a newer jetbot" in line and "restore the backup made before upgrading" in line
