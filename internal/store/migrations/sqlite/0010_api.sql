-- The JSON API's keys and remembered answers, and the webhooks: endpoints,
-- what each subscribes to, the events (a transactional outbox: each is
-- written in the transaction of the change it reports), one delivery per
-- event and endpoint, and every attempt.

-- An API key is "drip_" + prefix + "_" + secret; only the prefix (to find
-- the row) and the SHA-256 of the whole key are kept.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL UNIQUE,
    hash         TEXT    NOT NULL,
    scopes       TEXT    NOT NULL,            -- space-separated
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL DEFAULT 0,  -- written at most once a minute
    revoked_at   INTEGER NOT NULL DEFAULT 0
);
-- A name belongs to one live key; a revoked key's name can be used again.
CREATE UNIQUE INDEX api_keys_name ON api_keys (name) WHERE revoked_at = 0;

-- The first answer to a POST with an Idempotency-Key, replayed to the
-- same key's retries for 24 hours. A row with status 0 is a request still
-- running; locked_until lets a crashed one's key be used again.
CREATE TABLE api_idempotency (
    key_id       INTEGER NOT NULL,
    idem_key     TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       INTEGER NOT NULL DEFAULT 0,
    content_type TEXT    NOT NULL DEFAULT '',
    body         TEXT    NOT NULL DEFAULT '',
    locked_until INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    PRIMARY KEY (key_id, idem_key)
);
CREATE INDEX api_idempotency_expires ON api_idempotency (expires_at);

-- secret is sealed (AES-GCM under a key derived from the signing secret):
-- the dispatcher must read it to sign.
CREATE TABLE webhook_endpoints (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    url             TEXT    NOT NULL,
    secret          TEXT    NOT NULL,
    status          TEXT    NOT NULL,            -- active, disabled
    disabled_reason TEXT    NOT NULL DEFAULT '',
    disabled_at     INTEGER NOT NULL DEFAULT 0,
    failing_since   INTEGER NOT NULL DEFAULT 0,
    last_success_at INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);

CREATE TABLE webhook_subscriptions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_type  TEXT    NOT NULL,
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    UNIQUE (event_type, endpoint_id)
);

-- body is the payload exactly as signed and sent on every attempt.
-- subscriber_id lets an erasure take the reader's events with them.
CREATE TABLE webhook_events (
    msg_id        TEXT    PRIMARY KEY,           -- the webhook-id, msg_...
    type          TEXT    NOT NULL,
    subscriber_id INTEGER NOT NULL DEFAULT 0,
    body          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX webhook_events_subscriber ON webhook_events (subscriber_id);
CREATE INDEX webhook_events_created ON webhook_events (created_at);

-- A claim reads, per active endpoint, its earliest pending delivery and
-- then its due ones, both through webhook_deliveries_due: O(due).
CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    TEXT    NOT NULL REFERENCES webhook_events (msg_id) ON DELETE CASCADE,
    endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    state       TEXT    NOT NULL,                -- pending, delivered, failed
    next_at     INTEGER NOT NULL,                -- due time, or lease end while claimed
    lease_until INTEGER NOT NULL DEFAULT 0,
    attempt     INTEGER NOT NULL DEFAULT 0,
    try         INTEGER NOT NULL DEFAULT 0,
    since       INTEGER NOT NULL,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (endpoint_id, state, next_at);

CREATE TABLE webhook_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    TEXT    NOT NULL,
    endpoint_id INTEGER NOT NULL,
    number      INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    latency_us  INTEGER NOT NULL,
    status      INTEGER NOT NULL,
    error       TEXT    NOT NULL DEFAULT '',
    response    TEXT    NOT NULL DEFAULT '',     -- the start of the answer, as valid UTF-8
    truncated   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);
CREATE INDEX webhook_attempts_event ON webhook_attempts (event_id);
