package offline

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	kiosk "github.com/bianmin/kiosk"
)

var transferKey = Key{9, 9, 9}

func TestExportImport(t *testing.T) {
	ctx := context.Background()
	old := openTest(t, t.TempDir())
	rng := rand.New(rand.NewPCG(1, 2))
	var want []*kiosk.Application
	wantFiles := map[string][]byte{}
	for i := range 3 {
		app, f := testApp(i+1, "11010519491231002X", i, 2000, rng)
		if err := old.Enqueue(ctx, app, f); err != nil {
			t.Fatal(err)
		}
		for id, b := range f {
			wantFiles[app.InstanceID+"/"+id] = b
		}
		want = append(want, app)
	}
	old.MarkUploading(ctx, want[2].InstanceID)
	old.SetUploadProgress(ctx, want[2].InstanceID, "att0", "https://p/up/9", 1000)
	old.MarkFailed(ctx, want[1].InstanceID, "timeout", old.now().Add(1e12))
	synced, sf := testApp(9, "11010519491231002X", 1, 10, rng)
	old.Enqueue(ctx, synced, sf)
	old.MarkSubmitted(ctx, synced.InstanceID, old.now())

	var buf bytes.Buffer
	res, err := old.Export(ctx, &buf, transferKey)
	if err != nil {
		t.Fatal(err)
	}
	if res.Applications != 3 || res.Attachments != 3 {
		t.Errorf("Export = %+v", res)
	}
	if bytes.Contains(buf.Bytes(), []byte("王小明")) || bytes.Contains(buf.Bytes(), []byte("11010519491231002X")) {
		t.Error("transfer file holds personal data in plaintext")
	}
	file := buf.Bytes()

	repl := openTest(t, t.TempDir())
	// The replacement already got one of them some other way.
	repl.Enqueue(ctx, want[0], map[string][]byte{})
	res, err = repl.Import(ctx, bytes.NewReader(file), transferKey)
	if err != nil {
		t.Fatal(err)
	}
	if res.Applications != 2 || res.Skipped != 1 {
		t.Errorf("Import = %+v, want 2 imported, 1 skipped", res)
	}
	res, err = repl.Import(ctx, bytes.NewReader(file), transferKey)
	if err != nil || res.Applications != 0 || res.Skipped != 3 {
		t.Errorf("second Import = %+v, %v", res, err)
	}
	if n, _ := repl.Depth(ctx); n != 3 {
		t.Errorf("Depth = %d, want 3", n)
	}
	for _, app := range want[1:] {
		got, err := repl.Get(ctx, app.InstanceID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != kiosk.StateQueued || got.AcceptanceNo != app.AcceptanceNo || got.Applicant.IDNumber != app.Applicant.IDNumber {
			t.Errorf("imported %+v", got)
		}
		sum, _ := repl.Summary(ctx, app.InstanceID)
		if sum.Attempts != 0 || !sum.NextAttemptAt.Equal(repl.now()) && sum.NextAttemptAt.After(repl.now()) {
			t.Errorf("imported summary %+v", sum)
		}
		for _, a := range app.Attachments {
			rc, err := repl.OpenAttachment(ctx, app.InstanceID, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			if !bytes.Equal(b, wantFiles[app.InstanceID+"/"+a.ID]) {
				t.Errorf("attachment %s differs", a.ID)
			}
			if u, off, _ := repl.UploadProgress(ctx, app.InstanceID, a.ID); u != "" || off != 0 {
				t.Errorf("upload progress carried: %q %d", u, off)
			}
		}
	}
	if got, _ := repl.FindByIDNumber(ctx, "11010519491231002X"); len(got) != 3 {
		t.Errorf("blind index on the replacement finds %d", len(got))
	}
}

func TestImportRejectsBadFiles(t *testing.T) {
	ctx := context.Background()
	old := openTest(t, t.TempDir())
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2 {
		app, f := testApp(i+1, "11010519491231002X", 1, 100, rng)
		old.Enqueue(ctx, app, f)
	}
	var buf bytes.Buffer
	if _, err := old.Export(ctx, &buf, transferKey); err != nil {
		t.Fatal(err)
	}
	file := buf.Bytes()
	flip := bytes.Clone(file)
	flip[len(flip)/2] ^= 1
	tests := []struct {
		name     string
		data     []byte
		key      Key
		imported int
	}{
		{"wrong key", file, Key{1}, 0},
		{"not a transfer file", []byte("hello"), transferKey, 0},
		{"altered", flip, transferKey, -1},
		{"cut before end frame", file[:len(file)-40], transferKey, 2},
		{"trailing data", append(bytes.Clone(file), 0), transferKey, 2},
		{"empty", nil, transferKey, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repl := openTest(t, t.TempDir())
			res, err := repl.Import(ctx, bytes.NewReader(tt.data), tt.key)
			if !errors.Is(err, ErrTransfer) {
				t.Errorf("Import = %v, want ErrTransfer", err)
			}
			if tt.imported >= 0 && res.Applications != tt.imported {
				t.Errorf("imported %d, want %d", res.Applications, tt.imported)
			}
		})
	}
}
