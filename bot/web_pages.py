"""The public event page: one self-contained HTML document, readable on a phone, no scripts, no external
resources (nothing for a browser to fetch elsewhere), Open Graph tags for link previews.

Every piece of user text goes through ``html.escape`` (with quotes, since some land in attributes). The
page shows the event and how many places are left, never who answered.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from bot.event_time import zone
from bot.feed import EventPage

OG_DESCRIPTION_MAX = 200

_STYLE = """
:root { color-scheme: light dark; --accent: #bc002d; }
* { box-sizing: border-box; }
body { margin: 0; font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       background: Canvas; color: CanvasText; }
main { max-width: 40rem; margin: 0 auto; padding: 1.25rem 1rem 3rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
.status { display: inline-block; padding: .15rem .6rem; border-radius: 1rem; font-weight: 600;
          background: var(--accent); color: #fff; }
dl { display: grid; grid-template-columns: auto 1fr; gap: .4rem 1rem; margin: 0 0 1.25rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
.description { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0 0 1.5rem; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; }
.actions a { display: inline-block; padding: .7rem 1rem; border-radius: .5rem; text-decoration: none;
             border: 2px solid var(--accent); color: inherit; font-weight: 600; }
.actions a.primary { background: var(--accent); color: #fff; }
footer { margin-top: 2rem; font-size: .85rem; opacity: .75; }
"""


def _when(start: datetime, end: datetime, tz_name: str) -> str:
    """"Saturday 5 December 2026, 18:30–20:30 GMT (Europe/London)"; the end's date when it differs."""
    tz = zone(tz_name)
    s, e = start.astimezone(tz), end.astimezone(tz)
    day = f"{s:%A} {s.day} {s:%B %Y}"
    if e.date() == s.date():
        span = f"{day}, {s:%H:%M}–{e:%H:%M}"
    else:
        span = f"{day}, {s:%H:%M} – {e:%A} {e.day} {e:%B %Y}, {e:%H:%M}"
    abbrev = s.tzname() or ""
    label = tz_name if abbrev in ("", tz_name) else f"{abbrev} ({tz_name})"
    return f"{span} {label}"


def _places(page: EventPage) -> str:
    if page.event.cancelled:
        return "—"
    if page.places_left is None:
        return "No limit"
    if page.places_left == 0:
        return "Full (join the waitlist on Discord)"
    return f"{page.places_left} of {page.event.capacity}"


def _og_description(page: EventPage, when: str) -> str:
    text = f"{when}" + (f" · {page.event.location}" if page.event.location else "")
    if page.event.description:
        text += " — " + " ".join(page.event.description.split())
    return text if len(text) <= OG_DESCRIPTION_MAX else text[: OG_DESCRIPTION_MAX - 1].rstrip() + "…"


def render_event_page(page: EventPage) -> str:
    e = page.event
    when = _when(e.start_at, e.end_at, page.timezone)
    title = escape(e.title)
    og_title = escape(("Cancelled: " if e.cancelled else "") + e.title)
    rows = [("When", f'<time datetime="{escape(e.start_at.isoformat())}">{escape(when)}</time>')]
    if e.location:
        rows.append(("Where", escape(e.location)))
    rows.append(("Places left", escape(_places(page))))
    details = "\n".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in rows)
    status = '<p><span class="status">Cancelled</span></p>' if e.cancelled else ""
    description = f'<p class="description">{escape(e.description)}</p>' if e.description else ""
    actions = (
        '<div class="actions">'
        f'<a class="primary" href="{escape(page.ics_url)}" download>Add to calendar (.ics)</a>'
        f'<a href="{escape(page.google_url)}" rel="noopener noreferrer">Add to Google Calendar</a>'
        "</div>"
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>{og_title}</title>
<meta name="description" content="{escape(_og_description(page, when))}">
<meta property="og:type" content="website">
<meta property="og:title" content="{og_title}">
<meta property="og:description" content="{escape(_og_description(page, when))}">
<meta property="og:url" content="{escape(page.page_url)}">
<meta name="twitter:card" content="summary">
<style>{_STYLE}</style>
</head>
<body>
<main>
{status}<h1>{title}</h1>
<dl>
{details}
</dl>
{description}
{actions}
<footer>RSVP with the buttons on the event's post in the chapter's Discord server.</footer>
</main>
</body>
</html>
"""
