"""The rest of the events feature end to end: /events, /event edit|cancel|attendees|ics, the event
autocomplete, refusals, and RSVP clicks that must change nothing. Over real sockets, against the fake.

Every injected interaction is checked with ``in_time``: the fake refuses (10062) a callback that comes
after Discord's 3-second deadline, so an acknowledged, unrefused interaction was answered in time.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import icalendar
import pytest

from bot.errors import NotFound
from tests.fakediscord.limits import AUTOCOMPLETE_CHOICES, modal_inputs
from tests.fakediscord.results import DEFERRED_MESSAGE, EPHEMERAL, MODAL, UPDATE_MESSAGE, settle

FIELD = "jetbot:event-form:{}".format
START = datetime(2026, 12, 5, 18, 30, tzinfo=UTC)  # "2026-12-05 18:30" in the default time zone (UTC)


def in_time(result):
    """The bot acknowledged within the deadline (the fake refuses late callbacks with 10062)."""
    assert result.acknowledged, "the bot never acknowledged the interaction"
    assert 10062 not in result.refused and 40060 not in result.refused, result
    return result


async def create_event(discord, world, title: str = "Networking Night", *, start: str = "2026-12-05 18:30",
                       capacity: int | None = None, location: str = "Tipsy Tanuki",
                       description: str = "Bring business cards") -> tuple[int, dict]:
    """/event create as the organiser in #events; returns (event id, the posted message)."""
    options = {} if capacity is None else {"capacity": capacity}
    opened = in_time(await discord.slash("event create", user=world.organiser, channel=world.events, **options))
    created = in_time(await discord.submit_modal(opened.modal["custom_id"], {
        FIELD("title"): title, FIELD("start"): start, FIELD("end"): "2h", FIELD("location"): location,
        FIELD("description"): description,
    }, user=world.organiser))
    assert f"Created **{title}**" in created.text
    post = [m for m in discord.channel_messages(world.events) if m.get("embeds")][-1]
    assert post["embeds"][0]["title"] == title
    event_id = int(post["embeds"][0]["footer"]["text"].rsplit("#", 1)[1])
    return event_id, post


async def rsvp(discord, post: dict, event_id: int, choice: str, user):
    return in_time(await discord.click(post, f"jetbot:rsvp:{event_id}:{choice}", user=user))


def post_now(discord, post: dict) -> dict:
    return discord.messages[int(post["id"])]


def crafted_click(discord, message: dict, custom_id: str, user, channel):
    """A click the fake's ``click`` would not allow: a stale client still showing buttons the message no
    longer has, or a message forged in another server. Built like ``FakeDiscord.click`` builds one."""
    record = discord._base_interaction(3, {"custom_id": custom_id, "component_type": 2}, user, channel)
    record.payload["message"] = {**{k: v for k, v in message.items() if k not in ("edits", "deleted",
                                                                                    "allowed_mentions")},
                                 "channel_id": str(channel.id)}
    return discord._inject(record, 5.0)


def refused_dm_errors(discord, world) -> list:
    """The only requests the fake may refuse in these tests: DMs to the member whose DMs are closed."""
    closed_channel = discord.dm_channels.get(world.closed_dms.id)
    other = [r for r in discord.errors
             if not (closed_channel is not None and r.path == f"/channels/{closed_channel.id}/messages"
                     and r.status == 403 and r.error_code == 50007)]
    assert not other, [f"{r.method} {r.path} -> {r.status} {r.response}" for r in other]
    return [r for r in discord.errors if r not in other]


# -- /events ------------------------------------------------------------------------------------------
async def test_events_lists_upcoming_events_with_links_and_an_empty_server_says_so(discord, world):
    empty = in_time(await discord.slash("events", user=world.member))
    assert empty.response.ephemeral
    assert "No upcoming events yet" in empty.text and "/event create" in empty.text

    second_id, second = await create_event(discord, world, "Japanese lesson", start="2026-12-10 19:00", capacity=8)
    _, first = await create_event(discord, world, "Networking Night", start="2026-12-05 18:30")
    await rsvp(discord, second, second_id, "going", world.member)

    listed = in_time(await discord.slash("events", user=world.helper))
    assert listed.response.ephemeral
    [embed] = listed.response.embeds
    assert embed["title"] == "Upcoming events"
    text = embed["description"]
    g, c = world.guild.id, world.events.id
    night = f"[Networking Night](https://discord.com/channels/{g}/{c}/{first['id']})"
    lesson = f"[Japanese lesson](https://discord.com/channels/{g}/{c}/{second['id']})"
    assert night in text and lesson in text
    assert text.index(night) < text.index(lesson), "soonest first"
    assert f"<t:{int(START.timestamp())}:F>" in text
    assert "1/8 going" in text and "0 going" in text and "Tipsy Tanuki" in text

    other = in_time(await discord.slash("events", user=world.other_member))
    assert "No upcoming events yet" in other.text, "another chapter does not see this chapter's events"
    assert "Networking Night" not in other.text


# -- /event edit ----------------------------------------------------------------------------------------
@pytest.mark.fake_errors_expected
async def test_edit_prefills_the_form_updates_the_post_dms_rsvps_and_the_scheduled_event(discord, world, jetbot):
    await discord.give_bot_role(world.guild, world.organiser_role)  # the bot may now manage scheduled events
    event_id, post = await create_event(discord, world, capacity=1)
    [scheduled] = discord.scheduled_events
    assert scheduled["name"] == "Networking Night" and scheduled["entity_metadata"]["location"] == "Tipsy Tanuki"

    await rsvp(discord, post, event_id, "going", world.member)
    await rsvp(discord, post, event_id, "going", world.helper)  # full: waitlisted
    await rsvp(discord, post, event_id, "maybe", world.closed_dms)
    await rsvp(discord, post, event_id, "no", world.organiser)  # said no: not told about the change

    typed = in_time(await discord.autocomplete("event edit", "event", "netwrk", user=world.organiser))
    assert [c["value"] for c in typed.choices] == [event_id]
    assert typed.choices[0]["name"].startswith("Networking Night — 2026-12-05 18:30")

    opened = in_time(await discord.slash("event edit", event=event_id, user=world.organiser))
    assert opened.response.type == MODAL
    prefilled = {c["custom_id"]: c.get("value") for c in modal_inputs(opened.modal)}
    assert prefilled == {FIELD("title"): "Networking Night", FIELD("start"): "2026-12-05 18:30",
                         FIELD("end"): "2026-12-05 20:30", FIELD("location"): "Tipsy Tanuki",
                         FIELD("description"): "Bring business cards"}

    saved = in_time(await discord.submit_modal(opened.modal["custom_id"], {
        **prefilled, FIELD("start"): "2026-12-06 19:00", FIELD("end"): "2h", FIELD("location"): "Sakura Bar",
    }, user=world.organiser))
    assert saved.ephemeral
    assert "Saved:" in saved.text and "Sakura Bar" in saved.text
    assert "Telling 3 member(s)" in saved.text  # going, waitlisted, maybe; not the one who said no

    new_start = int(datetime(2026, 12, 6, 19, 0, tzinfo=UTC).timestamp())
    fields = {f["name"]: f["value"] for f in post_now(discord, post)["embeds"][0]["fields"]}
    assert fields["Where"] == "Sakura Bar" and f"<t:{new_start}:F>" in fields["When"]
    assert fields["Going"] == "1 / 1 — full" and fields["Waitlist"] == "1" and fields["Maybe"] == "1"

    for member in (world.member, world.helper):
        await discord.wait_until(lambda m=member: discord.dms_to(m) or None, 5.0, f"the DM to {member.name}")
    await jetbot.bot.get_cog("EventsCog").drain()  # every DM attempt has been made
    for member in (world.member, world.helper):
        [dm] = discord.dms_to(member)
        assert "**Networking Night** has changed" in dm["content"] and "Sakura Bar" in dm["content"]
        assert f"<t:{new_start}:F>" in dm["content"]
        assert f"/channels/{world.guild.id}/{world.events.id}/{post['id']}" in dm["content"]
    assert discord.dms_to(world.closed_dms) == [] and discord.dms_to(world.organiser) == []
    assert len(refused_dm_errors(discord, world)) == 1, "the closed DMs were tried once and did not stop the rest"

    [scheduled] = discord.scheduled_events
    assert scheduled["entity_metadata"]["location"] == "Sakura Bar"
    assert datetime.fromisoformat(scheduled["scheduled_start_time"]) == datetime(2026, 12, 6, 19, 0, tzinfo=UTC)
    assert discord.requests_to("PATCH", rf"/guilds/{world.guild.id}/scheduled-events/{scheduled['id']}$")


async def test_edit_that_changes_nothing_says_so_and_tells_nobody(discord, world, jetbot):
    event_id, post = await create_event(discord, world)
    await rsvp(discord, post, event_id, "going", world.member)
    opened = in_time(await discord.slash("event edit", event=event_id, user=world.organiser))
    prefilled = {c["custom_id"]: c.get("value") or "" for c in modal_inputs(opened.modal)}
    same = in_time(await discord.submit_modal(opened.modal["custom_id"], prefilled, user=world.organiser))
    assert same.response.ephemeral and "Nothing changed" in same.text
    await jetbot.bot.get_cog("EventsCog").drain()
    assert discord.dms_to(world.member) == []


# -- /event cancel ------------------------------------------------------------------------------------
@pytest.mark.fake_errors_expected
async def test_cancel_updates_the_post_dms_rsvps_cancels_the_scheduled_event_and_closes_rsvps(
        discord, world, jetbot):
    await discord.give_bot_role(world.guild, world.organiser_role)
    event_id, post = await create_event(discord, world, capacity=1)
    await rsvp(discord, post, event_id, "going", world.member)
    await rsvp(discord, post, event_id, "going", world.helper)  # waitlisted
    await rsvp(discord, post, event_id, "going", world.closed_dms)  # waitlisted, DMs closed
    before_cancel = dict(post_now(discord, post))  # what a member's client may still show

    choices = in_time(await discord.autocomplete("event cancel", "event", "", user=world.organiser)).choices
    assert [c["value"] for c in choices] == [event_id]

    cancelled = in_time(await discord.slash("event cancel", event=event_id, user=world.organiser))
    assert cancelled.response.type == DEFERRED_MESSAGE and cancelled.response.ephemeral
    assert "Cancelled **Networking Night**" in cancelled.text and "Telling 3 member(s)" in cancelled.text

    shown = post_now(discord, post)
    assert shown["embeds"][0]["title"] == "Cancelled: Networking Night"
    assert "This event was cancelled." in shown["embeds"][0]["footer"]["text"]
    ids = [c["custom_id"] for row in shown["components"] for c in row["components"]]
    assert ids == [f"jetbot:ics:{event_id}"], "no RSVP buttons on a cancelled event"
    [scheduled] = discord.scheduled_events
    assert scheduled["status"] == 4  # CANCELED

    for member in (world.member, world.helper):
        await discord.wait_until(lambda m=member: discord.dms_to(m) or None, 5.0, f"the DM to {member.name}")
        assert "**Networking Night**" in discord.dms_to(member)[0]["content"]
        assert "has been cancelled" in discord.dms_to(member)[0]["content"]
    await jetbot.bot.get_cog("EventsCog").drain()
    assert len(refused_dm_errors(discord, world)) == 1

    # A stale client still shows the RSVP buttons: the click is answered clearly and changes nothing.
    edits_before = len(shown.get("edits", []))
    late = in_time(await crafted_click(discord, before_cancel, f"jetbot:rsvp:{event_id}:going", world.organiser,
                                       world.events))
    assert late.response.type != UPDATE_MESSAGE and late.ephemeral
    assert "was cancelled, so RSVPs are closed" in late.text
    leave = in_time(await crafted_click(discord, before_cancel, f"jetbot:rsvp:{event_id}:no", world.member,
                                        world.events))
    assert "was cancelled, so RSVPs are closed" in leave.text
    await settle(discord)
    assert len(post_now(discord, post).get("edits", [])) == edits_before, "the post was not touched"
    attendees = await jetbot.services.events.attendees(world.guild.id, event_id)
    assert [r.user_id for r in attendees.going] == [world.member.id]
    assert [r.user_id for r in attendees.waitlist] == [world.helper.id, world.closed_dms.id]
    assert attendees.no == ()

    # Cancelled events are gone from /event cancel's and /event edit's choices, but /event ics still has it.
    assert in_time(await discord.autocomplete("event edit", "event", "", user=world.organiser)).choices == []
    any_choices = in_time(await discord.autocomplete("event ics", "event", "", user=world.member)).choices
    assert [c["value"] for c in any_choices] == [event_id] and "(cancelled)" in any_choices[0]["name"]
    again = in_time(await discord.slash("event cancel", event=event_id, user=world.organiser))
    assert "already cancelled" in again.text
    edit = in_time(await discord.slash("event edit", event=event_id, user=world.organiser))
    assert edit.modal is None and edit.response.ephemeral and "was cancelled" in edit.text


# -- /event attendees ---------------------------------------------------------------------------------
async def test_attendees_are_private_in_order_with_a_csv(discord, world):
    event_id, post = await create_event(discord, world, capacity=2)
    await rsvp(discord, post, event_id, "going", world.closed_dms)
    await rsvp(discord, post, event_id, "going", world.member)
    await rsvp(discord, post, event_id, "going", world.helper)  # full: waitlist 1
    await rsvp(discord, post, event_id, "going", world.organiser)  # waitlist 2
    await rsvp(discord, post, event_id, "maybe", world.member)  # frees a place: the helper moves up

    listed = in_time(await discord.slash("event attendees", event=event_id, user=world.organiser))
    assert listed.response.type == DEFERRED_MESSAGE and listed.response.ephemeral
    text = listed.text
    assert "**Networking Night**" in text and "2 places" in text
    assert f"**Going (2)**: 1. <@{world.closed_dms.id}> 2. <@{world.helper.id}>" in text
    assert f"**Maybe (1)**: 1. <@{world.member.id}>" in text
    assert f"**Waitlist (1)**: 1. <@{world.organiser.id}>" in text
    assert "**Can't go (0)**: —" in text

    [answer] = listed.followups  # fills in the deferred ("thinking") reply
    assert int(answer["flags"]) & EPHEMERAL
    [upload] = discord.files_of(answer)
    assert upload["filename"] == f"event-{event_id}.csv"
    reader = csv.DictReader(io.StringIO(upload["content"].decode("utf-8-sig"), newline=""))
    rows = list(reader)
    assert reader.fieldnames == ["status", "position", "user_id", "display_name", "responded_at", "guests",
                                 "attendance"]
    assert [(r["status"], r["position"], r["user_id"], r["display_name"]) for r in rows] == [
        ("going", "1", str(world.closed_dms.id), "quiet-quentin"), ("going", "2", str(world.helper.id), "hana-helper"),
        ("maybe", "1", str(world.member.id), "mika-member"), ("waitlist", "1", str(world.organiser.id),
                                                            "olive-organiser"),
    ]
    assert all(datetime.fromisoformat(r["responded_at"]).tzinfo is not None for r in rows)

    del world.guild.members[world.helper.id]  # left the server: the id stands in for the name
    again = in_time(await discord.slash("event attendees", event=event_id, user=world.organiser))
    [answer] = again.followups
    rows = list(csv.DictReader(io.StringIO(discord.files_of(answer)[0]["content"].decode("utf-8-sig"))))
    assert [r["display_name"] for r in rows] == ["quiet-quentin", str(world.helper.id), "mika-member",
                                                 "olive-organiser"]


# -- /event ics -----------------------------------------------------------------------------------------
async def test_ics_command_gives_a_private_calendar_file(discord, world):
    event_id, post = await create_event(discord, world)
    choices = in_time(await discord.autocomplete("event ics", "event", "night", user=world.member)).choices
    assert [c["value"] for c in choices] == [event_id]

    result = in_time(await discord.slash("event ics", event=event_id, user=world.member))
    assert result.response.ephemeral and int(result.original["flags"]) & EPHEMERAL
    [upload] = discord.files_of(result.original)
    assert upload["filename"] == "networking-night.ics"
    calendar = icalendar.Calendar.from_ical(upload["content"])
    [vevent] = calendar.walk("VEVENT")
    assert vevent.decoded("DTSTART") == START
    assert str(vevent["SUMMARY"]) == "Networking Night"
    assert str(vevent["UID"]) == f"jetbot-event-{world.guild.id}-{event_id}@jetbot"
    assert str(vevent["LOCATION"]) == "Tipsy Tanuki"
    assert f"/channels/{world.guild.id}/{world.events.id}/{post['id']}" in str(vevent["URL"])

    elsewhere = in_time(await discord.slash("event ics", event=event_id, user=world.other_member))
    assert elsewhere.response.ephemeral and "can't find that event" in elsewhere.text
    assert not discord.files_of(elsewhere.original)


# -- autocomplete -------------------------------------------------------------------------------------
async def test_event_autocomplete_offers_at_most_25_and_only_this_servers_events(discord, world, jetbot):
    events = jetbot.services.events
    ours = set()
    for day in range(1, 29):
        summary = await events.create_event(world.guild.id, created_by=world.organiser.id, channel_id=None,
                                            title=f"Study group {day}", start=f"2026-12-{day:02d} 19:00", end="1h")
        ours.add(summary.event.id)
    theirs = await events.create_event(world.other_guild.id, created_by=world.other_organiser.id, channel_id=None,
                                       title="Osaka picnic", start="2026-12-03 12:00", end="3h")

    for command in ("event edit", "event cancel", "event attendees", "event ics"):
        result = in_time(await discord.autocomplete(command, "event", "", user=world.organiser))
        values = [c["value"] for c in result.choices]
        assert len(values) == AUTOCOMPLETE_CHOICES, command
        assert set(values) <= ours and theirs.event.id not in values, command
    assert in_time(await discord.autocomplete("event ics", "event", "osaka picnic", user=world.organiser)).choices \
        == []
    other = in_time(await discord.autocomplete("event ics", "event", "", user=world.other_member))
    assert [c["value"] for c in other.choices] == [theirs.event.id]


# -- permissions --------------------------------------------------------------------------------------
async def test_members_cannot_edit_cancel_or_list_attendees(discord, world, jetbot):
    event_id, post = await create_event(discord, world)
    await rsvp(discord, post, event_id, "going", world.helper)
    edits_before = len(post_now(discord, post).get("edits", []))

    for command in ("event edit", "event cancel", "event attendees"):
        refused = in_time(await discord.slash(command, event=event_id, user=world.member))
        assert refused.response.ephemeral, command
        assert refused.modal is None, command
        assert "only organisers" in refused.text and "Manage Events" in refused.text, command
        assert "Traceback" not in refused.text
        assert refused.original is None or not discord.files_of(refused.original), command
        assert str(world.helper.id) not in refused.text, "no attendee leaked"

    summary = await jetbot.services.events.summary(world.guild.id, event_id)
    assert not summary.event.cancelled and summary.going == 1
    await settle(discord)
    assert len(post_now(discord, post).get("edits", [])) == edits_before
    assert discord.dms_to(world.helper) == []


# -- an RSVP button from another server ---------------------------------------------------------------
async def test_rsvp_button_of_another_servers_event_changes_nothing(discord, world, jetbot):
    event_id, post = await create_event(discord, world, capacity=1)
    await rsvp(discord, post, event_id, "going", world.member)
    edits_before = len(post_now(discord, post).get("edits", []))

    # A member of another chapter clicks a (forged or copied) post carrying this chapter's event id.
    forged = in_time(await crafted_click(discord, post, f"jetbot:rsvp:{event_id}:going", world.other_member,
                                         world.other_general))
    assert forged.response.type != UPDATE_MESSAGE and forged.ephemeral
    assert "no longer exists in this server" in forged.text
    assert "Networking Night" not in forged.text, "nothing about the other chapter's event is revealed"
    ics = in_time(await crafted_click(discord, post, f"jetbot:ics:{event_id}", world.other_member,
                                      world.other_general))
    assert ics.ephemeral and "can't find that event" in ics.text and not discord.files_of(ics.original)

    await settle(discord)
    summary = await jetbot.services.events.summary(world.guild.id, event_id)
    assert (summary.going, summary.waitlist) == (1, 0)
    with pytest.raises(NotFound):
        await jetbot.services.events.attendees(world.other_guild.id, event_id)
    assert len(post_now(discord, post).get("edits", [])) == edits_before
