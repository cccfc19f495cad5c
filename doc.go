// Package kiosk holds the domain of Bianmin Kiosk: identities read from cards,
// service items and their catalogue, applications and their life cycle,
// materials, receipts, ratings and the station a terminal belongs to, with the
// checks of ID numbers, unified social credit codes and mobile numbers.
//
// It imports nothing of ours and no UI, driver or database code: every other
// package adapts one technology to these types. Anyone may import it.
package kiosk
