"""iCalendar (.ics) files for events, so members can put them in their own calendar. No Discord imports."""

from __future__ import annotations

from datetime import datetime

import icalendar

from bot.storage.events import EventRow

PRODID = "-//jetbot//JETAA chapter events//EN"


def event_uid(event: EventRow) -> str:
    """Stable per event: calendars that imported the file before update the same entry."""
    return f"jetbot-event-{event.guild_id}-{event.id}@jetbot"


def build_ics(event: EventRow, *, url: str | None, now: datetime) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    item = icalendar.Event()
    item.add("uid", event_uid(event))
    item.add("dtstamp", now)
    item.add("dtstart", event.start_at)
    item.add("dtend", event.end_at)
    item.add("summary", event.title)
    if event.description:
        item.add("description", event.description)
    if event.location:
        item.add("location", event.location)
    if url:
        item.add("url", url)
    item.add("last-modified", event.updated_at)
    # SEQUENCE must grow with each change so calendars replace their copy: seconds since creation does.
    item.add("sequence", max(0, int(event.updated_at.timestamp() - event.created_at.timestamp())))
    item.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    cal.add_component(item)
    return cal.to_ical()


def ics_filename(event: EventRow) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in event.title.lower()).strip("-")
    safe = "-".join(part for part in safe.split("-") if part)[:40] or "event"
    return f"{safe}.ics"
