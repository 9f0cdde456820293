-- Addresses are keyed by store.EmailKey (address.go): ASCII case folded in
-- the local part, the domain in IDNA's ASCII form. The keys themselves are
-- recomputed in Go right after this file, in the same transaction
-- (rekeyAddresses in address_migrate.go): SQL cannot apply IDNA.

-- The inbox an address lands in (store.MailboxKey): "a+x@" and, at Gmail,
-- "a.b@" land in the inbox of "a@" and "ab@". The cap on confirmation
-- emails counts per mailbox. Filled in by rekeyAddresses.
ALTER TABLE subscribers ADD COLUMN mailbox_key TEXT NOT NULL DEFAULT '';
UPDATE subscribers SET mailbox_key = email_key;
CREATE INDEX subscribers_mailbox ON subscribers (mailbox_key);

-- Hashes of erased addresses made while a key was the address lower-cased
-- by Unicode's rules: they cannot be recomputed, so a signup is also
-- checked against its address hashed that old way, by these rows only.
ALTER TABLE suppressions ADD COLUMN old_rule INTEGER NOT NULL DEFAULT 0;
UPDATE suppressions SET old_rule = 1;
