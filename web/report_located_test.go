package web

import (
	"net/http"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
)

// A JSON report with lat and lon is located, as the docs say ("a located
// report needs both lat and lon") and as the form takes them, where
// without "located": true it was refused as no place at all (no_location).
// located true is still taken. located false beside a coordinate, in JSON
// or multipart, is refused with a reason of its own that says what to
// leave out, and nothing is made, where multipart dropped the point.
func TestReportCoordinatesSayItIsLocated(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	cit := env.login(t, identity.RoleCitizen)
	const desc = `"description":"A deep hole in the road"`
	for _, body := range []string{
		`{"category":"pothole","lat":41.1307,"lon":14.776,` + desc + `}`,
		`{"category":"pothole","located":true,"lat":41.1307,"lon":14.776,` + desc + `}`,
		`{"category":"pothole","located":null,"lat":41.1307,"lon":14.776,` + desc + `}`,
	} {
		r := createReportAPI(t, env, cit, body)
		if !r.Located || r.Lat != 41.1307 || r.Lon != 14.776 || r.Contrada == "" {
			t.Fatalf("%s: %+v; want located at its point", body, r)
		}
	}
	if r := createReportAPI(t, env, cit, `{"category":"pothole","located":false,"address":"Via Roma 1",`+desc+`}`); r.Located {
		t.Fatalf("a report placed by its address: %+v", r)
	}
	if r := createReportAPI(t, env, cit, `{"category":"pothole","address":"Via Roma 1",`+desc+`}`); r.Located {
		t.Fatalf("a report placed by its address, located left out: %+v", r)
	}
	// Every field written, as a client serializing a report without a
	// point does: its zeros are no point.
	if r := createReportAPI(t, env, cit, `{"category":"pothole","located":false,"lat":0,"lon":0,"address":"Via Roma 1",`+desc+`,"public_name":false}`); r.Located {
		t.Fatalf("a report placed by its address, its coordinates 0: %+v", r)
	}

	for body, reason := range map[string]string{
		`{"category":"pothole","located":false,"lat":41.1307,"lon":14.776,` + desc + `}`:                        "located_false_with_point",
		`{"category":"pothole","located":false,"lat":41.1307,"lon":14.776,"address":"Via Roma 1",` + desc + `}`: "located_false_with_point",
		`{"category":"pothole","located":false,"lon":14.776,` + desc + `}`:                                      "located_false_with_point",
		`{"category":"pothole","lat":41.1307,` + desc + `}`:                                                     "bad_location",
		`{"category":"pothole","located":true,` + desc + `}`:                                                    "bad_location",
		`{"category":"pothole",` + desc + `}`:                                                                   "no_location",
	} {
		p := wantProblem(t, env.do(t, "POST", "/api/v1/reports", cit, body), http.StatusBadRequest)
		if p.Reason != reason {
			t.Fatalf("%s: %+v; want %s", body, p, reason)
		}
		if reason == "located_false_with_point" && (!strings.Contains(p.Detail, "located is false") || !strings.Contains(p.Detail, "leave located out")) {
			t.Fatalf("%s refused in words that do not say what to leave out: %q", body, p.Detail)
		}
	}
	res := env.doMultipart(t, "/api/v1/reports", cit, map[string]string{"category": "pothole", "located": "false", "lat": "41.1307", "lon": "14.776",
		"address": "Via Roma 1", "description": "A deep hole in the road"})
	if p := wantProblem(t, res, http.StatusBadRequest); p.Reason != "located_false_with_point" {
		t.Fatalf("multipart located=false with a point: %+v", p)
	}
	var mine struct{ Reports []participation.Report }
	decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/me/reports", cit, "")), &mine)
	if len(mine.Reports) != 6 {
		t.Fatalf("%d reports made, want the 6 taken", len(mine.Reports))
	}
}
