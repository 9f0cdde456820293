-- Several courses in one dripcourse. An enrollment is a reader's standing
-- in one course, with its own status: pending (waiting for the reader to
-- confirm that course), active, paused, completed or stopped. The reader's
-- own status (subscribers.status) is about the address as a whole.

-- When the reader joined the course, finished it, and left it. Enrollments
-- made before this migration were made when their reader confirmed.
ALTER TABLE enrollments ADD COLUMN confirmed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE enrollments ADD COLUMN completed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE enrollments ADD COLUMN stopped_at INTEGER NOT NULL DEFAULT 0;
UPDATE enrollments SET confirmed_at = created_at;
UPDATE enrollments SET completed_at = last_sent_at WHERE status = 'completed';
-- Per-course counts (stats, the admin's lists) read this index; the due
-- index stays (status, next_due_at), so a claim costs O(due) whatever the
-- number of courses.
CREATE INDEX enrollments_course ON enrollments (course, status);

-- The course a confirmation email is for. '' is the default course: the
-- one course of the release that queued it.
ALTER TABLE confirmations ADD COLUMN course TEXT NOT NULL DEFAULT '';

-- The course an event concerns; '' for the reader as a whole (a signup's
-- address, "stop everything") and for events recorded before.
ALTER TABLE events ADD COLUMN course TEXT NOT NULL DEFAULT '';
