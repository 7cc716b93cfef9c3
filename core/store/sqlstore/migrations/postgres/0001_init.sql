-- 0001_init: the schema of SQLite's migrations 0001 to 0004, in
-- PostgreSQL's types, so both databases hold the same data the same way
-- (and `pakyas server copy` moves it column for column).
--
-- Times are BIGINT unix nanoseconds (UTC), 0 for the zero time; durations
-- are BIGINT nanoseconds. Child rows go with their parent (ON DELETE
-- CASCADE), and every foreign key column leads an index so a cascade never
-- scans a whole table.

CREATE TABLE users (
	id         TEXT PRIMARY KEY,
	email      TEXT NOT NULL,
	name       TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE TABLE orgs (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
	org_id  TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	role    TEXT NOT NULL,
	PRIMARY KEY (org_id, user_id)
);

CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE projects (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	ping_key   TEXT
);

CREATE INDEX projects_org ON projects (org_id, name);
CREATE UNIQUE INDEX projects_ping_key ON projects (ping_key) WHERE ping_key IS NOT NULL;

CREATE TABLE api_keys (
	id         TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	hash       TEXT NOT NULL UNIQUE,
	hint       TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	revoked_at BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX api_keys_user ON api_keys (user_id, created_at);

CREATE TABLE checks (
	id              TEXT PRIMARY KEY,
	public_id       TEXT NOT NULL UNIQUE,
	org_id          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
	project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
	name            TEXT NOT NULL,
	slug            TEXT NOT NULL,
	schedule_kind   TEXT NOT NULL,
	period          BIGINT NOT NULL,
	cron            TEXT NOT NULL,
	tz              TEXT NOT NULL,
	grace           BIGINT NOT NULL,
	max_runtime     BIGINT NOT NULL,
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL,
	status          TEXT NOT NULL,
	status_since    BIGINT NOT NULL,
	open_runs       TEXT NOT NULL DEFAULT '[]',
	last_run_at     BIGINT NOT NULL,
	last_signal_at  BIGINT NOT NULL,
	last_success_at BIGINT NOT NULL,
	last_failure_at BIGINT NOT NULL,
	last_start_at   BIGINT NOT NULL,
	last_exit_code  BIGINT NOT NULL,
	resumed_at      BIGINT NOT NULL,
	next_eval_at    BIGINT NOT NULL,
	UNIQUE (project_id, slug)
);

CREATE INDEX checks_org ON checks (org_id);
CREATE INDEX checks_status ON checks (status);
CREATE INDEX checks_next_eval ON checks (next_eval_at, id) WHERE next_eval_at > 0;

CREATE TABLE timeline (
	id          BIGSERIAL PRIMARY KEY,
	check_id    TEXT NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
	at          BIGINT NOT NULL,
	kind        TEXT NOT NULL,
	signal_kind TEXT NOT NULL DEFAULT '',
	exit_code   BIGINT,
	run_id      TEXT NOT NULL DEFAULT '',
	duration    BIGINT NOT NULL DEFAULT 0,
	host        TEXT NOT NULL DEFAULT '',
	body        BYTEA,
	truncated   BOOLEAN NOT NULL DEFAULT FALSE,
	received_at BIGINT NOT NULL DEFAULT 0,
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
	created_at BIGINT NOT NULL,
	secret     TEXT NOT NULL DEFAULT ''
);

CREATE INDEX channels_org ON channels (org_id, name);

CREATE TABLE alerts (
	id              BIGSERIAL PRIMARY KEY,
	check_id        TEXT REFERENCES checks (id) ON DELETE CASCADE,
	channel_id      TEXT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
	message         TEXT NOT NULL,
	state           TEXT NOT NULL,
	attempts        BIGINT NOT NULL,
	next_attempt_at BIGINT NOT NULL,
	last_error      TEXT NOT NULL,
	created_at      BIGINT NOT NULL,
	delivered_at    BIGINT NOT NULL
);

CREATE INDEX alerts_due ON alerts (state, next_attempt_at);
CREATE INDEX alerts_check ON alerts (check_id);
CREATE INDEX alerts_channel ON alerts (channel_id);
CREATE INDEX alerts_order ON alerts (channel_id, check_id, state, id);
