package web

import (
	"net/http"
	"net/url"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// A citizen's orders are paged: GET /api/v1/ticket-orders gives 50 a page
// (?limit= up to 200) with next_cursor while an older one follows, and the
// pages hold all 205 orders of a citizen who held seats and gave them up
// that often, where the list stopped at 200, silently. The data download
// (GET /api/v1/me/data) holds all 205 too. A cursor that is none of the
// caller's orders and a page size out of bounds are 400.
func TestTicketOrdersArePaged(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			env, _, p, _ := ticketingEnv(t, engine)
			anna, bearer := env.account(t, identity.RoleCitizen)
			bruno, _ := env.account(t, identity.RoleCitizen)
			hold := func(id string) string {
				t.Helper()
				c := identity.Caller{AccountID: id, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
				o, err := env.Deps.Ticketing.Hold(t.Context(), c, p.ID, []string{"Platea/A/1"})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := env.Deps.Ticketing.ReleaseHold(t.Context(), c, o.ID); err != nil {
					t.Fatal(err)
				}
				return o.ID
			}
			const made = 205
			for range made {
				hold(anna.ID)
			}
			brunos := hold(bruno.ID)

			type page struct {
				Orders []ticketing.Order `json:"orders"`
				Next   *string           `json:"next_cursor"`
			}
			var first page
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/ticket-orders", bearer, ""), http.StatusOK), &first)
			if len(first.Orders) != 50 || first.Next == nil || *first.Next != first.Orders[49].ID {
				t.Fatalf("first page: %d orders, next %v", len(first.Orders), first.Next)
			}
			seen := map[string]bool{}
			q := url.Values{"limit": {"100"}}
			for pages := 1; ; pages++ {
				var pg page
				decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/ticket-orders?"+q.Encode(), bearer, ""), http.StatusOK), &pg)
				for _, o := range pg.Orders {
					if o.AccountID != anna.ID || seen[o.ID] {
						t.Fatalf("page %d: order %s of %s, seen before: %v", pages, o.ID, o.AccountID, seen[o.ID])
					}
					seen[o.ID] = true
				}
				if pg.Next == nil {
					break
				}
				if pages > made {
					t.Fatal("more pages than orders")
				}
				q.Set("cursor", *pg.Next)
			}
			if len(seen) != made {
				t.Fatalf("the pages hold %d orders, want %d", len(seen), made)
			}

			for _, c := range []struct{ query, reason string }{
				{"limit=0", "bad_limit"},
				{"limit=201", "bad_limit"},
				{"limit=many", "bad_limit"},
				{"cursor=tord_nope", "bad_cursor"},
				{"cursor=" + brunos, "bad_cursor"},
			} {
				if p := wantProblem(t, env.do(t, "GET", "/api/v1/ticket-orders?"+c.query, bearer, ""), http.StatusBadRequest); p.Reason != c.reason {
					t.Errorf("?%s: reason %q, want %s", c.query, p.Reason, c.reason)
				}
			}

			var data struct {
				TheatreOrders []ticketing.Order `json:"theatre_orders"`
			}
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/me/data", bearer, ""), http.StatusOK), &data)
			if len(data.TheatreOrders) != made {
				t.Fatalf("the data download holds %d orders, want %d", len(data.TheatreOrders), made)
			}
		})
	}
}
