-- The calendar feed and public event pages. Every row carries guild_id; lookups by token or slug return it.
--
-- One feed per server. The token is the whole secret of the feed's URL (/cal/<token>.ics). It is stored as
-- it is, not hashed, because organisers ask for the same URL again with /calendar feed (subscriptions must
-- keep working); anyone who can read this database can read the events themselves anyway.
CREATE TABLE calendar_feeds (
    guild_id    INTEGER PRIMARY KEY,
    token       TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL DEFAULT '',           -- the calendar's name in apps (the server's name)
    created_at  TEXT NOT NULL,
    rotated_at  TEXT NOT NULL
);

-- What the feed last published for each event: an unguessable slug for its public page (/e/<slug>), and
-- the iCalendar SEQUENCE, raised whenever the published fields change (their digest is the fingerprint),
-- so calendar apps replace their copy instead of keeping a stale one.
CREATE TABLE calendar_events (
    guild_id     INTEGER NOT NULL,
    event_id     INTEGER NOT NULL,
    slug         TEXT NOT NULL UNIQUE,
    sequence     INTEGER NOT NULL DEFAULT 0,
    fingerprint  TEXT NOT NULL,
    revised_at   TEXT NOT NULL,
    PRIMARY KEY (guild_id, event_id)
);
