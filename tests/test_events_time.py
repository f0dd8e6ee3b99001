"""bot.event_time: the forms organisers type, in the server's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import UserError
from bot.event_time import format_local, parse_datetime, parse_end, parse_when

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
START = datetime(2026, 12, 5, 18, 30, tzinfo=UTC)


@pytest.mark.parametrize("text", [
    "2026-12-05 18:30", "2026-12-05T18:30", "2026/12/05 18:30", "5 Dec 2026 18:30", "5 December 2026, 6:30pm",
    "Dec 5 2026 6:30 pm", "December 5, 2026 18:30", "  2026-12-05   18:30 ", "5th Dec 2026 at 18:30",
])
def test_accepted_forms(text: str) -> None:
    assert parse_datetime(text, "UTC") == START


def test_time_zone_applies_and_round_trips() -> None:
    start = parse_datetime("2026-07-01 19:00", "America/New_York")
    assert start == datetime(2026, 7, 1, 23, 0, tzinfo=UTC)
    assert format_local(start, "America/New_York") == "2026-07-01 19:00"


@pytest.mark.parametrize(("text", "message"), [
    ("05/12/2026 18:30", "two ways"),
    ("12/05/2026 18:30", "two ways"),
    ("2026-12-05", "couldn't read"),
    ("2026-12-05 18", "couldn't read"),
    ("2026-13-05 18:30", "couldn't read"),
    ("2026-02-30 18:30", "couldn't read"),
    ("2026-12-05 25:00", "couldn't read"),
    ("", "Give a start"),
])
def test_refused_forms(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_datetime(text, "UTC")


def test_nonexistent_local_time_is_refused() -> None:
    with pytest.raises(UserError, match="does not exist"):
        parse_datetime("2026-03-29 01:30", "Europe/London")  # clocks go forward at 01:00


@pytest.mark.parametrize(("text", "expected"), [
    ("20:30", START + timedelta(hours=2)),
    ("2h", START + timedelta(hours=2)),
    ("90m", START + timedelta(minutes=90)),
    ("1h30m", START + timedelta(minutes=90)),
    ("1.5 hours", START + timedelta(minutes=90)),
    ("2026-12-06 02:00", datetime(2026, 12, 6, 2, 0, tzinfo=UTC)),
    ("01:00", datetime(2026, 12, 6, 1, 0, tzinfo=UTC)),  # past midnight, under 12 h: next day
    ("", START + timedelta(hours=2)),
])
def test_end_forms(text: str, expected: datetime) -> None:
    assert parse_end(text, START, "UTC") == expected


@pytest.mark.parametrize(("text", "message"), [
    ("17:00", "before the start"),  # would be a 22.5 h event: surely a typo
    ("2026-12-05 17:00", "before"),
    ("0m", "longer than zero"),
    ("40 days", "couldn't read"),
    ("800h", "at most 31 days"),
    ("soonish", "couldn't read"),
])
def test_bad_ends(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_end(text, START, "UTC")


def test_start_must_be_future_and_near() -> None:
    with pytest.raises(UserError, match="in the past"):
        parse_when("2026-11-21 11:59", "", "UTC", NOW)
    with pytest.raises(UserError, match="three years"):
        parse_when("2031-01-01 10:00", "", "UTC", NOW)
    assert parse_when("2026-12-05 18:30", "", "UTC", NOW) == (START, START + timedelta(hours=2))
