package api

import "time"

// Enrollment and identity (docs/platform-api.md, "Enrollment").
//
// A terminal has no certificate until it is provisioned. The province gives
// the technician a one-time enrollment code bound to one terminal (station
// code and terminal number); the terminal generates its key, sends a
// certificate signing request with the code, and receives its client
// certificate. POST /v1/enroll is the one protocol path served without a
// client certificate (the TLS server is still verified by the terminal).
const (
	PathEnroll = "/v1/enroll" // POST EnrollRequest → EnrollResult
	PathWhoami = "/v1/whoami" // GET → Whoami (mutual TLS: who the platform takes us for)
)

// Error codes of enrollment.
const (
	CodeEnrollRefused = "enroll_refused" // unknown, used or expired code: ask the province for a new one
	CodeBadCSR        = "bad_csr"        // the request is not a valid, self-signed CSR of an accepted key type
)

// EnrollRequest is the body of POST /v1/enroll.
type EnrollRequest struct {
	Code string `json:"code"` // the one-time enrollment code
	CSR  string `json:"csr"`  // PEM "CERTIFICATE REQUEST", signed by the terminal's new key
}

// EnrollResult is the data of POST /v1/enroll.
type EnrollResult struct {
	Terminal    string    `json:"terminal"`    // the identity in the certificate: station code + "-" + terminal number
	Certificate string    `json:"certificate"` // PEM: the terminal's client certificate
	CA          string    `json:"ca"`          // PEM: the CA that signed it (and the platform's server certificate)
	CatalogKey  string    `json:"catalog_key"` // PEM: the ed25519 key that signs catalogues
	NotAfter    time.Time `json:"not_after"`
	ServerTime  time.Time `json:"server_time"`
}

// Whoami is the data of GET /v1/whoami.
type Whoami struct {
	Terminal   string    `json:"terminal"` // the client certificate's identity
	ServerTime time.Time `json:"server_time"`
}
