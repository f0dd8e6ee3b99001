"""End-to-end fixtures: the real JetBot, over real sockets, against the fake Discord on 127.0.0.1.

How to write an end-to-end test (see also README "Testing")::

    async def test_something(discord, world):
        result = await discord.slash("chapter timezone", name="Asia/Tokyo", user=world.organiser)
        assert result.acknowledged and result.response.ephemeral
        assert "Asia/Tokyo" in result.text

Fixtures
--------
``discord``      the started ``FakeDiscord`` with the bot connected and ready (``discord.bot`` is the
                 current JetBot, also after a restart) (name chosen so tests read
                 like what a member does; inside such a test import the library as ``import discord as dpy``
                 if you need it).
``world``        the standard world (``tests.fakediscord.standard_world``) as attributes: ``guild``,
                 ``general``, ``events`` (channels), ``organiser`` (has the Organisers role with Manage
                 Server + Manage Events), ``member``, ``helper``, ``closed_dms`` (DMs to them fail with
                 403 50007), ``organiser_role``, ``other_guild``, ``other_organiser``, ``other_member``.
``jetbot``       the ``BotRunner``: ``.bot`` (the running JetBot), ``.services``, ``.db``, ``.clock``,
                 ``await jetbot.restart()`` (stop the bot, start a new JetBot on the same database and
                 fake: a persistence test) and ``jetbot.prepare(fn)`` to change the bot before it starts.
``fake_discord`` the fake server alone, without a bot (for subprocess tests of ``jetbot run``).

The helpers on ``discord``: ``slash(command, user=, channel=, **options)``, ``autocomplete(command,
option, typed, user=)``, ``click(message, custom_id, user=)``, ``submit_modal(custom_id, {field: value},
user=)``, ``mention(text, user=)`` each wait (bounded) for the bot's acknowledgement and return an
``InteractionResult`` (``.response`` with ``type/data/ephemeral/embeds/components/elapsed``, ``.text``,
``.original``, ``.followups``, ``.choices``, ``.modal``, ``.refused``); after-the-fact views are
``discord.dms_to(member)``, ``discord.scheduled_events``, ``discord.channel_messages(channel)``,
``discord.requests``, ``discord.errors`` (refused payloads) and ``discord.unknown_routes``.

Every test ends with a check that the bot called no route the fake does not know and sent nothing
over Discord's limits (``discord.errors`` may be non-empty only in tests that expect it; mark them
with ``@pytest.mark.fake_errors_expected``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from discord import gateway as dpy_gateway
from discord import http as dpy_http

from bot.clock import FakeClock
from bot.config import Secret, Settings
from bot.storage import Database
from tests.fakediscord import FakeDiscord, standard_world

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0

log = logging.getLogger("tests.e2e")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fake_errors_expected: the test makes the fake refuse requests on purpose")


@contextlib.contextmanager
def pointed_at(fake: FakeDiscord) -> Any:
    """Point discord.py at the fake (the same function ``jetbot run`` uses), and back afterwards."""
    from bot.__main__ import point_at_discord

    old_base, old_gateway = dpy_http.Route.BASE, dpy_gateway.DiscordWebSocket.DEFAULT_GATEWAY
    point_at_discord(fake.api_base, fake.gateway_url)
    try:
        yield
    finally:
        dpy_http.Route.BASE = old_base
        dpy_gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


class BotRunner:
    """Starts and stops the real JetBot (default cog discovery, real services) against the fake."""

    def __init__(self, fake: FakeDiscord, db_path: Path | str) -> None:
        self.fake = fake
        self.db_path = db_path  # a SQLite file, or a postgresql:// URL
        self.clock = FakeClock()
        where: dict[str, Any] = ({"database_url": db_path} if isinstance(db_path, str)
                                 else {"database_path": db_path})
        self.settings = Settings(token=Secret(fake.token), application_id=fake.application_id,
                                 knowledge_path=KNOWLEDGE_DIR, api_base=fake.api_base,
                                 gateway_url=fake.gateway_url, **where)
        self.db: Database | None = None
        self.bot: Any = None
        self._task: asyncio.Task[None] | None = None
        self._prepare: list[Callable[[Any], Any]] = []
        self.starts = 0

    def prepare(self, fn: Callable[[Any], Any]) -> None:
        """Run ``fn(bot)`` (may be async) on every JetBot this runner builds, before it connects."""
        self._prepare.append(fn)

    @property
    def services(self) -> Any:
        return self.bot.services

    async def start(self) -> Any:
        from bot.client import JetBot
        from bot.knowledge import KnowledgeService
        from bot.services import build_services

        self.db = await Database(self.db_path).open()
        services = build_services(self.settings, self.db, KnowledgeService.load(KNOWLEDGE_DIR), clock=self.clock)
        bot = JetBot(services)
        # Wait only a moment for GUILD_CREATEs after READY (default 2 s); the fake sends them at once.
        bot._connection.guild_ready_timeout = 0.05
        for fn in self._prepare:
            outcome = fn(bot)
            if asyncio.iscoroutine(outcome):
                await outcome
        self.bot = bot
        self.fake.bot = bot  # type: ignore[attr-defined]  # tests reach the current bot as ``discord.bot``
        self.starts += 1
        self._task = asyncio.create_task(bot.start(self.fake.token), name="jetbot-e2e")
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({ready, self._task}, timeout=START_TIMEOUT,
                                     return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if self._task in done:
                self._task.result()  # raises the bot's start-up error
            raise AssertionError(f"the bot was not ready within {START_TIMEOUT:.0f} s")
        return bot

    async def stop(self) -> None:
        if self.bot is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.bot.close(), STOP_TIMEOUT)
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, STOP_TIMEOUT)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
            self._task = None
        if self.db is not None:
            await self.db.close()
            self.db = None
        # Wait until the fake saw the socket go, so a restart never overlaps two sessions.
        await self.fake.wait_until(lambda: not self.fake.connected, STOP_TIMEOUT, "the bot to disconnect")

    async def restart(self) -> Any:
        """A new JetBot on the same database and fake: what a chapter's server sees after a deploy."""
        await self.stop()
        return await self.start()


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = await FakeDiscord().start()
    fake.world = SimpleNamespace(**standard_world(fake))  # type: ignore[attr-defined]
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
def world(fake_discord: FakeDiscord) -> SimpleNamespace:
    return fake_discord.world  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
async def jetbot(fake_discord: FakeDiscord, database_url: str) -> AsyncIterator[BotRunner]:
    """The bot on a SQLite file, or on PostgreSQL in the modules listed in tests/conftest.py's BOTH_ENGINES."""
    runner = BotRunner(fake_discord, database_url if database_url.startswith("postgresql://") else Path(database_url))
    with pointed_at(fake_discord):
        await runner.start()
        try:
            yield runner
        finally:
            await runner.stop()


@pytest.fixture
async def discord(fake_discord: FakeDiscord, jetbot: BotRunner, request: pytest.FixtureRequest,
                  ) -> AsyncIterator[FakeDiscord]:
    yield fake_discord
    assert not fake_discord.unknown_routes, (
        "the bot called routes the fake Discord does not know: "
        + ", ".join(f"{r.method} {r.path}" for r in fake_discord.unknown_routes))
    if request.node.get_closest_marker("fake_errors_expected") is None:
        refused = [f"{r.method} {r.path} -> {r.status} {r.response}" for r in fake_discord.errors]
        assert not refused, "the fake Discord refused requests: " + "; ".join(refused)
