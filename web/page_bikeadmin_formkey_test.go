package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
)

// The new pricing plan, vehicle type and bike forms carry a key of their
// own, as the station form does: sent again (a reload after a slow answer,
// a double press) the form is answered as the first send was, never with
// "this code already exists", and makes one object; the same key with
// another code makes nothing and comes back with what was typed under a
// fresh key, which then makes an object of its own.
func TestBikeAdminFormKeys(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			b := newBikeAdminEnv(t, engine)
			ctx := context.Background()
			admin := b.signIn(t, identity.RoleAdmin)
			for _, k := range []struct {
				base, first, second string
				form                func(id string) url.Values
				count               func() int
			}{
				{"/admin/bikes/pricing-plans", "standard", "night", func(id string) url.Values {
					return url.Values{"id": {id}, "name_it": {"Tariffa " + id}, "unlock": {"1,50"},
						"seg_start_0": {"0"}, "seg_interval_0": {"1"}, "seg_rate_0": {"0,20"}}
				}, func() int {
					ps, err := b.svc.PricingPlans(ctx, identity.System())
					if err != nil {
						t.Fatal(err)
					}
					return len(ps)
				}},
				{"/admin/bikes/vehicle-types", "city", "ebike", func(id string) url.Values {
					return url.Values{"id": {id}, "name_it": {"Bici " + id}, "propulsion": {"human"}, "pricing_plan_id": {"standard"}}
				}, func() int {
					vs, err := b.svc.VehicleTypes(ctx, identity.System())
					if err != nil {
						t.Fatal(err)
					}
					return len(vs)
				}},
				{"/admin/bikes/fleet", "b-001", "b-002", func(id string) url.Values {
					return url.Values{"id": {id}, "vehicle_type_id": {"city"}, "active": {"1"}}
				}, func() int {
					bs, err := b.svc.Bikes(ctx, identity.System())
					if err != nil {
						t.Fatal(err)
					}
					return len(bs)
				}},
			} {
				_, body := admin.Get(k.base + "/new")
				m := stationFormKey.FindStringSubmatch(body)
				if m == nil {
					t.Fatalf("the new form of %s has no key:\n%s", k.base, body)
				}
				csrf, key := admin.CSRF(k.base+"/new"), m[1]
				send := func(key, id string) (*http.Response, string) {
					f := k.form(id)
					f.Set("csrf_token", csrf)
					f.Set("key", key)
					return admin.Post(k.base, f)
				}
				saved := k.base + "?saved=" + k.first
				for try := range 2 {
					if res, body := send(key, k.first); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != saved {
						t.Fatalf("%s, send %d: %d to %q, want 303 to %s\n%s", k.base, try+1, res.StatusCode, res.Header.Get("Location"), saved, body)
					}
				}
				if n := k.count(); n != 1 {
					t.Fatalf("%s: %d objects after the form sent twice, want 1", k.base, n)
				}
				if k.base == "/admin/bikes/pricing-plans" {
					// A plan's fare segments are part of what its key was
					// sent with: the same code with another rate is another
					// request, not a repeat of the first.
					f := k.form(k.first)
					f.Set("seg_rate_0", "0,35")
					f.Set("csrf_token", csrf)
					f.Set("key", key)
					res, body := admin.Post(k.base, f)
					if res.StatusCode != http.StatusConflict || !strings.Contains(body, `value="0,35"`) {
						t.Fatalf("the plan sent again with another segment: %d\n%s", res.StatusCode, body)
					}
				}
				res, body := send(key, k.second)
				fresh := stationFormKey.FindStringSubmatch(body)
				if res.StatusCode != http.StatusConflict || !strings.Contains(body, "Questo modulo era già stato inviato ed è stato salvato") ||
					!strings.Contains(body, `name="id" value="`+k.second+`"`) || fresh == nil || fresh[1] == key {
					t.Fatalf("%s sent again with another code: %d\n%s", k.base, res.StatusCode, body)
				}
				if n := k.count(); n != 1 {
					t.Fatalf("%s: the same key with another code made an object", k.base)
				}
				if res, body := send(fresh[1], k.second); res.StatusCode != http.StatusSeeOther || k.count() != 2 {
					t.Fatalf("%s under its fresh key: %d\n%s", k.base, res.StatusCode, body)
				}
			}
		})
	}
}
