-- 0001: the first schema. Times are Unix nanoseconds (UTC).
-- Nothing here holds personal data in plaintext: the payload columns are
-- AES-256-GCM sealed, id_blind is an HMAC of the ID number.

CREATE TABLE applications (
	instance_id     TEXT PRIMARY KEY,
	acceptance_no   TEXT NOT NULL UNIQUE,
	item_code       TEXT NOT NULL,
	bundle_code     TEXT NOT NULL DEFAULT '',
	payload         BLOB,             -- sealed kiosk.Application JSON; NULL once purged
	content_mac     BLOB,             -- HMAC of the JSON, for idempotent Enqueue
	state           TEXT NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	final_at        INTEGER NOT NULL DEFAULT 0, -- when it reached accepted/rejected/completed
	total_size      INTEGER NOT NULL,
	test            INTEGER NOT NULL DEFAULT 0,
	id_blind        TEXT              -- HMAC-SHA256 of the applicant's ID number; NULL once purged
); -- a rowid table: rows carry a ~1 KiB payload, too big for WITHOUT ROWID

-- The relay's NextDue walks this in size order and stops at the first due row.
CREATE INDEX applications_due ON applications(total_size, next_attempt_at)
	WHERE state IN ('queued', 'uploading');
-- List by state, Stats and the daily Purge (which filters final_at among the finished).
CREATE INDEX applications_state ON applications(state, created_at);
CREATE INDEX applications_blind ON applications(id_blind) WHERE id_blind IS NOT NULL;

CREATE TABLE attachments (
	instance_id   TEXT NOT NULL REFERENCES applications(instance_id) ON DELETE CASCADE,
	attachment_id TEXT NOT NULL,
	ord           INTEGER NOT NULL,
	name          BLOB NOT NULL,      -- sealed file name (may be personal)
	media_type    TEXT NOT NULL,
	sha256        TEXT NOT NULL,
	size          INTEGER NOT NULL,
	sealed_path   TEXT NOT NULL,      -- relative to attachments/
	upload_url    TEXT NOT NULL DEFAULT '',
	upload_offset INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (instance_id, attachment_id)
) WITHOUT ROWID;

CREATE TABLE ratings (
	instance_id TEXT PRIMARY KEY,
	payload     BLOB NOT NULL,        -- sealed kiosk.Rating JSON (the comment may be personal)
	level       INTEGER NOT NULL,
	sent        INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
);
CREATE INDEX ratings_pending ON ratings(created_at) WHERE sent = 0;

CREATE TABLE catalog_versions (
	version  INTEGER PRIMARY KEY,
	signed   BLOB NOT NULL,
	saved_at INTEGER NOT NULL
);

CREATE TABLE status_events (
	id          INTEGER PRIMARY KEY,
	instance_id TEXT NOT NULL,
	state       TEXT NOT NULL,
	at          INTEGER NOT NULL,
	note        BLOB,                 -- sealed platform note
	recorded_at INTEGER NOT NULL
);
CREATE INDEX status_events_instance ON status_events(instance_id, at);

CREATE TABLE cursors (
	name  TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE acceptance_seq (
	day  TEXT PRIMARY KEY,            -- YYYY-MM-DD in the terminal's time zone
	last INTEGER NOT NULL
);

CREATE TABLE audit_log (
	id          INTEGER PRIMARY KEY,
	event       TEXT NOT NULL,
	instance_id TEXT NOT NULL DEFAULT '',
	at          INTEGER NOT NULL,
	detail      TEXT NOT NULL DEFAULT ''   -- never personal data
);
CREATE INDEX audit_log_instance ON audit_log(instance_id) WHERE instance_id != '';
