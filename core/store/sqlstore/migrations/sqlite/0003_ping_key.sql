-- A project's ping key: /ping/<ping-key>/<slug> pings its checks by slug,
-- as healthchecks.io's slug URLs do. NULL until one is made.
ALTER TABLE projects ADD COLUMN ping_key TEXT;
CREATE UNIQUE INDEX projects_ping_key ON projects (ping_key) WHERE ping_key IS NOT NULL;
