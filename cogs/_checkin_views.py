"""The organiser's check-in list: an event's going members as buttons, tapped as people arrive.

Only the organiser who opened it sees it (an ephemeral message). Each member is one button whose
custom_id says what a tap does (``jetbot:checkin:<event>:<page>:<member>:1`` marks attended, ``:0`` a no-show),
so a tap is the same whoever's copy of the list it comes from, and two organisers tapping the same name
agree instead of undoing each other. A page holds 20 members (four rows of five); the fifth row pages
through the list and refreshes it. The buttons are ``DynamicItem``s, so a list opened before a restart
keeps working after it. Every tap re-checks that the person tapping is an organiser of the event's server;
the service decides everything else (``bot/attendance.py``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

from bot.attendance import ROSTER_PAGE, Roster, RosterEntry
from bot.client import NO_MENTIONS, guarded, send_ephemeral, services_of
from bot.errors import UserError
from bot.event_time import unix
from bot.markdown import escape
from cogs._event_views import require_organiser

log = logging.getLogger("jetbot.events")

LABEL_MAX = 80  # Discord's button label limit
_MARKS = {True: ("✅", discord.ButtonStyle.success), False: ("❌", discord.ButtonStyle.danger),
          None: (None, discord.ButtonStyle.secondary)}
_PAGING = {"prev": ("Previous", "◀️"), "next": ("Next", "▶️"), "refresh": ("Refresh", "🔄")}


async def display_names(guild: discord.Guild | None, user_ids: list[int]) -> dict[int, str]:
    """Members' display names. Without the privileged members intent the cache holds almost nobody, so
    ask the gateway for exactly these members (100 a request; allowed without that intent). Members who
    left, or a slow gateway, leave no name (callers fall back to the id or a mention)."""
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
            log.warning("could not look up member names in guild %s: %r", guild.id, exc)
            break
        names.update({m.id: m.display_name for m in found})
    return names


class CheckinButton(discord.ui.DynamicItem[discord.ui.Button],
                    template=r"jetbot:checkin:(?P<event_id>[0-9]+):(?P<page>[0-9]+):(?P<user_id>[0-9]+):(?P<came>[01])"):
    def __init__(self, event_id: int, page: int, entry: RosterEntry, label: str) -> None:
        emoji, style = _MARKS[entry.mark]
        came = entry.mark is not True  # a tap on someone marked attended marks a no-show; any other, attended
        super().__init__(discord.ui.Button(label=label[:LABEL_MAX], style=style, emoji=emoji,
                                           custom_id=f"jetbot:checkin:{event_id}:{page}:{entry.user_id}:{int(came)}"))
        self.event_id, self.page, self.user_id, self.came = event_id, page, entry.user_id, came

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
                             ) -> CheckinButton:
        entry = RosterEntry(int(match["user_id"]), 0, None if match["came"] == "1" else True, True)
        return cls(int(match["event_id"]), int(match["page"]), entry, "")

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        await update_list(interaction, self.event_id, self.page, mark=(self.user_id, self.came))


class CheckinPageButton(discord.ui.DynamicItem[discord.ui.Button],
                        template=r"jetbot:checkin-page:(?P<event_id>[0-9]+):(?P<page>[0-9]+):(?P<how>prev|next|refresh)"):
    def __init__(self, event_id: int, page: int, how: str, *, disabled: bool = False) -> None:
        label, emoji = _PAGING[how]
        super().__init__(discord.ui.Button(label=label, emoji=emoji, style=discord.ButtonStyle.primary,
                                           disabled=disabled,
                                           custom_id=f"jetbot:checkin-page:{event_id}:{page}:{how}"),
                         row=4)  # the last row, however many members the page holds
        self.event_id, self.page = event_id, page

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
                             ) -> CheckinPageButton:
        return cls(int(match["event_id"]), int(match["page"]), match["how"])

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        await update_list(interaction, self.event_id, self.page)


def _label(n: int, entry: RosterEntry, names: dict[int, str]) -> str:
    guests = f" +{entry.guests}" if entry.guests else ""
    name = names.get(entry.user_id) or f"member …{str(entry.user_id)[-4:]}"
    return f"{n}. {name[:LABEL_MAX - 12]}{guests}"


def render(roster: Roster, names: dict[int, str]) -> tuple[str, discord.ui.View]:
    """The list's text and buttons for one page."""
    e = roster.event
    first = roster.page * ROSTER_PAGE + 1
    lines = [f"**Check-in: {escape(e.title)}** — <t:{unix(e.start_at)}:F>",
             f"On the list: {roster.total} · ✅ attended {roster.attended} · ❌ no-show {roster.no_show} · "
             f"not marked {roster.unmarked}"]
    if not roster.entries:
        lines.append("Nobody is down as going yet. Refresh once people have answered.")
    else:
        lines.append("Tap a name when they arrive (✅); tap again for a no-show (❌). Anyone going who is not marked "
                     "counts as a no-show once the event has ended. Only you see this list.")
        shown = []
        for n, entry in enumerate(roster.entries, start=first):
            mark = _MARKS[entry.mark][0] or "⬜"
            extra = (f" +{entry.guests}" if entry.guests else "") + ("" if entry.going else " (not down as going)")
            shown.append(f"{n}. {mark} <@{entry.user_id}>{extra}")
        lines.append("\n".join(shown))
    if roster.pages > 1:
        lines.append(f"Page {roster.page + 1} of {roster.pages}")
    view = discord.ui.View(timeout=None)
    for n, entry in enumerate(roster.entries, start=first):
        view.add_item(CheckinButton(e.id, roster.page, entry, _label(n, entry, names)))
    if roster.pages > 1:
        view.add_item(CheckinPageButton(e.id, max(roster.page - 1, 0), "prev", disabled=roster.page == 0))
        view.add_item(CheckinPageButton(e.id, min(roster.page + 1, roster.pages - 1), "next",
                                        disabled=roster.page >= roster.pages - 1))
    view.add_item(CheckinPageButton(e.id, roster.page, "refresh"))
    return "\n".join(lines)[:2000], view


async def show_list(interaction: discord.Interaction, event_id: int) -> None:
    """``/event checkin-list``: the first page, privately to the organiser."""
    if interaction.guild_id is None:
        raise UserError("That only works in the server the event belongs to.")
    await interaction.response.defer(ephemeral=True, thinking=True)  # names may need a gateway look-up
    roster = await services_of(interaction).events.attendance.roster(interaction.guild_id, event_id)
    names = await display_names(interaction.guild, [en.user_id for en in roster.entries])
    content, view = render(roster, names)
    await send_ephemeral(interaction, content, view=view)


async def update_list(interaction: discord.Interaction, event_id: int, page: int, *,
                      mark: tuple[int, bool] | None = None) -> None:
    """A tap on the list: re-check the organiser, record the mark, redraw the page in place."""
    if interaction.guild_id is None:
        raise UserError("That only works in the server the event belongs to.")
    await require_organiser(interaction)
    await interaction.response.defer()  # a component's deferral: the list itself is edited afterwards
    attendance = services_of(interaction).events.attendance
    if mark is not None:
        await attendance.mark(interaction.guild_id, event_id, *mark)
    roster = await attendance.roster(interaction.guild_id, event_id, page)
    names = await display_names(interaction.guild, [en.user_id for en in roster.entries])
    content, view = render(roster, names)
    await interaction.edit_original_response(content=content, view=view, allowed_mentions=NO_MENTIONS)


__all__ = ["CheckinButton", "CheckinPageButton", "display_names", "render", "show_list", "update_list"]
