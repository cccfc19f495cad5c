// Command platformsim runs the provincial platform emulator (sync/platformsim)
// for development and tests, lists what it received, and signs catalogues.
//
//	platformsim --addr 127.0.0.1:8787 --data /tmp/plat --faults drop=0.2,5xx=0.1
//	platformsim received --data /tmp/plat --json
//	platformsim keygen --out catalog.key
//	platformsim --addr 127.0.0.1:8443 --data /tmp/plat --enroll --catalog-pub catalog.key.pub
//	platformsim enroll-code --data /tmp/plat --terminal 330106001-T01 --ttl 24h
//	platformsim sign-catalog --key catalog.key --in catalog.json --out signed.json --version 7 --expires 720h
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/bianmin/kiosk/sync/api"
	"github.com/bianmin/kiosk/sync/catalogsig"
	"github.com/bianmin/kiosk/sync/platformsim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "platformsim:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "serve":
			return serve(ctx, args[1:], stderr)
		case "received":
			return received(args[1:], stdout, stderr)
		case "sign-catalog":
			return signCatalog(args[1:], stdout, stderr)
		case "keygen":
			return keygen(args[1:], stdout, stderr)
		case "enroll-code":
			return enrollCode(args[1:], stdout, stderr)
		case "help", "-h", "--help":
			fmt.Fprintln(stderr, "usage: platformsim [serve] --addr 127.0.0.1:PORT --data DIR [--faults SPEC] | received --data DIR [--json] | sign-catalog … | keygen --out FILE | enroll-code --data DIR --terminal STATION-TERMINAL [--ttl 24h]")
			return nil
		}
	}
	return serve(ctx, args, stderr)
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("platformsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8787", "listen address")
	data := fs.String("data", "", "data directory (SQLite and uploads); required")
	faults := fs.String("faults", "", "faults, e.g. drop=0.2,captive=0.05,5xx=0.1,delay=200ms,truncate=0.05,slow=256kbit,seed=1")
	auto := fs.Bool("auto-accept", false, "emit an accepted status event as soon as an application completes")
	catalog := fs.String("catalog", "", "signed catalogue to serve (from sign-catalog)")
	cert := fs.String("tls-cert", "", "server certificate (PEM); with --tls-key and --client-ca serves mutual TLS")
	key := fs.String("tls-key", "", "server key (PEM)")
	clientCA := fs.String("client-ca", "", "CA that signs terminal certificates (PEM)")
	enroll := fs.Bool("enroll", false, "be a certificate authority (DATA/ca): serve mutual TLS with its certificates and enroll terminals (POST /v1/enroll with codes from enroll-code)")
	hosts := fs.String("hosts", "", "with --enroll: extra names or addresses in the server certificate, comma-separated")
	catalogPub := fs.String("catalog-pub", "", "with --enroll: the catalogue signing key's public half (keygen's FILE.pub), handed to enrolled terminals")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" {
		return errors.New("--data is required")
	}
	f, err := platformsim.ParseFaults(*faults)
	if err != nil {
		return err
	}
	cfg := platformsim.Config{DataDir: *data, Faults: f, AutoAccept: *auto,
		Logger: slog.New(slog.NewTextHandler(stderr, nil))}
	if *catalog != "" {
		if cfg.Catalog, err = os.ReadFile(*catalog); err != nil {
			return err
		}
	}
	var tc *tls.Config
	var ca *platformsim.CA
	if *enroll {
		if *cert != "" || *key != "" || *clientCA != "" {
			return errors.New("--enroll makes its own certificates; leave out --tls-cert, --tls-key and --client-ca")
		}
		if ca, err = platformsim.LoadOrCreateCA(filepath.Join(*data, "ca")); err != nil {
			return err
		}
		var hs []string
		if *hosts != "" {
			hs = strings.Split(*hosts, ",")
		}
		if tc, err = ca.ServerTLS(hs...); err != nil {
			return err
		}
	} else if *cert != "" || *key != "" || *clientCA != "" {
		c, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			return fmt.Errorf("tls: %w", err)
		}
		pem, err := os.ReadFile(*clientCA)
		if err != nil {
			return fmt.Errorf("client ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return errors.New("client ca: no certificate")
		}
		tc = &tls.Config{Certificates: []tls.Certificate{c}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}
	} else if h, _, err := net.SplitHostPort(*addr); err != nil || !net.ParseIP(h).IsLoopback() {
		return errors.New("plain http only on a loopback address; give --tls-cert, --tls-key and --client-ca otherwise")
	}
	srv, err := platformsim.New(cfg)
	if err != nil {
		return err
	}
	defer srv.Close()
	if ca != nil {
		var pub []byte
		if *catalogPub != "" {
			if pub, err = os.ReadFile(*catalogPub); err != nil {
				return fmt.Errorf("--catalog-pub: %w", err)
			}
		}
		if err := srv.EnableEnrollment(ca, pub); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "platformsim: enrolling terminals; CA certificate %s (give it to kioskctl provision --platform-ca)\n", filepath.Join(*data, "ca", "ca.crt"))
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	scheme := "http"
	if tc != nil {
		scheme = "https"
	}
	fmt.Fprintf(stderr, "platformsim: serving %s://%s (data %s, faults %s)\n", scheme, ln.Addr(), *data, f)
	return srv.ServeTLS(ctx, ln, tc)
}

func received(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("received", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory; required")
	asJSON := fs.Bool("json", false, "print one JSON array")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" {
		return errors.New("--data is required")
	}
	if _, err := os.Stat(*data); err != nil {
		return err
	}
	srv, err := platformsim.New(platformsim.Config{DataDir: *data})
	if err != nil {
		return err
	}
	defer srv.Close()
	rc, err := srv.Received()
	if err != nil {
		return err
	}
	if *asJSON {
		if rc == nil {
			rc = []api.Received{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rc)
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INSTANCE\tACCEPTANCE NO\tSTATE\tSUBMITTED\tPUTS\tATTACHMENTS")
	for _, r := range rc {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%d\t%d\n", r.InstanceID, r.AcceptanceNo, r.State, r.Submitted, r.Puts, len(r.Attachments))
	}
	return tw.Flush()
}

func enrollCode(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("enroll-code", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory of the emulator; required")
	term := fs.String("terminal", "", "the terminal the code enrolls: station code + \"-\" + terminal number, e.g. 330106001-T01; required")
	ttl := fs.Duration("ttl", 24*time.Hour, "how long the code is valid")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" || *term == "" {
		return errors.New("--data and --terminal are required")
	}
	srv, err := platformsim.New(platformsim.Config{DataDir: *data})
	if err != nil {
		return err
	}
	defer srv.Close()
	code, err := srv.NewEnrollmentCode(*term, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, code)
	return nil
}

func keygen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "private key file to write (the public key goes to FILE.pub)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists; not overwriting a key", *out)
	}
	priv, err := catalogsig.GenerateKey(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s and %s.pub (key id %s)\n", *out, *out, catalogsig.KeyID(priv.Public().(ed25519.PublicKey)))
	return nil
}

func signCatalog(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sign-catalog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyFile := fs.String("key", "", "private key from keygen")
	in := fs.String("in", "", "catalogue JSON")
	out := fs.String("out", "", "signed catalogue to write")
	version := fs.Int64("version", 0, "catalogue version, strictly greater than the last one published")
	expires := fs.Duration("expires", 30*24*time.Hour, "validity from now")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *keyFile == "" || *in == "" || *out == "" || *version <= 0 {
		return errors.New("--key, --in, --out and --version (> 0) are required")
	}
	priv, err := catalogsig.LoadPrivate(*keyFile)
	if err != nil {
		return err
	}
	cat, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	now := time.Now()
	sc, err := catalogsig.Sign(priv, cat, *version, now, now.Add(*expires))
	if err != nil {
		return err
	}
	b, err := json.Marshal(sc)
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signed version %d, expires %s, key id %s\n", *version, now.Add(*expires).UTC().Format(time.RFC3339), sc.KeyID)
	return nil
}
