-- Outcomes of sends committed but not yet applied to their deliveries and
-- enrollments (pglog.go). On PostgreSQL a sender's outcome is durable once
-- its row is here: one narrow insert, on the sender's path; the recorder
-- applies the rows in large batches off that path, and any instance may
-- apply any instance's rows. A claim never takes an enrollment with a row
-- here. body: the outcome as a line of the SQLite journal (journal_line.go).
-- SQLite keeps its outcomes in its journal files, so the table stays empty.
CREATE TABLE outcome_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    enrollment_id INTEGER NOT NULL,
    body          TEXT   NOT NULL
);
CREATE INDEX outcome_log_enrollment ON outcome_log (enrollment_id);
