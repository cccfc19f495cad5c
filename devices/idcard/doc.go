// Package idcard speaks the GA 467 SAM protocol of second-generation ID card
// readers over any io.ReadWriter: frame codec, status codes, a context-aware
// Client, parsing of the four card types into kiosk.Identity, and a reader
// Service that polls for cards and publishes events. It never opens a port
// itself except through an Opener handed to it (see SerialOpener).
// cmd/ and the app's wiring import it; screens see only kiosk.Identity.
package idcard
