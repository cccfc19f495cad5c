package main

import (
	"os"
)

// outFile is a file kioskctl writes for the technician to carry off (a
// transfer file, a diagnostics bundle): written as PATH.tmp and renamed to
// PATH only when complete and synced, so that a stick pulled or a failure
// half-way never leaves a truncated file under the real name. Create it
// before the store is opened: opening may drop root to the service user,
// who cannot write to the technician's stick.
type outFile struct {
	*os.File
	path, tmp string
	done      bool
}

func createOut(path string) (*outFile, error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	return &outFile{File: f, path: path, tmp: tmp}, nil
}

// finish ends the file after writing it failed with err (nil: it did not):
// synced, closed and renamed into place, or on any error removed.
func (o *outFile) finish(err error) error {
	o.done = true
	if err == nil {
		err = o.Sync()
	}
	if cerr := o.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(o.tmp, o.path)
	}
	if err != nil {
		os.Remove(o.tmp)
	}
	return err
}

// abort removes the file unless finish has run (for a defer).
func (o *outFile) abort() {
	if o != nil && !o.done {
		o.Close()
		os.Remove(o.tmp)
	}
}
