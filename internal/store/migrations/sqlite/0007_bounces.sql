-- Bounces and complaints that arrive after the send (bounces.go): every
-- report kept, each once, with what the policy did about it.

-- One row per report: a recipient's outcome in one delivery status
-- notification, complaint or auto-reply, or in one provider event.
-- report_key makes recording idempotent: a provider's event id, or a hash
-- of a mail report's content and recipient. subscriber_id, delivery_id and
-- confirmation_id are 0 when the report matched none; matched_by says how
-- it matched (token, message-id, recipient) or is empty. outcome is what
-- the policy did, in words the operator reads.
CREATE TABLE bounce_reports (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    source          TEXT    NOT NULL,
    report_key      TEXT    NOT NULL UNIQUE,
    subscriber_id   INTEGER NOT NULL DEFAULT 0,
    delivery_id     INTEGER NOT NULL DEFAULT 0,
    confirmation_id INTEGER NOT NULL DEFAULT 0,
    matched_by      TEXT    NOT NULL DEFAULT '',
    recipient       TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL DEFAULT '',
    action          TEXT    NOT NULL DEFAULT '',
    kind            TEXT    NOT NULL,            -- hard, soft, complaint, ignore
    our_sending     INTEGER NOT NULL DEFAULT 0,  -- about how we send: never charged to the reader
    feedback_type   TEXT    NOT NULL DEFAULT '',
    diagnostic      TEXT    NOT NULL DEFAULT '',
    outcome         TEXT    NOT NULL DEFAULT '',
    at              INTEGER NOT NULL DEFAULT 0,  -- when the report says it happened
    received_at     INTEGER NOT NULL
);
CREATE INDEX bounce_reports_subscriber ON bounce_reports (subscriber_id, id);
CREATE INDEX bounce_reports_received ON bounce_reports (received_at);

-- soft_bounces: the reader's soft-bounced messages in a row, as last
-- counted. suppressed_by: the bounce report that suppressed the address.
ALTER TABLE subscribers ADD COLUMN soft_bounces INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscribers ADD COLUMN suppressed_by INTEGER NOT NULL DEFAULT 0;

-- Reports are matched by the Message-ID the original message carried,
-- and rates count what was sent in a window.
CREATE INDEX deliveries_message_id ON deliveries (message_id);
CREATE INDEX confirmations_message_id ON confirmations (message_id);
CREATE INDEX confirmations_sent_at ON confirmations (sent_at);

-- One-use values of signed webhook requests (a Mailgun token, a generic
-- request's signature) until they expire, so that instances sharing the
-- database refuse a replayed request together.
CREATE TABLE webhook_replays (
    replay_key TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX webhook_replays_expires ON webhook_replays (expires_at);
