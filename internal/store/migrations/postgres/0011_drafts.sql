-- For PostgreSQL: the same columns as the SQLite file.
-- Drafts that remove a file, and drafts that two operators edit at once
-- (drafts.go). revision grows with every save of a draft, and a save must
-- name the revision it started from, so two saves from one base never
-- overwrite each other. deleted marks a draft that removes its file when
-- published (a removed lesson, or the old name of a moved one). problems
-- holds what the checks found in the unit as its drafts leave it, one a
-- line; a unit with a draft that has problems is not published.
ALTER TABLE content_drafts ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE content_drafts ADD COLUMN deleted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE content_drafts ADD COLUMN saved_by TEXT NOT NULL DEFAULT '';
ALTER TABLE content_drafts ADD COLUMN problems TEXT NOT NULL DEFAULT '';
