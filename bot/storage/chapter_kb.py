"""SQL for chapter knowledge: a server's own entries and phrasings, votes, suggestion choices, daily counters,
unanswered-question actions and the clean-up after the bot leaves a server. Reached as ``Database.chapter_kb``.

Every query filters on ``guild_id`` except the bot-wide ones that say so (``proposals`` for the
maintainers' review; ``removals``, ``guilds_with_data`` and ``removed_before`` for the clean-up).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.storage import _dt, _iso

if TYPE_CHECKING:
    from bot.storage import Database
    from bot.storage.engine import Conn, Row

# Tables holding one server's chapter knowledge, all deleted together by ``purge_guild``.
_GUILD_TABLES = ("chapter_entries", "chapter_phrasings", "kb_votes", "kb_choices", "kb_daily")


@dataclass(frozen=True)
class EntryRow:
    guild_id: int
    entry_id: str
    title: str
    category: str
    answer: str
    questions: tuple[str, ...]
    aliases: tuple[str, ...]
    created_by: int | None
    created_at: datetime
    updated_by: int | None
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> EntryRow:
        return cls(
            guild_id=int(row["guild_id"]), entry_id=row["entry_id"], title=row["title"], category=row["category"],
            answer=row["answer"], questions=tuple(json.loads(row["questions"])),
            aliases=tuple(json.loads(row["aliases"])), created_by=row["created_by"],
            created_at=_dt(row["created_at"]),
            updated_by=row["updated_by"], updated_at=_dt(row["updated_at"]),
        )


@dataclass(frozen=True)
class PhrasingRow:
    entry_id: str
    phrasing: str
    scope: str
    created_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class UnansweredRow:
    key: int  # the row's id, used in autocomplete values
    normalized: str
    example: str
    count: int
    first_asked: datetime
    last_asked: datetime


@dataclass(frozen=True)
class ChoiceRow:
    id: int
    normalized: str
    example: str
    entry_id: str
    count: int
    last_at: datetime
    status: str


@dataclass(frozen=True)
class DailyTotals:
    asked: int = 0
    answered: int = 0
    declined: int = 0


@dataclass(frozen=True)
class VoteCount:
    entry_id: str
    helpful: int
    unhelpful: int


_ENTRY_COLUMNS = ("guild_id, entry_id, title, category, answer, questions, aliases, created_by, created_at, "
                  "updated_by, updated_at")


def _entry_params(row: EntryRow) -> tuple[Any, ...]:
    return (row.guild_id, row.entry_id, row.title, row.category, row.answer,
            json.dumps(list(row.questions), ensure_ascii=False), json.dumps(list(row.aliases), ensure_ascii=False),
            row.created_by, _iso(row.created_at), row.updated_by, _iso(row.updated_at))


class ChapterKbRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- entries ---------------------------------------------------------------------------------
    async def entries(self, guild_id: int) -> list[EntryRow]:
        rows = await self.db.fetchall(
            f"SELECT {_ENTRY_COLUMNS} FROM chapter_entries WHERE guild_id = ? ORDER BY title COLLATE NOCASE",
            (guild_id,))
        return [EntryRow.from_row(r) for r in rows]

    async def count_entries(self, guild_id: int) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM chapter_entries WHERE guild_id = ?", (guild_id,))
        return int(row[0]) if row else 0

    async def put_entry(self, row: EntryRow, *, replace_id: str | None = None) -> None:
        """Insert ``row``, or replace the entry ``replace_id`` (an edit may change nothing but the text)."""
        async with self.db.transaction() as conn:
            if replace_id is not None:
                await conn.execute("DELETE FROM chapter_entries WHERE guild_id = ? AND entry_id = ?",
                                   (row.guild_id, replace_id))
            await conn.execute(f"INSERT INTO chapter_entries ({_ENTRY_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                               _entry_params(row))

    async def delete_entry(self, guild_id: int, entry_id: str) -> bool:
        async with self.db.transaction() as conn:
            cur = await conn.execute("DELETE FROM chapter_entries WHERE guild_id = ? AND entry_id = ?",
                                     (guild_id, entry_id))
            removed = cur.rowcount > 0
            await conn.execute("DELETE FROM chapter_phrasings WHERE guild_id = ? AND entry_id = ?",
                               (guild_id, entry_id))
        return removed

    async def replace_all(self, guild_id: int, rows: list[EntryRow], *, keep_others: bool) -> None:
        """Import in one transaction: all rows written or none. Without ``keep_others`` the server's
        other entries go (replace); with it they stay and same-id entries are overwritten (merge)."""
        async with self.db.transaction() as conn:
            if keep_others:
                for row in rows:
                    await conn.execute("DELETE FROM chapter_entries WHERE guild_id = ? AND entry_id = ?",
                                       (guild_id, row.entry_id))
            else:
                await conn.execute("DELETE FROM chapter_entries WHERE guild_id = ?", (guild_id,))
            await conn.executemany(f"INSERT INTO chapter_entries ({_ENTRY_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                                   [_entry_params(r) for r in rows])

    # -- phrasings on shared entries -------------------------------------------------------------
    async def phrasings(self, guild_id: int) -> list[PhrasingRow]:
        rows = await self.db.fetchall(
            "SELECT entry_id, phrasing, scope, created_by, created_at FROM chapter_phrasings WHERE guild_id = ? "
            "ORDER BY entry_id, created_at", (guild_id,))
        return [PhrasingRow(r["entry_id"], r["phrasing"], r["scope"], r["created_by"],
                            _dt(r["created_at"])) for r in rows]

    async def add_phrasing(self, guild_id: int, entry_id: str, phrasing: str, scope: str, user_id: int | None,
                           when: datetime) -> None:
        await self.db.execute(
            "INSERT INTO chapter_phrasings (guild_id, entry_id, phrasing, scope, created_by, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(guild_id, entry_id, phrasing) DO UPDATE SET "
            "scope = CASE WHEN excluded.scope = 'proposed' THEN 'proposed' ELSE chapter_phrasings.scope END",
            (guild_id, entry_id, phrasing, scope, user_id, _iso(when)))

    async def proposals(self) -> list[tuple[str, str, int]]:
        """Bot-wide, for the maintainers: (shared entry id, phrasing, number of servers proposing it)."""
        rows = await self.db.fetchall(
            "SELECT entry_id, phrasing, COUNT(DISTINCT guild_id) AS servers FROM chapter_phrasings "
            "WHERE scope = 'proposed' GROUP BY entry_id, phrasing ORDER BY entry_id, servers DESC, phrasing")
        return [(r["entry_id"], r["phrasing"], int(r["servers"])) for r in rows]

    # -- unanswered questions --------------------------------------------------------------------
    async def unanswered(self, guild_id: int, limit: int = 25, prefix: str = "") -> list[UnansweredRow]:
        rows = await self.db.fetchall(
            "SELECT rowid, normalized, example, count, first_asked, last_asked FROM unanswered_questions "
            "WHERE guild_id = ? AND dismissed = 0 AND example LIKE ? ESCAPE '\\' "
            "ORDER BY count DESC, last_asked DESC LIMIT ?",
            (guild_id, "%" + prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%", limit))
        return [UnansweredRow(int(r["rowid"]), r["normalized"], r["example"], int(r["count"]),
                              _dt(r["first_asked"]), _dt(r["last_asked"])) for r in rows]

    async def unanswered_by_key(self, guild_id: int, key: int) -> UnansweredRow | None:
        row = await self.db.fetchone(
            "SELECT rowid, normalized, example, count, first_asked, last_asked FROM unanswered_questions "
            "WHERE guild_id = ? AND rowid = ? AND dismissed = 0", (guild_id, key))
        if row is None:
            return None
        return UnansweredRow(int(row["rowid"]), row["normalized"], row["example"], int(row["count"]),
                             _dt(row["first_asked"]), _dt(row["last_asked"]))

    async def resolve_unanswered(self, guild_id: int, key: int) -> bool:
        """The question now has an answer: it leaves the list (it comes back only if declined again)."""
        return await self.db.execute("DELETE FROM unanswered_questions WHERE guild_id = ? AND rowid = ?",
                                     (guild_id, key)) > 0

    async def resolve_normalized(self, guild_id: int, normalized: str) -> bool:
        return await self.db.execute("DELETE FROM unanswered_questions WHERE guild_id = ? AND normalized = ?",
                                     (guild_id, normalized)) > 0

    async def unanswered_key(self, guild_id: int, normalized: str) -> int | None:
        row = await self.db.fetchone("SELECT rowid FROM unanswered_questions WHERE guild_id = ? AND normalized = ?",
                                     (guild_id, normalized))
        return None if row is None else int(row[0])

    async def dismiss_unanswered(self, guild_id: int, key: int) -> bool:
        return await self.db.execute("UPDATE unanswered_questions SET dismissed = 1 WHERE guild_id = ? AND rowid = ?",
                                     (guild_id, key)) > 0

    # -- members' choices among suggestions ------------------------------------------------------
    async def record_choice(self, guild_id: int, normalized: str, example: str, entry_id: str, when: datetime) -> None:
        ts = _iso(when)
        await self.db.execute(
            "INSERT INTO kb_choices (guild_id, normalized, example, entry_id, count, first_at, last_at) "
            "VALUES (?, ?, ?, ?, 1, ?, ?) ON CONFLICT(guild_id, normalized, entry_id) DO UPDATE SET "
            "count = kb_choices.count + 1, example = excluded.example, last_at = excluded.last_at",
            (guild_id, normalized[:500], example[:500], entry_id, ts, ts))

    async def pending_choices(self, guild_id: int, min_count: int, limit: int = 10) -> list[ChoiceRow]:
        rows = await self.db.fetchall(
            "SELECT id, normalized, example, entry_id, count, last_at, status FROM kb_choices "
            "WHERE guild_id = ? AND status = 'pending' AND count >= ? ORDER BY count DESC, last_at DESC LIMIT ?",
            (guild_id, min_count, limit))
        return [self._choice(r) for r in rows]

    async def choice(self, guild_id: int, choice_id: int) -> ChoiceRow | None:
        row = await self.db.fetchone(
            "SELECT id, normalized, example, entry_id, count, last_at, status FROM kb_choices "
            "WHERE guild_id = ? AND id = ?", (guild_id, choice_id))
        return None if row is None else self._choice(row)

    async def set_choice_status(self, guild_id: int, choice_id: int, status: str) -> bool:
        return await self.db.execute(
            "UPDATE kb_choices SET status = ? WHERE guild_id = ? AND id = ? AND status = 'pending'",
            (status, guild_id, choice_id)) > 0

    @staticmethod
    def _choice(r: Row) -> ChoiceRow:
        return ChoiceRow(int(r["id"]), r["normalized"], r["example"], r["entry_id"], int(r["count"]),
                         _dt(r["last_at"]), r["status"])

    # -- votes and counters ----------------------------------------------------------------------
    async def vote(self, guild_id: int, entry_id: str, user_id: int, helpful: bool, when: datetime) -> bool:
        """Record or change a member's vote; False when it is the same vote again (nothing changes)."""
        async with self.db.transaction() as conn:
            async with conn.execute("SELECT helpful FROM kb_votes WHERE guild_id = ? AND entry_id = ? AND user_id = ?",
                                    (guild_id, entry_id, user_id)) as cur:
                row = await cur.fetchone()
            if row is not None and bool(row[0]) == helpful:
                return False
            await conn.execute(
                "INSERT INTO kb_votes (guild_id, entry_id, user_id, helpful, voted_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(guild_id, entry_id, user_id) DO UPDATE SET helpful = excluded.helpful, "
                "voted_at = excluded.voted_at", (guild_id, entry_id, user_id, int(helpful), _iso(when)))
        return True

    async def vote_counts(self, guild_id: int, since: datetime, entry_id: str | None = None) -> list[VoteCount]:
        """Votes cast since ``since``, per entry (counts only, no ids), most 'not helpful' first."""
        sql = ("SELECT entry_id, SUM(helpful) AS yes, SUM(1 - helpful) AS no FROM kb_votes "
               "WHERE guild_id = ? AND voted_at >= ?")
        params: list[Any] = [guild_id, _iso(since)]
        if entry_id is not None:
            sql += " AND entry_id = ?"
            params.append(entry_id)
        rows = await self.db.fetchall(sql + " GROUP BY entry_id ORDER BY no DESC, yes ASC, entry_id", params)
        return [VoteCount(r["entry_id"], int(r["yes"]), int(r["no"])) for r in rows]

    async def count_question(self, guild_id: int, day: str, answered: bool) -> None:
        column = "answered" if answered else "declined"
        await self.db.execute(
            f"INSERT INTO kb_daily (guild_id, day, asked, {column}) VALUES (?, ?, 1, 1) "
            f"ON CONFLICT(guild_id, day) DO UPDATE SET asked = kb_daily.asked + 1, {column} = kb_daily.{column} + 1",
            (guild_id, day))

    async def totals(self, guild_id: int, first_day: str) -> DailyTotals:
        row = await self.db.fetchone(
            "SELECT COALESCE(SUM(asked), 0), COALESCE(SUM(answered), 0), COALESCE(SUM(declined), 0) FROM kb_daily "
            "WHERE guild_id = ? AND day >= ?", (guild_id, first_day))
        return DailyTotals(*(int(x) for x in row)) if row else DailyTotals()

    # -- a member's data -------------------------------------------------------------------------
    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        votes = await self.db.fetchall(
            "SELECT entry_id, helpful, voted_at FROM kb_votes WHERE guild_id = ? AND user_id = ? ORDER BY voted_at",
            (guild_id, user_id))
        entries = await self.db.fetchall(
            "SELECT entry_id, title, created_by, created_at, updated_by, updated_at FROM chapter_entries "
            "WHERE guild_id = ? AND (created_by = ? OR updated_by = ?) ORDER BY entry_id", (guild_id, user_id, user_id))
        phrasings = await self.db.fetchall(
            "SELECT entry_id, phrasing, scope, created_at FROM chapter_phrasings WHERE guild_id = ? AND created_by = ? "
            "ORDER BY created_at", (guild_id, user_id))
        return {
            "votes": [{"entry": r["entry_id"], "helpful": bool(r["helpful"]), "at": r["voted_at"]} for r in votes],
            "entries_written": [
                {"entry": r["entry_id"], "title": r["title"],
                 "created": r["created_at"] if r["created_by"] == user_id else None,
                 "last_edited": r["updated_at"] if r["updated_by"] == user_id else None} for r in entries],
            "phrasings_added": [{"entry": r["entry_id"], "phrasing": r["phrasing"], "scope": r["scope"],
                                 "at": r["created_at"]} for r in phrasings],
        }

    async def erase_member_in(self, conn: Conn, guild_id: int, user_id: int) -> int:
        """Inside a transaction the caller holds: votes deleted, authorship cleared (the chapter's entries
        and phrasings stay, no longer linked to the member). Returns the rows touched."""
        total = 0
        for sql in (
            "DELETE FROM kb_votes WHERE guild_id = ? AND user_id = ?",
            "UPDATE chapter_entries SET created_by = NULL WHERE guild_id = ? AND created_by = ?",
            "UPDATE chapter_entries SET updated_by = NULL WHERE guild_id = ? AND updated_by = ?",
            "UPDATE chapter_phrasings SET created_by = NULL WHERE guild_id = ? AND created_by = ?",
        ):
            cur = await conn.execute(sql, (guild_id, user_id))
            total += max(cur.rowcount, 0)
        return total

    async def erase_member(self, guild_id: int, user_id: int) -> int:
        async with self.db.transaction() as conn:
            return await self.erase_member_in(conn, guild_id, user_id)

    # -- the bot leaving a server ----------------------------------------------------------------
    async def mark_removed(self, guild_id: int, when: datetime) -> None:
        await self.db.execute(
            "INSERT INTO kb_guild_removals (guild_id, removed_at) VALUES (?, ?) ON CONFLICT(guild_id) DO NOTHING",
            (guild_id, _iso(when)))

    async def mark_returned(self, guild_id: int) -> bool:
        return await self.db.execute("DELETE FROM kb_guild_removals WHERE guild_id = ?", (guild_id,)) > 0

    async def removals(self) -> dict[int, datetime]:
        """Bot-wide, for the start-up check: servers the bot was removed from, and when."""
        shard, shard_params = self.db.shard_filter()
        rows = await self.db.fetchall(f"SELECT guild_id, removed_at FROM kb_guild_removals WHERE 1 = 1{shard}",
                                      shard_params)
        return {int(r["guild_id"]): _dt(r["removed_at"]) for r in rows}

    async def guilds_with_data(self) -> set[int]:
        """Bot-wide, for the start-up check: every server that has chapter knowledge stored."""
        shard, shard_params = self.db.shard_filter()  # a process judges only the servers on its own shards
        sql = " UNION ".join(f"SELECT DISTINCT guild_id FROM {table} WHERE 1 = 1{shard}" for table in _GUILD_TABLES)
        return {int(r[0]) for r in await self.db.fetchall(sql, shard_params * len(_GUILD_TABLES))}

    async def removed_before(self, cutoff: datetime) -> list[int]:
        """Bot-wide, for the clean-up: servers the bot left before ``cutoff``."""
        shard, shard_params = self.db.shard_filter()
        rows = await self.db.fetchall(f"SELECT guild_id FROM kb_guild_removals WHERE removed_at < ?{shard}",
                                      (_iso(cutoff), *shard_params))
        return [int(r["guild_id"]) for r in rows]

    async def purge_guild(self, guild_id: int) -> int:
        """Delete all of one server's chapter knowledge, in one transaction."""
        total = 0
        async with self.db.transaction() as conn:
            for table in _GUILD_TABLES:
                cur = await conn.execute(f"DELETE FROM {table} WHERE guild_id = ?", (guild_id,))
                total += max(cur.rowcount, 0)
            await conn.execute("DELETE FROM kb_guild_removals WHERE guild_id = ?", (guild_id,))
        return total
