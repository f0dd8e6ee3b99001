"""Shared fixtures: a real database in a temp dir (SQLite, and PostgreSQL for the storage-level modules
listed in ``BOTH_ENGINES``), a clock tests can move.

PostgreSQL is started once per session by ``tests/postgres.py``. Without its binaries the PostgreSQL
variants skip with a message saying how to install them; with ``CI`` set they fail instead, and
``JETBOT_PG_REPORT`` names a file that receives how many PostgreSQL tests passed (``.ci/run`` checks it).
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.storage import Database
from tests.postgres import PostgresServer, PostgresUnavailable

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"

# Test modules whose ``db`` runs on both engines: the storage suite, RSVPs and reminders.
BOTH_ENGINES = frozenset({
    "test_storage", "test_storage_engines", "test_events_rsvp", "test_events_service", "test_events_series",
    "test_events_outbox", "test_events_security", "test_chapter", "test_chapter_kb", "test_newsletter",
    "test_feed", "test_feed_series", "test_privacy", "test_privacy_transaction", "test_multiprocess",
    "test_reminder_claims", "test_shards", "test_events_e2e",
})
ENGINES = ("sqlite", "postgresql")
TEMPLATE = "jetbot_template"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: in a BOTH_ENGINES module, a test about the SQLite file itself")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if ("engine" in metafunc.fixturenames and metafunc.module.__name__.rsplit(".", 1)[-1] in BOTH_ENGINES
            and metafunc.definition.get_closest_marker("sqlite_only") is None):
        metafunc.parametrize("engine", ENGINES, indirect=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """Which database engine the test's ``db`` uses (``sqlite`` unless the module runs on both)."""
    return str(getattr(request, "param", "sqlite"))


@dataclass
class PgCluster:
    server: PostgresServer
    _names: itertools.count[int]

    async def create(self) -> str:
        """A fresh database with the schema applied (copied from the migrated template); returns its URL."""
        import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type information

        name = f"t{os.getpid()}_{next(self._names)}"
        admin = await asyncpg.connect(self.server.url("postgres"))
        try:
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE}')
        finally:
            await admin.close()
        return self.server.url(name)

    async def drop(self, url: str) -> None:
        import asyncpg

        admin = await asyncpg.connect(self.server.url("postgres"))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[-1]}" WITH (FORCE)')
        finally:
            await admin.close()


_pg_failure: str | None = None


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    global _pg_failure
    if _pg_failure is not None:
        _unavailable(_pg_failure)
    try:
        server = PostgresServer()
        server.start()
    except PostgresUnavailable as exc:
        _pg_failure = str(exc)
        _unavailable(_pg_failure)

    async def template() -> None:
        import asyncpg

        admin = await asyncpg.connect(server.url("postgres"))
        try:
            await admin.execute(f"CREATE DATABASE {TEMPLATE}")
        finally:
            await admin.close()
        await (await Database(server.url(TEMPLATE)).open()).close()

    try:
        # Requested from inside a test's event loop: build the template on a loop of its own.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, template()).result()
        yield PgCluster(server, itertools.count(1))
    finally:
        server.stop()


def _unavailable(reason: str) -> None:
    message = f"PostgreSQL tests need a PostgreSQL server: {reason}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(message)


@pytest.fixture
async def database_url(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """Where a test's database lives: a SQLite file path, or the URL of a fresh PostgreSQL database."""
    if engine == "sqlite":
        yield str(tmp_path / "jetbot.sqlite3")
        return
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    url = await cluster.create()
    try:
        yield url
    finally:
        await cluster.drop(url)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = await Database(database_url if database_url.startswith("postgresql://") else Path(database_url)).open()
    try:
        yield database
    finally:
        await database.close()


_pg_passed = 0


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _pg_passed
    if report.when == "call" and report.passed and "[postgresql" in report.nodeid:
        _pg_passed += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get("JETBOT_PG_REPORT")
    if target:
        Path(target).write_text(f"{_pg_passed}\n", encoding="utf-8")
