package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/web/ui"
	"cityhub/web/webtest"
)

// A page that answers a form post returns its language switch to the page
// the form was on, even when the browser sends no Referer: the scanner's
// answer to a typed code (the till's, for the shop it scans for, and the
// door's, for its performance) to the scanner, not to the shop's voucher
// page or the home page above the endpoint's address; a refused unlock or
// fault report to the station's page, not to the list of stations; the
// goodbye after an account's erasure to the home page. Each address
// answers GET.
func TestLanguageSwitchAfterPostReturnsToTheFormsPage(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, pc *webtest.PageClient, what, post string, form url.Values, status int, want string) {
		t.Helper()
		res, body := pc.Post(post, form)
		if res.StatusCode != status {
			t.Fatalf("%s: %d, want %d\n%s", what, res.StatusCode, status, body)
		}
		if got := languageNextOf(t, body); got != want {
			t.Errorf("%s: the language switch returns to %q, want %q", what, got, want)
		}
		if res, body := pc.Get(want); res.StatusCode != http.StatusOK {
			t.Errorf("%s: GET %s: %d\n%s", what, want, res.StatusCode, body)
		}
	}

	t.Run("till", func(t *testing.T) {
		t.Parallel()
		env, shops, v := scanFixture(t, "Libreria")
		staff, _ := env.account(t, identity.RoleMerchant, shops[0].ID)
		srv := httptest.NewServer(env.Server)
		t.Cleanup(srv.Close)
		pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
		csrf := pc.CSRF("/staff/scan")
		code := strings.ToLower(v.TypedCode)
		check(t, pc, "a wrong amount", ui.VoucherScanEndpoint, url.Values{"csrf_token": {csrf}, "code": {code}, "amount": {"23,5x"}},
			http.StatusUnprocessableEntity, "/staff/scan")
		check(t, pc, "a preview", ui.VoucherScanEndpoint, url.Values{"csrf_token": {csrf}, "code": {code}, "amount": {"23,50"}},
			http.StatusOK, "/staff/scan")
		check(t, pc, "a preview for a shop named", ui.VoucherScanEndpoint+"?shop="+shops[0].ID, url.Values{"csrf_token": {csrf}, "code": {code}, "amount": {"23,50"}},
			http.StatusOK, "/staff/scan?shop="+shops[0].ID)
	})

	t.Run("door", func(t *testing.T) {
		t.Parallel()
		f := newDoorFixture(t)
		p := f.performance(t, "Sei personaggi", cityTime(time.November, 30, 21), 1800)
		ticket := f.buy(t, p, "Platea/A/2")
		f.clock.Set(cityTime(time.November, 30, 20))
		staff, _ := f.env.account(t, identity.RoleDoor, f.venue.ID)
		srv := httptest.NewServer(f.env.Server)
		t.Cleanup(srv.Close)
		pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
		csrf := pc.CSRF("/staff/scan?performance=" + p.ID)
		form := url.Values{"csrf_token": {csrf}, "code": {strings.ToLower(ticket.TypedCode)}, "performance_id": {p.ID}}
		check(t, pc, "a check-in", ui.TicketScanEndpoint, form, http.StatusOK, "/staff/scan?performance="+p.ID)
		check(t, pc, "a second check-in", ui.TicketScanEndpoint, form, http.StatusConflict, "/staff/scan?performance="+p.ID)
	})

	// The goodbye after an account's erasure shows nobody signed in: its
	// switch returns to the home page, not to the privacy page, which
	// would ask the erased account to sign in.
	t.Run("goodbye", func(t *testing.T) {
		t.Parallel()
		_, env := newTestServer(t, "sqlite", withWallet(false), withCardPayments)
		srv := httptest.NewServer(env.Server)
		t.Cleanup(srv.Close)
		anna, _ := env.account(t, identity.RoleCitizen)
		pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
		check(t, pc, "an account erased", "/privacy/delete", url.Values{"csrf_token": {pc.CSRF("/privacy")}, "confirm_email": {anna.Email}},
			http.StatusOK, "/")
	})

	t.Run("bikes", func(t *testing.T) {
		t.Parallel()
		b := newBikePagesEnv(t)
		st := b.m.Stations[0]
		rider, _ := b.signIn(t, identity.RoleCitizen)
		page := "/bikes/stations/" + st.ID
		tok := rider.CSRF(page)
		check(t, rider, "an unlock without credit", "/bikes/unlock", url.Values{"csrf_token": {tok}, "request_id": {"unl_language_1"}, "station_id": {st.ID},
			"dock": {"1"}, "bike_id": {st.Bikes[0].ID}}, http.StatusPaymentRequired, page)
		check(t, rider, "a fault report without words", "/bikes/reports", url.Values{"csrf_token": {tok}, "station_id": {st.ID}, "target": {"bike"},
			"bike_id": {st.Bikes[0].ID}, "description": {""}}, http.StatusBadRequest, page)
	})
}
