"""The rest of /newsletter end to end: status before and after, unsubscribe as a slash command, organisers'
stats (and members refused), and the bad-address flow down to the pre-filled modal it reopens."""

from __future__ import annotations

from datetime import UTC, datetime

from cogs._newsletter_views import EMAIL_FIELD, NAME_FIELD
from tests.fakediscord.results import MESSAGE, MODAL

UNSUBSCRIBE = "jetbot:newsletter:unsubscribe"


def in_time(result):
    """Acknowledged, and not refused as late (the fake refuses callbacks after 3 s with 10062)."""
    assert result.acknowledged and 10062 not in result.refused and 40060 not in result.refused, result
    return result


async def sign_up(discord, user, email: str, name: str = ""):
    opened = in_time(await discord.slash("newsletter subscribe", user=user))
    assert opened.modal is not None
    return in_time(await discord.submit_modal(opened.modal["custom_id"], {EMAIL_FIELD: email, NAME_FIELD: name},
                                              user=user))


def modal_values(modal: dict) -> dict[str, str | None]:
    return {c["component"]["custom_id"]: c["component"].get("value")
            for c in modal["components"] if c["type"] == 18}


async def test_status_before_and_after_and_unsubscribe_as_a_slash_command(discord, world):
    before = in_time(await discord.slash("newsletter status", user=world.member))
    assert before.response.ephemeral and "not signed up" in before.text and "/newsletter subscribe" in before.text
    assert before.response.custom_ids == []

    signed = await sign_up(discord, world.member, "mika@jetaa-tokyo.org", "Mika")
    assert signed.response.ephemeral

    during = in_time(await discord.slash("newsletter status", user=world.member))
    assert during.response.ephemeral
    assert "signed up" in during.text and "**mika@jetaa-tokyo.org**" in during.text and "(name: Mika)" in during.text
    assert during.response.custom_ids == [UNSUBSCRIBE]

    left = in_time(await discord.slash("newsletter unsubscribe", user=world.member))
    assert left.response.type == MESSAGE and left.response.ephemeral
    assert "You're unsubscribed" in left.text and "mika@" not in left.text

    after = in_time(await discord.slash("newsletter status", user=world.member))
    assert after.response.ephemeral and "You unsubscribed" in after.text and "not on its list" in after.text
    assert after.response.custom_ids == []

    never = in_time(await discord.slash("newsletter unsubscribe", user=world.helper))
    assert never.response.ephemeral and "weren't subscribed" in never.text

    # Another chapter's list is its own: the member is not signed up there.
    elsewhere = in_time(await discord.slash("newsletter status", user=world.other_member))
    assert "not signed up" in elsewhere.text


async def test_stats_for_organisers_count_this_server_only_and_members_are_refused(discord, world, jetbot):
    await sign_up(discord, world.member, "mika@jetaa-tokyo.org")
    await sign_up(discord, world.helper, "hana@jetaa-tokyo.org")
    in_time(await discord.slash("newsletter unsubscribe", user=world.helper))
    await sign_up(discord, world.other_member, "omar@jetaa-osaka.org")  # another chapter
    jetbot.clock.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # next month
    await sign_up(discord, world.closed_dms, "quentin@jetaa-tokyo.org")

    stats = in_time(await discord.slash("newsletter stats", user=world.organiser))
    assert stats.response.ephemeral
    assert "**Active subscribers:** 2" in stats.text
    assert "**Unsubscribed:** 1" in stats.text
    month_start = int(datetime(2026, 12, 1, tzinfo=UTC).timestamp())
    assert f"since <t:{month_start}:D>, still subscribed): 1" in stats.text
    assert "@" not in stats.text.replace("<t:", ""), "no addresses in the counts"

    other = in_time(await discord.slash("newsletter stats", user=world.other_organiser))
    assert "**Active subscribers:** 1" in other.text and "**Unsubscribed:** 0" in other.text

    refused = in_time(await discord.slash("newsletter stats", user=world.member))
    assert refused.response.ephemeral
    assert "only organisers" in refused.text and "Manage Server" in refused.text
    assert "Active subscribers" not in refused.text


async def test_bad_address_gives_the_reason_and_try_again_reopens_the_form_prefilled(discord, world):
    typed = "mika@@jetaa-tokyo"
    failed = await sign_up(discord, world.member, typed, "Mika Tanaka")
    assert failed.response.type == MESSAGE and failed.response.ephemeral
    assert "doesn't look like a valid email address" in failed.text and "Nothing was stored" in failed.text
    [retry_id] = failed.response.custom_ids
    assert "Try again" in failed.text  # the button's label

    status = in_time(await discord.slash("newsletter status", user=world.member))
    assert "not signed up" in status.text, "a bad address stores nothing"

    again = in_time(await discord.click(failed.original, retry_id, user=world.member))
    assert again.response.type == MODAL
    assert modal_values(again.modal) == {EMAIL_FIELD: typed, NAME_FIELD: "Mika Tanaka"}
    assert any("I agree" in (c.get("content") or "") for c in again.modal["components"] if c["type"] == 10)

    fixed = in_time(await discord.submit_modal(again.modal["custom_id"],
                                               {EMAIL_FIELD: "mika@jetaa-tokyo.org", NAME_FIELD: "Mika Tanaka"},
                                               user=world.member))
    assert fixed.response.ephemeral
    fields = {f["name"]: f["value"] for f in fixed.response.embeds[0]["fields"]}
    assert fields["Email address"] == "mika@jetaa-tokyo.org" and fields["Name"] == "Mika Tanaka"
