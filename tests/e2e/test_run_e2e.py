"""``jetbot run`` as a subprocess against the fake: log in, sync only when changed, stop cleanly on a
signal, and a rejected token is one line without a traceback or the token."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sqlite3
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.fakediscord import FakeDiscord

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WAIT = 30.0  # generous: CI machines are slow and shared


def bot_env(fake: FakeDiscord, db: Path, token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "JETBOT_"))}
    env.update(DISCORD_TOKEN=token, DISCORD_APPLICATION_ID=str(fake.application_id), JETBOT_DB=str(db),
               JETBOT_DISCORD_API_BASE=fake.api_base, JETBOT_DISCORD_GATEWAY=fake.gateway_url,
               JETBOT_LOG_LEVEL="INFO", PYTHONPATH=str(PROJECT_ROOT), PYTHONUNBUFFERED="1")
    return env


async def start(fake: FakeDiscord, db: Path, cwd: Path, token: str | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=cwd,  # cwd: no stray .env is read
        env=bot_env(fake, db, token or fake.token),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def finish(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    try:
        out, err = await asyncio.wait_for(proc.communicate(), WAIT)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError("jetbot run did not exit") from None
    return proc.returncode, (out + err).decode()


async def run_until_connected_then(fake: FakeDiscord, db: Path, cwd: Path, sig: signal.Signals) -> tuple[int, str]:
    before = len(fake.identifies)
    proc = await start(fake, db, cwd)
    try:
        await fake.wait_until(lambda: len(fake.identifies) > before and fake.connected, WAIT,
                              "jetbot run to connect to the gateway")
    except AssertionError:
        proc.kill()
        _, output = await finish(proc)
        raise AssertionError(f"jetbot run did not connect:\n{output}") from None
    proc.send_signal(sig)
    return await finish(proc)


async def test_run_logs_in_syncs_once_and_stops_cleanly_on_signals(fake_discord, tmp_path):
    db = tmp_path / "jetbot.sqlite3"

    code, output = await run_until_connected_then(fake_discord, db, tmp_path, signal.SIGINT)
    assert code == 0, output
    assert "database closed" in output
    assert "Traceback" not in output
    assert fake_discord.token not in output
    assert len(fake_discord.command_syncs) == 1
    assert "ask" in {c["name"] for c in fake_discord.commands[None]}

    code, output = await run_until_connected_then(fake_discord, db, tmp_path, signal.SIGTERM)
    assert code == 0, output
    assert "database closed" in output
    assert "unchanged since last sync" in output
    assert len(fake_discord.command_syncs) == 1, "the same commands were synced again"
    assert not fake_discord.unknown_routes


@pytest.mark.parametrize("token", ["a-token-discord-rejects"])
async def test_rejected_token_is_one_line_and_exit_2(fake_discord, tmp_path, token):
    proc = await start(fake_discord, tmp_path / "jetbot.sqlite3", tmp_path, token=token)
    code, output = await finish(proc)
    assert code == 2  # a settings error: deploy/jetbot.service does not retry it
    assert "Discord rejected the token" in output
    assert "Traceback" not in output
    assert token not in output
    assert not fake_discord.identifies  # it never reached the gateway


# -- stopping with clicks in flight ---------------------------------------------------------------------
FIELD = "jetbot:event-form:{}".format


class Output:
    """The bot's output, read as it comes, so a test can act on a log line."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.lines: list[str] = []
        self._changed = asyncio.Event()
        assert proc.stdout is not None
        self.task = asyncio.create_task(self._read(proc.stdout))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        async for line in stream:
            self.lines.append(line.decode(errors="replace"))
            self._changed.set()

    async def wait_for(self, text: str, within: float = WAIT) -> str:
        async def seen() -> str:
            while True:
                found = next((ln for ln in self.lines if text in ln), None)
                if found is not None:
                    return found
                self._changed.clear()
                await self._changed.wait()

        try:
            return await asyncio.wait_for(seen(), within)
        except TimeoutError:
            raise AssertionError(f"the bot never logged {text!r}:\n{self.text}") from None

    @property
    def text(self) -> str:
        return "".join(self.lines)


def button(message: dict, choice: str) -> str:
    return next(c["custom_id"] for row in message["components"] for c in row["components"]
                if c["custom_id"].startswith("jetbot:rsvp:") and c["custom_id"].endswith(f":{choice}"))


async def test_sigterm_with_clicks_in_flight_answers_every_click_and_delivers_or_keeps_every_dm(
        fake_discord, tmp_path):
    """The issue's storm: members change their RSVPs while the service manager stops the bot. Every
    click is answered (its post update and its private note, or "restarting" once stopping), every
    member promoted off the waitlist gets the DM or it stays queued for the next start, the database
    is closed only after the work is done, and the process exits 0 without a traceback."""
    fake, world = fake_discord, fake_discord.world
    db = tmp_path / "jetbot.sqlite3"
    members = [world.guild.add_member(f"member-{i:02d}") for i in range(21)]
    going, waiting, newcomers, late = members[:5], members[5:10], members[10:20], members[20]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=bot_env(fake, db, fake.token),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output = Output(proc)
    try:
        await output.wait_for("logged in as")
        opened = await fake.slash("event create", user=world.organiser, channel=world.events, capacity=5,
                                  within=WAIT)
        created = await fake.submit_modal(opened.modal["custom_id"], {
            FIELD("title"): "Summer party", FIELD("start"): f"{date.today() + timedelta(days=60)} 18:30",
            FIELD("end"): "3h",
            FIELD("location"): "Rooftop", FIELD("description"): "Bring a friend",
        }, user=world.organiser, within=WAIT)
        assert "Created" in created.text, created.text
        [post] = [m for m in fake.channel_messages(world.events) if m.get("embeds")]
        for member in going + waiting:  # 5 going, 5 on the waitlist
            await fake.click(post, button(post, "going"), user=member, within=WAIT)

        fake.latency = 0.3  # a slow Discord: every request the bot makes now takes a while
        before = len(fake.requests)
        clicks = [asyncio.create_task(fake.click(post, button(post, "no"), user=m, within=WAIT)) for m in going]
        clicks += [asyncio.create_task(fake.click(post, button(post, "going"), user=m, within=WAIT))
                   for m in newcomers]
        await fake.wait_until(lambda: any(r.path.startswith("/interactions/") for r in fake.requests[before:]),
                              WAIT, "the bot to start answering the clicks")
        proc.send_signal(signal.SIGTERM)
        await output.wait_for("received SIGTERM")
        after_stop = await fake.click(post, button(post, "going"), user=late, within=WAIT)
        results = await asyncio.gather(*clicks)
        code = await asyncio.wait_for(proc.wait(), WAIT)
        await output.task
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    log = output.text

    assert "restarting" in after_stop.text and after_stop.response.ephemeral
    handled = {}
    for member, result in zip(going + newcomers, results, strict=True):
        assert result.acknowledged and not result.refused, f"{member.name}: {result!r}"  # never "interaction failed"
        if "restarting" in result.text:
            continue
        assert result.response.type == 7, result  # the post's counts, then the private note
        [note] = result.followups
        assert int(note.get("flags") or 0) & 64 and note["content"], note
        handled[member.id] = result
    assert handled, "no click was in flight when the signal came"
    assert code == 0, log
    assert "Traceback" not in log and "Session is closed" not in log and "database is not open" not in log, log
    assert "waiting for" in log and "database closed" in log

    conn = sqlite3.connect(db)
    try:
        status = dict(conn.execute("SELECT user_id, status FROM event_rsvps").fetchall())
        queued = [row[0] for row in conn.execute("SELECT user_id FROM event_outbox WHERE kind = 'promoted'")]
    finally:
        conn.close()
    for member in going:  # the clicks that were handled were saved; the refused ones changed nothing
        assert status[member.id] == ("no" if member.id in handled else "going")
    for member in newcomers:
        assert (status.get(member.id) == "waitlist") == (member.id in handled)
    promoted = [m for m in waiting if status[m.id] == "going"]
    assert len(promoted) == sum(1 for m in going if m.id in handled)
    for member in promoted:  # told now, or still queued and sent after the next start; never twice
        dms = [d for d in fake.dms_to(member) if "going" in d["content"]]
        assert len(dms) + queued.count(member.id) == 1, (member.name, dms, queued)
    for member in waiting:
        if member not in promoted:
            assert not fake.dms_to(member) and member.id not in queued


# -- the gateway drops -------------------------------------------------------------------------------
async def asks(discord, world) -> None:
    result = await discord.slash("ask", question="what does a CIR do", user=world.member, within=WAIT)
    assert "Coordinator for International Relations" in result.text


async def test_after_a_disconnect_the_bot_resumes_or_identifies_and_retries_with_backoff(discord, world, caplog):
    """discord.py's reconnect, through the fake: a dropped socket is resumed (same session, no new
    READY); a session Discord will not resume is identified afresh; while Discord cannot be reached the
    bot retries with a backoff; after each, members are answered again, and a question asked while the
    bot was away is replayed on the resume and answered."""
    caplog.set_level(logging.INFO, logger="discord")
    identified = len(discord.identifies)

    await discord.drop_connections()
    await discord.wait_until(lambda: discord.resumes and discord.connected, WAIT, "the bot to resume")
    assert len(discord.identifies) == identified, "resumed, not a new session"
    await asks(discord, world)

    discord.resumable = False
    await discord.drop_connections()
    await discord.wait_until(lambda: len(discord.identifies) > identified and discord.connected, WAIT,
                             "the bot to identify again")
    assert len(discord.resumes) == 1
    await asks(discord, world)

    discord.resumable = True
    discord.refuse_connections(1)
    await discord.drop_connections()
    await discord.wait_until(lambda: discord.refused_connections == 1 and discord.connected, WAIT,
                             "the bot to connect after Discord was unreachable")
    assert "Attempting a reconnect in" in caplog.text  # discord.py's backoff, not a tight loop
    assert discord.bot.is_ready() and not discord.bot.is_closed()
    await asks(discord, world)

    # A question asked while the bot is away is kept by Discord and replayed when the bot resumes.
    discord.interaction_deadline = WAIT  # this test is about the replay, not about being quick after a blip
    discord.refuse_connections(1000)
    await discord.drop_connections()
    away = asyncio.create_task(asks(discord, world))
    await discord.wait_until(lambda: discord.kept_for_resume, WAIT, "the question to be kept for the bot")
    discord.refuse_connections(0)
    await away
    assert discord.replayed == ["INTERACTION_CREATE"] and len(discord.resumes) == 3
