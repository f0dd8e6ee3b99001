"""The fake Discord's world: servers with channels, roles and members, plus everything the bot creates.

Plain dataclasses and dicts of JSON payloads (the shapes Discord sends), so a new endpoint is usually
a few lines: read or store a payload here, return it.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_EVENTS = 1 << 33
MEMBER_DEFAULT = (VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY
                  | USE_APPLICATION_COMMANDS)
ALL_PERMISSIONS = (1 << 50) - 1

_ids = itertools.count(1_300_000_000_000_000_000)


def snowflake() -> int:
    """A fresh id; shared by all fakes in the process so ids never collide across restarts."""
    return next(_ids)


def iso_now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class FakeUser:
    id: int
    name: str
    bot: bool = False

    def payload(self) -> dict[str, Any]:
        return {"id": str(self.id), "username": self.name, "global_name": self.name, "discriminator": "0",
                "avatar": None, "bot": self.bot, "public_flags": 0, "flags": 0}


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 0

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def payload(self) -> dict[str, Any]:
        return {"id": str(self.id), "name": self.name, "color": 0, "colors": {"primary_color": 0}, "hoist": False,
                "icon": None, "unicode_emoji": None, "position": self.position, "permissions": str(self.permissions),
                "managed": False, "mentionable": True, "flags": 0}


@dataclass
class FakeMember:
    """A member of one server. ``dms_closed`` makes DMs to them fail with 403 50007, as Discord does."""

    user: FakeUser
    guild_id: int
    role_ids: list[int] = field(default_factory=list)
    dms_closed: bool = False
    joined_at: str = field(default_factory=iso_now)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def mention(self) -> str:
        return f"<@{self.user.id}>"

    def payload(self, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {"roles": [str(r) for r in self.role_ids], "joined_at": self.joined_at,
                                "deaf": False, "mute": False, "flags": 0, "nick": None, "pending": False,
                                "avatar": None, "premium_since": None, "communication_disabled_until": None}
        if with_user:
            data["user"] = self.user.payload()
        return data


@dataclass
class FakeChannel:
    id: int
    name: str
    guild_id: int | None = None
    type: int = 0  # 0 text, 1 DM
    position: int = 0
    recipient: FakeUser | None = None

    def payload(self) -> dict[str, Any]:
        if self.type == 1:
            return {"id": str(self.id), "type": 1, "last_message_id": None,
                    "recipients": [self.recipient.payload()] if self.recipient else []}
        return {"id": str(self.id), "type": self.type, "name": self.name, "position": self.position,
                "guild_id": str(self.guild_id), "permission_overwrites": [], "nsfw": False, "topic": None,
                "parent_id": None, "rate_limit_per_user": 0, "last_message_id": None, "flags": 0}


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, FakeRole] = field(default_factory=dict)
    channels: dict[int, FakeChannel] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    bot_role_ids: list[int] = field(default_factory=list)  # roles the bot holds here (FakeDiscord.give_bot_role)

    def __post_init__(self) -> None:
        # @everyone has the guild's id, as on Discord.
        self.roles.setdefault(self.id, FakeRole(self.id, "@everyone", MEMBER_DEFAULT, 0))

    def add_role(self, name: str, permissions: int = 0) -> FakeRole:
        role = FakeRole(snowflake(), name, permissions, position=len(self.roles))
        self.roles[role.id] = role
        return role

    def add_channel(self, name: str) -> FakeChannel:
        channel = FakeChannel(snowflake(), name, guild_id=self.id, position=len(self.channels))
        self.channels[channel.id] = channel
        return channel

    def add_member(self, name: str, *, roles: tuple[FakeRole, ...] = (), dms_closed: bool = False,
                   user_id: int | None = None) -> FakeMember:
        member = FakeMember(FakeUser(user_id or snowflake(), name), self.id, [r.id for r in roles], dms_closed)
        self.members[member.id] = member
        return member

    @property
    def text_channels(self) -> list[FakeChannel]:
        return [c for c in self.channels.values() if c.type == 0]

    def role(self, name: str) -> FakeRole:
        return next(r for r in self.roles.values() if r.name == name)

    def permissions_of(self, member: FakeMember) -> int:
        if member.id == self.owner_id:
            return ALL_PERMISSIONS
        perms = self.roles[self.id].permissions
        for rid in member.role_ids:
            perms |= self.roles[rid].permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def payload(self, bot_member: FakeMember) -> dict[str, Any]:
        members = [*self.members.values(), bot_member]
        return {
            "id": str(self.id), "name": self.name, "icon": None, "splash": None, "discovery_splash": None,
            "owner_id": str(self.owner_id), "afk_channel_id": None, "afk_timeout": 300, "verification_level": 0,
            "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0,
            "premium_tier": 0, "premium_subscription_count": 0, "preferred_locale": "en-US",
            "system_channel_id": None, "system_channel_flags": 0, "rules_channel_id": None,
            "public_updates_channel_id": None, "description": None, "banner": None, "vanity_url_code": None,
            "features": [], "emojis": [], "stickers": [], "roles": [r.payload() for r in self.roles.values()],
            "channels": [c.payload() for c in self.channels.values()], "threads": [], "voice_states": [],
            "presences": [], "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
            "members": [m.payload() for m in members], "member_count": len(members), "large": False,
            "unavailable": False, "joined_at": iso_now(), "max_members": 500000, "application_id": None,
        }


@dataclass
class RecordedRequest:
    """One HTTP request the bot made, and what the fake answered."""

    method: str
    path: str  # without the /api/v10 prefix, e.g. "/channels/123/messages"
    query: dict[str, str]
    json: Any
    files: list[dict[str, Any]]
    status: int = 0
    response: Any = None
    at: float = field(default_factory=time.monotonic)

    @property
    def error_code(self) -> int | None:
        return self.response.get("code") if isinstance(self.response, dict) and self.status >= 400 else None


@dataclass
class InteractionRecord:
    """An interaction the test injected, and everything the bot did with its token."""

    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    user_id: int
    created: float
    payload: dict[str, Any]
    callbacks: list[RecordedRequest] = field(default_factory=list)  # accepted and refused
    response: dict[str, Any] | None = None  # the accepted callback body {type, data}
    response_elapsed: float | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    original_edits: list[dict[str, Any]] = field(default_factory=list)
