-- The signing secret of webhook channels (Standard Webhooks). Channels
-- added before it have none: their alerts stay unsigned.
ALTER TABLE channels ADD COLUMN secret TEXT NOT NULL DEFAULT '';
