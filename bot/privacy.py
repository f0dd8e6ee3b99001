"""Members' data rights across everything jetbot stores (issue #4): export and erase. No Discord imports.

Scope is one server: a member uses /privacy in a chapter's server and gets (or erases) what jetbot keeps
about them *for that chapter*. What jetbot keeps about a member in a server:

- newsletter: the subscription (address, name, consent record) and the consent history;
- events: their RSVPs, reminders sent to them, and being named as an event's creator (``EventService``);
- declined /ask questions: stored aggregated per server with no user id, so nothing of theirs;
- chapter knowledge (``bot/chapter_kb.py``, joined in ``bot/services.py``): their Helpful / Not helpful votes,
  and being named as the author or last editor of a chapter entry or phrasing.

Erasure is ONE transaction (one ``BEGIN IMMEDIATE`` on the one connection): every feature's erase step
runs inside it, so a failure half-way leaves everything as it was, never a member half-erased. Another
feature joins both rights with two calls, made where the services are built (``bot/services.py``)::

    privacy.add_eraser("knowledge suggestions and votes", db.chapter_kb.erase_member_in)
    privacy.add_exporter("knowledge", chapter_kb.export_member)

An erase step is ``async (conn, guild_id, user_id) -> int`` (records removed), runs SQL on ``conn`` only,
and never opens a transaction of its own; an exporter is ``async (guild_id, user_id) -> JSON-able data``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock, utcnow
from bot.events import EventService
from bot.newsletter import NewsletterService
from bot.storage import Database
from bot.storage.engine import Conn

log = logging.getLogger("jetbot.privacy")

EraseStep = Callable[[Conn, int, int], Awaitable[int]]
Exporter = Callable[[int, int], Awaitable[Any]]

DECLINED_QUESTIONS_NOTE = (
    "Questions /ask could not answer are stored counted per server, without any user id, "
    "so jetbot holds nothing that links them to you."
)
SCOPE_NOTE = (
    "This covers what jetbot stores for this server only. If you use jetbot in other servers, "
    "run /privacy there too."
)


@dataclass(frozen=True)
class ErasureReport:
    subscriptions: int
    consent_history: int
    event_records: int
    # {event_id: member ids moved up from the waitlist into the places the member freed}
    promotions: dict[int, tuple[int, ...]] = field(default_factory=dict)
    # (what, records erased) for every erase step another feature added
    others: tuple[tuple[str, int], ...] = ()

    @property
    def total(self) -> int:
        return self.subscriptions + self.consent_history + self.event_records + sum(n for _, n in self.others)

    def lines(self) -> list[str]:
        """What was erased, in words a member understands."""
        return [
            "newsletter sign-up (address, name, consent record): "
            + ("erased" if self.subscriptions else "none stored"),
            f"newsletter consent history: {self.consent_history} entr{'y' if self.consent_history == 1 else 'ies'}",
            f"event records (RSVPs, reminders sent, being named as an event's creator): {self.event_records}",
            *(f"{label}: {count}" for label, count in self.others),
            "declined /ask questions: nothing per member is stored",
        ]


def member_export_json(data: dict[str, Any]) -> bytes:
    """The export file: pretty JSON a person can read, UTF-8 as it is (names may not be ASCII)."""
    return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


class PrivacyService:
    def __init__(self, db: Database, *, clock: Clock = utcnow, events: EventService,
                 newsletter: NewsletterService) -> None:
        self.db = db
        self.clock = clock
        self.events = events
        self.newsletter = newsletter
        self._erasers: list[tuple[str, EraseStep]] = []
        self._exporters: list[tuple[str, Exporter]] = []

    def add_eraser(self, label: str, step: EraseStep) -> None:
        """Erase a feature's records of a member inside the one erasure transaction; ``label`` says what,
        in the member's words ("knowledge suggestions and votes")."""
        self._erasers.append((label, step))

    def add_exporter(self, key: str, exporter: Exporter) -> None:
        """Add a feature's data about a member to ``/privacy export`` under ``key``."""
        self._exporters.append((key, exporter))

    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        """Everything jetbot stores about this member in this server, as plain JSON-able data."""
        return {
            "about": "Your data stored by jetbot in one Discord server.",
            "scope": SCOPE_NOTE,
            "server_id": str(guild_id),
            "user_id": str(user_id),
            "generated_at": self.clock().isoformat(),
            "newsletter": await self.newsletter.export_member(guild_id, user_id),
            "events": await self.events.export_member(guild_id, user_id),
            **{key: await exporter(guild_id, user_id) for key, exporter in self._exporters},
            "declined_questions": DECLINED_QUESTIONS_NOTE,
        }

    async def export_file(self, guild_id: int, user_id: int) -> bytes:
        log.info("privacy: user %s exported their data in guild %s", user_id, guild_id)
        return member_export_json(await self.export_member(guild_id, user_id))

    async def erase_member(self, guild_id: int, user_id: int) -> ErasureReport:
        """Erase everything of this member in this server; returns what was removed."""
        async with self.db.transaction() as conn:
            subs, history = await self.db.newsletter.erase_in(conn, guild_id, user_id)
            # Also says who moved up from a waitlist into a place the member freed (their DMs are queued).
            event_records, promotions = await self.events.erase_member_in(conn, guild_id, user_id)
            others = tuple([(label, await step(conn, guild_id, user_id)) for label, step in self._erasers])
        report = ErasureReport(subs, history, event_records, promotions, others)
        log.info("privacy: erased data of user %s in guild %s (%d rows)", user_id, guild_id, report.total)
        return report
