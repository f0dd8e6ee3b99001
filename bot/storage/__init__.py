"""The one place that talks SQL.

Two engines, one API (``engine.py`` says how the SQL is shared). SQLite, the default: one aiosqlite
connection per process, in WAL mode, with every write behind one asyncio lock: SQLite allows one writer
at a time anyway, and serialising in Python keeps "read, decide, write" sequences (an RSVP against
capacity) atomic without retry loops. PostgreSQL (a ``postgresql://`` URL): an asyncpg pool, transactions
that run concurrently, and row locks (``conn.for_update()``) where a decision depends on what was read, so
several bot processes can share the database. Schema changes are numbered files in ``migrations/``,
each applied in its own transaction; the version lives in ``PRAGMA user_version`` (SQLite) or the table
``jetbot_schema`` (PostgreSQL).

Every table that holds chapter data carries ``guild_id`` and every query here filters on it.
Feature repositories live beside this file (``events.py``, ``newsletter.py``) and are reached as
attributes of ``Database``.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, overload

import aiosqlite

from bot.storage.engine import (
    Conn,
    PgConn,
    Row,
    SqliteConn,
    identity_tables,
    init_pg_connection,
    reset_pg_connection,
    to_postgres_ddl,
)

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


_PG_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS jetbot_schema (version BIGINT NOT NULL); "
    "INSERT INTO jetbot_schema (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM jetbot_schema)"
)
_PG_VERSION_READ = "SELECT version FROM jetbot_schema"


def is_postgres_url(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def redact_url(url: str) -> str:
    """A database URL fit for logs and messages: the password replaced by ***."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def is_disk_full(error: BaseException) -> bool:
    """Whether a write failed because the disk (SQLite file or PostgreSQL server) is full; the transaction
    was rolled back, so nothing was half-written."""
    if isinstance(error, sqlite3.OperationalError):
        return "full" in str(error)
    return getattr(error, "sqlstate", None) == "53100"  # PostgreSQL disk_full


async def probe_postgres(url: str, *, connect_seconds: float = 5) -> int:
    """The schema version of a PostgreSQL database, without changing anything (0: jetbot never ran there).
    For ``jetbot check``; a database that cannot be reached is a StorageError saying why."""
    import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

    try:
        conn = await asyncpg.connect(url, timeout=connect_seconds)
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
        raise StorageError(f"cannot connect to {redact_url(url)}: {exc}") from exc
    try:
        if await conn.fetchval("SELECT to_regclass('jetbot_schema')") is None:
            return 0
        return int(await conn.fetchval(_PG_VERSION_READ) or 0)
    except asyncpg.PostgresError as exc:
        raise StorageError(f"cannot read {redact_url(url)}: {exc}") from exc
    finally:
        await conn.close()


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
    """An opened database with the project's schema applied: a SQLite file (the default) or, given a
    ``postgresql://`` URL, a PostgreSQL database shared by several bot processes."""

    def __init__(self, target: str | Path, *, migrations_dir: Path = MIGRATIONS_DIR, pool_size: int = 10) -> None:
        self.url = str(target) if is_postgres_url(target) else None
        self.location: str | Path = target  # what to pass to Database() to open the same database again
        self.path = Path(target) if self.url is None else Path()
        self._migrations_dir = migrations_dir
        self._pool_size = pool_size
        self._conn: aiosqlite.Connection | None = None
        self._pool: Any = None  # asyncpg.Pool
        self._lock = asyncio.Lock()
        self._shards: tuple[tuple[int, ...], int] | None = None
        self._identity = identity_tables(p.read_text(encoding="utf-8")
                                         for _, p in discover_migrations(migrations_dir))
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

    def set_shards(self, shard_ids: Sequence[int] | None, shard_count: int | None) -> None:
        """Limit bot-wide background work (reminders, the DM outbox, series posting, clean-ups) to the servers
        on these Discord shards: a server belongs to shard ``(guild_id >> 22) % shard_count``. Commands and
        buttons are unaffected (Discord routes a server's interactions to its shard's process)."""
        self._shards = None if not shard_ids or not shard_count else (tuple(sorted(set(shard_ids))), shard_count)

    def shard_filter(self, column: str = "guild_id") -> tuple[str, tuple[int, ...]]:
        """``(" AND <condition>", params)`` that keeps a bot-wide query to this process's shards, to put at
        the end of its WHERE clause (params after the query's own); empty when the process has every shard."""
        if self._shards is None:
            return "", ()
        ids, count = self._shards
        return f" AND (({column} >> 22) % ?) IN ({', '.join('?' for _ in ids)})", (count, *ids)

    @property
    def engine(self) -> str:
        """``sqlite`` or ``postgresql`` (for logs and tests; callers never need to branch on it)."""
        return "postgresql" if self.url is not None else "sqlite"

    def __str__(self) -> str:
        return redact_url(self.url) if self.url is not None else str(self.path)

    # -- lifecycle -------------------------------------------------------------------------------
    async def open(self) -> Database:
        if self.is_open:
            return self
        if self.url is not None:
            await self._open_postgres(self.url)
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

    async def _open_postgres(self, url: str) -> None:
        import asyncpg

        try:
            pool = await asyncpg.create_pool(url, min_size=1, max_size=self._pool_size, init=init_pg_connection,
                                             reset=reset_pg_connection, command_timeout=60)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
            raise StorageError(f"cannot open database {redact_url(url)}: {exc}") from exc
        self._pool = pool
        try:
            await self._migrate()
        except BaseException:
            self._pool = None
            await pool.close()
            raise

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()
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
        return self._conn is not None or self._pool is not None

    @property
    def conn(self) -> aiosqlite.Connection:
        """The SQLite connection (file-level tools and tests only; PostgreSQL has a pool instead)."""
        if self._conn is None:
            raise StorageError("database is not open" if self._pool is None else "not a SQLite database")
        return self._conn

    def _pg(self) -> Any:
        if self._pool is None:
            raise StorageError("database is not open")
        return self._pool

    async def schema_version(self) -> int:
        if self.url is not None:
            async with self._pg().acquire() as raw:
                return int(await raw.fetchval(_PG_VERSION_READ))
        async with self.conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row is not None else 0

    def _script(self, path: Path) -> str:
        if self.url is not None:
            twin = path.parent / "postgresql" / path.name
            return twin.read_text(encoding="utf-8") if twin.exists() else to_postgres_ddl(path.read_text("utf-8"))
        return path.read_text(encoding="utf-8")

    async def _migrate(self) -> None:
        if self.url is not None:
            await self._migrate_postgres()
            return
        current = await self.schema_version()
        for number, path in discover_migrations(self._migrations_dir):
            if number <= current:
                continue
            script = self._script(path)
            try:
                await self.conn.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\n;PRAGMA user_version = {number};\nCOMMIT;"
                )
            except Exception as exc:
                if self.conn.in_transaction:
                    await self.conn.execute("ROLLBACK")
                raise StorageError(f"migration {path.name} failed: {exc}") from exc

    async def _migrate_postgres(self) -> None:
        """Each migration in its own transaction; an advisory lock makes processes starting together
        take turns, and each re-reads the version under the lock."""
        async with self._pg().acquire() as raw:
            async with raw.transaction():
                await raw.execute("SELECT pg_advisory_xact_lock(7254001)")
                await raw.execute(_PG_VERSION_TABLE)
            for number, path in discover_migrations(self._migrations_dir):
                script = self._script(path)
                try:
                    async with raw.transaction():
                        await raw.execute("SELECT pg_advisory_xact_lock(7254001)")
                        if int(await raw.fetchval(_PG_VERSION_READ)) >= number:
                            continue
                        await raw.execute(script)
                        await raw.execute("UPDATE jetbot_schema SET version = $1", number)
                except Exception as exc:
                    raise StorageError(f"migration {path.name} failed: {exc}") from exc

    # -- schema ----------------------------------------------------------------------------------
    async def tables(self) -> list[str]:
        """The project's tables (not the engine's own, nor the schema version's), sorted."""
        if self.url is not None:
            rows = await self.fetchall(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                "AND table_type = 'BASE TABLE' AND table_name <> 'jetbot_schema'")
        else:
            rows = await self.fetchall("SELECT name FROM sqlite_master WHERE type = 'table' "
                                       "AND name NOT LIKE 'sqlite_%'")
        return sorted(str(r[0]) for r in rows)

    async def columns(self, table: str) -> list[str]:
        """A table's columns in their declared order."""
        if self.url is not None:
            rows = await self.fetchall("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                       "current_schema() AND table_name = ? ORDER BY ordinal_position", (table,))
            return [str(r[0]) for r in rows]
        if not re.fullmatch(r"\w+", table):
            raise StorageError(f"not a table name: {table!r}")
        return [str(r[1]) for r in await self.fetchall(f"PRAGMA table_info({table})")]

    # -- queries ---------------------------------------------------------------------------------
    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Conn]:
        """Read-write transaction. Use the yielded connection; do not call other Database methods inside
        (on SQLite the lock is not re-entrant). On SQLite it is exclusive; on PostgreSQL it is READ
        COMMITTED, and rows read with ``conn.for_update()`` stay locked until it ends."""
        if self.url is not None:
            async with self._pg().acquire() as raw, raw.transaction():
                yield PgConn(raw, self._identity)
            return
        async with self._lock:
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteConn(conn)
            except BaseException:
                if conn.in_transaction:  # SQLite already rolled back after some errors ("disk is full")
                    await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Conn]:
        """A read-only transaction that sees one consistent state while others keep writing (SQLite in WAL
        mode: a deferred transaction; PostgreSQL: REPEATABLE READ). For copying a running bot's data."""
        if self.url is not None:
            async with self._pg().acquire() as raw, raw.transaction(isolation="repeatable_read", readonly=True):
                yield PgConn(raw, self._identity)
            return
        async with self._lock:
            conn = self.conn
            await conn.execute("BEGIN")
            try:
                yield SqliteConn(conn)
            finally:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one writing statement in its own transaction; returns the rows changed."""
        if self.url is not None:
            async with self._pg().acquire() as raw:
                cur = await PgConn(raw, self._identity).execute(sql, params)
                return cur.rowcount
        async with self._lock:
            raw = await self.conn.execute(sql, params)
            try:
                return raw.rowcount
            finally:
                await raw.close()

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        if self.url is not None:
            async with self._pg().acquire() as raw:
                return await (await PgConn(raw, self._identity).execute(sql, params)).fetchone()
        async with self._lock:
            async with self.conn.execute(sql, params) as cur:
                row: Row | None = await cur.fetchone()
                return row

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        if self.url is not None:
            async with self._pg().acquire() as raw:
                return await (await PgConn(raw, self._identity).execute(sql, params)).fetchall()
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
            "count = unanswered_questions.count + 1, example = excluded.example, last_asked = excluded.last_asked",
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
