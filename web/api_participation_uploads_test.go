package web

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/photo"
	"cityhub/store/storetest"
	"cityhub/web/webtest"
)

// formPart is one part of a multipart body: a field, or a file when file
// is set.
type formPart struct {
	name, value string
	file        []byte
}

// postParts posts parts as multipart/form-data to target (path and query),
// in their order, repeats included.
func (env *testEnv) postParts(t testing.TB, target, auth string, parts ...formPart) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		if p.file != nil {
			fw, _ := mw.CreateFormFile(p.name, p.name+".png")
			_, _ = fw.Write(p.file)
			continue
		}
		_ = mw.WriteField(p.name, p.value)
	}
	_ = mw.Close()
	req := httptest.NewRequest("POST", target, &body)
	req.RemoteAddr = "192.0.2.31:1234"
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	env.Server.ServeHTTP(rec, req)
	return rec
}

// myReportCount is how many reports the citizen has.
func myReportCount(t testing.TB, env *testEnv, auth string) int {
	t.Helper()
	var mine struct{ Reports []participation.Report }
	decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/me/reports", auth, "")), &mine)
	return len(mine.Reports)
}

// A multipart report's fields are the body's, each once: a query
// parameter is no field (it neither fills nor overrides one), and a field
// sent twice is 400 duplicate_field, as in a JSON body, rather than its
// first value taken silently.
func TestParticipationMultipartFieldsFromTheBodyOnce(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation)
			_, cit := env.account(t, identity.RoleCitizen)
			field := func(name, value string) formPart { return formPart{name: name, value: value} }
			place := []formPart{field("lat", "41.1307"), field("lon", "14.776")}

			// The description only in the query: the body has none.
			res := env.postParts(t, "/api/v1/reports?description=A+deep+hole+by+the+bus+stop", cit,
				append(place, field("category", "pothole"))...)
			wantPartInvalid(t, "description in the query", res, "missing_field")
			// The category only in the query.
			res = env.postParts(t, "/api/v1/reports?category=pothole", cit,
				append(place, field("description", "A deep hole by the bus stop"))...)
			wantPartInvalid(t, "category in the query", res, "missing_field")
			// Fields given twice, the same or different values.
			for _, twice := range [][]formPart{
				{field("category", "pothole"), field("category", "lighting"), field("description", "A deep hole by the bus stop")},
				{field("category", "pothole"), field("description", "A deep hole by the bus stop"), field("description", "Another text")},
				{field("category", "pothole"), field("description", "A deep hole by the bus stop"), field("public_name", "true"), field("public_name", "false")},
				{field("category", "pothole"), field("description", "A deep hole by the bus stop"), field("lat", "41.1307")},
			} {
				wantPartInvalid(t, "a field twice", env.postParts(t, "/api/v1/reports", cit, append(append([]formPart{}, place...), twice...)...), "duplicate_field")
			}
			if n := myReportCount(t, env, cit); n != 0 {
				t.Fatalf("%d reports after refused forms, want none", n)
			}

			// A query does not change what the body says.
			res = env.postParts(t, "/api/v1/reports?category=lighting&description=From+the+query&public_name=true", cit,
				append(place, field("category", "pothole"), field("description", "A deep hole by the bus stop"))...)
			if res.Code != http.StatusCreated {
				t.Fatalf("a report with a query: %d %s", res.Code, res.Body)
			}
			var r participation.Report
			decodeInto(t, res, &r)
			if r.Category != "pothole" || r.Description != "A deep hole by the bus stop" || r.PublicName {
				t.Fatalf("report %+v, want the body's fields only", r)
			}

			// located=false beside coordinates says two things at once: it
			// is refused, as in JSON, and nothing is made. Without them the
			// report is placed by its address.
			res = env.postParts(t, "/api/v1/reports", cit, append(append([]formPart{}, place...), field("located", "false"),
				field("address", "Via Traiano 1"), field("category", "pothole"), field("description", "A deep hole by the arch"))...)
			wantPartInvalid(t, "located=false with coordinates", res, "located_false_with_point")
			res = env.postParts(t, "/api/v1/reports", cit, field("located", "false"),
				field("address", "Via Traiano 1"), field("category", "pothole"), field("description", "A deep hole by the arch"))
			if res.Code != http.StatusCreated {
				t.Fatalf("a report located=false: %d %s", res.Code, res.Body)
			}
			r = participation.Report{}
			decodeInto(t, res, &r)
			if r.Located {
				t.Fatalf("report %+v: located=false was not taken", r)
			}
			if n := myReportCount(t, env, cit); n != 2 {
				t.Fatalf("%d reports, want the two taken", n)
			}
		})
	}
}

// Only a citizen reports, and anyone else is refused before the body is
// read: a broken photo, a broken form or a broken JSON body from an
// administrator or a merchant is 403, not a 400 about what they sent,
// and no photo of theirs is decoded.
func TestParticipationReportRoleBeforeBody(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation)
			for _, role := range []identity.Role{identity.RoleAdmin, identity.RoleMerchant, identity.RoleCityStaff} {
				auth := env.login(t, role)
				for name, res := range map[string]*httptest.ResponseRecorder{
					"a corrupt photo": env.postParts(t, "/api/v1/reports", auth, formPart{name: "category", value: "pothole"},
						formPart{name: "description", value: "A deep hole"}, formPart{name: "address", value: "Via Roma 1"},
						formPart{name: "photo", file: []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0}}),
					"a field twice": env.postParts(t, "/api/v1/reports", auth, formPart{name: "category", value: "a"}, formPart{name: "category", value: "b"}),
					"broken JSON":   env.do(t, "POST", "/api/v1/reports", auth, `{"category":`),
				} {
					if p := wantProblem(t, res, http.StatusForbidden); p.Reason != "not_citizen" {
						t.Fatalf("%s with %s: %+v, want not_citizen", role, name, p)
					}
				}
			}
		})
	}
}

// holdPhotoTurns takes every decode slot of the process and every place in
// its queue, as uploads being worked and waiting would, until the test
// ends. Tests calling it must not run in parallel with others that upload
// photos: the slots are the process's.
func holdPhotoTurns(t *testing.T) (release func()) {
	t.Helper()
	var turns []*photo.Turn
	release = func() {
		for _, turn := range turns {
			turn.Release()
		}
		turns = nil
	}
	t.Cleanup(release)
	for range photo.MaxConcurrentDecodes {
		turn, err := photo.Acquire(t.Context())
		if err != nil {
			t.Fatalf("a free decode slot: %v", err)
		}
		turns = append(turns, turn)
	}
	for range photo.MaxWaitingUploads {
		turn, err := photo.Reserve()
		if err != nil {
			t.Fatalf("a free place in the queue: %v", err)
		}
		turns = append(turns, turn)
	}
	return release
}

// When the hub is decoding as many photos as it may and as many wait as
// may, a photo upload is refused at once, 503 photo_busy, on every path
// that takes photos (the API, the report form, Open311), in each one's
// own way, rather than waiting without end; once there is room, the same
// uploads succeed. Not parallel: it holds the process's decode slots.
func TestParticipationPhotoUploadsRefusedWhenBusy(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			_, env := newTestServer(t, engine, withParticipation)
			citizen, cit := env.account(t, identity.RoleCitizen)
			admin := env.login(t, identity.RoleAdmin)
			res := env.do(t, "POST", "/api/v1/admin/open311/keys", admin, `{"name":"Report app"}`)
			if res.Code != http.StatusCreated {
				t.Fatalf("issue key: %d %s", res.Code, res.Body)
			}
			var key participation.IssuedAPIKey
			decodeInto(t, res, &key)
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			pc := webtest.SignedIn(t, srv.URL, citizen.Email, testPassword)
			fields := map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776", "description": "A deep hole by the bus stop"}
			api := func() *httptest.ResponseRecorder {
				return env.doMultipart(t, "/api/v1/reports", cit, fields, testPhoto(t))
			}
			page := func() (*http.Response, string) { return postReport(t, pc, fields, testPhoto(t)) }
			open311 := func(format string) *httptest.ResponseRecorder {
				return env.postParts(t, "/open311/v2/requests."+format, "", formPart{name: "api_key", value: key.Key},
					formPart{name: "service_code", value: "pothole"}, formPart{name: "lat", value: "41.1307"}, formPart{name: "long", value: "14.776"},
					formPart{name: "media", file: testPhoto(t)})
			}

			release := holdPhotoTurns(t)
			if p := wantProblem(t, api(), http.StatusServiceUnavailable); p.Reason != "photo_busy" {
				t.Fatalf("API upload when busy: %+v, want photo_busy", p)
			}
			if rec := api(); rec.Header().Get("Retry-After") == "" {
				t.Fatalf("API photo_busy without Retry-After: %v", rec.Header())
			}
			// The form again, the refusal next to the photo field.
			res2, body := page()
			if res2.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `id="e-photo"`) ||
				!strings.Contains(body, "elaborando altre foto") || strings.Contains(body, `data-testid="problem"`) ||
				!strings.Contains(body, "A deep hole by the bus stop") {
				t.Fatalf("report form upload when busy: %d\n%s", res2.StatusCode, body)
			}
			// Open311: the standard's errors document, in the format asked.
			rec := open311("json")
			var errs []struct {
				Code        int    `json:"code"`
				Description string `json:"description"`
			}
			if rec.Code != http.StatusServiceUnavailable || json.Unmarshal(rec.Body.Bytes(), &errs) != nil || len(errs) != 1 || errs[0].Code != 503 {
				t.Fatalf("Open311 upload when busy: %d %s", rec.Code, rec.Body)
			}
			rec = open311("xml")
			var doc struct {
				XMLName xml.Name `xml:"errors"`
				Errors  []struct {
					Code int `xml:"code"`
				} `xml:"error"`
			}
			if rec.Code != http.StatusServiceUnavailable || xml.Unmarshal(rec.Body.Bytes(), &doc) != nil || len(doc.Errors) != 1 || doc.Errors[0].Code != 503 {
				t.Fatalf("Open311 XML upload when busy: %d %s", rec.Code, rec.Body)
			}
			if n := myReportCount(t, env, cit); n != 0 {
				t.Fatalf("%d reports made while busy", n)
			}

			// Room again: the same uploads are worked.
			release()
			if rec := api(); rec.Code != http.StatusCreated {
				t.Fatalf("API upload with room: %d %s", rec.Code, rec.Body)
			}
			if res, body := page(); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("report form upload with room: %d\n%s", res.StatusCode, body)
			}
			if rec := open311("json"); rec.Code != http.StatusOK {
				t.Fatalf("Open311 upload with room: %d %s", rec.Code, rec.Body)
			}
		})
	}
}

// A photo that says it is a JPEG but does not decode is refused next to
// the report form's photo field, with what was typed kept, not as a
// message over the whole form.
func TestParticipationFormCorruptPhotoByItsField(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	fields := map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776", "description": "A deep hole by the bus stop"}
	res, body := postReport(t, pc, fields, []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `id="e-photo"`) || !strings.Contains(body, "potrebbe essere danneggiata") ||
		strings.Contains(body, `data-testid="problem"`) || !strings.Contains(body, "A deep hole by the bus stop") {
		t.Fatalf("corrupt photo: %d\n%s", res.StatusCode, body)
	}
}
