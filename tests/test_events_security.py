"""Security of the events feature: permission re-checked at submit, forged ids, markdown, CSV formulas."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.client import OrganiserOnly
from bot.clock import FakeClock
from tests.helpers import make_interaction, make_member, sent_kwargs
from tests.test_events_cog import G1, World, create_via_form, organiser, start_bot, stop_bot


@pytest.fixture
async def world(tmp_path: Path, clock: FakeClock) -> AsyncIterator[World]:
    db, w = await start_bot(tmp_path / "bot.sqlite3", clock)
    try:
        yield w
    finally:
        await stop_bot(db, w)



async def _open_form(world: World, user, **kwargs):
    inter = make_interaction(world.bot, user=user)
    if "event" in kwargs:
        await world.cog.edit.callback(world.cog, inter, event=kwargs["event"], capacity=None)
    else:
        await world.cog.create.callback(world.cog, inter, capacity=None, channel=None)
    form = inter.response.send_modal.await_args.args[0]
    form.name._value, form.start._value = "Pub quiz", "2026-12-05 19:00"
    return form


async def test_organiser_whose_role_was_removed_cannot_submit(world: World) -> None:
    await world.bot.services.db.settings.set_organiser_role(G1, 4242)
    form = await _open_form(world, make_member(56, role_ids=(4242,)))
    # The role is removed while the form is open: the same member submits without it.
    submit = make_interaction(world.bot, user=make_member(56, role_ids=()))
    with pytest.raises(OrganiserOnly, match="only organisers"):
        await form.on_submit(submit)
    assert await world.bot.services.events.upcoming(G1) == []
    world.posted.send.assert_not_awaited()


async def test_member_replaying_an_organisers_edit_form_is_refused(world: World) -> None:
    event_id = await create_via_form(world, capacity=5)
    await world.bot.services.events.rsvp(G1, event_id, 101, "going")
    form = await _open_form(world, organiser(), event=event_id)
    form.location._value = "Somewhere else"
    replay = make_interaction(world.bot, user=make_member(55))  # no permission, no role
    with pytest.raises(OrganiserOnly):
        await form.on_submit(replay)
    await world.cog.drain()
    assert (await world.bot.services.events.summary(G1, event_id)).event.location == "Tipsy Tanuki"
    assert world.dms(101) == []


async def test_form_submitted_from_another_server_is_refused(world: World) -> None:
    form = await _open_form(world, organiser())
    other = make_interaction(world.bot, user=organiser(2), guild_id=2)
    with pytest.raises(Exception, match="another server"):
        await form.on_submit(other)
    assert await world.bot.services.events.upcoming(2) == []


async def test_organiser_still_organiser_can_submit(world: World) -> None:
    await create_via_form(world, name="Pub quiz")  # submitted by an organiser who still is one
    assert [s.event.title for s in await world.bot.services.events.upcoming(G1)] == ["Pub quiz"]


_MASKED = re.compile(r"(?<!\\)\[[^\]]*?(?<!\\)\]\((?!https://discord\.com/)")


async def test_titles_cannot_become_masked_links(world: World, tmp_path: Path, clock: FakeClock) -> None:
    evil = "Free beer](https://evil.example/phish) [Details"
    await create_via_form(world, name=evil)
    inter = make_interaction(world.bot, user=make_member(55))
    await world.cog.events.callback(world.cog, inter)
    description = inter.response.send_message.await_args.kwargs["embed"].description
    assert "https://evil.example/phish" in description  # shown as text ...
    assert not _MASKED.search(description)  # ... never as the target of a link
    # The only link is the post's, and its text is the whole title.
    links = re.findall(r"(?<!\\)\]\((https?://[^)]*)\)", description)
    assert links == [f"https://discord.com/channels/{G1}/500/7000"]


async def test_attendees_csv_defuses_formulas_like_the_newsletter_csv(world: World) -> None:
    import csv
    import io

    import bot.newsletter
    from bot import csvfile
    from bot.events import attendees_csv

    assert bot.newsletter.csv_safe is csvfile.csv_safe  # one guard for every CSV
    event_id = await create_via_form(world, capacity=5)
    for uid in (101, 102, 103):
        await world.bot.services.events.rsvp(G1, event_id, uid, "going")
    attendees = await world.bot.services.events.attendees(G1, event_id)
    names = {101: '=HYPERLINK("https://evil.example","click")', 102: "@SUM(A1:A9)", 103: "Ana-Maria"}
    rows = list(csv.reader(io.StringIO(attendees_csv(attendees, names).decode("utf-8-sig"))))
    assert rows[0][:5] == ["status", "position", "user_id", "display_name", "responded_at"]
    assert [r[3] for r in rows[1:]] == ["'" + names[101], "'" + names[102], "Ana-Maria"]


async def test_forged_id_in_a_rush_fails_alone(world: World) -> None:
    import asyncio

    from bot.errors import NotFound

    service = world.bot.services.events
    event_id = await create_via_form(world, capacity=20)
    forged = 10**25 - 1  # what a forged jetbot:rsvp:<25 digits>:going button carries
    results = await asyncio.gather(
        *(service.rsvp(G1, event_id, 200 + i, "going") for i in range(5)),
        service.rsvp(G1, forged, 300, "going"),
        *(service.rsvp(G1, event_id, 205 + i, "going") for i in range(5)),
        return_exceptions=True,
    )
    assert isinstance(results[5], NotFound)
    assert all(not isinstance(r, BaseException) and r.status == "going" for i, r in enumerate(results) if i != 5)
    assert (await service.summary(G1, event_id)).going == 10
    click_inter = make_interaction(world.bot, user=make_member(301))
    from cogs._event_views import RsvpButton

    match = RsvpButton.__discord_ui_compiled_template__.fullmatch(f"jetbot:rsvp:{'9' * 25}:going")
    import discord

    item = await RsvpButton.from_custom_id(click_inter, discord.ui.Button(custom_id="x"), match)
    await item.callback(click_inter)
    assert "no longer exists" in sent_kwargs(click_inter)["content"]


async def test_a_request_failing_inside_the_batch_fails_alone(world: World, monkeypatch) -> None:
    """A failure in SQL for one request (here: reading one event's RSVPs) rolls back only that request."""
    import asyncio

    service = world.bot.services.events
    good = await create_via_form(world, capacity=20)
    bad = (await service.create_event(G1, created_by=9, channel_id=500, title="Other", start="2026-12-06 18:00",
                                      end="2h")).event.id
    real = world.bot.services.db.events.rsvps_in

    async def broken(conn, guild_id, event_id):
        if event_id == bad:
            await conn.execute("INSERT INTO event_rsvps (event_id, guild_id, user_id, status, seq, created_at, "
                               "updated_at) VALUES (?, ?, 1, 'going', 1, 'x', 'x')", (bad, G1))
            raise RuntimeError("disk trouble")
        return await real(conn, guild_id, event_id)

    monkeypatch.setattr(world.bot.services.db.events, "rsvps_in", broken)
    results = await asyncio.gather(
        service.rsvp(G1, good, 401, "going"), service.rsvp(G1, bad, 402, "going"),
        service.rsvp(G1, good, 403, "maybe"), return_exceptions=True,
    )
    assert isinstance(results[1], RuntimeError)
    assert [r.status for r in (results[0], results[2])] == ["going", "maybe"]
    monkeypatch.undo()
    assert (await service.summary(G1, good)).going == 1
    assert (await service.attendees(G1, bad)).going == ()  # the half-done write was rolled back
