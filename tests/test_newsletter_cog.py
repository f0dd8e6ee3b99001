"""/newsletter cog with real services and spec'd interaction mocks."""

from __future__ import annotations

import csv
import io
from unittest.mock import MagicMock

import discord
import pytest

from bot.client import OrganiserOnly
from bot.newsletter import SIGNUP_LIMIT
from bot.storage import Database
from cogs._newsletter_views import RetryView, SubscribeModal, UnsubscribeButton
from cogs.newsletter import NewsletterCog
from tests.helpers import bot_with_services, make_interaction, make_member, sent_kwargs

WORDING = "I agree that the Tokyo chapter may email me its newsletter. I can leave at any time."
G1, G2 = 1, 2
ORGANISER_ROLE = 777


@pytest.fixture
def bot(db: Database, clock) -> MagicMock:
    return bot_with_services(db, clock, consent_text=WORDING)


@pytest.fixture
def cog(bot) -> NewsletterCog:
    return NewsletterCog(bot)


def member(user_id: int = 1001, guild_id: int = G1) -> MagicMock:
    return make_member(user_id, guild_id=guild_id)


def organiser(guild_id: int = G1) -> MagicMock:
    return make_member(9, guild_id=guild_id, permissions=discord.Permissions(manage_guild=True))


def assert_ephemeral(interaction: MagicMock) -> dict:
    kwargs = sent_kwargs(interaction)
    assert kwargs.get("ephemeral") is True, "replies that may hold an address must be ephemeral"
    assert kwargs.get("allowed_mentions") is not None
    return kwargs


async def submit(bot, email: str, name: str = "", *, user: MagicMock | None = None, guild_id: int = G1) -> MagicMock:
    """Fill in and submit the sign-up modal as a member would."""
    modal = SubscribeModal(consent_text=WORDING, version=1, email=email, name=name)
    interaction = make_interaction(bot, guild_id=guild_id, user=user or member(guild_id=guild_id))
    await modal.on_submit(interaction)
    return interaction


# -- /newsletter subscribe -----------------------------------------------------------------------------
async def test_subscribe_opens_a_modal_that_shows_the_consent_wording(cog, bot) -> None:
    interaction = make_interaction(bot)
    await cog.subscribe.callback(cog, interaction)
    modal = interaction.response.send_modal.await_args.args[0]
    assert isinstance(modal, SubscribeModal)
    payload = modal.to_dict()
    assert len(payload["title"]) <= 45 and len(payload["components"]) <= 5
    text, email, name = payload["components"]
    assert text["type"] == discord.ComponentType.text_display.value
    assert WORDING in text["content"] and "v1" in text["content"]
    assert email["type"] == name["type"] == discord.ComponentType.label.value
    assert all(len(c["label"]) <= 45 for c in (email, name))
    assert email["component"]["required"] is True and name["component"]["required"] is False
    assert "value" not in email["component"]  # nothing to pre-fill for a new member


async def test_subscribe_prefills_the_current_address(cog, bot) -> None:
    await bot.services.newsletter.subscribe(G1, 1001, "ana@jetaa.org", "Ana", channel_id=5)
    interaction = make_interaction(bot, user=member())
    await cog.subscribe.callback(cog, interaction)
    modal = interaction.response.send_modal.await_args.args[0]
    assert (modal.email_input.value, modal.name_input.value) == ("ana@jetaa.org", "Ana")


async def test_submitting_shows_exactly_what_was_stored(bot, db) -> None:
    interaction = await submit(bot, "  Ana@JETAA.org ", "Ana Smith")
    kwargs = assert_ephemeral(interaction)
    embed: discord.Embed = kwargs["embed"]
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Email address"] == "Ana@jetaa.org"
    assert fields["Name"] == "Ana Smith"
    assert fields["Where"] == "<#500>"
    assert fields["Through"] == "`/newsletter subscribe`"
    assert fields["Consent wording"].startswith("version 1")
    assert "<t:" in fields["Signed up"]
    assert WORDING in embed.description and "Guild 1" in embed.description
    view = kwargs["view"]
    assert [c.custom_id for c in view.children] == ["jetbot:newsletter:unsubscribe"]
    sub = await db.newsletter.get(G1, 1001)
    assert sub is not None and sub.email == "Ana@jetaa.org" and sub.channel_id == 500


async def test_a_new_address_replaces_the_old_one_and_says_so(bot, db, clock) -> None:
    first = assert_ephemeral(await submit(bot, "ana@jetaa.org"))["embed"]
    assert "First signed up" not in {f.name for f in first.fields}
    clock.advance(days=3)
    interaction = await submit(bot, "ana.new@jetaa.org")
    embed = assert_ephemeral(interaction)["embed"]
    assert embed.title == "Your newsletter address is updated"
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Email address"] == "ana.new@jetaa.org"
    assert fields["First signed up"] != fields["Signed up"]
    assert "ana@jetaa.org" in embed.description and "no longer stored" in embed.description
    assert len(await db.newsletter.list_by_status(G1)) == 1


@pytest.mark.parametrize("bad", ["ana@p\u0430ypal.com", "ana@", "ana smith@jetaa.org", "\uff41na@jetaa.org"])
async def test_a_bad_address_keeps_what_was_typed_for_a_retry(bot, db, bad: str) -> None:
    interaction = await submit(bot, bad, "Ana")
    kwargs = assert_ephemeral(interaction)
    assert "Nothing was stored" in kwargs["content"] and "Try again" in kwargs["content"]
    view = kwargs["view"]
    assert isinstance(view, RetryView) and (view.email, view.name) == (bad, "Ana")
    assert await db.newsletter.get(G1, 1001) is None
    # "Try again" reopens the modal with the text as typed.
    click = make_interaction(bot, user=member())
    assert await view.interaction_check(click)
    await view.try_again.callback(click)
    modal = click.response.send_modal.await_args.args[0]
    assert (modal.email_input.value, modal.name_input.value) == (bad, "Ana")
    assert not await view.interaction_check(make_interaction(bot, user=member(2002)))


async def test_too_many_attempts_get_a_clear_message_and_no_retry_button(bot) -> None:
    for i in range(SIGNUP_LIMIT):
        await submit(bot, f"ana{i}@jetaa.org")
    interaction = await submit(bot, "ana9@jetaa.org")
    kwargs = assert_ephemeral(interaction)
    assert "limit" in kwargs["content"] and "view" not in kwargs


# -- leaving and status ---------------------------------------------------------------------------------
async def test_the_unsubscribe_button_ends_it_at_once(bot, db) -> None:
    await submit(bot, "ana@jetaa.org")
    click = make_interaction(bot, user=member())
    await UnsubscribeButton().callback(click)
    assert "unsubscribed" in assert_ephemeral(click)["content"]
    sub = await db.newsletter.get(G1, 1001)
    assert sub is not None and sub.status == "unsubscribed" and sub.unsubscribed_at is not None
    last = (await db.newsletter.consent_log(G1, 1001))[-1]
    assert (last.action, last.command) == ("unsubscribe", "/newsletter subscribe: Unsubscribe button")


async def test_the_unsubscribe_button_acts_in_the_server_it_is_clicked_in(bot, db) -> None:
    await submit(bot, "ana@jetaa.org", guild_id=G1)
    await submit(bot, "ana@jetaa.org", guild_id=G2, user=member(guild_id=G2))
    await UnsubscribeButton().callback(make_interaction(bot, guild_id=G2, user=member(guild_id=G2)))
    assert (await db.newsletter.get(G1, 1001)).active
    assert not (await db.newsletter.get(G2, 1001)).active


async def test_unsubscribe_command_and_status(cog, bot) -> None:
    interaction = make_interaction(bot, user=member())
    await cog.status.callback(cog, interaction)
    assert "not signed up" in assert_ephemeral(interaction)["content"]

    await submit(bot, "ana@jetaa.org", "Ana")
    interaction = make_interaction(bot, user=member())
    await cog.status.callback(cog, interaction)
    kwargs = assert_ephemeral(interaction)
    assert "ana@jetaa.org" in kwargs["content"] and "signed up" in kwargs["content"]
    assert kwargs["view"].children[0].custom_id == "jetbot:newsletter:unsubscribe"

    interaction = make_interaction(bot, user=member())
    await cog.unsubscribe.callback(cog, interaction)
    assert "You're unsubscribed" in assert_ephemeral(interaction)["content"]

    interaction = make_interaction(bot, user=member())
    await cog.status.callback(cog, interaction)
    assert "You unsubscribed" in assert_ephemeral(interaction)["content"]

    interaction = make_interaction(bot, user=member())
    await cog.unsubscribe.callback(cog, interaction)
    assert "weren't subscribed" in assert_ephemeral(interaction)["content"]


# -- organisers -----------------------------------------------------------------------------------------
def attached_rows(interaction: MagicMock) -> tuple[str, list[dict[str, str]]]:
    file: discord.File = assert_ephemeral(interaction)["file"]
    file.fp.seek(0)
    return file.filename, list(csv.DictReader(io.StringIO(file.fp.read().decode("utf-8"), newline="")))


async def test_export_sends_the_chosen_csv_ephemerally(cog, bot) -> None:
    await submit(bot, "ana@jetaa.org", "Ana Smith")
    await submit(bot, "ben@jetaa.org", user=member(1002))
    await submit(bot, "cho@jetaa.org", user=member(1003))
    await UnsubscribeButton().callback(make_interaction(bot, user=member(1003)))
    await submit(bot, "dan@jetaa.org", guild_id=G2, user=member(1004, G2))

    interaction = make_interaction(bot, user=organiser())
    await cog.export.callback(cog, interaction, format="listmonk")
    filename, rows = attached_rows(interaction)
    assert filename.endswith(".csv") and "listmonk" in filename
    assert [r["email"] for r in rows] == ["ana@jetaa.org", "ben@jetaa.org"]
    assert "2 subscribers" in sent_kwargs(interaction)["content"]

    interaction = make_interaction(bot, user=organiser())
    await cog.export.callback(cog, interaction, format="mailchimp")
    _, rows = attached_rows(interaction)
    assert [(r["Email Address"], r["First Name"], r["Last Name"]) for r in rows] == [
        ("ana@jetaa.org", "Ana", "Smith"), ("ben@jetaa.org", "", "")
    ]

    interaction = make_interaction(bot, user=organiser())
    await cog.export.callback(cog, interaction, format="listmonk", members="unsubscribed")
    _, rows = attached_rows(interaction)
    assert [r["email"] for r in rows] == ["cho@jetaa.org"]
    assert "Blocklist" in sent_kwargs(interaction)["content"]


async def test_export_of_an_empty_list_says_so(cog, bot) -> None:
    await submit(bot, "ana@jetaa.org", guild_id=G1)
    interaction = make_interaction(bot, guild_id=G2, user=organiser(G2))
    await cog.export.callback(cog, interaction, format="listmonk")
    kwargs = assert_ephemeral(interaction)
    assert "no active subscribers" in kwargs["content"] and "file" not in kwargs


async def test_export_and_stats_are_for_organisers_only(cog, bot, db) -> None:
    for command in (cog.export, cog.stats):
        (check,) = command.checks
        with pytest.raises(OrganiserOnly, match="only organisers"):
            await check(make_interaction(bot, user=member()))
        assert await check(make_interaction(bot, user=organiser()))
        # The server's organiser role works too, but only in that server.
        await db.settings.set_organiser_role(G1, ORGANISER_ROLE)
        with_role = make_member(1005, role_ids=(ORGANISER_ROLE,))
        assert await check(make_interaction(bot, guild_id=G1, user=with_role))
        with pytest.raises(OrganiserOnly):
            await check(make_interaction(bot, guild_id=G2, user=make_member(1005, guild_id=G2,
                                                                           role_ids=(ORGANISER_ROLE,))))


async def test_stats_counts(cog, bot) -> None:
    await submit(bot, "ana@jetaa.org")
    await submit(bot, "ben@jetaa.org", user=member(1002))
    await UnsubscribeButton().callback(make_interaction(bot, user=member(1002)))
    interaction = make_interaction(bot, user=organiser())
    await cog.stats.callback(cog, interaction)
    content = assert_ephemeral(interaction)["content"]
    assert "**Active subscribers:** 1" in content and "**Unsubscribed:** 1" in content
    assert "this month" in content and content.endswith(": 1")


async def test_cog_registers_the_persistent_unsubscribe_button(cog, bot) -> None:
    await cog.cog_load()
    bot.add_dynamic_items.assert_called_once_with(UnsubscribeButton)
