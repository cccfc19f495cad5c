-- 0002: the attachments → applications foreign key enforced by triggers, so
-- it holds whichever client opens the file. The kiosk opens it with
-- foreign_keys on (ON DELETE CASCADE), but the stock sqlite3 CLI and DB
-- browsers a technician might use have foreign keys off by default, and a
-- DELETE there would leave attachment rows of no application.
-- With foreign keys on, the cascade has already removed the rows and the
-- delete trigger finds nothing: the two agree.

CREATE TRIGGER applications_delete_attachments AFTER DELETE ON applications
BEGIN
	DELETE FROM attachments WHERE instance_id = OLD.instance_id;
END;

CREATE TRIGGER applications_keep_attachment_key BEFORE UPDATE OF instance_id ON applications
	WHEN OLD.instance_id IS NOT NEW.instance_id
	 AND EXISTS (SELECT 1 FROM attachments WHERE instance_id = OLD.instance_id)
BEGIN
	SELECT RAISE(ABORT, 'applications.instance_id has attachments');
END;

CREATE TRIGGER attachments_need_application BEFORE INSERT ON attachments
	WHEN NOT EXISTS (SELECT 1 FROM applications WHERE instance_id = NEW.instance_id)
BEGIN
	SELECT RAISE(ABORT, 'attachment of no application');
END;

CREATE TRIGGER attachments_keep_application BEFORE UPDATE OF instance_id ON attachments
	WHEN NOT EXISTS (SELECT 1 FROM applications WHERE instance_id = NEW.instance_id)
BEGIN
	SELECT RAISE(ABORT, 'attachment of no application');
END;

-- Orphans already left by such a client are removed once.
DELETE FROM attachments WHERE instance_id NOT IN (SELECT instance_id FROM applications);
