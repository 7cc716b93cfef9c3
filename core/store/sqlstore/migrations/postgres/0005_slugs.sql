-- Organization and project slugs (PAKYAS_PROJECT=my-project). NULL: the
-- slug is made from the name (core.Slugify), so existing rows need no
-- backfill; unique per parent is checked by the server when one is made.
ALTER TABLE orgs ADD COLUMN slug TEXT;
ALTER TABLE projects ADD COLUMN slug TEXT;
