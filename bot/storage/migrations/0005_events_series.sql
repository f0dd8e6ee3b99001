-- Recurring events, sign-up questions and guests, attendance, members-only events, and the DM outbox.
-- Every row carries guild_id; every query filters on it.

-- A series: the rule (RFC 5545 RRULE, without DTSTART) and the first start as local wall-clock time in the
-- series' time zone, so that 19:00 stays 19:00 across daylight-saving changes. Each occurrence becomes an
-- ordinary row of `events` (series_id, occurrence_start) when it is posted, some time ahead.
CREATE TABLE event_series (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id         INTEGER NOT NULL,
    title            TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    location         TEXT NOT NULL DEFAULT '',
    capacity         INTEGER,
    channel_id       INTEGER,
    created_by       INTEGER,                           -- NULLed when the creator erases their data
    rrule            TEXT NOT NULL,                     -- e.g. FREQ=MONTHLY;BYDAY=1FR;COUNT=12
    dtstart_local    TEXT NOT NULL,                     -- naive ISO-8601 local time of the first occurrence
    timezone         TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    post_ahead_minutes INTEGER NOT NULL DEFAULT 20160,  -- post occurrences this long before they start
    max_guests       INTEGER NOT NULL DEFAULT 0,
    questions        TEXT NOT NULL DEFAULT '[]',        -- JSON list of up to 3 sign-up questions
    allowed_roles    TEXT NOT NULL DEFAULT '[]',        -- JSON list of role ids; empty = everyone
    status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'ended')),
    sequence         INTEGER NOT NULL DEFAULT 0,        -- raised on every change (iCalendar SEQUENCE)
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX event_series_by_guild ON event_series (guild_id, status);

-- Occurrences that will not happen (skipped), by their original start (UTC): the RRULE's EXDATEs.
CREATE TABLE event_series_exdates (
    series_id        INTEGER NOT NULL REFERENCES event_series (id) ON DELETE CASCADE,
    guild_id         INTEGER NOT NULL,
    occurrence_start TEXT NOT NULL,
    PRIMARY KEY (series_id, occurrence_start)
);

ALTER TABLE events ADD COLUMN series_id INTEGER REFERENCES event_series (id);
ALTER TABLE events ADD COLUMN occurrence_start TEXT;          -- the rule's start for this occurrence (RECURRENCE-ID)
ALTER TABLE events ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN max_guests INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN questions TEXT NOT NULL DEFAULT '[]';
ALTER TABLE events ADD COLUMN allowed_roles TEXT NOT NULL DEFAULT '[]';
ALTER TABLE events ADD COLUMN checkin_code TEXT;              -- members check themselves in with it
CREATE UNIQUE INDEX events_occurrence ON events (series_id, occurrence_start) WHERE series_id IS NOT NULL;

-- A member's party and sign-up answers. Answers are deleted 30 days after the event.
ALTER TABLE event_rsvps ADD COLUMN guests INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_rsvps ADD COLUMN answers TEXT;              -- JSON list, same order as the questions

-- Who came: marked by an organiser (check-in list) or by the member with the event's code.
CREATE TABLE event_attendance (
    event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    attended   INTEGER NOT NULL CHECK (attended IN (0, 1)),   -- 1 attended, 0 no-show
    method     TEXT NOT NULL CHECK (method IN ('organiser', 'code')),
    marked_at  TEXT NOT NULL,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_attendance_by_user ON event_attendance (guild_id, user_id);

-- DMs decided in the same transaction as the change that causes them (a member promoted off the waitlist,
-- an occurrence moved or skipped), deleted once sent: a restart resends whatever was not sent.
CREATE TABLE event_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    event_id   INTEGER NOT NULL,
    kind       TEXT NOT NULL,                                 -- promoted | changed | cancelled
    detail     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX event_outbox_by_user ON event_outbox (guild_id, user_id);
