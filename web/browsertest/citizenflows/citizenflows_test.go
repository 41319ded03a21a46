// Package citizenflows drives a citizen's journeys through the pages end to
// end, each in a real headless Chromium on a real hub of its own (SQLite
// and the services the journey needs), one file per journey: signing up,
// a forgotten password and SPID/CIE (accountflow_test.go), renting a bike
// and the operator's bike pages (bikeflow_test.go), paying by card
// against stripe-mock (payflow_test.go), a theatre ticket from the seat
// picker to the door (theatreflow_test.go), a voucher from the claim to the
// till (voucherflow_test.go), and reports, proposals and the moderation of
// comments (participationflow_test.go, moderation_test.go). Every page
// passes pagetest's checks. The journeys are one package so that the suite
// links one test binary (a whole hub under the race detector) for them,
// not one each. They run in parallel (two at a time: go test's -parallel is
// GOMAXPROCS), as each has a hub, store and browser of its own; all they
// share is Mailpit, where each reads only its own random addresses, and
// stripe-mock, which keeps no state.
package citizenflows

import (
	"testing"

	"cityhub/web/browsertest/pagetest"
)

// password is every test account's, and what pagetest's Login types.
const password = "una password lunga 2026"

// flow is pagetest's browser session, for the journeys' own helpers
// (methods) to hang on.
type flow struct{ *pagetest.Flow }

// newFlow starts Chromium as an Italian phone whose fake camera shows
// cameraFile (an MJPEG), when given.
func newFlow(t *testing.T, url, cameraFile string) *flow {
	return &flow{pagetest.New(t, url, cameraFile, password)}
}
