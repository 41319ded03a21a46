package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// postReport posts the report form as a browser does, multipart with the
// photos as "photo" files.
func postReport(t *testing.T, pc *webtest.PageClient, fields map[string]string, photos ...[]byte) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf_token", pc.CSRF("/reports/new"))
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for _, p := range photos {
		fw, _ := mw.CreateFormFile("photo", "photo.jpg")
		_, _ = fw.Write(p)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", pc.URL+"/reports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := pc.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res, webtest.ReadBody(t, res)
}

// The report pages: HTML typed into a report is shown as text on every
// page; a fake image or a place outside the city is refused with a clear
// error next to its field and the typed values kept, and nothing is made;
// the staff pages refuse citizens; the map pages allow the tile host's
// images and nothing more.
func TestParticipationPages(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation, func(env *testEnv, d *Deps) {
		d.Participation.MapTiles.URL = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
		d.Participation.MapTiles.Attribution = "Tiles example"
	})
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	staffAcc, _ := env.account(t, identity.RoleCityStaff)
	cit := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)

	// The map pages allow images from the tile host, no wider.
	res, _ := cit.Get("/reports/new")
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: blob: https://*.tiles.example.org;") || strings.Contains(csp, " * ") {
		t.Fatalf("report form CSP %q", csp)
	}

	// A fake image: the error sits by the photo field, the text is kept.
	typed := map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776", "address": "Via <i>Roma</i> 1",
		"description": "Hole <script>alert(1)</script> here", "public_name": "yes"}
	res, body := postReport(t, cit, typed, []byte("GIF89a not really a photo"))
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="e-photo"`) ||
		!strings.Contains(body, "Hole &lt;script&gt;alert(1)&lt;/script&gt; here") || !strings.Contains(body, `value="Via &lt;i&gt;Roma&lt;/i&gt; 1"`) ||
		!strings.Contains(body, `value="pothole" selected`) || strings.Contains(body, "<script>alert(1)") {
		t.Fatalf("fake image: %d\n%s", res.StatusCode, body)
	}
	// Naples is outside the city: the error sits by the place.
	outside := map[string]string{"category": "pothole", "lat": "40.8518", "lon": "14.2681", "description": "A hole in Naples"}
	res, body = postReport(t, cit, outside)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="e-place"`) || !strings.Contains(body, `value="40.8518"`) {
		t.Fatalf("outside the city: %d\n%s", res.StatusCode, body)
	}
	// Both coordinates are marked invalid and tied to the place's error,
	// for a screen reader as for the eye.
	if strings.Count(body, `aria-describedby="e-place" aria-invalid="true"`) != 2 {
		t.Fatalf("the coordinates are not tied to the place's error:\n%s", body)
	}
	// Half a position, or a coordinate that is not a number, is not a
	// place outside the city: the place's error says both are needed.
	for _, lon := range []string{"", "east"} {
		half := map[string]string{"category": "pothole", "lat": "41.1307", "lon": lon, "description": "A hole by the arch"}
		res, body = postReport(t, cit, half)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="e-place"`) ||
			!strings.Contains(body, "entrambe le coordinate") || strings.Contains(body, "fuori dal territorio") {
			t.Fatalf("lat without a lon of %q: %d\n%s", lon, res.StatusCode, body)
		}
	}
	// Every mistake at once: no category, no place and a description too
	// short each sit by their field, in one answer.
	res, body = postReport(t, cit, map[string]string{"category": "", "description": "ab"})
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("three mistakes: %d\n%s", res.StatusCode, body)
	}
	for _, field := range []string{"category", "place", "description"} {
		if !strings.Contains(body, `id="e-`+field+`"`) {
			t.Errorf("three mistakes: no error by the %s\n%s", field, body)
		}
	}
	// A half position found by the page itself comes with the service's
	// mistakes too.
	res, body = postReport(t, cit, map[string]string{"category": "nope", "lat": "41.1307", "description": "A hole by the arch"})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="e-place"`) || !strings.Contains(body, `id="e-category"`) {
		t.Fatalf("a half position and an unknown category: %d\n%s", res.StatusCode, body)
	}
	if _, mine := cit.Get("/reports/mine"); strings.Contains(mine, "data-report=") {
		t.Fatalf("a refused report was made:\n%s", mine)
	}

	// A good report, with HTML in its text, a real photo and an address.
	res, _ = postReport(t, cit, typed, testPhoto(t))
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/reports/rep_") {
		t.Fatalf("report: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	id := strings.TrimPrefix(strings.SplitN(res.Header.Get("Location"), "?", 2)[0], "/reports/")

	staff := webtest.SignedIn(t, srv.URL, staffAcc.Email, testPassword)
	anon := webtest.NewPageClient(t, srv.URL)
	for _, page := range []struct {
		pc   *webtest.PageClient
		path string
	}{{cit, "/reports/" + id}, {cit, "/reports/mine"}, {anon, "/reports"}, {anon, "/reports/" + id}, {staff, "/staff/reports"}, {staff, "/staff/reports/" + id}} {
		res, body := page.pc.Get(page.path)
		if res.StatusCode != http.StatusOK || strings.Contains(body, "<script>alert(1)") || strings.Contains(body, "<i>Roma") ||
			!strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") && !strings.Contains(body, "Via &lt;i&gt;Roma&lt;/i&gt; 1") {
			t.Fatalf("%s: %d, HTML not escaped or text missing\n%s", page.path, res.StatusCode, body)
		}
	}
	// The public sees neither the pending photo nor the reporter's e-mail.
	if _, body := anon.Get("/reports/" + id); strings.Contains(body, "/reports/photos/") || strings.Contains(body, anna.Email) {
		t.Fatalf("public page shows a pending photo or personal data:\n%s", body)
	}
	photo := regexp.MustCompile(`/reports/photos/(pho_[A-Za-z0-9_-]+)/thumbnail`).FindStringSubmatch(func() string { _, b := staff.Get("/staff/reports/" + id); return b }())
	if photo == nil {
		t.Fatal("staff page shows no photo")
	}
	if res, _ := anon.Get("/reports/photos/" + photo[1]); res.StatusCode != http.StatusNotFound {
		t.Fatalf("pending photo to the public: %d", res.StatusCode)
	}

	// Staff pages refuse citizens and send visitors to log in.
	for _, path := range []string{"/staff/reports", "/staff/reports/" + id, "/staff/reports/photos"} {
		if res, _ := cit.Get(path); res.StatusCode != http.StatusForbidden {
			t.Fatalf("citizen on %s: %d", path, res.StatusCode)
		}
		if res, _ := anon.Get(path); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("visitor on %s: %d", path, res.StatusCode)
		}
	}
	tok := cit.CSRF("/reports/" + id)
	if res, _ := cit.Post("/staff/reports/"+id+"/status", url.Values{"csrf_token": {tok}, "status": {"fixed"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("citizen changing a status: %d", res.StatusCode)
	}

	// A refused status or merge comes back with the refusal next to its
	// field and what was typed: a rejection needs its reason, and the
	// report to merge into must exist.
	stok := staff.CSRF("/staff/reports/" + id)
	res, body = staff.Post("/staff/reports/"+id+"/status", url.Values{"csrf_token": {stok}, "status": {"rejected"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `data-field-error="note">Scrivi il motivo.`) ||
		!regexp.MustCompile(`id="f-note"[^>]*aria-invalid="true"`).MatchString(body) || !strings.Contains(body, `value="rejected" selected`) {
		t.Fatalf("rejection without reason: %d\n%s", res.StatusCode, body)
	}
	res, body = staff.Post("/staff/reports/"+id+"/merge", url.Values{"csrf_token": {stok}, "into": {"rep_nope"}, "merge_note": {"Stessa buca"}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusNotFound || !strings.Contains(body, `data-field-error="into"`) || !strings.Contains(body, `value="Stessa buca"`) {
		t.Fatalf("merge into no report: %d\n%s", res.StatusCode, body)
	}
	lamp := createReportAPI(t, env, env.login(t, identity.RoleCitizen), `{"category":"lighting","located":true,"lat":41.1307,"lon":14.776,"description":"The lamp is out"}`)
	res, body = staff.Post("/staff/reports/"+id+"/merge", url.Values{"csrf_token": {stok}, "into": {lamp.ID}, "merge_note": {"Stessa buca"}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, `data-field-error="into">La segnalazione in cui unirla è di un altro ufficio`) || !strings.Contains(body, `value="Stessa buca"`) {
		t.Fatalf("merge into another office's report: %d\n%s", res.StatusCode, body)
	}

	// A rejection asks for confirmation first, and changes nothing until then.
	res, body = staff.Post("/staff/reports/"+id+"/status", url.Values{"csrf_token": {stok}, "status": {"rejected"}, "note": {"Not <b>ours</b>"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `name="confirm" value="yes"`) || !strings.Contains(body, "Not &lt;b&gt;ours&lt;/b&gt;") {
		t.Fatalf("reject without confirmation: %d\n%s", res.StatusCode, body)
	}
	// The status it asks to confirm is in the page's words, not its code.
	if !regexp.MustCompile(`<strong>Stato</strong>: Respinta</p>`).MatchString(body) {
		t.Fatalf("the confirmation names the status otherwise:\n%s", body)
	}
	if _, body := anon.Get("/reports/" + id); !strings.Contains(body, `data-status="open"`) {
		t.Fatalf("rejected before confirmation:\n%s", body)
	}
	res, _ = staff.Post("/staff/reports/"+id+"/status", url.Values{"csrf_token": {stok}, "status": {"rejected"}, "note": {"Not <b>ours</b>"}, "confirm": {"yes"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed rejection: %d", res.StatusCode)
	}
	if _, body := anon.Get("/reports/" + id); !strings.Contains(body, `data-status="rejected"`) || !strings.Contains(body, "Not &lt;b&gt;ours&lt;/b&gt;") {
		t.Fatalf("after rejection:\n%s", body)
	}

	// Proposals: an empty title and text are both shown wrong at once.
	ptok := cit.CSRF("/proposals/new")
	res, body = cit.Post("/proposals", url.Values{"csrf_token": {ptok}, "title": {""}, "body": {""}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="e-title"`) || !strings.Contains(body, `id="e-body"`) {
		t.Fatalf("an empty proposal: %d\n%s", res.StatusCode, body)
	}
	// HTML in a title is text.
	res, _ = cit.Post("/proposals", url.Values{"csrf_token": {ptok}, "title": {"More <em>benches</em>"}, "body": {"Benches along the Viale <b>Mellusi</b>, please."}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("proposal: %d", res.StatusCode)
	}
	for _, path := range []string{"/proposals", res.Header.Get("Location")} {
		if res, body := anon.Get(path); res.StatusCode != http.StatusOK || strings.Contains(body, "<em>benches") || !strings.Contains(body, "More &lt;em&gt;benches&lt;/em&gt;") {
			t.Fatalf("%s: %d\n%s", path, res.StatusCode, body)
		}
	}
}

// The administrator's dashboard reaches the citizens' reports' queue in a
// hub that runs participation, and only there.
func TestAdminDashboardReachesTheReportsQueue(t *testing.T) {
	t.Parallel()
	for name, opts := range map[string][]func(*testEnv, *Deps){"with participation": {withParticipation}, "without": nil} {
		_, env := newTestServer(t, "sqlite", opts...)
		srv := httptest.NewServer(env.Server)
		admin, _ := env.account(t, identity.RoleAdmin)
		pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
		// The card's text: the menu links the queue too.
		_, body := pc.Get("/admin")
		if has := strings.Contains(body, "La coda delle segnalazioni dei cittadini"); has != (opts != nil) {
			t.Errorf("%s: the dashboard has the reports' queue's card: %v", name, has)
		}
		srv.Close()
	}
}

// Photos that together pass the form's bound are refused on a page that
// says so, and that the text typed is still in the form behind it, not
// that the text is too long.
func TestReportFormPhotosTooLargeTogether(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation, func(env *testEnv, d *Deps) {
		d.Participation.Photos.MaxBytes = 64 << 10
	})
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	cit := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	typed := map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776", "description": "A deep hole in the road"}
	big := bytes.Repeat([]byte{0xff}, 60<<10)
	res, body := postReport(t, cit, typed, big, big, big, big, big)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "Le foto insieme sono troppo grandi") || strings.Contains(body, "accorcia il testo") {
		t.Fatalf("photos too large together: %d\n%s", res.StatusCode, body)
	}
}
