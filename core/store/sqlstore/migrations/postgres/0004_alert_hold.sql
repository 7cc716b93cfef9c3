-- The alerts of replayed signals (sent late from a client's spool) are held
-- until the replay ends: held_from is the settled status before the first
-- of them ('' when nothing is held), held_until when the net change is
-- alerted (Unix nanoseconds; 0 when nothing is held).
ALTER TABLE checks ADD COLUMN held_from TEXT NOT NULL DEFAULT '';
ALTER TABLE checks ADD COLUMN held_until BIGINT NOT NULL DEFAULT 0;
