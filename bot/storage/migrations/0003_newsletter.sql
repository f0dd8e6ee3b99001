-- Newsletter sign-ups and consent records (issue #4).

-- Each distinct consent wording the bot has shown, numbered in the order first used. The wording comes
-- from the bot-wide configuration (JETBOT_CONSENT_TEXT), so this table is bot-wide like `meta`: it holds
-- no chapter data and nothing about any person.
CREATE TABLE consent_texts (
    version    INTEGER PRIMARY KEY,          -- 1, 2, 3 ... in the order first used
    sha256     TEXT NOT NULL UNIQUE,         -- hex digest of the exact wording
    text       TEXT NOT NULL,
    first_used TEXT NOT NULL                 -- ISO-8601 UTC
);

-- One row per member per server: the address they gave and the consent record behind it. An
-- unsubscribed member's row stays (status, unsubscribed_at) until they erase it with /privacy delete,
-- so that organisers can tell their mailing tool who left.
CREATE TABLE newsletter_subscriptions (
    guild_id            INTEGER NOT NULL,
    user_id             INTEGER NOT NULL,
    email               TEXT NOT NULL,               -- normalised (domain lower-cased), ASCII only
    name                TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL CHECK (status IN ('active', 'unsubscribed')),
    subscribed_at       TEXT NOT NULL,               -- when consent was last given (ISO-8601 UTC)
    first_subscribed_at TEXT NOT NULL,               -- first sign-up in this server
    unsubscribed_at     TEXT,                        -- NULL while active
    channel_id          INTEGER,                     -- where consent was given
    command             TEXT NOT NULL,               -- through which command, e.g. '/newsletter subscribe'
    consent_version     INTEGER NOT NULL REFERENCES consent_texts (version),
    updated_at          TEXT NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
CREATE INDEX newsletter_by_status ON newsletter_subscriptions (guild_id, status, subscribed_at);

-- Every consent change, so that "had they agreed when we sent that mail?" can be answered after an
-- address change or an unsubscribe and re-subscribe. No email address here: the current one is above.
CREATE TABLE newsletter_consent_log (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id        INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    action          TEXT NOT NULL CHECK (action IN ('subscribe', 'update', 'unsubscribe')),
    at              TEXT NOT NULL,               -- ISO-8601 UTC
    channel_id      INTEGER,
    command         TEXT NOT NULL,
    consent_version INTEGER REFERENCES consent_texts (version)   -- NULL for unsubscribe
);
CREATE INDEX newsletter_consent_log_by_user ON newsletter_consent_log (guild_id, user_id, id);
