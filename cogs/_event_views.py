"""Rendering and components for events: the embed, the persistent RSVP buttons, the create/edit form.

Buttons are ``DynamicItem``s whose custom_id carries the event id (``jetbot:rsvp:<id>:going``), so any
number of event messages keep working after a restart without storing views. They only hand the click
to the cog; the cog calls the service.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from bot.client import NO_MENTIONS, JetModal, OrganiserOnly, guarded, is_organiser, send_ephemeral, services_of
from bot.errors import UserError
from bot.event_time import EXAMPLE, unix
from bot.events import DESCRIPTION_MAX, LOCATION_MAX, TITLE_MAX, EventSummary, RsvpResult, message_url
from bot.markdown import bold, escape, link
from bot.rsvp import ANSWER_MAX
from bot.storage.events import EventRow, OutboxRow, RsvpRow

if TYPE_CHECKING:
    from bot.services import Services
    from cogs.events import EventsCog

CHANGED_MIND = "Changed your mind? Use the buttons on the event post."
COLOUR = discord.Colour.from_rgb(188, 0, 45)  # the red of the Japanese flag
_BUTTONS = {
    "going": ("Going", discord.ButtonStyle.success, "✅"),
    "maybe": ("Maybe", discord.ButtonStyle.secondary, "🤔"),
    "no": ("Can't go", discord.ButtonStyle.danger, "❌"),
}


ORGANISER_ONLY = ("Sorry, only organisers can do that. You need the **Manage Events** permission or the server's "
                  "organiser role (an admin can set it with `/chapter organiser-role`).")


async def require_organiser(interaction: discord.Interaction) -> None:
    """Re-check, when a form or button acts, what the command's check verified when it was opened."""
    if interaction.guild is None or not await is_organiser(interaction, "manage_events"):
        raise OrganiserOnly(ORGANISER_ONLY)


def rsvp_reply(result: RsvpResult) -> str:
    """What the member who clicked is told (privately)."""
    title = escape(result.summary.event.title)
    party = f" with {result.guests} guest{'s' if result.guests != 1 else ''}" if result.guests else ""
    if result.status == "going":
        if result.party_changed:
            return f"Updated: you're going to **{title}**{party}."
        return (f"You're already going to **{title}**{party}." if not result.changed
                else f"You're going to **{title}**{party}. See you there! I'll remind you before it starts.")
    if result.status == "waitlist":
        if not result.changed:
            return f"You're already on the waitlist for **{title}**, at position **{result.position}**."
        room = "there isn't room for your party" if result.guests else "it's full"
        return (f"**{title}**: {room}, so you're on the waitlist at position **{result.position}**. "
                "If places free up you'll get them automatically and I'll send you a DM.")
    if result.status == "maybe":
        return f"You're down as a maybe for **{title}**." + ("" if result.changed else " (no change)")
    return f"Noted: you can't make **{title}**." + ("" if result.changed else " (no change)")


def outbox_text(row: OutboxRow, event: EventRow) -> str:
    """The DM for a queued notice (see ``EventService.pending_dms``)."""
    url = message_url(event)
    when = f"<t:{unix(event.start_at)}:F>"
    if row.kind == "promoted":
        text = (f"Good news: a place opened up for {bold(event.title)} ({when}) and you've moved off the waitlist: "
                f"you're going!" + (f"\n{url}" if url else "") + f"\n{CHANGED_MIND}")
    elif row.kind == "cancelled":
        text = (f"{bold(event.title)} ({when}) has been cancelled. " + (f"{row.detail}\n" if row.detail else "")
                + "Sorry! Keep an eye on `/events` for the next one.")
    else:
        text = (f"{bold(event.title)} has changed:\n{row.detail}\nNow: {when}"
                + (f" · {event.location}" if event.location else "") + (f"\n{url}" if url else ""))
    return text[:2000]


def _services(interaction: discord.Interaction[Any]) -> Services:
    return services_of(interaction)


def member_roles(interaction: discord.Interaction) -> tuple[int, ...]:
    return tuple(r.id for r in getattr(interaction.user, "roles", ()))


async def rsvp_clicked(interaction: discord.Interaction, event_id: int, choice: str) -> None:
    if interaction.guild_id is None:
        raise UserError("RSVPs only work in the server the event belongs to.")
    events = _services(interaction).events
    roles = member_roles(interaction)
    if choice == "going":
        event = await events.going_form(interaction.guild_id, event_id, roles)  # refuses a non-member politely
        if event is not None:  # questions or guests to ask first: the form must be the first response
            mine = await events.my_rsvp(interaction.guild_id, event_id, interaction.user.id)
            await interaction.response.send_modal(SignupForm(event, mine))
            return
    result = await events.rsvp(interaction.guild_id, event_id, interaction.user.id, choice, roles=roles)
    # Answering with the updated post acknowledges the click at once; the private note follows.
    if result.changed or result.promoted:
        await interaction.response.edit_message(embed=event_embed(result.summary),
                                                view=event_view(event_id), allowed_mentions=NO_MENTIONS)
    await send_ephemeral(interaction, rsvp_reply(result))
    if result.promoted:
        interaction.client.dispatch("jetbot_event_dms")  # the events cog delivers what was queued


class SignupForm(JetModal):
    """Going for an event that asks questions or takes guests: one input per question, one for guests."""

    def __init__(self, event: EventRow, mine: RsvpRow | None = None) -> None:
        super().__init__(title=f"Going: {event.title}"[:45], timeout=900,
                         custom_id=f"jetbot:signup:{event.id}")
        self.event = event
        self.answers: list[discord.ui.TextInput[Any]] = []
        old = (mine.answers or ()) if mine else ()
        for i, question in enumerate(event.questions):
            field: discord.ui.TextInput[Any] = discord.ui.TextInput(
                label=question[:45], custom_id=f"jetbot:signup:q{i}", max_length=ANSWER_MAX,
                default=old[i] if i < len(old) else None)
            self.answers.append(field)
            self.add_item(field)
        self.guests: discord.ui.TextInput[Any] | None = None
        if event.max_guests:
            self.guests = discord.ui.TextInput(label=f"Guests you bring (0-{event.max_guests})",
                                               custom_id="jetbot:signup:guests", max_length=2, required=False,
                                               default=str(mine.guests) if mine else "0")
            self.add_item(self.guests)

    def guest_count(self) -> int:
        raw = (self.guests.value if self.guests is not None else "0").strip() or "0"
        if not raw.isdigit():
            raise UserError(f"Guests: give a number from 0 to {self.event.max_guests}.")
        return int(raw)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id != self.event.guild_id:
            raise UserError("This form belongs to another server.")
        events = _services(interaction).events
        # Roles are checked again now: the form may have been open for a while.
        result = await events.rsvp(interaction.guild_id, self.event.id, interaction.user.id, "going",
                                   guests=self.guest_count(), answers=[a.value for a in self.answers],
                                   roles=member_roles(interaction))
        await send_ephemeral(interaction, rsvp_reply(result))
        interaction.client.dispatch("jetbot_event_changed", interaction.guild_id, [self.event.id])


async def ics_clicked(interaction: discord.Interaction, event_id: int) -> None:
    if interaction.guild_id is None:
        raise UserError("That only works in the server the event belongs to.")
    name, data = await _services(interaction).events.ics(interaction.guild_id, event_id)
    await send_ephemeral(interaction, "Open this file to add the event to your calendar.",
                         file=discord.File(io.BytesIO(data), filename=name))


class RsvpButton(discord.ui.DynamicItem[discord.ui.Button], template=r"jetbot:rsvp:(?P<event_id>[0-9]+):(?P<choice>going|maybe|no)"):  # noqa: E501
    def __init__(self, event_id: int, choice: str) -> None:
        label, style, emoji = _BUTTONS[choice]
        super().__init__(discord.ui.Button(label=label, style=style, emoji=emoji,
                                           custom_id=f"jetbot:rsvp:{event_id}:{choice}"))
        self.event_id = event_id
        self.choice = choice

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
                             ) -> RsvpButton:
        return cls(int(match["event_id"]), match["choice"])

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        await rsvp_clicked(interaction, self.event_id, self.choice)


class IcsButton(discord.ui.DynamicItem[discord.ui.Button], template=r"jetbot:ics:(?P<event_id>[0-9]+)"):
    def __init__(self, event_id: int) -> None:
        super().__init__(discord.ui.Button(label="Add to calendar", style=discord.ButtonStyle.secondary, emoji="📅",
                                           custom_id=f"jetbot:ics:{event_id}"))
        self.event_id = event_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
                             ) -> IcsButton:
        return cls(int(match["event_id"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        await ics_clicked(interaction, self.event_id)


def event_view(event_id: int, *, cancelled: bool = False) -> discord.ui.View:
    """Buttons for an event post; a cancelled event keeps only the calendar file (STATUS:CANCELLED)."""
    view = discord.ui.View(timeout=None)
    if not cancelled:
        for choice in ("going", "maybe", "no"):
            view.add_item(RsvpButton(event_id, choice))
    view.add_item(IcsButton(event_id))
    return view


def event_embed(summary: EventSummary) -> discord.Embed:
    event = summary.event
    title = f"Cancelled: {escape(event.title)}" if event.cancelled else escape(event.title)
    embed = discord.Embed(title=title[:256], description=(event.description or None), colour=COLOUR)
    start, end = unix(event.start_at), unix(event.end_at)
    embed.add_field(name="When", value=f"<t:{start}:F> (<t:{start}:R>)\nuntil <t:{end}:F>", inline=False)
    embed.add_field(name="Where", value=event.location or "—", inline=False)
    if event.capacity is None:
        going = f"{summary.taken} (no limit)"
    else:
        going = f"{summary.taken} / {event.capacity}" + (" — full" if summary.full else "")
    if event.max_guests:
        going += f"\n{summary.going} member(s) and their guests"
    embed.add_field(name="Going", value=going, inline=True)
    embed.add_field(name="Maybe", value=str(summary.maybe), inline=True)
    embed.add_field(name="Waitlist", value=str(summary.waitlist), inline=True)
    footer = "This event was cancelled." if event.cancelled else \
        "Press a button to RSVP. When it is full, Going puts you on the waitlist; you move up automatically."
    if event.members_only:
        embed.add_field(name="Open to", value=" ".join(f"<@&{r}>" for r in event.allowed_roles), inline=False)
    if event.questions or event.max_guests:
        asks = []
        if event.questions:
            asks.append(f"{len(event.questions)} sign-up question(s)")
        if event.max_guests:
            asks.append(f"up to {event.max_guests} guest(s) each")
        embed.add_field(name="Going asks", value=", ".join(asks), inline=False)
    embed.set_footer(text=f"{footer} · Event #{event.id}")
    return embed


def events_list_embed(summaries: list[EventSummary]) -> discord.Embed:
    embed = discord.Embed(title="Upcoming events", colour=COLOUR)
    if not summaries:
        embed.description = "No upcoming events yet. Organisers can add one with `/event create`."
        return embed
    lines = []
    for s in summaries:
        e = s.event
        url = message_url(e)
        name = link(e.title, url)
        places = f"{s.going}/{e.capacity} going" if e.capacity else f"{s.going} going"
        lines.append(f"{name}\n<t:{unix(e.start_at)}:F> (<t:{unix(e.start_at)}:R>) · {places}"
                     + (f" · {e.location}" if e.location else ""))
    embed.description = "\n\n".join(lines)[:4096]
    return embed


class EventForm(JetModal):
    """Title, start, end, location, description: the five inputs a modal allows."""

    def __init__(self, cog: EventsCog | None, *, heading: str, event_id: int | None = None, capacity: Any = None,
                 channel_id: int | None = None, defaults: dict[str, str] | None = None, tz: str = "UTC",
                 guild_id: int | None = None, options: dict[str, Any] | None = None,
                 action: Callable[[discord.Interaction, dict[str, str]], Awaitable[None]] | None = None) -> None:
        super().__init__(title=heading[:45], timeout=900)
        d = defaults or {}
        self.cog, self.event_id, self.capacity, self.channel_id = cog, event_id, capacity, channel_id
        self.guild_id = guild_id
        self.options = options or {}  # what the slash command set besides the form (guests, questions, roles)
        self.action = action
        self.name: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Title",
                                        custom_id="jetbot:event-form:title", max_length=TITLE_MAX,
                                         default=d.get("title"), placeholder="Networking night")
        self.start: discord.ui.TextInput[Any] = discord.ui.TextInput(label=f"Start ({tz})"[:45],
                                        custom_id="jetbot:event-form:start", max_length=40, default=d.get("start"),
                                          placeholder="2026-12-05 18:30  or  5 Dec 2026 18:30")
        self.end: discord.ui.TextInput[Any] = discord.ui.TextInput(label="End or duration",
                                        custom_id="jetbot:event-form:end", max_length=40, required=False,
                                        default=d.get("end"), placeholder="20:30, 2h, 90m (empty: 2 hours)")
        self.location: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Location or link",
                                        custom_id="jetbot:event-form:location", max_length=LOCATION_MAX, required=False,
                                             default=d.get("location"), placeholder="The Tipsy Tanuki, 1 High St")
        self.details: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Description",
                                        custom_id="jetbot:event-form:description", style=discord.TextStyle.paragraph,
                                            max_length=DESCRIPTION_MAX, required=False, default=d.get("description"))
        for item in (self.name, self.start, self.end, self.location, self.details):
            self.add_item(item)

    def values(self) -> dict[str, str]:
        return {"title": self.name.value, "start": self.start.value, "end": self.end.value,
                "location": self.location.value, "description": self.details.value}

    async def on_submit(self, interaction: discord.Interaction) -> None:
        # The form may have been open for minutes, or replayed by someone else (modals are found by
        # custom_id alone): decide on who submits it, now, in the server it was opened in.
        if interaction.guild_id != self.guild_id:
            raise UserError("This form belongs to another server.")
        await require_organiser(interaction)
        if self.action is not None:
            await self.action(interaction, self.values())
        elif self.cog is None:
            raise RuntimeError("an EventForm needs a cog or an action")
        elif self.event_id is None:
            await self.cog.finish_create(interaction, self.values(), capacity=self.capacity,
                                         channel_id=self.channel_id, **self.options)
        else:
            await self.cog.finish_edit(interaction, self.event_id, self.values(), capacity=self.capacity)

    async def on_error(self, interaction: discord.Interaction[Any], error: Exception,
                       item: discord.ui.Item[Any] | None = None, /) -> None:
        """A typo should not cost the organiser what they typed: give it back with the reason."""
        if not isinstance(error, UserError):
            await super().on_error(interaction, error)
            return
        typed = "\n".join(f"{k}: {v}" for k, v in self.values().items() if v)[:1500].replace("```", "'''")
        await send_ephemeral(interaction, f"{error}\n\nWhat you typed, to copy back (start like {EXAMPLE}):\n"
                                          f"```\n{typed}\n```")
