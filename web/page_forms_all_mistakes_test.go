package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// fieldErrors are the messages a staff form shows next to its fields
// (data-field-error), by field name.
func fieldErrors(body string) map[string]string {
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`data-field-error="([^"]+)">([^<]*)<`).FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// The new performance form says every mistake it can judge at once, each
// next to its field: an impossible start, with an empty title and a bad
// price, came back with the title and price alone, and the start's
// mistake only on the next sending.
func TestTheatreAdminPerformanceFormSaysEveryMistake(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), withTicketing, func(env *testEnv, d *Deps) {})
	admin, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	venue := smallTheatre(t, env.Deps.Ticketing, "Sei personaggi", 1500).VenueID
	res, body := pc.Post("/admin/theatre/performances", url.Values{"csrf_token": {pc.CSRF("/admin/theatre")}, "venue_id": {venue}, "title": {""},
		"starts_at": {"32/13/2026 25:00"}, "prices": {"stalls dieci"}, "self_cancel_hours": {"9999"}})
	errs := fieldErrors(body)
	if res.StatusCode != http.StatusBadRequest || len(errs) != 4 || errs["title"] == "" || errs["prices"] == "" || errs["self_cancel_hours"] == "" ||
		errs["starts_at"] != "Indica l&#39;inizio come data e ora (per esempio 31/12/2026 20:30), tra gli anni 2000 e 2999." {
		t.Fatalf("%d, field errors %q\n%s", res.StatusCode, errs, body)
	}
	for _, field := range []string{"title", "starts_at", "prices", "self_cancel_hours"} {
		if !regexp.MustCompile(`id="p-` + field + `"[^>]*aria-describedby="p-` + field + `-error[^>]*aria-invalid="true"`).MatchString(body) {
			t.Fatalf("the %s field is not marked wrong\n%s", field, body)
		}
	}
	// A start in the past with a doors time after it: both said.
	res, body = pc.Post("/admin/theatre/performances", url.Values{"csrf_token": {pc.CSRF("/admin/theatre")}, "venue_id": {venue}, "title": {"Enrico IV"},
		"starts_at": {"14/03/2020 20:45"}, "prices": {"stalls 10"}, "duration_minutes": {"0"}})
	if errs := fieldErrors(body); res.StatusCode != http.StatusBadRequest || len(errs) != 2 || errs["starts_at"] != "L&#39;inizio è già passato: scegli una data e un&#39;ora future." ||
		errs["duration_minutes"] == "" {
		t.Fatalf("%d, field errors %q\n%s", res.StatusCode, errs, body)
	}
}

// The new campaign form says every mistake it can judge at once: a
// percentage of 150 and a window ending before it starts were said only
// once the other fields were right.
func TestVoucherAdminCampaignFormSaysEveryMistake(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
	})
	admin, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	res, body := pc.Post("/admin/vouchers/campaigns", url.Values{"csrf_token": {pc.CSRF("/admin/vouchers")}, "name": {""}, "budget": {"mille"},
		"face_value": {"10,00"}, "percent_off": {"150"}, "valid_from": {"31/12/2099"}, "valid_until": {"01/12/2099"}})
	errs := fieldErrors(body)
	if res.StatusCode != http.StatusBadRequest || len(errs) != 4 || errs["name"] == "" || errs["budget"] == "" ||
		errs["percent_off"] != "La percentuale va da 1 a 100 (0 per un importo fisso)." || errs["valid_until"] == "" {
		t.Fatalf("%d, field errors %q\n%s", res.StatusCode, errs, body)
	}
	// A day the form cannot read is that day's mistake, not the window's.
	res, body = pc.Post("/admin/vouchers/campaigns", url.Values{"csrf_token": {pc.CSRF("/admin/vouchers")}, "name": {"Natale"}, "budget": {"1000"},
		"face_value": {"10,00"}, "per_citizen_limit": {"0"}, "valid_from": {"il primo"}, "valid_until": {"01/12/2099"}})
	if errs := fieldErrors(body); res.StatusCode != http.StatusBadRequest || len(errs) != 2 || errs["valid_from"] == "" || errs["per_citizen_limit"] == "" {
		t.Fatalf("%d, field errors %q\n%s", res.StatusCode, errs, body)
	}
}

// A rider's fault report says every mistake it can judge at once, each
// next to its field: a dock the station does not have was said only once
// the description was right.
func TestFaultReportSaysEveryMistake(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnvOn(t, "sqlite", nil)
	st := b.m.Stations[0]
	citizen, _ := b.signIn(t, identity.RoleCitizen)
	page := "/bikes/stations/" + st.ID
	res, body := citizen.Post("/bikes/reports", url.Values{"csrf_token": {citizen.CSRF(page)}, "station_id": {st.ID}, "target": {"dock"},
		"dock": {"99"}, "description": {"ko"}})
	errs := fieldErrors(body)
	if res.StatusCode != http.StatusBadRequest || len(errs) != 2 || errs["dock"] != "Scrivi il numero di uno stallo di questa stazione." || errs["description"] == "" {
		t.Fatalf("%d, field errors %q\n%s", res.StatusCode, errs, body)
	}
	for _, field := range []string{"dock", "description"} {
		if !regexp.MustCompile(`id="f-` + field + `"[^>]*aria-describedby="h-` + field + ` e-` + field + `" aria-invalid="true"`).MatchString(body) {
			t.Fatalf("the %s field is not marked wrong\n%s", field, body)
		}
	}
	// A bike the hub does not know, with too short a description.
	res, body = citizen.Post("/bikes/reports", url.Values{"csrf_token": {citizen.CSRF(page)}, "station_id": {st.ID}, "target": {"bike"},
		"bike_id": {"NOBIKE1"}, "description": {"ko"}})
	if errs := fieldErrors(body); res.StatusCode != http.StatusBadRequest || len(errs) != 2 || errs["bike_id"] == "" || errs["description"] == "" {
		t.Fatalf("%d, field errors %q\n%s", res.StatusCode, errs, body)
	}
}

// The new shop and new venue forms say every mistake at once too: a name
// too long was said only once the empty fields were filled in.
func TestShopAndVenueFormsSayEveryMistake(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withTicketing, func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
	})
	admin, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	long := strings.Repeat("Libreria ", 40)
	res, body := pc.Post("/admin/vouchers/shops", url.Values{"csrf_token": {pc.CSRF("/admin/vouchers")}, "name": {long}, "address": {"Via Roma 1"},
		"district": {""}, "category": {"libri"}, "iban": {"IT00X0000000000000000000000"}})
	if errs := fieldErrors(body); res.StatusCode != http.StatusBadRequest || len(errs) != 3 || errs["name"] == "" || errs["district"] == "" || errs["iban"] == "" {
		t.Fatalf("the shop: %d, field errors %q\n%s", res.StatusCode, errs, body)
	}
	res, body = pc.Post("/admin/theatre/venues", url.Values{"csrf_token": {pc.CSRF("/admin/theatre")}, "name": {long}, "address": {""}})
	if errs := fieldErrors(body); res.StatusCode != http.StatusBadRequest || len(errs) != 2 || errs["name"] == "" || errs["address"] == "" {
		t.Fatalf("the venue: %d, field errors %q\n%s", res.StatusCode, errs, body)
	}
}
