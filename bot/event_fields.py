"""What organisers type into an event or a series, checked once for both: limits, cleaning, the post's link.
No Discord imports.

The limits are Discord's (a scheduled event's name, location and description; a form label for a sign-up
question), so anything accepted here can also be mirrored in the server's Events tab and asked in a form.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.errors import UserError
from bot.rsvp import GUESTS_MAX
from bot.storage.events import EventRow

TITLE_MAX = 100  # Discord scheduled event name limit (embed titles allow 256)
LOCATION_MAX = 100  # Discord scheduled event location limit
DESCRIPTION_MAX = 1000  # Discord scheduled event description limit
CAPACITY_MAX = 10_000
QUESTIONS_MAX = 3
QUESTION_MAX = 45  # a modal label's limit: each question is shown as one


def clean_text(text: str | None, limit: int, what: str, *, required: bool = False) -> str:
    value = (text or "").strip()
    if required and not value:
        raise UserError(f"The event needs a {what}.")
    if len(value) > limit:
        raise UserError(f"The {what} is {len(value)} characters long; Discord allows at most {limit}.")
    return value


def clean_capacity(value: int | None) -> int | None:
    if value is None:
        return None
    if value < 1:
        raise UserError("The capacity must be at least 1 (leave it empty for no limit).")
    if value > CAPACITY_MAX:
        raise UserError(f"The capacity can be at most {CAPACITY_MAX:,}.")
    return value


def clean_questions(questions: Sequence[str]) -> tuple[str, ...]:
    out = tuple(q for q in (" ".join((q or "").split()) for q in questions) if q)
    if len(out) > QUESTIONS_MAX:
        raise UserError(f"An event can ask at most {QUESTIONS_MAX} sign-up questions.")
    for q in out:
        if len(q) > QUESTION_MAX:
            raise UserError(f"Keep each question to {QUESTION_MAX} characters (Discord's limit for a form label): "
                            f"`{q[:60]}` is {len(q)}.")
    return out


def clean_guests(value: int) -> int:
    if not 0 <= value <= GUESTS_MAX:
        raise UserError(f"Members can bring between 0 and {GUESTS_MAX} guests.")
    return value


def message_url(event: EventRow) -> str | None:
    """The link to the event's post on Discord, once it is posted."""
    if event.channel_id is None or event.message_id is None:
        return None
    return f"https://discord.com/channels/{event.guild_id}/{event.channel_id}/{event.message_id}"


__all__ = [
    "CAPACITY_MAX", "DESCRIPTION_MAX", "LOCATION_MAX", "QUESTIONS_MAX", "QUESTION_MAX", "TITLE_MAX", "clean_capacity",
    "clean_guests", "clean_questions", "clean_text", "message_url",
]
