"""The fake Discord's REST API as a table: ``ROUTES`` lists (method, path, handler); a handler gets the
fake, the recorded request and the path's match, and returns (status, JSON) or raises ``DiscordError``.

To support a new endpoint, write a handler in the section it belongs to and add one row to that
section's table (``{name}`` in a path matches one segment). State lives in plain dicts of
Discord-shaped JSON on the fake; limits Discord enforces go in ``limits.py``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tests.fakediscord import limits
from tests.fakediscord.core import DiscordError, invalid, log
from tests.fakediscord.rest import Route, route
from tests.fakediscord.results import AUTOCOMPLETE, DEFERRED_MESSAGE, DEFERRED_UPDATE, MESSAGE, MODAL, UPDATE_MESSAGE
from tests.fakediscord.state import FakeChannel, RecordedRequest, snowflake

if TYPE_CHECKING:
    from tests.fakediscord.server import FakeDiscord


# -- application, commands ---------------------------------------------------------------------


async def me(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    return 200, {**fake.bot_user.payload(), "verified": True, "mfa_enabled": False, "email": None}


async def app_info(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    return 200, {"id": str(fake.application_id), "name": "jetbot", "icon": None, "description": "",
                 "bot_public": True, "bot_require_code_grant": False, "owner": fake.owner.payload(),
                 "verify_key": "0" * 64, "flags": 0, "team": None, "summary": "", "rpc_origins": [],
                 "bot": fake.bot_user.payload()}


async def put_commands(fake: FakeDiscord, rec: RecordedRequest, guild_id: int | None) -> tuple[int, Any]:
    stored = []
    for cmd in rec.json or []:
        stored.append({"id": str(snowflake()), "application_id": str(fake.application_id),
                       "version": str(snowflake()), "default_member_permissions": None,
                       "dm_permission": True, "nsfw": False, "type": 1, "options": [],
                       "description": "", **cmd,
                       **({"guild_id": str(guild_id)} if guild_id else {})})
    fake.commands[guild_id] = stored
    fake.command_syncs.append(rec)
    return 200, stored


async def sync_global(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    return await put_commands(fake, rec, None)


async def sync_guild(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    return await put_commands(fake, rec, int(m["guild"]))


async def get_global(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    return 200, fake.commands.get(None, [])


async def get_guild_cmds(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    return 200, fake.commands.get(int(m["guild"]), [])


APPLICATION_ROUTES: list[Route] = [  # the bot's user and app, command sync
    route("GET", "/users/@me", me),
    route("GET", "/oauth2/applications/@me", app_info),
    route("PUT", "/applications/{app}/commands", sync_global),
    route("PUT", "/applications/{app}/guilds/{guild}/commands", sync_guild),
    route("GET", "/applications/{app}/commands", get_global),
    route("GET", "/applications/{app}/guilds/{guild}/commands", get_guild_cmds),
]


# -- interactions: callbacks and webhooks (follow-ups, @original) -----------------------------


def interaction_callback(fake: FakeDiscord, rec: RecordedRequest, interaction_id: int, token: str) -> tuple[int, Any]:
    inter = fake.interactions.get(interaction_id)
    if inter is None or inter.token != token:
        raise DiscordError(404, 10062, "Unknown interaction")
    inter.callbacks.append(rec)
    elapsed = fake.elapsed(inter)
    if inter.response is not None:
        raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
    if elapsed > fake.interaction_deadline:
        log.warning("fake Discord: callback for interaction %s came after %.2f s: refused", inter.id, elapsed)
        raise DiscordError(404, 10062, "Unknown interaction")
    body = rec.json or {}
    rtype, data = int(body.get("type", 0)), body.get("data") or {}
    if rtype == MESSAGE:
        invalid(limits.check_message(data, has_files=bool(rec.files)))
    elif rtype == UPDATE_MESSAGE:
        invalid(limits.check_message(data, has_files=bool(rec.files), partial=True))
    elif rtype == AUTOCOMPLETE:
        if inter.type != 4:
            raise DiscordError(400, 50035, "Invalid Form Body",
                               limits.form_errors([("type", "Autocomplete only answers autocomplete")]))
        invalid(limits.check_autocomplete(data))
    elif rtype == MODAL:
        if inter.type in (4, 5):
            raise DiscordError(400, 50035, "Invalid Form Body",
                               limits.form_errors([("type", "A modal cannot answer this interaction")]))
        invalid(limits.check_modal(data))
    elif rtype in (DEFERRED_UPDATE,) and inter.type not in (3, 5):
        raise DiscordError(400, 50035, "Invalid Form Body",
                           limits.form_errors([("type", "Only component or modal interactions can be updated")]))
    elif rtype not in (DEFERRED_MESSAGE, DEFERRED_UPDATE):
        raise DiscordError(400, 50035, "Invalid Form Body", limits.form_errors([("type", f"bad type {rtype}")]))
    inter.response = {"type": rtype, "data": data}
    inter.response_elapsed = elapsed
    resource: dict[str, Any] = {"type": rtype}
    info: dict[str, Any] = {"id": str(inter.id), "type": inter.type}
    if rtype in (MESSAGE, DEFERRED_MESSAGE):
        flags = int(data.get("flags") or 0) | (128 if rtype == DEFERRED_MESSAGE else 0)  # 128 = loading
        msg = fake._store_message(inter.channel_id, data if rtype == MESSAGE else {}, rec.files,
                                  interaction=inter, flags=flags)
        inter.original_message_id = int(msg["id"])
        info.update(response_message_id=msg["id"], response_message_loading=rtype == DEFERRED_MESSAGE,
                    response_message_ephemeral=bool(flags & 64))
        resource["message"] = msg
    elif rtype == UPDATE_MESSAGE:
        message = inter.payload.get("message")
        if message is not None and int(message["id"]) in fake.messages:
            msg = fake._edit_message(fake.messages[int(message["id"])], data, rec.files)
            inter.original_message_id = int(msg["id"])
            info.update(response_message_id=msg["id"])
            resource["message"] = msg
    elif rtype == DEFERRED_UPDATE:
        message = inter.payload.get("message")
        if message is not None:
            inter.original_message_id = int(message["id"])
    elif rtype == MODAL:
        fake._modals_shown.setdefault(inter.user_id, {})[data.get("custom_id", "")] = data
    return 200, {"interaction": info, "resource": resource}


async def callback(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    return interaction_callback(fake, rec, int(m["id"]), m["token"])


async def followup(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    inter = fake._interaction_by_token(m["token"])
    payload = rec.json or {}
    invalid(limits.check_message(payload, has_files=bool(rec.files)))
    msg = fake._store_message(inter.channel_id, payload, rec.files, interaction=inter)
    inter.followup_ids.append(int(msg["id"]))
    return 200, msg


async def get_webhook_message(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    return 200, fake._webhook_message(m["token"], m["mid"])


async def edit_webhook_message(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    inter = fake._interaction_by_token(m["token"])
    msg = fake._webhook_message(m["token"], m["mid"])
    payload = rec.json or {}
    invalid(limits.check_message(payload, has_files=bool(rec.files), partial=True))
    if m["mid"] == "@original":
        inter.original_edits.append(payload)
    return 200, fake._edit_message(msg, payload, rec.files)


async def delete_webhook_message(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    msg = fake._webhook_message(m["token"], m["mid"])
    msg["deleted"] = True
    return 204, None


INTERACTION_ROUTES: list[Route] = [  # tokens, not the bot token: no auth check
    route("POST", "/interactions/{id}/{token}/callback", callback),
    route("POST", "/webhooks/{app}/{token}", followup),
    route("GET", "/webhooks/{app}/{token}/messages/{mid}", get_webhook_message),
    route("PATCH", "/webhooks/{app}/{token}/messages/{mid}", edit_webhook_message),
    route("DELETE", "/webhooks/{app}/{token}/messages/{mid}", delete_webhook_message),
]


# -- channels, messages, DMs -------------------------------------------------------------------


async def get_channel(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    return 200, fake.channel(int(m["cid"])).payload()


async def post_message(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    channel = fake.channel(int(m["cid"]))
    payload = rec.json or {}
    invalid(limits.check_message(payload, has_files=bool(rec.files)))
    if channel.type == 1 and channel.recipient is not None:
        for guild in fake.guilds.values():
            member = guild.members.get(channel.recipient.id)
            if member is not None and member.dms_closed:
                raise DiscordError(403, 50007, "Cannot send messages to this user")
    return 200, fake._store_message(channel.id, payload, rec.files)


async def get_message(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    return 200, fake._message(int(m["cid"]), int(m["mid"]))


async def edit_message(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    msg = fake._message(int(m["cid"]), int(m["mid"]))
    payload = rec.json or {}
    invalid(limits.check_message(payload, has_files=bool(rec.files), partial=True))
    return 200, fake._edit_message(msg, payload, rec.files)


async def delete_message(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    fake._message(int(m["cid"]), int(m["mid"]))["deleted"] = True
    return 204, None


async def open_dm(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    user_id = int((rec.json or {}).get("recipient_id", 0))
    user = fake._find_user(user_id)
    if user is None:
        raise DiscordError(400, 50035, "Invalid Form Body",
                           limits.form_errors([("recipient_id", "Unknown user")]))
    channel = fake.dm_channels.get(user_id)
    if channel is None:
        channel = FakeChannel(snowflake(), f"dm-{user.name}", type=1, recipient=user)
        fake.dm_channels[user_id] = channel
    return 200, channel.payload()


MESSAGE_ROUTES: list[Route] = [  # channels, messages, DMs
    route("GET", "/channels/{cid}", get_channel),
    route("POST", "/channels/{cid}/messages", post_message),
    route("GET", "/channels/{cid}/messages/{mid}", get_message),
    route("PATCH", "/channels/{cid}/messages/{mid}", edit_message),
    route("DELETE", "/channels/{cid}/messages/{mid}", delete_message),
    route("POST", "/users/@me/channels", open_dm),
]


# -- guilds, members, roles, scheduled events ----------------------------------------------------


async def get_guild(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    guild = fake.guilds.get(int(m["gid"]))
    if guild is None:
        raise DiscordError(404, 10004, "Unknown Guild")
    data = guild.payload(fake.bot_member(guild))
    for key in ("members", "channels", "threads", "presences", "voice_states"):
        data.pop(key, None)
    return 200, data


async def get_member(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    return 200, fake._find_member(int(m["gid"]), int(m["uid"])).payload()


async def get_roles(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    guild = fake.guilds.get(int(m["gid"]))
    if guild is None:
        raise DiscordError(404, 10004, "Unknown Guild")
    return 200, [role.payload() for role in guild.roles.values()]


async def list_events(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    gid = m["gid"]
    return 200, [e for e in fake.scheduled_events_by_id.values() if e["guild_id"] == gid]


async def create_event(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    if int(m["gid"]) not in fake.guilds:
        raise DiscordError(404, 10004, "Unknown Guild")
    payload = rec.json or {}
    invalid(limits.check_scheduled_event(payload))
    event = {"id": str(snowflake()), "guild_id": m["gid"], "creator_id": str(fake.bot_user.id),
             "creator": fake.bot_user.payload(), "channel_id": None, "description": None,
             "scheduled_end_time": None, "entity_id": None, "entity_metadata": None, "status": 1,
             "privacy_level": 2, "user_count": 0, "image": None, **payload}
    fake.scheduled_events_by_id[int(event["id"])] = event
    return 200, event


async def get_event(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    return 200, fake._event(m["gid"], m["eid"])


async def edit_event(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    event = fake._event(m["gid"], m["eid"])
    payload = rec.json or {}
    invalid(limits.check_scheduled_event(payload, partial=True))
    event.update(payload)
    return 200, event


async def delete_event(fake: FakeDiscord, rec: RecordedRequest, m: re.Match[str]) -> tuple[int, Any]:
    fake._event(m["gid"], m["eid"])
    del fake.scheduled_events_by_id[int(m["eid"])]
    return 204, None


GUILD_ROUTES: list[Route] = [  # guilds, members, roles, scheduled events
    route("GET", "/guilds/{gid}", get_guild),
    route("GET", "/guilds/{gid}/members/{uid}", get_member),
    route("GET", "/guilds/{gid}/roles", get_roles),
    route("GET", "/guilds/{gid}/scheduled-events", list_events),
    route("POST", "/guilds/{gid}/scheduled-events", create_event),
    route("GET", "/guilds/{gid}/scheduled-events/{eid}", get_event),
    route("PATCH", "/guilds/{gid}/scheduled-events/{eid}", edit_event),
    route("DELETE", "/guilds/{gid}/scheduled-events/{eid}", delete_event),
]


ROUTES: list[Route] = APPLICATION_ROUTES + INTERACTION_ROUTES + MESSAGE_ROUTES + GUILD_ROUTES
