-- pause --for/--until: when a pause ends by itself (Unix nanoseconds; 0:
-- paused until resumed).
ALTER TABLE checks ADD COLUMN paused_until BIGINT NOT NULL DEFAULT 0;
