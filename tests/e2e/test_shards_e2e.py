"""Two ``jetbot run`` processes, each running one of two Discord shards, sharing one PostgreSQL, against
the fake Discord (which routes each server's events to its shard's socket, as Discord does)."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from tests.conftest import PgCluster
from tests.e2e.test_run_e2e import WAIT, bot_env
from tests.fakediscord import FakeDiscord
from tests.fakediscord.state import FakeGuild, snowflake


def guild_on_shard(fake: FakeDiscord, name: str, shard: int, count: int) -> FakeGuild:
    """A new server whose id puts it on ``shard``: Discord's rule is ``(guild_id >> 22) % count``."""
    timestamp = (snowflake() >> 22) // count * count + shard
    guild = FakeGuild((timestamp << 22) | 4242, name, owner_id=fake.owner.id)
    fake.guilds[guild.id] = guild
    return guild


async def start_shard(fake: FakeDiscord, url: str, shard: int, count: int, cwd: Path) -> asyncio.subprocess.Process:
    env = {**bot_env(fake, cwd / "unused.sqlite3", fake.token), "JETBOT_DATABASE_URL": url,
           "JETBOT_SHARD_IDS": str(shard), "JETBOT_SHARD_COUNT": str(count)}
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=cwd, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def stop(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    """SIGTERM, then wait for the exit (killed if it does not come), keeping what the process said."""
    assert proc.stdout is not None and proc.stderr is not None
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    reading = asyncio.gather(proc.stdout.read(), proc.stderr.read())
    try:
        await asyncio.wait_for(proc.wait(), WAIT)
    except TimeoutError:
        proc.kill()
        await proc.wait()
    out, err = await reading
    return proc.returncode or 0, (out + err).decode()


async def test_two_processes_each_answer_their_own_shard_and_only_one_syncs(fake_discord: FakeDiscord,
                                                                              pg_cluster: PgCluster,
                                                                              tmp_path: Path) -> None:
    fake = fake_discord
    members = {}
    for shard in (0, 1):
        guild = guild_on_shard(fake, f"Chapter on shard {shard}", shard, 2)
        guild.add_channel("general")
        members[shard] = guild.add_member(f"member-{shard}")
    url = await pg_cluster.create()
    procs: list[asyncio.subprocess.Process] = []
    outputs: list[tuple[int, str]] = []
    try:
        for shard in (0, 1):
            procs.append(await start_shard(fake, url, shard, 2, tmp_path))
            await fake.wait_until(lambda s=shard: (s, 2) in fake.shards_connected, WAIT,
                                  f"the process of shard {shard} to connect")
        assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]
        for shard, member in sorted(members.items()):
            result = await fake.slash("ask", question="what does a CIR do?", user=member, within=WAIT)
            assert result.response is not None, f"no answer in the server on shard {shard}"
            assert "Coordinator for International Relations" in result.response.embeds[0]["title"]
        # Each interaction reached one process: a second acknowledgement would have been refused.
        assert not fake.errors and not fake.unknown_routes
        assert len(fake.command_syncs) == 1  # only the process running shard 0 syncs
    finally:
        outputs = [await stop(proc) for proc in procs]
        await pg_cluster.drop(url)
    for code, output in outputs:
        assert code == 0, output[-3000:]
        assert "Traceback" not in output and fake.token not in output
