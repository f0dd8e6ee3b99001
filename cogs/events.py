"""/event and /events: chapter events with RSVP buttons, waitlist, reminders (issue #3).

Thin glue over ``bot.events.EventService``: the service validates, parses times and applies the
capacity rules; this cog turns clicks and forms into service calls and results into embeds and DMs.
Rendering and the persistent buttons live in ``cogs/_event_views.py``.
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import tasks as background
from bot.client import NO_MENTIONS, JetBot, guild_id_of, organiser_only, send_ephemeral
from bot.errors import UserError
from bot.event_time import format_local, unix
from bot.events import (
    GUESTS_MAX,
    UNSET,
    EventService,
    EventSummary,
    Reminder,
    attendees_csv,
    clean_guests,
    clean_questions,
    message_url,
)
from bot.markdown import bold, escape
from cogs._checkin_views import CheckinButton, CheckinPageButton, display_names, show_list
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

if TYPE_CHECKING:
    from typing_extensions import TypeIs

log = logging.getLogger("jetbot.events")

SCHEDULED_NAME_MAX, SCHEDULED_DESCRIPTION_MAX, SCHEDULED_LOCATION_MAX = 100, 1000, 100


class EventsCog(commands.Cog):
    event = app_commands.Group(name="event", description="Chapter events: create, edit, RSVP", guild_only=True)
    member = app_commands.Group(name="member", description="Organisers: a member's history here", guild_only=True)

    def __init__(self, bot: JetBot, *, reminder_interval: float = 60.0) -> None:
        self.bot = bot
        self.service: EventService = bot.services.events
        self._outbox_lock = asyncio.Lock()
        self.reminder_loop.change_interval(seconds=reminder_interval)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(RsvpButton, IcsButton, CheckinButton, CheckinPageButton)

    async def cog_unload(self) -> None:
        self.reminder_loop.cancel()
        self.bot.remove_dynamic_items(RsvpButton, IcsButton, CheckinButton, CheckinPageButton)

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
    async def on_jetbot_event_changed(self, guild_id: int, event_ids: list[int]) -> None:
        """Places were freed outside a click (a member erased their data): refresh those posts, tell who moved up."""
        for event_id in event_ids:
            background.spawn(self.refresh_event(guild_id, event_id), purpose=f"refresh the post of event {event_id}")
        self.deliver_dms()

    @commands.Cog.listener()
    async def on_jetbot_post_occurrences(self) -> None:
        """A series was created or changed: post what is now due without waiting for the loop."""
        background.spawn(self.post_occurrences(), purpose="post series occurrences")

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
        summaries = await self.service.upcoming(guild_id_of(interaction), limit=10)
        await send_ephemeral(interaction, embed=events_list_embed(summaries))

    # -- /event ... ---------------------------------------------------------------------------------
    @event.command(name="create", description="Create an event with RSVP buttons (opens a form)")
    @app_commands.describe(capacity="How many places (leave empty for no limit)",
                           channel="Where to post it (default: this channel)",
                           guests="How many guests each member may bring (default 0)",
                           questions="Up to 3 sign-up questions asked at Going, separated by |",
                           members_role="Only members with this role can say Going")
    @organiser_only("manage_events")
    async def create(self, interaction: discord.Interaction, capacity: int | None = None,
                     channel: discord.TextChannel | None = None,
                     guests: app_commands.Range[int, 0, GUESTS_MAX] = 0, questions: str | None = None,
                     members_role: discord.Role | None = None) -> None:
        if capacity is not None and capacity < 1:
            raise UserError("The capacity must be at least 1 (leave it empty for no limit).")
        options = signup_options(guests, questions, members_role)
        tz = await self.service.timezone(guild_id_of(interaction))
        channel_id = channel.id if channel is not None else interaction.channel_id
        # The form must be the first response: nothing slow before this line.
        await interaction.response.send_modal(EventForm(self, heading="New event", capacity=capacity,
                                                        channel_id=channel_id, tz=tz,
                                                        guild_id=interaction.guild_id, options=options))

    async def finish_create(self, interaction: discord.Interaction, values: dict[str, str], *,
                            capacity: int | None, channel_id: int | None, max_guests: int = 0,
                            questions: tuple[str, ...] = (), allowed_roles: tuple[int, ...] = ()) -> None:
        summary = await self.service.create_event(
            guild_id_of(interaction), created_by=interaction.user.id, channel_id=channel_id, capacity=capacity,
            max_guests=max_guests, questions=questions, allowed_roles=allowed_roles, **values,
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        event = summary.event
        channel = self.bot.get_partial_messageable(channel_id or interaction.channel_id or 0, guild_id=event.guild_id)
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
        if questions:
            note += f"\n{ANSWERS_NOTE}"
        await send_ephemeral(interaction, f"Created {bold(event.title)}: {url}{note}")

    @event.command(name="edit", description="Change an event; everyone who RSVP'd gets a DM")
    @app_commands.describe(event="The event to change",
                           capacity="New number of places (0 = no limit); leave empty to keep it")
    @organiser_only("manage_events")
    async def edit(self, interaction: discord.Interaction, event: int,
                   capacity: app_commands.Range[int, 0, 10_000] | None = None) -> None:
        summary = await self.service.summary(guild_id_of(interaction), event)
        if summary.event.cancelled:
            raise UserError("That event was cancelled; create a new one instead.")
        tz = await self.service.timezone(guild_id_of(interaction))
        e = summary.event
        defaults = {"title": e.title, "start": format_local(e.start_at, tz), "end": format_local(e.end_at, tz),
                    "location": e.location, "description": e.description}
        cap: Any = UNSET if capacity is None else (None if capacity == 0 else capacity)
        await interaction.response.send_modal(EventForm(self, heading="Edit event", event_id=e.id, capacity=cap,
                                                        defaults=defaults, tz=tz, guild_id=interaction.guild_id))

    async def finish_edit(self, interaction: discord.Interaction, event_id: int, values: dict[str, str], *,
                          capacity: Any) -> None:
        result = await self.service.edit_event(guild_id_of(interaction), event_id, capacity=capacity, **values)
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
        result = await self.service.cancel_event(guild_id_of(interaction), event)
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
        a = await self.service.attendees(guild_id_of(interaction), event)
        names = await display_names(interaction.guild, [r.user_id for rows in (a.going, a.maybe, a.waitlist,
                                                                                      a.no) for r in rows])

        def name(user_id: int) -> str:
            return names.get(user_id, str(user_id))

        now = self.service.clock()

        def who(r: Any, label: str) -> str:
            extra = f" +{r.guests}" if r.guests else ""
            if label == "Going" and now >= a.event.start_at:
                extra += f" ({a.presence(r.user_id, now)})"
            return f"<@{r.user_id}>{extra}"

        def block(label: str, rows: tuple[Any, ...]) -> str:
            if not rows:
                return f"**{label} (0)**: —"
            shown = " ".join(f"{i}. {who(r, label)}" for i, r in enumerate(rows[:60], start=1))
            more = f" … and {len(rows) - 60} more (see the file)" if len(rows) > 60 else ""
            return f"**{label} ({len(rows)})**: {shown}{more}"

        cap = f"{a.event.capacity} places" if a.event.capacity else "no limit"
        head = f"{bold(a.event.title)} — <t:{unix(a.event.start_at)}:F> — {cap}"
        rest = [block("Maybe", a.maybe), block("Waitlist", a.waitlist), block("Can't go", a.no)]
        text = "\n".join([head, block("Going", a.going), *rest])
        if a.event.questions:
            # Each going member's answers on their own line when that fits in a message; the file has them all.
            asked = "; ".join(escape(q) for q in a.event.questions)
            answered = [f"{i}. {who(r, 'Going')}: " + ("; ".join(escape(x) for x in r.answers) if r.answers else "—")
                        for i, r in enumerate(a.going, start=1)]
            detailed = "\n".join([head, f"**Going ({len(a.going)})** — {asked}", *answered, *rest])
            text = detailed if len(detailed) <= 2000 else text + "\nSign-up answers: in the attached file."
        data = attendees_csv(a, names, now)
        file = discord.File(io.BytesIO(data), filename=f"event-{a.event.id}.csv")
        await send_ephemeral(interaction, text[:2000], file=file)

    @event.command(name="signup", description="Change the sign-up questions or guests of an event")
    @app_commands.describe(event="The event", questions="Up to 3 questions asked at Going, separated by | "
                           "(- removes them)", guests="How many guests each member may bring")
    @organiser_only("manage_events")
    async def signup(self, interaction: discord.Interaction, event: int, questions: str | None = None,
                     guests: app_commands.Range[int, 0, GUESTS_MAX] | None = None) -> None:
        asked = None if questions is None else ([] if questions.strip() == "-" else questions.split("|"))
        summary = await self.service.configure(guild_id_of(interaction), event, questions=asked, max_guests=guests)
        await self.refresh_message(summary)
        e = summary.event
        lines = [f"Saved for {bold(e.title)}:",
                 "Questions: " + ("; ".join(escape(q) for q in e.questions) if e.questions else "none"),
                 f"Guests per member: {e.max_guests}"]
        if e.questions:
            lines.append(ANSWERS_NOTE)
        await send_ephemeral(interaction, "\n".join(lines))

    @event.command(name="members-only", description="Limit Going to members with a role (no role: open to all)")
    @app_commands.describe(event="The event", role="Members with this role can say Going; leave empty to open it")
    @organiser_only("manage_events")
    async def members_only(self, interaction: discord.Interaction, event: int,
                           role: discord.Role | None = None) -> None:
        summary = await self.service.configure(guild_id_of(interaction), event,
                                               allowed_roles=[role.id] if role is not None else [])
        await self.refresh_message(summary)
        text = (f"Only members with {role.mention} can now say Going to {bold(summary.event.title)}; others are told "
                "why, politely. Members already going keep their place." if role is not None
                else f"{bold(summary.event.title)} is open to everyone again.")
        await send_ephemeral(interaction, text)

    @event.command(name="checkin-code", description="A code members type with /checkin to record they came")
    @app_commands.describe(event="The event")
    @organiser_only("manage_events")
    async def checkin_code(self, interaction: discord.Interaction, event: int) -> None:
        e, code = await self.service.attendance.checkin_code(guild_id_of(interaction), event)
        await send_ephemeral(interaction, f"Check-in code for {bold(e.title)}: **`{code}`**\nShow it in the room; "
                                          "members type `/checkin` with it, from an hour before the start until an "
                                          "hour after the end. `/event attendees` then shows who came.")

    @event.command(name="checkin-list", description="Tick off going members as they arrive (only you see it)")
    @app_commands.describe(event="The event")
    @organiser_only("manage_events")
    async def checkin_list(self, interaction: discord.Interaction, event: int) -> None:
        await show_list(interaction, event)

    @event.command(name="mark", description="Mark whether a member came (attendance)")
    @app_commands.describe(event="The event", member="The member", came="Did they come?")
    @organiser_only("manage_events")
    async def mark(self, interaction: discord.Interaction, event: int, member: discord.Member,
                   came: bool = True) -> None:
        e = await self.service.attendance.mark(guild_id_of(interaction), event, member.id, came)
        await send_ephemeral(interaction, f"{member.mention}: {'attended' if came else 'no-show'} at {bold(e.title)}.")

    @app_commands.command(name="checkin", description="Check in at an event with the code the organisers show")
    @app_commands.describe(code="The code shown in the room")
    @app_commands.guild_only()
    async def checkin(self, interaction: discord.Interaction, code: str) -> None:
        e = await self.service.attendance.check_in(guild_id_of(interaction), interaction.user.id, code)
        await send_ephemeral(interaction, f"Checked in at {bold(e.title)}. Enjoy!")

    @member.command(name="attendance", description="A member's event attendance in this server (only you see it)")
    @app_commands.describe(member="The member")
    @organiser_only("manage_events")
    async def attendance(self, interaction: discord.Interaction, member: discord.Member) -> None:
        history = await self.service.attendance.history(guild_id_of(interaction), member.id)
        if not history:
            await send_ephemeral(interaction, f"{member.mention} has no events so far in this server.")
            return
        came = sum(1 for h in history if h.presence == "attended")
        lines = [f"{member.mention}: attended {came} of {len(history)} event(s) so far."]
        for h in history[-20:]:
            lines.append(f"<t:{unix(h.event.start_at)}:d> {bold(h.event.title)}: answered {h.rsvp or '—'}, "
                         f"{h.presence}")
        await send_ephemeral(interaction, "\n".join(lines)[:2000])

    @event.command(name="ics", description="Get a calendar file (.ics) for an event")
    @app_commands.describe(event="The event")
    async def ics(self, interaction: discord.Interaction, event: int) -> None:
        await ics_clicked(interaction, event)

    @edit.autocomplete("event")
    @cancel.autocomplete("event")
    @signup.autocomplete("event")
    @members_only.autocomplete("event")
    async def _upcoming_autocomplete(self, interaction: discord.Interaction, current: str
                                     ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        pairs = await self.service.autocomplete(guild_id_of(interaction), current)
        return [app_commands.Choice(name=label, value=eid) for label, eid in pairs]

    @attendees.autocomplete("event")
    @ics.autocomplete("event")
    @checkin_code.autocomplete("event")
    @checkin_list.autocomplete("event")
    @mark.autocomplete("event")
    async def _any_autocomplete(self, interaction: discord.Interaction, current: str
                                ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        pairs = await self.service.autocomplete(guild_id_of(interaction), current, include_cancelled=True)
        return [app_commands.Choice(name=label, value=eid) for label, eid in pairs]

    # -- Discord scheduled events (the server's Events tab) ------------------------------------------
    @staticmethod
    def _can_schedule(guild: discord.Guild | None) -> TypeIs[discord.Guild]:
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
            scheduled = await guild.create_scheduled_event(
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
        found = guild.get_scheduled_event(sid)
        if found is not None:
            return found
        try:
            return await guild.fetch_scheduled_event(sid)
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
            await self.post_occurrences()
        except Exception:
            log.exception("posting series occurrences failed")
        try:
            await self.flush_outbox()  # DMs a shutdown interrupted, queued before this start
            await self.service.purge_answers()
        except Exception:
            log.exception("delivering queued DMs or deleting old sign-up answers failed")
        self.bot.dispatch("jetbot_reminders_ran", self.service.clock())

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

    # -- series occurrences -------------------------------------------------------------------------
    async def post_occurrences(self) -> int:
        """Create the occurrences now within their series' horizon and post every one not yet posted (a post
        that failed is retried on the next run)."""
        await self.service.series.materialize()
        posted = 0
        for event in await self.service.series.unposted():
            if await self.post_event(event.guild_id, event.id, event.channel_id):
                posted += 1
        return posted

    async def post_event(self, guild_id: int, event_id: int, channel_id: int | None) -> discord.Message | None:
        """Post an event (with its buttons) and remember the message; None when Discord refused."""
        summary = await self.service.summary(guild_id, event_id)
        if channel_id is None:
            return None
        channel = self.bot.get_partial_messageable(channel_id, guild_id=guild_id)
        try:
            message = await channel.send(embed=event_embed(summary), view=event_view(event_id),
                                         allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as exc:
            log.warning("could not post event %s in channel %s: %s", event_id, channel_id, exc.status)
            return None
        await self.service.attach_message(guild_id, event_id, message.channel.id, message.id)
        # Mirrored in the server's Events tab like a one-off event: occurrences are posted only a couple of
        # weeks ahead, so a server stays far under Discord's 100 scheduled events.
        url = f"https://discord.com/channels/{guild_id}/{message.channel.id}/{message.id}"
        await self.create_scheduled(self.bot.get_guild(guild_id), summary, url)
        return message

    @commands.Cog.listener()
    async def on_jetbot_event_rescheduled(self, guild_id: int, event_ids: list[int]) -> None:
        """Occurrences moved, edited or cancelled by a series change: bring their Events-tab entries along."""
        for event_id in event_ids:
            background.spawn(self.sync_scheduled(guild_id, event_id),
                             purpose=f"update the scheduled event of event {event_id}")

    async def sync_scheduled(self, guild_id: int, event_id: int) -> None:
        summary = await self.service.summary(guild_id, event_id)
        guild = self.bot.get_guild(guild_id)
        if summary.event.cancelled:
            await self.cancel_scheduled(guild, summary)
        else:
            await self.update_scheduled(guild, summary)

    @staticmethod
    def reminder_text(reminder: Reminder) -> str:
        e = reminder.event
        url = message_url(e)
        return (f"⏰ Reminder: {bold(e.title)} starts <t:{unix(e.start_at)}:R> (<t:{unix(e.start_at)}:F>)."
                + (f"\n📍 {e.location}" if e.location else "") + (f"\n{url}" if url else "")
                + f"\nYou're getting this because you said you're going. {CHANGED_MIND}")[:2000]


ANSWERS_NOTE = ("Sign-up answers are shown only to organisers (`/event attendees` and its file), are part of each "
                "member's `/privacy export`, and are deleted automatically 30 days after the event.")


def signup_options(guests: int, questions: str | None, role: discord.Role | None) -> dict[str, Any]:
    """The create commands' extra options, checked before the form opens."""
    return {"max_guests": clean_guests(guests), "questions": clean_questions((questions or "").split("|")),
            "allowed_roles": (role.id,) if role is not None else ()}


async def setup(bot: JetBot) -> None:
    await bot.add_cog(EventsCog(bot))

