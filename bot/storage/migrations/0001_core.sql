-- Core tables: bot-wide metadata, per-server settings, questions the answer engine declined.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE guild_settings (
    guild_id          INTEGER PRIMARY KEY,
    organiser_role_id INTEGER,
    timezone          TEXT NOT NULL DEFAULT 'UTC',
    reminder_offsets  TEXT NOT NULL DEFAULT '[1440, 60]',  -- minutes before an event, JSON list
    updated_at        TEXT NOT NULL
);

-- Aggregated per server and normalised question; no user id is kept (nothing personal to erase).
CREATE TABLE unanswered_questions (
    guild_id    INTEGER NOT NULL,
    normalized  TEXT NOT NULL,
    example     TEXT NOT NULL,
    count       INTEGER NOT NULL DEFAULT 1,
    first_asked TEXT NOT NULL,
    last_asked  TEXT NOT NULL,
    PRIMARY KEY (guild_id, normalized)
);
CREATE INDEX unanswered_by_count ON unanswered_questions (guild_id, count DESC);
