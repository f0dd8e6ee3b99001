"""Reading event times that organisers type, in their server's time zone. No Discord imports.

Accepted starts (and full end date-times), read in the server's time zone (``/chapter timezone``):
``2026-12-05 18:30``, ``2026-12-05T18:30``, ``2026/12/05 18:30``, ``5 Dec 2026 18:30``, ``Dec 5 2026 6:30pm``
(commas allowed, ``6pm`` / ``6:30 pm`` allowed). ``05/12/2026`` is refused on purpose: chapters are in
countries that read it as 5 December and as May 12, and a silently wrong date is worse than a question.

Ends: a time on the start's day (``20:30``; an earlier time means after midnight when the event is
then at most 12 hours long, e.g. ``21:00`` to ``01:00``), a duration (``2h``, ``90m``, ``1h30m``,
``2 hours``), or a full date-time. Empty means two hours.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, datetime, time, timedelta

from bot.errors import UserError

DEFAULT_DURATION = timedelta(hours=2)
MAX_DURATION = timedelta(days=31)
MAX_AHEAD = timedelta(days=3 * 366)
ROLLOVER_LIMIT = timedelta(hours=12)
EXAMPLE = "`2026-12-05 18:30` or `5 Dec 2026 18:30`"

_MONTHS = {
    name: i + 1
    for i, names in enumerate([
        ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
        ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
        ("oct", "october"), ("nov", "november"), ("dec", "december"),
    ])
    for name in names
}
_TIME = r"(?P<h>\d{1,2})(?:[:.](?P<mi>\d{2}))?(?::(?P<s>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?"
_ISO = re.compile(r"^(?P<y>\d{4})[-/](?P<mo>\d{1,2})[-/](?P<d>\d{1,2})(?:[T\s]+|\s*,\s*)" + _TIME + r"$", re.I)
_DMY = re.compile(r"^(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?P<mon>[a-z]+)\.?,?\s+(?P<y>\d{4}),?\s+(?:at\s+)?"
                  + _TIME + r"$", re.I)
_MDY = re.compile(r"^(?P<mon>[a-z]+)\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4}),?\s+(?:at\s+)?" + _TIME
                  + r"$", re.I)
_SLASHED = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")
_TIME_ONLY = re.compile(r"^" + _TIME + r"$", re.I)
_DURATION = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hour|hours))?\s*(?:(?P<m>\d+)\s*(?:m|min|mins|minute|minutes))?$", re.I
)


def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _clock(m: re.Match[str]) -> time:
    hour, minute, second = int(m.group("h")), int(m.group("mi") or 0), int(m.group("s") or 0)
    ampm = (m.group("ampm") or "").replace(".", "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            raise ValueError("hour")
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    elif m.group("mi") is None:
        raise ValueError("a bare number is not a time")  # "18" alone is too easy to misread
    return time(hour, minute, second)


def _local(naive: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    """Attach the zone, refusing wall-clock times that do not exist there (clocks going forward)."""
    aware = naive.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise UserError(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {tz.key} (the clocks change then). Pick another time."
        )
    return aware.astimezone(UTC)


def parse_datetime(text: str, tz_name: str, *, what: str = "start") -> datetime:
    """A typed date and time in the server's zone -> aware UTC datetime, or a UserError that says how."""
    cleaned = " ".join(text.strip().split())
    if not cleaned:
        raise UserError(f"Give a {what} date and time, such as {EXAMPLE}.")
    tz = zone(tz_name)
    if _SLASHED.match(cleaned):
        raise UserError(
            f"`{cleaned[:40]}` could be read two ways (day/month or month/day). Write the {what} as {EXAMPLE}."
        )
    for pattern in (_ISO, _DMY, _MDY):
        m = pattern.match(cleaned)
        if not m:
            continue
        try:
            month = int(m.group("mo")) if "mo" in pattern.groupindex else _MONTHS[m.group("mon").lower()]
            naive = datetime.combine(datetime(int(m.group("y")), month, int(m.group("d"))).date(), _clock(m))
        except (KeyError, ValueError):
            break
        return _local(naive, tz)
    raise UserError(f"I couldn't read `{cleaned[:40]}` as a {what} date and time. Use a form like {EXAMPLE}.")


def parse_end(text: str, start: datetime, tz_name: str) -> datetime:
    """The end from a time, a duration or a full date-time (see the module docstring)."""
    cleaned = " ".join(text.strip().split())
    if not cleaned:
        return start + DEFAULT_DURATION
    tz = zone(tz_name)
    m = _TIME_ONLY.match(cleaned)
    if m:
        try:
            clock = _clock(m)
        except ValueError:
            clock = None
        if clock is not None:
            local_start = start.astimezone(tz)
            end = _local(datetime.combine(local_start.date(), clock), tz)
            if end <= start:
                rolled = _local(datetime.combine(local_start.date() + timedelta(days=1), clock), tz)
                if rolled - start > ROLLOVER_LIMIT:
                    raise UserError(f"The end ({cleaned}) is before the start. Give an end after the start, "
                                    "a duration like `2h`, or a full date and time.")
                end = rolled
            return end
    m = _DURATION.match(cleaned)
    if m and (m.group("h") or m.group("m")):
        length = timedelta(hours=float(m.group("h") or 0), minutes=int(m.group("m") or 0))
        if length <= timedelta(0):
            raise UserError("The event must last longer than zero minutes.")
        if length > MAX_DURATION:
            raise UserError("An event can last at most 31 days.")
        return start + length
    try:
        end = parse_datetime(cleaned, tz_name, what="end")
    except UserError:
        raise UserError(
            f"I couldn't read `{cleaned[:40]}` as an end. Use a time (`20:30`), a duration (`2h`, `90m`) "
            f"or a date and time like {EXAMPLE}."
        ) from None
    if end <= start:
        raise UserError("The end is before (or at) the start. Give an end after the start.")
    if end - start > MAX_DURATION:
        raise UserError("An event can last at most 31 days.")
    return end


def parse_when(start_text: str, end_text: str, tz_name: str, now: datetime) -> tuple[datetime, datetime]:
    """Start and end of a new or moved event; the start must be in the future (and not absurdly far)."""
    start = parse_datetime(start_text, tz_name)
    if start <= now:
        raise UserError(f"That start ({format_local(start, tz_name)}, {tz_name}) is in the past. "
                        "Give a time in the future.")
    if start - now > MAX_AHEAD:
        raise UserError("That start is more than three years away. Check the year.")
    return start, parse_end(end_text, start, tz_name)


def format_local(dt: datetime, tz_name: str) -> str:
    """The form the parser reads back, used to pre-fill the edit form."""
    return dt.astimezone(zone(tz_name)).strftime("%Y-%m-%d %H:%M")


def unix(dt: datetime) -> int:
    return int(dt.timestamp())
