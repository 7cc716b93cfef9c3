-- 0001_init: the first schema.
--
-- Times are INTEGER unix nanoseconds (UTC), 0 for the zero time; durations
-- are INTEGER nanoseconds. Child rows go with their parent (ON DELETE
-- CASCADE), and every foreign key column leads an index so a cascade never
-- scans a whole table.

CREATE TABLE users (
	id         TEXT PRIMARY KEY,
	email      TEXT NOT NULL,
	name       TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE orgs (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE memberships (
	org_id  TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role    TEXT NOT NULL,
	PRIMARY KEY (org_id, user_id)
) WITHOUT ROWID;

CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE projects (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE INDEX projects_org ON projects (org_id, name);

CREATE TABLE api_keys (
	id         TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	hash       TEXT NOT NULL UNIQUE,
	hint       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	revoked_at INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX api_keys_user ON api_keys (user_id, created_at);

-- checks holds a check's configuration and its state (core.CheckState).
-- org_id is the project's, copied so queries by organization need no join.
CREATE TABLE checks (
	id              TEXT PRIMARY KEY,
	public_id       TEXT NOT NULL UNIQUE,
	org_id          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	name            TEXT NOT NULL,
	slug            TEXT NOT NULL,
	schedule_kind   TEXT NOT NULL,
	period          INTEGER NOT NULL,
	cron            TEXT NOT NULL,
	tz              TEXT NOT NULL,
	grace           INTEGER NOT NULL,
	max_runtime     INTEGER NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	status          TEXT NOT NULL,
	status_since    INTEGER NOT NULL,
	open_runs       TEXT NOT NULL DEFAULT '[]', -- JSON array of core.Run
	last_run_at     INTEGER NOT NULL,
	last_signal_at  INTEGER NOT NULL,
	last_success_at INTEGER NOT NULL,
	last_failure_at INTEGER NOT NULL,
	last_start_at   INTEGER NOT NULL,
	last_exit_code  INTEGER NOT NULL,
	resumed_at      INTEGER NOT NULL,
	next_eval_at    INTEGER NOT NULL,
	UNIQUE (project_id, slug)
);

CREATE INDEX checks_org ON checks (org_id);

-- CountByStatus reads this small index instead of the wide rows.
CREATE INDEX checks_status ON checks (status);

-- Only checks with a deadline are in the index, so the evaluation loop reads
-- the due ones and never scans the table.
CREATE INDEX checks_next_eval ON checks (next_eval_at, id) WHERE next_eval_at > 0;

-- timeline holds every kind of entry; the signal columns are filled for
-- kind 'signal', from_status and to_status for 'transition'.
CREATE TABLE timeline (
	id          INTEGER PRIMARY KEY,
	check_id    TEXT NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
	at          INTEGER NOT NULL,
	kind        TEXT NOT NULL,
	signal_kind TEXT NOT NULL DEFAULT '',
	exit_code   INTEGER, -- NULL when the signal had none
	run_id      TEXT NOT NULL DEFAULT '',
	duration    INTEGER NOT NULL DEFAULT 0,
	host        TEXT NOT NULL DEFAULT '',
	body        BLOB, -- job output, not necessarily UTF-8
	truncated   INTEGER NOT NULL DEFAULT 0,
	received_at INTEGER NOT NULL DEFAULT 0,
	method      TEXT NOT NULL DEFAULT '',
	remote_addr TEXT NOT NULL DEFAULT '',
	user_agent  TEXT NOT NULL DEFAULT '',
	from_status TEXT NOT NULL DEFAULT '',
	to_status   TEXT NOT NULL DEFAULT '',
	reason      TEXT NOT NULL DEFAULT ''
);

CREATE INDEX timeline_check_at ON timeline (check_id, at, id);

CREATE TABLE channels (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	kind       TEXT NOT NULL,
	target     TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE INDEX channels_org ON channels (org_id, name);

-- alerts is the durable outbox. check_id is NULL for alerts about no check
-- (a channel test).
CREATE TABLE alerts (
	id              INTEGER PRIMARY KEY,
	check_id        TEXT REFERENCES checks (id) ON DELETE CASCADE,
	channel_id      TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
	message         TEXT NOT NULL, -- JSON core.AlertMessage
	state           TEXT NOT NULL,
	attempts        INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	last_error      TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	delivered_at    INTEGER NOT NULL
);

CREATE INDEX alerts_due ON alerts (state, next_attempt_at);
CREATE INDEX alerts_check ON alerts (check_id);
CREATE INDEX alerts_channel ON alerts (channel_id);
