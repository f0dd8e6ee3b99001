"""Two ``jetbot run`` processes on shards 0 and 1 of 2, sharing one PostgreSQL, against the fake Discord; the
process of shard 0 is killed (SIGKILL) mid-way and restarted. A reminder falling due for 1,000 members in
two servers (one per shard) reaches each member once (a duplicate only for a DM in flight at the kill), and
500 members pressing Going at once on a 50-place event end as 50 going and 450 waitlisted, each where the
bot told them (a press the killed process never answered is pressed again, as a member would)."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from bot.clock import FakeClock
from bot.events import EventService
from bot.storage import Database
from tests.e2e.test_run_e2e import FIELD, WAIT, button
from tests.e2e.test_shards_e2e import guild_on_shard, start_shard, stop
from tests.fakediscord import FakeDiscord
from tests.fakediscord.results import InteractionResult
from tests.fakediscord.server import MANAGE_EVENTS, MANAGE_GUILD
from tests.fakediscord.state import FakeMember

T = TypeVar("T")
MEMBERS = 500  # per server
CAPACITY = 50
CLICK_WAIT = 15.0  # how long a member waits for an answer before pressing again
DM_SENDERS = 1  # reminders are sent one at a time per process: at most one DM is in flight at a kill
ANSWER = re.compile(r"position \*\*(\d+)\*\*|you're (?:already )?going", re.IGNORECASE)


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
async def test_a_killed_shard_process_loses_no_click_and_repeats_no_reminder(
        fake_discord: FakeDiscord, database_url: str, tmp_path: Path) -> None:
    fake = fake_discord
    fake.interaction_deadline = WAIT  # this test is about the kill, not about answering within 3 s on a loaded CI
    guilds = [guild_on_shard(fake, f"Chapter on shard {shard}", shard, 2) for shard in (0, 1)]
    channels = [g.add_channel("events") for g in guilds]
    organiser = guilds[0].add_member("olive-organiser",
                                     roles=(guilds[0].add_role("Organisers", MANAGE_GUILD | MANAGE_EVENTS),))
    members = [[g.add_member(f"member-{s}-{i:03d}") for i in range(MEMBERS)] for s, g in enumerate(guilds)]

    # (b)'s setting: an event in each server starting in 30 minutes; its members said going three days ago.
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = (now + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M")
    db = await Database(database_url).open()
    try:
        service = EventService(db, clock=FakeClock(now - timedelta(days=3)))
        for s, g in enumerate(guilds):
            summary = await service.create_event(g.id, created_by=organiser.id, channel_id=channels[s].id,
                                                 title=f"Reminder night {s}", start=start, end="2h",
                                                 location="Izakaya", capacity=None)
            for m in members[s]:
                await service.rsvp(g.id, summary.event.id, m.id, "going")
    finally:
        await db.close()

    procs: dict[int, asyncio.subprocess.Process] = {}
    outputs: list[tuple[int, str]] = []
    clicks: list[asyncio.Task[InteractionResult]] = []
    try:
        fake.latency = 0.005  # a real Discord answers in milliseconds too: keeps DMs in flight long enough to kill
        for shard in (0, 1):
            procs[shard] = await start_shard(fake, database_url, shard, 2, tmp_path)
            await fake.wait_until(lambda s=shard: (s, 2) in fake.shards_connected, WAIT,
                                  f"the process of shard {shard} to connect")

        dm_user: dict[int, int] = {}  # DM channel -> member, filled as the bot opens them

        def reminders() -> Counter[int]:
            """Reminder DMs delivered, per member: one pass over the fake's messages (cheap enough to be
            re-evaluated on every request the bot makes)."""
            if len(dm_user) < len(fake.dm_channels):
                dm_user.update({c.id: uid for uid, c in fake.dm_channels.items()})
            return Counter(dm_user[int(m["channel_id"])] for m in fake.messages.values()
                           if int(m["channel_id"]) in dm_user and "Reminder night" in (m.get("content") or ""))

        everyone = {m.id: m for group in members for m in group}
        shard0 = {m.id for m in members[0]}

        # -- (b) kill shard 0 while it delivers its 500 reminders ---------------------------------------------
        await fake.wait_until(lambda: sum(n for u, n in reminders().items() if u in shard0) >= 100, WAIT,
                              "shard 0 to deliver 100 reminders")
        procs[0].kill()
        outputs.append(await stop(procs[0]))
        at_kill = sum(1 for u in reminders() if u in shard0)
        procs[0] = await start_shard(fake, database_url, 0, 2, tmp_path)
        await fake.wait_until(lambda: len(reminders()) == len(everyone), WAIT * 2, "every member to get the reminder")
        fake.latency = 0.0
        counts = reminders()
        assert set(counts) == set(everyone)
        duplicates = {everyone[u].name: n for u, n in counts.items() if n > 1}
        print(f"\nreminders: {len(everyone)} members, {at_kill} reminded by shard 0 before its SIGKILL, "
              f"{len(duplicates)} duplicate(s): {duplicates}")
        assert at_kill < MEMBERS, "the kill came after every reminder of shard 0 was sent: it proved nothing"
        assert len(duplicates) <= DM_SENDERS and all(n == 2 for n in duplicates.values()), duplicates
        assert all(u in shard0 for u, n in counts.items() if n > 1), "a duplicate from the process not killed"

        # -- (a) 500 presses of Going on a 50-place event, shard 0 killed while it answers them ----------------
        await fake.wait_until(lambda: (0, 2) in fake.shards_connected, WAIT, "the restarted shard 0 to connect")
        opened = await fake.slash("event create", user=organiser, channel=channels[0], capacity=CAPACITY,
                                  within=WAIT)
        assert opened.modal is not None, opened.text
        created = await fake.submit_modal(opened.modal["custom_id"], {
            FIELD("title"): "Hanami picnic", FIELD("start"): f"{(now + timedelta(days=30)):%Y-%m-%d} 12:00",
            FIELD("end"): "3h", FIELD("location"): "Ueno Park", FIELD("description"): "Fifty places",
        }, user=organiser, within=WAIT)
        assert "Created" in created.text, created.text
        [post] = [m for m in fake.channel_messages(channels[0]) if m.get("embeds")]
        going_button = button(post, "going")
        answered: dict[int, str] = {}  # member -> what the bot told them when it first answered
        presses: Counter[int] = Counter()

        killed = asyncio.Event()  # set when shard 0's process dies: a press it held is never answered

        async def unless_killed(wait: Awaitable[T], armed: bool) -> T | None:
            """What ``wait`` returns; None when it fails, or when shard 0 is killed first (``armed``: the kill is
            still to come, so the wait may be on the doomed process)."""
            task = asyncio.ensure_future(wait)
            dead = asyncio.ensure_future(killed.wait() if armed else asyncio.Event().wait())
            await asyncio.wait({task, dead}, return_when=asyncio.FIRST_COMPLETED)
            dead.cancel()
            if not task.done():
                task.cancel()
                return None
            return task.result() if task.exception() is None else None

        async def press(member: FakeMember) -> InteractionResult:
            for _ in range(8):
                await fake.wait_until(lambda: (0, 2) in fake.shards_connected, WAIT, "shard 0 to be connected")
                armed = not killed.is_set()
                presses[member.id] += 1
                # No answer: Discord shows "This interaction failed", and the member presses again.
                result = await unless_killed(fake.click(post, going_button, user=member, within=CLICK_WAIT), armed)
                if result is None or result.refused:
                    continue
                if (result.response is not None and result.response.type == 7  # the post's counts; the note follows
                        and await unless_killed(result.wait_followups(1, CLICK_WAIT), armed) is None):
                    continue  # killed between the two: the member presses again to be told
                if not ANSWER.search(result.text):
                    continue
                answered.setdefault(member.id, result.text)
                return result
            raise AssertionError(f"{member.name} pressed Going 8 times without an answer")

        clicks += [asyncio.create_task(press(m)) for m in members[0]]
        await fake.wait_until(lambda: len(answered) >= 50 or all(c.done() for c in clicks), WAIT,
                              "the bot to answer 50 presses")
        procs[0].kill()
        outputs.append(await stop(procs[0]))
        killed.set()
        answered_at_kill = len(answered)
        procs[0] = await start_shard(fake, database_url, 0, 2, tmp_path)
        await asyncio.wait_for(asyncio.gather(*clicks), WAIT * 3)
        retried = sum(1 for n in presses.values() if n > 1)
        print(f"clicks: {MEMBERS} members, {answered_at_kill} answered before the SIGKILL, {retried} pressed again")
        assert answered_at_kill < MEMBERS, "the kill came after every press was answered: it proved nothing"
    finally:
        for click in clicks:
            click.cancel()
        for proc in procs.values():
            outputs.append(await stop(proc))

    db = await Database(database_url).open()
    try:
        event_id = int(going_button.split(":")[2])
        rows = await db.fetchall("SELECT user_id, status FROM event_rsvps WHERE event_id = ? ORDER BY seq",
                                 (event_id,))
    finally:
        await db.close()
    users = [r["user_id"] for r in rows]
    assert len(users) == len(set(users)) == MEMBERS, "a member is missing or counted twice"
    going = [r["user_id"] for r in rows if r["status"] == "going"]
    waitlist = [r["user_id"] for r in rows if r["status"] == "waitlist"]
    assert (len(going), len(waitlist)) == (CAPACITY, MEMBERS - CAPACITY)
    # Each member is where the bot's first answer put them: going, or the waitlist position it named.
    for member in members[0]:
        told = ANSWER.search(answered[member.id])
        assert told is not None
        position = int(told.group(1)) if told.group(1) else None
        if position is None:
            assert member.id in going, (member.name, answered[member.id])
        else:
            assert waitlist.index(member.id) + 1 == position, (member.name, answered[member.id])
    assert not fake.unknown_routes and not fake.errors, (fake.unknown_routes, fake.errors)
    for code, output in outputs[2:]:  # the two killed runs end with -9; the others stop cleanly
        assert code == 0, output[-3000:]
        assert "Traceback" not in output and fake.token not in output
