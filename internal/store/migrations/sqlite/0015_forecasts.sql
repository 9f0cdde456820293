-- What is due over the next week, per course, as the schedule projects it
-- over every active reader: the dashboard and `schedule` read the stored
-- projection while it is recent and made from the same course, so their
-- cost does not grow with the readers. Housekeeping remakes it.
-- fingerprint: what the projection depends on in the course (its lessons'
-- order and delays, its window, days and timezone). counts: JSON, day
-- (UTC, 2006-01-02) -> lesson slug -> readers.
CREATE TABLE forecasts (
    course      TEXT    NOT NULL PRIMARY KEY,
    fingerprint TEXT    NOT NULL,
    made_at     INTEGER NOT NULL,
    active      INTEGER NOT NULL,
    counts      TEXT    NOT NULL
);
