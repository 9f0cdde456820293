-- Per-lesson counts and sends per day, summed from the deliveries and
-- events up to a high-water mark (counts.go): stats, the dashboard and the
-- API read these rows and add only the rows recorded after the mark, so
-- their cost does not grow with the history. Housekeeping advances the
-- marks; nothing on the dispatch path writes here.

-- what: a delivery status, or 'event:' and an event kind. Events count
-- deliveries (the first event of a kind per delivery and machine), as
-- the stats always have. course: the delivery's enrollment's course, ''
-- for an event with no delivery.
CREATE TABLE lesson_counts (
    course  TEXT    NOT NULL,
    slug    TEXT    NOT NULL,
    what    TEXT    NOT NULL,
    machine BIGINT NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (course, slug, what, machine)
);

-- Lessons sent per course and UTC day (day: unix seconds / 86400).
CREATE TABLE sent_days (
    course TEXT    NOT NULL,
    day    BIGINT NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (course, day)
);

-- One row per counted table: rows with id <= upto are in the counts.
-- candidate is the largest id seen at candidate_at; the mark moves to it
-- only once no transaction that took a smaller id can still be open.
CREATE TABLE count_marks (
    name         TEXT    PRIMARY KEY,
    upto         BIGINT NOT NULL,
    candidate    BIGINT NOT NULL,
    candidate_at BIGINT NOT NULL
);
INSERT INTO count_marks (name, upto, candidate, candidate_at) VALUES ('deliveries', 0, 0, 0), ('events', 0, 0, 0);

-- A lesson's events by delivery: per-course stats join events to their
-- deliveries, and counting a delivery's first event of a kind looks for
-- an earlier one.
CREATE INDEX events_delivery ON events (delivery_id, kind, machine);

-- How many finished a course, read from the index alone; it changes once
-- per reader, when they finish.
CREATE INDEX enrollments_completed ON enrollments (course, completed_at);

-- A delivery whose opens or clicks a rollup already folded (0013) counts
-- through the first-time columns it kept: the events summed from the
-- marks leave such a delivery's later ones of that kind out.
INSERT INTO lesson_counts (course, slug, what, machine, n)
SELECT course, slug, what, machine, count(*) FROM (
    SELECT coalesce(e.course, '') AS course, d.slug AS slug, 'event:open' AS what, 0 AS machine
        FROM deliveries d LEFT JOIN enrollments e ON e.id = d.enrollment_id WHERE d.first_open_at > 0
    UNION ALL SELECT coalesce(e.course, ''), d.slug, 'event:open', 1
        FROM deliveries d LEFT JOIN enrollments e ON e.id = d.enrollment_id WHERE d.first_machine_open_at > 0
    UNION ALL SELECT coalesce(e.course, ''), d.slug, 'event:click', 0
        FROM deliveries d LEFT JOIN enrollments e ON e.id = d.enrollment_id WHERE d.first_click_at > 0
    UNION ALL SELECT coalesce(e.course, ''), d.slug, 'event:click', 1
        FROM deliveries d LEFT JOIN enrollments e ON e.id = d.enrollment_id WHERE d.first_machine_click_at > 0
) r GROUP BY course, slug, what, machine;
