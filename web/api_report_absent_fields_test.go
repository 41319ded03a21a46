package web

import (
	"net/http"
	"testing"

	"cityhub/identity"
)

// A report without its category or its description, in JSON or as a
// form, is 400 missing_field naming the field, as every other call
// answers a field left out; it was unknown_category (`There is no
// category "".`) and bad_description. A field sent empty is still judged
// as its value.
func TestReportWithoutCategoryOrDescription(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	_, cit := env.account(t, identity.RoleCitizen)
	const desc = `"description":"A deep hole by the bus stop"`
	const place = `"lat":41.1307,"lon":14.776`
	for _, tc := range []struct{ name, body, reason, field string }{
		{"json without category", `{` + place + `,` + desc + `}`, "missing_field", "category"},
		{"json without description", `{"category":"pothole",` + place + `}`, "missing_field", "description"},
		{"json without either", `{` + place + `}`, "missing_field", "category"},
		{"json with an empty category", `{"category":"",` + place + `,` + desc + `}`, "unknown_category", ""},
		{"json with an empty description", `{"category":"pothole",` + place + `,"description":""}`, "bad_description", ""},
	} {
		p := wantProblem(t, env.do(t, "POST", "/api/v1/reports", cit, tc.body), http.StatusBadRequest)
		if p.Reason != tc.reason || tc.field != "" && p.Detail != `The field "`+tc.field+`" is required.` {
			t.Errorf("%s: %s %q; want %s naming %q", tc.name, p.Reason, p.Detail, tc.reason, tc.field)
		}
	}
	field := func(name, value string) formPart { return formPart{name: name, value: value} }
	for _, tc := range []struct {
		name   string
		parts  []formPart
		reason string
		field  string
	}{
		{"form without category", []formPart{field("lat", "41.1307"), field("lon", "14.776"), field("description", "A deep hole by the bus stop")}, "missing_field", "category"},
		{"form without description", []formPart{field("lat", "41.1307"), field("lon", "14.776"), field("category", "pothole")}, "missing_field", "description"},
		{"form with an empty category", []formPart{field("category", ""), field("lat", "41.1307"), field("lon", "14.776"), field("description", "A deep hole by the bus stop")}, "unknown_category", ""},
	} {
		p := wantProblem(t, env.postParts(t, "/api/v1/reports", cit, tc.parts...), http.StatusBadRequest)
		if p.Reason != tc.reason || tc.field != "" && p.Detail != `The field "`+tc.field+`" is required.` {
			t.Errorf("%s: %s %q; want %s naming %q", tc.name, p.Reason, p.Detail, tc.reason, tc.field)
		}
	}
	if n := myReportCount(t, env, cit); n != 0 {
		t.Fatalf("%d reports after refused ones, want none", n)
	}
}
