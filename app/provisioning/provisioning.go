// Package provisioning is the wire format between the touchscreen's
// first-boot wizard and the privileged provisioning step: the request the
// kiosk (user bianmin) writes into its state directory, the result the root
// service (kioskctl provision --from-request, the same core as kioskctl
// provision) writes back step by step, and the validation both sides apply
// to what the technician typed. It imports no UI, driver or configuration
// code; app/screens and cmd/internal/provision both import it.
package provisioning

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Version is the request format this code writes and accepts.
const Version = 1

// Files in the provision directory (the kiosk's state directory's
// "provision"; /var/lib/bianmin-kiosk/provision on a terminal).
const (
	Dir         = "provision"
	RequestFile = "request.json"
	ResultFile  = "result.json"
	// MaxRequest bounds what the privileged step reads.
	MaxRequest = 64 << 10
)

// Request is what the wizard asks the privileged step to do. Only these
// keys are accepted (the reader refuses unknown ones): paths, the data
// directory and devices are the root unit's, never the request's.
type Request struct {
	Version     int       `json:"version"`
	ID          string    `json:"id"` // random; echoed in the Result
	Created     time.Time `json:"created"`
	StationCode string    `json:"station_code"`
	StationName string    `json:"station_name"`
	Terminal    string    `json:"terminal"`
	Division    string    `json:"division"`
	Address     string    `json:"address,omitempty"`
	Platform    string    `json:"platform"`
	PlatformCA  string    `json:"platform_ca,omitempty"` // PEM; empty: the system's roots
	Code        string    `json:"code"`                  // the one-time enrollment code
}

// Fields of a request, as FieldError names them.
const (
	FieldStationCode = "station_code"
	FieldStationName = "station_name"
	FieldTerminal    = "terminal"
	FieldDivision    = "division"
	FieldPlatform    = "platform"
	FieldPlatformCA  = "platform_ca"
	FieldCode        = "code"
)

// FieldError is one field's problem, in Chinese for the technician.
type FieldError struct {
	Field   string
	Message string
}

var (
	divisionCode = regexp.MustCompile(`^[1-9][0-9]{11}$`)
	terminalNo   = regexp.MustCompile(`^[A-Za-z0-9]{1,8}$`)
	stationCode  = regexp.MustCompile(`^[A-Za-z0-9]{4,24}$`)
	enrollCode   = regexp.MustCompile(`^[A-Za-z0-9-]{4,64}$`)
)

// ValidDivision checks a 12-digit statistics division code down to the
// village level: province, city, county (2+2+2 digits, none 00), township
// (3 digits, not 000) and village (3 digits, not 000). The error says why
// in Chinese, then in English.
func ValidDivision(s string) error {
	if !divisionCode.MatchString(s) {
		return errors.New("区划代码应为 12 位数字（统计用区划代码，村级）: the division code must be 12 digits (village level)")
	}
	switch {
	case s[2:4] == "00" || s[4:6] == "00":
		return errors.New("该代码是省或市级，不是村级: the division code names a province or city, not a village")
	case s[6:9] == "000":
		return errors.New("该代码是县级，不是村级（乡镇位为 000）: the division code names a county, not a village (township digits 000)")
	case s[9:12] == "000":
		return errors.New("该代码是乡镇级，不是村级（村位为 000）: the division code names a township, not a village (village digits 000)")
	}
	return nil
}

// ValidStationCode, ValidTerminal and ValidPlatform check one field each.
func ValidStationCode(s string) error {
	if !stationCode.MatchString(s) {
		return errors.New("站点编码应为 4 至 24 位字母或数字: 4 to 24 letters or digits")
	}
	return nil
}

func ValidTerminal(s string) error {
	if !terminalNo.MatchString(s) {
		return errors.New("终端编号应为 1 至 8 位字母或数字，如 T01: 1 to 8 letters or digits, e.g. T01")
	}
	return nil
}

func ValidPlatform(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("平台地址应为 https:// 开头的网址: an https:// URL")
	}
	return nil
}

// Zh is the Chinese half of one of this package's errors.
func Zh(err error) string {
	zh, _, _ := strings.Cut(err.Error(), ": ")
	return zh
}

// Check validates every field the technician typed; nil when the request
// may be sent. Whitespace around values is not trimmed here: Normalize does.
func (r Request) Check() []FieldError { return r.check(true) }

// CheckRetry is Check with the enrollment code optional: a retry after the
// certificate was issued (the code is single-use, the certificate is kept).
// The privileged step checks requests with it; it needs the code itself
// when the terminal holds no certificate.
func (r Request) CheckRetry() []FieldError { return r.check(false) }

func (r Request) check(codeRequired bool) []FieldError {
	var out []FieldError
	add := func(field, msg string) { out = append(out, FieldError{field, msg}) }
	check := func(field, v, empty string, valid func(string) error) {
		switch {
		case v == "":
			add(field, empty)
		case valid != nil:
			if err := valid(v); err != nil {
				add(field, Zh(err))
			}
		}
	}
	check(FieldStationCode, r.StationCode, "请填写站点编码", ValidStationCode)
	check(FieldStationName, r.StationName, "请填写站点名称", nil)
	if len([]rune(r.StationName)) > 64 {
		add(FieldStationName, "站点名称不超过 64 个字")
	}
	check(FieldTerminal, r.Terminal, "请填写终端编号", ValidTerminal)
	check(FieldDivision, r.Division, "请填写 12 位区划代码", ValidDivision)
	check(FieldPlatform, r.Platform, "请填写平台地址", ValidPlatform)
	if codeRequired || r.Code != "" {
		check(FieldCode, r.Code, "请填写开通码", func(s string) error {
			if !enrollCode.MatchString(s) {
				return errors.New("开通码格式不正确（字母、数字和连字符）: letters, digits and hyphens")
			}
			return nil
		})
	}
	if r.PlatformCA != "" && !strings.Contains(r.PlatformCA, "-----BEGIN CERTIFICATE-----") {
		add(FieldPlatformCA, "平台 CA 证书不是 PEM 格式")
	}
	return out
}

// Normalize trims what the touchscreen keyboard may leave around values and
// upper-cases the enrollment code.
func (r *Request) Normalize() {
	for _, p := range []*string{&r.StationCode, &r.StationName, &r.Terminal, &r.Division, &r.Address, &r.Platform, &r.Code} {
		*p = strings.TrimSpace(*p)
	}
	r.Code = strings.ToUpper(r.Code)
	r.Terminal = strings.ToUpper(r.Terminal)
}

// Identity is the terminal's identity on the platform: station-terminal.
func (r Request) Identity() string { return r.StationCode + "-" + r.Terminal }

// States of a step and of a result.
const (
	StateRunning   = "running"
	StateOK        = "ok"
	StateFailed    = "failed"
	StateSucceeded = "succeeded"
)

// Step is one step of provisioning as the wizard shows it.
type Step struct {
	Name   string `json:"name"`             // stable key: request, ca, store_key, enroll, devices, check.idcard …, config
	Title  string `json:"title"`            // Chinese
	State  string `json:"state"`            // running, ok, failed
	Reason string `json:"reason,omitempty"` // Chinese: why it failed, or what it found
	Detail string `json:"detail,omitempty"` // English detail
}

// Result is what the privileged step writes back, rewritten (atomically)
// after every step.
type Result struct {
	RequestID string    `json:"request_id"`
	State     string    `json:"state"` // running, succeeded, failed
	Terminal  string    `json:"terminal,omitempty"`
	Steps     []Step    `json:"steps"`
	Reason    string    `json:"reason,omitempty"` // Chinese, when failed
	Detail    string    `json:"detail,omitempty"`
	Updated   time.Time `json:"updated"`
}

// Done reports whether the privileged step has finished with this result.
func (r Result) Done() bool { return r.State == StateSucceeded || r.State == StateFailed }

// Update records s: a step already listed under its name is replaced.
func (r *Result) Update(s Step) {
	for i := range r.Steps {
		if r.Steps[i].Name == s.Name {
			r.Steps[i] = s
			return
		}
	}
	r.Steps = append(r.Steps, s)
}

// ErrNoResult: the privileged step has not yet answered this request.
var ErrNoResult = errors.New("provisioning: no result for this request yet")
