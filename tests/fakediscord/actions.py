"""Acting as a member: slash commands, autocomplete, button and select clicks, modal submits and
@mentions, each injected through the gateway as Discord would and awaited (bounded) until the bot
acknowledges."""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any, cast

from tests.fakediscord import limits
from tests.fakediscord.core import FakeBase
from tests.fakediscord.results import DEFERRED_MESSAGE, InteractionResult, iter_components
from tests.fakediscord.state import FakeChannel, FakeGuild, FakeMember, FakeRole, InteractionRecord, iso_now, snowflake

if TYPE_CHECKING:
    from tests.fakediscord.server import FakeDiscord


class MemberActions(FakeBase):
    """``slash``, ``autocomplete``, ``click``, ``submit_modal``, ``mention``; ``find_command``."""

    def _default_channel(self, guild: FakeGuild) -> FakeChannel:
        return guild.text_channels[0]

    def _base_interaction(self, itype: int, data: dict[str, Any], user: FakeMember,
                          channel: FakeChannel | None) -> InteractionRecord:
        guild = self.guild_of(user)
        channel = channel or self._default_channel(guild)
        iid, token = snowflake(), "itoken-" + secrets.token_urlsafe(24)
        perms = guild.permissions_of(user)
        payload: dict[str, Any] = {
            "id": str(iid), "type": itype, "token": token, "version": 1,
            "application_id": str(self.application_id), "attachment_size_limit": 10 * 1024 * 1024,
            "data": data, "guild_id": str(guild.id), "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "guild_locale": "en-US", "channel_id": str(channel.id),
            "channel": {**channel.payload(), "permissions": str(perms)},
            "member": {**user.payload(), "permissions": str(perms)},
            "app_permissions": str(guild.permissions_of(self.bot_member(guild)) | (1 << 40) - 1),
            "locale": "en-GB", "entitlements": [], "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
        }
        record = InteractionRecord(iid, token, itype, guild.id, channel.id, user.id, time.monotonic(), payload)
        self.interactions[iid] = record
        return record

    async def _inject(self, record: InteractionRecord, within: float) -> InteractionResult:
        record.created = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", record.payload)
        await self.wait_until(lambda: record.callbacks, within, f"the bot to answer interaction {record.id}")
        result = InteractionResult(cast("FakeDiscord", self), record)
        resp = record.response
        if resp is not None and resp["type"] == DEFERRED_MESSAGE:
            await result.wait_original(within)
        return result

    def find_command(self, name: str, guild_id: int) -> dict[str, Any]:
        for scope in (guild_id, None):
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name and cmd.get("type", 1) == 1:
                    return cmd
        synced = sorted(c["name"] for scope in self.commands.values() for c in scope)
        raise AssertionError(f"/{name} was never synced to the fake Discord (synced: {synced})")

    def _build_options(self, command: str, guild: FakeGuild, values: dict[str, Any],
                       focused: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """``data`` for ``/command [group] [sub]`` with ``values``, typed by the synced definition."""
        names = command.split()
        cmd = self.find_command(names[0], guild.id)
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1, "guild_id": str(guild.id)}
        container, definitions = data, cmd.get("options") or []
        for sub in names[1:]:
            match = next((o for o in definitions if o["name"] == sub and o["type"] in (1, 2)), None)
            if match is None:
                raise AssertionError(f"/{command}: no subcommand {sub!r}")
            node: dict[str, Any] = {"name": sub, "type": match["type"]}
            container.setdefault("options", []).append(node)
            container, definitions = node, match.get("options") or []
        resolved: dict[str, dict[str, Any]] = {}
        options = []
        known = {o["name"]: o for o in definitions}
        for key, value in values.items():
            opt_name = key.replace("_", "-") if key not in known and key.replace("_", "-") in known else key
            if opt_name not in known:
                raise AssertionError(f"/{command} has no option {key!r} (it has {sorted(known)})")
            otype = known[opt_name]["type"]
            if opt_name == focused:
                options.append({"name": opt_name, "type": otype, "value": str(value), "focused": True})
                continue
            options.append({"name": opt_name, "type": otype, "value": self._option_value(otype, value, guild,
                                                                                       resolved)})
        missing = [o["name"] for o in definitions if o.get("required") and o["name"] not in
                   {opt["name"] for opt in options} and focused is None]
        if missing:
            raise AssertionError(f"/{command}: required option(s) missing: {missing}")
        container["options"] = options
        if resolved:
            data["resolved"] = resolved
        return data, resolved

    def _option_value(self, otype: int, value: Any, guild: FakeGuild, resolved: dict[str, dict[str, Any]]) -> Any:
        if otype == 8:  # role
            role = value if isinstance(value, FakeRole) else guild.roles[int(value)]
            resolved.setdefault("roles", {})[str(role.id)] = role.payload()
            return str(role.id)
        if otype in (6, 9):  # user / mentionable
            member = value if isinstance(value, FakeMember) else guild.members[int(value)]
            resolved.setdefault("users", {})[str(member.id)] = member.user.payload()
            resolved.setdefault("members", {})[str(member.id)] = {
                **member.payload(with_user=False), "permissions": str(guild.permissions_of(member))}
            return str(member.id)
        if otype == 11:  # attachment: (filename, bytes), uploaded first and served by the fake's "CDN"
            filename, content = value
            [attachment] = self._attachments([{"filename": filename, "content": content,
                                               "content_type": "application/octet-stream"}])
            resolved.setdefault("attachments", {})[attachment["id"]] = attachment
            return attachment["id"]
        if otype == 7:  # channel
            channel = value if isinstance(value, FakeChannel) else guild.channels[int(value)]
            resolved.setdefault("channels", {})[str(channel.id)] = {
                **channel.payload(), "permissions": str(guild.permissions_of(guild.members[next(iter(guild.members))]))}
            return str(channel.id)
        return value

    async def slash(self, command: str, *, user: FakeMember, channel: FakeChannel | None = None,
                    within: float = 5.0, **options: Any) -> InteractionResult:
        """Run ``/command [group] [sub]`` as ``user`` and wait for the bot's acknowledgement (and, if it
        deferred, for the answer). Option names with ``-`` can be given with ``_``; an attachment option
        takes ``(filename, bytes)``."""
        data, _ = self._build_options(command, self.guild_of(user), options)
        return await self._inject(self._base_interaction(2, data, user, channel), within)

    async def autocomplete(self, command: str, option: str, current: str, *, user: FakeMember,
                           channel: FakeChannel | None = None, within: float = 5.0,
                           **other_options: Any) -> InteractionResult:
        """Type ``current`` into ``option`` of ``/command``; ``result.choices`` is what Discord would show."""
        values = {**other_options, option: current}
        data, _ = self._build_options(command, self.guild_of(user), values, focused=option.replace("_", "-")
                                      if "_" in option else option)
        return await self._inject(self._base_interaction(4, data, user, channel), within)

    async def click(self, message: dict[str, Any] | int, custom_id: str, *, user: FakeMember,
                    values: list[str] | None = None, within: float = 5.0) -> InteractionResult:
        """Click the button (or choose ``values`` in the select) ``custom_id`` on a message the bot sent."""
        mid = int(message["id"]) if isinstance(message, dict) else int(message)
        stored = self.messages.get(mid)
        if stored is None or stored.get("deleted"):
            raise AssertionError(f"message {mid} does not exist (or was deleted)")
        component = next((c for c in iter_components(stored.get("components") or [])
                          if c.get("custom_id") == custom_id), None)
        if component is None:
            ids = [c.get("custom_id") for c in iter_components(stored.get("components") or []) if c.get("custom_id")]
            raise AssertionError(f"message {mid} has no component {custom_id!r} (it has {ids})")
        if component.get("disabled"):
            raise AssertionError(f"component {custom_id!r} is disabled: a member cannot click it")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] != 2:
            data["values"] = values or []
        channel = self.channel(int(stored["channel_id"]))
        public = {k: v for k, v in stored.items() if k not in ("edits", "deleted", "allowed_mentions")}
        record = self._base_interaction(3, data, user, channel if channel.type == 0 else None)
        record.payload["message"] = public
        return await self._inject(record, within)

    async def submit_modal(self, custom_id: str, values: dict[str, str], *, user: FakeMember,
                           within: float = 5.0) -> InteractionResult:
        """Fill in and submit the modal ``custom_id`` that the bot showed ``user`` (fields by custom_id)."""
        modal = self._modals_shown.get(user.id, {}).get(custom_id)
        if modal is None:
            shown = list(self._modals_shown.get(user.id, {}))
            raise AssertionError(f"the bot never showed modal {custom_id!r} to {user.name} (shown: {shown})")
        inputs = {c["custom_id"]: c for c in limits.modal_inputs(modal)}
        unknown = set(values) - set(inputs)
        if unknown:
            raise AssertionError(f"modal {custom_id!r} has no field(s) {sorted(unknown)} (it has {sorted(inputs)})")

        def filled(comp: dict[str, Any]) -> dict[str, Any]:
            value = values.get(comp["custom_id"], "")
            if comp.get("required", True) and not value:
                raise AssertionError(f"field {comp['custom_id']!r} is required: Discord would not submit")
            if comp.get("max_length") and len(value) > int(comp["max_length"]):
                raise AssertionError(f"field {comp['custom_id']!r} allows {comp['max_length']} characters")
            return {"type": comp.get("type", 4), "custom_id": comp["custom_id"], "value": value}

        components = []
        for top in modal.get("components") or []:
            if top.get("type") == 1:
                components.append({"type": 1, "components": [filled(c) for c in top.get("components") or []]})
            elif top.get("type") == 18:
                components.append({"type": 18, "id": top.get("id"), "component": filled(top["component"])})
        data = {"custom_id": custom_id, "components": components}
        return await self._inject(self._base_interaction(5, data, user, None), within)

    async def mention(self, text: str, *, user: FakeMember, channel: FakeChannel | None = None,
                      within: float = 5.0) -> dict[str, Any]:
        """Post ``@jetbot text`` as ``user`` and return the bot's reply message in that channel."""
        guild = self.guild_of(user)
        channel = channel or self._default_channel(guild)
        mid = snowflake()
        start = len(self.requests)
        await self.dispatch("MESSAGE_CREATE", {
            "id": str(mid), "channel_id": str(channel.id), "guild_id": str(guild.id),
            "author": user.user.payload(), "member": user.payload(with_user=False),
            "content": f"<@{self.bot_user.id}> {text}", "timestamp": iso_now(), "edited_timestamp": None,
            "tts": False, "mention_everyone": False, "mentions": [self.bot_user.payload()], "mention_roles": [],
            "attachments": [], "embeds": [], "pinned": False, "type": 0, "flags": 0, "components": [],
        })
        path = f"/channels/{channel.id}/messages"

        def reply() -> dict[str, Any] | None:
            return next((r.response for r in self.requests[start:]
                         if r.method == "POST" and r.path == path and r.status == 200), None)

        return await self.wait_until(reply, within, f"a reply to the mention in #{channel.name}")

