-- One-use values are recorded under their expiry, then their key
-- (oneuse.go onceKey), so that the spends of one group commit share index
-- pages and expired records are a range at the start of the key: the
-- expiry index is no longer needed.
UPDATE used_once SET use_key = printf('%012d', expires_at) || ' ' || use_key;
DROP INDEX used_once_expires;
