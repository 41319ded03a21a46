package ui

import (
	"crypto/rand"
	"encoding/hex"
	"mime"
	"net/http"
	"net/url"
	"regexp"

	"cityhub/identity"
)

// scanResult is an answer of the scanner's endpoint shown on the scanner
// page itself, for a typed code sent by the plain form: a browser without
// JavaScript (or whose script failed to load) posts the form, and gets the
// page back with the answer where the script would have written it. Kind
// is the script's: "ok", "warning", "error" or "preview".
type scanResult struct {
	Kind, Title, Detail string
	// Code and Amount are what was typed, kept in the fields after a
	// refusal so that a typo is corrected rather than typed again; empty
	// after an answer that moved something, as the script leaves them.
	Code, Amount string
	// CodeError and AmountError say what is wrong with the typed code and
	// amount, shown next to each field (the till's form reports both at
	// once); empty when the field is not at fault.
	CodeError, AmountError string
	// Confirm is the till's second step after a preview: the same code and
	// amount with a key of their own, sent by pressing "Riscatta".
	Confirm *scanConfirm
}

type scanConfirm struct {
	Code, Amount, Key     string
	Submit, Cancel, Again string
}

// formScanKey is the shape of the keys the form's preview hands out.
var formScanKey = regexp.MustCompile(`^scan-form-[0-9a-f]{32}$`)

// newFormScanKey is a fresh key for one preview's "Riscatta": pressed
// twice, or the page sent again, it redeems once and answers the first
// redemption again.
func newFormScanKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return "scan-form-" + hex.EncodeToString(b)
}

// isFormPost tells the scanner's plain form from its script, which sends
// JSON.
func isFormPost(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && (mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data")
}

// scannerPageFor is the scanner page for c, for the door's performance
// (empty: none chosen, or not the door): the till's or the door's
// endpoint, and the door's chooser and offline list.
//
// Staff who work both a shop's till and a theatre's door get the till
// unless they ask for the door (?for=door) or name a performance, and the
// page links to the other one.
func (s *homePages) scannerPageFor(r *http.Request, c identity.Caller, performance string) (scannerPage, error) {
	page := scannerPage{}
	roles := []identity.Role{identity.RoleMerchant, identity.RoleDoor}
	if performance != "" || r.URL.Query().Get("for") == "door" {
		roles[0], roles[1] = roles[1], roles[0]
	}
	if s.scans(c, identity.RoleMerchant) && s.scans(c, identity.RoleDoor) {
		page.Other = string(roles[1])
	}
	for _, role := range roles {
		if c.Has(role) {
			page.Role = string(role)
			if t, ok := s.scanTargets[role]; ok {
				page.Endpoint, page.AskAmount = t.Endpoint, t.AskAmount
			}
			if role == identity.RoleMerchant && page.Endpoint != "" {
				if err := s.merchantScan(r, c, &page); err != nil {
					return page, err
				}
			}
			break
		}
	}
	if page.Role == string(identity.RoleDoor) && page.Endpoint != "" && s.theatre != nil {
		d, err := s.theatre.doorScan(r, c, performance)
		if err != nil {
			return page, err
		}
		page.Door = d
		if d.Chosen == nil {
			// Nothing is scanned until the door says which performance.
			page.Endpoint = ""
		}
	}
	return page, nil
}

// scans tells whether c scans for role on this hub: they hold it and a
// domain has connected its scanning.
func (s *homePages) scans(c identity.Caller, role identity.Role) bool {
	_, ok := s.scanTargets[role]
	return ok && c.Has(role)
}

// merchantScan points the merchant's scanner at their shop. Staff of
// several shops choose it first (?shop=, from the chooser at the top or the
// shop's own page): every redemption the page sends is for that shop, and
// until one is chosen the page scans nothing.
func (s *homePages) merchantScan(r *http.Request, c identity.Caller, page *scannerPage) error {
	shop, err := requestedShop(r)
	if err != nil {
		return err
	}
	ch, err := chooseShop(r.Context(), s.vouchers, c, "/staff/scan", shop)
	if err != nil {
		return err
	}
	page.Shop = ch
	switch {
	case ch != nil && ch.Chosen == nil:
		page.Endpoint = ""
	case ch != nil:
		page.Endpoint += "?shop=" + url.QueryEscape(ch.Chosen.ID)
	case shop != "":
		page.Endpoint += "?shop=" + url.QueryEscape(shop)
	}
	return nil
}

// showScanResult renders the scanner page with res, answering status: the
// site's scanPage, which the endpoints answer a plain form post with. Its
// language switch returns to the scanner the form was on, whose address is
// not above the endpoint's (/staff/vouchers/redeem,
// /staff/tickets/check-in).
func (s *homePages) showScanResult(w http.ResponseWriter, r *http.Request, c identity.Caller, status int, performance string, res *scanResult) {
	if _, err := requestedShop(r); err != nil {
		// The shop was named twice, which res refuses: the page is the
		// scanner as if none were named, where staff of several shops
		// choose one (and staff of one get theirs).
		r = r.Clone(r.Context())
		q := r.URL.Query()
		q.Del("shop")
		r.URL.RawQuery = q.Encode()
	}
	page, err := s.scannerPageFor(r, c, performance)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	page.Result = res
	s.render(w, withFormPage(r, scannerAddress(r, page)), status, "scanner", "scan", page)
}

// scannerAddress is the scanner page as page shows it: for the door's
// chosen performance, or the door of staff who also work a till; for the
// shop the till's form named.
func scannerAddress(r *http.Request, page scannerPage) string {
	q := url.Values{}
	switch {
	case page.Role == string(identity.RoleDoor) && page.Door != nil && page.Door.Chosen != nil:
		q.Set("performance", page.Door.Chosen.ID)
	case page.Role == string(identity.RoleDoor) && page.Other != "":
		q.Set("for", "door")
	case page.Role == string(identity.RoleMerchant) && r.URL.Query().Get("shop") != "":
		q.Set("shop", r.URL.Query().Get("shop"))
	}
	if len(q) == 0 {
		return "/staff/scan"
	}
	return "/staff/scan?" + q.Encode()
}
