-- State that several instances share through one database: the SMTP send
-- budget and the per-client request counts of the public forms. SQLite
-- runs a single instance, but keeps the same schema so the store's SQL and
-- tests are one.

-- One row per budget: tat (the "theoretical arrival time" of the generic
-- cell-rate algorithm) is the unix time in microseconds from which the next
-- token is free. Reserving k tokens moves it k intervals on.
CREATE TABLE budgets (
    name TEXT    PRIMARY KEY,
    tat  INTEGER NOT NULL
);

-- Requests per rate-limit key (limiter scope and client address) per fixed
-- window; window_start is unix milliseconds. Rows older than two windows
-- are no longer read, and housekeeping deletes them.
CREATE TABLE rate_hits (
    key          TEXT    NOT NULL,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
) WITHOUT ROWID;
CREATE INDEX rate_hits_window ON rate_hits (window_start);
