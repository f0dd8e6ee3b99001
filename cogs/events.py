"""/event and /events: chapter events with RSVP buttons, waitlist, reminders (issue #3).

Thin glue over ``bot.events.EventService``: the service validates, parses times and applies the
capacity rules; this cog turns clicks and forms into service calls and results into embeds and DMs.
Rendering and the persistent buttons live in ``cogs/_event_views.py``.
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import tasks as background
from bot.client import NO_MENTIONS, JetBot, organiser_only, send_ephemeral
from bot.errors import UserError
from bot.event_time import format_local, unix
from bot.events import UNSET, EventService, EventSummary, Reminder, attendees_csv, message_url
from bot.markdown import bold
from cogs._event_views import (
    CHANGED_MIND,
    EventForm,
    IcsButton,
    RsvpButton,
    event_embed,
    event_view,
    events_list_embed,
    ics_clicked,
    outbox_text,
)

log = logging.getLogger("jetbot.events")

SCHEDULED_NAME_MAX, SCHEDULED_DESCRIPTION_MAX, SCHEDULED_LOCATION_MAX = 100, 1000, 100


class EventsCog(commands.Cog):
    event = app_commands.Group(name="event", description="Chapter events: create, edit, RSVP", guild_only=True)

    def __init__(self, bot: JetBot, *, reminder_interval: float = 60.0) -> None:
        self.bot = bot
        self.service: EventService = bot.services.events
        self._outbox_lock = asyncio.Lock()
        self.reminder_loop.change_interval(seconds=reminder_interval)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(RsvpButton, IcsButton)

    async def cog_unload(self) -> None:
        self.reminder_loop.cancel()
        self.bot.remove_dynamic_items(RsvpButton, IcsButton)

    # -- background work ----------------------------------------------------------------------------
    async def drain(self) -> None:
        """Wait for background DMs and edits, and those they start (tests)."""
        await asyncio.sleep(0)  # let listeners of events dispatched just now start their work
        await background.wait()

    def deliver_dms(self) -> None:
        """Send the DMs the service queued (promotions, changes, cancellations) after replying: DMs can be
        slow (rate limits). What a shutdown interrupts stays queued and goes out after the restart."""
        background.spawn(self.flush_outbox(), purpose="deliver queued event DMs")

    async def flush_outbox(self) -> int:
        """Deliver every queued DM once; returns how many reached the member."""
        sent = 0
        async with self._outbox_lock:
            while batch := await self.service.pending_dms(100):
                for row, event in batch:
                    if event is not None and await self.dm(row.user_id, outbox_text(row, event)):
                        sent += 1
                    await self.service.dm_done(row)
        return sent

    @commands.Cog.listener()
    async def on_jetbot_event_dms(self) -> None:
        """Dispatched by the buttons (``bot.dispatch("jetbot_event_dms")``) after a click queued DMs."""
        self.deliver_dms()

    @commands.Cog.listener()
    async def on_jetbot_places_freed(self, guild_id: int, event_ids: list[int]) -> None:
        """Places were freed outside a click (a member erased their data): refresh those posts, tell who moved up."""
        for event_id in event_ids:
            background.spawn(self.refresh_event(guild_id, event_id), purpose=f"refresh the post of event {event_id}")
        self.deliver_dms()

    async def refresh_event(self, guild_id: int, event_id: int) -> None:
        await self.refresh_message(await self.service.summary(guild_id, event_id))

    async def dm(self, user_id: int, content: str) -> bool:
        """One DM; False when it could not be delivered (DMs closed, user gone). Never raises.

        ``create_dm`` with a bare id opens the DM channel without fetching the user (no members intent)."""
        try:
            channel = await self.bot.create_dm(discord.Object(id=user_id))
            await channel.send(content, allowed_mentions=NO_MENTIONS)
            return True
        except discord.Forbidden:
            log.info("could not DM a member (DMs closed)")
            return False
        except discord.HTTPException as exc:
            log.warning("could not DM a member: %s", exc.status)
            return False

    async def refresh_message(self, summary: EventSummary) -> None:
        """Update the posted event message (after an edit or cancel, or a change not made by a click)."""
        event = summary.event
        if event.channel_id is None or event.message_id is None:
            return
        channel = self.bot.get_partial_messageable(event.channel_id, guild_id=event.guild_id)
        try:
            await channel.get_partial_message(event.message_id).edit(
                embed=event_embed(summary), view=event_view(event.id, cancelled=event.cancelled),
                allowed_mentions=NO_MENTIONS,
            )
        except discord.HTTPException as exc:
            log.warning("could not update the message of event %s: %s", event.id, exc.status)

    # -- /events ------------------------------------------------------------------------------------
    @app_commands.command(name="events", description="This chapter's upcoming events")
    @app_commands.guild_only()
    async def events(self, interaction: discord.Interaction) -> None:
        summaries = await self.service.upcoming(interaction.guild_id, limit=10)
        await send_ephemeral(interaction, embed=events_list_embed(summaries))

    # -- /event ... ---------------------------------------------------------------------------------
    @event.command(name="create", description="Create an event with RSVP buttons (opens a form)")
    @app_commands.describe(capacity="How many places (leave empty for no limit)",
                           channel="Where to post it (default: this channel)")
    @organiser_only("manage_events")
    async def create(self, interaction: discord.Interaction, capacity: int | None = None,
                     channel: discord.TextChannel | None = None) -> None:
        if capacity is not None and capacity < 1:
            raise UserError("The capacity must be at least 1 (leave it empty for no limit).")
        tz = await self.service.timezone(interaction.guild_id)
        channel_id = channel.id if channel is not None else interaction.channel_id
        # The form must be the first response: nothing slow before this line.
        await interaction.response.send_modal(EventForm(self, heading="New event", capacity=capacity,
                                                        channel_id=channel_id, tz=tz,
                                                        guild_id=interaction.guild_id))

    async def finish_create(self, interaction: discord.Interaction, values: dict[str, str], *,
                            capacity: int | None, channel_id: int | None) -> None:
        summary = await self.service.create_event(
            interaction.guild_id, created_by=interaction.user.id, channel_id=channel_id, capacity=capacity, **values,
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        event = summary.event
        channel = self.bot.get_partial_messageable(channel_id or interaction.channel_id, guild_id=event.guild_id)
        try:
            message = await channel.send(embed=event_embed(summary), view=event_view(event.id),
                                         allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            await self.service.discard_event(event.guild_id, event.id)
            log.warning("could not post event in channel %s: %s", channel_id, exc.status)
            raise UserError(f"I couldn't post in <#{channel.id}> (I need View Channel, Send Messages and Embed "
                            "Links there). Nothing was created; try another channel.") from None
        await self.service.attach_message(event.guild_id, event.id, message.channel.id, message.id)
        url = f"https://discord.com/channels/{event.guild_id}/{message.channel.id}/{message.id}"
        note = await self.create_scheduled(interaction.guild, summary, url)
        await send_ephemeral(interaction, f"Created {bold(event.title)}: {url}{note}")

    @event.command(name="edit", description="Change an event; everyone who RSVP'd gets a DM")
    @app_commands.describe(event="The event to change",
                           capacity="New number of places (0 = no limit); leave empty to keep it")
    @organiser_only("manage_events")
    async def edit(self, interaction: discord.Interaction, event: int,
                   capacity: app_commands.Range[int, 0, 10_000] | None = None) -> None:
        summary = await self.service.summary(interaction.guild_id, event)
        if summary.event.cancelled:
            raise UserError("That event was cancelled; create a new one instead.")
        tz = await self.service.timezone(interaction.guild_id)
        e = summary.event
        defaults = {"title": e.title, "start": format_local(e.start_at, tz), "end": format_local(e.end_at, tz),
                    "location": e.location, "description": e.description}
        cap: Any = UNSET if capacity is None else (None if capacity == 0 else capacity)
        await interaction.response.send_modal(EventForm(self, heading="Edit event", event_id=e.id, capacity=cap,
                                                        defaults=defaults, tz=tz, guild_id=interaction.guild_id))

    async def finish_edit(self, interaction: discord.Interaction, event_id: int, values: dict[str, str], *,
                          capacity: Any) -> None:
        result = await self.service.edit_event(interaction.guild_id, event_id, capacity=capacity, **values)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.refresh_message(result.summary)
        await self.update_scheduled(interaction.guild, result.summary)
        self.deliver_dms()
        await send_ephemeral(interaction, "Saved:\n" + "\n".join(result.changes)
                             + f"\nTelling {len(result.notify)} member(s) who RSVP'd by DM.")

    @event.command(name="cancel", description="Cancel an event; everyone who RSVP'd gets a DM")
    @app_commands.describe(event="The event to cancel")
    @organiser_only("manage_events")
    async def cancel(self, interaction: discord.Interaction, event: int) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.service.cancel_event(interaction.guild_id, event)
        await self.refresh_message(result.summary)
        await self.cancel_scheduled(interaction.guild, result.summary)
        e = result.summary.event
        self.deliver_dms()
        await send_ephemeral(interaction, f"Cancelled {bold(e.title)}. Telling {len(result.notify)} member(s) "
                                          "who RSVP'd by DM.")

    @event.command(name="attendees", description="Who is going, maybe, or waitlisted (only you see it)")
    @app_commands.describe(event="The event")
    @organiser_only("manage_events")
    async def attendees(self, interaction: discord.Interaction, event: int) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # names may need a gateway look-up
        a = await self.service.attendees(interaction.guild_id, event)
        names = await self.display_names(interaction.guild, [r.user_id for rows in (a.going, a.maybe, a.waitlist,
                                                                                      a.no) for r in rows])

        def name(user_id: int) -> str:
            return names.get(user_id, str(user_id))

        def block(label: str, rows: tuple[Any, ...]) -> str:
            if not rows:
                return f"**{label} (0)**: —"
            shown = " ".join(f"{i}. <@{r.user_id}>" for i, r in enumerate(rows[:60], start=1))
            more = f" … and {len(rows) - 60} more (see the file)" if len(rows) > 60 else ""
            return f"**{label} ({len(rows)})**: {shown}{more}"

        cap = f"{a.event.capacity} places" if a.event.capacity else "no limit"
        text = "\n".join([f"{bold(a.event.title)} — <t:{unix(a.event.start_at)}:F> — {cap}",
                          block("Going", a.going), block("Maybe", a.maybe), block("Waitlist", a.waitlist),
                          block("Can't go", a.no)])
        data = attendees_csv(a, names)
        file = discord.File(io.BytesIO(data), filename=f"event-{a.event.id}.csv")
        await send_ephemeral(interaction, text[:2000], file=file)

    @staticmethod
    async def display_names(guild: discord.Guild | None, user_ids: list[int]) -> dict[int, str]:
        """Names for the attendee CSV. Without the privileged members intent the cache holds almost nobody,
        so ask the gateway for exactly these members (100 a request; allowed without that intent). Members
        who left, or a slow gateway, leave the id in place of the name."""
        if guild is None:
            return {}
        names: dict[int, str] = {}
        missing = []
        for uid in dict.fromkeys(user_ids):
            member = guild.get_member(uid)
            if member is not None:
                names[uid] = member.display_name
            else:
                missing.append(uid)
        for i in range(0, len(missing), 100):
            try:
                found = await asyncio.wait_for(guild.query_members(user_ids=missing[i:i + 100], limit=100,
                                                                   cache=False), 5)
            except (TimeoutError, discord.ClientException, RuntimeError) as exc:
                log.warning("could not look up attendee names in guild %s: %r", guild.id, exc)
                break
            names.update({m.id: m.display_name for m in found})
        return names

    @event.command(name="ics", description="Get a calendar file (.ics) for an event")
    @app_commands.describe(event="The event")
    async def ics(self, interaction: discord.Interaction, event: int) -> None:
        await ics_clicked(interaction, event)

    @edit.autocomplete("event")
    @cancel.autocomplete("event")
    async def _upcoming_autocomplete(self, interaction: discord.Interaction, current: str
                                     ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        pairs = await self.service.autocomplete(interaction.guild_id, current)
        return [app_commands.Choice(name=label, value=eid) for label, eid in pairs]

    @attendees.autocomplete("event")
    @ics.autocomplete("event")
    async def _any_autocomplete(self, interaction: discord.Interaction, current: str
                                ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        pairs = await self.service.autocomplete(interaction.guild_id, current, include_cancelled=True)
        return [app_commands.Choice(name=label, value=eid) for label, eid in pairs]

    # -- Discord scheduled events (the server's Events tab) ------------------------------------------
    @staticmethod
    def _can_schedule(guild: discord.Guild | None) -> bool:
        me = getattr(guild, "me", None) if guild is not None else None
        return me is not None and bool(me.guild_permissions.manage_events)

    @staticmethod
    def _scheduled_fields(summary: EventSummary, url: str | None) -> dict[str, Any]:
        e = summary.event
        fields: dict[str, Any] = {
            "name": e.title[:SCHEDULED_NAME_MAX], "start_time": e.start_at, "end_time": e.end_at,
            "location": (e.location or url or "See the event post on Discord")[:SCHEDULED_LOCATION_MAX],
        }
        description = (e.description + (f"\n\nRSVP: {url}" if url else "")).strip()
        if description:
            fields["description"] = description[:SCHEDULED_DESCRIPTION_MAX]
        return fields

    async def create_scheduled(self, guild: discord.Guild | None, summary: EventSummary, url: str) -> str:
        """Mirror the event in the server's Events tab when allowed; a failure never blocks the event."""
        if not self._can_schedule(guild):
            return "\n(Give me the Manage Events permission to also list events in the server's Events tab.)"
        try:
            scheduled = await guild.create_scheduled_event(  # type: ignore[union-attr]
                entity_type=discord.EntityType.external, privacy_level=discord.PrivacyLevel.guild_only,
                **self._scheduled_fields(summary, url),
            )
        except discord.HTTPException as exc:
            log.warning("could not create the scheduled event for event %s: %s", summary.event.id, exc.status)
            return "\n(I couldn't add it to the server's Events tab.)"
        await self.service.attach_scheduled_event(summary.event.guild_id, summary.event.id, scheduled.id)
        return "\nIt's also in the server's Events tab."

    async def _scheduled(self, guild: discord.Guild | None, summary: EventSummary) -> discord.ScheduledEvent | None:
        sid = summary.event.scheduled_event_id
        if sid is None or not self._can_schedule(guild):
            return None
        found = guild.get_scheduled_event(sid)  # type: ignore[union-attr]
        if found is not None:
            return found
        try:
            return await guild.fetch_scheduled_event(sid)  # type: ignore[union-attr]
        except discord.HTTPException:
            return None

    async def update_scheduled(self, guild: discord.Guild | None, summary: EventSummary) -> None:
        scheduled = await self._scheduled(guild, summary)
        if scheduled is None:
            return
        try:
            await scheduled.edit(**self._scheduled_fields(summary, message_url(summary.event)))
        except discord.HTTPException as exc:
            log.warning("could not update the scheduled event of event %s: %s", summary.event.id, exc.status)

    async def cancel_scheduled(self, guild: discord.Guild | None, summary: EventSummary) -> None:
        scheduled = await self._scheduled(guild, summary)
        if scheduled is None:
            return
        try:
            await scheduled.cancel()
        except discord.HTTPException as exc:
            log.warning("could not cancel the scheduled event of event %s: %s", summary.event.id, exc.status)

    # -- reminders ----------------------------------------------------------------------------------
    @tasks.loop(seconds=60)
    async def reminder_loop(self) -> None:
        try:
            await self.send_due_reminders()
        except Exception:  # keep the loop alive; the next run retries whatever is still unsent
            log.exception("reminder run failed")
        try:
            await self.flush_outbox()  # DMs a shutdown interrupted, queued before this start
        except Exception:
            log.exception("delivering queued DMs failed")

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Start reminders once connected; the first run is immediate, so reminders that fell due while
        the bot was down go out now (if their event has not started), and so do DMs queued but not sent."""
        if not self.reminder_loop.is_running():
            self.reminder_loop.start()

    async def send_due_reminders(self) -> int:
        """Deliver due reminders. Each is marked sent right AFTER its DM: a crash between the two can
        repeat that one reminder once on restart, never lose it, never repeat it twice. A member whose
        DMs are closed is marked too (retrying would not help)."""
        sent = 0
        for reminder in await self.service.due_reminders():
            if await self.dm(reminder.user_id, self.reminder_text(reminder)):
                sent += 1
            await self.service.mark_reminder_sent(reminder)
        return sent

    @staticmethod
    def reminder_text(reminder: Reminder) -> str:
        e = reminder.event
        url = message_url(e)
        return (f"⏰ Reminder: {bold(e.title)} starts <t:{unix(e.start_at)}:R> (<t:{unix(e.start_at)}:F>)."
                + (f"\n📍 {e.location}" if e.location else "") + (f"\n{url}" if url else "")
                + f"\nYou're getting this because you said you're going. {CHANGED_MIND}")[:2000]


async def setup(bot: JetBot) -> None:
    await bot.add_cog(EventsCog(bot))

