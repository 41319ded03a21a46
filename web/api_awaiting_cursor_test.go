package web

import (
	"net/http"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store/storetest"
)

// The proposals awaiting an answer refuse, 400 bad_cursor, a cursor naming
// a proposal that never reached its threshold, which the list never gave,
// where it paged the list from where that proposal stood; one the list
// gave still pages once answered.
func TestAwaitingProposalsRefuseACursorTheyNeverGave(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			_, env := newTestServer(t, engine, withParticipation)
			svc, ctx := env.Deps.Participation.Service, t.Context()
			authorAcc, _ := env.account(t, identity.RoleCitizen)
			supporterAcc, _ := env.account(t, identity.RoleCitizen)
			adminAcc, bearer := env.account(t, identity.RoleAdmin)
			// The city proposes with its own threshold: an administrator
			// who is also a citizen.
			city := identity.Caller{AccountID: authorAcc.ID, Name: authorAcc.Name, Grants: []identity.Grant{{Role: identity.RoleCitizen}, {Role: identity.RoleAdmin}}}
			supporter := identity.Caller{AccountID: supporterAcc.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
			admin := identity.Caller{AccountID: adminAcc.ID, Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
			one := 1
			made := func(supported bool) string {
				t.Helper()
				p, err := svc.CreateProposal(ctx, city, participation.NewProposal{Title: "Benches by the river", Body: "Benches along the river walk, please.", Threshold: &one})
				if err != nil {
					t.Fatal(err)
				}
				if supported {
					if _, _, err := svc.Support(ctx, supporter, p.ID); err != nil {
						t.Fatal(err)
					}
				}
				return p.ID
			}
			answered, collecting, waiting := made(true), made(false), made(true)
			if _, err := svc.Answer(ctx, admin, answered, "We will see to it."); err != nil {
				t.Fatal(err)
			}

			var page struct{ Proposals []participation.Proposal }
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/admin/proposals/awaiting?cursor="+answered, bearer, "")), &page)
			if len(page.Proposals) != 1 || page.Proposals[0].ID != waiting {
				t.Errorf("awaiting an answer after one answered since: %+v, want %s alone", page.Proposals, waiting)
			}
			rec := env.do(t, "GET", "/api/v1/admin/proposals/awaiting?cursor="+collecting, bearer, "")
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("awaiting an answer after one still collecting supports: %d, want 400 bad_cursor: %s", rec.Code, rec.Body)
			}
			if p := wantProblem(t, rec, http.StatusBadRequest); p.Reason != "bad_cursor" {
				t.Errorf("reason %q, want bad_cursor", p.Reason)
			}
		})
	}
}
