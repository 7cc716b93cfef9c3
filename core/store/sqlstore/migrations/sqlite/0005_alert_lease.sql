-- Leases on outbox rows: the server delivering an alert holds it until
-- lease_until, so several servers on one database deliver it once, and a
-- server that dies mid-delivery is taken over when its lease ends.
ALTER TABLE alerts ADD COLUMN lease_token TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
