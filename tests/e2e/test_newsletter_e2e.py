"""The newsletter and data-rights flow as a new member and an organiser go through it, over real sockets."""

from __future__ import annotations

import csv
import io
import json

from cogs._newsletter_views import EMAIL_FIELD, NAME_FIELD

UNSUBSCRIBE = "jetbot:newsletter:unsubscribe"


async def sign_up(discord, user, email: str, name: str = ""):
    opened = await discord.slash("newsletter subscribe", user=user)
    assert opened.modal is not None, "the command answers with the sign-up modal"
    return opened, await discord.submit_modal(opened.modal["custom_id"], {EMAIL_FIELD: email, NAME_FIELD: name},
                                              user=user)


def attachment(discord, result) -> bytes:
    message = result.original
    assert message is not None
    [upload] = discord.files_by_message[int(message["id"])]
    return upload["content"]


def csv_rows(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


async def test_member_signs_up_sees_what_was_stored_and_leaves_with_the_button(discord, world):
    opened, result = await sign_up(discord, world.member, "Mika@JETAA-Tokyo.org", "Mika Tanaka")
    texts = [c for c in opened.modal["components"] if c["type"] == 10]
    assert texts and "I agree" in texts[0]["content"], "the consent wording is shown in the modal"
    assert result.response.ephemeral
    [embed] = result.response.embeds
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Email address"] == "Mika@jetaa-tokyo.org" and fields["Name"] == "Mika Tanaka"
    assert "I agree" in embed["description"]
    assert UNSUBSCRIBE in result.response.custom_ids

    left = await discord.click(result.original, UNSUBSCRIBE, user=world.member)
    assert left.response.ephemeral and "You're unsubscribed" in left.text
    status = await discord.slash("newsletter status", user=world.member)
    assert "You unsubscribed" in status.text
    # No address ever went into a message everyone can see.
    for message in discord.messages.values():
        if "jetaa-tokyo" in json.dumps(message).lower():
            assert int(message.get("flags") or 0) & 64, "an address appeared in a public message"


async def test_bad_address_gets_a_reason_and_a_prefilled_retry(discord, world):
    _, result = await sign_up(discord, world.member, "mika@p\u0430ypal.com", "Mika")
    assert result.response.ephemeral and "plain ASCII" in result.text
    [retry_id] = result.response.custom_ids
    again = await discord.click(result.original, retry_id, user=world.member)
    assert again.modal is not None
    values = {c["component"]["custom_id"]: c["component"].get("value")
              for c in again.modal["components"] if c["type"] == 18}
    assert values == {EMAIL_FIELD: "mika@p\u0430ypal.com", NAME_FIELD: "Mika"}


async def test_organiser_exports_listmonk_and_mailchimp_with_active_members_only(discord, world):
    await sign_up(discord, world.member, "mika@jetaa-tokyo.org", "Mika Tanaka")
    _, helper = await sign_up(discord, world.helper, "hiro@jetaa-tokyo.org", "Hiro")
    await discord.click(helper.original, UNSUBSCRIBE, user=world.helper)
    await sign_up(discord, world.other_member, "other@jetaa-osaka.org")  # another chapter's list

    listmonk = await discord.slash("newsletter export", format="listmonk", user=world.organiser)
    assert listmonk.response.ephemeral
    header, rows = csv_rows(attachment(discord, listmonk))
    assert header == ["email", "name", "attributes"]
    assert [(r["email"], r["name"]) for r in rows] == [("mika@jetaa-tokyo.org", "Mika Tanaka")]
    assert json.loads(rows[0]["attributes"])["consent"]["command"] == "/newsletter subscribe"

    mailchimp = await discord.slash("newsletter export", format="mailchimp", user=world.organiser)
    header, rows = csv_rows(attachment(discord, mailchimp))
    assert header == ["Email Address", "First Name", "Last Name", "Tags"]
    assert [(r["Email Address"], r["First Name"], r["Last Name"]) for r in rows] == [
        ("mika@jetaa-tokyo.org", "Mika", "Tanaka")
    ]

    refused = await discord.slash("newsletter export", format="listmonk", user=world.member)
    assert refused.response.ephemeral and "only organisers" in refused.text
    assert refused.original is None or not discord.files_by_message.get(int(refused.original["id"]))


async def test_member_exports_then_deletes_and_nothing_is_left(discord, world):
    await sign_up(discord, world.member, "mika@jetaa-tokyo.org", "Mika")
    exported = await discord.slash("privacy export", user=world.member)
    assert exported.response.ephemeral
    data = json.loads(attachment(discord, exported))
    assert data["newsletter"]["subscription"]["email"] == "mika@jetaa-tokyo.org"

    asked = await discord.slash("privacy delete", user=world.member)
    assert asked.response.ephemeral and "in this server" in asked.text
    confirm_id = next(cid for cid in asked.response.custom_ids
                      if any(c.get("custom_id") == cid and c.get("label") == "Delete my data"
                             for row in asked.response.components for c in row.get("components", [])))
    done = await discord.click(asked.original, confirm_id, user=world.member)
    assert "erased" in done.text and "this server only" in done.text

    again = await discord.slash("privacy export", user=world.member)
    data = json.loads(attachment(discord, again))
    assert data["newsletter"] is None and data["events"] == []
