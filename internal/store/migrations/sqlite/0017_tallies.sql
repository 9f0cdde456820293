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
    course     TEXT    NOT NULL,
    enrollment TEXT    NOT NULL,
    completed  INTEGER NOT NULL,
    reader     TEXT    NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (course, enrollment, completed, reader)
);

-- PostgreSQL's triggers append here and housekeeping folds the rows into
-- tallies, so that concurrent writers never wait on one count's row.
-- SQLite has one writer: its triggers add to tallies directly and this
-- table stays empty. The reads add both tables alike.
CREATE TABLE tally_deltas (
    course     TEXT    NOT NULL,
    enrollment TEXT    NOT NULL,
    completed  INTEGER NOT NULL,
    reader     TEXT    NOT NULL,
    n          INTEGER NOT NULL
);

CREATE TRIGGER tally_enrollment_insert AFTER INSERT ON enrollments BEGIN
    INSERT INTO tallies (course, enrollment, completed, reader, n)
    VALUES (NEW.course, NEW.status, NEW.completed_at > 0,
        coalesce((SELECT status FROM subscribers WHERE id = NEW.subscriber_id AND status IN ('bounced', 'complained')), ''), 1)
    ON CONFLICT (course, enrollment, completed, reader) DO UPDATE SET n = n + excluded.n;
END;

-- A subscriber's own delete (below) has already moved their enrollments
-- to reader '' when a cascade deletes them, and the subscriber is gone.
CREATE TRIGGER tally_enrollment_delete AFTER DELETE ON enrollments BEGIN
    INSERT INTO tallies (course, enrollment, completed, reader, n)
    VALUES (OLD.course, OLD.status, OLD.completed_at > 0,
        coalesce((SELECT status FROM subscribers WHERE id = OLD.subscriber_id AND status IN ('bounced', 'complained')), ''), -1)
    ON CONFLICT (course, enrollment, completed, reader) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_enrollment_update AFTER UPDATE OF course, status, completed_at, subscriber_id ON enrollments
WHEN OLD.course != NEW.course OR OLD.status != NEW.status OR (OLD.completed_at > 0) != (NEW.completed_at > 0)
    OR OLD.subscriber_id != NEW.subscriber_id
BEGIN
    INSERT INTO tallies (course, enrollment, completed, reader, n)
    VALUES (OLD.course, OLD.status, OLD.completed_at > 0,
        coalesce((SELECT status FROM subscribers WHERE id = OLD.subscriber_id AND status IN ('bounced', 'complained')), ''), -1)
    ON CONFLICT (course, enrollment, completed, reader) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tallies (course, enrollment, completed, reader, n)
    VALUES (NEW.course, NEW.status, NEW.completed_at > 0,
        coalesce((SELECT status FROM subscribers WHERE id = NEW.subscriber_id AND status IN ('bounced', 'complained')), ''), 1)
    ON CONFLICT (course, enrollment, completed, reader) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_subscriber_insert AFTER INSERT ON subscribers BEGIN
    INSERT INTO tallies (course, enrollment, completed, reader, n) VALUES ('', '', 0, NEW.status, 1)
    ON CONFLICT (course, enrollment, completed, reader) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER tally_subscriber_update AFTER UPDATE OF status ON subscribers WHEN OLD.status != NEW.status BEGIN
    INSERT INTO tallies (course, enrollment, completed, reader, n) VALUES ('', '', 0, OLD.status, -1)
    ON CONFLICT (course, enrollment, completed, reader) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tallies (course, enrollment, completed, reader, n) VALUES ('', '', 0, NEW.status, 1)
    ON CONFLICT (course, enrollment, completed, reader) DO UPDATE SET n = n + excluded.n;
    -- The enrollments move when the address's suppression changes.
    INSERT INTO tallies (course, enrollment, completed, reader, n)
    SELECT course, status, completed_at > 0, r.reader, r.n FROM enrollments,
        (SELECT CASE WHEN OLD.status IN ('bounced', 'complained') THEN OLD.status ELSE '' END AS reader, -1 AS n
         UNION ALL SELECT CASE WHEN NEW.status IN ('bounced', 'complained') THEN NEW.status ELSE '' END, 1) r
    WHERE subscriber_id = NEW.id
        AND (CASE WHEN OLD.status IN ('bounced', 'complained') THEN OLD.status ELSE '' END)
            != (CASE WHEN NEW.status IN ('bounced', 'complained') THEN NEW.status ELSE '' END)
    ON CONFLICT (course, enrollment, completed, reader) DO UPDATE SET n = n + excluded.n;
END;

-- Before the row goes: a cascade deletes the enrollments after it, when
-- their own trigger can no longer find the address's suppression, so the
-- enrollments still there are moved to reader '' first.
CREATE TRIGGER tally_subscriber_delete BEFORE DELETE ON subscribers BEGIN
    INSERT INTO tallies (course, enrollment, completed, reader, n) VALUES ('', '', 0, OLD.status, -1)
    ON CONFLICT (course, enrollment, completed, reader) DO UPDATE SET n = n + excluded.n;
    INSERT INTO tallies (course, enrollment, completed, reader, n)
    SELECT course, status, completed_at > 0, r.reader, r.n FROM enrollments, (SELECT OLD.status AS reader, -1 AS n UNION ALL SELECT '', 1) r
    WHERE subscriber_id = OLD.id AND OLD.status IN ('bounced', 'complained')
    ON CONFLICT (course, enrollment, completed, reader) DO UPDATE SET n = n + excluded.n;
END;

-- Created after the triggers, in the same transaction.
INSERT INTO tallies (course, enrollment, completed, reader, n)
SELECT '', '', 0, status, count(*) FROM subscribers GROUP BY status;
INSERT INTO tallies (course, enrollment, completed, reader, n)
SELECT e.course, e.status, e.completed_at > 0,
    CASE WHEN s.status IN ('bounced', 'complained') THEN s.status ELSE '' END, count(*)
FROM enrollments e LEFT JOIN subscribers s ON s.id = e.subscriber_id
GROUP BY e.course, e.status, e.completed_at > 0, CASE WHEN s.status IN ('bounced', 'complained') THEN s.status ELSE '' END;
