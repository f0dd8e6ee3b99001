"""/event and the RSVP buttons with the real services and spec'd interaction mocks (tests/helpers.py).

The knowledge base is a MagicMock here: these tests never ask it anything.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from unittest.mock import AsyncMock, MagicMock

import discord
import pytest

import cogs.events as events_cog_module
from bot.client import JetBot, OrganiserOnly
from bot.clock import FakeClock
from bot.config import Settings
from bot.services import build_services
from bot.storage import Database
from cogs._event_views import EventForm, IcsButton, RsvpButton
from cogs.events import EventsCog
from tests.helpers import make_interaction, make_member, sent_kwargs

G1, G2 = 1, 2
CHANNEL = 500
ORGANISER_PERMS = discord.Permissions(manage_events=True)


class World:
    """A bot without a connection, whose outgoing messages and DMs are recorded."""

    def __init__(self, bot: JetBot, cog: EventsCog) -> None:
        self.bot, self.cog = bot, cog
        self.users: dict[int, MagicMock] = {}
        self.last_submit: MagicMock | None = None
        self.posted = MagicMock(spec=discord.PartialMessageable)
        self.posted.id = CHANNEL
        message = MagicMock(spec=discord.Message)
        message.id = 7000
        message.channel = self.posted
        self.posted.send = AsyncMock(return_value=message)
        self.partial_message = MagicMock(spec=discord.PartialMessage)
        self.partial_message.edit = AsyncMock()
        self.posted.get_partial_message = MagicMock(return_value=self.partial_message)
        bot.get_partial_messageable = MagicMock(return_value=self.posted)  # type: ignore[method-assign]
        bot.create_dm = AsyncMock(side_effect=lambda target: self.user(target.id))  # type: ignore[method-assign]

    def user(self, user_id: int) -> MagicMock:
        if user_id not in self.users:
            self.users[user_id] = make_member(user_id)
        return self.users[user_id]

    def dms(self, user_id: int) -> list[str]:
        return [c.args[0] for c in self.user(user_id).send.await_args_list]


async def start_bot(path: Path, clock: FakeClock) -> tuple[Database, World]:
    db = await Database(path).open()
    services = build_services(Settings(), db, MagicMock(), clock=clock)
    bot = JetBot(services, sync_commands=False, cogs=[])
    await bot._async_setup_hook()  # what login does first: binds the loop, so bot.dispatch works
    await events_cog_module.setup(bot)
    cog = bot.get_cog("EventsCog")
    assert isinstance(cog, EventsCog)
    return db, World(bot, cog)


async def stop_bot(db: Database, world: World) -> None:
    await world.cog.drain()
    await world.bot.remove_cog("EventsCog")
    await db.close()


@pytest.fixture
async def world(tmp_path: Path, clock: FakeClock) -> AsyncIterator[World]:
    db, w = await start_bot(tmp_path / "bot.sqlite3", clock)
    try:
        yield w
    finally:
        await stop_bot(db, w)


def organiser(guild_id: int = G1) -> MagicMock:
    return make_member(9, guild_id=guild_id, permissions=ORGANISER_PERMS)


def bot_member(*, manage_events: bool) -> MagicMock:
    return make_member(1, permissions=discord.Permissions(manage_events=manage_events))


async def create_via_form(world: World, *, capacity: int | None = 2, schedule: bool = False,
                          **values: str) -> int:
    """What an organiser does: /event create, then fill in the form."""
    inter = make_interaction(world.bot, user=organiser())
    await world.cog.create.callback(world.cog, inter, capacity=capacity, channel=None)
    form = inter.response.send_modal.await_args.args[0]
    assert isinstance(form, EventForm)
    typed = {"name": "Networking Night", "start": "2026-12-05 18:30", "end": "2h", "location": "Tipsy Tanuki",
             "details": "Bring cards"} | values
    for field, value in typed.items():
        getattr(form, field)._value = value
    submit = make_interaction(world.bot, user=organiser())
    submit.guild.me = bot_member(manage_events=schedule)
    submit.guild.create_scheduled_event = AsyncMock(return_value=MagicMock(spec=discord.ScheduledEvent, id=8888))
    world.last_submit = submit
    await form.on_submit(submit)
    [event] = await world.bot.services.events.upcoming(G1)
    return event.event.id


async def click(world: World, custom_id: str, user_id: int, guild_id: int = G1) -> MagicMock:
    """A click on an old or new message: the item is rebuilt from its custom_id, as discord.py does."""
    for cls in (RsvpButton, IcsButton):
        match = cls.__discord_ui_compiled_template__.fullmatch(custom_id)
        if match:
            inter = make_interaction(world.bot, user=make_member(user_id, guild_id=guild_id), guild_id=guild_id)
            button = discord.ui.Button(custom_id=custom_id)
            item = await cls.from_custom_id(inter, button, match)
            await item.callback(inter)
            return inter
    raise AssertionError(f"no item matches {custom_id}")


def text_of(inter: MagicMock) -> str:
    """The private note the member got (the follow-up when the first response edited the post)."""
    if inter.followup.send.await_args is not None:
        args, kwargs = inter.followup.send.await_args
        assert kwargs["ephemeral"] is True
        return args[0] if args else kwargs["content"]
    kwargs = sent_kwargs(inter)
    assert kwargs["ephemeral"] is True
    return kwargs["content"]


# -- permissions ----------------------------------------------------------------------------------
async def test_member_without_permission_is_told_why(world: World) -> None:
    inter = make_interaction(world.bot, user=make_member(55))
    with pytest.raises(OrganiserOnly, match=r"only organisers.*Manage Events"):
        for check in world.cog.create.checks:
            await check(inter)
    inter.response.send_modal.assert_not_awaited()


async def test_organiser_role_may_create(world: World) -> None:
    await world.bot.services.db.settings.set_organiser_role(G1, 4242)
    inter = make_interaction(world.bot, user=make_member(56, role_ids=(4242,)))
    assert all([await check(inter) for check in world.cog.create.checks])


# -- create, post, RSVP -----------------------------------------------------------------------------
async def test_done_when_flow(world: World, tmp_path: Path, clock: FakeClock) -> None:
    event_id = await create_via_form(world, capacity=2)
    posted = world.posted.send.await_args.kwargs
    assert posted["allowed_mentions"] is not None
    embed: discord.Embed = posted["embed"]
    assert embed.title == "Networking Night"
    assert "<t:1796495400:F>" in embed.fields[0].value and "<t:1796495400:R>" in embed.fields[0].value
    ids = [c.custom_id for c in posted["view"].children]
    assert ids == [f"jetbot:rsvp:{event_id}:going", f"jetbot:rsvp:{event_id}:maybe", f"jetbot:rsvp:{event_id}:no",
                   f"jetbot:ics:{event_id}"]
    event = (await world.bot.services.events.summary(G1, event_id)).event
    assert (event.channel_id, event.message_id) == (CHANNEL, 7000)

    first, _, third = [await click(world, f"jetbot:rsvp:{event_id}:going", uid) for uid in (101, 102, 103)]
    assert "You're going" in text_of(first)
    assert "waitlist at position **1**" in text_of(third)
    counts = third.response.edit_message.await_args.kwargs["embed"]
    assert [f.value for f in counts.fields[2:]] == ["2 / 2 — full", "0", "1"]

    leave = await click(world, f"jetbot:rsvp:{event_id}:no", 101)
    assert "can't make" in text_of(leave)
    await world.cog.drain()
    assert len(world.dms(103)) == 1 and "you're going" in world.dms(103)[0]
    assert world.dms(102) == []


async def test_buttons_work_after_restart(tmp_path: Path, clock: FakeClock) -> None:
    db, first = await start_bot(tmp_path / "persist.sqlite3", clock)
    event_id = await create_via_form(first, capacity=1)
    await click(first, f"jetbot:rsvp:{event_id}:going", 101)
    await stop_bot(db, first)

    db2, second = await start_bot(tmp_path / "persist.sqlite3", clock)  # a new bot and Database, same file
    try:
        assert RsvpButton in second.bot._connection._view_store._dynamic_items.values()
        inter = await click(second, f"jetbot:rsvp:{event_id}:going", 102)
        assert "waitlist at position **1**" in text_of(inter)
        leave = await click(second, f"jetbot:rsvp:{event_id}:maybe", 101)
        assert "maybe" in text_of(leave)
        await second.cog.drain()
        assert len(second.dms(102)) == 1
    finally:
        await stop_bot(db2, second)


async def test_click_on_other_servers_event_changes_nothing(world: World) -> None:
    event_id = await create_via_form(world)
    inter = await click(world, f"jetbot:rsvp:{event_id}:going", 101, guild_id=G2)
    assert "can't find that event" in text_of(inter) or "no longer exists" in text_of(inter)
    inter.response.edit_message.assert_not_awaited()
    assert (await world.bot.services.events.summary(G1, event_id)).going == 0


async def test_click_on_cancelled_or_deleted_event(world: World) -> None:
    event_id = await create_via_form(world)
    await world.bot.services.events.cancel_event(G1, event_id)
    inter = await click(world, f"jetbot:rsvp:{event_id}:going", 101)
    assert "was cancelled" in text_of(inter)
    gone = await click(world, "jetbot:rsvp:999:going", 101)
    assert "no longer exists" in text_of(gone)


async def test_form_error_gives_typed_text_back(world: World) -> None:
    inter = make_interaction(world.bot, user=organiser())
    await world.cog.create.callback(world.cog, inter, capacity=None, channel=None)
    form = inter.response.send_modal.await_args.args[0]
    form.name._value, form.start._value = "Pub quiz", "05/12/2026 19:00"
    submit = make_interaction(world.bot, user=organiser())
    with pytest.raises(Exception) as caught:
        await form.on_submit(submit)
    await form.on_error(submit, caught.value)
    reply = sent_kwargs(submit)
    assert reply["ephemeral"] is True and "two ways" in reply["content"] and "Pub quiz" in reply["content"]
    world.posted.send.assert_not_awaited()


async def test_unpostable_channel_creates_nothing(world: World) -> None:
    world.posted.send.side_effect = discord.Forbidden(MagicMock(status=403, reason="Forbidden"), "no")
    inter = make_interaction(world.bot, user=organiser())
    await world.cog.create.callback(world.cog, inter, capacity=None, channel=None)
    form = inter.response.send_modal.await_args.args[0]
    form.name._value, form.start._value = "Pub quiz", "2026-12-05 19:00"
    submit = make_interaction(world.bot, user=organiser())
    with pytest.raises(Exception, match="couldn't post"):
        await form.on_submit(submit)
    assert await world.bot.services.events.upcoming(G1) == []


# -- edit, cancel, attendees, calendar ----------------------------------------------------------------
async def test_edit_dms_everyone_even_if_one_has_dms_closed(world: World) -> None:
    event_id = await create_via_form(world, capacity=5)
    for uid, choice in ((101, "going"), (102, "maybe"), (103, "going"), (104, "no")):
        await click(world, f"jetbot:rsvp:{event_id}:{choice}", uid)
    world.user(101).send.side_effect = discord.Forbidden(MagicMock(status=403, reason="Forbidden"), "closed")
    inter = make_interaction(world.bot, user=organiser())
    await world.cog.edit.callback(world.cog, inter, event=event_id, capacity=None)
    form = inter.response.send_modal.await_args.args[0]
    assert form.start.default == "2026-12-05 18:30"
    form.location._value = "Izakaya Hoshi"
    submit = make_interaction(world.bot, user=organiser())
    await form.on_submit(submit)
    await world.cog.drain()
    assert any("Izakaya Hoshi" in dm for dm in world.dms(102))
    assert any("Izakaya Hoshi" in dm for dm in world.dms(103))
    assert world.dms(104) == []
    edited = world.partial_message.edit.await_args.kwargs["embed"]
    assert edited.fields[1].value == "Izakaya Hoshi"


async def test_cancel_updates_post_and_tells_members(world: World) -> None:
    event_id = await create_via_form(world)
    await click(world, f"jetbot:rsvp:{event_id}:going", 101)
    inter = make_interaction(world.bot, user=organiser())
    await world.cog.cancel.callback(world.cog, inter, event=event_id)
    await world.cog.drain()
    assert "cancelled" in world.dms(101)[0]
    edit = world.partial_message.edit.await_args.kwargs
    assert edit["embed"].title.startswith("Cancelled")
    assert [c.custom_id for c in edit["view"].children] == [f"jetbot:ics:{event_id}"]
    assert "Cancelled **Networking Night**" in sent_kwargs(inter)["content"]


async def test_attendees_in_order_with_csv(world: World) -> None:
    event_id = await create_via_form(world, capacity=1)
    for uid in (101, 102, 103):
        await click(world, f"jetbot:rsvp:{event_id}:going", uid)
    inter = make_interaction(world.bot, user=organiser())
    inter.guild.get_member = MagicMock(return_value=None)
    await world.cog.attendees.callback(world.cog, inter, event=event_id)
    reply = sent_kwargs(inter)
    assert reply["ephemeral"] is True
    assert "**Going (1)**: 1. <@101>" in reply["content"]
    assert "**Waitlist (2)**: 1. <@102> 2. <@103>" in reply["content"]
    rows = list(csv.reader(io.StringIO(reply["file"].fp.read().decode("utf-8-sig"))))
    assert [r[:3] for r in rows[1:]] == [["going", "1", "101"], ["waitlist", "1", "102"], ["waitlist", "2", "103"]]


async def test_attendees_show_answers_when_they_fit_and_point_to_the_file_when_not(world: World) -> None:
    service = world.bot.services.events
    event_id = (await service.create_event(G1, created_by=1, channel_id=CHANNEL, title="Dinner",
                                           start="2026-12-05 19:00", end="2h", capacity=100,
                                           questions=["Dietary requirements?"])).event.id
    await service.rsvp(G1, event_id, 101, "going", answers=["vegan *no* nuts"])
    inter = make_interaction(world.bot, user=organiser())
    inter.guild.get_member = MagicMock(return_value=None)
    await world.cog.attendees.callback(world.cog, inter, event=event_id)
    content = sent_kwargs(inter)["content"]
    assert "**Going (1)** — Dietary requirements?\n1. <@101>: vegan \\*no\\* nuts" in content  # markdown escaped
    for uid in range(200, 290):
        await service.rsvp(G1, event_id, uid, "going", answers=["a long answer about allergies " * 6])
    inter = make_interaction(world.bot, user=organiser())
    inter.guild.get_member = MagicMock(return_value=None)
    await world.cog.attendees.callback(world.cog, inter, event=event_id)
    content = sent_kwargs(inter)["content"]
    assert len(content) <= 2000 and "Sign-up answers: in the attached file." in content
    assert "allergies" not in content and "**Going (91)**" in content


async def test_ics_button_gives_calendar_file(world: World) -> None:
    event_id = await create_via_form(world)
    inter = await click(world, f"jetbot:ics:{event_id}", 101)
    reply = sent_kwargs(inter)
    assert reply["file"].filename == "networking-night.ics"
    assert b"BEGIN:VCALENDAR" in reply["file"].fp.read()


async def test_events_lists_upcoming_with_links(world: World) -> None:
    event_id = await create_via_form(world)
    inter = make_interaction(world.bot, user=make_member(55))
    await world.cog.events.callback(world.cog, inter)
    embed = sent_kwargs(inter)["embed"]
    assert f"https://discord.com/channels/{G1}/{CHANNEL}/7000" in embed.description
    assert event_id == 1


async def test_autocomplete_only_this_server(world: World) -> None:
    await create_via_form(world)
    mine = make_interaction(world.bot, user=organiser())
    other = make_interaction(world.bot, user=organiser(G2), guild_id=G2)
    assert [c.value for c in await world.cog._upcoming_autocomplete(mine, "netw")] == [1]
    assert await world.cog._upcoming_autocomplete(other, "netw") == []


# -- reminders ------------------------------------------------------------------------------------
async def test_reminders_go_to_going_members_once(world: World, clock: FakeClock) -> None:
    event_id = await create_via_form(world, capacity=1)
    for uid, choice in ((101, "going"), (102, "going"), (103, "maybe")):
        await click(world, f"jetbot:rsvp:{event_id}:{choice}", uid)
    world.user(104)  # never RSVP'd
    clock.now = datetime(2026, 12, 4, 19, 0, tzinfo=UTC)
    assert await world.cog.send_due_reminders() == 1
    assert await world.cog.send_due_reminders() == 0
    assert len(world.dms(101)) == 1 and "Reminder" in world.dms(101)[0]
    assert world.dms(102) == world.dms(103) == world.dms(104) == []


# -- Discord scheduled events ---------------------------------------------------------------------
async def test_scheduled_event_mirrors_the_event_when_allowed(world: World) -> None:
    event_id = await create_via_form(world, schedule=True, location="x" * 100)
    submit = world.last_submit
    kwargs = submit.guild.create_scheduled_event.await_args.kwargs
    assert kwargs["entity_type"] == discord.EntityType.external
    assert kwargs["name"] == "Networking Night" and len(kwargs["location"]) == 100
    assert kwargs["start_time"] == datetime(2026, 12, 5, 18, 30, tzinfo=UTC)
    assert len(kwargs["description"]) <= 1000
    assert (await world.bot.services.events.summary(G1, event_id)).event.scheduled_event_id == 8888
    assert "Events tab" in sent_kwargs(submit)["content"]

    scheduled = MagicMock(spec=discord.ScheduledEvent)
    scheduled.cancel = AsyncMock()
    inter = make_interaction(world.bot, user=organiser())
    inter.guild.me = bot_member(manage_events=True)
    inter.guild.get_scheduled_event = MagicMock(return_value=scheduled)
    await world.cog.cancel.callback(world.cog, inter, event=event_id)
    inter.guild.get_scheduled_event.assert_called_with(8888)
    scheduled.cancel.assert_awaited_once()


async def test_no_scheduled_event_without_permission(world: World) -> None:
    await create_via_form(world, schedule=False)
    world.last_submit.guild.create_scheduled_event.assert_not_awaited()
    assert "Manage Events permission" in sent_kwargs(world.last_submit)["content"]
