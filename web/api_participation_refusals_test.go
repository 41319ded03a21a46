package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store/storetest"
)

// cityCitizen is an account that holds both citizen and city_admin, the
// only one that may set a proposal's own threshold; it returns its bearer.
func (env *testEnv) cityCitizen(t testing.TB) string {
	t.Helper()
	n := testAccountSeq.Add(1)
	email := "city-citizen-" + strconv.FormatInt(n, 10) + "@example.org"
	root := identity.Caller{AccountID: "acc_test_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	if _, err := env.Identity.CreateAccount(context.Background(), root, identity.NewAccount{Email: email, Password: testPassword,
		Name: "City citizen", Locale: "it", Grants: []identity.Grant{{Role: identity.RoleCitizen}, {Role: identity.RoleAdmin}}}); err != nil {
		t.Fatal(err)
	}
	tokens, err := env.Identity.Login(context.Background(), email, testPassword, "")
	if err != nil {
		t.Fatal(err)
	}
	return "Bearer " + tokens.AccessToken
}

// A proposal's comments are read DefaultCommentPage at a time unless the
// caller asks for another size, and a size outside 1 to MaxCommentPage is
// refused with those bounds in its words, whatever its size.
func TestParticipationCommentPageBounds(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation)
			cit := env.login(t, identity.RoleCitizen)
			res := env.do(t, "POST", "/api/v1/proposals", cit, `{"title":"More benches","body":"Benches along the river walk, please."}`)
			if res.Code != http.StatusCreated {
				t.Fatalf("create proposal: %d %s", res.Code, res.Body)
			}
			var p participation.PublicProposal
			decodeInto(t, res, &p)
			for i := range participation.DefaultCommentPage + 1 {
				if res := env.do(t, "POST", "/api/v1/proposals/"+p.ID+"/comments", cit, fmt.Sprintf(`{"body":"Comment %d"}`, i)); res.Code != http.StatusCreated {
					t.Fatalf("comment %d: %d %s", i, res.Code, res.Body)
				}
			}
			var page struct {
				Comments   []participation.PublicComment
				NextCursor string `json:"next_cursor"`
			}
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/proposals/"+p.ID+"/comments", "", "")), &page)
			if len(page.Comments) != participation.DefaultCommentPage || page.NextCursor == "" {
				t.Fatalf("first page: %d comments, next %q; want %d and a cursor", len(page.Comments), page.NextCursor, participation.DefaultCommentPage)
			}
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/proposals/"+p.ID+"/comments?cursor="+page.NextCursor, "", "")), &page)
			if len(page.Comments) != 1 || page.NextCursor != "" {
				t.Fatalf("second page: %d comments, next %q; want the last one", len(page.Comments), page.NextCursor)
			}
			bounds := fmt.Sprintf("1 to %d", participation.MaxCommentPage)
			for _, limit := range []string{"0", strconv.Itoa(participation.MaxCommentPage + 1), strconv.Itoa(participation.MaxListLimit + 1), "ten"} {
				res := env.do(t, "GET", "/api/v1/proposals/"+p.ID+"/comments?limit="+limit, "", "")
				wantPartInvalid(t, "limit="+limit, res, "bad_limit")
				if pr := wantProblem(t, res, http.StatusBadRequest); !strings.Contains(pr.Detail, bounds) {
					t.Fatalf("limit=%s: %q does not say %q", limit, pr.Detail, bounds)
				}
			}
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/proposals/"+p.ID+"/comments?limit="+strconv.Itoa(participation.MaxCommentPage), "", "")), &page)
			if len(page.Comments) != participation.DefaultCommentPage+1 {
				t.Fatalf("a page of %d: %d comments", participation.MaxCommentPage, len(page.Comments))
			}
		})
	}
}

// A threshold in a proposal from anyone but a city administrator is
// refused (403 not_admin), 0 included, and nothing is made; an
// administrator who is a citizen sets one.
func TestParticipationProposalThresholdOnlyAdmin(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation)
			cit := env.login(t, identity.RoleCitizen)
			for _, th := range []string{"0", "2", "-1", "1000001"} {
				res := env.do(t, "POST", "/api/v1/proposals", cit, `{"title":"More benches","body":"Benches along the river walk, please.","threshold":`+th+`}`)
				if p := wantProblem(t, res, http.StatusForbidden); p.Reason != "not_admin" {
					t.Fatalf("threshold %s by a citizen: reason %q (%s), want not_admin", th, p.Reason, p.Detail)
				}
			}
			var page struct {
				Proposals []participation.PublicProposal
			}
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/proposals", "", "")), &page)
			if len(page.Proposals) != 0 {
				t.Fatalf("refused proposals were made: %+v", page.Proposals)
			}
			var p participation.PublicProposal
			res := env.do(t, "POST", "/api/v1/proposals", cit, `{"title":"More benches","body":"Benches along the river walk, please."}`)
			if res.Code != http.StatusCreated {
				t.Fatalf("without a threshold: %d %s", res.Code, res.Body)
			}
			if decodeInto(t, res, &p); p.Threshold != participation.DefaultSupportThreshold {
				t.Fatalf("default threshold %d", p.Threshold)
			}
			city := env.cityCitizen(t)
			res = env.do(t, "POST", "/api/v1/proposals", city, `{"title":"A city proposal","body":"The city asks what its people think.","threshold":5}`)
			if res.Code != http.StatusCreated {
				t.Fatalf("threshold by an administrator: %d %s", res.Code, res.Body)
			}
			if decodeInto(t, res, &p); p.Threshold != 5 {
				t.Fatalf("administrator's threshold %d, want 5", p.Threshold)
			}
			res = env.do(t, "POST", "/api/v1/proposals", city, `{"title":"A city proposal","body":"The city asks what its people think.","threshold":0}`)
			wantPartInvalid(t, "threshold 0 by an administrator", res, "bad_threshold")
		})
	}
}

// Flagging a hidden comment answers as for a comment that does not exist
// (404 comment_not_found) and changes nothing.
func TestParticipationHiddenCommentNotFlagged(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation)
			cit, other, admin := env.login(t, identity.RoleCitizen), env.login(t, identity.RoleCitizen), env.login(t, identity.RoleAdmin)
			res := env.do(t, "POST", "/api/v1/proposals", cit, `{"title":"More benches","body":"Benches along the river walk, please."}`)
			var p participation.PublicProposal
			decodeInto(t, res, &p)
			var cm participation.PublicComment
			decodeInto(t, env.do(t, "POST", "/api/v1/proposals/"+p.ID+"/comments", other, `{"body":"Rude words"}`), &cm)
			if res := env.do(t, "POST", "/api/v1/comments/"+cm.ID+"/flag", cit, `{"reason":"rude"}`); res.Code != http.StatusNoContent {
				t.Fatalf("flag: %d %s", res.Code, res.Body)
			}
			wantOK(t, env.do(t, "PUT", "/api/v1/admin/comments/"+cm.ID+"/state", admin, `{"state":"hidden"}`))
			missing := wantProblem(t, env.do(t, "POST", "/api/v1/comments/cmt_nope/flag", other, `{"reason":"rude"}`), http.StatusNotFound)
			for _, who := range []string{cit, other} {
				got := wantProblem(t, env.do(t, "POST", "/api/v1/comments/"+cm.ID+"/flag", who, `{"reason":"rude"}`), http.StatusNotFound)
				if got.Reason != missing.Reason || got.Detail != missing.Detail {
					t.Fatalf("hidden comment refused as %+v, a missing one as %+v", got, missing)
				}
			}
			var st participation.Comment
			if err := env.DB.Participation().View(context.Background(), func(tx participation.Tx) error {
				var err error
				st, err = tx.Comment(context.Background(), cm.ID)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if st.State != participation.CommentHidden || st.FlagCount != 1 {
				t.Fatalf("hidden comment after flags: %s with %d flags, want hidden with 1", st.State, st.FlagCount)
			}
		})
	}
}

// Staff of another office asking for an office's queue are refused in
// words about the queue, not about a report.
func TestParticipationQueueOfAnotherOffice(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	staff := env.login(t, identity.RoleCityStaff)
	p := wantProblem(t, env.do(t, "GET", "/api/v1/staff/queue?office=parks", staff, ""), http.StatusForbidden)
	if p.Reason != "not_your_office" || !strings.Contains(p.Detail, "queue") || strings.Contains(p.Detail, "report") {
		t.Fatalf("queue of another office: %+v", p)
	}
}

// The API refuses a proposal's author supporting it (403 own_proposal)
// and a comment's author flagging it (403 own_comment), in problem+json.
func TestParticipationOwnSupportAndFlagRefused(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	cit, other := env.login(t, identity.RoleCitizen), env.login(t, identity.RoleCitizen)
	var p participation.PublicProposal
	decodeInto(t, env.do(t, "POST", "/api/v1/proposals", cit, `{"title":"More benches","body":"Benches along the river walk, please."}`), &p)
	if got := wantProblem(t, env.do(t, "POST", "/api/v1/proposals/"+p.ID+"/support", cit, ""), http.StatusForbidden); got.Reason != "own_proposal" {
		t.Fatalf("the author supports: %+v", got)
	}
	var cm participation.PublicComment
	decodeInto(t, env.do(t, "POST", "/api/v1/proposals/"+p.ID+"/comments", other, `{"body":"Near the bridge too"}`), &cm)
	if got := wantProblem(t, env.do(t, "POST", "/api/v1/comments/"+cm.ID+"/flag", other, `{"reason":""}`), http.StatusForbidden); got.Reason != "own_comment" {
		t.Fatalf("the author flags: %+v", got)
	}
}
