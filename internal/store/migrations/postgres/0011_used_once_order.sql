-- For PostgreSQL: the same change as migrations/sqlite/0011_used_once_order.sql.
UPDATE used_once SET use_key = lpad(expires_at::text, 12, '0') || ' ' || use_key;
DROP INDEX used_once_expires;
