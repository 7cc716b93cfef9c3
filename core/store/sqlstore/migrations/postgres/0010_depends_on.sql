-- --depends-on: a check's parent (a check of the same project, by ID; ''
-- for none). While the parent is Missing or Failed the check's alerts are
-- held; dep_held is the status before the first held one ('' when none).
ALTER TABLE checks ADD COLUMN depends_on TEXT NOT NULL DEFAULT '';
ALTER TABLE checks ADD COLUMN dep_held TEXT NOT NULL DEFAULT '';
CREATE INDEX checks_depends_on ON checks (depends_on) WHERE depends_on != '';
