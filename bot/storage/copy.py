"""``jetbot db copy``: move a deployment from one database to another (SQLite → PostgreSQL, or back).

Both databases are opened (so both are migrated to the same schema); the target must hold no data. Tables
are copied parents first (foreign keys), each in one statement batch, all in one target transaction: a
failure leaves the target as empty as it was. The source is read in one read-only snapshot, so a bot
still running on it keeps writing meanwhile (what it writes after the snapshot is not copied: stop it
before switching over). Afterwards each table is verified: the row counts match and every row read back from the target
equals the source's (a full comparison, which at a chapter's size costs less than a second). Ids keep
their values; PostgreSQL's identity sequences are moved past the highest copied id.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.storage import Database, StorageError, is_postgres_url
from bot.storage.engine import Conn


@dataclass(frozen=True)
class TableCopy:
    table: str
    rows: int
    verified: bool


def parse_target(text: str) -> str | Path:
    """``sqlite:///relative.db``, ``sqlite:////absolute.db``, a plain path, or a ``postgresql://`` URL."""
    if is_postgres_url(text):
        return text
    if text.startswith("sqlite:///"):
        return Path(text.removeprefix("sqlite:///"))
    if "://" in text:
        raise StorageError(f"{text.split('://')[0]}:// is not a database jetbot uses: give sqlite:///path or "
                           "postgresql://user:password@host/database")
    return Path(text)


async def _foreign_keys(db: Database, table: str) -> set[str]:
    if db.engine == "postgresql":
        rows = await db.fetchall(
            "SELECT DISTINCT ccu.table_name FROM information_schema.table_constraints tc "
            "JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name "
            "AND ccu.table_schema = tc.table_schema WHERE tc.constraint_type = 'FOREIGN KEY' "
            "AND tc.table_schema = current_schema() AND tc.table_name = ?", (table,))
        return {str(r[0]) for r in rows} - {table}
    rows = await db.fetchall(f'SELECT "table" FROM pragma_foreign_key_list(\'{table}\')')
    return {str(r[0]) for r in rows} - {table}


async def copy_order(db: Database) -> list[str]:
    """The project's tables, every table after the tables it references."""
    tables = await db.tables()
    refs = {t: await _foreign_keys(db, t) & set(tables) for t in tables}
    order: list[str] = []
    while len(order) < len(tables):
        ready = sorted(t for t in tables if t not in order and refs[t] <= set(order))
        if not ready:
            raise StorageError(f"foreign keys form a cycle among {sorted(set(tables) - set(order))}")
        order.extend(ready)
    return order


async def _columns(source: Database, target: Database, table: str) -> list[str]:
    cols = await target.columns(table)
    missing = set(cols) - set(await source.columns(table)) - {"rowid"}
    if missing:
        raise StorageError(f"{table}: the source has no column {sorted(missing)}; are both on the same schema?")
    # SQLite's implicit rowid is a declared column on PostgreSQL (see migrations/postgresql/): carry it over.
    if "rowid" in cols or "rowid" in await source.columns(table):
        cols = ["rowid", *(c for c in cols if c != "rowid")]
    return cols


async def _read(conn: Conn, table: str, cols: list[str]) -> list[tuple[Any, ...]]:
    names = ", ".join(cols)
    async with conn.execute(f"SELECT {names} FROM {table}") as cur:
        # Sorted here, not by ORDER BY: the engines may collate text differently.
        return sorted((tuple(r) for r in await cur.fetchall()), key=repr)


async def copy_database(source: Database, target: Database) -> list[TableCopy]:
    """Copy every row of ``source`` into the empty ``target`` and verify it (see the module docstring)."""
    if await source.schema_version() != await target.schema_version():
        raise StorageError("the two databases are on different schema versions; upgrade jetbot first")
    order = await copy_order(source)
    if set(order) != set(await target.tables()):
        raise StorageError("the two databases have different tables; are both from this version of jetbot?")
    for table in order:
        if await target.fetchone(f"SELECT 1 FROM {table} LIMIT 1") is not None:
            raise StorageError(f"the target already holds data ({table}): copy into an empty database")
    columns = {t: await _columns(source, target, t) for t in order}
    snapshot: dict[str, list[tuple[Any, ...]]] = {}
    async with source.snapshot() as conn:
        for table in order:
            snapshot[table] = await _read(conn, table, columns[table])
    async with target.transaction() as conn:
        for table in order:
            cols = columns[table]
            if snapshot[table]:
                await conn.executemany(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                    snapshot[table])
        if target.engine == "postgresql":
            for table in order:
                for col in ("id", "rowid"):
                    if col in columns[table]:
                        await conn.execute(
                            f"SELECT setval(pg_get_serial_sequence('{table}', '{col}'), "
                            f"COALESCE((SELECT MAX({col}) FROM {table}), 0) + 1, false)")
    report: list[TableCopy] = []
    async with target.transaction() as conn:
        for table in order:
            copied = await _read(conn, table, columns[table])
            report.append(TableCopy(table, len(copied), copied == snapshot[table]))
    bad = [r.table for r in report if not r.verified]
    if bad:
        raise StorageError(f"copied, but the rows read back differ in {', '.join(bad)}: do not switch over")
    return report


__all__ = ["TableCopy", "copy_database", "copy_order", "parse_target"]
