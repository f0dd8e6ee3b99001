-- Chapter knowledge: each server's own entries, extra phrasings, votes, members' suggestion choices, counters.

-- A server's own entries, layered over the shipped knowledge base for that server only. The text fields
-- follow the YAML format (questions and aliases as JSON lists). Who created and last edited an entry is kept
-- for the record; /privacy delete clears those ids, the entry itself (chapter content) stays.
CREATE TABLE chapter_entries (
    guild_id    INTEGER NOT NULL,
    entry_id    TEXT NOT NULL,
    title       TEXT NOT NULL,
    category    TEXT NOT NULL DEFAULT 'chapter',
    answer      TEXT NOT NULL,
    questions   TEXT NOT NULL,                  -- JSON list of text
    aliases     TEXT NOT NULL,                  -- JSON list of text
    created_by  INTEGER,                        -- Discord user id, NULL once erased or imported
    created_at  TEXT NOT NULL,
    updated_by  INTEGER,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (guild_id, entry_id)
);
CREATE UNIQUE INDEX chapter_entries_title ON chapter_entries (guild_id, title COLLATE NOCASE);

-- Extra phrasings attached to a SHARED entry in one server ('local'), or also proposed for the shipped base
-- ('proposed', exported by `jetbot kb proposals`). Both take effect in that server at once.
CREATE TABLE chapter_phrasings (
    guild_id   INTEGER NOT NULL,
    entry_id   TEXT NOT NULL,
    phrasing   TEXT NOT NULL,
    scope      TEXT NOT NULL CHECK (scope IN ('local', 'proposed')),
    created_by INTEGER,
    created_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, entry_id, phrasing)
);

-- One vote per member per entry (so a member can change it, not repeat it). Counts shown never carry ids.
CREATE TABLE kb_votes (
    guild_id INTEGER NOT NULL,
    entry_id TEXT NOT NULL,
    user_id  INTEGER NOT NULL,
    helpful  INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    voted_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, entry_id, user_id)
);
CREATE INDEX kb_votes_by_time ON kb_votes (guild_id, voted_at);
CREATE INDEX kb_votes_by_user ON kb_votes (guild_id, user_id);

-- "Declined, then a member clicked this suggestion": counted per server and question, no user id.
CREATE TABLE kb_choices (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    normalized  TEXT NOT NULL,
    example     TEXT NOT NULL,
    entry_id    TEXT NOT NULL,
    count       INTEGER NOT NULL DEFAULT 1,
    first_at    TEXT NOT NULL,
    last_at     TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'dismissed')),
    UNIQUE (guild_id, normalized, entry_id)
);

-- Questions asked / answered / declined per server and UTC day, for /kb stats. No user id.
CREATE TABLE kb_daily (
    guild_id INTEGER NOT NULL,
    day      TEXT NOT NULL,                     -- YYYY-MM-DD (UTC)
    asked    INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    declined INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (guild_id, day)
);

-- Unanswered questions an organiser dismissed as noise stay counted but leave the list.
ALTER TABLE unanswered_questions ADD COLUMN dismissed INTEGER NOT NULL DEFAULT 0;

-- When the bot was removed from a server: its chapter knowledge is deleted 30 days later unless it returns.
CREATE TABLE kb_guild_removals (
    guild_id   INTEGER PRIMARY KEY,
    removed_at TEXT NOT NULL
);
