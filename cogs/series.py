"""/series: recurring events (weekly, every N weeks, monthly on a weekday or a date). Glue over ``bot.series``.

Occurrences are ordinary events: they are posted (with their own buttons) by the events cog's background
loop a configurable time ahead; this cog asks for that, and for refreshed posts and DMs after a change,
with ``bot.dispatch`` (the events cog listens), never by looking the other cog up.
"""

from __future__ import annotations

from datetime import timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import JetBot, guild_id_of, organiser_only, send_ephemeral
from bot.errors import UserError
from bot.event_time import format_local, unix
from bot.events import GUESTS_MAX, EventService
from bot.markdown import bold
from bot.series import PATTERN_LABELS, describe_rule
from cogs._event_views import EventForm
from cogs.events import ANSWERS_NOTE, signup_options


class SeriesCog(commands.Cog):
    series = app_commands.Group(name="series", description="Recurring events: create, skip, move, edit, end",
                                guild_only=True)

    def __init__(self, bot: JetBot) -> None:
        self.bot = bot
        self.service: EventService = bot.services.events

    def _changed(self, guild_id: int, event_ids: list[int]) -> None:
        """Refresh these posts and their entries in the server's Events tab, and deliver the DMs the change
        queued (the events cog does all three)."""
        self.bot.dispatch("jetbot_event_changed", guild_id, event_ids)
        self.bot.dispatch("jetbot_event_rescheduled", guild_id, event_ids)

    @series.command(name="create", description="Create a recurring event (opens a form for the first one)")
    @app_commands.describe(
        pattern="How it repeats", every="Every how many weeks or months (default 1)",
        count="How many times in all (or give until)", until="Last date, YYYY-MM-DD (or give count)",
        capacity="Places at each occurrence (leave empty for no limit)", channel="Where to post occurrences",
        ahead_days="Post each occurrence this many days before it (default 14)",
        guests="Guests each member may bring", questions="Up to 3 sign-up questions, separated by |",
        members_role="Only members with this role can say Going")
    @app_commands.choices(pattern=[app_commands.Choice(name=label, value=key) for key, label in PATTERN_LABELS.items()])
    @organiser_only("manage_events")
    async def create(self, interaction: discord.Interaction, pattern: str, every: app_commands.Range[int, 1, 12] = 1,
                     count: app_commands.Range[int, 1, 200] | None = None, until: str | None = None,
                     capacity: app_commands.Range[int, 1, 10_000] | None = None,
                     channel: discord.TextChannel | None = None, ahead_days: app_commands.Range[int, 1, 90] = 14,
                     guests: app_commands.Range[int, 0, GUESTS_MAX] = 0, questions: str | None = None,
                     members_role: discord.Role | None = None) -> None:
        if (count is None) == (until is None):
            raise UserError("Give the series an end: either `count` (how many times) or `until` (a last date).")
        options = signup_options(guests, questions, members_role)
        guild_id = guild_id_of(interaction)
        channel_id = channel.id if channel is not None else interaction.channel_id
        tz = await self.service.timezone(guild_id)

        async def submit(submitted: discord.Interaction, values: dict[str, str]) -> None:
            created = await self.service.series.create(
                guild_id, created_by=submitted.user.id, channel_id=channel_id, pattern=pattern, every=every,
                count=count, until=until, capacity=capacity, post_ahead_days=ahead_days,
                max_guests=options["max_guests"], questions=options["questions"],
                allowed_roles=options["allowed_roles"], **values)
            self.bot.dispatch("jetbot_post_occurrences")
            note = f"\n{ANSWERS_NOTE}" if created.questions else ""
            await send_ephemeral(submitted, f"Created the series {bold(created.title)} (#{created.id}): "
                                            f"{describe_rule(created)}. Each occurrence is posted in <#{channel_id}> "
                                            f"{ahead_days} days before it, with its own RSVP buttons.{note}")

        await interaction.response.send_modal(EventForm(None, heading="New series: first occurrence", tz=tz,
                                                        guild_id=guild_id, action=submit))

    @series.command(name="list", description="This server's recurring events")
    async def list_(self, interaction: discord.Interaction) -> None:
        found = await self.service.series.of_guild(guild_id_of(interaction))
        if not found:
            await send_ephemeral(interaction, "No recurring events yet. Organisers can add one with `/series create`.")
            return
        lines = [f"#{s.id} {bold(s.title)}: {describe_rule(s)}" + ("" if s.active else " (ended)") for s in found]
        await send_ephemeral(interaction, "\n".join(lines)[:2000])

    @series.command(name="skip", description="Skip one occurrence; members who answered are told")
    @app_commands.describe(series="The series", event="A posted occurrence to skip",
                           date="Or the date of one not posted yet (YYYY-MM-DD)")
    @organiser_only("manage_events")
    async def skip(self, interaction: discord.Interaction, series: int, event: int | None = None,
                   date: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.service.series.skip(guild_id_of(interaction), series, event_id=event, on=date)
        if result.event is not None:
            self._changed(result.event.guild_id, [result.event.id])
        told = f" Telling {len(result.notify)} member(s) who answered, by DM." if result.event else ""
        await send_ephemeral(interaction, f"Skipped {bold(result.series.title)} on "
                                          f"<t:{unix(result.occurrence_start)}:F>; the series goes on.{told}")

    @series.command(name="move", description="Move one occurrence to another time; members who answered are told")
    @app_commands.describe(event="The occurrence", start="New start, e.g. 2026-12-05 18:30",
                           end="New end or duration (default: 2 hours)")
    @organiser_only("manage_events")
    async def move(self, interaction: discord.Interaction, event: int, start: str, end: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.service.edit_event(guild_id_of(interaction), event, start=start, end=end or "")
        self._changed(guild_id_of(interaction), [event])
        await send_ephemeral(interaction, "Moved:\n" + "\n".join(result.changes)
                             + f"\nTelling {len(result.notify)} member(s) who answered, by DM.")

    @series.command(name="edit", description="Edit an occurrence and all later ones (opens a form)")
    @app_commands.describe(event="The first occurrence to change")
    @organiser_only("manage_events")
    async def edit(self, interaction: discord.Interaction, event: int) -> None:
        guild_id = guild_id_of(interaction)
        summary = await self.service.summary(guild_id, event)
        e = summary.event
        if e.series_id is None:
            raise UserError("That event is not part of a series: use `/event edit`.")
        tz = await self.service.timezone(guild_id)
        defaults = {"title": e.title, "start": format_local(e.start_at, tz), "end": format_local(e.end_at, tz),
                    "location": e.location, "description": e.description}

        async def submit(submitted: discord.Interaction, values: dict[str, str]) -> None:
            result = await self.service.series.edit_following(guild_id, event, **values)
            self._changed(guild_id, [u.id for u in result.updated])
            await send_ephemeral(submitted, f"Saved: {bold(result.new.title)} from <t:{unix(e.start_at)}:d> on is now "
                                            f"{describe_rule(result.new)}. Updated {len(result.updated)} posted "
                                            f"occurrence(s); telling {result.notify} member(s) who answered.")

        await interaction.response.send_modal(EventForm(None, heading="Edit this and following", defaults=defaults,
                                                        tz=tz, guild_id=guild_id, action=submit))

    @series.command(name="end", description="End a series; dates already posted are cancelled unless you keep them")
    @app_commands.describe(series="The series", keep_posted="Let the dates already posted go ahead (default: cancel "
                                                           "them and tell who answered)")
    @organiser_only("manage_events")
    async def end(self, interaction: discord.Interaction, series: int, keep_posted: bool = False) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = guild_id_of(interaction)
        result = await self.service.series.end(guild_id, series, keep_posted=keep_posted)
        title = bold(result.series.title)
        if result.cancelled:
            self._changed(guild_id, [e.id for e in result.cancelled])
            dates = ", ".join(f"<t:{unix(e.start_at)}:d>" for e in result.cancelled)
            text = (f"Ended {title}. Cancelled the {len(result.cancelled)} date(s) already posted ({dates}); telling "
                    f"{result.notify} member(s) who answered, by DM.")
        elif result.kept:
            last = max(e.start_at for e in result.kept)
            text = (f"Ended {title}: the {len(result.kept)} date(s) already posted go ahead, the last on "
                    f"<t:{unix(last)}:F>; nothing more will be posted.")
        else:
            text = f"Ended {title}: nothing more will be posted."
        await send_ephemeral(interaction, text)

    @skip.autocomplete("series")
    @end.autocomplete("series")
    async def _series_autocomplete(self, interaction: discord.Interaction, current: str
                                   ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        needle = current.strip().lower()
        found = await self.service.series.of_guild(guild_id_of(interaction), active_only=True)
        return [app_commands.Choice(name=f"#{s.id} {s.title}"[:100], value=s.id)
                for s in found if needle in s.title.lower()][:25]

    @skip.autocomplete("event")
    @move.autocomplete("event")
    @edit.autocomplete("event")
    async def _occurrence_autocomplete(self, interaction: discord.Interaction, current: str
                                       ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        now = self.service.clock()
        window = await self.service.calendar(guild_id_of(interaction), now - timedelta(days=1),
                                             now + timedelta(days=400))
        needle = current.strip().lower()
        return [app_commands.Choice(name=f"{e.title} — {e.start_at:%Y-%m-%d %H:%M} UTC"[:100], value=e.id)
                for e in window.events if e.series_id is not None and not e.cancelled and needle in e.title.lower()
                ][:25]


async def setup(bot: JetBot) -> None:
    await bot.add_cog(SeriesCog(bot))
