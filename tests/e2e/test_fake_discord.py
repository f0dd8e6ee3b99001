"""The fake Discord's own rules, checked over raw HTTP: if these drift from Discord, every end-to-end
test becomes less useful."""

from __future__ import annotations

import aiohttp
import pytest
from discord import Intents, PrivilegedIntentsRequired

from tests.e2e.conftest import BotRunner, pointed_at
from tests.fakediscord import DEFAULT_TOKEN

AUTH = {"Authorization": f"Bot {DEFAULT_TOKEN}"}


async def _post(fake, path, body, headers=AUTH):
    async with aiohttp.ClientSession() as session, session.post(fake.api_base + path, json=body,
                                                                   headers=headers) as resp:
        return resp.status, resp.headers["Content-Type"], await resp.json()


@pytest.mark.parametrize(("body", "field"), [
    ({"content": "x" * 2001}, "content"),
    ({"embeds": [{"title": "t" * 257}]}, "embeds"),
    ({"embeds": [{"description": "d" * 4097}]}, "embeds"),
    ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, "embeds"),
    ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, "embeds"),
    ({"components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "b", "custom_id": f"c{i}"}
                                                for i in range(6)]}]}, "components"),
    ({"components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "b", "custom_id": f"r{r}"}]}
                     for r in range(6)]}, "components"),
    ({"components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "b", "custom_id": "x" * 101}]}]},
     "components"),
    ({}, None),
])
async def test_messages_over_discords_limits_are_refused(fake_discord, world, body, field):
    status, ctype, data = await _post(fake_discord, f"/channels/{world.general.id}/messages", body)
    assert status == 400
    assert ctype == "application/json"  # exactly, or discord.py would not parse it
    assert data["code"] == 50035
    if field:
        assert field in data["errors"]


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "n" * 101}, "name"),
    ({"name": "ok", "description": "d" * 1001}, "description"),
    ({"name": "ok", "entity_metadata": {"location": "l" * 101}}, "entity_metadata"),
])
async def test_scheduled_events_over_limits_are_refused(fake_discord, world, body, field):
    event = {"scheduled_start_time": "2026-12-01T18:00:00+00:00", "scheduled_end_time": "2026-12-01T20:00:00+00:00",
             "entity_type": 3, "privacy_level": 2, "entity_metadata": {"location": "Pub"}, **body}
    status, _, data = await _post(fake_discord, f"/guilds/{world.guild.id}/scheduled-events", event)
    assert (status, data["code"]) == (400, 50035)
    assert field in data["errors"]


async def test_a_wrong_token_is_401(fake_discord):
    async with aiohttp.ClientSession() as session, session.get(
            fake_discord.api_base + "/users/@me", headers={"Authorization": "Bot nope"}) as resp:
        assert resp.status == 401


async def test_dm_to_a_member_with_closed_dms_is_403_50007(fake_discord, world):
    _, _, channel = await _post(fake_discord, "/users/@me/channels", {"recipient_id": str(world.closed_dms.id)})
    status, _, data = await _post(fake_discord, f"/channels/{channel['id']}/messages", {"content": "hi"})
    assert (status, data["code"]) == (403, 50007)
    assert fake_discord.dms_to(world.closed_dms) == []


async def test_unknown_routes_are_404_and_recorded(fake_discord):
    async with aiohttp.ClientSession() as session, session.get(
            fake_discord.api_base + "/guilds/1/bans", headers=AUTH) as resp:
        assert resp.status == 404
    assert [(r.method, r.path) for r in fake_discord.unknown_routes] == [("GET", "/guilds/1/bans")]


async def test_second_callback_is_400_40060(discord, world):
    result = await discord.slash("chapter settings", user=world.member)
    again = f"/interactions/{result.id}/{result.record.token}/callback"
    status, _, data = await _post(discord, again, {"type": 4, "data": {"content": "again"}}, headers={})
    assert (status, data["code"]) == (400, 40060)
    assert data["message"] == "Interaction has already been acknowledged."
    discord.requests.remove(discord.errors[-1])  # provoked on purpose, not the bot's doing


async def test_privileged_intent_not_enabled_closes_the_gateway_with_4014(fake_discord, tmp_path):
    runner = BotRunner(fake_discord, tmp_path / "db.sqlite3")

    def ask_for_members(bot):
        bot._connection._intents = Intents.default() | Intents(members=True)

    runner.prepare(ask_for_members)
    with pointed_at(fake_discord), pytest.raises(PrivilegedIntentsRequired):
        try:
            await runner.start()
        finally:
            await runner.stop()
    assert fake_discord.gateway_closes == [4014]


async def test_command_sync_is_recorded_and_sent_only_when_changed(fake_discord, tmp_path):
    runner = BotRunner(fake_discord, tmp_path / "db.sqlite3")
    with pointed_at(fake_discord):
        await runner.start()
        synced = {c["name"] for c in fake_discord.commands[None]}
        assert {"ask", "chapter", "kb"} <= synced
        await runner.restart()
        await runner.stop()
    assert len(fake_discord.command_syncs) == 1  # the second start saw the same tree
