-- inbox holds live signals that are acknowledged but not yet applied to
-- their check (core.Inbox): committing a batch of them appends a page or
-- two here, where applying each writes its check's row and a leaf of
-- timeline_check_at. Every transaction that reads or changes check states
-- for a decision applies the inbox first, in id order, and deletes what it
-- applied; so does the server at start.
CREATE TABLE inbox (
	id          INTEGER PRIMARY KEY,
	public_id   TEXT NOT NULL,
	taken_at    INTEGER NOT NULL,
	signal_kind TEXT NOT NULL,
	exit_code   INTEGER, -- NULL when the signal had none
	run_id      TEXT NOT NULL,
	duration    INTEGER NOT NULL,
	host        TEXT NOT NULL,
	body        BLOB,
	truncated   INTEGER NOT NULL,
	occurred_at INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	method      TEXT NOT NULL,
	remote_addr TEXT NOT NULL,
	user_agent  TEXT NOT NULL
);
