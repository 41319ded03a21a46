package ui

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/participation"
	"cityhub/web/webtest"
)

// postMultipart posts fields as multipart/form-data, as the report form
// does, with the CSRF token of page.
func postMultipart(t *testing.T, pc *webtest.PageClient, page, path string, fields map[string]string) (*http.Response, string) {
	t.Helper()
	tok := pc.CSRF(page)
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("csrf_token", tok)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	res, err := pc.Client.Post(pc.URL+path, mw.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	return res, webtest.ReadBody(t, res)
}

// A page that answered a form post (a confirmation, a form refused and
// shown again, an error) gives its language switch a next= that answers
// GET for the person who posted: the page the form was on, never the
// post's own address, which takes POST only (405) or is another page.
func TestLanguageSwitchAfterPostReturnsToAPage(t *testing.T) {
	env := newPartEnv(t)
	ctx := context.Background()
	citizen, cit := env.account(t, "Carla Citizen", citizenGrant)
	_, other := env.account(t, "Bruno Citizen", citizenGrant)
	_, staff := env.account(t, "Rita Roads", roadsGrant)
	_, admin := env.account(t, "Ada Admin", adminGrant)
	rep := env.report(t, citizen, "pothole", "A deep hole in the road near the arch")
	target := env.report(t, citizen, "pothole", "Another hole, the same one seen from the square")
	pr, err := env.Svc.CreateProposal(ctx, citizen.Caller(), participation.NewProposal{Title: "More benches", Body: "Benches along the river walk, please."})
	if err != nil {
		t.Fatal(err)
	}
	cm, err := env.Svc.AddComment(ctx, citizen.Caller(), pr.ID, "Yes, and shade too.")
	if err != nil {
		t.Fatal(err)
	}
	staffPage := "/staff/reports/" + rep.ID
	cases := []struct {
		name   string
		pc     *webtest.PageClient
		page   string // where the form is, for its CSRF token
		path   string
		form   url.Values
		status int
		want   string // the next= wanted; "" for any page but the post's
	}{
		{"reject confirmation", staff, staffPage, staffPage + "/status", url.Values{"status": {"rejected"}, "note": {"x"}}, 200, staffPage},
		{"merge confirmation", staff, staffPage, staffPage + "/merge", url.Values{"into": {target.ID}}, 200, staffPage},
		{"hide text confirmation", staff, staffPage, staffPage + "/redact", url.Values{"hide": {"yes"}}, 200, staffPage},
		{"hide photo confirmation", staff, staffPage, "/staff/photos/pho_x", url.Values{"state": {"hidden"}, "back": {staffPage}}, 200, staffPage},
		{"hide photo confirmation from the queue", staff, "/staff/reports/photos", "/staff/photos/pho_x", url.Values{"state": {"hidden"}}, 200, "/staff/reports/photos"},
		{"hide photo confirmed, refused", staff, staffPage, "/staff/photos/pho_x", url.Values{"state": {"hidden"}, "back": {staffPage}, "confirm": {"yes"}}, 404, staffPage},
		{"hide comment confirmation", admin, "/staff/comments", "/staff/comments/" + cm.ID, url.Values{"state": {"hidden"}}, 200, "/staff/comments"},
		{"status refused", staff, staffPage, staffPage + "/status", url.Values{"status": {"nonsense"}}, 400, staffPage},
		// The post's query (a shop chosen, a page's state) goes along to
		// the page found above it.
		{"status refused, with a query", staff, staffPage, staffPage + "/status?shop=shp_1", url.Values{"status": {"nonsense"}}, 400, staffPage + "?shop=shp_1"},
		{"merge confirmed, refused", staff, staffPage, staffPage + "/merge", url.Values{"into": {rep.ID}, "confirm": {"yes"}}, 400, staffPage},
		{"proposal refused", cit, "/proposals/new", "/proposals", url.Values{"title": {"x"}, "body": {"y"}}, 400, "/proposals/new"},
		{"comment refused", cit, "/proposals/" + pr.ID, "/proposals/" + pr.ID + "/comments", url.Values{"comment": {" "}}, 400, "/proposals/" + pr.ID},
		{"flag refused", other, "/proposals/" + pr.ID, "/comments/" + cm.ID + "/flag?after=" + cm.ID, url.Values{"proposal": {pr.ID}, "reason": {strings.Repeat("x", 1001)}}, 400,
			"/proposals/" + pr.ID + "?after=" + cm.ID},
		{"flag of no comment", other, "/proposals/" + pr.ID, "/comments/cmt_nope/flag", url.Values{"proposal": {pr.ID}}, 404, "/proposals/" + pr.ID},
		{"reopen refused", cit, "/reports/" + rep.ID, "/reports/" + rep.ID + "/reopen", url.Values{"reason": {"still there"}}, 409, "/reports/" + rep.ID},
		{"staff page as a citizen", cit, "/reports/" + rep.ID, staffPage + "/status", url.Values{"status": {"rejected"}}, 403, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			form := url.Values{"csrf_token": {c.pc.CSRF(c.page)}}
			for k, v := range c.form {
				form[k] = v
			}
			res, body := c.pc.Post(c.path, form)
			wantStatus(t, "post "+c.path, res, body, c.status)
			next := nextOf(t, body)
			postPath, _, _ := strings.Cut(c.path, "?")
			if p, _, _ := strings.Cut(next, "?"); p == postPath || (c.want != "" && next != c.want) {
				t.Fatalf("language switch returns to %q after a post to %s; want %q", next, c.path, c.want)
			}
			res, body = c.pc.Get(next)
			wantStatus(t, "get "+next, res, body, http.StatusOK)
		})
	}

	// The report form sent with a description too short comes back; its
	// switch returns to the form, not to the list at the post's address.
	res, body := postMultipart(t, cit, "/reports/new", "/reports", map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776",
		"description": "x", "key": "k-language-1"})
	wantStatus(t, "report refused", res, body, http.StatusBadRequest)
	if next := nextOf(t, body); next != "/reports/new" {
		t.Fatalf("language switch of the refused report form returns to %q, want /reports/new", next)
	}
}

// The Referer names the page a form was on when it is this site's, at
// another address than the post's, and answers GET; a foreign one, or
// the refused form's own address, is not taken.
func TestLanguageSwitchAfterPostTakesOnlyThisSitesReferer(t *testing.T) {
	env := newPartEnv(t)
	citizen, _ := env.account(t, "Carla Citizen", citizenGrant)
	_, staff := env.account(t, "Rita Roads", roadsGrant)
	rep := env.report(t, citizen, "pothole", "A deep hole in the road near the arch")
	staffPage := "/staff/reports/" + rep.ID
	u, _ := url.Parse(env.URL)
	for _, c := range []struct{ referer, want string }{
		{env.URL + "/staff/reports/photos?office=roads", "/staff/reports/photos?office=roads"},
		{"https://evil.example/staff/reports/photos", staffPage},
		{"http://" + u.Host + "@evil.example/staff/reports/photos", staffPage},
		{env.URL + staffPage + "/redact", staffPage},
		{env.URL + "/nope/at/all", staffPage},
		{"javascript:alert(1)", staffPage},
	} {
		form := url.Values{"csrf_token": {staff.CSRF(staffPage)}, "hide": {"yes"}}
		req, _ := http.NewRequest("POST", env.URL+staffPage+"/redact", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Referer", c.referer)
		res, err := staff.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := webtest.ReadBody(t, res)
		wantStatus(t, "redact confirmation", res, body, http.StatusOK)
		if next := nextOf(t, body); next != c.want {
			t.Errorf("Referer %q: language switch returns to %q, want %q", c.referer, next, c.want)
		}
	}
}
