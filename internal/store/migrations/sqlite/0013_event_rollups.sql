-- Open and click events older than DRIP_EVENT_RETENTION are folded by
-- housekeeping into daily counts per course, lesson, kind and kind of
-- client (event_days), then deleted, so the events table stops growing
-- with every fetch of a pixel. The stats count deliveries that were
-- opened or clicked, so each delivery keeps, for each kind of event
-- folded away, the time of the first one: the per-lesson counts
-- (0014_counts) keep the figure, and these columns keep a later event of
-- the same kind from counting the delivery again.

ALTER TABLE deliveries ADD COLUMN first_open_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN first_machine_open_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN first_click_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN first_machine_click_at INTEGER NOT NULL DEFAULT 0;

CREATE TABLE event_days (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    day     INTEGER NOT NULL,   -- the UTC midnight the events fell on
    course  TEXT    NOT NULL,
    slug    TEXT    NOT NULL,
    kind    TEXT    NOT NULL,   -- open, click
    machine INTEGER NOT NULL,
    events  INTEGER NOT NULL,   -- how many were folded
    UNIQUE (day, course, slug, kind, machine)
);
