-- A database as the single-course release left it, in the columns of the
-- first schema (every later one only adds columns), for the upgrade tests
-- (TestEveryMigrationUpgrades, and cmd/dripcourse's TestUpgradeKeepsSending).
-- Its moment is 2026-12-02 08:30 UTC (1796200200): due@ had lesson 1 two
-- days ago and lesson 2 came due an hour ago; pending@ signed up a minute
-- ago and waits for the confirmation email queued for them; later@ is due
-- in three days; done@ finished the course; gone@ unsubscribed. The one
-- course is rebuilding-trust, the built-in course of that release.

INSERT INTO subscribers (email, email_key, name, timezone, status, created_at, confirmed_at, unsubscribed_at) VALUES
    ('due@example.com', 'due@example.com', 'Dee', 'UTC', 'active', 1793608200, 1793608200, 0),
    ('pending@example.com', 'pending@example.com', '', 'UTC', 'pending', 1796200140, 0, 0),
    ('later@example.com', 'later@example.com', '', 'UTC', 'active', 1793608200, 1793608200, 0),
    ('done@example.com', 'done@example.com', '', 'UTC', 'active', 1793608200, 1793608200, 0),
    ('gone@example.com', 'gone@example.com', '', 'UTC', 'unsubscribed', 1793608200, 1793608200, 1796027400);

INSERT INTO confirmations (subscriber_id, status, due_at, attempts, message_id, created_at)
    SELECT id, 'queued', 1796200140, 0, '<c.1@example.test>', 1796200140 FROM subscribers WHERE email_key = 'pending@example.com';

INSERT INTO enrollments (subscriber_id, course, status, last_slug, last_sent_at, next_due_at, created_at)
    SELECT id, 'rebuilding-trust', 'active', 'welcome', 1796027400, 1796196600, 1793608200 FROM subscribers WHERE email_key = 'due@example.com';
INSERT INTO enrollments (subscriber_id, course, status, last_slug, last_sent_at, next_due_at, created_at)
    SELECT id, 'rebuilding-trust', 'active', 'welcome', 1796196600, 1796459400, 1793608200 FROM subscribers WHERE email_key = 'later@example.com';
INSERT INTO enrollments (subscriber_id, course, status, last_slug, last_sent_at, next_due_at, created_at)
    SELECT id, 'rebuilding-trust', 'completed', 'keeping-trust', 1796027400, 0, 1793608200 FROM subscribers WHERE email_key = 'done@example.com';
INSERT INTO enrollments (subscriber_id, course, status, last_slug, last_sent_at, next_due_at, created_at)
    SELECT id, 'rebuilding-trust', 'stopped', 'welcome', 1793608200, 0, 1793608200 FROM subscribers WHERE email_key = 'gone@example.com';

INSERT INTO deliveries (enrollment_id, subscriber_id, slug, status, attempts, message_id, last_reply, created_at, first_attempt_at, sent_at)
    SELECT e.id, e.subscriber_id, 'welcome', 'sent', 1, '<d.1@example.test>', '250 ok', e.last_sent_at, e.last_sent_at, e.last_sent_at
    FROM enrollments e WHERE e.status IN ('active', 'stopped');

INSERT INTO events (subscriber_id, delivery_id, slug, kind, machine, detail, at)
    SELECT id, 0, '', 'confirm', 0, '', confirmed_at FROM subscribers WHERE status <> 'pending';
