package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
)

var stationFormKey = regexp.MustCompile(`<input type="hidden" name="key" value="([^"]+)">`)

// The new station form carries a key of its own: sent twice (a double
// press, a reload after a slow answer, two presses at once) it registers
// one station and issues one credential, and every send after the first
// is answered with the station's credential page saying the form was sent
// before, never with "this code already exists". A refused send keeps the
// key, and corrected, registers; the same key with other values registers
// nothing and comes back with what was typed under a fresh key.
func TestStationRegistrationFormKey(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			b := newBikeAdminEnv(t, engine)
			ctx := context.Background()
			admin := b.signIn(t, identity.RoleAdmin)
			newForm := func() (csrf, key string) {
				t.Helper()
				_, body := admin.Get("/admin/bikes/stations/new")
				m := stationFormKey.FindStringSubmatch(body)
				if m == nil {
					t.Fatalf("the new station form has no key:\n%s", body)
				}
				return admin.CSRF("/admin/bikes/stations/new"), m[1]
			}
			form := func(csrf, key, id, lat string) url.Values {
				return url.Values{"csrf_token": {csrf}, "key": {key}, "id": {id}, "name_it": {"Stazione " + id}, "address": {"Piazza Orsini"},
					"lat": {lat}, "lon": {"14,7816"}, "capacity": {"12"}, "open": {"1"}}
			}
			sentBefore := func(res *http.Response, id string) {
				t.Helper()
				want := "/admin/bikes/stations/" + id + "/credential?saved=sent_before"
				if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
					t.Fatalf("the form sent again: %d to %q, want 303 to %s", res.StatusCode, res.Header.Get("Location"), want)
				}
				res, body := admin.Get(want)
				if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-testid="sent-before"`) || !strings.Contains(body, "Questo modulo era già stato inviato") ||
					!strings.Contains(body, `value="rotate"`) || shownSecret.MatchString(body) {
					t.Fatalf("the credential page after the form sent again: %d\n%s", res.StatusCode, body)
				}
			}
			oneCredential := func(id, secret string) {
				t.Helper()
				if ok, err := b.svc.AuthenticateStation(ctx, id, secret); !ok || err != nil {
					t.Fatalf("the secret shown first no longer opens the broker for %s: %v", id, err)
				}
				if c, err := b.svc.StationCredential(ctx, identity.System(), id); err != nil || c.Generation != 1 {
					t.Fatalf("credential of %s: %+v %v, want the first one only", id, c, err)
				}
			}

			// A latitude that does not read is refused; the form keeps its
			// key, and corrected, registers the station and shows its secret.
			csrf, key := newForm()
			res, body := admin.Post("/admin/bikes/stations", form(csrf, key, "orsini", "91"))
			if m := stationFormKey.FindStringSubmatch(body); res.StatusCode != http.StatusBadRequest || m == nil || m[1] != key {
				t.Fatalf("a refused station: %d, the key %v, want %s\n%s", res.StatusCode, m, key, body)
			}
			res, body = admin.Post("/admin/bikes/stations", form(csrf, key, "orsini", "41,1335"))
			secret := shownSecret.FindStringSubmatch(body)
			if res.StatusCode != http.StatusOK || secret == nil {
				t.Fatalf("registering a station: %d\n%s", res.StatusCode, body)
			}
			// Sent again (a reload of the answer): one station, one
			// credential, and the page the station's.
			res, _ = admin.Post("/admin/bikes/stations", form(csrf, key, "orsini", "41,1335"))
			sentBefore(res, "orsini")
			oneCredential("orsini", secret[1])

			// Back and edited under the same key: nothing registered, the
			// values kept, a fresh key.
			res, body = admin.Post("/admin/bikes/stations", form(csrf, key, "duomo", "41,1335"))
			fresh := stationFormKey.FindStringSubmatch(body)
			if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Questo modulo era già stato inviato e ha registrato una stazione") ||
				!strings.Contains(body, `name="id" value="duomo"`) || fresh == nil || fresh[1] == key {
				t.Fatalf("the form sent again with another code: %d\n%s", res.StatusCode, body)
			}
			if _, err := b.svc.Station(ctx, identity.System(), "duomo"); err == nil {
				t.Fatal("the same key with another code registered a station")
			}
			// Under the fresh key it is a form of its own.
			res, body = admin.Post("/admin/bikes/stations", form(csrf, fresh[1], "duomo", "41,1335"))
			if res.StatusCode != http.StatusOK || !shownSecret.MatchString(body) {
				t.Fatalf("the form under its fresh key: %d\n%s", res.StatusCode, body)
			}

			// Two presses at once: one shows the secret, the other the
			// station's page; neither is told the code is taken.
			csrf, key = newForm()
			var wg sync.WaitGroup
			type answer struct {
				res  *http.Response
				body string
				err  error
			}
			answers := make([]answer, 2)
			for i := range answers {
				wg.Go(func() {
					res, err := admin.Client.PostForm(admin.URL+"/admin/bikes/stations", form(csrf, key, "rocca", "41,13"))
					if err != nil {
						answers[i].err = err
						return
					}
					defer res.Body.Close()
					body, err := io.ReadAll(res.Body)
					answers[i] = answer{res: res, body: string(body), err: err}
				})
			}
			wg.Wait()
			var first []string
			for _, a := range answers {
				if a.err != nil {
					t.Fatal(a.err)
				}
				if m := shownSecret.FindStringSubmatch(a.body); a.res.StatusCode == http.StatusOK && m != nil {
					first = append(first, m[1])
					continue
				}
				sentBefore(a.res, "rocca")
			}
			if len(first) != 1 {
				t.Fatalf("two presses at once showed %d secrets, want 1", len(first))
			}
			oneCredential("rocca", first[0])
			if sts, err := b.svc.Stations(ctx, identity.System()); err != nil || len(sts) != 3 {
				t.Fatalf("stations %+v %v, want orsini, duomo and rocca", sts, err)
			}
		})
	}
}
