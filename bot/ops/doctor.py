"""``jetbot check``: validate a deployment without starting the bot. Each check says what is wrong
and what to do about it; the exit code is 1 if any check failed."""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.config import Settings
from bot.ops.backup import bot_running_on, latest_migration

# Discord bot tokens: three base64url parts separated by dots (user id, timestamp, HMAC).
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
OK, WARN, FAIL = "ok", "warn", "FAIL"


@dataclass(frozen=True)
class Check:
    status: str
    what: str
    detail: str


def check_token(settings: Settings) -> Check:
    if settings.token is None:
        return Check(FAIL, "DISCORD_TOKEN", "not set: copy it from the Developer Portal (your application > Bot > "
                                            "Reset Token) into .env")
    if not TOKEN_SHAPE.match(settings.token.get()):
        return Check(FAIL, "DISCORD_TOKEN", "does not look like a bot token (three parts separated by dots): "
                                            "copy it again, without quotes or spaces")
    return Check(OK, "DISCORD_TOKEN", "set, and shaped like a bot token (not checked with Discord)")


def check_application_id(settings: Settings) -> Check:
    if settings.application_id is None:
        return Check(WARN, "DISCORD_APPLICATION_ID", "not set: `jetbot invite-url` needs it (General Information "
                                                     "> Application ID)")
    return Check(OK, "DISCORD_APPLICATION_ID", str(settings.application_id))


def check_knowledge(settings: Settings) -> Check:
    from bot.knowledge import KnowledgeError, KnowledgeService

    path = settings.knowledge_path
    try:
        service = KnowledgeService.load(path)
    except KnowledgeError as exc:
        first = exc.problems[0] if exc.problems else "invalid"
        return Check(FAIL, "JETBOT_KNOWLEDGE", f"{path}: {len(exc.problems)} problem(s), first: {first} "
                                               "(`jetbot kb check` lists them all)")
    except OSError as exc:
        return Check(FAIL, "JETBOT_KNOWLEDGE", f"{path}: {exc.strerror or exc}")
    return Check(OK, "JETBOT_KNOWLEDGE", f"{path}: {len(service.kb.entries)} entries")


def check_database(settings: Settings) -> list[Check]:
    if settings.database_url:
        return check_postgres(settings)
    path = settings.database_path
    if not path.exists():
        folder = next((p for p in [path.parent, *path.parent.parents] if p.exists()), Path("/"))
        if not os.access(folder, os.W_OK):
            return [Check(FAIL, "JETBOT_DB", f"{path} does not exist and {folder} is not writable: create the "
                                             "folder and give the bot's user write access")]
        return [Check(OK, "JETBOT_DB", f"{path} does not exist yet: it is created at the first start")]
    checks: list[Check] = []
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            quick = conn.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return [Check(FAIL, "JETBOT_DB", f"{path}: cannot read it ({exc}); check its owner and permissions, or "
                                         "restore a backup")]
    latest = latest_migration()
    if quick != "ok":
        checks.append(Check(FAIL, "JETBOT_DB", f"{path} is damaged ({quick}): restore a backup"))
    elif version > latest:
        checks.append(Check(FAIL, "JETBOT_DB", f"schema {version} is newer than this jetbot knows ({latest}): "
                                               "you rolled back the code; restore the backup made before upgrading"))
    elif version < latest:
        checks.append(Check(OK, "JETBOT_DB", f"{path}: schema {version}; the next start upgrades it to {latest} "
                                             "(back it up first: `jetbot backup`)"))
    else:
        checks.append(Check(OK, "JETBOT_DB", f"{path}: schema {version}, current"))
    writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    checks.append(Check(OK if writable else FAIL, "JETBOT_DB",
                        "writable" if writable else f"{path} or its folder is not writable by this user"))
    if bot_running_on(path):
        checks.append(Check(OK, "JETBOT_DB", "a jetbot is running on it right now"))
    return checks


def check_postgres(settings: Settings) -> list[Check]:
    """Reach the PostgreSQL database and read its schema version (read-only: nothing is migrated here)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from bot.storage import StorageError, probe_postgres

    shown, latest = settings.database_shown, latest_migration()
    assert settings.database_url is not None
    try:
        with ThreadPoolExecutor(1) as pool:  # its own event loop, also when called from one
            version = pool.submit(asyncio.run, probe_postgres(settings.database_url)).result()
    except StorageError as exc:
        return [Check(FAIL, "JETBOT_DATABASE_URL", f"{exc}; check the host, port, user, password and database "
                                                   "name, and that the server accepts connections from here")]
    if version > latest:
        return [Check(FAIL, "JETBOT_DATABASE_URL", f"{shown}: schema {version} is newer than this jetbot knows "
                                                   f"({latest}): run the same jetbot version in every process")]
    state = "current" if version == latest else (
        f"the next start upgrades it to {latest}" if version else f"empty: the first start creates schema {latest}")
    return [Check(OK, "JETBOT_DATABASE_URL", f"PostgreSQL {shown}: schema {version}, {state} (JETBOT_DB is not used)")]


def run_checks(settings: Settings) -> list[Check]:
    env = str(settings.env_file) if settings.env_file else "none (only the environment)"
    checks = [Check(OK, "settings", f".env read: {env}")]
    checks += [check_token(settings), check_application_id(settings), check_knowledge(settings)]
    checks += check_database(settings)
    if settings.shard_ids and settings.shard_count:
        ids = ",".join(str(i) for i in settings.shard_ids)
        shared = "" if settings.database_url else ": several processes need JETBOT_DATABASE_URL (PostgreSQL)"
        checks.append(Check(OK if settings.database_url else WARN, "JETBOT_SHARD_IDS",
                            f"runs shards {ids} of {settings.shard_count}{shared}"))
    if settings.web_port is not None:
        checks.append(Check(OK, "JETBOT_WEB_PORT", f"web server on {settings.web_host}:{settings.web_port}"))
    if settings.api_base or settings.gateway_url:
        checks.append(Check(WARN, "JETBOT_DISCORD_API_BASE", "set: the bot talks to a test server, not Discord"))
    return checks


def format_checks(checks: list[Check]) -> str:
    return "\n".join(f"[{c.status:>4}] {c.what}: {c.detail}" for c in checks)
