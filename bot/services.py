"""The plain async services the Discord layer calls, built once at start and handed to the bot.

Keeping construction here (not in the client) lets the command line, the tests and the benchmarks
build exactly what the bot runs, without Discord.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.ask import AskService
from bot.chapter import ChapterService
from bot.chapter_kb import ChapterKnowledge
from bot.clock import Clock, utcnow
from bot.config import Settings
from bot.events import EventService
from bot.knowledge import KnowledgeService
from bot.newsletter import NewsletterService
from bot.ops.sync_state import CommandSyncState
from bot.privacy import PrivacyService
from bot.storage import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    knowledge: KnowledgeService
    ask: AskService
    chapter: ChapterService
    chapter_kb: ChapterKnowledge
    events: EventService
    newsletter: NewsletterService
    privacy: PrivacyService
    command_sync: CommandSyncState
    clock: Clock


def build_services(settings: Settings, db: Database, knowledge: KnowledgeService, clock: Clock = utcnow) -> Services:
    """Wire the services over one opened database."""
    events = EventService(db, clock=clock)
    newsletter = NewsletterService(db, clock=clock, consent_text=settings.consent_text)
    chapter_kb = ChapterKnowledge(db, knowledge, clock=clock)
    privacy = PrivacyService(db, clock=clock, events=events, newsletter=newsletter)
    # Votes and authorship of chapter entries: in /privacy export and erased in the one erasure transaction.
    privacy.add_eraser("answer votes, and your name on chapter entries you wrote", db.chapter_kb.erase_member_in)
    privacy.add_exporter("chapter_knowledge", db.chapter_kb.export_member)
    return Services(
        settings=settings,
        db=db,
        knowledge=knowledge,
        ask=AskService(knowledge, events, db, chapter_kb),
        chapter=ChapterService(db),
        chapter_kb=chapter_kb,
        events=events,
        newsletter=newsletter,
        privacy=privacy,
        command_sync=CommandSyncState(db),
        clock=clock,
    )
