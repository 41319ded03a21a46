package ui

import (
	"net/http"

	"cityhub/identity"
)

// scannerPage configures the scanner component for the caller's role.
type scannerPage struct {
	// Endpoint is empty while no domain has connected scanning for the role.
	Endpoint  string
	AskAmount bool
	// Role is the staff role the page works for (merchant_staff, door_staff).
	Role string
	// Door is the door's performance chooser and offline list (door staff).
	Door *doorScan
	// Shop is the shop chooser of staff of several shops (nil for staff of
	// one shop and for door staff).
	Shop *shopChooser
	// Result is the answer to a typed code the plain form sent (no script).
	Result *scanResult
	// Other is the role of the other scanner the caller may use
	// (merchant_staff or door_staff), linked from the page; empty for
	// staff of one of them.
	Other string
}

// handleScanner is the page shopkeepers and door staff scan with: the
// phone's camera (native BarcodeDetector, else the vendored jsQR decoder)
// or a typed code. Its script POSTs JSON to the ScanTarget of the caller's
// role:
//
//	{"code": "<token or typed code>", "amount_cents": 1250}   (amount only with AskAmount)
//
// with the page's CSRF token in X-CSRF-Token. The endpoint is a page route
// (not under /api/, where cookies do not authenticate a POST) registered
// with s.pageAction, which checks that token and the caller's role. A 2xx answer is shown in green
// with its "message" member (amber when "outcome" is "warning"); a
// problem+json answer is shown in red with its "detail". Door staff first
// choose the performance they check (?performance=, shown at the top); the
// page then sends its id as "performance_id" and carries the performance's
// door list, so the script can check QR tokens offline by the hub's rule;
// the entries it lets in offline wait in the browser's storage until it
// sends them to OfflineEntriesEndpoint (docs/door.md).
// Without the script, the typed code's form posts to the same endpoint,
// which answers this page with the result on it (scanner_form.go).
func (s *homePages) handleScanner(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	page, err := s.scannerPageFor(r, c, r.URL.Query().Get("performance"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "scanner", "scan", page)
}
