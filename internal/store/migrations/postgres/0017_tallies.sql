-- Exact counts of the readers and enrollments by status (tallies.go),
-- kept by triggers as rows change, so that the dashboard, stats and the
-- reader list count a million readers by reading a few rows.
--
-- A row with enrollment '' counts readers (subscribers) by their status
-- (reader); course and completed are '' and 0. Any other row counts a
-- course's enrollments by their status, by whether the reader finished
-- the course (completed_at > 0), and by the reader's suppression: reader
-- is 'bounced' or 'complained' when the address is, '' otherwise.
CREATE TABLE tallies (
    course     TEXT   NOT NULL,
    enrollment TEXT   NOT NULL,
    completed  BIGINT NOT NULL,
    reader     TEXT   NOT NULL,
    n          BIGINT NOT NULL,
    PRIMARY KEY (course, enrollment, completed, reader)
);

-- The triggers only append here, so concurrent writers never wait on
-- one count's row; housekeeping folds the rows into tallies, deleting
-- all it sees in the same transaction. The reads add both tables. No key
-- and no index: a delta is a heap row only, on the signup's path.
CREATE TABLE tally_deltas (
    course     TEXT   NOT NULL,
    enrollment TEXT   NOT NULL,
    completed  BIGINT NOT NULL,
    reader     TEXT   NOT NULL,
    n          BIGINT NOT NULL
);

-- An enrollment's row, counted with its reader's suppression. A new
-- enrollment takes a share lock on its reader: a concurrent change of the
-- reader's status then waits for it, or it for the change, so one of the
-- two sees the other (a changed or deleted enrollment is already locked
-- by its own statement, and tally_subscriber's read waits for that lock).
-- A reader this transaction wrote (a signup's new reader) is locked by it
-- already: the share lock, a write of its own, is then left out.
CREATE FUNCTION tally_enrollment() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sup TEXT;
    own BOOLEAN;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        SELECT status INTO sup FROM subscribers WHERE id = OLD.subscriber_id;
        INSERT INTO tally_deltas (course, enrollment, completed, reader, n)
        VALUES (OLD.course, OLD.status, (OLD.completed_at > 0)::int,
            CASE WHEN sup IN ('bounced', 'complained') THEN sup ELSE '' END, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        SELECT status, xmin = pg_current_xact_id()::xid INTO sup, own FROM subscribers WHERE id = NEW.subscriber_id;
        IF TG_OP = 'INSERT' AND NOT own THEN
            SELECT status INTO sup FROM subscribers WHERE id = NEW.subscriber_id FOR SHARE;
        END IF;
        INSERT INTO tally_deltas (course, enrollment, completed, reader, n)
        VALUES (NEW.course, NEW.status, (NEW.completed_at > 0)::int,
            CASE WHEN sup IN ('bounced', 'complained') THEN sup ELSE '' END, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER tally_enrollment_change AFTER INSERT OR DELETE ON enrollments
    FOR EACH ROW EXECUTE FUNCTION tally_enrollment();
CREATE TRIGGER tally_enrollment_update AFTER UPDATE OF course, status, completed_at, subscriber_id ON enrollments
    FOR EACH ROW WHEN (OLD.course <> NEW.course OR OLD.status <> NEW.status
        OR (OLD.completed_at > 0) <> (NEW.completed_at > 0) OR OLD.subscriber_id <> NEW.subscriber_id)
    EXECUTE FUNCTION tally_enrollment();

-- A reader's row; when the address's suppression changes (or the reader
-- is deleted, before a cascade deletes the enrollments without it), their
-- enrollments move, read under a share lock so that an enrollment
-- changing at the same time is seen as it ends.
CREATE FUNCTION tally_subscriber() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was TEXT := '';
    became TEXT := '';
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO tally_deltas (course, enrollment, completed, reader, n) VALUES ('', '', 0, OLD.status, -1);
        IF OLD.status IN ('bounced', 'complained') THEN
            was := OLD.status;
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO tally_deltas (course, enrollment, completed, reader, n) VALUES ('', '', 0, NEW.status, 1);
        IF NEW.status IN ('bounced', 'complained') THEN
            became := NEW.status;
        END IF;
    END IF;
    IF TG_OP <> 'INSERT' AND was <> became THEN
        WITH e AS (SELECT course, status, completed_at FROM enrollments WHERE subscriber_id = OLD.id FOR SHARE)
        INSERT INTO tally_deltas (course, enrollment, completed, reader, n)
        SELECT e.course, e.status, (e.completed_at > 0)::int, r.reader, r.n FROM e, (VALUES (was, -1), (became, 1)) r (reader, n);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER tally_subscriber_insert AFTER INSERT ON subscribers
    FOR EACH ROW EXECUTE FUNCTION tally_subscriber();
CREATE TRIGGER tally_subscriber_update AFTER UPDATE OF status ON subscribers
    FOR EACH ROW WHEN (OLD.status <> NEW.status) EXECUTE FUNCTION tally_subscriber();
CREATE TRIGGER tally_subscriber_delete BEFORE DELETE ON subscribers
    FOR EACH ROW EXECUTE FUNCTION tally_subscriber();

-- Counted after the triggers exist: creating them waited for every
-- writer of the two tables and holds the next ones off until this
-- migration commits, so no change falls between the count and them.
INSERT INTO tallies (course, enrollment, completed, reader, n)
SELECT '', '', 0, status, count(*) FROM subscribers GROUP BY status;
INSERT INTO tallies (course, enrollment, completed, reader, n)
SELECT e.course, e.status, (e.completed_at > 0)::int,
    CASE WHEN s.status IN ('bounced', 'complained') THEN s.status ELSE '' END, count(*)
FROM enrollments e LEFT JOIN subscribers s ON s.id = e.subscriber_id
GROUP BY 1, 2, 3, 4;
