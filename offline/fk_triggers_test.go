package offline

import (
	"context"
	"io/fs"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sqlite3CLI runs the stock sqlite3 shell on the store's file, as a
// technician with a DB browser would: foreign keys are off by default there.
func sqlite3CLI(t *testing.T, db string, sql string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("sqlite3"); err != nil {
		t.Fatal("sqlite3 missing: run make deps (sqlite3 in packaging/build-deps.txt)")
	}
	out, err := exec.Command("sqlite3", "-bail", db, sql).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// TestForeignKeysWithoutForeignKeys: with foreign keys off (the sqlite3
// CLI's default), deleting an application still deletes its attachment
// rows, and an attachment row of no application cannot be added or moved.
func TestForeignKeysWithoutForeignKeys(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	keep, keepFiles := testApp(1, "11010519491231002X", 2, 64, rng)
	gone, goneFiles := testApp(2, "11010519491231002X", 3, 64, rng)
	if err := s.Enqueue(ctx, keep, keepFiles); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, gone, goneFiles); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db := filepath.Join(dir, "kiosk.db")

	if out, err := sqlite3CLI(t, db, "PRAGMA foreign_keys;"); err != nil || out != "0" {
		t.Fatalf("sqlite3 CLI foreign_keys = %q %v, want 0 (the premise of this test)", out, err)
	}
	if out, err := sqlite3CLI(t, db, "DELETE FROM applications WHERE instance_id = '"+gone.InstanceID+"';"); err != nil {
		t.Fatalf("delete: %v %s", err, out)
	}
	out, err := sqlite3CLI(t, db, "SELECT instance_id, count(*) FROM attachments GROUP BY instance_id;")
	if err != nil {
		t.Fatal(err)
	}
	if out != keep.InstanceID+"|2" {
		t.Errorf("attachments after deleting an application with foreign keys off:\n%s\nwant only %s|2", out, keep.InstanceID)
	}
	if out, err := sqlite3CLI(t, db, "SELECT count(*) FROM attachments a LEFT JOIN applications p USING(instance_id) WHERE p.instance_id IS NULL;"); err != nil || out != "0" {
		t.Errorf("orphaned attachment rows: %s %v", out, err)
	}
	// No orphan can be made either.
	for name, q := range map[string]string{
		"insert": "INSERT INTO attachments(instance_id, attachment_id, ord, name, media_type, sha256, size, sealed_path) VALUES('" + gone.InstanceID + "', 'x', 0, x'00', 'application/pdf', '', 0, 'x');",
		"move":   "UPDATE attachments SET instance_id = '" + gone.InstanceID + "' WHERE instance_id = '" + keep.InstanceID + "';",
		"rename": "UPDATE applications SET instance_id = 'other' WHERE instance_id = '" + keep.InstanceID + "';",
	} {
		if out, err := sqlite3CLI(t, db, q); err == nil || !strings.Contains(out, "attachment") {
			t.Errorf("%s with foreign keys off: %v %q, want the trigger's refusal", name, err, out)
		}
	}
	// The store opens the file as before, still holds the kept one, and its
	// orphan sweep removes the deleted application's sealed files.
	s2 := openTest(t, dir)
	if _, err := s2.Get(ctx, keep.InstanceID); err != nil {
		t.Errorf("kept application: %v", err)
	}
	var files int
	filepath.WalkDir(filepath.Join(dir, "attachments"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
		}
		return nil
	})
	if files != len(keep.Attachments) {
		t.Errorf("%d sealed files after reopening, want the kept application's %d", files, len(keep.Attachments))
	}
}
