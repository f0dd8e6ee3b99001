"""Promotion DMs are queued with the promotion and survive a shutdown; erasure reaches the events cog by event."""

from __future__ import annotations

from pathlib import Path

from bot.clock import FakeClock
from cogs.privacy import ConfirmErase
from tests.helpers import make_interaction, make_member
from tests.test_events_cog import G1, click, create_via_form, start_bot, stop_bot


async def test_promotion_dm_not_sent_before_shutdown_is_sent_after_restart(tmp_path: Path, clock: FakeClock) -> None:
    db, first = await start_bot(tmp_path / "bot.sqlite3", clock)
    event_id = await create_via_form(first, capacity=1)
    await click(first, f"jetbot:rsvp:{event_id}:going", 101)
    await click(first, f"jetbot:rsvp:{event_id}:going", 102)  # waitlisted
    first.cog.deliver_dms = lambda: None  # type: ignore[method-assign]  # the bot stops before delivering
    await click(first, f"jetbot:rsvp:{event_id}:no", 101)  # 102 moves up
    assert first.dms(102) == []
    await stop_bot(db, first)

    db2, second = await start_bot(tmp_path / "bot.sqlite3", clock)
    try:
        assert await second.cog.flush_outbox() == 1  # what on_ready and every reminder run do
        [dm] = second.dms(102)
        assert "moved off the waitlist" in dm and "Networking Night" in dm
        assert await second.cog.flush_outbox() == 0  # sent once
    finally:
        await stop_bot(db2, second)


async def test_erasure_refreshes_the_post_and_tells_who_moved_up(tmp_path: Path, clock: FakeClock) -> None:
    db, world = await start_bot(tmp_path / "bot.sqlite3", clock)
    try:
        event_id = await create_via_form(world, capacity=1)
        await click(world, f"jetbot:rsvp:{event_id}:going", 101)
        await click(world, f"jetbot:rsvp:{event_id}:going", 102)
        world.partial_message.edit.reset_mock()
        view = ConfirmErase(world.bot.services.privacy, 101, world.bot)
        await view.confirm.callback(make_interaction(world.bot, user=make_member(101)))
        await world.cog.drain()
        assert any("moved off the waitlist" in dm for dm in world.dms(102))
        embed = world.partial_message.edit.await_args.kwargs["embed"]
        assert embed.fields[2].value == "1 / 1 — full" and embed.fields[4].value == "0"
    finally:
        await stop_bot(db, world)


def test_no_cog_looks_another_up_by_name() -> None:
    root = Path(__file__).resolve().parent.parent
    for name in ("cogs/_event_views.py", "cogs/privacy.py", "cogs/events.py"):
        assert "get_cog(" not in (root / name).read_text(encoding="utf-8"), name
    assert G1 == 1
