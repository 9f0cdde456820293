-- The due time a claim replaced with its lease: without it the engine
-- cannot tell a lesson that came due in the reader's window, and is being
-- caught up at night after downtime, from one the reader asked for at
-- night ("send me the next lesson now").
ALTER TABLE enrollments ADD COLUMN claimed_due INTEGER NOT NULL DEFAULT 0;
