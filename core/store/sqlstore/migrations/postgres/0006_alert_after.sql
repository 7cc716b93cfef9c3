-- --alert-after N: a failed run alerts only after N failures in a row.
-- alert_after is the check's setting (0 or 1: at once); fail_streak counts
-- the failures in a row; fail_held is the status before a failure whose
-- alert is held ('' when none is).
ALTER TABLE checks ADD COLUMN alert_after BIGINT NOT NULL DEFAULT 0;
ALTER TABLE checks ADD COLUMN fail_streak BIGINT NOT NULL DEFAULT 0;
ALTER TABLE checks ADD COLUMN fail_held TEXT NOT NULL DEFAULT '';
