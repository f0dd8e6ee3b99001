"""Backups of the live database, restores, and the lock that tells them the bot is running.

``jetbot backup`` uses SQLite's online backup API: it copies a consistent snapshot while the bot keeps
writing (in WAL mode readers never block the writer), into a temporary file that is
checked (``PRAGMA integrity_check``) and only then renamed into place. ``jetbot restore`` refuses
while a bot holds the database's lock, refuses a damaged backup or one made by a newer jetbot, and
keeps the current database aside before replacing it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from bot.storage import discover_migrations

# All pages in one step, i.e. one read transaction: a consistent snapshot that the bot's writes (in WAL
# mode) never block. In several steps, SQLite restarts the copy whenever another connection writes
# between two steps, so a steady stream of RSVPs could keep a large backup from ever finishing.
PAGES_PER_STEP = -1


class OpsError(Exception):
    """A backup or restore refused or failed; the message says why and what to do."""


# -- the lock -------------------------------------------------------------------------------------
def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class DatabaseLock:
    """An advisory lock (``flock``) on ``<database>.lock``, held by a running bot for its lifetime.
    The kernel releases it when the process dies, so a crash never leaves a stale lock behind."""

    def __init__(self, database: Path) -> None:
        self.path = lock_path(database)
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False if another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # held open for the bot's lifetime
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def bot_running_on(database: Path) -> bool:
    """Whether a process holds ``database``'s lock right now."""
    if not lock_path(database).exists():
        return False
    probe = DatabaseLock(database)
    if probe.acquire():
        probe.release()
        return False
    return True


@contextlib.contextmanager
def held_lock(database: Path) -> Iterator[None]:
    lock = DatabaseLock(database)
    if not lock.acquire():
        raise OpsError(f"a jetbot is running on {database}: stop it first (systemctl stop jetbot)")
    try:
        yield
    finally:
        lock.release()


# -- checks ---------------------------------------------------------------------------------------
def latest_migration() -> int:
    return discover_migrations()[-1][0]


@dataclass(frozen=True)
class DatabaseReport:
    path: Path
    schema_version: int
    integrity: str
    row_counts: dict[str, int]


def inspect(path: Path) -> DatabaseReport:
    """Open ``path`` read-only and report its schema version, integrity and rows per table."""
    if not path.is_file():
        raise OpsError(f"{path}: no such file")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise OpsError(f"{path}: cannot open it ({exc})") from None
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        integrity = "; ".join(str(r[0]) for r in conn.execute("PRAGMA integrity_check").fetchall())
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        counts = {t: int(conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]) for t in tables}
    except sqlite3.DatabaseError as exc:
        raise OpsError(f"{path}: not a jetbot database or damaged ({exc})") from None
    finally:
        conn.close()
    return DatabaseReport(path, version, integrity, counts)


# -- backup and restore ---------------------------------------------------------------------------
def _copy(source: sqlite3.Connection, target: Path) -> None:
    dest = sqlite3.connect(target)
    try:
        source.backup(dest, pages=PAGES_PER_STEP)
    finally:
        dest.close()


def backup_target(target: Path, now: datetime | None = None) -> Path:
    """A folder gets a dated file name inside it; anything else is the file to write."""
    if target.is_dir():
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
        return target / f"jetbot-{stamp}.sqlite3"
    return target


def backup(database: Path, target: Path) -> DatabaseReport:
    """Copy the live ``database`` to ``target`` (a file, or a folder for a dated name) consistently,
    check the copy, and return its report. Nothing is left behind if it fails (full disk included)."""
    if not database.is_file():
        raise OpsError(f"{database}: no such database (check JETBOT_DB or --db)")
    final = backup_target(target)
    if final.exists():
        raise OpsError(f"{final} already exists: choose another name or a folder")
    if not final.parent.is_dir():
        raise OpsError(f"{final.parent}: no such folder")
    partial = final.with_name(final.name + ".partial")
    try:
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
        try:
            _copy(source, partial)
        finally:
            source.close()
        report = inspect(partial)
        if report.integrity != "ok":
            raise OpsError(f"the copy failed its integrity check ({report.integrity}); the live database "
                           "may be damaged: run `jetbot check`")
        os.replace(partial, final)
    except sqlite3.Error as exc:
        raise OpsError(f"backup failed: {exc}") from None
    except OSError as exc:
        raise OpsError(f"backup failed: {exc.strerror or exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return DatabaseReport(final, report.schema_version, report.integrity, report.row_counts)


def schema_version_of(database: Path) -> int:
    """``PRAGMA user_version`` of a database file, read-only (no integrity check: quick at every start)."""
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def prepare_upgrade(database: Path, now: datetime | None = None) -> Path | None:
    """Before the bot opens (and so migrates) ``database``: refuse one made by a newer jetbot, and copy
    one that is about to be migrated to ``<name>.before-upgrade-schemaN-<time>``, the file to restore
    to roll back. Returns that copy, or None when no migration is due."""
    if not database.is_file():
        return None
    try:
        version = schema_version_of(database)
    except sqlite3.DatabaseError:
        return None  # not a database: opening it reports that
    latest = latest_migration()
    if version > latest:
        raise OpsError(f"{database} has schema {version}, but this jetbot knows only up to {latest}: it was "
                       "used by a newer jetbot. Upgrade again, or restore the backup made before upgrading")
    if version in (0, latest):
        return None
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return backup(database, database.with_name(f"{database.name}.before-upgrade-schema{version}-{stamp}")).path


def restore(backup_file: Path, database: Path, now: datetime | None = None) -> tuple[DatabaseReport, Path | None]:
    """Replace ``database`` with ``backup_file``: refused while a bot runs on it, for a damaged backup,
    or for one from a newer jetbot (its migrations are unknown here). The current database is kept as
    ``<name>.before-restore-<time>``; returns the restored report and that path (None if there was none)."""
    report = inspect(backup_file)
    if report.integrity != "ok":
        raise OpsError(f"{backup_file} fails its integrity check ({report.integrity}): not restored")
    if report.schema_version > latest_migration():
        raise OpsError(f"{backup_file} was made by a newer jetbot (schema {report.schema_version}, this one knows "
                       f"up to {latest_migration()}): upgrade jetbot first")
    if backup_file.resolve() == database.resolve():
        raise OpsError("the backup and the database are the same file")
    with held_lock(database):
        kept: Path | None = None
        try:
            if database.exists():
                stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
                kept = database.with_name(f"{database.name}.before-restore-{stamp}")
                current = sqlite3.connect(database)
                try:
                    _copy(current, kept)
                finally:
                    current.close()
            else:
                database.parent.mkdir(parents=True, exist_ok=True)
            source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
            try:
                _copy(source, database)  # through SQLite, so the WAL and its index stay consistent
            finally:
                source.close()
        except sqlite3.Error as exc:
            raise OpsError(f"restore failed: {exc}") from None
        except OSError as exc:
            raise OpsError(f"restore failed: {exc.strerror or exc}") from None
    return inspect(database), kept
