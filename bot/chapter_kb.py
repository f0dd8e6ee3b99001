"""Chapter knowledge: a server's organisers teach the bot their chapter's answers. No Discord imports.

- Entries per server, in the database, validated by exactly the loader's rules (an entry typed into a
  modal is checked as a one-entry YAML file) plus the chapter's own: no pings, unique titles, ids that
  do not shadow the shared base, at most ``MAX_ENTRIES``.
- Export and import as YAML in the shipped format; an upload with any problem changes nothing.
- Missed questions become phrasings (this server only, or proposed for the shared base) or new entries;
  members' clicks on suggestions become one-click approvals; Helpful / Not helpful votes and daily
  counters feed ``stats``.
- Each server's overlay in ``KnowledgeService`` is built on its first question and rebuilt after each of
  its edits, under a per-server lock so that two edits never leave an older overlay in place. Overlays are
  a cache of the database: when together they hold more than ``OVERLAY_BUDGET`` entries, those of the
  servers that asked least recently are dropped and built again on their next question (about 0.1 s for
  500 entries), so memory stays bounded however many chapters share the process. Past ``FREEZE_ABOVE``
  entries the overlays are moved out of the garbage collector's view (``gc.freeze``): they have no
  reference cycles (refcounting frees a dropped one), and a full collection would otherwise walk all of
  their objects, about 1 s of CPU at 50,000 entries, at random moments such as an organiser's edit. The
  clean-up job looks at everything once per run (``collect_frozen``) so nothing is kept for ever.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import re
import sqlite3
import sys
import tempfile
import time
import unicodedata
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

import yaml

from bot.clock import Clock, utcnow
from bot.errors import NotFound, UserError
from bot.knowledge.loader import ID_RE, display_path, load_knowledge
from bot.knowledge.model import CHAPTER_FILE, Entry, KnowledgeBase, KnowledgeError
from bot.knowledge.service import CHAPTER_SOURCE, KnowledgeService
from bot.storage import Database, StorageError
from bot.storage.chapter_kb import ChoiceRow, EntryRow, UnansweredRow

log = logging.getLogger("jetbot.chapter_kb")

MAX_ENTRIES = 500
MAX_UPLOAD_BYTES = 512 * 1024
MAX_QUESTIONS = 20
MAX_ALIASES = 20
MAX_PHRASING = 300
MIN_CHOICES = 2  # a pairing clicked this often is offered for approval
# Entries held in overlays across all servers (about 4 MB of memory per 500; see README, bench).
OVERLAY_BUDGET = 25_000
FREEZE_ABOVE = 5_000  # entries in overlays from which their objects are frozen out of full collections
RETENTION = timedelta(days=30)  # after the bot leaves a server
CHAPTER_CATEGORY = "chapter"
PERIODS = {"7 days": 7, "30 days": 30, "90 days": 90, "365 days": 365}
# @everyone, @here, <@123>, <@!123>, <@&123>: the bot never pings, and an entry must not even try.
PING_RE = re.compile(r"@(?:everyone|here)\b|<@[!&]?\d+>", re.IGNORECASE)
LOCAL, PROPOSED = "local", "proposed"


class ImportProblems(UserError):
    """An upload was refused; ``problems`` lists every one as ``file:line: reason``."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"The file has {len(problems)} problem(s), so nothing was changed:\n" + "\n".join(problems))


@dataclass(frozen=True)
class EntryDraft:
    """What an organiser typed: the YAML fields without id, category and source (the bot sets those)."""

    title: str
    answer: str
    questions: tuple[str, ...]
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    removed: int


@dataclass(frozen=True)
class Stats:
    days: int
    asked: int
    answered: int
    declined: int
    helpful: int
    unhelpful: int
    most_unhelpful: tuple[tuple[str, str, int, int], ...]  # (entry id, title, helpful, not helpful)

    @property
    def helpful_rate(self) -> float | None:
        votes = self.helpful + self.unhelpful
        return None if votes == 0 else self.helpful / votes


def split_lines(text: str) -> tuple[str, ...]:
    """Questions or aliases as typed into a modal: one a line (commas also separate aliases)."""
    return tuple(dict.fromkeys(p.strip() for p in text.splitlines() if p.strip()))


def split_aliases(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for line in text.splitlines() for p in line.split(",") if p.strip()))


def slugify(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = "-".join(re.findall(r"[a-z0-9]+", text))[:60].strip("-")
    return slug or "entry"


def _to_entry(row: EntryRow) -> Entry:
    return Entry(id=row.entry_id, title=row.title, category=row.category, answer=row.answer,
                 questions=row.questions, aliases=row.aliases, source=CHAPTER_SOURCE, file=CHAPTER_FILE, line=0)


def _yaml_entry(entry_id: str, category: str, source: str, title: str, answer: str, questions: tuple[str, ...],
                aliases: tuple[str, ...]) -> dict[str, Any]:
    return {"id": entry_id, "title": title, "category": category, "answer": answer,
            "questions": list(questions), "aliases": list(aliases), "source": source}


class _Block(yaml.SafeDumper):
    """Answers over one line are written as ``|`` blocks, as in the shipped files."""


def _str_repr(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Block.add_representer(str, _str_repr)


def shown_name(filename: str) -> str:
    """An uploaded file's name as problems cite it (safe characters, a YAML suffix)."""
    shown = re.sub(r"[^A-Za-z0-9._-]", "_", Path(filename).name) or "upload.yaml"
    return shown if shown.endswith((".yaml", ".yml")) else shown + ".yaml"


@dataclass(frozen=True)
class RawEntry:
    """One entry of an upload as written, for the chapter's own rules: its line, id, and each field's
    line with its text values (whatever their type)."""

    line: int
    id: str
    fields: dict[str, tuple[int, tuple[str, ...]]]

    def values(self, name: str) -> tuple[str, ...]:
        return self.fields.get(name, (0, ()))[1]

    def line_of(self, name: str) -> int:
        return self.fields.get(name, (self.line, ()))[0]


def raw_entries(data: bytes) -> list[RawEntry]:
    """The entries of an upload by YAML structure alone, so that the chapter's rules are reported with
    the loader's even when the loader refuses the file; nothing when it is not YAML at all."""
    try:
        root = yaml.compose(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    seq = next((v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == "entries"), None)
    if not isinstance(seq, yaml.SequenceNode):
        return []
    out = []
    for item in seq.value:
        if not isinstance(item, yaml.MappingNode):
            continue
        fields: dict[str, tuple[int, tuple[str, ...]]] = {}
        for key, value in item.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            if isinstance(value, yaml.ScalarNode):
                texts: tuple[str, ...] = (str(value.value),)
            elif isinstance(value, yaml.SequenceNode):
                texts = tuple(str(c.value) for c in value.value if isinstance(c, yaml.ScalarNode))
            else:
                texts = ()
            fields[str(key.value)] = (key.start_mark.line + 1, texts)
        ids = fields.get("id", (0, ("",)))[1]
        out.append(RawEntry(item.start_mark.line + 1, ids[0] if ids else "", fields))
    return out


def _line_of(problem: str) -> float:
    """For sorting problems by line: ``file:12: ...`` -> 12; problems without a line go last."""
    parts = problem.split(":", 2)
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else float("inf")


def validate_yaml(data: bytes, filename: str) -> list[Entry]:
    """The entries of an uploaded file, checked by the loader itself (``jetbot kb check``); raises
    ``ImportProblems`` with every problem as ``filename:line: reason``."""
    shown = shown_name(filename)
    with tempfile.TemporaryDirectory(prefix="jetbot-kb-") as tmp:
        path = Path(tmp) / shown
        path.write_bytes(data)
        try:
            kb = load_knowledge(path)
        except KnowledgeError as exc:
            prefixes = (str(path), str(path.resolve()))
            problems = []
            for p in exc.problems:
                for prefix in prefixes:
                    if p.startswith(prefix + ":"):
                        p = shown + p[len(prefix):]
                        break
                problems.append(p)
            raise ImportProblems(problems) from None
    return [Entry(id=e.id, title=e.title, category=e.category, answer=e.answer, questions=e.questions,
                  aliases=e.aliases, source=e.source, file=shown, line=e.line) for e in kb.entries]


class ChapterKnowledge:
    def __init__(self, db: Database, knowledge: KnowledgeService, *, clock: Clock = utcnow,
                 overlay_budget: int = OVERLAY_BUDGET, freeze_above: int = FREEZE_ABOVE) -> None:
        self.db = db
        self.knowledge = knowledge
        self.clock = clock
        self.overlay_budget = overlay_budget
        self.freeze_above = freeze_above
        self.frozen = False  # whether this service has called gc.freeze()
        self._locks: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        # Servers with an overlay in memory and its size in entries, least recently used first.
        self._resident: OrderedDict[int, int] = OrderedDict()

    # -- the overlay -----------------------------------------------------------------------------
    async def ensure(self, guild_id: int) -> None:
        """Make sure this server's overlay is in memory (built once, then only after edits or after it
        was dropped to stay within the budget). Callers read the overlay right after this returns,
        before their next ``await``, so another server's build cannot drop it in between."""
        if self.knowledge.has_overlay(guild_id):
            if guild_id in self._resident:
                self._resident.move_to_end(guild_id)
            return
        async with self._locks[guild_id]:
            if not self.knowledge.has_overlay(guild_id):
                await self._rebuild(guild_id)

    async def _rebuild(self, guild_id: int) -> None:
        rows = await self.db.chapter_kb.entries(guild_id)
        phrasings: dict[str, list[str]] = defaultdict(list)
        for p in await self.db.chapter_kb.phrasings(guild_id):
            phrasings[p.entry_id].append(p.phrasing)
        self.knowledge.set_overlay(guild_id, [_to_entry(r) for r in rows], phrasings)
        self._resident[guild_id] = len(rows) + len(phrasings)
        self._resident.move_to_end(guild_id)
        self._evict(keep=guild_id)
        if sum(self._resident.values()) >= self.freeze_above:
            gc.freeze()  # cheap: the collector's lists are spliced, nothing is walked
            self.frozen = True

    def collect_frozen(self) -> float:
        """One full collection over everything, frozen objects included, then freeze again; returns the
        seconds it took. Run by the clean-up job so that garbage frozen by chance is not kept for ever."""
        if not self.frozen:
            return 0.0
        started = time.perf_counter()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        return time.perf_counter() - started

    def _evict(self, keep: int) -> None:
        """Drop the least recently used overlays until the rest fit the budget (never ``keep``)."""
        for gone in [g for g in self._resident if not self.knowledge.has_overlay(g)]:
            del self._resident[gone]  # dropped elsewhere: a reload, the bot leaving the server
        total = sum(self._resident.values())
        while total > self.overlay_budget:
            oldest = next(iter(self._resident))
            if oldest == keep:
                break
            total -= self._resident.pop(oldest)
            self.knowledge.drop_overlay(oldest)

    def resident(self) -> dict[int, int]:
        """Servers whose overlay is in memory, with its size in entries (least recently used first)."""
        return dict(self._resident)

    async def entries(self, guild_id: int) -> list[EntryRow]:
        return await self.db.chapter_kb.entries(guild_id)

    async def entry(self, guild_id: int, entry_id: str) -> EntryRow:
        for row in await self.db.chapter_kb.entries(guild_id):
            if row.entry_id == entry_id:
                return row
        raise NotFound("That entry is not one of this server's own entries (see `/kb list`).")

    # -- checks ----------------------------------------------------------------------------------
    def _check_draft(self, draft: EntryDraft, entry_id: str) -> list[str]:
        """The loader's rules on a one-entry file, then the chapter's own; problems without line numbers."""
        problems: list[str] = []
        doc = yaml.dump({"entries": [_yaml_entry(entry_id, CHAPTER_CATEGORY, CHAPTER_SOURCE, draft.title,
                                                 draft.answer, draft.questions, draft.aliases)]},
                        Dumper=_Block, allow_unicode=True, sort_keys=False)
        try:
            validate_yaml(doc.encode("utf-8"), "entry.yaml")
        except ImportProblems as exc:
            for p in exc.problems:
                reason = p.split(": ", 1)[-1]
                problems.append(re.sub(r"^entry '[^']*': ", "", reason))
        problems += self._chapter_rules(draft.title, draft.answer, draft.questions, draft.aliases)
        return problems

    @staticmethod
    def _field_rules(name: str, values: tuple[str, ...]) -> list[str]:
        """The chapter's own rules on one field (the loader's are checked before)."""
        problems = []
        if any(PING_RE.search(v) for v in values):
            problems.append(f"'{name}' tries to mention people (@everyone, @here, a role or a member): "
                            "write the name without @")
        limit = {"questions": MAX_QUESTIONS, "aliases": MAX_ALIASES}.get(name)
        if limit is not None and len(values) > limit:
            problems.append(f"'{name}' has {len(values)} items; the limit is {limit}")
        if limit is not None and any(len(v) > MAX_PHRASING for v in values):
            problems.append(f"each of the '{name}' must be under {MAX_PHRASING} characters")
        return problems

    @classmethod
    def _chapter_rules(cls, title: str, answer: str, questions: tuple[str, ...], aliases: tuple[str, ...]) -> list[str]:
        problems = []
        for name, values in (("title", (title,)), ("answer", (answer,)), ("questions", questions),
                             ("aliases", aliases)):
            problems += cls._field_rules(name, values)
        return problems

    def _import_rules(self, raw: list[RawEntry], shown: str, existing: dict[str, EntryRow],
                      replace_all: bool) -> list[str]:
        """The chapter's rules on an upload, each problem at the line of the field it concerns."""
        problems: list[str] = []
        titles: dict[str, str] = {}
        if not replace_all:
            titles = {r.title.casefold(): r.entry_id for r in existing.values()}
        for e in raw:
            where = f"entry {e.id!r}: "
            if self.knowledge.kb.by_id.get(e.id) is not None:
                problems.append(f"{shown}:{e.line_of('id')}: {where}this id is used by the shared knowledge base; "
                                "choose another")
            for name in ("title", "answer", "questions", "aliases"):
                problems += [f"{shown}:{e.line_of(name)}: {where}{p}" for p in self._field_rules(name, e.values(name))]
            title = " ".join(e.values("title")).strip()
            other = titles.get(title.casefold())
            if title and other is not None and other != e.id:
                problems.append(f"{shown}:{e.line_of('title')}: {where}title {title!r} is already used by entry "
                                f"{other!r}")
            titles.setdefault(title.casefold(), e.id)
        ids = {e.id for e in raw}
        total = len(ids) + (0 if replace_all else len(set(existing) - ids))
        if total > MAX_ENTRIES:
            problems.append(f"{shown}: this would give the server {total} entries; the limit is {MAX_ENTRIES}")
        return problems

    def _new_id(self, title: str, taken: set[str]) -> str:
        base = slugify(title)
        candidate, n = base, 2
        while candidate in taken or self.knowledge.kb.by_id.get(candidate) is not None:
            candidate = f"{base}-{n}"
            n += 1
        return candidate

    # -- add, edit, remove -----------------------------------------------------------------------
    async def add(self, guild_id: int, user_id: int, draft: EntryDraft, *, question_key: int | None = None
                  ) -> EntryRow:
        """Add an entry; ``question_key``: it was started from that unanswered question, which then
        leaves the list."""
        async with self._locks[guild_id]:
            rows = await self.db.chapter_kb.entries(guild_id)
            if len(rows) >= MAX_ENTRIES:
                raise UserError(f"This server already has {MAX_ENTRIES} entries, the most it can have. "
                                "Remove one first (`/kb remove`).")
            entry_id = self._new_id(draft.title, {r.entry_id for r in rows})
            problems = self._check_draft(draft, entry_id)
            if any(r.title.casefold() == draft.title.strip().casefold() for r in rows):
                problems.append(f"this server already has an entry titled {draft.title.strip()!r} "
                                "(edit it with `/kb edit`, or choose another title)")
            if problems:
                raise UserError("Nothing was saved:\n" + "\n".join(f"- {p}" for p in problems))
            now = self.clock()
            row = EntryRow(guild_id, entry_id, draft.title.strip(), CHAPTER_CATEGORY, draft.answer.strip(),
                           draft.questions, draft.aliases, user_id, now, user_id, now)
            await self.db.chapter_kb.put_entry(row)
            await self._rebuild(guild_id)
            if question_key is not None:
                await self.db.chapter_kb.resolve_unanswered(guild_id, question_key)
        log.info("chapter kb: entry %s added in guild %s", entry_id, guild_id)
        return row

    async def edit(self, guild_id: int, user_id: int, entry_id: str, draft: EntryDraft) -> EntryRow:
        async with self._locks[guild_id]:
            rows = await self.db.chapter_kb.entries(guild_id)
            old = next((r for r in rows if r.entry_id == entry_id), None)
            if old is None:
                raise NotFound("That entry is not one of this server's own entries (see `/kb list`).")
            problems = self._check_draft(draft, entry_id)
            if any(r.entry_id != entry_id and r.title.casefold() == draft.title.strip().casefold() for r in rows):
                problems.append(f"this server already has another entry titled {draft.title.strip()!r}")
            if problems:
                raise UserError("Nothing was saved:\n" + "\n".join(f"- {p}" for p in problems))
            row = EntryRow(guild_id, entry_id, draft.title.strip(), old.category, draft.answer.strip(),
                           draft.questions, draft.aliases, old.created_by, old.created_at, user_id, self.clock())
            await self.db.chapter_kb.put_entry(row, replace_id=entry_id)
            await self._rebuild(guild_id)
        return row

    async def remove(self, guild_id: int, entry_id: str) -> EntryRow:
        async with self._locks[guild_id]:
            row = await self.entry(guild_id, entry_id)
            await self.db.chapter_kb.delete_entry(guild_id, entry_id)
            await self._rebuild(guild_id)
        return row

    # -- export and import -----------------------------------------------------------------------
    async def export_yaml(self, guild_id: int, server_name: str) -> bytes:
        """The server's entries as a YAML file in the shipped format (``jetbot kb check`` accepts it)."""
        rows = await self.db.chapter_kb.entries(guild_id)
        source = f"{server_name} organisers"
        doc = {"entries": [_yaml_entry(r.entry_id, r.category, source, r.title, r.answer, r.questions, r.aliases)
                           for r in rows]}
        header = f"# {server_name}: chapter entries exported by jetbot ({len(rows)}). Import with /kb import.\n"
        return (header + yaml.dump(doc, Dumper=_Block, allow_unicode=True, sort_keys=False, width=100)).encode()

    async def import_yaml(self, guild_id: int, user_id: int, data: bytes, filename: str, *,
                          replace_all: bool) -> ImportResult:
        if len(data) > MAX_UPLOAD_BYTES:
            raise UserError(f"That file is too big ({len(data) // 1024} KB); the limit is "
                            f"{MAX_UPLOAD_BYTES // 1024} KB.")
        shown = shown_name(filename)
        entries: list[Entry] = []
        problems: list[str] = []
        try:
            entries = validate_yaml(data, filename)
        except ImportProblems as exc:
            problems = exc.problems
        raw = raw_entries(data)
        async with self._locks[guild_id]:
            existing = {r.entry_id: r for r in await self.db.chapter_kb.entries(guild_id)}
            problems += self._import_rules(raw, shown, existing, replace_all)
            if problems:
                raise ImportProblems(sorted(dict.fromkeys(problems), key=_line_of))
            now = self.clock()
            rows = []
            for e in entries:
                old = existing.get(e.id)
                rows.append(EntryRow(guild_id, e.id, e.title, e.category, e.answer, e.questions, e.aliases,
                                     old.created_by if old else user_id, old.created_at if old else now,
                                     user_id, now))
            await self.db.chapter_kb.replace_all(guild_id, rows, keep_others=not replace_all)
            await self._rebuild(guild_id)
        new_ids = {e.id for e in entries}
        updated = len(new_ids & set(existing))
        removed = len(set(existing) - new_ids) if replace_all else 0
        return ImportResult(added=len(new_ids) - updated, updated=updated, removed=removed)

    # -- teaching from missed questions ----------------------------------------------------------
    async def unanswered(self, guild_id: int, limit: int = 15, typed: str = "") -> list[UnansweredRow]:
        return await self.db.chapter_kb.unanswered(guild_id, limit, typed)

    async def _unanswered(self, guild_id: int, key: str | int) -> UnansweredRow:
        row = None
        if str(key).isdigit() and len(str(key)) < 19:
            row = await self.db.chapter_kb.unanswered_by_key(guild_id, int(key))
        if row is None:
            raise NotFound("I can't find that question in this server's unanswered list any more "
                           "(pick one from the list as you type).")
        return row

    async def attach(self, guild_id: int, user_id: int, question_key: str | int, entry_id: str, *,
                     propose: bool = False) -> tuple[UnansweredRow, Entry]:
        """Add a missed question to an entry as another phrasing; it is answered from then on."""
        question = await self._unanswered(guild_id, question_key)
        entry = await self.add_phrasing(guild_id, user_id, entry_id, question.example, propose=propose)
        await self.db.chapter_kb.resolve_unanswered(guild_id, question.key)
        return question, entry

    async def add_phrasing(self, guild_id: int, user_id: int | None, entry_id: str, phrasing: str, *,
                           propose: bool = False) -> Entry:
        phrasing = " ".join(phrasing.split())[:MAX_PHRASING]
        if PING_RE.search(phrasing):
            raise UserError("That question mentions people (@everyone, a role or a member), so I won't add it.")
        await self.ensure(guild_id)
        async with self._locks[guild_id]:
            own = next((r for r in await self.db.chapter_kb.entries(guild_id) if r.entry_id == entry_id), None)
            if own is not None:
                if propose:
                    raise UserError("Only shared entries take proposals; this one is your server's own, "
                                    "so the question was not proposed.")
                if phrasing.casefold() not in {q.casefold() for q in own.questions}:
                    if len(own.questions) >= MAX_QUESTIONS:
                        raise UserError(f"That entry already has {MAX_QUESTIONS} questions; edit it to make room.")
                    await self.db.chapter_kb.put_entry(
                        EntryRow(guild_id, entry_id, own.title, own.category, own.answer,
                                 (*own.questions, phrasing), own.aliases, own.created_by, own.created_at,
                                 user_id, self.clock()), replace_id=entry_id)
                entry = _to_entry(own)
            else:
                shared = self.knowledge.kb.by_id.get(entry_id)
                if shared is None:
                    raise NotFound("There is no entry with that id here (pick one as you type).")
                await self.db.chapter_kb.add_phrasing(guild_id, entry_id, phrasing, PROPOSED if propose else LOCAL,
                                                      user_id, self.clock())
                entry = shared
            await self._rebuild(guild_id)
        return entry

    async def dismiss(self, guild_id: int, question_key: str | int) -> UnansweredRow:
        question = await self._unanswered(guild_id, question_key)
        await self.db.chapter_kb.dismiss_unanswered(guild_id, question.key)
        return question

    async def question(self, guild_id: int, question_key: str | int) -> UnansweredRow:
        return await self._unanswered(guild_id, question_key)

    async def attach_candidates(self, guild_id: int, question_key: str | int, limit: int = 25
                                ) -> tuple[UnansweredRow, list[Entry], list[Entry]]:
        """Entries a missed question could be attached to: those the engine suggested for it, then the
        server's own, then titles like it. Returns the question, the candidates, and the shared ones
        among them (only those take proposals)."""
        question = await self._unanswered(guild_id, question_key)
        own_ids = [r.entry_id for r in await self.db.chapter_kb.entries(guild_id)]
        await self.ensure(guild_id)
        answer = self.knowledge.answer(question.example, guild_id)
        ids = [s.entry_id for s in answer.suggestions] + own_ids
        ids += [e.id for e in self.knowledge.complete(question.example, limit, guild_id)]
        ids += [e.id for e in self.knowledge.kb.entries]  # then the rest of the shared base, in file order
        found = (self.knowledge.get(i, guild_id) for i in dict.fromkeys(ids))
        candidates = [e for e in found if e is not None][:limit]
        shared = [e for e in dict.fromkeys(ids) if e not in own_ids]
        shared_entries = [e for i in shared if (e := self.knowledge.kb.by_id.get(i)) is not None][:limit]
        return question, candidates, shared_entries

    # -- members' choices and votes --------------------------------------------------------------
    async def record_choice(self, guild_id: int, question_key: int, entry_id: str) -> None:
        """A member clicked ``entry_id`` among the suggestions for a declined question: counted, no user id."""
        question = await self.db.chapter_kb.unanswered_by_key(guild_id, question_key)
        await self.ensure(guild_id)
        if question is not None and self.knowledge.get(entry_id, guild_id) is not None:
            await self.db.chapter_kb.record_choice(guild_id, question.normalized, question.example, entry_id,
                                                   self.clock())

    async def pending_choices(self, guild_id: int, limit: int = 5) -> list[tuple[ChoiceRow, Entry]]:
        rows = await self.db.chapter_kb.pending_choices(guild_id, MIN_CHOICES, limit * 2)
        await self.ensure(guild_id)
        out = []
        for row in rows:
            entry = self.knowledge.get(row.entry_id, guild_id)
            if entry is not None:
                out.append((row, entry))
        return out[:limit]

    async def decide_choice(self, guild_id: int, user_id: int, choice_id: int, approve: bool) -> tuple[ChoiceRow, bool]:
        """Approve (the question becomes a phrasing of the entry, this server only) or dismiss a pairing.
        Returns the pairing and whether this call decided it (False: someone already had)."""
        row = await self.db.chapter_kb.choice(guild_id, choice_id)
        if row is None:
            raise NotFound("That suggestion no longer exists.")
        if row.status != "pending":
            return row, False
        if approve:
            await self.add_phrasing(guild_id, user_id, row.entry_id, row.example)
        status = "approved" if approve else "dismissed"
        decided = await self.db.chapter_kb.set_choice_status(guild_id, choice_id, status)
        if approve:
            await self._resolve_normalized(guild_id, row.normalized)
        return row, decided

    async def _resolve_normalized(self, guild_id: int, normalized: str) -> None:
        await self.db.chapter_kb.resolve_normalized(guild_id, normalized)

    async def vote(self, guild_id: int, user_id: int, entry_id: str, helpful: bool) -> tuple[bool, int, int]:
        """One vote per member per entry (a second click changes it). Returns whether anything changed and
        the entry's counts over the last 365 days."""
        if self.knowledge.get(entry_id, guild_id) is None:
            await self.ensure(guild_id)
            if self.knowledge.get(entry_id, guild_id) is None:
                raise NotFound("That answer is no longer in the knowledge base.")
        changed = await self.db.chapter_kb.vote(guild_id, entry_id, user_id, helpful, self.clock())
        counts = await self.db.chapter_kb.vote_counts(guild_id, self.clock() - timedelta(days=365), entry_id)
        yes, no = (counts[0].helpful, counts[0].unhelpful) if counts else (0, 0)
        return changed, yes, no

    async def count_question(self, guild_id: int, answered: bool) -> None:
        await self.db.chapter_kb.count_question(guild_id, self.clock().date().isoformat(), answered)

    async def stats(self, guild_id: int, days: int) -> Stats:
        if days not in PERIODS.values():
            raise UserError("Pick a period from the list: " + ", ".join(PERIODS))
        now = self.clock()
        first_day = (now - timedelta(days=days - 1)).date().isoformat()
        totals = await self.db.chapter_kb.totals(guild_id, first_day)
        votes = await self.db.chapter_kb.vote_counts(guild_id, now - timedelta(days=days))
        await self.ensure(guild_id)
        worst: list[tuple[str, str, int, int]] = []
        for v in votes:
            if v.unhelpful and len(worst) < 5:
                entry = self.knowledge.get(v.entry_id, guild_id)
                worst.append((v.entry_id, entry.title if entry else v.entry_id, v.helpful, v.unhelpful))
        return Stats(days, totals.asked, totals.answered, totals.declined, sum(v.helpful for v in votes),
                     sum(v.unhelpful for v in votes), tuple(worst))

    # -- the bot leaving a server ----------------------------------------------------------------
    async def guild_removed(self, guild_id: int) -> None:
        await self.db.chapter_kb.mark_removed(guild_id, self.clock())
        self.knowledge.drop_overlay(guild_id)

    async def guild_joined(self, guild_id: int) -> None:
        await self.db.chapter_kb.mark_returned(guild_id)

    async def guilds_present(self, present: Collection[int], owns: Callable[[int], bool] = lambda _: True) -> None:
        """At each connection, with the servers Discord lists: Discord does not tell a bot it was removed
        while it was offline, nor that it was added back. Servers with chapter knowledge that are not
        listed start their 30 days; listed ones that were marked are back. ``owns`` limits this to the
        servers of this process's shards. An empty list proves nothing (a wrong token, say) and is ignored."""
        if not present:
            return
        listed = set(present)
        marked = await self.db.chapter_kb.removals()
        for guild_id in sorted(await self.db.chapter_kb.guilds_with_data() - listed - set(marked)):
            if owns(guild_id):
                await self.guild_removed(guild_id)
                log.info("chapter kb: guild %s is gone (left while offline); its knowledge is kept 30 days", guild_id)
        for guild_id in sorted(listed & set(marked)):
            await self.guild_joined(guild_id)

    async def purge_expired(self) -> list[int]:
        """Delete the chapter knowledge of servers the bot left more than ``RETENTION`` ago."""
        purged = []
        for guild_id in await self.db.chapter_kb.removed_before(self.clock() - RETENTION):
            rows = await self.db.chapter_kb.purge_guild(guild_id)
            self.knowledge.drop_overlay(guild_id)
            purged.append(guild_id)
            log.info("chapter kb: deleted %d rows of guild %s, 30 days after the bot left it", rows, guild_id)
        if self.frozen:
            log.info("chapter kb: full garbage collection took %.0f ms", self.collect_frozen() * 1000)
        return purged

    # -- proposals for the shared base (command line) --------------------------------------------
    async def proposals(self) -> dict[str, Any]:
        """Phrasings proposed for the shared base, across servers, without user or server ids."""
        return group_proposals(await self.db.chapter_kb.proposals(), self.knowledge.kb)


def group_proposals(rows: list[tuple[str, str, int]], kb: KnowledgeBase) -> dict[str, Any]:
    """``(entry id, phrasing, servers)`` rows as the maintainers' review list: per shared entry, where it
    is defined and the phrasings proposed for it, most servers first. Phrasings the entry already has
    (a maintainer took them in) are left out; so is every user and server id."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry_id, phrasing, servers in rows:
        entry = kb.by_id.get(entry_id)
        if entry is not None and phrasing.casefold() in {q.casefold() for q in entry.questions}:
            continue
        grouped[entry_id].append({"question": phrasing, "servers": servers})
    out = []
    for entry_id, questions in grouped.items():
        entry = kb.by_id.get(entry_id)
        out.append({"id": entry_id, "title": entry.title if entry else None,
                    "file": f"{display_path(Path(entry.file))}:{entry.line}" if entry else None,
                    "questions": questions})
    return {"proposals": out}


def proposals_command(database: Path, knowledge: Path, *, as_json: bool, out: TextIO | None = None) -> int:
    """``jetbot kb proposals``: print what chapters proposed for the shared knowledge base, for a
    maintainer to review into ``knowledge/`` (YAML by default, ``--json`` for machines). Exit 0, or 1
    with one line on stderr when the database or the knowledge base cannot be read."""
    out = out or sys.stdout
    if not database.is_file():
        print(f"jetbot: no database at {display_path(database)} (has the bot run yet? see JETBOT_DB or --db)",
              file=sys.stderr)
        return 1
    try:
        kb = load_knowledge(knowledge)
    except KnowledgeError as exc:
        print(f"jetbot: the knowledge base has {len(exc.problems)} problem(s); run `jetbot kb check`",
              file=sys.stderr)
        return 1

    async def read() -> list[tuple[str, str, int]]:
        async with Database(database) as db:
            return await db.chapter_kb.proposals()

    try:
        rows = asyncio.run(read())
    except (StorageError, sqlite3.Error) as exc:
        print(f"jetbot: cannot read {display_path(database)}: {exc}", file=sys.stderr)
        return 1
    report = group_proposals(rows, kb)
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2), file=out)
        return 0
    count = sum(len(p["questions"]) for p in report["proposals"])
    entries = len(report["proposals"])
    print(f"# {count} phrasing{'' if count == 1 else 's'} proposed by chapter organisers for {entries} shared "
          f"entr{'y' if entries == 1 else 'ies'}.\n# Review each; add the good ones to that entry's `questions` "
          "(see `file`), then run `jetbot kb check`.", file=out)
    if report["proposals"]:
        print(yaml.dump(report, Dumper=_Block, allow_unicode=True, sort_keys=False, width=100), end="", file=out)
    return 0


def valid_entry_id(entry_id: str) -> bool:
    return bool(ID_RE.match(entry_id)) and len(entry_id) <= 80

