package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
)

// A station confirming an unlock too late shows on the operator's page as
// an incident ("bike released without a ride") until an operator resolves it.
func TestOperatorSeesLateUnlockIncident(t *testing.T) {
	t.Parallel()
	b := newBikePagesEnv(t)
	st := b.m.Stations[0]
	op, _ := b.signIn(t, identity.RoleOperator)
	b.m.FailedUnlock(t, st.ID, "cmd_too_late")
	if _, err := b.m.Svc.UnlockConfirmedLate(context.Background(), identity.System(), st.ID, "cmd_too_late", time.Now()); err != nil {
		t.Fatal(err)
	}
	res, body := op.Get("/operator/bikes")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="incident-list"`) ||
		!strings.Contains(body, "Bici sbloccata senza corsa: la stazione "+st.NameIT+" ha confermato lo sblocco cmd_too_late") {
		t.Fatalf("operator page without the incident: %d\n%s", res.StatusCode, body)
	}
	incidents, err := b.m.Svc.Incidents(context.Background(), identity.Caller{AccountID: "x", Grants: []identity.Grant{{Role: identity.RoleOperator}}}, true, "")
	if err != nil || len(incidents) != 1 {
		t.Fatalf("incidents %+v %v", incidents, err)
	}
	tok := op.CSRF("/operator/bikes")
	if res, _ := op.Post("/operator/bikes/incidents/"+incidents[0].ID+"/resolve", url.Values{"csrf_token": {tok}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resolve: %d", res.StatusCode)
	}
	if _, body := op.Get("/operator/bikes"); strings.Contains(body, `data-testid="incident-list"`) {
		t.Error("a resolved incident is still listed")
	}
	// Pressed again (a double press, a stale tab, another operator first),
	// the dashboard says the incident is no longer open, where an error
	// page said "page not found"; an id that names no incident stays not
	// found.
	res, _ = op.Post("/operator/bikes/incidents/"+incidents[0].ID+"/resolve", url.Values{"csrf_token": {tok}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/operator/bikes?closed=1#incidents-heading" {
		t.Fatalf("resolved twice: %d to %q", res.StatusCode, loc)
	}
	if _, body := op.Get("/operator/bikes?closed=1"); !strings.Contains(body, `data-testid="incident-closed"`) || !strings.Contains(body, "era già stata risolta") {
		t.Fatalf("after resolving twice:\n%s", body)
	}
	if res, body := op.Post("/operator/bikes/incidents/inc_nosuchincident/resolve", url.Values{"csrf_token": {tok}}); res.StatusCode != http.StatusNotFound || strings.Contains(body, "era già stata risolta") {
		t.Fatalf("unknown incident resolved: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}
