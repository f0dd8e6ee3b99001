"""The fake's message store: messages the bot sent or edited (in channels, DMs and through interaction
webhooks), their uploads, and the look-ups REST handlers share (404s shaped like Discord's)."""

from __future__ import annotations

from typing import Any

from tests.fakediscord.core import TOKEN_LIFETIME, DiscordError, FakeBase
from tests.fakediscord.state import InteractionRecord, iso_now, snowflake


class MessageStore(FakeBase):
    """Stores and finds what the bot posted; scheduled events by id."""

    def _event(self, gid: str, eid: str) -> dict[str, Any]:
        event = self.scheduled_events_by_id.get(int(eid))
        if event is None or event["guild_id"] != gid:
            raise DiscordError(404, 10070, "Unknown Guild Scheduled Event")
        return event

    def _store_message(self, channel_id: int, payload: dict[str, Any], files: list[dict[str, Any]], *,
                       interaction: InteractionRecord | None = None, flags: int | None = None) -> dict[str, Any]:
        channel = self.channel(channel_id)
        msg: dict[str, Any] = {
            "id": str(snowflake()), "channel_id": str(channel_id), "author": self.bot_user.payload(),
            "content": payload.get("content") or "", "timestamp": iso_now(), "edited_timestamp": None,
            "tts": bool(payload.get("tts")), "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": self._attachments(files), "embeds": payload.get("embeds") or [], "pinned": False,
            "type": 0, "flags": int(flags if flags is not None else payload.get("flags") or 0),
            "components": payload.get("components") or [], "allowed_mentions": payload.get("allowed_mentions"),
        }
        if payload.get("message_reference"):
            msg["message_reference"] = payload["message_reference"]
        self.files_by_message[int(msg["id"])] = list(files)
        if channel.guild_id is not None:
            msg["guild_id"] = str(channel.guild_id)
        if interaction is not None:
            msg["application_id"] = str(self.application_id)
            msg["webhook_id"] = str(self.application_id)
            msg["interaction_metadata"] = {"id": str(interaction.id), "type": interaction.type,
                                           "user": self._find_user(interaction.user_id).payload()}  # type: ignore[union-attr]
        self.messages[int(msg["id"])] = msg
        return msg

    def _edit_message(self, msg: dict[str, Any], payload: dict[str, Any],
                      files: list[dict[str, Any]]) -> dict[str, Any]:
        for key in ("content", "embeds", "components", "flags", "allowed_mentions"):
            if key in payload:
                msg[key] = payload[key] if payload[key] is not None else ([] if key != "content" else "")
        if "attachments" in payload or files:
            kept = {str(a.get("id")) for a in payload.get("attachments") or []}
            msg["attachments"] = [a for a in msg["attachments"] if a["id"] in kept] + self._attachments(files)
        if files:
            self.files_by_message.setdefault(int(msg["id"]), []).extend(files)
        msg["edited_timestamp"] = iso_now()
        msg.setdefault("edits", []).append(payload)
        return msg

    def _message(self, channel_id: int, message_id: int) -> dict[str, Any]:
        self.channel(channel_id)
        msg = self.messages.get(message_id)
        if msg is None or int(msg["channel_id"]) != channel_id or msg.get("deleted"):
            raise DiscordError(404, 10008, "Unknown Message")
        return msg

    def _webhook_message(self, token: str, mid: str) -> dict[str, Any]:
        inter = self._interaction_by_token(token)
        if mid == "@original":
            if inter.original_message_id is None:
                raise DiscordError(404, 10008, "Unknown Message")
            return self.messages[inter.original_message_id]
        msg = self.messages.get(int(mid))
        if msg is None or msg.get("deleted"):
            raise DiscordError(404, 10008, "Unknown Message")
        return msg

    def _interaction_by_token(self, token: str) -> InteractionRecord:
        for inter in self.interactions.values():
            if inter.token == token:
                if self.elapsed(inter) > TOKEN_LIFETIME:
                    raise DiscordError(401, 50027, "Invalid Webhook Token")
                if inter.response is None:
                    # Discord: follow-ups need an acknowledged interaction.
                    raise DiscordError(404, 10015, "Unknown Webhook")
                return inter
        raise DiscordError(401, 50027, "Invalid Webhook Token")

