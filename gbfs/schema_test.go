package gbfs

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The official MobilityData schemas, copied under testdata (see its README).
const schemaDir = "../testdata/gbfs-json-schema/v3.0"

var (
	schemasOnce sync.Once
	schemas     map[string]*jsonschema.Schema
	schemasErr  error
)

// mustSchemas compiles each feed's schema once. Every schema file gets its own
// compiler: they all share one base $id (gbfs.md) and differ by fragment only.
func mustSchemas(tb testing.TB) map[string]*jsonschema.Schema {
	tb.Helper()
	schemasOnce.Do(func() {
		schemas = map[string]*jsonschema.Schema{}
		for _, name := range FeedNames {
			c := jsonschema.NewCompiler()
			c.AssertFormat()
			path, err := filepath.Abs(filepath.Join(schemaDir, name+".json"))
			if err != nil {
				schemasErr = err
				return
			}
			s, err := c.Compile(path)
			if err != nil {
				schemasErr = fmt.Errorf("compile %s: %w", name, err)
				return
			}
			schemas[name] = s
		}
	})
	if schemasErr != nil {
		tb.Fatal(schemasErr)
	}
	return schemas
}

// validateFeed checks body against the official schema of feed name.
func validateFeed(tb testing.TB, name string, body []byte) error {
	tb.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s is not JSON: %w", name, err)
	}
	if err := mustSchemas(tb)[name].Validate(doc); err != nil {
		return fmt.Errorf("%s does not validate: %v\n%s", name, err, body)
	}
	return nil
}

// TestSchemasReject proves the validator bites: a feed missing a required
// field, or with a wrong type, fails.
func TestSchemasReject(t *testing.T) {
	cases := []struct{ name, feed, body string }{
		{"no ttl", FeedSystemInformation, `{"last_updated":"2026-05-01T10:00:00+02:00","version":"3.0","data":{}}`},
		{"wrong version", FeedStationStatus, `{"last_updated":"2026-05-01T10:00:00+02:00","ttl":15,"version":"2.3","data":{"stations":[]}}`},
		{"status without last_reported", FeedStationStatus, `{"last_updated":"2026-05-01T10:00:00+02:00","ttl":15,"version":"3.0","data":{"stations":[{"station_id":"a","num_vehicles_available":1,"is_installed":true,"is_renting":true,"is_returning":true}]}}`},
		{"bad timestamp", FeedVehicleStatus, `{"last_updated":"yesterday","ttl":15,"version":"3.0","data":{"vehicles":[]}}`},
		{"e-bike type without range", FeedVehicleTypes, `{"last_updated":"2026-05-01T10:00:00+02:00","ttl":15,"version":"3.0","data":{"vehicle_types":[{"vehicle_type_id":"e","form_factor":"bicycle","propulsion_type":"electric_assist"}]}}`},
		{"negative price", FeedSystemPricingPlans, `{"last_updated":"2026-05-01T10:00:00+02:00","ttl":15,"version":"3.0","data":{"plans":[{"plan_id":"p","name":[{"text":"P","language":"it"}],"currency":"EUR","price":-1,"is_taxable":false,"description":[{"text":"P","language":"it"}]}]}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := validateFeed(t, c.feed, []byte(c.body)); err == nil {
				t.Fatalf("the schema accepted %s", c.body)
			}
		})
	}
}
