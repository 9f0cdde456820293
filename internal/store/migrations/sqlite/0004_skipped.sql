-- A lesson the operator moved a reader past has a status of its own,
-- skipped: it was never sent, and it is no failed send. Moves used to
-- record it as failed, always with last_reply 'skipped by operator' (a
-- lesson skipped while it awaited a retry keeps its attempts). No send
-- records that reply: a server's reply begins with its code, and a send
-- with no reply records our own error, so those rows are told apart by it.
UPDATE deliveries SET status = 'skipped' WHERE status = 'failed' AND last_reply = 'skipped by operator';
