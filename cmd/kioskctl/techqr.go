package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/bianmin/kiosk/app/auth"
)

// The province's side of technician QR codes (app/auth techqr.go): a key
// pair, and codes signed with the private key. The province keeps the
// private key; terminals get the .pub file as admin.technician_keys_file.

func init() {
	register("admin", "qr-keygen", "make a province key pair for technician QR codes: admin qr-keygen --out FILE (FILE 0600, FILE.pub for terminals' admin.technician_keys_file)", adminQRKeygen)
	register("admin", "issue-qr", "sign a technician QR code: admin issue-qr --key FILE --tech ID [--name NAME] (--station CODE --terminal NO | --division PREFIX) [--valid 4h] [--png FILE]", adminIssueQR)
}

func adminQRKeygen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin qr-keygen", flag.ContinueOnError)
	out := fs.String("out", "", "private key file to write (refused when it exists); the public key goes to FILE.pub")
	if err := queueParseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		return &exitError{2, errors.New("usage: kioskctl admin qr-keygen --out FILE")}
	}
	if _, err := os.Stat(*out); err == nil {
		return &exitError{2, fmt.Errorf("%s exists: a province key is never overwritten", *out)}
	}
	priv, err := auth.GenerateTechKey(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "key %s written to %s (keep it offline) and %s.pub (for terminals)\n", auth.TechKeyID(priv.Public().(ed25519.PublicKey)), *out, *out)
	return nil
}

func adminIssueQR(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin issue-qr", flag.ContinueOnError)
	key := fs.String("key", "", "the province's private key file (admin qr-keygen)")
	tech := fs.String("tech", "", "technician ID (letters, digits, - and _)")
	name := fs.String("name", "", "technician name (kept in the code, never in the terminal's audit log)")
	station := fs.String("station", "", "station code of the one terminal the code opens (with --terminal)")
	term := fs.String("terminal", "", "terminal number within the station (with --station)")
	div := fs.String("division", "", "or: a prefix of the stations' 12-digit division code (2 to 12 digits), every terminal under it")
	valid := fs.Duration("valid", 4*time.Hour, "validity from --not-before (at most 24h)")
	nbf := fs.String("not-before", "", "start of validity, RFC 3339 (default: now)")
	png := fs.String("png", "", "also write the code as a PNG image to this file")
	size := fs.Int("size", 512, "PNG size in pixels")
	if err := queueParseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *key == "" || *tech == "" || fs.NArg() != 0 {
		return &exitError{2, errors.New("usage: kioskctl admin issue-qr --key FILE --tech ID (--station CODE --terminal NO | --division PREFIX)")}
	}
	priv, err := auth.LoadTechPrivate(*key)
	if err != nil {
		return &exitError{2, err}
	}
	start := time.Now()
	if *nbf != "" {
		if start, err = time.Parse(time.RFC3339, *nbf); err != nil {
			return &exitError{2, fmt.Errorf("--not-before: %w", err)}
		}
	}
	c := auth.TechClaims{TechID: *tech, Name: strings.TrimSpace(*name), Station: *station, Terminal: *term, Division: *div,
		NotBefore: start.Unix(), NotAfter: start.Add(*valid).Unix(), Nonce: auth.NewNonce()}
	tok, err := auth.IssueTechQR(priv, c)
	if err != nil {
		return &exitError{2, err}
	}
	if *png != "" {
		b, err := qrcode.Encode(tok, qrcode.Medium, *size)
		if err != nil {
			return fmt.Errorf("issue-qr: png: %w", err)
		}
		o, err := createOut(*png)
		if err != nil {
			return fmt.Errorf("issue-qr: %w", err)
		}
		defer o.abort()
		_, err = o.Write(b)
		if err := o.finish(err); err != nil {
			return fmt.Errorf("issue-qr: %w", err)
		}
		fmt.Fprintf(stderr, "QR code written to %s, valid %s to %s\n", *png,
			start.Local().Format(time.DateTime), start.Add(*valid).Local().Format(time.DateTime))
	}
	fmt.Fprintln(stdout, tok)
	return nil
}
