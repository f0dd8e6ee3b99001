-- Reminders being sent. Before its DM, a process claims a member's reminder for an event; marking the
-- reminder sent drops the claim. A claim expires, so the reminders of a process that died mid-way go out
-- from another process (or after a restart) instead of never. With several processes on one database,
-- only the one holding the claim sends: the claim is an upsert that succeeds only when no live claim exists.
CREATE TABLE event_reminder_claims (
    event_id   INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    guild_id   INTEGER NOT NULL,
    user_id    INTEGER NOT NULL,
    claimed_by TEXT NOT NULL,                     -- host:pid:random of the claiming process
    expires_at TEXT NOT NULL,                     -- ISO-8601 UTC
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_reminder_claims_by_user ON event_reminder_claims (guild_id, user_id);
