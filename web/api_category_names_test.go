package web

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// A city administrator names a venue's seat categories through the API,
// in Italian and English, and the performance's seat map gives those
// names where it gave the hub's words; a category left unnamed keeps the
// hub's words. A name too long or in one language only is refused with
// its reason, as is anyone who does not manage venues, and nothing
// changes.
func TestAPIVenueNamesItsCategories(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, v, p, admin := ticketingEnv(t, engine) // stalls, balcony
			path := "/api/v1/admin/venues/" + v.ID + "/categories"
			var got struct{ Categories []ticketing.Category }
			defaults := []ticketing.Category{{Code: "stalls", NameIT: "Platea", NameEN: "Stalls"}, {Code: "balcony", NameIT: "Balconata", NameEN: "Balcony"}}
			decodeInto(t, mustStatus(t, env.do(t, "GET", path, admin, ""), http.StatusOK), &got)
			if !reflect.DeepEqual(got.Categories, defaults) {
				t.Fatalf("before any name: %+v", got.Categories)
			}
			long := strings.Repeat("x", ticketing.MaxCategoryName+1)
			for _, tc := range []struct {
				name, auth, body string
				status           int
				reason           string
			}{
				{"citizen", env.login(t, identity.RoleCitizen), `{"categories":[{"code":"stalls","name_it":"Poltronissima","name_en":"Premium stalls"}]}`, http.StatusForbidden, "not_admin"},
				{"door staff", env.login(t, identity.RoleDoor, v.ID), `{"categories":[{"code":"stalls","name_it":"Poltronissima","name_en":"Premium stalls"}]}`, http.StatusForbidden, "not_admin"},
				{"italian too long", admin, `{"categories":[{"code":"stalls","name_it":"` + long + `","name_en":"Premium stalls"}]}`, http.StatusBadRequest, "invalid_category_name_it"},
				{"english too long", admin, `{"categories":[{"code":"stalls","name_it":"Poltronissima","name_en":"` + long + `"}]}`, http.StatusBadRequest, "invalid_category_name_en"},
				{"english missing", admin, `{"categories":[{"code":"stalls","name_it":"Poltronissima","name_en":""}]}`, http.StatusBadRequest, "category_name_missing"},
				{"unknown code", admin, `{"categories":[{"code":"loggione","name_it":"Loggione","name_en":"Gods"}]}`, http.StatusBadRequest, "unknown_category"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if pr := wantProblem(t, env.do(t, "PUT", path, tc.auth, tc.body), tc.status); pr.Reason != tc.reason {
						t.Fatalf("reason %q, want %q", pr.Reason, tc.reason)
					}
					decodeInto(t, mustStatus(t, env.do(t, "GET", path, admin, ""), http.StatusOK), &got)
					if !reflect.DeepEqual(got.Categories, defaults) {
						t.Fatalf("changed by a refused request: %+v", got.Categories)
					}
				})
			}

			named := []ticketing.Category{{Code: "stalls", NameIT: "Poltronissima", NameEN: "Premium stalls", Named: true}, defaults[1]}
			decodeInto(t, mustStatus(t, env.do(t, "PUT", path, admin, `{"categories":[{"code":"stalls","name_it":"Poltronissima","name_en":"Premium stalls"}]}`), http.StatusOK), &got)
			if !reflect.DeepEqual(got.Categories, named) {
				t.Fatalf("named: %+v", got.Categories)
			}
			// A body that names no list is no list: it is refused, not
			// taken as every category back to the hub's words; so is a
			// list of another shape.
			for _, tc := range []struct{ body, reason string }{
				{`{}`, "missing_field"},
				{`{"categories":null}`, "missing_field"},
				{`{"categories":{"stalls":"Poltronissima"}}`, "wrong_type"},
				{`{"categories":[{"code":1}]}`, "wrong_type"},
			} {
				if pr := wantProblem(t, env.do(t, "PUT", path, admin, tc.body), http.StatusBadRequest); pr.Reason != tc.reason {
					t.Fatalf("%s: reason %q, want %q", tc.body, pr.Reason, tc.reason)
				}
				decodeInto(t, mustStatus(t, env.do(t, "GET", path, admin, ""), http.StatusOK), &got)
				if !reflect.DeepEqual(got.Categories, named) {
					t.Fatalf("%s changed the names: %+v", tc.body, got.Categories)
				}
			}
			var av ticketing.Availability
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/performances/"+p.ID+"/seats", "", ""), http.StatusOK), &av)
			named[0].PriceCents, named[1].PriceCents = 2500, 1500
			if !reflect.DeepEqual(av.Categories, named) || av.Seats[0].Category != "stalls" {
				t.Fatalf("the seat map's categories %+v, first seat's %q", av.Categories, av.Seats[0].Category)
			}
		})
	}
}
