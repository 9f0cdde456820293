-- State that several instances share through this database: the SMTP send
-- budget and the per-client request counts of the public forms. The same
-- tables as migrations/sqlite/0002_shared_limits.sql.

-- One row per budget: tat (the "theoretical arrival time" of the generic
-- cell-rate algorithm) is the unix time in microseconds from which the next
-- token is free. Reserving k tokens moves it k intervals on.
CREATE TABLE budgets (
    name TEXT   PRIMARY KEY,
    tat  BIGINT NOT NULL
);

-- Requests per rate-limit key (limiter scope and client address) per fixed
-- window; window_start is unix milliseconds. Rows older than two windows
-- are no longer read, and housekeeping deletes them.
CREATE TABLE rate_hits (
    key          TEXT   NOT NULL,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_hits_window ON rate_hits (window_start);
