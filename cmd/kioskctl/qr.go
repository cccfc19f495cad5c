package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/qrscan"
)

func init() {
	register("qr", "listen", "print each scanned payload with its kind", qrListen)
}

func qrListen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("qr listen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.String("port", "", "serial scanner in line mode (e.g. /dev/ttyACM0)")
	baud := fs.Int("baud", 9600, "baud rate of the serial scanner")
	evdevPath := fs.String("evdev", "", "keyboard-wedge scanner: /dev/input/by-id/…-event-kbd (grabbed exclusively)")
	count := fs.Int("count", 0, "stop after this many payloads (0: until interrupted)")
	timeout := fs.Duration("timeout", 0, "stop after this long (0: no limit)")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	var open qrscan.Opener
	switch {
	case *port != "" && *evdevPath == "":
		open = qrscan.SerialOpener(*port, *baud)
	case *evdevPath != "" && *port == "":
		open = qrscan.EvdevOpener(*evdevPath)
	default:
		return &exitError{2, errors.New("give exactly one of --port and --evdev")}
	}
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := qrscan.NewService(open, nil)
	done := make(chan struct{})
	go func() { s.Serve(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	n := 0
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-s.Events():
			switch {
			case ev.Payload != "":
				fmt.Fprintf(stdout, "%s\t%s\n", ev.Kind, ev.Payload)
				if n++; *count > 0 && n >= *count {
					return nil
				}
			case ev.Err != nil && ev.State == kiosk.DeviceReady:
				fmt.Fprintf(stderr, "rejected: %v\n", ev.Err)
			case ev.State == kiosk.DeviceDisconnected:
				fmt.Fprintf(stderr, "%s %s: %v (retrying)\n", time.Now().Format("15:04:05"), ev.State, ev.Err)
			default:
				fmt.Fprintf(stderr, "%s\n", ev.State)
			}
		}
	}
}
