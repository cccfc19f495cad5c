// Package auth checks the PINs of the terminal's technicians (admin mode) and
// of the staff who assist residents (帮办代办): PINs are kept only as
// argon2id hashes, and a Guard refuses attempts for a growing time after
// repeated failures, a lockout kept in a file that survives restarts. It
// imports nothing of ours but the standard library and x/crypto; app/session
// uses its errors, cmd/ wires a Guard from the configuration.
package auth
