"""Read and validate the YAML knowledge base.

The knowledge base is edited by chapter organisers, not programmers, so every problem is reported as
``file:line: what is wrong`` (the way compilers do, so editors can jump to it), ALL problems of ALL
files are collected before raising once, and nothing ever surfaces as a traceback.

Line numbers come from a SafeLoader subclass whose mappings and sequences remember where each key and
item started (``start_mark``), so a wrong field is reported at its own line, not at the entry's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge import thesaurus
from bot.knowledge.model import (
    CATEGORIES,
    FIELDS,
    MAX_ANSWER,
    MAX_TITLE,
    SOURCES_FILE,
    Entry,
    KnowledgeBase,
    KnowledgeError,
    Source,
)

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SUFFIXES = (".yaml", ".yml")
# Data files that live beside the entry files but hold no entries: the cited documents (read here)
# and the engine's word list.
DATA_FILES = frozenset({SOURCES_FILE, "thesaurus.yaml"})
SOURCE_FIELDS = ("key", "publisher", "title", "date", "url", "file")
SOURCE_REQUIRED = ("key", "title", "date")


class _Map(dict):
    """A YAML mapping that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]
    duplicates: list[tuple[Any, int]]


class _Seq(list):
    """A YAML sequence that knows its own line and each item's line (1-based)."""

    line: int = 0
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that builds ``_Map``/``_Seq`` so validation can point at lines."""


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> Any:
    data = _Map()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    data.duplicates = []
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found an unhashable key", key_node.start_mark
            ) from None
        line = key_node.start_mark.line + 1
        if key in data.key_lines:
            data.duplicates.append((key, line))
        data.key_lines[key] = line
        data[key] = loader.construct_object(value_node, deep=True)


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> Any:
    data = _Seq()
    data.line = node.start_mark.line + 1
    data.item_lines = [child.start_mark.line + 1 for child in node.value]
    yield data
    data.extend(loader.construct_sequence(node, deep=True))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def display_path(path: Path) -> str:
    """A path as people type it: relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def knowledge_files(path: Path) -> list[Path]:
    """The YAML files that make up the knowledge base at ``path`` (a folder, sorted, or one file)."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file()
                      and not p.name.startswith(".") and p.name not in DATA_FILES)
    return [path]


def sources_file(path: Path) -> Path:
    """Where the documents cited by the knowledge base at ``path`` are listed (it may not exist)."""
    return (path if path.is_dir() else path.parent) / SOURCES_FILE


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a yes/no value ({value}; put it in quotes if you meant text)"
    return {
        int: "a number", float: "a number", str: "text", _Map: "a mapping", dict: "a mapping",
        _Seq: "a list", list: "a list",
    }.get(type(value), type(value).__name__)


class _Collector:
    """Validates one file's entries, appending problems as ``file:line: message``."""

    def __init__(self, file: str, problems: list[str]) -> None:
        self.file = file
        self.problems = problems

    def add(self, line: int, message: str) -> None:
        self.problems.append(f"{self.file}:{line}: {message}")

    def text_field(self, entry: _Map, name: str, eid: str, kind: str = "entry") -> str | None:
        value = entry.get(name)
        line = entry.key_lines.get(name, entry.line)
        if name not in entry:
            self.add(entry.line, f"{kind} {eid}: missing field '{name}'")
            return None
        if not isinstance(value, str):
            self.add(line, f"{kind} {eid}: '{name}' must be text, not {_type_name(value)}")
            return None
        if not value.strip():
            self.add(line, f"{kind} {eid}: '{name}' is empty")
            return None
        return value.strip()

    def list_field(self, entry: _Map, name: str, eid: str) -> tuple[str, ...] | None:
        value = entry.get(name)
        line = entry.key_lines.get(name, entry.line)
        if name not in entry:
            self.add(entry.line, f"entry {eid}: missing field '{name}'")
            return None
        if not isinstance(value, list):
            self.add(line, f"entry {eid}: '{name}' must be a list of text, not {_type_name(value)}")
            return None
        if not value:
            self.add(line, f"entry {eid}: '{name}' is empty (give at least one)")
            return None
        out: list[str] = []
        ok = True
        lines = getattr(value, "item_lines", [line] * len(value))
        for item, item_line in zip(value, lines, strict=False):
            if not isinstance(item, str):
                self.add(item_line, f"entry {eid}: every item of '{name}' must be text, not {_type_name(item)}")
                ok = False
            elif not item.strip():
                self.add(item_line, f"entry {eid}: an item of '{name}' is empty")
                ok = False
            else:
                out.append(item.strip())
        return tuple(out) if ok else None

    def source_field(self, entry: _Map, eid: str) -> tuple[str, ...] | None:
        value = entry.get("source")
        if isinstance(value, list):
            return self.list_field(entry, "source", eid)
        text = self.text_field(entry, "source", eid)
        return (text,) if text is not None else None

    def citation(self, entry: _Map, eid: str, refs: tuple[str, ...], sources: dict[str, Source] | None,
                 sources_shown: str) -> str | None:
        """The citation members see: each key resolved through ``sources.yaml``, or, in a knowledge base
        without one, the text as written."""
        if sources is None:
            return "; ".join(refs)
        value = entry.get("source")
        line = entry.key_lines.get("source", entry.line)
        lines = getattr(value, "item_lines", [line] * len(refs))
        missing = False
        for ref, ref_line in zip(refs, lines, strict=False):
            if ref not in sources:
                known = ", ".join(sorted(sources)) or "none"
                self.add(ref_line, f"entry {eid}: source {ref!r} is not a key in {sources_shown} (known: {known})")
                missing = True
        return None if missing else "; ".join(sources[ref].citation for ref in refs)


def _load_sources(path: Path, problems: list[str]) -> tuple[dict[str, Source] | None, str]:
    """The documents in ``sources.yaml`` by key (None when there is no such file), and its shown path.
    Problems are recorded as ``file:line`` like the entries' own."""
    shown = display_path(path)
    if not path.is_file():
        return None, shown
    data = _parse_file(path, shown, problems)
    sources: dict[str, Source] = {}
    col = _Collector(shown, problems)
    if data is None:
        if not any(p.startswith(f"{shown}:") for p in problems):
            col.add(1, "the file is empty (it needs 'sources:' with a list of documents)")
        return sources, shown
    if not isinstance(data, _Map) or not isinstance(data.get("sources"), _Seq) or not data["sources"]:
        line = data.line if isinstance(data, _Map | _Seq) else 1
        col.add(line, "the top level must be a mapping with a non-empty 'sources:' list")
        return sources, shown
    for key in data:
        if key != "sources":
            col.add(data.key_lines.get(key, data.line), f"unknown top-level key '{key}' (only 'sources:' is allowed)")
    for item, item_line in zip(data["sources"], data["sources"].item_lines, strict=True):
        if not isinstance(item, _Map):
            col.add(item_line, f"each source must be a mapping (key: ..., title: ...), not {_type_name(item)}")
            continue
        raw = item.get("key")
        name = repr(raw) if isinstance(raw, str) and raw.strip() else f"at line {item.line}"
        for field_name in item:
            if field_name not in SOURCE_FIELDS:
                col.add(item.key_lines.get(field_name, item.line),
                        f"source {name}: unknown field '{field_name}' (allowed: {', '.join(SOURCE_FIELDS)})")
        values: dict[str, str] = {}
        ok = True
        for field_name in SOURCE_FIELDS:
            if field_name in SOURCE_REQUIRED or field_name in item:
                value = col.text_field(item, field_name, name, kind="source")
                ok = ok and value is not None
                if value is not None:
                    values[field_name] = value
        key_value = values.get("key")
        if key_value is not None and not ID_RE.match(key_value):
            col.add(item.key_lines["key"], f"source {name}: key must be lower-case kebab-case (e.g. jlgc-london-2024)")
            ok = False
        elif key_value is not None and key_value in sources:
            col.add(item.key_lines["key"], f"duplicate source key {key_value!r}")
            ok = False
        if ok:
            sources[values["key"]] = Source(**values)
    return sources, shown


def _parse_file(path: Path, shown: str, problems: list[str]) -> Any:
    """The file's YAML as Python values, or None after recording why it could not be read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(f"{shown}:1: cannot read the file ({exc.strerror or exc})")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(f"{shown}:{line}: the file is not UTF-8 text (save it as UTF-8)")
        return None
    try:
        return yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else 1
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        detail = f"{context}: {what}" if context else what
        problems.append(f"{shown}:{line}: YAML syntax error: {detail}")
        return None


def _validate_entry(item: Any, item_line: int, col: _Collector, seen: dict[str, str], path_shown: str,
                    sources: dict[str, Source] | None = None, sources_shown: str = SOURCES_FILE) -> Entry | None:
    if not isinstance(item, _Map):
        col.add(item_line, f"each entry must be a mapping (id: ..., title: ...), not {_type_name(item)}")
        return None
    raw_id = item.get("id")
    eid = repr(raw_id) if isinstance(raw_id, str) and raw_id.strip() else f"at line {item.line}"
    for key, line in item.duplicates:
        col.add(line, f"entry {eid}: field '{key}' appears twice")
    for key in item:
        if key not in FIELDS:
            col.add(item.key_lines.get(key, item.line),
                    f"entry {eid}: unknown field '{key}' (allowed: {', '.join(FIELDS)})")
    entry_id = col.text_field(item, "id", eid)
    if entry_id is not None:
        if not ID_RE.match(entry_id):
            col.add(item.key_lines.get("id", item.line),
                    f"entry {eid}: id must be lower-case kebab-case "
                    "(letters, digits and single hyphens, e.g. cir-role)")
            entry_id = None
        else:
            where = f"{path_shown}:{item.key_lines.get('id', item.line)}"
            if entry_id in seen:
                col.add(item.key_lines.get("id", item.line),
                        f"duplicate id {entry_id!r} (also defined at {seen[entry_id]})")
                entry_id = None
            else:
                seen[entry_id] = where
    title = col.text_field(item, "title", eid)
    if title is not None and len(title) > MAX_TITLE:
        col.add(item.key_lines["title"], f"entry {eid}: title is {len(title)} characters; the limit is {MAX_TITLE}")
        title = None
    category = col.text_field(item, "category", eid)
    if category is not None and category not in CATEGORIES:
        col.add(item.key_lines["category"],
                f"entry {eid}: unknown category {category!r} (use one of: {', '.join(CATEGORIES)})")
        category = None
    answer = col.text_field(item, "answer", eid)
    if answer is not None and len(answer) > MAX_ANSWER:
        col.add(item.key_lines["answer"], f"entry {eid}: answer is {len(answer)} characters; the limit is {MAX_ANSWER}")
        answer = None
    questions = col.list_field(item, "questions", eid)
    aliases = col.list_field(item, "aliases", eid)
    refs = col.source_field(item, eid)
    citation = col.citation(item, eid, refs, sources, sources_shown) if refs is not None else None
    if (entry_id is None or title is None or category is None or answer is None or questions is None
            or aliases is None or refs is None or citation is None):
        return None  # every problem was collected above; an entry with any of them is left out
    return Entry(
        id=entry_id, title=title, category=category, answer=answer,
        questions=questions, aliases=aliases, source="; ".join(refs),
        file=path_shown, line=item.line, citation=citation,
    )


def load_knowledge(path: Path) -> KnowledgeBase:
    """Load a folder of ``*.yaml`` files (in name order) or a single file; raise ``KnowledgeError``
    listing every problem if anything is wrong."""
    path = Path(path)
    problems: list[str] = []
    shown_root = display_path(path)
    if not path.exists():
        raise KnowledgeError([f"{shown_root}:1: no such file or folder"])
    files = knowledge_files(path)
    if not files:
        raise KnowledgeError([f"{shown_root}:1: the folder has no knowledge files (*.yaml)"])
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    shown_files: list[str] = []
    sources, sources_shown = _load_sources(sources_file(path), problems)
    for file in files:
        shown = display_path(file)
        shown_files.append(shown)
        data = _parse_file(file, shown, problems)
        if data is None and not any(p.startswith(f"{shown}:") for p in problems):
            problems.append(f"{shown}:1: the file is empty (it needs 'entries:' with a list of entries)")
            continue
        if data is None:
            continue
        col = _Collector(shown, problems)
        if not isinstance(data, _Map) or "entries" not in data:
            line = data.line if isinstance(data, _Map | _Seq) else 1
            col.add(line, "the top level must be a mapping with an 'entries:' list")
            continue
        for key in data:
            if key != "entries":
                col.add(data.key_lines.get(key, data.line),
                        f"unknown top-level key '{key}' (only 'entries:' is allowed)")
        items = data["entries"]
        entries_line = data.key_lines.get("entries", data.line)
        if not isinstance(items, _Seq):
            col.add(entries_line, f"'entries:' must be a list of entries, not {_type_name(items)}")
            continue
        if not items:
            col.add(entries_line, "'entries:' is empty")
            continue
        for item, item_line in zip(items, items.item_lines, strict=True):
            entry = _validate_entry(item, item_line, col, seen, shown, sources, sources_shown)
            if entry is not None:
                entries.append(entry)
    _check_thesaurus(path, problems)
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(entries=tuple(entries), path=path, files=tuple(shown_files))


def _check_thesaurus(path: Path, problems: list[str]) -> None:
    """A broken thesaurus would silently cost the engine its paraphrases: report it with the rest."""
    file = (path if path.is_dir() else path.parent) / "thesaurus.yaml"
    if not file.is_file():
        return
    try:
        thesaurus.load(file)
    except (ValueError, yaml.YAMLError) as exc:
        message = str(exc).splitlines()[0]
        line = re.match(rf"{re.escape(str(file))}:(\d+): ", message)
        message = message[line.end():] if line else message.replace(f"{file}: ", "")
        problems.append(f"{display_path(file)}:{line.group(1) if line else 1}: {message}")
