-- A course's reader list, newest first, read in order from an index: a
-- page (with or without an enrollment status) is a range of it, and a
-- page found by its number skips index entries alone. The counts these
-- indexes served are kept in the tallies (0017).
DROP INDEX enrollments_completed;
DROP INDEX enrollments_course;
CREATE INDEX enrollments_course ON enrollments (course, status, subscriber_id);
CREATE INDEX enrollments_course_reader ON enrollments (course, subscriber_id);
