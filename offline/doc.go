// Package offline is the terminal's durable store: the queue of applications
// waiting for the provincial platform, their attachments sealed on disk, the
// catalogue cache, ratings, cursors, the acceptance-number sequence and the
// audit log, all in one SQLite database (kiosk.db) beside an attachments/
// directory.
//
// Personal data never reaches the disk in plaintext: the application JSON
// and every attachment are sealed with AES-256-GCM under a key kept outside
// the database; the database holds codes, states, sizes, hashes and a keyed
// blind index of the applicant's ID number.
//
// cmd/ and the relay (through relay.Outbox) use it; it imports no UI, device
// or sync code.
package offline
