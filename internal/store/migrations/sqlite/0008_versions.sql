-- The course's content as published versions (versions.go, drafts.go).
-- A unit is one course (its slug) or the templates ("_templates"); each
-- unit has its own version numbers, so publishing one course never makes a
-- version of another. A version is immutable: its files are rows naming
-- blobs by their SHA-256, so an unchanged lesson is stored once however
-- many versions hold it. Bodies are UTF-8 text.

-- One row per file content ever published or kept as a draft base.
CREATE TABLE content_blobs (
    hash TEXT    PRIMARY KEY,            -- hex SHA-256 of body
    body TEXT    NOT NULL,
    size INTEGER NOT NULL
);

-- One row per published version. id grows with every publication of any
-- unit, so max(id) tells an instance whether anything was published.
CREATE TABLE content_versions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    course       TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    hash         TEXT    NOT NULL,       -- SHA-256 over the version's paths and bodies
    published_by TEXT    NOT NULL,       -- an operator's name, "disk" or "import"
    published_at INTEGER NOT NULL,       -- Unix seconds
    files        INTEGER NOT NULL,
    bytes        INTEGER NOT NULL,
    UNIQUE (course, version)
);

-- The files of each version.
CREATE TABLE content_files (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    version_id INTEGER NOT NULL,
    path       TEXT    NOT NULL,
    blob       TEXT    NOT NULL,
    UNIQUE (version_id, path)
);

-- One draft per unit and file, with the published version it started
-- from: a save from an older base than the file has moved on from is a
-- conflict, never an overwrite.
CREATE TABLE content_drafts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    course       TEXT    NOT NULL,
    path         TEXT    NOT NULL,
    base_version INTEGER NOT NULL,
    body         TEXT    NOT NULL,
    saved_at     INTEGER NOT NULL,
    UNIQUE (course, path)
);
