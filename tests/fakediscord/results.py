"""What a test gets back after injecting an interaction: the bot's acknowledgement and what followed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tests.fakediscord.state import InteractionRecord

if TYPE_CHECKING:
    from tests.fakediscord.server import FakeDiscord

# Interaction callback types (https://discord.com/developers/docs/interactions/receiving-and-responding).
PONG, MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE, AUTOCOMPLETE, MODAL = 1, 4, 5, 6, 7, 8, 9
EPHEMERAL = 64


def message_text(message: dict[str, Any] | None) -> str:
    """Everything a reader sees in a message: content, embed titles, descriptions, fields, footers,
    button labels. Tests assert on this instead of digging through payloads."""
    if not message:
        return ""
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        for f in embed.get("fields") or []:
            parts += [f.get("name") or "", f.get("value") or ""]
        parts.append((embed.get("footer") or {}).get("text") or "")
    parts += [c.get("label") or "" for c in iter_components(message.get("components") or [])]
    return "\n".join(p for p in parts if p)


def iter_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for comp in components:
        out.append(comp)
        out.extend(iter_components(comp.get("components") or []))
        if isinstance(comp.get("component"), dict):
            out.extend(iter_components([comp["component"]]))
    return out


@dataclass
class Callback:
    """The accepted interaction response (POST /interactions/{id}/{token}/callback)."""

    type: int
    data: dict[str, Any]
    elapsed: float  # seconds from injection to the callback, as the fake measured it

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.data.get("flags") or 0) & EPHEMERAL)

    @property
    def content(self) -> str:
        return self.data.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.data.get("embeds") or []

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.data.get("components") or []

    @property
    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in iter_components(self.components) if c.get("custom_id")]

    @property
    def text(self) -> str:
        return message_text(self.data)


class InteractionResult:
    """A live view of one injected interaction: read it after ``await``-ing the injection helper;
    ``wait_followups`` waits for more of the bot's messages on the same token."""

    def __init__(self, fake: FakeDiscord, record: InteractionRecord) -> None:
        self.fake = fake
        self.record = record

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def response(self) -> Callback | None:
        """The callback the fake accepted (None if the bot never acknowledged in time)."""
        r = self.record.response
        if r is None:
            return None
        return Callback(r["type"], r.get("data") or {}, self.record.response_elapsed or 0.0)

    @property
    def acknowledged(self) -> bool:
        return self.record.response is not None

    @property
    def refused(self) -> list[int]:
        """Discord error codes of callbacks the fake refused (10062 too late, 40060 twice)."""
        return [c.error_code for c in self.record.callbacks if c.status >= 400 and c.error_code is not None]

    @property
    def original(self) -> dict[str, Any] | None:
        """The original response message as it stands now (after any edits)."""
        mid = self.record.original_message_id
        return self.fake.messages.get(mid) if mid else None

    @property
    def followups(self) -> list[dict[str, Any]]:
        return [self.fake.messages[m] for m in self.record.followup_ids if m in self.fake.messages]

    @property
    def edits(self) -> list[dict[str, Any]]:
        return self.record.original_edits

    @property
    def choices(self) -> list[dict[str, Any]]:
        """Autocomplete choices ([{name, value}])."""
        r = self.response
        return (r.data.get("choices") or []) if r and r.type == AUTOCOMPLETE else []

    @property
    def modal(self) -> dict[str, Any] | None:
        r = self.response
        return r.data if r and r.type == MODAL else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every message the user sees from this interaction: the original response, then follow-ups."""
        out = [self.original] if self.original else []
        return out + self.followups

    @property
    def text(self) -> str:
        """All visible text of the response, its edits and follow-ups, for simple ``in`` assertions."""
        texts = [message_text(m) for m in self.messages]
        r = self.response
        if r is not None and r.type in (UPDATE_MESSAGE,):
            texts.insert(0, r.text)
        return "\n".join(t for t in texts if t)

    @property
    def ephemeral(self) -> bool:
        """Whether what the user sees is private: the response's flag, or the first follow-up's for a
        deferred update."""
        r = self.response
        if r is not None and r.type in (MESSAGE, DEFERRED_MESSAGE):
            return r.ephemeral
        first = (self.followups or [{}])[0]
        return bool(int(first.get("flags") or 0) & EPHEMERAL)

    async def wait_followups(self, count: int = 1, within: float = 5.0) -> list[dict[str, Any]]:
        await self.fake.wait_until(lambda: len(self.record.followup_ids) >= count, within,
                                   f"{count} follow-up(s) to interaction {self.id}")
        return self.followups

    async def wait_original(self, within: float = 5.0) -> dict[str, Any]:
        """Wait until a deferred response has been filled in (an edit of @original or a follow-up)."""
        await self.fake.wait_until(lambda: bool(self.record.original_edits or self.record.followup_ids), within,
                                   f"the deferred answer to interaction {self.id}")
        return (self.original if self.record.original_edits else self.followups[0]) or {}

    def __repr__(self) -> str:
        return f"<InteractionResult id={self.id} response={self.record.response!r} refused={self.refused}>"


async def settle(fake: FakeDiscord, quiet: float = 0.05, within: float = 5.0) -> None:
    """Wait until the bot has made no request for ``quiet`` seconds (for asserting that nothing more came)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    seen = -1
    while loop.time() < deadline and seen != len(fake.requests):
        seen = len(fake.requests)
        await asyncio.sleep(quiet)
