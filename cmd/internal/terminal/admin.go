package terminal

import "path/filepath"

// LockoutPath is the file where the admin and staff PIN lockouts are kept,
// in the data directory (it survives restarts and updates; kioskctl admin
// status and unlock read and clear it).
func LockoutPath(dataDir string) string { return filepath.Join(dataDir, "pin-lockout.json") }
