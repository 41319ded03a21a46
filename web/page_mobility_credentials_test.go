package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/store/storetest"
)

var shownSecret = regexp.MustCompile(`data-testid="cred-secret">([A-Za-z0-9_-]{32,})<`)

// A station's broker credential is managed from its admin page (issue 9,
// item 1): issued, rotated and revoked there by a city admin or a mobility
// operator; each new secret is shown once, on the answer to the post that
// made it (no-store), and opens the broker while the one before stops; a
// citizen can do none of it; when the broker does not take a new station's
// account, the station is registered and its page says the credential was
// not issued.
func TestStationCredentialPages(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			b := newBikeAdminEnv(t, engine)
			ctx := context.Background()
			if _, err := b.svc.PutStation(ctx, identity.System(), mobility.Station{ID: "duomo", NameIT: "Piazza Duomo", Lat: 41.13, Lon: 14.78, Capacity: 8, Open: true}); err != nil {
				t.Fatal(err)
			}
			const page = "/admin/bikes/stations/duomo/credential"
			opens := func(secret string) bool {
				t.Helper()
				ok, err := b.svc.AuthenticateStation(ctx, "duomo", secret)
				if err != nil {
					t.Fatal(err)
				}
				return ok
			}
			operator := b.signIn(t, identity.RoleOperator)
			tok := operator.CSRF(page)
			// act posts do= on the credential page and returns the secret the
			// answer shows, if any.
			act := func(do string, want int) string {
				t.Helper()
				form := url.Values{"csrf_token": {tok}, "do": {do}}
				if do == "rotate" || do == "revoke" {
					form.Set("confirm", "yes") // both cut the station off: the page asks first
				}
				res, body := operator.Post(page, form)
				if res.StatusCode != want {
					t.Fatalf("do=%s: %d, want %d\n%s", do, res.StatusCode, want, body)
				}
				m := shownSecret.FindStringSubmatch(body)
				if m == nil {
					return ""
				}
				if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("do=%s shows a secret with Cache-Control %q", do, cc)
				}
				return m[1]
			}

			// A station registered outside the pages has none: the page offers to issue.
			if res, body := operator.Get(page); res.StatusCode != http.StatusOK || !strings.Contains(body, `value="issue"`) || strings.Contains(body, `value="rotate"`) {
				t.Fatalf("page of a station without a credential: %d\n%s", res.StatusCode, body)
			}
			first := act("issue", http.StatusOK)
			if first == "" || !opens(first) {
				t.Fatalf("issued secret %q does not open the broker", first)
			}
			res, body := operator.Get(page)
			if res.StatusCode != http.StatusOK || strings.Contains(body, first) || !strings.Contains(body, `value="rotate"`) || !strings.Contains(body, `value="revoke"`) {
				t.Errorf("the page after issuing: %d, shows the secret again or lacks rotate and revoke:\n%s", res.StatusCode, body)
			}
			if s := act("issue", http.StatusConflict); s != "" || !opens(first) {
				t.Errorf("a second issue showed %q or changed the secret", s)
			}

			// Unconfirmed, a rotation only asks.
			if res, body := operator.Post(page, url.Values{"csrf_token": {tok}, "do": {"rotate"}}); res.StatusCode != http.StatusOK ||
				!strings.Contains(body, `data-testid="confirm-button"`) || shownSecret.MatchString(body) || !opens(first) {
				t.Fatalf("rotate without confirmation: %d, or the secret changed\n%s", res.StatusCode, body)
			}
			second := act("rotate", http.StatusOK)
			if second == "" || second == first || !opens(second) || opens(first) {
				t.Fatalf("after rotating: the new secret opens %v, the old one %v", opens(second), opens(first))
			}

			// A citizen may neither see nor change it.
			citizen := b.signIn(t, identity.RoleCitizen)
			if res, _ := citizen.Get(page); res.StatusCode != http.StatusForbidden {
				t.Errorf("citizen reads the credential page: %d", res.StatusCode)
			}
			if res, body := citizen.Post(page, url.Values{"csrf_token": {citizen.CSRF("/bikes")}, "do": {"rotate"}}); res.StatusCode != http.StatusForbidden || shownSecret.MatchString(body) {
				t.Errorf("citizen rotates: %d", res.StatusCode)
			}
			if !opens(second) {
				t.Error("a citizen's refused rotation changed the secret")
			}

			if s := act("bogus", http.StatusBadRequest); s != "" || !opens(second) {
				t.Error("an unknown action changed the credential")
			}
			admin := b.signIn(t, identity.RoleAdmin)
			if res, _ := admin.Post(page, url.Values{"csrf_token": {admin.CSRF(page)}, "do": {"revoke"}, "confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther ||
				res.Header.Get("Location") != page+"?saved=revoked" {
				t.Fatalf("admin revokes: %d %s", res.StatusCode, res.Header.Get("Location"))
			}
			if opens(second) {
				t.Error("a revoked secret still opens")
			}
			if _, body := operator.Get(page + "?saved=revoked"); !strings.Contains(body, `value="issue"`) || strings.Contains(body, `value="rotate"`) {
				t.Errorf("the page of a revoked credential does not offer a new one:\n%s", body)
			}
			act("rotate", http.StatusNotFound)
			third := act("issue", http.StatusOK)
			if third == "" || !opens(third) || opens(second) {
				t.Errorf("issue after revoke: %q", third)
			}
			if c, err := b.svc.StationCredential(ctx, identity.System(), "duomo"); err != nil || c.Generation != 3 || c.SecretHash == third {
				t.Errorf("stored credential %+v %v: want generation 3, a hash", c, err)
			}

			// The broker refuses a new station's account: the station is
			// registered all the same, and its credential page says why it
			// has none.
			b.svc.SetBrokerAccounts(refusingBroker{})
			res, body = admin.Post("/admin/bikes/stations", url.Values{"csrf_token": {admin.CSRF("/admin/bikes/stations/new")}, "id": {"rocca"}, "name_it": {"Rocca"},
				"lat": {"41,13"}, "lon": {"14,78"}, "capacity": {"6"}, "open": {"1"}})
			if want := "/admin/bikes/stations/rocca/credential?saved=not_issued"; res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want || shownSecret.MatchString(body) {
				t.Errorf("registering with the broker refusing: %d to %q, want 303 to %s", res.StatusCode, res.Header.Get("Location"), want)
			}
			if _, body := admin.Get("/admin/bikes/stations/rocca/credential?saved=not_issued"); !strings.Contains(body, `class="alert alert-error"`) || !strings.Contains(body, `value="issue"`) {
				t.Errorf("the new station's credential page does not say it has none, or lacks the issue button:\n%s", body)
			}
			if _, err := b.svc.Station(ctx, identity.System(), "rocca"); err != nil {
				t.Errorf("the station was not registered: %v", err)
			}
			if _, err := b.svc.StationCredential(ctx, identity.System(), "rocca"); err == nil {
				t.Error("a credential the broker refused was stored")
			}
		})
	}
}
