package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/bianmin/kiosk/cmd/internal/terminal"
	"github.com/bianmin/kiosk/offline"
	"github.com/bianmin/kiosk/sync/client"
	"github.com/bianmin/kiosk/sync/relay"
)

func init() {
	register("sync", "now", "send the offline queue to the platform now (exit 0 only when drained)", syncNow)
}

// syncNow drains the kiosk's queue: kioskctl sync now [--config FILE]
// [--data DIR] [--key FILE] [--platform URL]. The store and the platform are
// those the kiosk with the same configuration uses (terminal.Resolve).
func syncNow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	v := newStoreVerb("sync now", stderr)
	platform := v.String("platform", "", "platform base URL, overriding the configuration (http://127.0.0.1:PORT allowed for development)")
	cert := v.String("cert", "", "terminal client certificate (PEM) for https")
	keyPEM := v.String("keyfile", "", "terminal client key (PEM) for https")
	ca := v.String("ca", "", "platform CA (PEM)")
	timeout := v.Duration("timeout", 10*time.Minute, "give up after this long")
	once := v.Bool("once", false, "one pass only, no retries")
	quiet := v.Bool("quiet", false, "no progress bar")
	var cl *client.Client
	v.Before = func() error {
		if err := v.store.resolve(); err != nil {
			return err
		}
		pc, err := v.store.plan.PlatformConfig()
		if err != nil {
			return err
		}
		if *platform != "" {
			pc.BaseURL = *platform
			pc.AllowInsecureLoopback = true // explicitly given on the command line
		}
		for dst, v := range map[*string]string{&pc.CertFile: *cert, &pc.KeyFile: *keyPEM, &pc.CAFile: *ca} {
			if v != "" {
				*dst = v
			}
		}
		if pc.BaseURL == "" {
			return &exitError{2, errors.New("this configuration's platform is the emulator inside the kiosk (simulation): give --platform URL")}
		}
		if cl, err = terminal.NewClient(pc); err != nil {
			var f *terminal.Failure
			if errors.As(err, &f) && errors.Is(err, client.ErrInsecure) {
				return &exitError{2, err}
			}
			return err
		}
		return nil
	}
	return v.withStore(ctx, args, func(st *offline.Store) error {
		return syncDrain(ctx, st, cl, v.store.plan.StoreDir, *timeout, *once, *quiet, stdout, stderr)
	})
}

// syncDrain is sync now on the opened store: drain until empty, or the
// deadline, or one pass with once.
func syncDrain(ctx context.Context, st *offline.Store, cl *client.Client, storeDir string, timeout time.Duration, once, quiet bool, stdout, stderr io.Writer) error {
	fmt.Fprintf(stderr, "store %s\n", storeDir)
	bar := &syncBar{w: stderr, quiet: quiet}
	r := relay.New(st, cl, relay.Config{BackoffBase: 500 * time.Millisecond, BackoffCap: 5 * time.Second, OnProgress: bar.update}, nil)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var lastErr, cause error
	for {
		lastErr = r.DrainOnce(ctx)
		cause = syncCause(cause, lastErr) // syncreport.go
		bar.done()
		depth, derr := st.Depth(context.WithoutCancel(ctx))
		if derr != nil {
			return derr
		}
		if depth == 0 {
			// Best effort: ratings and status are not what this command is judged by.
			r.SendRatings(ctx)
			r.PullStatus(ctx)
			s := r.Status()
			fmt.Fprintf(stdout, "queue drained: %d submitted\n", s.Submitted)
			return nil
		}
		if e := syncCause(nil, lastErr); e != nil && !quiet {
			fmt.Fprintf(stderr, "sync: %d left; last error: %s\n", depth, firstLine(e))
		}
		if once || ctx.Err() != nil {
			return syncNotSent(ctx, st, depth, cause, r.Status().LastError, timeout, stderr)
		}
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func firstLine(err error) string {
	if err == nil {
		return "none"
	}
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// syncBar draws one progress line on stderr, at most ten times a second.
type syncBar struct {
	mu    sync.Mutex
	w     io.Writer
	quiet bool
	last  time.Time
	key   string // attachment on the current line
	drawn bool
}

func (b *syncBar) update(p relay.Progress) {
	if b.quiet {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	key := p.InstanceID + "/" + p.AttachmentID
	if key != b.key {
		if b.drawn {
			fmt.Fprintln(b.w)
		}
		b.key = key
	} else if time.Since(b.last) < 100*time.Millisecond && p.Sent < p.Size {
		return
	}
	b.last = time.Now()
	const width = 30
	frac := 1.0
	if p.Size > 0 {
		frac = float64(p.Sent) / float64(p.Size)
	}
	n := int(frac * width)
	id := p.InstanceID
	if len(id) > 8 {
		id = id[:8]
	}
	fmt.Fprintf(b.w, "\r%s/%-6s [%s%s] %3.0f%% %8.1f/%.1f KiB", id, p.AttachmentID, strings.Repeat("#", n), strings.Repeat(".", width-n), frac*100, float64(p.Sent)/1024, float64(p.Size)/1024)
	b.drawn = true
}

func (b *syncBar) done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		fmt.Fprintln(b.w)
		b.drawn = false
	}
	b.key = ""
}
