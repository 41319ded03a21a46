package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/qrtoken"
	"cityhub/ticketing"
	"cityhub/web/ui"
	"cityhub/web/webtest"
)

// offlineBody is an upload of entries let in offline at p's door.
func offlineBody(t testing.TB, performanceID, device string, entries ...ticketing.OfflineEntry) string {
	t.Helper()
	b, err := json.Marshal(ticketing.OfflineUpload{PerformanceID: performanceID, Device: device, Entries: entries})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// contractDoorOffline is the door's offline entries in the OpenAPI
// scenario: the hub's clock is at p's door, where tok's ticket was checked
// in already, so the entry a door let in offline is a double entry, which
// the door and the administrators list.
func contractDoorOffline(c *contract, p ticketing.Performance, staff, elsewhere, admin, tok string, at time.Time) {
	entry := ticketing.OfflineEntry{ID: "contract-1", Code: tok, At: at}
	var res struct {
		Results []ticketing.OfflineEntryResult `json:"results"`
	}
	c.json(&res, "POST", "/api/v1/door/offline-entries", staff, offlineBody(c.t, p.ID, "contract-door", entry), http.StatusOK)
	if len(res.Results) != 1 || res.Results[0].Outcome != ticketing.EntryDouble || res.Results[0].Reason != "already_checked_in" {
		c.t.Fatalf("an offline entry of a ticket checked in: %+v", res.Results)
	}
	c.do("POST", "/api/v1/door/offline-entries", staff, `{"performance_id":"`+p.ID+`","device":"contract-door","entries":[]}`, http.StatusBadRequest)
	c.do("POST", "/api/v1/door/offline-entries", elsewhere, offlineBody(c.t, p.ID, "contract-door", entry), http.StatusForbidden)
	c.do("POST", "/api/v1/door/offline-entries", staff, offlineBody(c.t, "prf_nope", "contract-door", entry), http.StatusNotFound)
	var des struct {
		DoubleEntries []ticketing.DoubleEntry `json:"double_entries"`
	}
	c.json(&des, "GET", "/api/v1/door/performances/"+p.ID+"/double-entries", staff, "", http.StatusOK)
	if len(des.DoubleEntries) != 1 || des.DoubleEntries[0].Device != "contract-door" {
		c.t.Fatalf("the door's double entries: %+v", des)
	}
	c.do("GET", "/api/v1/door/performances/"+p.ID+"/double-entries", elsewhere, "", http.StatusForbidden)
	c.json(&des, "GET", "/api/v1/admin/performances/"+p.ID+"/double-entries", admin, "", http.StatusOK)
	if len(des.DoubleEntries) != 1 {
		c.t.Fatalf("the administrators' double entries: %+v", des)
	}
	c.do("GET", "/api/v1/admin/performances/prf_nope/double-entries", admin, "", http.StatusNotFound)
}

// Over HTTP: a door's upload checks in the tickets it let in offline and
// answers each; sent again it is answered the same and records nothing
// new; a ticket let in by two doors is a double entry, listed for the
// door and the administrators; what no device sends is a 400 problem that
// records nothing, and only door staff of the venue may upload.
func TestDoorOfflineEntriesOverHTTP(t *testing.T) {
	t.Parallel()
	f := newDoorFixture(t)
	env := f.env
	tonight := f.performance(t, "Sei personaggi", cityTime(time.November, 30, 21), 1800)
	f.buy(t, tonight, "Platea/A/1")
	f.buy(t, tonight, "Platea/A/2")
	seat := map[string]ticketing.TicketView{}
	ts, err := env.Deps.Ticketing.MyTickets(t.Context(), doorAnna)
	if err != nil {
		t.Fatal(err)
	}
	for _, tv := range ts {
		seat[tv.SeatID] = tv
	}
	a, b := seat["Platea/A/1"], seat["Platea/A/2"]
	in := cityTime(time.November, 30, 20)
	token := func(id string, at time.Time) string {
		tok, err := qrtoken.IssueRotating(env.Keys, qrtoken.KindTicket, id, at)
		if err != nil {
			t.Fatal(err)
		}
		return tok.Token
	}
	entries := []ticketing.OfflineEntry{
		{ID: "7b0c2d1e-0001", Code: token(a.ID, in), At: in.Add(10 * time.Second)},
		{ID: "7b0c2d1e-0002", Code: token(b.ID, in.Add(time.Minute)), At: in.Add(time.Minute + 5*time.Second)},
	}
	f.clock.Set(in.Add(25 * time.Minute))
	staff := env.login(t, identity.RoleDoor, f.venue.ID)
	upload := func(auth, body string) []ticketing.OfflineEntryResult {
		t.Helper()
		var res struct {
			Results []ticketing.OfflineEntryResult `json:"results"`
		}
		decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/door/offline-entries", auth, body), http.StatusOK), &res)
		return res.Results
	}
	body := offlineBody(t, tonight.ID, "phone-1", entries...)
	for round, replayed := range []bool{false, true} {
		rs := upload(staff, body)
		if len(rs) != 2 {
			t.Fatalf("round %d: %+v", round, rs)
		}
		for i, r := range rs {
			if r.ID != entries[i].ID || r.Outcome != ticketing.EntryCheckedIn || r.Replayed != replayed || !r.CheckedInAt.Equal(entries[i].At) ||
				r.Ticket == nil || r.Ticket.Status != ticketing.TicketCheckedIn {
				t.Fatalf("round %d, entry %d: %+v", round, i, r)
			}
		}
	}
	st, err := env.Deps.Ticketing.Stats(t.Context(), doorAdmin, tonight.ID)
	if err != nil || st.CheckedIn != 2 {
		t.Fatalf("stats after the upload: %+v %v", st, err)
	}
	// Another door let the first ticket in too.
	dup := upload(env.login(t, identity.RoleDoor, f.venue.ID), offlineBody(t, tonight.ID, "phone-2",
		ticketing.OfflineEntry{ID: "e1", Code: token(a.ID, in.Add(3*time.Minute)), At: in.Add(3 * time.Minute)}))
	if len(dup) != 1 || dup[0].Outcome != ticketing.EntryDouble || dup[0].Reason != "already_checked_in" || !dup[0].CheckedInAt.Equal(entries[0].At) {
		t.Fatalf("the second door's entry: %+v", dup)
	}
	for _, path := range []string{"/api/v1/door/performances/" + tonight.ID + "/double-entries", "/api/v1/admin/performances/" + tonight.ID + "/double-entries"} {
		auth := staff
		if strings.Contains(path, "/admin/") {
			auth = env.login(t, identity.RoleAdmin)
		}
		var des struct {
			DoubleEntries []ticketing.DoubleEntry `json:"double_entries"`
			More          bool                    `json:"more"`
		}
		decodeInto(t, mustStatus(t, env.do(t, "GET", path, auth, ""), http.StatusOK), &des)
		if len(des.DoubleEntries) != 1 || des.More || des.DoubleEntries[0].TicketID != a.ID || des.DoubleEntries[0].Device != "phone-2" || des.DoubleEntries[0].Number != 1 {
			t.Fatalf("%s: %+v", path, des)
		}
	}

	c := ticketing.OfflineEntry{ID: "x", Code: token(b.ID, in), At: in}
	many := make([]ticketing.OfflineEntry, ticketing.MaxOfflineEntries+1)
	for i := range many {
		many[i] = ticketing.OfflineEntry{ID: fmt.Sprintf("m%d", i), Code: c.Code, At: in}
	}
	for _, bad := range []struct{ name, body, reason string }{
		{"malformed json", `{"performance_id":`, "malformed_json"},
		{"unknown field", `{"performance_id":"` + tonight.ID + `","device":"d","entries":[],"extra":1}`, "unknown_field"},
		{"no entries", offlineBody(t, tonight.ID, "d"), "entries_missing"},
		{"too many entries", offlineBody(t, tonight.ID, "d", many...), "too_many_entries"},
		{"no device", offlineBody(t, tonight.ID, "", c), "invalid_device"},
		{"no performance", offlineBody(t, "", "d", c), "performance_missing"},
		{"an entry without time", `{"performance_id":"` + tonight.ID + `","device":"d","entries":[{"id":"x","code":"` + c.Code + `"}]}`, "invalid_entry"},
		{"a time that is no time", `{"performance_id":"` + tonight.ID + `","device":"d","entries":[{"id":"x","code":"` + c.Code + `","at":"tonight"}]}`, "wrong_type"},
	} {
		p := wantProblem(t, env.do(t, "POST", "/api/v1/door/offline-entries", staff, bad.body), http.StatusBadRequest)
		if bad.reason != "" && p.Reason != bad.reason {
			t.Errorf("%s: reason %q, want %q (%s)", bad.name, p.Reason, bad.reason, p.Detail)
		}
	}
	wantProblem(t, env.do(t, "POST", "/api/v1/door/offline-entries", env.login(t, identity.RoleCitizen), body), http.StatusForbidden)
	wantProblem(t, env.do(t, "POST", "/api/v1/door/offline-entries", env.login(t, identity.RoleDoor, "ven_other"), body), http.StatusForbidden)
	wantProblem(t, env.do(t, "GET", "/api/v1/admin/performances/"+tonight.ID+"/double-entries", staff, ""), http.StatusForbidden)
	des, err := env.Deps.Ticketing.DoubleEntries(t.Context(), doorAdmin, tonight.ID)
	if err != nil || len(des.Entries) != 1 {
		t.Fatalf("double entries after the refused uploads: %+v %v", des, err)
	}
}

// A token naming a ticket a door let in offline, but not signed by the
// hub, is refused as forged wherever it is shown: at the API's verify and
// check-in, on the scanner page's target (where the page sends it, since
// its own check finds it forged and so not the entry it let in) and in
// another device's upload, which records no double entry for it. Being
// checked in already must not be what the forger learns.
func TestDoorForgedTokenOfTicketLetInOffline(t *testing.T) {
	t.Parallel()
	f, tonight, in, token := offlineEvening(t)
	env := f.env
	staff := env.login(t, identity.RoleDoor, f.venue.ID)
	var res struct {
		Results []ticketing.OfflineEntryResult `json:"results"`
	}
	decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/door/offline-entries", staff,
		offlineBody(t, tonight.ID, "phone-1", ticketing.OfflineEntry{ID: "e1", Code: token(in), At: in.Add(5 * time.Second)})), http.StatusOK), &res)
	if len(res.Results) != 1 || res.Results[0].Outcome != ticketing.EntryCheckedIn || res.Results[0].Ticket == nil {
		t.Fatalf("the entry let in offline: %+v", res.Results)
	}
	ticketID := res.Results[0].Ticket.ID

	// The forger's key goes by the hub's key id: only the signature tells.
	kid, _ := env.Keys.Signer(qrtoken.Purpose)
	forger := qrtoken.NewMemKeys()
	forger.Generate(kid, qrtoken.Purpose)
	now := f.clock.Now()
	forged, err := qrtoken.IssueRotating(forger, qrtoken.KindTicket, ticketID, now)
	if err != nil {
		t.Fatal(err)
	}
	code := `{"code":"` + forged.Token + `","performance_id":"` + tonight.ID + `"}`
	for _, path := range []string{"/api/v1/door/tickets/verify", "/api/v1/door/tickets/check-in"} {
		if p := wantProblem(t, env.do(t, "POST", path, staff, code), http.StatusBadRequest); p.Reason != "qr_invalid" {
			t.Errorf("%s: reason %q (%s), want qr_invalid", path, p.Reason, p.Detail)
		}
	}

	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	account, _ := env.account(t, identity.RoleDoor, f.venue.ID)
	pc := webtest.SignedIn(t, srv.URL, account.Email, testPassword)
	if r, out := pc.PostJSON(ui.TicketScanEndpoint, pc.CSRF("/staff/scan"), code); r.StatusCode != http.StatusBadRequest ||
		out["reason"] != "qr_invalid" || out["detail"] != "Codice non valido." {
		t.Errorf("the scanner page's target: %d %v", r.StatusCode, out)
	}

	var other struct {
		Results []ticketing.OfflineEntryResult `json:"results"`
	}
	decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/door/offline-entries", staff,
		offlineBody(t, tonight.ID, "phone-2", ticketing.OfflineEntry{ID: "e1", Code: forged.Token, At: now})), http.StatusOK), &other)
	if rs := other.Results; len(rs) != 1 || rs[0].Outcome != ticketing.EntryRejected || rs[0].Reason != "qr_invalid" || rs[0].Ticket != nil {
		t.Fatalf("another device's entry with the forged token: %+v", rs)
	}
	des, err := env.Deps.Ticketing.DoubleEntries(t.Context(), doorAdmin, tonight.ID)
	if err != nil || len(des.Entries) != 0 {
		t.Fatalf("double entries after the forged entry: %+v %v", des, err)
	}
	st, err := env.Deps.Ticketing.Stats(t.Context(), doorAdmin, tonight.ID)
	if err != nil || st.CheckedIn != 1 {
		t.Fatalf("stats: %+v %v", st, err)
	}
}
