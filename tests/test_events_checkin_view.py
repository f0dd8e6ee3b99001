"""The check-in list's message stays within Discord's limits whatever the names and the page."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import MagicMock

import discord
import pytest

from bot.attendance import ROSTER_PAGE, Roster, RosterEntry
from bot.storage.events import EventRow
from cogs._checkin_views import CheckinButton, CheckinPageButton, render

WHEN = datetime(2026, 12, 5, 18, 30, tzinfo=UTC)


def event() -> EventRow:
    return EventRow(id=2**62, guild_id=2**62, title="A very long event title " * 4, description="", location="",
                    start_at=WHEN, end_at=WHEN, capacity=None, channel_id=None, message_id=None,
                    scheduled_event_id=None, created_by=None, status="scheduled", created_at=WHEN, updated_at=WHEN)


@pytest.mark.parametrize(("page", "pages"), [(0, 1), (0, 3), (1, 3), (2, 3)])
async def test_a_full_page_of_long_names_fits_discord(page: int, pages: int) -> None:
    entries = tuple(RosterEntry(2**63 - 1 - i, 10, (True, False, None)[i % 3], i % 4 != 0) for i in range(ROSTER_PAGE))
    roster = Roster(event(), entries, page, pages, ROSTER_PAGE * pages, 7, 7)
    names = {e.user_id: "Ｗ" * 200 for e in entries}  # far longer than a button label allows
    content, view = render(roster, names)
    payload = view.to_components()
    assert len(content) <= 2000 and len(payload) <= 5
    buttons = [c for row in payload for c in row["components"]]
    assert len(buttons) <= 25 and all(len(row["components"]) <= 5 for row in payload)
    assert all(len(b.get("label", "")) <= 80 and len(b["custom_id"]) <= 100 for b in buttons)
    assert len({b["custom_id"] for b in buttons}) == len(buttons)
    assert payload[-1]["components"][-1]["custom_id"].endswith(":refresh")  # paging on the last row
    members = [b for b in buttons if b["custom_id"].startswith("jetbot:checkin:")]
    assert [b["label"].split(".")[0] for b in members] == [str(page * ROSTER_PAGE + n) for n in range(1, 21)]
    # Green means attended and a tap marks a no-show; otherwise a tap marks attended.
    assert {(b["style"], b["custom_id"][-1]) for b in members} == {(3, "0"), (4, "1"), (2, "1")}


async def test_the_buttons_come_back_from_their_custom_ids() -> None:
    """What a tap does is read from the custom_id alone (after a restart nothing else is known)."""
    entry = RosterEntry(42, 0, True, True)
    button = CheckinButton(7, 2, entry, "x")
    match = CheckinButton.__discord_ui_compiled_template__.fullmatch(button.custom_id)
    assert match is not None
    interaction = MagicMock(spec=discord.Interaction)
    again = await CheckinButton.from_custom_id(interaction, button.item, match)
    assert (again.event_id, again.page, again.user_id, again.came) == (7, 2, 42, False)
    paging = CheckinPageButton(7, 1, "next")
    found = CheckinPageButton.__discord_ui_compiled_template__.fullmatch(paging.custom_id)
    assert found is not None and (await CheckinPageButton.from_custom_id(interaction, paging.item, found)).page == 1
