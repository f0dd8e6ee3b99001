"""Per-server (chapter) settings: time zone, organiser role, reminder times.

Parsing lives here, not in the cog, so that every rule and its message is tested without Discord.
"""

from __future__ import annotations

import re
import zoneinfo
from functools import lru_cache

from bot.errors import UserError
from bot.storage import Database, GuildSettings

MAX_REMINDERS = 5
MAX_REMINDER_MINUTES = 14 * 24 * 60  # two weeks
_OFFSET = re.compile(r"^\s*(\d+)\s*(d|day|days|h|hr|hrs|hour|hours|m|min|mins|minute|minutes)\s*$", re.I)


@lru_cache(maxsize=1)
def all_timezones() -> tuple[str, ...]:
    """IANA names (from the ``tzdata`` package, so the same on every machine)."""
    return tuple(sorted(zoneinfo.available_timezones()))


@lru_cache(maxsize=1)
def _timezones_by_lower() -> dict[str, str]:
    return {tz.lower(): tz for tz in all_timezones()}


def parse_timezone(name: str) -> str:
    """Canonical IANA name for ``name`` (case-insensitive), or a UserError with a hint."""
    cleaned = name.strip().replace(" ", "_")
    if not cleaned:
        raise UserError("Give a time zone such as `Europe/London` or `America/New_York`.")
    canonical = _timezones_by_lower().get(cleaned.lower())
    if canonical is None:
        raise UserError(
            f"`{name[:60]}` is not a time zone I know. Use an IANA name such as `Europe/London`, "
            "`America/New_York` or `Asia/Tokyo` (the command suggests names as you type)."
        )
    return canonical


def suggest_timezones(prefix: str, limit: int = 25) -> list[str]:
    """Autocomplete: names containing what was typed, those starting with it first."""
    needle = prefix.strip().lower().replace(" ", "_")
    if not needle:
        return ["UTC", "Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney"][:limit]
    starts = [tz for tz in all_timezones() if tz.lower().startswith(needle)]
    contains = [tz for tz in all_timezones() if needle in tz.lower() and tz not in starts]
    return (starts + contains)[:limit]


def parse_reminder_offsets(text: str) -> list[int]:
    """``"24h, 1h"`` -> ``[1440, 60]`` (minutes before the start). ``"none"`` turns reminders off."""
    if text.strip().lower() in {"none", "off", "0"}:
        return []
    minutes: set[int] = set()
    for part in re.split(r"[,\s]+(?=\d)", text.strip()):
        m = _OFFSET.match(part)
        if not m:
            raise UserError(
                f"I couldn't read `{part[:30]}` as a reminder time. Use a list like `24h, 1h` or `2d, 30m`, "
                "or `none` to turn reminders off."
            )
        value, unit = int(m.group(1)), m.group(2).lower()
        factor = 1440 if unit.startswith("d") else 60 if unit.startswith("h") else 1
        total = value * factor
        if not 1 <= total <= MAX_REMINDER_MINUTES:
            raise UserError("Reminders can be from 1 minute to 14 days before an event.")
        minutes.add(total)
    if len(minutes) > MAX_REMINDERS:
        raise UserError(f"At most {MAX_REMINDERS} reminder times per server.")
    return sorted(minutes, reverse=True)


def format_offset(minutes: int) -> str:
    if minutes % 1440 == 0:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


class ChapterService:
    """Reads and changes a server's settings."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, guild_id: int) -> GuildSettings:
        return await self.db.settings.get(guild_id)

    async def set_timezone(self, guild_id: int, name: str) -> str:
        tz = parse_timezone(name)
        await self.db.settings.set_timezone(guild_id, tz)
        return tz

    async def set_organiser_role(self, guild_id: int, role_id: int | None) -> None:
        await self.db.settings.set_organiser_role(guild_id, role_id)

    async def set_reminders(self, guild_id: int, text: str) -> list[int]:
        offsets = parse_reminder_offsets(text)
        await self.db.settings.set_reminder_offsets(guild_id, offsets)
        return offsets
