// Package metrics exposes the terminal's health to Prometheus on localhost:
// queue depth and oldest unsynced age, sync counts, the link, device states,
// disk headroom, the catalogue's version and expiry, and the clock skew to
// the platform. Every figure is read at scrape time from the parts that own
// it (store, relay, device services, session): nothing is counted twice.
// No personal data: labels are device names, states and queue states only.
// Only cmd/ imports it.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/offline"
	"github.com/bianmin/kiosk/sync/relay"
)

// Sources are what the collector reads; nil fields are left out.
type Sources struct {
	Queue   func(ctx context.Context) (offline.Stats, error)
	Relay   func() relay.Status
	Devices func() []kiosk.DeviceStatus
	Catalog func() *kiosk.Catalog
	DataDir string // disk headroom is measured on its file system
	Now     func() time.Time
	// Degraded lists the degraded modes in force (reader_missing,
	// printer_out, disk_low); DegradedModes names every mode, so that one
	// not in force reads 0 rather than being absent.
	Degraded      func() []string
	DegradedModes []string
}

var (
	descQueue      = prometheus.NewDesc("kiosk_queue_applications", "Applications in the store by state.", []string{"state"}, nil)
	descPending    = prometheus.NewDesc("kiosk_queue_pending", "Applications not yet confirmed by the platform (queued + uploading).", nil, nil)
	descPendBytes  = prometheus.NewDesc("kiosk_queue_pending_bytes", "Bytes of attachments still to send.", nil, nil)
	descOldest     = prometheus.NewDesc("kiosk_queue_oldest_unsynced_seconds", "Age of the oldest application not yet confirmed by the platform (0 when none).", nil, nil)
	descOnline     = prometheus.NewDesc("kiosk_platform_online", "1 when the last exchange with the platform succeeded.", nil, nil)
	descSubmitted  = prometheus.NewDesc("kiosk_sync_submitted_total", "Applications the platform confirmed since start.", nil, nil)
	descFailed     = prometheus.NewDesc("kiosk_sync_failed_attempts_total", "Failed sync attempts since start.", nil, nil)
	descLastOK     = prometheus.NewDesc("kiosk_sync_last_success_timestamp_seconds", "Unix time of the last successful exchange with the platform.", nil, nil)
	descSkew       = prometheus.NewDesc("kiosk_clock_skew_seconds", "The platform's clock minus ours at the last heartbeat.", nil, nil)
	descDevice     = prometheus.NewDesc("kiosk_device_state", "1 for each device's current state.", []string{"device", "state"}, nil)
	descDiskFree   = prometheus.NewDesc("kiosk_disk_free_bytes", "Free bytes on the store's file system (for the kiosk's user).", nil, nil)
	descDiskTotal  = prometheus.NewDesc("kiosk_disk_size_bytes", "Size of the store's file system.", nil, nil)
	descCatVersion = prometheus.NewDesc("kiosk_catalog_version", "Version of the catalogue in use.", nil, nil)
	descCatExpires = prometheus.NewDesc("kiosk_catalog_expiry_seconds", "Seconds until the catalogue in use expires (negative: expired).", nil, nil)
	descDegraded   = prometheus.NewDesc("kiosk_degraded_mode", "1 while a degraded mode shown to residents is in force (disk_low: new applications refused, a technician must come).", []string{"mode"}, nil)
	descScrapeErr  = prometheus.NewDesc("kiosk_metrics_source_errors", "Sources that could not be read at this scrape.", []string{"source"}, nil)
)

// Collector is a prometheus.Collector over Sources.
type Collector struct{ src Sources }

var _ prometheus.Collector = (*Collector)(nil)

// New returns a collector over src.
func New(src Sources) *Collector {
	if src.Now == nil {
		src.Now = time.Now
	}
	return &Collector{src: src}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descQueue, descPending, descPendBytes, descOldest, descOnline, descSubmitted,
		descFailed, descLastOK, descSkew, descDevice, descDiskFree, descDiskTotal, descCatVersion, descCatExpires, descDegraded, descScrapeErr} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	g := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	now := c.src.Now()
	if c.src.Queue != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		st, err := c.src.Queue(ctx)
		cancel()
		if err != nil {
			g(descScrapeErr, 1, "queue")
		} else {
			for state, n := range st.ByState {
				g(descQueue, float64(n), string(state))
			}
			g(descPending, float64(st.Pending))
			g(descPendBytes, float64(st.BytesPending))
			g(descOldest, st.OldestAge.Seconds())
		}
	}
	if c.src.Relay != nil {
		st := c.src.Relay()
		online := 0.0
		if st.Conn == relay.Online {
			online = 1
		}
		g(descOnline, online)
		ch <- prometheus.MustNewConstMetric(descSubmitted, prometheus.CounterValue, float64(st.Submitted))
		ch <- prometheus.MustNewConstMetric(descFailed, prometheus.CounterValue, float64(st.Failed))
		if !st.LastSuccess.IsZero() {
			g(descLastOK, float64(st.LastSuccess.Unix()))
		}
		g(descSkew, st.ClockSkew.Seconds())
	}
	if c.src.Devices != nil {
		for _, d := range c.src.Devices() {
			g(descDevice, 1, d.Device, string(d.State))
		}
	}
	if c.src.DataDir != "" {
		var fs syscall.Statfs_t
		if err := syscall.Statfs(c.src.DataDir, &fs); err != nil {
			g(descScrapeErr, 1, "disk")
		} else {
			g(descDiskFree, float64(fs.Bavail)*float64(fs.Bsize))
			g(descDiskTotal, float64(fs.Blocks)*float64(fs.Bsize))
		}
	}
	if c.src.Degraded != nil {
		on := map[string]bool{}
		for _, m := range c.src.Degraded() {
			on[m] = true
		}
		for _, m := range c.src.DegradedModes {
			v := 0.0
			if on[m] {
				v = 1
			}
			g(descDegraded, v, m)
			delete(on, m)
		}
		for m := range on { // a mode the list did not name
			g(descDegraded, 1, m)
		}
	}
	if c.src.Catalog != nil {
		if cat := c.src.Catalog(); cat != nil {
			g(descCatVersion, float64(cat.Version))
			if !cat.Expires.IsZero() {
				g(descCatExpires, cat.Expires.Sub(now).Seconds())
			}
		}
	}
}

// Server serves /metrics on a loopback address.
type Server struct {
	Addr string // host:port; must be a loopback address
	Reg  *prometheus.Registry
	Log  *slog.Logger
}

// NewServer registers c (and the Go runtime's own collectors) for addr.
func NewServer(addr string, c *Collector, log *slog.Logger) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("metrics: listen address %q is not loopback: the metrics stay on the terminal", addr)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c, prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{Addr: addr, Reg: reg, Log: log}, nil
}

// Serve listens until ctx ends.
func (s *Server) Serve(ctx context.Context) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(s.Reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	s.Log.Info("metrics listening", "addr", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}
