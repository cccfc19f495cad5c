package terminal

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bianmin/kiosk/app/auth"
	"github.com/bianmin/kiosk/app/session"
)

// TechNoncePath is the file where the nonces of technician QR codes used on
// this terminal are kept until the codes expire (in the data directory: a
// restart or an update does not make a used code good again).
func TechNoncePath(dataDir string) string { return filepath.Join(dataDir, "tech-qr-nonces.json") }

// SimTechKeyPath is the simulation's stand-in for the province's technician
// key, kept in the data directory (kioskctl admin issue-qr --key FILE signs
// codes with it); production trusts only admin.technician_keys_file.
func SimTechKeyPath(dataDir string) string { return filepath.Join(dataDir, "sim-technician.key") }

// TechnicianKeys loads the province keys admin.technician_keys_file names
// (nil, nil when none is configured: technician QR codes are then refused).
func (p *Plan) TechnicianKeys() ([]ed25519.PublicKey, error) {
	path := p.Config.Admin.TechnicianKeysFile
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("technician keys: %w", err)
	}
	keys, err := auth.ParseTechKeys(b)
	if err != nil {
		return nil, fmt.Errorf("technician keys %s: %w", path, err)
	}
	return keys, nil
}

// techQR is the session's technician QR verifier: the configured province
// keys, this terminal's station, the nonce file in the data directory. A
// trust file that cannot be read is logged and refuses every code (the PIN
// still opens admin mode): a technician QR never takes the terminal out of
// service for residents.
func (t *Terminal) techQR() session.TechQRAuth {
	keys, err := t.Plan.TechnicianKeys()
	if err != nil {
		t.log.Error("technician QR codes refused: trust file unusable", "err", err)
	}
	if len(keys) == 0 && err == nil && t.Config.Simulated() {
		priv, err := simTechKey(SimTechKeyPath(t.Plan.DataDir))
		if err != nil {
			t.log.Error("simulated technician key", "err", err)
		} else {
			keys = []ed25519.PublicKey{priv.Public().(ed25519.PublicKey)}
		}
	}
	st := t.Config.Station
	return auth.NewTechVerifier(keys, func() auth.TechTarget {
		return auth.TechTarget{Station: st.Code, Terminal: st.Terminal, Division: st.Division}
	}, auth.NewNonceLog(TechNoncePath(t.Plan.DataDir)), nil)
}

func simTechKey(path string) (ed25519.PrivateKey, error) {
	priv, err := auth.LoadTechPrivate(path)
	if errors.Is(err, os.ErrNotExist) {
		return auth.GenerateTechKey(path)
	}
	return priv, err
}
