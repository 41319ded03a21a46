package api

import (
	"bytes"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// A dock of 0 names no dock, as the hub reads it: an unlock by bike_id and
// a fault report on a bike may carry "dock": 0, and the document must not
// call such a body invalid; a negative dock stays refused.
func TestOpenAPIDockZeroNamesNone(t *testing.T) {
	const url = "https://cityhub.test/openapi.json"
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(renderOpenAPI(t)))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		schema, body string
		valid        bool
	}{
		{"UnlockRequest", `{"station_id":"s1","bike_id":"b1","dock":0}`, true},
		{"UnlockRequest", `{"station_id":"s1","dock":3}`, true},
		{"UnlockRequest", `{"station_id":"s1","dock":-1}`, false},
		{"FaultReportRequest", `{"station_id":"s1","target":"bike","bike_id":"b1","dock":0,"description":"flat tyre"}`, true},
		{"FaultReportRequest", `{"station_id":"s1","target":"dock","dock":-1,"description":"jammed"}`, false},
	} {
		s, err := c.Compile(url + "#/components/schemas/" + tc.schema)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(inst); (err == nil) != tc.valid {
			t.Errorf("%s %s: valid %v, want %v (%v)", tc.schema, tc.body, err == nil, tc.valid, err)
		}
	}
}
