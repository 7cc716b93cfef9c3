-- Dashboard sign-in links and browser sessions; only hashes are kept.
CREATE TABLE web_tokens (
	hash       TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX web_tokens_user ON web_tokens (user_id);
CREATE INDEX web_tokens_expiry ON web_tokens (expires_at);
