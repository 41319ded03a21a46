package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mail"
	"cityhub/participation"
	"cityhub/store/storetest"
	"cityhub/web/httpx"
)

// withParticipation switches participation on: reports, triage, proposals,
// their open data and Open311, with e-mails into the outbox.
func withParticipation(env *testEnv, d *Deps) {
	svc, err := participation.NewService(env.DB.Participation(), participation.Settings{APIKeyCost: identity.FastArgon2}, d.Log)
	if err != nil {
		panic(err)
	}
	c, err := mail.NewComposer(testIssuer)
	if err != nil {
		panic(err)
	}
	svc.SendMail(c)
	d.Participation = Participation{Service: svc}
}

func init() {
	authzConfigure = append(authzConfigure, withParticipation)
	const (
		report   = `{"category":"pothole","located":true,"lat":41.1307,"lon":14.776,"description":"A deep hole in the road"}`
		proposal = `{"title":"More benches","body":"Benches along the river walk, please."}`
	)
	anon, cit, mer, door, op, adm, staff := identity.Role(""), identity.RoleCitizen, identity.RoleMerchant, identity.RoleDoor, identity.RoleOperator, identity.RoleAdmin, identity.RoleCityStaff
	all := []identity.Role{anon, cit, mer, door, op, adm, staff}
	for _, role := range all {
		// by picks the status of role from the roles that may.
		by := func(ok int, may ...identity.Role) int {
			if role == anon {
				return http.StatusUnauthorized
			}
			for _, m := range may {
				if m == role {
					return ok
				}
			}
			return http.StatusForbidden
		}
		signedIn := func(ok int) int {
			if role == anon {
				return http.StatusUnauthorized
			}
			return ok
		}
		authzCases = append(authzCases,
			// Public reads.
			authzCase{"GET", "/api/v1/reports", role, "", http.StatusOK},
			authzCase{"GET", "/api/v1/reports/rep_nope", role, "", http.StatusNotFound},
			authzCase{"GET", "/api/v1/proposals", role, "", http.StatusOK},
			authzCase{"GET", "/api/v1/proposals/prp_nope", role, "", http.StatusNotFound},
			authzCase{"GET", "/api/v1/proposals/prp_nope/comments", role, "", http.StatusNotFound},
			authzCase{"GET", "/api/v1/open/participation", role, "", http.StatusOK},
			authzCase{"GET", "/api/v1/open/reports.csv", role, "", http.StatusOK},
			authzCase{"GET", "/api/v1/open/photos/pho_nope", role, "", http.StatusNotFound},
			// Citizens.
			authzCase{"POST", "/api/v1/reports", role, report, by(http.StatusCreated, cit)},
			authzCase{"GET", "/api/v1/me/reports", role, "", signedIn(http.StatusOK)},
			authzCase{"GET", "/api/v1/reports/rep_nope/details", role, "", signedIn(http.StatusNotFound)},
			authzCase{"POST", "/api/v1/reports/rep_nope/reopen", role, `{"reason":"Still broken"}`, signedIn(http.StatusNotFound)},
			authzCase{"GET", "/api/v1/photos/pho_nope", role, "", signedIn(http.StatusNotFound)},
			authzCase{"POST", "/api/v1/proposals", role, proposal, by(http.StatusCreated, cit)},
			authzCase{"POST", "/api/v1/proposals/prp_nope/support", role, "", by(http.StatusNotFound, cit)},
			authzCase{"PUT", "/api/v1/proposals/prp_nope/follow", role, `{"follow":true}`, signedIn(http.StatusNotFound)},
			authzCase{"POST", "/api/v1/proposals/prp_nope/comments", role, `{"body":"Yes please"}`, by(http.StatusNotFound, cit)},
			authzCase{"POST", "/api/v1/comments/cmt_nope/flag", role, `{"reason":"rude"}`, by(http.StatusNotFound, cit)},
			// Office staff.
			authzCase{"GET", "/api/v1/staff/queue?office=roads", role, "", by(http.StatusOK, staff, adm)},
			authzCase{"GET", "/api/v1/staff/photos", role, "", by(http.StatusOK, staff, adm)},
			authzCase{"PUT", "/api/v1/staff/reports/rep_nope/status", role, `{"status":"acknowledged"}`, by(http.StatusNotFound, staff, adm)},
			authzCase{"POST", "/api/v1/staff/reports/rep_nope/merge", role, `{"into":"rep_other"}`, by(http.StatusNotFound, staff, adm)},
			authzCase{"GET", "/api/v1/staff/reports/rep_nope/nearby", role, "", by(http.StatusNotFound, staff, adm)},
			authzCase{"PUT", "/api/v1/staff/reports/rep_nope/redacted", role, `{"redacted":true}`, by(http.StatusNotFound, staff, adm)},
			authzCase{"PUT", "/api/v1/staff/photos/pho_nope/state", role, `{"state":"approved"}`, by(http.StatusNotFound, staff, adm)},
			// Administrators.
			authzCase{"POST", "/api/v1/admin/proposals/prp_nope/answer", role, `{"answer":"We will."}`, by(http.StatusNotFound, adm)},
			authzCase{"GET", "/api/v1/admin/proposals/awaiting", role, "", by(http.StatusOK, adm)},
			authzCase{"GET", "/api/v1/admin/comments/flagged", role, "", by(http.StatusOK, adm)},
			authzCase{"PUT", "/api/v1/admin/comments/cmt_nope/state", role, `{"state":"hidden"}`, by(http.StatusNotFound, adm)},
			authzCase{"GET", "/api/v1/admin/comments/hidden", role, "", by(http.StatusOK, adm)},
			authzCase{"POST", "/api/v1/admin/comments/cmt_nope/show", role, "", by(http.StatusNotFound, adm)},
			authzCase{"GET", "/api/v1/admin/open311/keys", role, "", by(http.StatusOK, adm)},
			authzCase{"POST", "/api/v1/admin/open311/keys", role, `{"name":"FixMyStreet"}`, by(http.StatusCreated, adm)},
			authzCase{"DELETE", "/api/v1/admin/open311/keys/o311_nope", role, "", by(http.StatusNotFound, adm)},
		)
	}
	// Staff of another office may not work the roads office's queue.
	authzCases = append(authzCases, authzCase{"GET", "/api/v1/staff/queue?office=parks", identity.RoleCityStaff, "", http.StatusForbidden})
}

// testPhoto is a small PNG (the hub re-encodes it as JPEG).
func testPhoto(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// doMultipart posts fields and files "photo" as multipart/form-data.
func (env *testEnv) doMultipart(t testing.TB, path, auth string, fields map[string]string, photos ...[]byte) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for _, p := range photos {
		fw, _ := mw.CreateFormFile("photo", "photo.png")
		_, _ = fw.Write(p)
	}
	_ = mw.Close()
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", auth)
	rec := httptest.NewRecorder()
	env.Server.ServeHTTP(rec, req)
	return rec
}

// A citizen reports a pothole with a photo; staff of the roads office
// approve the photo and fix the report; the public list shows it, photo
// included, without the reporter's name, e-mail or account; the reporter
// is e-mailed, sees it fixed and reopens it.
func TestParticipationReportFlow(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation, func(env *testEnv, d *Deps) { withOutbox(env, d) })
			citizen, cit := env.account(t, identity.RoleCitizen)
			staff := env.login(t, identity.RoleCityStaff)
			admin := env.login(t, identity.RoleAdmin)

			res := env.doMultipart(t, "/api/v1/reports", cit, map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776",
				"description": "A deep <b>hole</b> by the bus stop", "public_name": "false"}, testPhoto(t))
			if res.Code != http.StatusCreated {
				t.Fatalf("create report: %d %s", res.Code, res.Body)
			}
			var rep participation.Report
			decodeInto(t, res, &rep)

			// Pending: the public sees no photo yet.
			var v participation.ReportView
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/reports/"+rep.ID+"/details", cit, "")), &v)
			if len(v.Photos) != 1 || v.Photos[0].State != participation.PhotoPending {
				t.Fatalf("photos %+v, want one pending", v.Photos)
			}
			photoID := v.Photos[0].ID
			wantProblem(t, env.do(t, "GET", "/api/v1/open/photos/"+photoID, "", ""), http.StatusNotFound)

			// The office's queue holds it; staff see the pending photo, approve it, fix the report.
			if q := wantOK(t, env.do(t, "GET", "/api/v1/staff/queue", staff, "")).Body.String(); !strings.Contains(q, rep.ID) {
				t.Fatalf("queue without the report: %s", q)
			}
			if img := wantOK(t, env.do(t, "GET", "/api/v1/photos/"+photoID, staff, "")); img.Header().Get("Content-Type") != "image/jpeg" {
				t.Fatalf("staff photo content type %q", img.Header().Get("Content-Type"))
			}
			wantOK(t, env.do(t, "PUT", "/api/v1/staff/photos/"+photoID+"/state", staff, `{"state":"approved"}`))
			wantOK(t, env.do(t, "PUT", "/api/v1/staff/reports/"+rep.ID+"/status", staff, `{"status":"acknowledged","note":"On our list."}`))
			wantOK(t, env.do(t, "PUT", "/api/v1/staff/reports/"+rep.ID+"/status", staff, `{"status":"fixed","note":"Filled."}`))

			// The public list shows it fixed with its photo, and no personal data.
			list := wantOK(t, env.do(t, "GET", "/api/v1/reports?status=fixed", "", ""))
			var page struct{ Reports []participation.PublicReport }
			decodeInto(t, list, &page)
			if len(page.Reports) != 1 || page.Reports[0].ID != rep.ID || page.Reports[0].StatusNote != "Filled." || len(page.Reports[0].PhotoIDs) != 1 {
				t.Fatalf("public list %s", list.Body)
			}
			open := wantOK(t, env.do(t, "GET", "/api/v1/open/participation", "", ""))
			if cc := open.Header().Get("Cache-Control"); !strings.HasPrefix(cc, "public, max-age=") {
				t.Fatalf("open data's Cache-Control %q", cc)
			}
			for _, body := range []string{list.Body.String(), open.Body.String()} {
				for _, personal := range []string{citizen.ID, citizen.Email, citizen.Name, "reporter"} {
					if strings.Contains(body, personal) {
						t.Fatalf("public data shows %q: %s", personal, body)
					}
				}
			}
			img := wantOK(t, env.do(t, "GET", "/api/v1/open/photos/"+photoID, "", ""))
			if img.Header().Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(img.Header().Get("Cache-Control"), "public") || img.Body.Len() == 0 {
				t.Fatalf("open photo: %v", img.Header())
			}
			thumb := wantOK(t, env.do(t, "GET", "/api/v1/open/photos/"+photoID+"/thumbnail", "", ""))
			if !bytes.HasPrefix(thumb.Body.Bytes(), []byte{0xFF, 0xD8}) {
				t.Fatal("thumbnail is not a JPEG")
			}
			if csv := wantOK(t, env.do(t, "GET", "/api/v1/open/reports.csv", "", "")).Body.String(); !strings.Contains(csv, rep.ID) || !strings.Contains(csv, "CC-BY-4.0") {
				t.Fatalf("reports CSV: %s", csv)
			}

			// The reporter was e-mailed the report's receipt and each
			// change, sees it fixed and reopens it.
			if mails := wantOK(t, env.do(t, "GET", "/api/v1/admin/mail", admin, "")).Body.String(); strings.Count(mails, citizen.Email) != 3 ||
				strings.Count(mails, `"kind":"report_received"`) != 1 || strings.Count(mails, `"kind":"report_status"`) != 2 {
				t.Fatalf("want the receipt and two e-mails of a status to the reporter: %s", mails)
			}
			if mine := wantOK(t, env.do(t, "GET", "/api/v1/me/reports", cit, "")).Body.String(); !strings.Contains(mine, `"status":"fixed"`) {
				t.Fatalf("my reports: %s", mine)
			}
			var reopened participation.Report
			decodeInto(t, wantOK(t, env.do(t, "POST", "/api/v1/reports/"+rep.ID+"/reopen", cit, `{"reason":"The hole is back."}`)), &reopened)
			if reopened.Status != participation.StatusOpen {
				t.Fatalf("reopened status %q", reopened.Status)
			}
			// A fake image is a clear 400.
			bad := env.doMultipart(t, "/api/v1/reports", cit, map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776", "description": "Another hole"}, []byte("GIF89a not really"))
			wantProblem(t, bad, http.StatusBadRequest)
		})
	}
}

func wantOK(t testing.TB, rec *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	t.Helper()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", rec.Code, rec.Body)
	}
	return rec
}

// An Open311 client posts a request with the key the city issued and reads
// it back by id (the answer carries no token, services being realtime),
// and tokens/ resolves the report's token; without a key it is refused
// (403); past the limit per client address, 429 before any key is checked.
func TestOpen311ThroughTheServer(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			limiter := httpx.NewIPLimiter(4, time.Hour)
			_, env := newTestServer(t, engine, withParticipation, func(env *testEnv, d *Deps) { d.Participation.Open311PostLimiter = limiter })
			admin := env.login(t, identity.RoleAdmin)
			res := env.do(t, "POST", "/api/v1/admin/open311/keys", admin, `{"name":"Report app"}`)
			if res.Code != http.StatusCreated {
				t.Fatalf("issue key: %d %s", res.Code, res.Body)
			}
			var key participation.IssuedAPIKey
			decodeInto(t, res, &key)

			post := func(form url.Values) *httptest.ResponseRecorder {
				req := httptest.NewRequest("POST", "/open311/v2/requests.json", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				rec := httptest.NewRecorder()
				env.Server.ServeHTTP(rec, req)
				return rec
			}
			form := url.Values{"api_key": {key.Key}, "service_code": {"lighting"}, "lat": {"41.1307"}, "long": {"14.776"},
				"description": {"The street light is out."}, "email": {"someone@example.org"}, "first_name": {"Ada"}}
			created := post(form)
			if created.Code != http.StatusOK {
				t.Fatalf("post request: %d %s", created.Code, created.Body)
			}
			var answers []struct {
				ID    string  `json:"service_request_id"`
				Token *string `json:"token"`
			}
			decodeInto(t, created, &answers)
			if len(answers) != 1 || answers[0].ID == "" || answers[0].Token != nil {
				t.Fatalf("answer %s", created.Body)
			}
			var details participation.ReportView
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/reports/"+answers[0].ID+"/details", admin, "")), &details)
			if details.Report.Token == "" {
				t.Fatalf("details %+v", details.Report)
			}
			byToken := wantOK(t, env.do(t, "GET", "/open311/v2/tokens/"+details.Report.Token+".json", "", "")).Body.String()
			if !strings.Contains(byToken, answers[0].ID) {
				t.Fatalf("token answer %s", byToken)
			}
			byID := wantOK(t, env.do(t, "GET", "/open311/v2/requests/"+answers[0].ID+".json", "", "")).Body.String()
			if !strings.Contains(byID, `"service_code":"lighting"`) || strings.Contains(byID, "someone@example.org") || strings.Contains(byID, "Ada") {
				t.Fatalf("request answer %s", byID)
			}
			if xml := wantOK(t, env.do(t, "GET", "/open311/v2/services.xml", "", "")).Body.String(); !strings.Contains(xml, "<service_code>lighting</service_code>") {
				t.Fatalf("services.xml %s", xml)
			}

			noKey := url.Values{"service_code": {"lighting"}, "lat": {"41.1307"}, "long": {"14.776"}}
			if res := post(noKey); res.Code != http.StatusForbidden {
				t.Fatalf("without a key: %d %s", res.Code, res.Body)
			}
			// Two of the four in the bucket are spent; the fifth is refused
			// before its key is read, in the standard's error document.
			post(noKey)
			post(noKey)
			limited := post(form)
			if limited.Code != http.StatusTooManyRequests || limited.Header().Get("Retry-After") == "" || !strings.Contains(limited.Body.String(), `"code":429`) {
				t.Fatalf("past the limit: %d %v %s", limited.Code, limited.Header(), limited.Body)
			}
			// Reads are not limited.
			wantOK(t, env.do(t, "GET", "/open311/v2/requests/"+answers[0].ID+".json", "", ""))
		})
	}
}

// 64 concurrent supports by one citizen through the API count once.
func TestParticipationConcurrentSupports(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			srv, env := newTestServer(t, engine, withParticipation)
			author := env.login(t, identity.RoleCitizen)
			supporter := env.login(t, identity.RoleCitizen)
			res := env.do(t, "POST", "/api/v1/proposals", author, `{"title":"A bike lane on Corso Garibaldi","body":"A protected bike lane from the station to the centre."}`)
			if res.Code != http.StatusCreated {
				t.Fatalf("create proposal: %d %s", res.Code, res.Body)
			}
			var p participation.PublicProposal
			decodeInto(t, res, &p)

			ts := httptest.NewServer(srv)
			defer ts.Close()
			const n = 64
			var wg sync.WaitGroup
			start := make(chan struct{})
			added := make(chan bool, n)
			errs := make(chan string, n)
			for range n {
				wg.Go(func() {
					<-start
					req, _ := http.NewRequestWithContext(context.Background(), "POST", ts.URL+"/api/v1/proposals/"+p.ID+"/support", nil)
					req.Header.Set("Authorization", supporter)
					r, err := ts.Client().Do(req)
					if err != nil {
						errs <- err.Error()
						return
					}
					defer r.Body.Close()
					var out struct{ Added bool }
					if r.StatusCode != http.StatusOK || json.NewDecoder(r.Body).Decode(&out) != nil {
						errs <- r.Status
						return
					}
					added <- out.Added
				})
			}
			close(start)
			wg.Wait()
			close(added)
			close(errs)
			for e := range errs {
				t.Errorf("a support failed: %s", e)
			}
			var count int
			for a := range added {
				if a {
					count++
				}
			}
			var after participation.PublicProposal
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/proposals/"+p.ID, "", "")), &after)
			if count != 1 || after.SupportCount != 1 {
				t.Fatalf("%d supports added, support_count %d; want 1 and 1", count, after.SupportCount)
			}
		})
	}
}

// contractParticipation walks reports, triage, proposals, open data and
// Open311 keys through the API for the OpenAPI scenario: each operation
// answers with success at least once, checked against the document, and
// each state-changing one is retried with its Idempotency-Key.
func contractParticipation(c *contract) {
	env, t := c.env, c.t
	cit, other := env.login(t, identity.RoleCitizen), env.login(t, identity.RoleCitizen)
	staff, admin := env.login(t, identity.RoleCityStaff), env.login(t, identity.RoleAdmin)
	const report = `{"category":"pothole","located":true,"lat":41.1307,"lon":14.776,"description":"A deep hole in the road","public_name":true}`

	var rep, dup participation.Report
	c.json(&rep, "POST", "/api/v1/reports", cit, report, http.StatusCreated)
	c.json(&dup, "POST", "/api/v1/reports", other, `{"category":"pothole","located":true,"lat":41.1308,"lon":14.776,"description":"Hole near the stop"}`, http.StatusCreated)
	c.do("POST", "/api/v1/reports", cit, `{"category":"pothole","located":true,"lat":45.0,"lon":9.0,"description":"Far away"}`, http.StatusBadRequest)
	// A photo comes as multipart (outside the contract's JSON helper).
	withPhoto := env.doMultipart(t, "/api/v1/reports", cit, map[string]string{"category": "pothole", "lat": "41.131", "lon": "14.777", "description": "Hole with a photo"}, testPhoto(t))
	if withPhoto.Code != http.StatusCreated {
		t.Fatalf("multipart report: %d %s", withPhoto.Code, withPhoto.Body)
	}
	var photoRep participation.Report
	decodeInto(t, withPhoto, &photoRep)
	var view participation.ReportView
	c.json(&view, "GET", "/api/v1/reports/"+photoRep.ID+"/details", cit, "", http.StatusOK)
	photoID := view.Photos[0].ID

	c.do("GET", "/api/v1/reports?category=pothole&limit=10", "", "", http.StatusOK)
	c.do("GET", "/api/v1/reports?status=lost", "", "", http.StatusBadRequest)
	c.do("GET", "/api/v1/reports/"+rep.ID, "", "", http.StatusOK)
	c.do("GET", "/api/v1/reports/"+rep.ID+"/details", other, "", http.StatusNotFound)
	c.do("GET", "/api/v1/me/reports", cit, "", http.StatusOK)
	c.do("GET", "/api/v1/photos/"+photoID, cit, "", http.StatusOK)
	c.do("GET", "/api/v1/photos/"+photoID+"/thumbnail", staff, "", http.StatusOK)
	c.do("GET", "/api/v1/open/photos/"+photoID, "", "", http.StatusNotFound)

	c.do("GET", "/api/v1/staff/queue", staff, "", http.StatusOK)
	c.do("GET", "/api/v1/staff/queue", admin, "", http.StatusBadRequest)
	c.do("GET", "/api/v1/staff/queue?office=parks", staff, "", http.StatusForbidden)
	c.do("GET", "/api/v1/staff/photos", staff, "", http.StatusOK)
	c.do("PUT", "/api/v1/staff/photos/"+photoID+"/state", staff, `{"state":"approved"}`, http.StatusOK)
	c.do("GET", "/api/v1/open/photos/"+photoID, "", "", http.StatusOK)
	c.do("GET", "/api/v1/open/photos/"+photoID+"/thumbnail", "", "", http.StatusOK)
	c.do("GET", "/api/v1/staff/reports/"+dup.ID+"/nearby", staff, "", http.StatusOK)
	c.do("POST", "/api/v1/staff/reports/"+dup.ID+"/merge", staff, `{"into":"`+rep.ID+`","note":"Same hole."}`, http.StatusOK)
	c.do("PUT", "/api/v1/staff/reports/"+rep.ID+"/redacted", staff, `{"redacted":true}`, http.StatusOK)
	c.do("PUT", "/api/v1/staff/reports/"+rep.ID+"/status", staff, `{"status":"fixed","note":"Filled."}`, http.StatusOK)
	c.do("PUT", "/api/v1/staff/reports/"+rep.ID+"/status", staff, `{"status":"acknowledged"}`, http.StatusConflict)
	c.do("POST", "/api/v1/reports/"+rep.ID+"/reopen", cit, `{"reason":"It is back."}`, http.StatusOK)

	var p participation.PublicProposal
	c.json(&p, "POST", "/api/v1/proposals", cit, `{"title":"More benches","body":"Benches along the river walk, please.","public_name":true}`, http.StatusCreated)
	c.do("POST", "/api/v1/proposals", cit, `{"title":"x","body":"short"}`, http.StatusBadRequest)
	c.do("GET", "/api/v1/proposals", "", "", http.StatusOK)
	c.do("GET", "/api/v1/proposals/"+p.ID, "", "", http.StatusOK)
	c.do("POST", "/api/v1/proposals/"+p.ID+"/support", other, "", http.StatusOK)
	c.do("PUT", "/api/v1/proposals/"+p.ID+"/follow", other, `{"follow":true}`, http.StatusOK)
	var cm participation.PublicComment
	c.json(&cm, "POST", "/api/v1/proposals/"+p.ID+"/comments", other, `{"body":"Yes, near the bridge too."}`, http.StatusCreated)
	c.do("GET", "/api/v1/proposals/"+p.ID+"/comments", "", "", http.StatusOK)
	c.do("POST", "/api/v1/comments/"+cm.ID+"/flag", cit, `{"reason":"Off topic"}`, http.StatusNoContent)
	c.do("GET", "/api/v1/admin/comments/flagged", admin, "", http.StatusOK)
	c.do("PUT", "/api/v1/admin/comments/"+cm.ID+"/state", admin, `{"state":"hidden"}`, http.StatusOK)
	c.do("GET", "/api/v1/admin/comments/hidden", admin, "", http.StatusOK)
	c.do("POST", "/api/v1/admin/comments/"+cm.ID+"/show", admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/proposals/awaiting", admin, "", http.StatusOK)
	c.do("POST", "/api/v1/admin/proposals/"+p.ID+"/answer", admin, `{"answer":"Ten benches by spring."}`, http.StatusOK)
	c.do("POST", "/api/v1/proposals/"+p.ID+"/support", other, "", http.StatusConflict)

	var key participation.IssuedAPIKey
	c.json(&key, "POST", "/api/v1/admin/open311/keys", admin, `{"name":"Report app"}`, http.StatusCreated)
	c.do("GET", "/api/v1/admin/open311/keys", admin, "", http.StatusOK)
	c.do("DELETE", "/api/v1/admin/open311/keys/"+key.ID, admin, "", http.StatusNoContent)

	c.do("GET", "/api/v1/open/participation", "", "", http.StatusOK)
	c.do("GET", "/api/v1/open/reports.csv", "", "", http.StatusOK)
	c.do("GET", "/api/v1/open/proposals.csv", "", "", http.StatusOK)
	c.do("GET", "/api/v1/open/report-counts.csv", "", "", http.StatusOK)
}

// An office's queue is read a page at a time: next_cursor names the last
// report of a full page and, passed back as cursor, the next page starts
// after it; the last page's is empty; a cursor that is no report is 400.
func TestStaffQueuePages(t *testing.T) {
	t.Parallel()
	var svc *participation.Service
	_, env := newTestServer(t, "sqlite", withParticipation, func(env *testEnv, d *Deps) { svc = d.Participation.Service })
	citizen, _ := env.account(t, identity.RoleCitizen)
	var ids []string
	for i := range 3 {
		rep, err := svc.SubmitReport(t.Context(), identity.Caller{AccountID: citizen.ID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}},
			participation.NewReport{Category: "pothole", Located: true, Lat: 41.1307, Lon: 14.776, Description: fmt.Sprintf("Hole number %d here.", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rep.ID)
	}
	_, staff := env.account(t, identity.RoleCityStaff, "roads")
	type page struct {
		Office     string                 `json:"office"`
		Reports    []participation.Report `json:"reports"`
		NextCursor string                 `json:"next_cursor"`
	}
	var first, second page
	decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/staff/queue?limit=2", staff, "")), &first)
	if first.Office != "roads" || len(first.Reports) != 2 || first.Reports[0].ID != ids[0] || first.Reports[1].ID != ids[1] || first.NextCursor != ids[1] {
		t.Fatalf("first page: %+v", first)
	}
	decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/staff/queue?limit=2&cursor="+first.NextCursor, staff, "")), &second)
	if len(second.Reports) != 1 || second.Reports[0].ID != ids[2] || second.NextCursor != "" {
		t.Fatalf("second page: %+v", second)
	}
	if p := wantProblem(t, env.do(t, "GET", "/api/v1/staff/queue?cursor=rep_nosuch", staff, ""), http.StatusBadRequest); p.Reason != "bad_cursor" {
		t.Fatalf("a cursor that is no report: %+v", p)
	}
}
