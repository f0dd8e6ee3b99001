"""Upgrading: a database made by the previous release (migrations 0001-0003, the released schema) with
data in every table is opened by this jetbot, migrated to the latest schema, and nothing is lost."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from bot.ops.backup import backup, inspect, latest_migration
from bot.storage import MIGRATIONS_DIR, Database, discover_migrations

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
