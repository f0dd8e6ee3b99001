"""A fake Discord server for end-to-end tests: see README "Testing" and tests/e2e/conftest.py."""

from tests.fakediscord.results import Callback, InteractionResult, message_text, settle
from tests.fakediscord.server import DEFAULT_TOKEN, DiscordError, FakeDiscord, standard_world
from tests.fakediscord.state import FakeChannel, FakeGuild, FakeMember, FakeRole, FakeUser, RecordedRequest

__all__ = [
    "DEFAULT_TOKEN",
    "Callback",
    "DiscordError",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "InteractionResult",
    "RecordedRequest",
    "message_text",
    "settle",
    "standard_world",
]
