package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store/storetest"
)

// wantPartInvalid checks that rec is a 400 problem with reason.
func wantPartInvalid(t testing.TB, what string, rec *httptest.ResponseRecorder, reason string) {
	t.Helper()
	if p := wantProblem(t, rec, http.StatusBadRequest); p.Reason != reason {
		t.Fatalf("%s: reason %q, want %q (%s)", what, p.Reason, reason, p.Detail)
	}
}

// createReportAPI makes a report through the API and returns it.
func createReportAPI(t testing.TB, env *testEnv, auth, body string) participation.Report {
	t.Helper()
	res := env.do(t, "POST", "/api/v1/reports", auth, body)
	if res.Code != http.StatusCreated {
		t.Fatalf("create report: %d %s", res.Code, res.Body)
	}
	var r participation.Report
	decodeInto(t, res, &r)
	return r
}

const partPotholeJSON = `{"category":"pothole","located":true,"lat":41.1307,"lon":14.776,"description":"A deep hole in the road"}`

// Another citizen reopening a fixed report is answered exactly as for a
// report that does not exist (404, report_not_found), as the reopen
// operation documents, and the report stays fixed.
func TestParticipationReopenByAnotherIsNotFound(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation)
			owner, other := env.login(t, identity.RoleCitizen), env.login(t, identity.RoleCitizen)
			staff := env.login(t, identity.RoleCityStaff)
			rep := createReportAPI(t, env, owner, partPotholeJSON)
			wantOK(t, env.do(t, "PUT", "/api/v1/staff/reports/"+rep.ID+"/status", staff, `{"status":"fixed","note":"Filled."}`))

			missing := wantProblem(t, env.do(t, "POST", "/api/v1/reports/rep_nope/reopen", other, `{"reason":"still broken"}`), http.StatusNotFound)
			for _, who := range []struct{ name, auth string }{{"another citizen", other}, {"staff", staff}} {
				p := wantProblem(t, env.do(t, "POST", "/api/v1/reports/"+rep.ID+"/reopen", who.auth, `{"reason":"still broken"}`), http.StatusNotFound)
				if p.Reason != "report_not_found" || p.Reason != missing.Reason || p.Detail != missing.Detail {
					t.Fatalf("%s reopens: %+v, want the answer for a missing report %+v", who.name, p, missing)
				}
			}
			var after participation.PublicReport
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/reports/"+rep.ID, "", "")), &after)
			if after.Status != participation.StatusFixed {
				t.Fatalf("status %q after refused reopenings, want fixed", after.Status)
			}
			wantOK(t, env.do(t, "POST", "/api/v1/reports/"+rep.ID+"/reopen", owner, `{"reason":"still broken"}`))
		})
	}
}

// A body without a field its schema requires is 400 missing_field and
// changes nothing, rather than taking the field's zero value (unfollow,
// show again, flag without a reason, merge into no report).
func TestParticipationRequiredFields(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation)
			author, cit := env.account(t, identity.RoleCitizen)
			other := env.login(t, identity.RoleCitizen)
			staff, admin := env.login(t, identity.RoleCityStaff), env.login(t, identity.RoleAdmin)
			ctx := context.Background()
			svc := env.Deps.Participation.Service

			// Follow: the author follows their proposal and still does.
			res := env.do(t, "POST", "/api/v1/proposals", cit, `{"title":"More benches","body":"Benches along the river walk, please."}`)
			if res.Code != http.StatusCreated {
				t.Fatalf("create proposal: %d %s", res.Code, res.Body)
			}
			var p participation.PublicProposal
			decodeInto(t, res, &p)
			for _, body := range []string{`{}`, `{"follow":null}`} {
				wantPartInvalid(t, "follow "+body, env.do(t, "PUT", "/api/v1/proposals/"+p.ID+"/follow", cit, body), "missing_field")
			}
			if ok, err := svc.Following(ctx, identity.Caller{AccountID: author.ID}, p.ID); err != nil || !ok {
				t.Fatalf("the author follows = %v, %v after refused bodies; want true", ok, err)
			}
			if got := wantOK(t, env.do(t, "PUT", "/api/v1/proposals/"+p.ID+"/follow", cit, `{"follow":false}`)).Body.String(); got != "{\"follow\":false}\n" {
				t.Fatalf("unfollow answered %s", got)
			}

			// Flag: no flag is recorded without a reason field; an empty
			// reason is still a reason.
			var cm participation.PublicComment
			res = env.do(t, "POST", "/api/v1/proposals/"+p.ID+"/comments", other, `{"body":"Yes, near the bridge too."}`)
			if res.Code != http.StatusCreated {
				t.Fatalf("comment: %d %s", res.Code, res.Body)
			}
			decodeInto(t, res, &cm)
			wantPartInvalid(t, "flag {}", env.do(t, "POST", "/api/v1/comments/"+cm.ID+"/flag", cit, `{}`), "missing_field")
			var flagged struct{ Comments []participation.Comment }
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/admin/comments/flagged", admin, "")), &flagged)
			if len(flagged.Comments) != 0 {
				t.Fatalf("flagged after a refused flag: %+v", flagged.Comments)
			}
			if res := env.do(t, "POST", "/api/v1/comments/"+cm.ID+"/flag", cit, `{"reason":""}`); res.Code != http.StatusNoContent {
				t.Fatalf("flag with an empty reason: %d %s", res.Code, res.Body)
			}
			// The queue gives the moderator each flag's reason, without
			// who flagged.
			flagger, fl := env.account(t, identity.RoleCitizen)
			if res := env.do(t, "POST", "/api/v1/comments/"+cm.ID+"/flag", fl, `{"reason":"Off topic"}`); res.Code != http.StatusNoContent {
				t.Fatalf("flag with a reason: %d %s", res.Code, res.Body)
			}
			res = wantOK(t, env.do(t, "GET", "/api/v1/admin/comments/flagged", admin, ""))
			if strings.Contains(res.Body.String(), flagger.ID) || strings.Contains(res.Body.String(), author.ID) {
				t.Fatalf("the queue names a flagger: %s", res.Body)
			}
			decodeInto(t, res, &flagged)
			if len(flagged.Comments) != 1 || len(flagged.Comments[0].Flags) != 2 ||
				flagged.Comments[0].Flags[0].Reason != "" || flagged.Comments[0].Flags[1].Reason != "Off topic" {
				t.Fatalf("the queue: %+v; want the comment with its two flags' reasons, oldest first", flagged.Comments)
			}
			wantPartInvalid(t, "reopen {}", env.do(t, "POST", "/api/v1/reports/rep_nope/reopen", cit, `{}`), "missing_field")

			// Merge and redact: the report stays as it was.
			rep := createReportAPI(t, env, cit, partPotholeJSON)
			dup := createReportAPI(t, env, other, partPotholeJSON)
			wantOK(t, env.do(t, "PUT", "/api/v1/staff/reports/"+rep.ID+"/redacted", staff, `{"redacted":true}`))
			wantPartInvalid(t, "merge {}", env.do(t, "POST", "/api/v1/staff/reports/"+dup.ID+"/merge", staff, `{}`), "missing_field")
			wantPartInvalid(t, "merge into nothing", env.do(t, "POST", "/api/v1/staff/reports/"+dup.ID+"/merge", staff, `{"into":""}`), "missing_field")
			wantPartInvalid(t, "redact {}", env.do(t, "PUT", "/api/v1/staff/reports/"+rep.ID+"/redacted", staff, `{}`), "missing_field")
			// Someone the operation is not for is refused whatever they sent.
			for _, c := range []struct{ method, path, auth string }{
				{"POST", "/api/v1/staff/reports/" + dup.ID + "/merge", cit},
				{"PUT", "/api/v1/staff/reports/" + rep.ID + "/redacted", cit},
				{"POST", "/api/v1/comments/" + cm.ID + "/flag", staff},
			} {
				wantProblem(t, env.do(t, c.method, c.path, c.auth, `{}`), http.StatusForbidden)
			}
			var v participation.ReportView
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/reports/"+dup.ID+"/details", staff, "")), &v)
			if v.Report.Status != participation.StatusOpen || len(v.Changes) != 1 {
				t.Fatalf("report after refused merges: %+v, %d changes", v.Report, len(v.Changes))
			}
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/reports/"+rep.ID+"/details", staff, "")), &v)
			if !v.Report.Redacted {
				t.Fatal("a refused redact body showed the report again")
			}
		})
	}
}

// A multipart report's booleans are "true" or "false": anything else is
// 400 wrong_type and makes no report.
func TestParticipationMultipartBooleans(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation)
			_, cit := env.account(t, identity.RoleCitizen)
			form := func(field, value string) map[string]string {
				f := map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776", "description": "A deep hole by the bus stop"}
				f[field] = value
				return f
			}
			for _, field := range []string{"public_name", "located"} {
				for _, value := range []string{"1", "maybe", "TRUE", "", " true"} {
					wantPartInvalid(t, field+"="+value, env.doMultipart(t, "/api/v1/reports", cit, form(field, value)), "wrong_type")
				}
			}
			if mine := wantOK(t, env.do(t, "GET", "/api/v1/me/reports", cit, "")).Body.String(); mine != "{\"next_cursor\":\"\",\"reports\":[]}\n" {
				t.Fatalf("reports after refused forms: %s", mine)
			}
			for _, value := range []string{"true", "false"} {
				res := env.doMultipart(t, "/api/v1/reports", cit, form("public_name", value))
				if res.Code != http.StatusCreated {
					t.Fatalf("public_name=%s: %d %s", value, res.Code, res.Body)
				}
				var r participation.Report
				decodeInto(t, res, &r)
				if want := value == "true"; r.PublicName != want || !r.Located {
					t.Fatalf("public_name=%s: report %+v", value, r)
				}
			}
		})
	}
}

// A page cursor that names no item of the list is 400 bad_cursor, as the
// wallet's history answers, and so is one the list never gave the caller
// (another citizen's report in one's own, another office's in a queue),
// and an unknown contrada, like an unknown category; a cursor the list gave
// still pages.
func TestParticipationListCursorsAndFilters(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation)
			cit, other := env.login(t, identity.RoleCitizen), env.login(t, identity.RoleCitizen)
			admin := env.login(t, identity.RoleAdmin)
			staff := env.login(t, identity.RoleCityStaff, "roads")
			parks := env.login(t, identity.RoleCityStaff, "parks")
			first := createReportAPI(t, env, cit, partPotholeJSON)
			createReportAPI(t, env, cit, partPotholeJSON)
			var p, p2 participation.PublicProposal
			for _, dst := range []*participation.PublicProposal{&p, &p2} {
				res := env.do(t, "POST", "/api/v1/proposals", cit, `{"title":"More benches","body":"Benches along the river walk, please."}`)
				if res.Code != http.StatusCreated {
					t.Fatalf("create proposal: %d %s", res.Code, res.Body)
				}
				decodeInto(t, res, dst)
			}
			var comments [2]participation.PublicComment
			for i, pp := range []participation.PublicProposal{p, p2} {
				res := env.do(t, "POST", "/api/v1/proposals/"+pp.ID+"/comments", other, `{"body":"Yes, near the bridge too."}`)
				if res.Code != http.StatusCreated {
					t.Fatalf("comment: %d %s", res.Code, res.Body)
				}
				decodeInto(t, res, &comments[i])
			}

			for _, c := range []struct{ path, auth string }{
				{"/api/v1/reports?cursor=garbage", ""},
				{"/api/v1/reports?cursor=" + p.ID, ""},
				{"/api/v1/me/reports?cursor=garbage", cit},
				// Another's report is no place in one's own reports, a roads
				// report none in the parks office's queue.
				{"/api/v1/me/reports?cursor=" + first.ID, other},
				{"/api/v1/staff/queue?cursor=" + first.ID, parks},
				{"/api/v1/proposals?cursor=garbage", ""},
				{"/api/v1/proposals?cursor=" + first.ID, ""},
				{"/api/v1/proposals/" + p.ID + "/comments?cursor=garbage", ""},
				// A comment of another proposal is no place in this one's list.
				{"/api/v1/proposals/" + p.ID + "/comments?cursor=" + comments[1].ID, ""},
				{"/api/v1/admin/proposals/awaiting?cursor=garbage", admin},
				{"/api/v1/admin/comments/hidden?cursor=garbage", admin},
				{"/api/v1/admin/comments/flagged?cursor=garbage", admin},
				{"/api/v1/staff/photos?cursor=garbage", staff},
			} {
				wantPartInvalid(t, c.path, env.do(t, "GET", c.path, c.auth, ""), "bad_cursor")
			}
			for _, path := range []string{"/api/v1/admin/comments/flagged?limit=0", fmt.Sprintf("/api/v1/admin/comments/flagged?limit=%d", participation.MaxListLimit+1)} {
				wantPartInvalid(t, path, env.do(t, "GET", path, admin, ""), "bad_limit")
			}
			wantPartInvalid(t, "contrada=bogus", env.do(t, "GET", "/api/v1/reports?contrada=bogus", "", ""), "unknown_contrada")

			// Cursors the lists gave, and a known contrada, still work.
			var page struct {
				Reports    []participation.PublicReport
				NextCursor string `json:"next_cursor"`
			}
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/reports?limit=1", "", "")), &page)
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/reports?limit=1&cursor="+page.NextCursor, "", "")), &page)
			if len(page.Reports) != 1 || page.Reports[0].ID != first.ID {
				t.Fatalf("second page of reports %+v, want the first report", page.Reports)
			}
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/reports?contrada=centro-storico", "", "")), &page)
			if len(page.Reports) != 2 {
				t.Fatalf("%d reports in the centro storico, want 2", len(page.Reports))
			}
			var props struct {
				Proposals []participation.PublicProposal
			}
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/proposals?cursor="+p2.ID, "", "")), &props)
			if len(props.Proposals) != 1 || props.Proposals[0].ID != p.ID {
				t.Fatalf("proposals after the newest %+v, want the first", props.Proposals)
			}
			var cs struct{ Comments []participation.PublicComment }
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/proposals/"+p.ID+"/comments?cursor="+comments[0].ID, "", "")), &cs)
			if len(cs.Comments) != 0 {
				t.Fatalf("comments after the last %+v, want none", cs.Comments)
			}
			wantOK(t, env.do(t, "GET", "/api/v1/me/reports?cursor="+first.ID, cit, ""))
			// A proposal short of its threshold was never in the awaiting
			// list (api_awaiting_cursor_test.go pages it with one that was).
			wantPartInvalid(t, "awaiting?cursor=", env.do(t, "GET", "/api/v1/admin/proposals/awaiting?cursor="+p.ID, admin, ""), "bad_cursor")
		})
	}
}
