package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/store/storetest"
)

// created_at and updated_at of StationInput, BikeInput, VehicleTypeInput
// and PricingPlanInput are readOnly: the hub sets them and ignores what a
// body says there. A client that sends an object back as it read it, or
// any JSON value in them (a number, a word, null, an object, a number too
// large for a float), is not refused for them on create or replace, and
// the object keeps the hub's times. The rules every body keeps still hold
// inside them: a NUL in a string is 400 invalid_text, a key given twice
// 400 duplicate_field, and nothing changes.
func TestMobilityInputTimesAreIgnored(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withMobilityCatalogue)
			admin := env.login(t, identity.RoleAdmin)
			const base = "/api/v1/admin/mobility/"
			const sent = "2001-02-03T04:05:06Z"
			values := []string{`5`, `"yesterday"`, `null`, `true`, `{"a":[1,"x"]}`, `[]`, `1e400`, `-0.5`, `"` + sent + `"`}
			// In the order the catalogue refers to them: a vehicle type
			// names plan p0, a bike type v0.
			kinds := []struct {
				path, prefix, body string
				created            bool // the kind has created_at too
			}{
				{"pricing-plans", "p", `"name_it":"A","unlock_cents":50`, false},
				{"vehicle-types", "v", `"name_it":"A","propulsion":"human","pricing_plan_id":"p0"`, false},
				{"bikes", "b", `"vehicle_type_id":"v0","active":true`, false},
				{"stations", "s", `"name_it":"A","lat":41.13,"lon":14.78,"capacity":4,"open":true`, true},
			}
			hubs := func(t *testing.T, what string, rec *httptest.ResponseRecorder, created bool) {
				t.Helper()
				var got struct {
					CreatedAt time.Time `json:"created_at"`
					UpdatedAt time.Time `json:"updated_at"`
				}
				decodeInto(t, rec, &got)
				if got.UpdatedAt.IsZero() || got.UpdatedAt.Format(time.RFC3339) == sent {
					t.Errorf("%s: updated_at %v, want the hub's", what, got.UpdatedAt)
				}
				if created && (got.CreatedAt.IsZero() || got.CreatedAt.Format(time.RFC3339) == sent) {
					t.Errorf("%s: created_at %v, want the hub's", what, got.CreatedAt)
				}
			}
			for _, k := range kinds {
				path := base + k.path
				for i, val := range values {
					id := fmt.Sprintf("%s%d", k.prefix, i)
					stamps := `"updated_at":` + val
					if k.created {
						stamps += `,"created_at":` + val
					}
					post := `{"id":"` + id + `",` + k.body + `,` + stamps + `}`
					rec := env.do(t, "POST", path, admin, post)
					if rec.Code != http.StatusCreated {
						t.Fatalf("POST %s %s: %d %s", path, post, rec.Code, rec.Body.String())
					}
					hubs(t, "POST "+path+" "+post, rec, k.created)
					put := `{` + k.body + `,` + stamps + `}`
					rec = env.do(t, "PUT", path+"/"+id, admin, put)
					if rec.Code != http.StatusOK {
						t.Fatalf("PUT %s/%s %s: %d %s", path, id, put, rec.Code, rec.Body.String())
					}
					hubs(t, "PUT "+path+"/"+id+" "+put, rec, k.created)
				}

				// An object sent back as it was read is taken.
				read := env.do(t, "GET", path+"/"+k.prefix+"0", admin, "")
				wantStatus(t, read, http.StatusOK)
				wantStatus(t, env.do(t, "PUT", path+"/"+k.prefix+"0", admin, read.Body.String()), http.StatusOK)

				// The general rules hold inside the ignored members.
				before := env.do(t, "GET", path+"/"+k.prefix+"0", admin, "").Body.String()
				for _, c := range []struct{ stamps, reason string }{
					{`"updated_at":"a\u0000b"`, "invalid_text"},
					{`"updated_at":{"note":["\u0000"]}`, "invalid_text"},
					{`"updated_at":1,"updated_at":2`, "duplicate_field"},
					{`"updated_at":{"a":1,"a":2}`, "duplicate_field"},
				} {
					body := `{` + k.body + `,` + c.stamps + `}`
					p := wantProblem(t, env.do(t, "PUT", path+"/"+k.prefix+"0", admin, body), http.StatusBadRequest)
					if p.Reason != c.reason {
						t.Errorf("PUT %s/%s0 %s: reason %q, want %s", path, k.prefix, body, p.Reason, c.reason)
					}
				}
				if got := env.do(t, "GET", path+"/"+k.prefix+"0", admin, "").Body.String(); got != before {
					t.Errorf("a refused PUT of %s changed it:\n got %s\nwant %s", path, got, before)
				}
			}
			// A bike has no created_at: the member is unknown there.
			p := wantProblem(t, env.do(t, "PUT", base+"bikes/b0", admin, `{"vehicle_type_id":"v0","active":true,"created_at":5}`), http.StatusBadRequest)
			if p.Reason != "unknown_field" {
				t.Errorf("a bike's created_at: reason %q, want unknown_field", p.Reason)
			}
		})
	}
}
