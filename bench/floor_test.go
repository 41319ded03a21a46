package bench

import (
	"fmt"
	"net/http"
	"testing"

	"cityhub/identity"
)

// BenchmarkAPIFloor reads the caller's own account (GET /api/v1/me) with 64
// concurrent tills: a bearer token checked, the account read, JSON out. Every
// till operation does at least this, so its rate bounds theirs from above on
// the same machine.
func BenchmarkAPIFloor(b *testing.B) {
	for _, engine := range benchEngines {
		b.Run(engine, func(b *testing.B) { apiFloor(b, engine) })
	}
}

func apiFloor(b *testing.B, engine string) {
	h := newBenchHub(b, engine)
	_, bearers := h.accounts(b, 50, "floor", identity.RoleCitizen, nil)
	closedLoop(b, b.N, "req/s", func(i int64) error {
		status, body, err := h.call("GET", "/api/v1/me", bearers[i%int64(len(bearers))], "", nil)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("me: %d %s", status, body)
		}
		return err
	})
}
