// Package staffpages drives the pages of the city's staff and the site's
// shell, each test in a real headless Chromium on a real hub of its own,
// one file per walk: the administrator's bike catalogue and its GBFS feed
// (bikeadmin_test.go), the outbox page (outboxflow_test.go), the staff
// tools of administrators and shopkeepers and the staff forms
// (stafftools_test.go, stafftools_forms_test.go), and the header, menus,
// footer and visitor pages on a phone and a desktop (sitepages_test.go).
// Every page passes pagetest's checks. The walks are one package so that
// the suite links one test binary (a whole hub under the race detector)
// for them, not one each. They run in parallel (two at a time: go test's
// -parallel is GOMAXPROCS), as each has a hub, store and browser of its
// own and the package's variables are only read.
package staffpages

import (
	"testing"

	"cityhub/web/browsertest/pagetest"
)

// password is every test account's, and what pagetest's Login types.
const password = "una password lunga 2026"

// flow is pagetest's browser session, for the walks' own helpers
// (methods) to hang on.
type flow struct{ *pagetest.Flow }

// newFlow starts Chromium as an Italian phone.
func newFlow(t *testing.T, url string) *flow {
	return &flow{pagetest.New(t, url, "", password)}
}
