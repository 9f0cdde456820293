-- The first schema. Times are INTEGER unix seconds, UTC; 0 means "never".
-- Row IDs are AUTOINCREMENT: signed links carry reader and delivery IDs,
-- so an ID must never be given again to someone else after an erasure.

CREATE TABLE subscribers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    email           TEXT    NOT NULL,
    email_key       TEXT    NOT NULL UNIQUE,  -- lower-cased address
    name            TEXT    NOT NULL DEFAULT '',
    timezone        TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    confirmed_at    INTEGER NOT NULL DEFAULT 0,
    unsubscribed_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX subscribers_status ON subscribers (status);

-- Addresses that must never be mailed again, kept only as a hash once the
-- reader's personal data is erased.
CREATE TABLE suppressions (
    email_hash TEXT    PRIMARY KEY,
    reason     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- Confirmation emails waiting to be sent. Queued in the signup request,
-- sent by the dispatcher, so a slow SMTP server never slows the form.
CREATE TABLE confirmations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    status        TEXT    NOT NULL,            -- queued, sending, sent, failed
    due_at        INTEGER NOT NULL,            -- next attempt, or lease expiry while sending
    attempts      INTEGER NOT NULL DEFAULT 0,
    message_id    TEXT    NOT NULL,
    last_reply    TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    sent_at       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX confirmations_due ON confirmations (status, due_at);
CREATE INDEX confirmations_subscriber ON confirmations (subscriber_id, created_at);

CREATE TABLE enrollments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    course        TEXT    NOT NULL,
    status        TEXT    NOT NULL,            -- active, paused, completed, stopped
    last_slug     TEXT    NOT NULL DEFAULT '',
    last_sent_at  INTEGER NOT NULL DEFAULT 0,
    next_due_at   INTEGER NOT NULL,            -- or lease expiry while a lesson is in flight
    created_at    INTEGER NOT NULL,
    UNIQUE (subscriber_id, course)
);
-- The due query reads this index only: its cost is O(due), not O(readers).
CREATE INDEX enrollments_due ON enrollments (status, next_due_at);

CREATE TABLE deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    enrollment_id    INTEGER NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
    subscriber_id    INTEGER NOT NULL,
    slug             TEXT    NOT NULL,
    status           TEXT    NOT NULL,         -- sending, sent, retry, failed
    attempts         INTEGER NOT NULL DEFAULT 0,
    message_id       TEXT    NOT NULL,
    last_reply       TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    first_attempt_at INTEGER NOT NULL,
    sent_at          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (enrollment_id, slug)
);
CREATE INDEX deliveries_sent_at ON deliveries (sent_at);
CREATE INDEX deliveries_subscriber ON deliveries (subscriber_id);

-- Every SMTP attempt's reply, kept for the operator.
CREATE TABLE attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    code        INTEGER NOT NULL,
    enhanced    TEXT    NOT NULL DEFAULT '',
    text        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX attempts_delivery ON attempts (delivery_id);

CREATE TABLE events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    delivery_id   INTEGER NOT NULL DEFAULT 0,
    slug          TEXT    NOT NULL DEFAULT '',
    kind          TEXT    NOT NULL,
    machine       INTEGER NOT NULL DEFAULT 0,
    detail        TEXT    NOT NULL DEFAULT '',
    at            INTEGER NOT NULL
);
CREATE INDEX events_subscriber ON events (subscriber_id, at);
CREATE INDEX events_slug ON events (slug, kind, machine);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
