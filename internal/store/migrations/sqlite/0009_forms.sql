-- Signup forms on the operator's own sites, and the captcha (oneuse.go).

-- One-use values of the signup forms: the challenge of each captcha
-- solution and the nonce of each form's signed start stamp, each accepted
-- once. A row lives until expires_at, after which the value is refused as
-- expired anyway, and housekeeping deletes it. On PostgreSQL every
-- instance spends into this one table, so a solution used on one is
-- refused on all.
CREATE TABLE used_once (
    use_key    TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX used_once_expires ON used_once (expires_at);

-- One row per confirmation email a signup form queued, append-only, so
-- that DRIP_MAX_CONFIRMATIONS_PER_HOUR counts the form's confirmations and
-- not those of imported readers. The cap reads the row a cap's length
-- before the newest; housekeeping deletes rows over two hours old.
CREATE TABLE form_confirms (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at INTEGER NOT NULL
);
CREATE INDEX form_confirms_created ON form_confirms (created_at);
