-- Status badges: /badge/<badge_key>/<slug>.svg is readable without an API
-- key, so it needs a key of its own, unrelated to any ID.
ALTER TABLE projects ADD COLUMN badge_key TEXT;
UPDATE projects SET badge_key = md5(random()::text || clock_timestamp()::text || id);
CREATE UNIQUE INDEX projects_badge_key ON projects (badge_key) WHERE badge_key IS NOT NULL;
