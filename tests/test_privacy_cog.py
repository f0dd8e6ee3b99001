"""/privacy cog: the export file and the confirmed erasure, with spec'd interaction mocks."""

from __future__ import annotations

import json
from unittest.mock import MagicMock

import pytest

from bot.storage import Database
from cogs.privacy import ConfirmErase, PrivacyCog
from tests.helpers import bot_with_services, make_interaction, make_member, sent_kwargs

WORDING = "I agree that this chapter may email me its newsletter."
G1, G2 = 1, 2
ANA = 1001


@pytest.fixture
def bot(db: Database, clock) -> MagicMock:
    return bot_with_services(db, clock, consent_text=WORDING)


@pytest.fixture
def cog(bot) -> PrivacyCog:
    return PrivacyCog(bot)


async def _exported(cog: PrivacyCog, bot: MagicMock, guild_id: int = G1) -> dict:
    interaction = make_interaction(bot, guild_id=guild_id, user=make_member(ANA, guild_id=guild_id))
    await cog.export.callback(cog, interaction)
    kwargs = sent_kwargs(interaction)
    assert kwargs["ephemeral"] is True and "this server only" in kwargs["content"]
    file = kwargs["file"]
    assert file.filename.endswith(".json")
    file.fp.seek(0)
    return json.loads(file.fp.read())


async def test_export_then_delete_then_export_shows_nothing_left(cog, bot, db) -> None:
    newsletter = bot.services.newsletter
    await newsletter.subscribe(G1, ANA, "ana@jetaa.org", "Ana", channel_id=500)
    await newsletter.subscribe(G2, ANA, "ana@jetaa.org", "Ana", channel_id=600)
    event = await bot.services.events.create_event(G1, created_by=9, channel_id=500, title="Hanami",
                                                   start="2026-12-01 12:00", end="2026-12-01 15:00")
    await bot.services.events.rsvp(G1, event.event.id, ANA, "going")

    before = await _exported(cog, bot)
    assert before["newsletter"]["subscription"]["email"] == "ana@jetaa.org"
    assert [e["event_title"] for e in before["events"]] == ["Hanami"]

    interaction = make_interaction(bot, user=make_member(ANA))
    await cog.delete.callback(cog, interaction)
    kwargs = sent_kwargs(interaction)
    assert kwargs["ephemeral"] is True and "in this server" in kwargs["content"]
    view = kwargs["view"]
    assert isinstance(view, ConfirmErase)
    assert await db.newsletter.get(G1, ANA) is not None  # nothing happens before the confirmation

    click = make_interaction(bot, user=make_member(ANA))
    assert await view.interaction_check(click)
    await view.confirm.callback(click)
    edited = click.response.edit_message.await_args.kwargs
    assert edited["view"] is None
    assert "newsletter sign-up (address, name, consent record): erased" in edited["content"]
    assert "event records" in edited["content"] and "this server only" in edited["content"]

    after = await _exported(cog, bot)
    assert after["newsletter"] is None and after["events"] == []
    # Another server's data is untouched.
    assert (await _exported(cog, bot, G2))["newsletter"]["subscription"]["email"] == "ana@jetaa.org"


async def test_cancel_deletes_nothing_and_others_cannot_press(cog, bot, db) -> None:
    await bot.services.newsletter.subscribe(G1, ANA, "ana@jetaa.org", channel_id=500)
    interaction = make_interaction(bot, user=make_member(ANA))
    await cog.delete.callback(cog, interaction)
    view = sent_kwargs(interaction)["view"]
    assert not await view.interaction_check(make_interaction(bot, user=make_member(2002)))
    click = make_interaction(bot, user=make_member(ANA))
    await view.cancel.callback(click)
    assert "nothing was deleted" in click.response.edit_message.await_args.kwargs["content"]
    assert await db.newsletter.get(G1, ANA) is not None
