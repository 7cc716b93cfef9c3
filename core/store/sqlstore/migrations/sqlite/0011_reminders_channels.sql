-- --remind-every: a check left Missing, Failed or Overrunning alerts again
-- every remind_every (nanoseconds; 0: never), next at next_reminder_at.
-- --channels: which of the organization's channels alert for the check:
-- '' all of them, 'none', or a JSON array of channel IDs.
ALTER TABLE checks ADD COLUMN remind_every INTEGER NOT NULL DEFAULT 0;
ALTER TABLE checks ADD COLUMN channels TEXT NOT NULL DEFAULT '';
ALTER TABLE checks ADD COLUMN next_reminder_at INTEGER NOT NULL DEFAULT 0;
