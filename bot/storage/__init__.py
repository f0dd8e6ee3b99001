"""The one place that talks SQL.

One aiosqlite connection per process, in WAL mode, with every write behind one asyncio lock: SQLite
allows one writer at a time anyway, and serialising in Python keeps "read, decide, write" sequences
(an RSVP against capacity) atomic without retry loops. Schema changes are numbered files in
``migrations/``, each applied in its own transaction; the version lives in ``PRAGMA user_version``.

Every table that holds chapter data carries ``guild_id`` and every query here filters on it.
Feature repositories live beside this file (``events.py``, ``newsletter.py``) and are reached as
attributes of ``Database``.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload

import aiosqlite

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class StorageError(Exception):
    """The database could not be opened or migrated."""


def _iso(dt: datetime) -> str:
    """How every datetime is stored: ISO-8601 in UTC, so text order is time order."""
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


@overload
def _dt(text: str) -> datetime: ...
@overload
def _dt(text: None) -> None: ...
@overload
def _dt(text: str | None) -> datetime | None: ...
def _dt(text: str | None) -> datetime | None:
    """The inverse of ``_iso``: a NOT NULL column's text is a datetime, a nullable one's may be None."""
    return None if text is None else datetime.fromisoformat(text)


def _now() -> str:
    return _iso(datetime.now(UTC))


def discover_migrations(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    """Numbered migration files in order; a gap or a duplicate number is a programming error."""
    found: list[tuple[int, Path]] = []
    for path in sorted(directory.glob("*.sql")):
        m = _MIGRATION_NAME.match(path.name)
        if not m:
            raise StorageError(f"{path.name}: migration files are named NNNN_name.sql")
        found.append((int(m.group(1)), path))
    numbers = [n for n, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise StorageError(f"migrations must be numbered 1..N without gaps, found {numbers}")
    return found


class Database:
    """An opened SQLite database with the project's schema applied."""

    def __init__(self, path: str | Path, *, migrations_dir: Path = MIGRATIONS_DIR) -> None:
        self.path = Path(path)
        self._migrations_dir = migrations_dir
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        # Repositories, one per feature. Imported here so that callers need only the Database.
        from bot.storage.chapter_kb import ChapterKbRepo
        from bot.storage.events import EventsRepo
        from bot.storage.newsletter import NewsletterRepo

        self.meta = MetaRepo(self)
        self.settings = SettingsRepo(self)
        self.unanswered = UnansweredRepo(self)
        self.events = EventsRepo(self)
        self.newsletter = NewsletterRepo(self)
        self.chapter_kb = ChapterKbRepo(self)

    # -- lifecycle -------------------------------------------------------------------------------
    async def open(self) -> Database:
        if self._conn is not None:
            return self
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(self.path, isolation_level=None)
        except Exception as exc:  # sqlite3.OperationalError and friends
            raise StorageError(f"cannot open database {self.path}: {exc}") from exc
        conn.row_factory = aiosqlite.Row
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=5000")
            self._conn = conn
            await self._migrate()
        except BaseException:
            # aiosqlite runs a thread per connection: a half-opened one would keep the process alive.
            self._conn = None
            await conn.close()
            raise
        return self

    async def close(self) -> None:
        if self._conn is not None:
            async with self._lock:
                await self._conn.close()
                self._conn = None

    async def __aenter__(self) -> Database:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StorageError("database is not open")
        return self._conn

    async def schema_version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row is not None else 0

    async def _migrate(self) -> None:
        current = await self.schema_version()
        for number, path in discover_migrations(self._migrations_dir):
            if number <= current:
                continue
            script = path.read_text(encoding="utf-8")
            try:
                await self.conn.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\n;PRAGMA user_version = {number};\nCOMMIT;"
                )
            except Exception as exc:
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                raise StorageError(f"migration {path.name} failed: {exc}") from exc

    # -- queries ---------------------------------------------------------------------------------
    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Exclusive read-write transaction. Use the yielded connection; do not call other Database
        methods inside (the lock is not re-entrant)."""
        async with self._lock:
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:  # SQLite already rolled back after some errors ("disk is full")
                    await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one writing statement in its own transaction; returns the rows changed."""
        async with self._lock:
            cur = await self.conn.execute(sql, params)
            try:
                return cur.rowcount
            finally:
                await cur.close()

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> aiosqlite.Row | None:
        async with self._lock:
            async with self.conn.execute(sql, params) as cur:
                return await cur.fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[aiosqlite.Row]:
        async with self._lock:
            async with self.conn.execute(sql, params) as cur:
                return list(await cur.fetchall())


class MetaRepo:
    """Bot-wide key/value state (not chapter data), e.g. the hash of the last synced command tree."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        row = await self.db.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    async def set(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


DEFAULT_REMINDER_OFFSETS: tuple[int, ...] = (1440, 60)


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    organiser_role_id: int | None = None
    timezone: str = "UTC"
    reminder_offsets: tuple[int, ...] = DEFAULT_REMINDER_OFFSETS  # minutes before start


class SettingsRepo:
    """Per-server settings; a server that never set anything gets the defaults."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, guild_id: int) -> GuildSettings:
        row = await self.db.fetchone(
            "SELECT organiser_role_id, timezone, reminder_offsets FROM guild_settings WHERE guild_id = ?",
            (guild_id,),
        )
        if row is None:
            return GuildSettings(guild_id)
        return GuildSettings(
            guild_id=guild_id,
            organiser_role_id=row["organiser_role_id"],
            timezone=row["timezone"],
            reminder_offsets=tuple(int(x) for x in json.loads(row["reminder_offsets"])),
        )

    async def _upsert(self, guild_id: int, column: str, value: Any) -> None:
        assert column in {"organiser_role_id", "timezone", "reminder_offsets"}
        await self.db.execute(
            f"INSERT INTO guild_settings (guild_id, {column}, updated_at) VALUES (?, ?, ?) "
            f"ON CONFLICT(guild_id) DO UPDATE SET {column} = excluded.{column}, updated_at = excluded.updated_at",
            (guild_id, value, _now()),
        )

    async def set_organiser_role(self, guild_id: int, role_id: int | None) -> None:
        await self._upsert(guild_id, "organiser_role_id", role_id)

    async def set_timezone(self, guild_id: int, tz_name: str) -> None:
        await self._upsert(guild_id, "timezone", tz_name)

    async def set_reminder_offsets(self, guild_id: int, minutes: Iterable[int]) -> None:
        await self._upsert(guild_id, "reminder_offsets", json.dumps(sorted(set(minutes), reverse=True)))


class UnansweredRepo:
    """Questions the engine declined, counted per server so organisers know what to add."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, guild_id: int, normalized: str, example: str, when: datetime | None = None) -> None:
        ts = _iso(when) if when else _now()
        await self.db.execute(
            "INSERT INTO unanswered_questions (guild_id, normalized, example, count, first_asked, last_asked) "
            "VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT(guild_id, normalized) DO UPDATE SET "
            "count = count + 1, example = excluded.example, last_asked = excluded.last_asked",
            (guild_id, normalized[:500], example[:500], ts, ts),
        )

    async def top(self, guild_id: int, limit: int = 10) -> list[tuple[str, int]]:
        rows = await self.db.fetchall(
            "SELECT example, count FROM unanswered_questions WHERE guild_id = ? "
            "ORDER BY count DESC, last_asked DESC LIMIT ?",
            (guild_id, limit),
        )
        return [(r["example"], int(r["count"])) for r in rows]

    async def clear(self, guild_id: int) -> int:
        return await self.db.execute("DELETE FROM unanswered_questions WHERE guild_id = ?", (guild_id,))
