-- Chapter events, RSVPs and sent reminders (issue #3). Every row carries guild_id; every query filters on it.
CREATE TABLE events (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id           INTEGER NOT NULL,
    title              TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    location           TEXT NOT NULL DEFAULT '',
    start_at           TEXT NOT NULL,                 -- ISO-8601 UTC
    end_at             TEXT NOT NULL,                 -- ISO-8601 UTC
    capacity           INTEGER,                       -- NULL = no limit
    channel_id         INTEGER,
    message_id         INTEGER,
    scheduled_event_id INTEGER,                       -- the matching Discord scheduled event, if any
    created_by         INTEGER,                       -- NULLed when the creator erases their data
    status             TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX events_upcoming ON events (guild_id, status, start_at);
CREATE INDEX events_by_creator ON events (guild_id, created_by);

-- One row per member per event. seq orders going and waitlist by when the member joined that list.
CREATE TABLE event_rsvps (
    event_id     INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('going', 'maybe', 'waitlist', 'no')),
    seq          INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,                       -- when status last changed
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_rsvps_by_user ON event_rsvps (guild_id, user_id);
CREATE INDEX event_rsvps_by_status ON event_rsvps (event_id, status, seq);

-- Reminders already delivered (or given up on), so that each is sent once, even across restarts.
CREATE TABLE event_reminders (
    event_id       INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    guild_id       INTEGER NOT NULL,
    user_id        INTEGER NOT NULL,
    offset_minutes INTEGER NOT NULL,
    sent_at        TEXT NOT NULL,
    PRIMARY KEY (event_id, user_id, offset_minutes)
);
CREATE INDEX event_reminders_by_user ON event_reminders (guild_id, user_id);
