"""Sharded processes: the settings, the bot class, and background work limited to this process's shards."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from discord.ext import commands

from bot.__main__ import build_parser, load_settings
from bot.client import JetBot, ShardedJetBot, make_bot
from bot.clock import FakeClock
from bot.config import ConfigError, Settings
from bot.events import EventService
from bot.knowledge import KnowledgeService
from bot.services import build_services
from bot.storage import Database
from tests.test_events_service import make
from tests.test_faq import KB_YAML

COUNT = 4


def guild_on(shard: int, n: int = 1) -> int:
    """A realistic server id (a snowflake) that Discord puts on ``shard`` of ``COUNT``."""
    return ((1_000_000 * COUNT + n * COUNT + shard) << 22) | 4242


def test_guild_ids_land_on_the_shard_discord_computes() -> None:
    assert [(guild_on(s) >> 22) % COUNT for s in range(COUNT)] == [0, 1, 2, 3]


def test_shard_settings_from_the_environment_and_the_command_line(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    s = Settings.from_env({"JETBOT_SHARD_IDS": "1, 0", "JETBOT_SHARD_COUNT": "4"}, dotenv=False)
    assert (s.shard_ids, s.shard_count) == ((0, 1), 4)
    assert Settings.from_env({}, dotenv=False).shard_ids is None
    for env, message in (({"JETBOT_SHARD_IDS": "0"}, "both"), ({"JETBOT_SHARD_IDS": "4", "JETBOT_SHARD_COUNT": "4"},
                                                              "between 0 and 3"),
                         ({"JETBOT_SHARD_IDS": "a", "JETBOT_SHARD_COUNT": "4"}, "numbers")):
        with pytest.raises(ConfigError, match=message):
            Settings.from_env(env, dotenv=False)
    monkeypatch.chdir(tmp_path)
    for name in ("JETBOT_SHARD_IDS", "JETBOT_SHARD_COUNT"):
        monkeypatch.delenv(name, raising=False)
    args = build_parser().parse_args(["run", "--shard-ids", "2,3", "--shard-count", "4"])
    assert (load_settings(args).shard_ids, load_settings(args).shard_count) == ((2, 3), 4)
    monkeypatch.setenv("JETBOT_SHARD_IDS", "0")
    monkeypatch.setenv("JETBOT_SHARD_COUNT", "8")
    cli = load_settings(build_parser().parse_args(["run", "--shard-ids", "5"]))  # the command line wins
    assert (cli.shard_ids, cli.shard_count) == ((5,), 8)


async def test_a_sharded_process_runs_its_shards_and_only_shard_0_syncs_commands(db: Database,
                                                                                  tmp_path: Path) -> None:
    (tmp_path / "kb.yaml").write_text(KB_YAML, encoding="utf-8")
    knowledge = KnowledgeService.load(tmp_path / "kb.yaml")
    plain = make_bot(build_services(Settings(), db, knowledge))
    first = make_bot(build_services(Settings(shard_ids=(0, 1), shard_count=4), db, knowledge))
    second = make_bot(build_services(Settings(shard_ids=(2, 3), shard_count=4), db, knowledge))
    try:
        assert type(plain) is JetBot and not isinstance(plain, commands.AutoShardedBot)
        assert isinstance(first, ShardedJetBot) and isinstance(first, commands.AutoShardedBot)
        assert (first.shard_ids, first.shard_count) == ([0, 1], 4)
        assert first.sync_commands and not second.sync_commands
    finally:
        for bot in (plain, first, second):
            await bot.close()


async def test_background_work_covers_only_this_process_shards(db: Database, clock: FakeClock) -> None:
    service = EventService(db, clock=clock)
    start = clock.now + timedelta(hours=2)
    guilds = [guild_on(s) for s in range(COUNT)]
    events = {}
    for g in guilds:
        events[g] = await make(service, guild_id=g, start=start.strftime("%Y-%m-%d %H:%M"))
        await service.rsvp(g, events[g], 7, "going")
        async with db.transaction() as conn:
            await db.events.add_outbox_in(conn, g, events[g], [7], "changed", "moved", clock.now)
        await db.chapter_kb.vote(g, "alt-role", 7, True, clock.now)
    at = start - timedelta(minutes=30)

    db.set_shards((0, 1), COUNT)
    mine = {guilds[0], guilds[1]}
    assert {r.guild_id for r in await db.events.reminder_candidates(at, at + timedelta(days=2))} == mine
    assert {r.guild_id for r in await EventService(db, clock=FakeClock(at)).due_reminders()} == mine
    assert {r.guild_id for r in await db.events.outbox()} == mine
    assert await db.chapter_kb.guilds_with_data() == mine

    db.set_shards((2, 3), COUNT)  # the other process
    assert {r.guild_id for r in await EventService(db, clock=FakeClock(at)).due_reminders()} == set(guilds) - mine
    assert {r.guild_id for r in await db.events.outbox()} == set(guilds) - mine

    db.set_shards(None, None)  # one process with every shard
    assert len(await db.events.outbox()) == COUNT and await db.chapter_kb.guilds_with_data() == set(guilds)


def test_jetbot_check_names_the_shards_and_warns_without_a_shared_database(tmp_path: Path) -> None:
    from bot.ops.doctor import WARN, run_checks

    kb = Path(__file__).parent / "data" / "kb_small"
    alone = Settings(shard_ids=(0, 1), shard_count=4, database_path=tmp_path / "db.sqlite3", knowledge_path=kb)
    [check] = [c for c in run_checks(alone) if c.what == "JETBOT_SHARD_IDS"]
    assert check.status == WARN and "shards 0,1 of 4" in check.detail and "JETBOT_DATABASE_URL" in check.detail
    assert not [c for c in run_checks(Settings(database_path=tmp_path / "db.sqlite3", knowledge_path=kb))
                if c.what == "JETBOT_SHARD_IDS"]


async def test_a_restarted_shard_takes_back_its_killed_predecessors_claims_at_once(db: Database,
                                                                                 clock: FakeClock) -> None:
    """A process killed between claiming reminders and sending them leaves claims that would hold for
    CLAIM_TTL; the next process on those shards releases them on its first run and sends them now. A process
    on other shards, or one without shards (others may be alive on the same servers), leaves them alone."""
    service = EventService(db, clock=clock)
    start = clock.now + timedelta(hours=2)
    guilds = [guild_on(s) for s in range(COUNT)]
    for g in guilds:
        event_id = await make(service, guild_id=g, start=start.strftime("%Y-%m-%d %H:%M"))
        await service.rsvp(g, event_id, 7, "going")
    at = start - timedelta(minutes=30)

    db.set_shards((0, 1), COUNT)
    killed = await EventService(db, clock=FakeClock(at)).due_reminders()  # claimed, never sent
    assert {r.guild_id for r in killed} == {guilds[0], guilds[1]}
    db.set_shards(None, None)
    assert await db.events.release_shard_claims("an unsharded process") == 0  # others may be alive
    db.set_shards((2, 3), COUNT)
    other = await EventService(db, clock=FakeClock(at)).due_reminders()
    assert {r.guild_id for r in other} == {guilds[2], guilds[3]}

    db.set_shards((0, 1), COUNT)
    restarted = EventService(db, clock=FakeClock(at))
    assert {r.guild_id for r in await restarted.due_reminders()} == {guilds[0], guilds[1]}
    assert await restarted.due_reminders() == []  # its own claims now: not handed out twice
    claims = await db.fetchall("SELECT guild_id FROM event_reminder_claims ORDER BY guild_id")
    assert sorted(r["guild_id"] for r in claims) == sorted(guilds)
