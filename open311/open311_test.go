package open311_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/open311"
	"cityhub/participation"
	"cityhub/photo"
	"cityhub/store"
	"cityhub/store/storetest"
)

// The fields the GeoReport v2 specification lists for each document.
var (
	serviceFields = []string{"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
	// Less those the hub has no value for (omittedRequestFields).
	requestFields  = []string{"service_request_id", "status", "status_notes", "service_name", "service_code", "description", "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "address", "lat", "long", "media_url"}
	createdFields  = []string{"service_request_id", "service_notice", "account_id"}
	tokenFields    = []string{"service_request_id", "token"}
	errorFields    = []string{"code", "description"}
	definitionKeys = []string{"service_code", "attributes"}
)

var admin = identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}

type env struct {
	srv *httptest.Server
	svc *participation.Service
	key string
	now time.Time
}

func newEnv(t testing.TB, db store.DB) *env {
	t.Helper()
	return newEnvWith(t, db, open311.Options{})
}

// newEnvWith is newEnv with opts' photo limits and, when it names any,
// jurisdictions (the city's alone otherwise).
func newEnvWith(t testing.TB, db store.DB, opts open311.Options) *env {
	t.Helper()
	svc, err := participation.NewService(db.Participation(), participation.Settings{APIKeyCost: identity.FastArgon2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	svc.SetClock(func() time.Time { return now })
	k, err := svc.IssueAPIKey(context.Background(), admin, "Test app")
	if err != nil {
		t.Fatal(err)
	}
	jurisdictions := opts.Jurisdictions
	if jurisdictions == nil {
		jurisdictions = []string{"comune.benevento.it"}
	}
	o := open311.New(svc, open311.Options{Jurisdictions: jurisdictions, Now: func() time.Time { return now },
		MediaURL: func(id string) string { return "https://hub.example.org/photos/" + id + ".jpg" }, Photos: opts.Photos})
	srv := httptest.NewServer(o.Handler("/open311/v2"))
	t.Cleanup(srv.Close)
	return &env{srv: srv, svc: svc, key: k.Key, now: now}
}

func (e *env) do(t *testing.T, method, path string, body io.Reader, ctype string) (int, []byte, string) {
	t.Helper()
	h := http.Header{}
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	return e.send(t, method, path, body, h)
}

// send makes a request of the endpoint with the headers h, and gives the
// answer's status, body and Content-Type.
func (e *env) send(t *testing.T, method, path string, body io.Reader, h http.Header) (int, []byte, string) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+"/open311/v2"+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, b, res.Header.Get("Content-Type")
}

func (e *env) post(t *testing.T, format string, form url.Values) (int, []byte) {
	t.Helper()
	code, b, _ := e.do(t, "POST", "/requests."+format, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
	return code, b
}

// report posts a request of service code at lat (on the city's usual
// longitude) and gives its id.
func (e *env) report(t *testing.T, code, lat string) string {
	t.Helper()
	c, b := e.post(t, "json", url.Values{"api_key": {e.key}, "service_code": {code}, "lat": {lat}, "long": {"14.7802"}, "description": {"Something is wrong here"}})
	if c != 200 {
		t.Fatalf("post %d %s", c, b)
	}
	var created []open311.Created
	_ = json.Unmarshal(b, &created)
	return created[0].ServiceRequestID
}

// keysOf checks a JSON list's objects carry exactly the fields.
func keysOf(t *testing.T, what string, b []byte, fields []string) []map[string]any {
	t.Helper()
	var list []map[string]any
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatalf("%s: %v in %s", what, err, b)
	}
	for _, m := range list {
		for _, f := range fields {
			if _, ok := m[f]; !ok {
				t.Errorf("%s: field %s missing in %v", what, f, m)
			}
		}
	}
	return list
}

// xmlElements lists the child element names of each element named item.
func xmlElements(t *testing.T, b []byte, root, item string) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
		t.Fatalf("no XML declaration: %s", b)
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	var out [][]string
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("xml: %v in %s", err, b)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1 && el.Name.Local != root:
				t.Fatalf("root %s, want %s", el.Name.Local, root)
			case depth == 2 && el.Name.Local == item:
				out = append(out, nil)
			case depth == 3:
				out[len(out)-1] = append(out[len(out)-1], el.Name.Local)
			}
		case xml.EndElement:
			depth--
		}
	}
	return out
}

func TestServices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		code, b, ct := e.do(t, "GET", "/services.json", nil, "")
		if code != 200 || !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("services.json %d %s", code, ct)
		}
		list := keysOf(t, "services.json", b, serviceFields)
		if len(list) != len(participation.DefaultCatalogue().Categories) || list[0]["service_code"] != "pothole" ||
			list[0]["service_name"] != "Buca stradale" || list[0]["type"] != "realtime" || list[0]["metadata"] != false {
			t.Fatalf("services %s", b)
		}
		code, b, ct = e.do(t, "GET", "/services.xml", nil, "")
		if code != 200 || !strings.HasPrefix(ct, "text/xml") {
			t.Fatalf("services.xml %d %s", code, ct)
		}
		for _, els := range xmlElements(t, b, "services", "service") {
			if !slices.Equal(els, serviceFields) {
				t.Fatalf("service elements %v, want %v", els, serviceFields)
			}
		}
		code, b, _ = e.do(t, "GET", "/services/pothole.json", nil, "")
		var def map[string]any
		if code != 200 || json.Unmarshal(b, &def) != nil || def["service_code"] != "pothole" || len(def) != len(definitionKeys) {
			t.Fatalf("definition %d %s", code, b)
		}
		if code, b, _ = e.do(t, "GET", "/services/pothole.xml", nil, ""); code != 200 || !bytes.Contains(b, []byte("<service_definition>")) {
			t.Fatalf("definition xml %d %s", code, b)
		}
		for _, path := range []string{"/services/ufo.json", "/services/pothole.html", "/services/.json"} {
			if code, _, _ := e.do(t, "GET", path, nil, ""); code != 404 {
				t.Errorf("%s: %d, want 404", path, code)
			}
		}
		if code, b, _ := e.do(t, "GET", "/services.json?jurisdiction_id=napoli.it", nil, ""); code != 404 {
			t.Errorf("another jurisdiction: %d %s", code, b)
		}
	})
}

// A client posts a request with its API key and reads it back by id, and
// by the report's token, in JSON and XML; without a key, or with a bad
// one, it is refused.
func TestPostAndReadBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		form := url.Values{"api_key": {e.key}, "jurisdiction_id": {"comune.benevento.it"}, "service_code": {"pothole"},
			"lat": {"41.1316"}, "long": {"14.7802"}, "address_string": {"Via Traiano"}, "email": {"dario@example.org"},
			"first_name": {"Dario"}, "last_name": {"Bianchi"}, "phone": {"3331234567"},
			"description": {"Deep hole <script>alert(1)</script> near the arch"}, "media_url": {"http://169.254.169.254/latest"}}

		for name, tc := range map[string]struct {
			key  []string
			want int
		}{
			"no key":    {nil, 403},
			"bad key":   {[]string{"key_x.nope"}, 403},
			"empty key": {[]string{""}, 403},
		} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f["api_key"] = tc.key
			code, b := e.post(t, "json", f)
			if code != tc.want {
				t.Fatalf("%s: %d %s", name, code, b)
			}
			keysOf(t, name, b, errorFields)
		}
		if list, _ := e.svc.PublicReports(context.Background(), participation.PublicFilter{}); len(list) != 0 {
			t.Fatalf("a refused post made a report: %+v", list)
		}

		code, b := e.post(t, "json", form)
		if code != 200 {
			t.Fatalf("post: %d %s", code, b)
		}
		created := keysOf(t, "created", b, createdFields)
		id := created[0]["service_request_id"].(string)
		v, err := e.svc.Report(context.Background(), admin, id)
		if err != nil {
			t.Fatal(err)
		}
		token := v.Report.Token
		if id == "" || token == "" {
			t.Fatalf("created %s, token %q", b, token)
		}

		code, b, _ = e.do(t, "GET", "/tokens/"+token+".json", nil, "")
		tok := keysOf(t, "token", b, tokenFields)
		if code != 200 || tok[0]["service_request_id"] != id {
			t.Fatalf("token: %d %s", code, b)
		}
		code, b, _ = e.do(t, "GET", "/tokens/"+token+".xml", nil, "")
		if els := xmlElements(t, b, "service_requests", "request"); code != 200 || !slices.Equal(els[0], tokenFields) {
			t.Fatalf("token xml: %d %s", code, b)
		}

		code, b, _ = e.do(t, "GET", "/requests/"+id+".json", nil, "")
		got := keysOf(t, "request", b, requestFields)
		r := got[0]
		if code != 200 || r["service_request_id"] != id || r["status"] != "open" || r["service_code"] != "pothole" ||
			r["lat"] != 41.1316 || r["long"] != 14.7802 || r["address"] != "Via Traiano" || r["media_url"] != "" ||
			r["description"] != "Deep hole <script>alert(1)</script> near the arch" || r["requested_datetime"] != "2026-11-30T09:00:00Z" {
			t.Fatalf("request %d %s", code, b)
		}
		if bytes.Contains(b, []byte("<script>")) {
			t.Fatalf("JSON carries raw markup: %s", b)
		}
		for _, leak := range []string{"dario@example.org", "Dario", "Bianchi", "3331234567", "169.254"} {
			if bytes.Contains(b, []byte(leak)) {
				t.Fatalf("request shows %q: %s", leak, b)
			}
		}
		code, b, _ = e.do(t, "GET", "/requests/"+id+".xml", nil, "")
		els := xmlElements(t, b, "service_requests", "request")
		if code != 200 || len(els) != 1 || !slices.Equal(els[0], requestFields) || !bytes.Contains(b, []byte("Deep hole &lt;script&gt;")) {
			t.Fatalf("request xml %d %s", code, b)
		}

		// POST in XML answers XML.
		code, b = e.post(t, "xml", form)
		if els := xmlElements(t, b, "service_requests", "request"); code != 200 || !slices.Contains(els[0], "service_request_id") {
			t.Fatalf("post xml %d %s", code, b)
		}

		for _, path := range []string{"/requests/rep_missing.json", "/tokens/nope.json"} {
			if code, b, _ := e.do(t, "GET", path, nil, ""); code != 404 {
				t.Errorf("%s: %d %s", path, code, b)
			} else {
				keysOf(t, path, b, errorFields)
			}
		}
	})
}

// Bad input answers 400 with the standard's errors document, and makes no
// report.
func TestPostBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		base := url.Values{"api_key": {e.key}, "service_code": {"pothole"}, "lat": {"41.1316"}, "long": {"14.7802"}, "description": {"Deep hole near the arch"}}
		for name, edit := range map[string]func(url.Values){
			"outside the city": func(f url.Values) { f.Set("lat", "40.8518"); f.Set("long", "14.2681") },
			"lat only":         func(f url.Values) { f.Del("long") },
			"NaN":              func(f url.Values) { f.Set("lat", "NaN") },
			"Inf":              func(f url.Values) { f.Set("long", "+Inf") },
			"no place":         func(f url.Values) { f.Del("lat"); f.Del("long") },
			"no service":       func(f url.Values) { f.Del("service_code") },
			"huge description": func(f url.Values) { f.Set("description", strings.Repeat("a", participation.MaxDescriptionLen+1)) },
			"bad e-mail":       func(f url.Values) { f.Set("email", "not an address") },
			"control chars":    func(f url.Values) { f.Set("description", "bad \x00 bytes here") },
			"two services":     func(f url.Values) { f.Add("service_code", "lighting") },
			"two descriptions": func(f url.Values) { f.Add("description", "Another one") },
		} {
			f := url.Values{}
			for k, v := range base {
				f[k] = slices.Clone(v)
			}
			edit(f)
			code, b := e.post(t, "json", f)
			if code != 400 {
				t.Errorf("%s: %d %s", name, code, b)
				continue
			}
			if errs := keysOf(t, name, b, errorFields); errs[0]["code"] != float64(400) || errs[0]["description"] == "" {
				t.Errorf("%s: %s", name, b)
			}
		}
		code, b := e.post(t, "json", url.Values{"api_key": {e.key}, "description": {strings.Repeat("x", 70<<10)}})
		if code != 400 || !bytes.Contains(b, []byte("too large")) {
			t.Errorf("oversized form: %d %s", code, b)
		}
		if list, _ := e.svc.PublicReports(context.Background(), participation.PublicFilter{}); len(list) != 0 {
			t.Fatalf("bad posts made reports: %+v", list)
		}
	})
}

func multipartPost(t *testing.T, e *env, fields map[string]string, media []byte) (int, []byte) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("media", "photo.jpg")
	_, _ = fw.Write(media)
	_ = mw.Close()
	code, b, _ := e.do(t, "POST", "/requests.json", &body, mw.FormDataContentType())
	return code, b
}

// A photo sent as "media" is re-encoded and kept pending: media_url
// appears only once staff approve it. A fake image is a 400.
func TestPostWithPhoto(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		img := image.NewRGBA(image.Rect(0, 0, 40, 30))
		for i := range img.Pix {
			img.Pix[i] = 200
		}
		img.Set(1, 1, color.Black)
		var jpg bytes.Buffer
		_ = jpeg.Encode(&jpg, img, nil)
		fields := map[string]string{"api_key": e.key, "service_code": "rubbish", "lat": "41.1316", "long": "14.7802", "description": "Bags by the bins"}

		code, b := multipartPost(t, e, fields, []byte("<?php echo 'not a photo'; ?>"))
		if code != 400 || !bytes.Contains(b, []byte("JPEG, PNG or WebP")) {
			t.Fatalf("fake photo: %d %s", code, b)
		}
		noKey := map[string]string{"service_code": "rubbish", "description": "Bags by the bins", "lat": "41.1316", "long": "14.7802"}
		if code, b := multipartPost(t, e, noKey, jpg.Bytes()); code != 403 {
			t.Fatalf("photo without a key: %d %s", code, b)
		}

		code, b = multipartPost(t, e, fields, jpg.Bytes())
		if code != 200 {
			t.Fatalf("post with photo: %d %s", code, b)
		}
		var created []open311.Created
		_ = json.Unmarshal(b, &created)
		id := created[0].ServiceRequestID
		_, b, _ = e.do(t, "GET", "/requests/"+id+".json", nil, "")
		if !bytes.Contains(b, []byte(`"media_url":""`)) {
			t.Fatalf("a pending photo is public: %s", b)
		}
		v, err := e.svc.Report(ctx, admin, id)
		if err != nil || len(v.Photos) != 1 || v.Photos[0].Width != 40 {
			t.Fatalf("photos %+v, %v", v.Photos, err)
		}
		if err := e.svc.ModeratePhoto(ctx, admin, v.Photos[0].ID, participation.PhotoApproved); err != nil {
			t.Fatal(err)
		}
		_, b, _ = e.do(t, "GET", "/requests/"+id+".json", nil, "")
		if !bytes.Contains(b, []byte(`"media_url":"https://hub.example.org/photos/`+v.Photos[0].ID+`.jpg"`)) {
			t.Fatalf("approved photo missing: %s", b)
		}
	})
}

// GET requests filters by the standard's parameters.
func TestRequestFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnv(t, db)
		hole, lamp, rubbish := e.report(t, "pothole", "41.1316"), e.report(t, "lighting", "41.1320"), e.report(t, "rubbish", "41.1330")
		if _, err := e.svc.ChangeStatus(ctx, admin, lamp, participation.StatusFixed, "New bulb."); err != nil {
			t.Fatal(err)
		}
		ids := func(query string) []string {
			code, b, _ := e.do(t, "GET", "/requests.json"+query, nil, "")
			if code != 200 {
				t.Fatalf("%s: %d %s", query, code, b)
			}
			var out []string
			for _, r := range keysOf(t, query, b, requestFields) {
				out = append(out, r["service_request_id"].(string))
			}
			slices.Sort(out)
			return out
		}
		sorted := func(s ...string) []string { slices.Sort(s); return s }
		for query, want := range map[string][]string{
			"":                              sorted(hole, lamp, rubbish),
			"?status=closed":                {lamp},
			"?status=open":                  sorted(hole, rubbish),
			"?status=open,closed":           sorted(hole, lamp, rubbish),
			"?service_code=pothole,rubbish": sorted(hole, rubbish),
			"?service_request_id=" + hole + "," + lamp + "&status=open":      sorted(hole, lamp),
			"?start_date=2026-11-30T10:00:00Z":                               nil,
			"?end_date=2026-11-30T08:59:59Z":                                 nil,
			"?start_date=2026-11-30T08:00:00Z&end_date=2026-11-30T09:00:00Z": sorted(hole, lamp, rubbish),
		} {
			if got := ids(query); !slices.Equal(got, want) {
				t.Errorf("%s: %v, want %v", query, got, want)
			}
		}
		code, b, _ := e.do(t, "GET", "/requests.json?status=closed", nil, "")
		if r := keysOf(t, "closed", b, requestFields); code != 200 || r[0]["status_notes"] != "fixed: New bulb." {
			t.Fatalf("status notes: %s", b)
		}
		for _, q := range []string{"?status=pending", "?start_date=yesterday", "?service_code=ufo"} {
			if code, b, _ := e.do(t, "GET", "/requests.json"+q, nil, ""); code != 400 {
				t.Errorf("%s: %d %s", q, code, b)
			}
		}
		code, b, _ = e.do(t, "GET", "/requests.xml?status=closed", nil, "")
		if els := xmlElements(t, b, "service_requests", "request"); code != 200 || len(els) != 1 || !slices.Equal(els[0], requestFields) {
			t.Fatalf("requests.xml %d %s", code, b)
		}
	})
}

// List parameters are read once per distinct value and bounded: at most
// open311.MaxRequestIDs ids and as many service codes as there are
// services, with a 400 that says so; repeats cost nothing.
func TestRequestListParametersBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		hole := e.report(t, "pothole", "41.1316")

		many := make([]string, open311.MaxRequestIDs+1)
		for i := range many {
			many[i] = fmt.Sprintf("rep_%d", i)
		}
		codes := []string{}
		for _, k := range e.svc.Catalogue().Categories {
			codes = append(codes, k.Code)
		}
		for query, want := range map[string]int{
			"?service_request_id=" + strings.Repeat(hole+",", 500):         200,
			"?service_request_id=" + strings.Join(many, ","):               400,
			"?service_request_id=" + strings.Join(many[1:], ","):           200,
			"?service_code=" + strings.Repeat("pothole,", 500):             200,
			"?service_code=" + strings.Join(append(codes, "pothole"), ","): 200,
			"?service_code=" + strings.Join(append(codes, "ufo"), ","):     400,
			"?status=" + strings.Repeat("open,", 100) + "closed":           200,
		} {
			code, b, _ := e.do(t, "GET", "/requests.json"+query, nil, "")
			if code != want {
				t.Errorf("%.60s…: %d %s, want %d", query, code, b, want)
			}
			if code == 400 && !strings.Contains(string(b), "at most") {
				t.Errorf("%.60s…: the 400 does not say the bound: %s", query, b)
			}
			if code == 200 && strings.Contains(query, hole) {
				if list := keysOf(t, "ids", b, requestFields); len(list) != 1 {
					t.Errorf("a repeated id answered %d requests", len(list))
				}
			}
		}
	})
}

// What GeoReport v2 says and the hub follows: a description is optional
// (the service says what is wrong) and up to 4000 characters; names in a
// request follow Accept-Language as services.json does; a POST may carry
// as many media files as a report takes, each at the photo limit.
func TestFollowsGeoReportV2(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		e := newEnvWith(t, db, open311.Options{Photos: photo.Limits{MaxBytes: 100 << 10}})
		base := url.Values{"api_key": {e.key}, "service_code": {"lighting"}, "lat": {"41.1316"}, "long": {"14.7802"}}
		code, b := e.post(t, "json", base)
		if code != 200 {
			t.Fatalf("a request without a description: %d %s", code, b)
		}
		var created []open311.Created
		_ = json.Unmarshal(b, &created)
		id := created[0].ServiceRequestID
		long := url.Values{}
		for k, v := range base {
			long[k] = v
		}
		long.Set("description", strings.Repeat("è", participation.MaxDescriptionLen))
		if code, b := e.post(t, "json", long); code != 200 {
			t.Fatalf("a description of %d characters: %d %s", participation.MaxDescriptionLen, code, b)
		}

		if _, err := e.svc.ChangeStatus(ctx, admin, id, participation.StatusAcknowledged, ""); err != nil {
			t.Fatal(err)
		}
		for lang, want := range map[string]string{"en-GB,en;q=0.9": "Street lighting", "it-IT": "Illuminazione pubblica", "": "Illuminazione pubblica",
			// By the weights, not the order; a language the city does not
			// speak is Italian.
			"it;q=0.1, en": "Street lighting", "en;q=0.2, it-IT;q=0.8": "Illuminazione pubblica", "fr-FR": "Illuminazione pubblica", "en-US,fr;q=0.5": "Street lighting",
			"mt, cy": "Illuminazione pubblica", "en-US, zz;q=0.1": "Street lighting"} {
			req, _ := http.NewRequest("GET", e.srv.URL+"/open311/v2/requests/"+id+".json", nil)
			if lang != "" {
				req.Header.Set("Accept-Language", lang)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			r := keysOf(t, lang, b, requestFields)
			if r[0]["service_name"] != want || r[0]["description"] != "" {
				t.Errorf("Accept-Language %q: %s", lang, b)
			}
		}

		// Three photos, each under the 100 KiB limit, together over one
		// photo and the fields.
		var photos [][]byte
		for i := range participation.MaxPhotos {
			photos = append(photos, noiseJPEG(t, int64(i)))
		}
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range base {
			_ = mw.WriteField(k, v[0])
		}
		for _, p := range photos {
			fw, _ := mw.CreateFormFile("media", "photo.jpg")
			_, _ = fw.Write(p)
		}
		_ = mw.Close()
		if body.Len() <= 100<<10+64<<10 {
			t.Fatalf("the body (%d bytes) would fit the old limit", body.Len())
		}
		code, b, _ = e.do(t, "POST", "/requests.json", &body, mw.FormDataContentType())
		if code != 200 {
			t.Fatalf("three photos: %d %s", code, b)
		}
		_ = json.Unmarshal(b, &created)
		v, err := e.svc.Report(ctx, admin, created[0].ServiceRequestID)
		if err != nil || len(v.Photos) != participation.MaxPhotos {
			t.Fatalf("photos kept: %d, %v", len(v.Photos), err)
		}
	})
}

// noiseJPEG is a JPEG of noise (which compresses badly) between 60 and
// 100 KiB.
func noiseJPEG(t *testing.T, seed int64) []byte {
	t.Helper()
	rnd := rand.New(rand.NewPCG(uint64(seed), 7))
	img := image.NewRGBA(image.Rect(0, 0, 300, 300))
	for i := range img.Pix {
		img.Pix[i] = byte(rnd.IntN(256))
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
	if b.Len() < 60<<10 || b.Len() > 100<<10 {
		t.Fatalf("noise JPEG of %d bytes", b.Len())
	}
	return b.Bytes()
}

// page and page_size, the pagination extension GeoReport servers share,
// walk the list newest first without gaps or repeats; bad values are 400.
func TestRequestPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		var all []string
		for range 5 {
			all = append(all, e.report(t, "pothole", "41.1316"))
		}
		page := func(query string) []string {
			code, b, _ := e.do(t, "GET", "/requests.json"+query, nil, "")
			if code != 200 {
				t.Fatalf("%s: %d %s", query, code, b)
			}
			var out []string
			for _, r := range keysOf(t, query, b, requestFields) {
				out = append(out, r["service_request_id"].(string))
			}
			return out
		}
		newest := page("")
		if len(newest) != 5 {
			t.Fatalf("whole list: %v", newest)
		}
		var walked []string
		for i, want := range []int{2, 2, 1, 0} {
			got := page(fmt.Sprintf("?page_size=2&page=%d", i+1))
			if len(got) != want {
				t.Fatalf("page %d: %v, want %d requests", i+1, got, want)
			}
			walked = append(walked, got...)
		}
		if !slices.Equal(walked, newest) {
			t.Fatalf("pages walked %v, the whole list is %v", walked, newest)
		}
		if got := page("?page_size=3"); !slices.Equal(got, newest[:3]) {
			t.Errorf("page_size alone: %v, want the first page %v", got, newest[:3])
		}
		if got := page("?page=2&page_size=2&service_request_id=" + all[0]); !slices.Equal(got, all[:1]) {
			t.Errorf("with service_request_id the pages are ignored: %v", got)
		}
		for _, q := range []string{"?page=0", "?page=-1", "?page=x", "?page_size=0", "?page_size=1001", "?page_size=1e2",
			"?page=+2", "?page=50002&page_size=2", "?page=102&page_size=1000"} {
			code, b, _ := e.do(t, "GET", "/requests.json"+q, nil, "")
			if errs := keysOf(t, q, b, errorFields); code != 400 || errs[0]["code"] != float64(400) {
				t.Errorf("%s: %d %s", q, code, b)
			}
		}
		if got := page("?page=50001&page_size=2"); len(got) != 0 {
			t.Errorf("the deepest page: %v", got)
		}
	})
}

// A report whose category left the catalogue (a restart with another
// catalogue file) stays with its office, and Open311 names that office as
// the agency responsible, in the language asked for, as before.
func TestDroppedCategoryKeepsItsAgency(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t)
	e := newEnv(t, db)
	id := e.report(t, "pothole", "41.1307")
	cat := participation.DefaultCatalogue()
	roads, ok := cat.Office("roads")
	if !ok {
		t.Fatal("no roads office in the default catalogue")
	}
	cat.Categories = slices.DeleteFunc(cat.Categories, func(k participation.Category) bool { return k.Code == "pothole" })
	svc, err := participation.NewService(db.Participation(), participation.Settings{Catalogue: cat, APIKeyCost: identity.FastArgon2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(open311.New(svc, open311.Options{Jurisdictions: []string{"comune.benevento.it"}}).Handler("/open311/v2"))
	defer srv.Close()
	for lang, want := range map[string]string{"it": roads.NameIT, "en": roads.NameEN} {
		req, _ := http.NewRequest("GET", srv.URL+"/open311/v2/requests/"+id+".json", nil)
		req.Header.Set("Accept-Language", lang)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got []open311.ServiceRequest
		err = json.NewDecoder(res.Body).Decode(&got)
		res.Body.Close()
		if err != nil || len(got) != 1 || got[0].AgencyResponsible != want || got[0].ServiceCode != "pothole" {
			t.Fatalf("%s: %+v, %v; want the agency %q", lang, got, err, want)
		}
	}
}
