package client

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"
)

func resp(status int, ct, body string) *http.Response {
	h := http.Header{}
	if ct != "" {
		h.Set("Content-Type", ct)
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewBufferString(body))}
}

func TestDecode(t *testing.T) {
	type data struct {
		X int `json:"x"`
	}
	tests := []struct {
		name    string
		r       *http.Response
		wantErr error
		wantX   int
	}{
		{"ok", resp(200, "application/json", `{"bmk":1,"ok":true,"data":{"x":7}}`), nil, 7},
		{"ok charset", resp(201, "application/json; charset=utf-8", `{"bmk":1,"ok":true,"data":{"x":8}}`), nil, 8},
		{"captive html", resp(200, "text/html", `<html>login</html>`), ErrNotPlatform, 0},
		{"html labelled json", resp(200, "application/json", `<html>login</html>`), ErrNotPlatform, 0},
		{"json without envelope", resp(200, "application/json", `{"x":1}`), ErrNotPlatform, 0},
		{"wrong version", resp(200, "application/json", `{"bmk":2,"ok":true,"data":{"x":1}}`), ErrNotPlatform, 0},
		{"ok without data", resp(200, "application/json", `{"bmk":1,"ok":true}`), ErrNotPlatform, 0},
		{"ok on 500", resp(500, "application/json", `{"bmk":1,"ok":true,"data":{"x":1}}`), ErrNotPlatform, 0},
		{"error on 200", resp(200, "application/json", `{"bmk":1,"ok":false,"error":{"code":"x","message":"y"}}`), ErrNotPlatform, 0},
		{"conflict", resp(409, "application/json", `{"bmk":1,"ok":false,"error":{"code":"conflict","message":"y"}}`), ErrConflict, 0},
		{"incomplete", resp(409, "application/json", `{"bmk":1,"ok":false,"error":{"code":"incomplete","message":"y"},"data":{"missing":["a"]}}`), ErrIncomplete, 0},
		{"not found", resp(404, "application/json", `{"bmk":1,"ok":false,"error":{"code":"not_found","message":"y"}}`), ErrNotFound, 0},
		{"503", resp(503, "application/json", `{"bmk":1,"ok":false,"error":{"code":"internal","message":"y"}}`), ErrServer, 0},
		{"proxy 502 page", resp(502, "text/html", `bad gateway`), ErrNotPlatform, 0},
		{"empty", resp(200, "", ``), ErrNotPlatform, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d data
			err := decode(tt.r, &d)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if d.X != tt.wantX {
				t.Errorf("x = %d, want %d", d.X, tt.wantX)
			}
		})
	}
}

func TestPermanent(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&StatusError{Status: 409, kind: ErrConflict}, true},
		{&StatusError{Status: 400}, true},
		{&StatusError{Status: 409, kind: ErrIncomplete}, false},
		{&StatusError{Status: 503, kind: ErrServer}, false},
		{&StatusError{Status: 404, kind: ErrUploadGone}, false},
		{ErrNotPlatform, false},
		{io.ErrUnexpectedEOF, false},
	}
	for _, tt := range tests {
		if got := Permanent(tt.err); got != tt.want {
			t.Errorf("Permanent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestNewRefusesInsecure(t *testing.T) {
	tests := []struct {
		url   string
		allow bool
		ok    bool
	}{
		{"http://127.0.0.1:8787", true, true},
		{"http://[::1]:8787", true, true},
		{"http://localhost:8787", true, true},
		{"http://127.0.0.1:8787", false, false},
		{"http://10.0.0.1:8787", true, false},
		{"ftp://127.0.0.1", true, false},
		{"https://platform.example", false, false}, // no client certificate
	}
	for _, tt := range tests {
		_, err := New(Config{BaseURL: tt.url, AllowInsecureLoopback: tt.allow})
		if (err == nil) != tt.ok {
			t.Errorf("New(%s, allow=%v): %v", tt.url, tt.allow, err)
		}
	}
}

func TestParseRate(t *testing.T) {
	tests := map[string]int64{"256kbit": 256000, "2mbit": 2000000, "1000": 1000, "1.5Mbit": 1500000}
	for in, want := range tests {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "fast", "-1kbit", "0"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
}

// FuzzDecode: no body from the network may panic the client or be taken for
// success unless it is a well-formed envelope with ok and data.
func FuzzDecode(f *testing.F) {
	f.Add(200, "application/json", []byte(`{"bmk":1,"ok":true,"data":{"x":7}}`))
	f.Add(409, "application/json", []byte(`{"bmk":1,"ok":false,"error":{"code":"conflict","message":"y"}}`))
	f.Add(200, "text/html", []byte(`<html>login</html>`))
	f.Add(500, "application/json", []byte(`{"bmk":1}`))
	f.Fuzz(func(t *testing.T, status int, ct string, body []byte) {
		var out map[string]any
		err := decode(resp(status, ct, string(body)), &out)
		if err == nil && (status < 200 || status > 299) {
			t.Fatalf("status %d taken for success", status)
		}
		var se *StatusError
		if errors.As(err, &se) && se.Status == 0 {
			t.Fatal("status error without status")
		}
	})
}
