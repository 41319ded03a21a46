package bench

import (
	"os"
	"testing"
)

// TestMain gives every benchmark a freshly migrated PostgreSQL schema, never
// one from the tests' pool (store/storetest/pool.go): a pooled schema is
// emptied with DELETE, so it keeps the dead rows and the planner statistics
// earlier tests left, which would make a measurement depend on what ran
// before it.
func TestMain(m *testing.M) {
	os.Setenv("CITYHUB_TEST_FRESH_SCHEMAS", "1")
	os.Exit(m.Run())
}
