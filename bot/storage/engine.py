"""The two engines behind ``Database``: SQLite (aiosqlite) and PostgreSQL (asyncpg), one connection API.

Repositories write their SQL once, in the SQLite dialect they always used, with ``?`` placeholders. On
PostgreSQL each statement is rewritten once (and cached) by ``to_postgres``:

- ``?`` becomes ``$1``, ``$2`` … (outside string literals, quoted names and comments);
- ``INSERT OR IGNORE INTO …`` becomes ``INSERT INTO … ON CONFLICT DO NOTHING``;
- ``x COLLATE NOCASE`` becomes ``lower(x)`` and ``LIKE`` becomes ``ILIKE`` (SQLite compares ASCII letters
  without case in both);
- ``group_concat(x, sep)`` becomes ``string_agg(x, sep)`` (always give the separator);
- an ``INSERT`` into a table whose key is ``id INTEGER PRIMARY KEY AUTOINCREMENT`` gets ``RETURNING id``, so
  ``cursor.lastrowid`` means the same on both engines.

Migrations are the same files on both; ``to_postgres_ddl`` maps the column types (``INTEGER`` → ``BIGINT``,
since Discord ids are 64-bit; ``AUTOINCREMENT`` → an identity column). A migration that cannot be written
once may have a PostgreSQL twin in ``migrations/postgresql/`` with the same file name.

Everything else the repositories use (``ON CONFLICT … DO UPDATE``, ``excluded.``, ``COALESCE``, savepoints,
``LIMIT``, partial indexes) is already common to both, which is why this is a page of code and not a
query builder. A few rules keep statements portable: qualify a column with its table on the right of an
upsert's ``SET`` (``count = unanswered_questions.count + 1``; PostgreSQL calls a bare ``count`` ambiguous),
give a parameter whose type cannot be inferred a cast (``CAST(? AS TEXT)``), name every subquery in FROM
(``FROM (SELECT …) AS x``), and count with ``SUM(CASE WHEN … THEN 1 ELSE 0 END)``, not ``SUM(condition)``.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Coroutine, Generator, Iterable, Iterator, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol

import aiosqlite


class Row(Protocol):
    """A result row: by column name or position (``sqlite3.Row`` and ``asyncpg.Record`` both are)."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


Params = Sequence[Any]


class Cursor(ABC):
    """What a statement returned: its rows, the rows it changed, the id it inserted."""

    rowcount: int = -1
    lastrowid: int | None = None

    @abstractmethod
    async def fetchone(self) -> Row | None: ...

    @abstractmethod
    async def fetchall(self) -> list[Row]: ...

    async def close(self) -> None:
        return None


class _Pending:
    """``conn.execute(...)`` may be awaited (a cursor) or used with ``async with`` (closed afterwards)."""

    __slots__ = ("_coro", "_cursor")

    def __init__(self, coro: Coroutine[Any, Any, Cursor]) -> None:
        self._coro = coro
        self._cursor: Cursor | None = None

    def __await__(self) -> Generator[Any, None, Cursor]:
        return self._coro.__await__()

    async def __aenter__(self) -> Cursor:
        self._cursor = await self._coro
        return self._cursor

    async def __aexit__(self, *exc: object) -> None:
        if self._cursor is not None:
            await self._cursor.close()


class Conn(ABC):
    """A connection inside a transaction that ``Database.transaction()`` holds."""

    dialect: str

    def execute(self, sql: str, params: Params = ()) -> _Pending:
        return _Pending(self._execute(sql, params))

    @abstractmethod
    async def _execute(self, sql: str, params: Params) -> Cursor: ...

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...

    @property
    @abstractmethod
    def in_transaction(self) -> bool: ...

    def for_update(self) -> str:
        """The clause that locks the rows a SELECT read until the transaction ends (PostgreSQL); on SQLite
        the transaction already holds the one write lock."""
        return " FOR UPDATE" if self.dialect == "postgresql" else ""


# -- SQLite -------------------------------------------------------------------------------------------
class _SqliteCursor(Cursor):
    __slots__ = ("_cur",)

    def __init__(self, cur: aiosqlite.Cursor) -> None:
        self._cur = cur
        self.rowcount = cur.rowcount
        self.lastrowid = cur.lastrowid

    async def fetchone(self) -> Row | None:
        row: Row | None = await self._cur.fetchone()
        return row

    async def fetchall(self) -> list[Row]:
        return list(await self._cur.fetchall())

    async def close(self) -> None:
        await self._cur.close()


class SqliteConn(Conn):
    dialect = "sqlite"

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.raw = conn

    @property
    def in_transaction(self) -> bool:
        return self.raw.in_transaction

    async def _execute(self, sql: str, params: Params) -> Cursor:
        return _SqliteCursor(await self.raw.execute(sql, params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self.raw.executemany(sql, rows)


# -- PostgreSQL ---------------------------------------------------------------------------------------
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\?")
_INSERT_OR_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\b", re.I)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)", re.I)
_RETURNING = re.compile(r"\bRETURNING\b", re.I)
_NOCASE = re.compile(r"([\w.]+)\s+COLLATE\s+NOCASE\b", re.I)
_LIKE = re.compile(r"\bLIKE\b", re.I)
_GROUP_CONCAT = re.compile(r"\bgroup_concat\(", re.I)
_ROWS = re.compile(r"^\s*(SELECT|WITH|VALUES)\b", re.I)
_IDENTITY_TABLE = re.compile(r"CREATE\s+TABLE\s+(\w+)\s*\(\s*id\s+INTEGER\s+PRIMARY\s+KEY\s+AUTOINCREMENT", re.I)


def identity_tables(scripts: Iterable[str]) -> frozenset[str]:
    """Tables whose key is an ``id`` the database assigns, as declared in the migrations."""
    return frozenset(m.group(1).lower() for s in scripts for m in _IDENTITY_TABLE.finditer(s))


def _numbered(sql: str) -> str:
    n = 0

    def sub(m: re.Match[str]) -> str:
        nonlocal n
        if m.group(0) != "?":
            return m.group(0)
        n += 1
        return f"${n}"

    return _TOKEN.sub(sub, sql)


@lru_cache(maxsize=2048)
def to_postgres(sql: str, identity: frozenset[str] = frozenset(), *, returning_id: bool = True) -> str:
    """The PostgreSQL form of a statement written for SQLite (see the module docstring)."""
    out = _numbered(sql)
    out = _NOCASE.sub(r"lower(\1)", out)
    out = _LIKE.sub("ILIKE", out)
    out = _GROUP_CONCAT.sub("string_agg(", out)
    ignore = _INSERT_OR_IGNORE.match(out)
    if ignore:
        out = "INSERT INTO" + out[ignore.end():]
        tail = _RETURNING.search(out)
        cut = tail.start() if tail else len(out)
        out = out[:cut].rstrip() + " ON CONFLICT DO NOTHING" + (" " + out[cut:] if tail else "")
    insert = _INSERT_INTO.match(out)
    if returning_id and insert and insert.group(1).lower() in identity and not _RETURNING.search(out):
        out = out.rstrip().rstrip(";") + " RETURNING id"
    return out


def to_postgres_ddl(script: str) -> str:
    """A migration's PostgreSQL form: 64-bit integers, identity keys, case-insensitive indexes."""
    out = re.sub(r"\bINTEGER\s+PRIMARY\s+KEY\s+AUTOINCREMENT\b", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
                 script, flags=re.I)
    out = re.sub(r"\bINTEGER\b", "BIGINT", out, flags=re.I)
    out = re.sub(r"\bREAL\b", "DOUBLE PRECISION", out, flags=re.I)
    out = re.sub(r"\bBLOB\b", "BYTEA", out, flags=re.I)
    return _NOCASE.sub(r"lower(\1)", out)


def returns_rows(sql: str) -> bool:
    return bool(_ROWS.match(sql) or _RETURNING.search(sql))


def _rowcount(status: str) -> int:
    """``UPDATE 3`` / ``INSERT 0 1`` / ``DELETE 0`` → the number of rows."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


class _PgCursor(Cursor):
    __slots__ = ("_next", "_rows")

    def __init__(self, rows: list[Any], rowcount: int, lastrowid: int | None) -> None:
        self._rows = rows
        self._next = 0
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    async def fetchone(self) -> Row | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        row: Row = self._rows[self._next - 1]
        return row

    async def fetchall(self) -> list[Row]:
        rows, self._next = self._rows[self._next:], len(self._rows)
        return rows


class PgConn(Conn):
    dialect = "postgresql"

    def __init__(self, conn: Any, identity: frozenset[str]) -> None:
        self.raw = conn  # an asyncpg connection (asyncpg ships no type information)
        self._identity = identity

    @property
    def in_transaction(self) -> bool:
        return bool(self.raw.is_in_transaction())

    async def _execute(self, sql: str, params: Params) -> Cursor:
        query = to_postgres(sql, self._identity)
        if returns_rows(query):
            rows = await self.raw.fetch(query, *params)
            lastrowid = rows[-1]["id"] if rows and _INSERT_INTO.match(query) and "id" in rows[-1].keys() else None
            return _PgCursor(list(rows), len(rows), lastrowid)
        status = await self.raw.execute(query, *params)
        return _PgCursor([], _rowcount(status), None)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        batch = [tuple(r) for r in rows]
        if batch:
            await self.raw.executemany(to_postgres(sql, self._identity, returning_id=False), batch)


def _numeric(text: str) -> int | Decimal:
    """SUM() of integers is NUMERIC on PostgreSQL; the repositories expect the int SQLite returns."""
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else value


async def reset_pg_connection(conn: Any) -> None:
    """Run when a connection goes back to the pool, instead of asyncpg's default reset query (a round trip
    on every use). This code never changes session state (no SET, LISTEN, cursors or session-level advisory
    locks), so only a transaction that a cancellation left open needs undoing."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


async def init_pg_connection(conn: Any) -> None:
    """Run on every new pooled connection."""
    await conn.set_type_codec("numeric", encoder=str, decoder=_numeric, schema="pg_catalog", format="text")


__all__ = [
    "Conn", "Cursor", "PgConn", "Row", "SqliteConn", "identity_tables", "init_pg_connection", "reset_pg_connection",
    "returns_rows",
    "to_postgres", "to_postgres_ddl",
]
