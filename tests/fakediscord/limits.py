"""Discord's payload limits, checked the way Discord checks them: a list of problems, each with the
JSON path of the offending field, turned into a 400 ``50035 Invalid Form Body`` by the server.

Only limits that bots hit in practice are here (see DESIGN.md "Discord facts that bite"); add more
by appending a check, the server picks them up.
"""

from __future__ import annotations

from typing import Any

Problem = tuple[str, str]  # (path like "embeds.0.title", message)

MESSAGE_CONTENT = 2000
EMBEDS_PER_MESSAGE = 10
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR = 256
EMBED_TOTAL = 6000
ACTION_ROWS = 5
BUTTONS_PER_ROW = 5
CUSTOM_ID = 100
BUTTON_LABEL = 80
AUTOCOMPLETE_CHOICES = 25
CHOICE_NAME = 100
CHOICE_VALUE = 100
MODAL_TITLE = 45
MODAL_COMPONENTS = 5
MODAL_LABEL = 45
TEXT_INPUT_LENGTH = 4000
PLACEHOLDER = 100
EVENT_NAME = 100
EVENT_DESCRIPTION = 1000
EVENT_LOCATION = 100


def _too_long(path: str, value: Any, limit: int, out: list[Problem]) -> None:
    if isinstance(value, str) and len(value) > limit:
        out.append((path, f"Must be {limit} or fewer in length."))


def check_embeds(embeds: list[dict[str, Any]], out: list[Problem]) -> None:
    if len(embeds) > EMBEDS_PER_MESSAGE:
        out.append(("embeds", f"Must be {EMBEDS_PER_MESSAGE} or fewer in length."))
    total = 0
    for i, embed in enumerate(embeds):
        p = f"embeds.{i}"
        title, description = embed.get("title") or "", embed.get("description") or ""
        _too_long(f"{p}.title", title, EMBED_TITLE, out)
        _too_long(f"{p}.description", description, EMBED_DESCRIPTION, out)
        total += len(title) + len(description)
        fields = embed.get("fields") or []
        if len(fields) > EMBED_FIELDS:
            out.append((f"{p}.fields", f"Must be {EMBED_FIELDS} or fewer in length."))
        for j, field in enumerate(fields):
            name, value = field.get("name") or "", field.get("value") or ""
            if not name or not value:
                out.append((f"{p}.fields.{j}", "This field is required"))
            _too_long(f"{p}.fields.{j}.name", name, EMBED_FIELD_NAME, out)
            _too_long(f"{p}.fields.{j}.value", value, EMBED_FIELD_VALUE, out)
            total += len(name) + len(value)
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        _too_long(f"{p}.footer.text", footer, EMBED_FOOTER, out)
        _too_long(f"{p}.author.name", author, EMBED_AUTHOR, out)
        total += len(footer) + len(author)
    if total > EMBED_TOTAL:
        out.append(("embeds", f"Embed size exceeds maximum size of {EMBED_TOTAL}"))


def _walk_custom_ids(component: dict[str, Any], path: str, seen: dict[str, str], out: list[Problem]) -> None:
    custom_id = component.get("custom_id")
    if custom_id is not None:
        _too_long(f"{path}.custom_id", custom_id, CUSTOM_ID, out)
        if custom_id in seen:
            out.append((f"{path}.custom_id", "Component custom id cannot be duplicated"))
        seen[custom_id] = path
    for k, child in enumerate(component.get("components") or []):
        _walk_custom_ids(child, f"{path}.components.{k}", seen, out)
    if isinstance(component.get("component"), dict):
        _walk_custom_ids(component["component"], f"{path}.component", seen, out)


def check_components(components: list[dict[str, Any]], out: list[Problem]) -> None:
    rows = [c for c in components if c.get("type") == 1]
    if len(rows) > ACTION_ROWS:
        out.append(("components", f"Must be {ACTION_ROWS} or fewer in length."))
    seen: dict[str, str] = {}
    for i, comp in enumerate(components):
        _walk_custom_ids(comp, f"components.{i}", seen, out)
        if comp.get("type") != 1:
            continue
        children = comp.get("components") or []
        buttons = [c for c in children if c.get("type") == 2]
        if len(buttons) > BUTTONS_PER_ROW:
            out.append((f"components.{i}.components", f"Must be {BUTTONS_PER_ROW} or fewer in length."))
        if len(buttons) != len(children) and len(children) > 1:
            out.append((f"components.{i}.components", "A select menu must be alone in its action row"))
        for k, child in enumerate(buttons):
            _too_long(f"components.{i}.components.{k}.label", child.get("label"), BUTTON_LABEL, out)
            if child.get("style") != 5 and not child.get("custom_id") and child.get("style") != 6:
                out.append((f"components.{i}.components.{k}.custom_id", "A custom id is required"))


def check_message(payload: dict[str, Any], *, has_files: bool = False, partial: bool = False) -> list[Problem]:
    """Problems with a message create/edit payload (``partial`` for edits, which may change only some fields)."""
    out: list[Problem] = []
    _too_long("content", payload.get("content"), MESSAGE_CONTENT, out)
    check_embeds(payload.get("embeds") or [], out)
    check_components(payload.get("components") or [], out)
    empty = not (payload.get("content") or payload.get("embeds") or payload.get("components") or has_files
                 or payload.get("sticker_ids") or payload.get("poll"))
    if empty and not partial:
        out.append(("", "Cannot send an empty message"))
    return out


def check_autocomplete(data: dict[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    choices = data.get("choices") or []
    if len(choices) > AUTOCOMPLETE_CHOICES:
        out.append(("data.choices", f"Must be {AUTOCOMPLETE_CHOICES} or fewer in length."))
    for i, choice in enumerate(choices):
        name = choice.get("name") or ""
        if not name:
            out.append((f"data.choices.{i}.name", "Must be between 1 and 100 in length."))
        _too_long(f"data.choices.{i}.name", name, CHOICE_NAME, out)
        _too_long(f"data.choices.{i}.value", choice.get("value"), CHOICE_VALUE, out)
    return out


def modal_inputs(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The text inputs (and other inputs) of a modal, whether wrapped in action rows or Label components."""
    found: list[dict[str, Any]] = []
    for top in data.get("components") or []:
        if top.get("type") == 1:
            found.extend(top.get("components") or [])
        elif top.get("type") == 18 and isinstance(top.get("component"), dict):
            found.append({**top["component"], "label": top.get("label")})
        elif top.get("custom_id"):
            found.append(top)
    return found


def check_modal(data: dict[str, Any]) -> list[Problem]:
    out: list[Problem] = []
    title = data.get("title") or ""
    if not title:
        out.append(("data.title", "This field is required"))
    _too_long("data.title", title, MODAL_TITLE, out)
    _too_long("data.custom_id", data.get("custom_id"), CUSTOM_ID, out)
    components = data.get("components") or []
    if not 1 <= len(components) <= MODAL_COMPONENTS:
        out.append(("data.components", f"Must be between 1 and {MODAL_COMPONENTS} in length."))
    for i, comp in enumerate(modal_inputs(data)):
        p = f"data.components.{i}"
        _too_long(f"{p}.label", comp.get("label"), MODAL_LABEL, out)
        _too_long(f"{p}.custom_id", comp.get("custom_id"), CUSTOM_ID, out)
        _too_long(f"{p}.placeholder", comp.get("placeholder"), PLACEHOLDER, out)
        _too_long(f"{p}.value", comp.get("value"), TEXT_INPUT_LENGTH, out)
        if comp.get("max_length") is not None and int(comp["max_length"]) > TEXT_INPUT_LENGTH:
            out.append((f"{p}.max_length", f"int value should be less than or equal to {TEXT_INPUT_LENGTH}."))
    return out


def check_scheduled_event(payload: dict[str, Any], *, partial: bool = False) -> list[Problem]:
    out: list[Problem] = []
    if "name" in payload or not partial:
        name = payload.get("name") or ""
        if not 1 <= len(name) <= EVENT_NAME:
            out.append(("name", f"Must be between 1 and {EVENT_NAME} in length."))
    description = payload.get("description")
    if description is not None:
        _too_long("description", description, EVENT_DESCRIPTION, out)
    metadata = payload.get("entity_metadata") or {}
    if "location" in metadata:
        location = metadata.get("location") or ""
        if not 1 <= len(location) <= EVENT_LOCATION:
            out.append(("entity_metadata.location", f"Must be between 1 and {EVENT_LOCATION} in length."))
    if not partial:
        if not payload.get("scheduled_start_time"):
            out.append(("scheduled_start_time", "This field is required"))
        if payload.get("entity_type") == 3:
            if not metadata.get("location"):
                out.append(("entity_metadata.location", "This field is required"))
            if not payload.get("scheduled_end_time"):
                out.append(("scheduled_end_time", "This field is required"))
    return out


def form_errors(problems: list[Problem]) -> dict[str, Any]:
    """Discord's nested ``errors`` object for a 50035 response."""
    errors: dict[str, Any] = {}
    for path, message in problems:
        node = errors
        for part in [p for p in path.split(".") if p]:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": "BASE_TYPE_INVALID", "message": message})
    return errors
