package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"net"
	"os"
	"strings"

	"fyne.io/fyne/v2"

	"github.com/bianmin/kiosk/app/screens"
	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
)

// Test hooks of the end-to-end suite (make e2e), off unless their
// environment variables are set:
//
//	KIOSK_PROBE=FILE    the screen probe (app/screens/probe.go) writes the
//	                    positions and labels of tappable widgets and the
//	                    count of handled taps to FILE
//	KIOSK_SIMCTL=SOCK   a Unix socket controlling the simulators, as the dock
//	                    does (simulation only): one command per line,
//	                    answered "ok" or "err …"
//
// Simulator commands: "card LABEL" places a test card on the simulated
// reader, "remove" takes it off, "qr PAYLOAD" has the simulated QR scanner
// read PAYLOAD (over its serial line protocol), "receipt FILE" saves the
// last receipt as the simulated printer rendered it (PNG), "paper out|ok".
// Nothing here touches the UI: the suite taps through X input events only.
func startTestHooks(ctx context.Context, term *terminal.Terminal, w fyne.Window, log *slog.Logger) error {
	if path := os.Getenv("KIOSK_PROBE"); path != "" {
		screens.StartProbe(ctx, w, term.Session, path)
	}
	sock := os.Getenv("KIOSK_SIMCTL")
	if sock == "" {
		return nil
	}
	if !term.Config.Simulated() {
		return errors.New("KIOSK_SIMCTL: simulator control needs the simulated devices")
	}
	_ = os.Remove(sock)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return fmt.Errorf("simctl: %w", err)
	}
	log.Warn("simulator control socket on (tests)", "path", sock)
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveSimctl(c, term)
		}
	}()
	return nil
}

func serveSimctl(c net.Conn, term *terminal.Terminal) {
	defer c.Close()
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		cmd, arg, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		err := simctl(term, cmd, arg)
		if err != nil {
			fmt.Fprintf(c, "err %v\n", err)
		} else {
			fmt.Fprintln(c, "ok")
		}
	}
}

func simctl(term *terminal.Terminal, cmd, arg string) error {
	sims := term.Sims
	switch cmd {
	case "card":
		if sims.Reader == nil {
			return errors.New("no simulated reader")
		}
		id, err := testcards.Get(arg)
		if err != nil {
			return err
		}
		return sims.Reader.PlaceCard(id)
	case "remove":
		if sims.Reader == nil {
			return errors.New("no simulated reader")
		}
		sims.Reader.RemoveCard()
		return nil
	case "qr":
		if sims.QR == nil {
			return errors.New("no simulated QR scanner")
		}
		return sims.QR.Send(arg)
	case "receipt":
		if sims.Printer == nil {
			return errors.New("no simulated printer")
		}
		img := sims.Printer.LastReceipt()
		if img == nil {
			return errors.New("nothing printed yet")
		}
		f, err := os.Create(arg)
		if err != nil {
			return err
		}
		if err := png.Encode(f, img); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	case "paper":
		if sims.Printer == nil {
			return errors.New("no simulated printer")
		}
		sims.Printer.SetPaperOut(arg == "out")
		return nil
	}
	return fmt.Errorf("unknown command %q", cmd)
}
