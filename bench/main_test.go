package bench

import (
	"fmt"
	"os"
	"testing"

	"cityhub/internal/gctune"
)

// TestMain gives every benchmark a freshly migrated PostgreSQL schema, never
// one from the tests' pool (store/storetest/pool.go): a pooled schema is
// emptied with DELETE, so it keeps the dead rows and the planner statistics
// earlier tests left, which would make a measurement depend on what ran
// before it.
//
// It also sets the garbage collector as the cityhub binary does (gctune),
// so that the hub measured here runs as it runs in production; the
// benchmarks' clients, in the same process, share that setting.
func TestMain(m *testing.M) {
	os.Setenv("CITYHUB_TEST_FRESH_SCHEMAS", "1")
	if _, err := gctune.Apply(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
	}
	os.Exit(m.Run())
}
