"""The CSV files organisers import into listmonk and Mailchimp, read back with the csv module."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot.newsletter import LISTMONK_HEADER, MAILCHIMP_HEADER, NewsletterService, consent_hash, csv_safe, split_name

G1, G2 = 111, 222
WORDING = "I agree that this chapter may email me its newsletter."


@pytest.fixture
async def service(db, clock) -> NewsletterService:
    s = NewsletterService(db, clock=clock, consent_text=WORDING)
    await s.subscribe(G1, 1, "ana@jetaa.org", "Ana Smith", channel_id=500)
    clock.advance(minutes=5)
    await s.subscribe(G1, 2, "ben@jetaa.org", "", channel_id=501)
    clock.advance(minutes=5)
    await s.subscribe(G1, 3, "cho@jetaa.org", "Cho Mei Lin", channel_id=500)
    await s.unsubscribe(G1, 3)
    await s.subscribe(G2, 4, "dan@jetaa.org", "Dan", channel_id=700)  # another chapter
    return s


def read(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    text = data.decode("utf-8")
    assert not text.startswith("\ufeff")  # a BOM would become part of the first column name
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


async def test_listmonk_file_has_active_members_and_their_consent_record(service, clock) -> None:
    export = await service.export(G1, "listmonk")
    assert export.filename.endswith(".csv") and "listmonk" in export.filename and export.count == 2
    header, rows = read(export.data)
    assert tuple(header) == LISTMONK_HEADER == ("email", "name", "attributes")
    assert [r["email"] for r in rows] == ["ana@jetaa.org", "ben@jetaa.org"]  # no unsubscribed, no other server
    assert [r["name"] for r in rows] == ["Ana Smith", ""]
    attrs = json.loads(rows[0]["attributes"])
    assert attrs == {
        "source": "jetbot",
        "consent": {
            "given_at": "2026-11-21T12:00:00+00:00",
            "first_subscribed_at": "2026-11-21T12:00:00+00:00",
            "server_id": str(G1),
            "channel_id": "500",
            "command": "/newsletter subscribe",
            "wording_version": 1,
            "wording_sha256": consent_hash(WORDING),
        },
    }
    assert json.loads(rows[1]["attributes"])["consent"]["channel_id"] == "501"


async def test_mailchimp_file_has_the_four_columns(service) -> None:
    export = await service.export(G1, "mailchimp")
    header, rows = read(export.data)
    assert tuple(header) == MAILCHIMP_HEADER == ("Email Address", "First Name", "Last Name", "Tags")
    assert [(r["Email Address"], r["First Name"], r["Last Name"], r["Tags"]) for r in rows] == [
        ("ana@jetaa.org", "Ana", "Smith", "jetbot,consent-v1"),
        ("ben@jetaa.org", "", "", "jetbot,consent-v1"),
    ]


async def test_unsubscribed_file_lists_only_those_who_left(service) -> None:
    export = await service.export(G1, "mailchimp", "unsubscribed")
    _, rows = read(export.data)
    assert [(r["Email Address"], r["First Name"], r["Last Name"]) for r in rows] == [
        ("cho@jetaa.org", "Cho", "Mei Lin")
    ]
    assert "unsubscribed" in export.filename


async def test_other_server_sees_only_its_own_list(service) -> None:
    _, rows = read((await service.export(G2, "listmonk")).data)
    assert [r["email"] for r in rows] == ["dan@jetaa.org"]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example","x")', "+SUM(A1)", "-2+3", "@cmd"])
async def test_formula_injection_is_defused_in_both_files(db, clock, name: str) -> None:
    s = NewsletterService(db, clock=clock, consent_text=WORDING)
    await s.subscribe(G1, 1, "eve@jetaa.org", name, channel_id=1)
    _, rows = read((await s.export(G1, "listmonk")).data)
    assert rows[0]["name"] == "'" + name
    _, rows = read((await s.export(G1, "mailchimp")).data)
    first, last = split_name(name)
    assert rows[0]["First Name"] == "'" + first
    assert rows[0]["Last Name"] == (csv_safe(last))
    assert rows[0]["Email Address"] == "eve@jetaa.org"


def test_csv_safe_only_touches_dangerous_starts() -> None:
    for dangerous in ("=1+1", "+1", "-1", "@a", "\tx", "\rx"):
        assert csv_safe(dangerous) == "'" + dangerous
    for harmless in ("Ana", "", "a=b", "O'Neil", "1-2"):
        assert csv_safe(harmless) == harmless


async def test_quotes_and_commas_in_names_survive(db, clock) -> None:
    s = NewsletterService(db, clock=clock, consent_text=WORDING)
    await s.subscribe(G1, 1, "kim@jetaa.org", 'Kim "KJ", Jr', channel_id=1)
    _, rows = read((await s.export(G1, "listmonk")).data)
    assert rows[0]["name"] == 'Kim "KJ", Jr'


async def test_an_address_given_by_two_members_is_exported_once(db, clock) -> None:
    s = NewsletterService(db, clock=clock, consent_text=WORDING)
    await s.subscribe(G1, 1, "shared@jetaa.org", "First", channel_id=1)
    clock.advance(minutes=1)
    await s.subscribe(G1, 2, "shared@JETAA.org", "Second", channel_id=1)
    export = await s.export(G1, "listmonk")
    _, rows = read(export.data)
    assert export.count == 1 and [(r["email"], r["name"]) for r in rows] == [("shared@jetaa.org", "Second")]
