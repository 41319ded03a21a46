package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/qrtoken"
	"cityhub/ticketing"
	"cityhub/web/ui"
	"cityhub/web/webtest"
)

// offlineEvening is a door fixture with tonight's performance, its doors
// open since in (20:00 in Rome, the clock at 20:20), and a ticket for
// Platea/A/2, whose QR token token gives as the wallet showed it at a time.
func offlineEvening(t *testing.T) (f *doorFixture, tonight ticketing.Performance, in time.Time, token func(at time.Time) string) {
	t.Helper()
	f = newDoorFixture(t)
	tonight = f.performance(t, "Sei personaggi", cityTime(time.November, 30, 21), 1800)
	ticket := f.buy(t, tonight, "Platea/A/2")
	in = cityTime(time.November, 30, 20)
	f.clock.Set(in.Add(20 * time.Minute))
	token = func(at time.Time) string {
		tok, err := qrtoken.IssueRotating(f.env.Keys, qrtoken.KindTicket, ticket.ID, at)
		if err != nil {
			t.Fatal(err)
		}
		return tok.Token
	}
	return f, tonight, in, token
}

// The scanner page's queue reaches the hub through the page's own target
// (cookie session, CSRF header, door staff): the entries it let in offline
// are recorded, a retry is answered the same, a double entry comes back
// with words for the door staff in the page's language, and the page then
// lists it (not to the script's minute refresh, which reads only the door
// list); the door list tells the script where to send and how to word
// the queue, and the page no longer says that entries let in offline go
// unrecorded.
func TestScannerPageSendsItsOfflineQueue(t *testing.T) {
	t.Parallel()
	f, tonight, in, token := offlineEvening(t)
	env := f.env

	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	session := func(scope string) (*webtest.PageClient, string) {
		staff, _ := env.account(t, identity.RoleDoor, scope)
		pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
		return pc, pc.CSRF("/staff/scan")
	}
	send := func(pc *webtest.PageClient, csrf, body string) (int, map[string]any) {
		t.Helper()
		res, out := pc.PostJSON(ui.OfflineEntriesEndpoint, csrf, body)
		return res.StatusCode, out
	}
	results := func(out map[string]any) []map[string]any {
		var rs []map[string]any
		for _, r := range out["results"].([]any) {
			rs = append(rs, r.(map[string]any))
		}
		return rs
	}

	pc, csrf := session(f.venue.ID)
	body := offlineBody(t, tonight.ID, "3f2a9c1e-door-a", ticketing.OfflineEntry{ID: "q-1", Code: token(in), At: in.Add(5 * time.Second)})
	if st, _ := send(pc, "", body); st != http.StatusForbidden {
		t.Fatalf("without CSRF: %d", st)
	}
	for round := range 2 {
		st, out := send(pc, csrf, body)
		if st != http.StatusOK {
			t.Fatalf("round %d: %d %v", round, st, out)
		}
		if rs := results(out); len(rs) != 1 || rs[0]["id"] != "q-1" || rs[0]["outcome"] != "checked_in" || rs[0]["message"] != nil {
			t.Fatalf("round %d: %v", round, out)
		}
	}
	// A second door's device let the same ticket in: its staff are told,
	// in Italian, that it had already entered and when.
	other, csrfB := session(f.venue.ID)
	st, out := send(other, csrfB, offlineBody(t, tonight.ID, "77d0e5b4-door-b", ticketing.OfflineEntry{ID: "q-1", Code: token(in.Add(2 * time.Minute)), At: in.Add(2 * time.Minute)}))
	if rs := results(out); st != http.StatusOK || len(rs) != 1 || rs[0]["outcome"] != "double_entry" ||
		rs[0]["message"] != "Ingresso doppio: Sei personaggi · Platea, fila A, posto 2 era già entrato alle 20:00." {
		t.Fatalf("the second door's entry: %d %v", st, out)
	}
	// An entry that does not hold up is answered with the reason.
	st, out = send(other, csrfB, offlineBody(t, tonight.ID, "77d0e5b4-door-b", ticketing.OfflineEntry{ID: "q-2", Code: token(in), At: in.Add(time.Hour)}))
	if rs := results(out); st != http.StatusOK || len(rs) != 1 || rs[0]["outcome"] != "rejected" ||
		rs[0]["message"] != "Ingresso senza rete non registrato. Il codice era già scaduto quando è stato letto." {
		t.Fatalf("an entry after its code expired: %d %v", st, out)
	}
	// Refused whole: problem+json in the page's language.
	if st, out := send(other, csrfB, `{"performance_id":"`+tonight.ID+`","device":"d","entries":[]}`); st != http.StatusBadRequest || out["reason"] != "entries_missing" || out["detail"] == "" {
		t.Fatalf("an empty upload: %d %v", st, out)
	}
	elsewhere, csrfC := session("ven_other")
	if st, out := send(elsewhere, csrfC, body); st != http.StatusForbidden || out["reason"] != "not_your_performance" {
		t.Fatalf("another venue's door: %d %v", st, out)
	}

	res, html := pc.Get("/staff/scan?performance=" + tonight.ID)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("scanner page: %d", res.StatusCode)
	}
	doubles := regexp.MustCompile(`(?s)<section class="card door-doubles".*?</section>`).FindString(html)
	// Both times to the second: two entries of one minute are told apart.
	if !strings.Contains(doubles, "Ingressi doppi") || !strings.Contains(doubles, "<td>Platea, fila A, posto 2</td><td>già entrato alle 20:00:05</td>") ||
		!strings.Contains(doubles, "<code>77d0e5b4</code>") || !strings.Contains(doubles, ">20:02:00</time>") {
		t.Fatalf("the page's double entries:\n%s", doubles)
	}
	if !strings.Contains(html, `data-testid="door-queue"`) {
		t.Fatal("no place for the queue on the page")
	}
	// The script's minute refresh gets the door list without the double
	// entries, which it would not show.
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/staff/scan?performance="+tonight.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(ui.DoorRefreshHeader, "1")
	refreshed, err := pc.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if again := webtest.ReadBody(t, refreshed); refreshed.StatusCode != http.StatusOK || !strings.Contains(again, `class="door-list"`) || strings.Contains(again, "door-doubles") {
		t.Fatalf("the page for the script's refresh: %d\n%s", refreshed.StatusCode, again)
	}
	m := regexp.MustCompile(`(?s)<script type="application/json" class="door-list">(.*?)</script>`).FindStringSubmatch(html)
	if m == nil {
		t.Fatal("no door list on the page")
	}
	var list struct {
		Upload   string            `json:"upload"`
		Zone     string            `json:"zone"`
		Messages map[string]string `json:"messages"`
	}
	if err := json.Unmarshal([]byte(m[1]), &list); err != nil {
		t.Fatal(err)
	}
	if list.Upload != ui.OfflineEntriesEndpoint || list.Zone != "Europe/Rome" || list.Messages["queue_one"] != "%d ingresso senza rete da registrare: parte appena torna la rete." ||
		!strings.Contains(list.Messages["ok_message"], "lo registra appena torna la rete") || strings.Contains(list.Messages["ok_message"], "né se questo ingresso è stato registrato") {
		t.Fatalf("door list: %+v", list)
	}
}

// The scanner page's two door targets answer a refusal alike, as the API
// does but in the page's language: a body over the limit is 413, and typed
// codes that keep matching no ticket are 429 with Retry-After.
func TestDoorPageTargetsAnswerRefusalsAlike(t *testing.T) {
	t.Parallel()
	f, tonight, _, _ := offlineEvening(t)
	srv := httptest.NewServer(f.env.Server)
	defer srv.Close()
	staff, _ := f.env.account(t, identity.RoleDoor, f.venue.ID)
	pc := webtest.SignedIn(t, srv.URL, staff.Email, testPassword)
	csrf := pc.CSRF("/staff/scan")
	huge := `{"code":"` + strings.Repeat("x", 70<<10) + `"}`
	for _, path := range []string{ui.TicketScanEndpoint, ui.OfflineEntriesEndpoint} {
		res, out := pc.PostJSON(path, csrf, huge)
		if res.StatusCode != http.StatusRequestEntityTooLarge || out["reason"] != "body_too_large" || out["instance"] != path ||
			out["detail"] != "Quanto inviato è troppo grande: accorcia il testo nel modulo e riprova." {
			t.Errorf("%s, a body over the limit: %d %v", path, res.StatusCode, out)
		}
	}
	wrong := `{"code":"0000-0000-0000-0000-0","performance_id":"` + tonight.ID + `"}`
	var res *http.Response
	var out map[string]any
	for range ticketing.MaxCodeFailures + 1 {
		res, out = pc.PostJSON(ui.TicketScanEndpoint, csrf, wrong)
	}
	if res.StatusCode != http.StatusTooManyRequests || out["reason"] != "too_many_failed_codes" || res.Header.Get("Retry-After") != "600" ||
		!strings.Contains(out["detail"].(string), "codici") {
		t.Fatalf("typed codes that match no ticket: %d %v, Retry-After %q", res.StatusCode, out, res.Header.Get("Retry-After"))
	}
	// The form without the script: the same pace, said as a code not
	// checked (never "entry refused"), with its Retry-After.
	res, body := pc.Post(ui.TicketScanEndpoint, url.Values{"csrf_token": {csrf}, "code": {"0000-0000-0000-0000-0"}, "performance_id": {tonight.ID}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "600" || !strings.Contains(body, `scan-result-text">Codice non controllato`) || strings.Contains(body, `scan-result-text">Ingresso negato`) {
		t.Fatalf("the form past the pace: %d, Retry-After %q\n%s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
}
