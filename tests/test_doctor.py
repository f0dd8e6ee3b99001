"""bot/ops/doctor.py (``jetbot check``): each check says what is wrong and what to do, and starts nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.config import Secret, Settings
from bot.ops.backup import DatabaseLock, latest_migration
from bot.ops.doctor import FAIL, OK, WARN, check_database, check_knowledge, check_token, format_checks, run_checks

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "data" / "kb_small"
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GAbCdE.abcdefghijklmnopqrstuvwxyz0123456789AB"  # shaped like one, not real


def database(path: Path, version: int) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize(("token", "status", "needle"), [
    (None, FAIL, "not set"),
    ("Bot " + TOKEN, FAIL, "does not look like a bot token"),
    (f'"{TOKEN}"', FAIL, "without quotes"),
    (TOKEN, OK, "shaped like a bot token"),
])
def test_token_shape(token: str | None, status: str, needle: str) -> None:
    check = check_token(Settings(token=Secret(token) if token else None))
    assert check.status == status and needle in check.detail
    assert TOKEN not in check.detail


def test_knowledge_counts_entries_or_names_the_first_problem(tmp_path: Path) -> None:
    good = check_knowledge(Settings(knowledge_path=SMALL))
    assert good.status == OK and "entries" in good.detail
    missing = check_knowledge(Settings(knowledge_path=tmp_path / "nowhere"))
    assert missing.status == FAIL and "nowhere" in missing.detail


def test_database_current_due_an_upgrade_or_from_a_newer_jetbot(tmp_path: Path) -> None:
    latest = latest_migration()
    current = check_database(Settings(database_path=database(tmp_path / "a.sqlite3", latest)))
    assert [c.status for c in current] == [OK, OK] and "current" in current[0].detail
    old = check_database(Settings(database_path=database(tmp_path / "b.sqlite3", 3)))
    assert old[0].status == OK and f"upgrades it to {latest}" in old[0].detail and "jetbot backup" in old[0].detail
    newer = check_database(Settings(database_path=database(tmp_path / "c.sqlite3", latest + 1)))
    assert newer[0].status == FAIL and "restore the backup made before upgrading" in newer[0].detail


def test_database_says_when_a_bot_is_running_on_it(tmp_path: Path) -> None:
    path = database(tmp_path / "jetbot.sqlite3", latest_migration())
    lock = DatabaseLock(path)
    assert lock.acquire()
    try:
        checks = check_database(Settings(database_path=path))
    finally:
        lock.release()
    assert any("running on it right now" in c.detail for c in checks)


def test_run_checks_shows_the_env_file_and_warns_about_a_test_server(tmp_path: Path) -> None:
    settings = Settings(token=Secret(TOKEN), knowledge_path=SMALL, database_path=tmp_path / "db.sqlite3",
                        env_file=tmp_path / ".env", api_base="http://127.0.0.1:1/api/v10")
    checks = run_checks(settings)
    text = format_checks(checks)
    assert f".env read: {tmp_path / '.env'}" in text
    assert any(c.status == WARN and "test server" in c.detail for c in checks)
    assert "[  ok] DISCORD_TOKEN" in text and not (tmp_path / "db.sqlite3").exists()
