package web

import (
	"fmt"
	"net/http"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
)

// What keeping first answers costs a state-changing call, against the same
// call without a key in the same run: creating a shop (one write
// transaction), and a retry answered from the kept answer.
//
//	go test -run '^$' -bench KeyedCall -benchtime 500x ./web/
func BenchmarkKeyedCall(b *testing.B) {
	for _, engine := range storetest.Engines {
		_, env := newTestServer(b, engine, authzConfigure...)
		admin := env.login(b, identity.RoleAdmin)
		shop := `{"name":"Forno","address":"Via Traiano 3","district":"centro","category":"food","iban":"IT60 X054 2811 1010 0000 0123 456"}`
		post := func(b *testing.B, key string, want int) {
			var headers []string
			if key != "" {
				headers = append(headers, "Idempotency-Key: "+key)
			}
			if rec := send(env.Server, "POST", "/api/v1/admin/shops", admin, shop, headers...); rec.Code != want {
				b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
		}
		b.Run(engine+"/without key", func(b *testing.B) {
			for b.Loop() {
				post(b, "", http.StatusCreated)
			}
		})
		n := 0
		b.Run(engine+"/with a new key", func(b *testing.B) {
			for b.Loop() {
				n++
				post(b, fmt.Sprintf("bench-%s-%d", engine, n), http.StatusCreated)
			}
		})
		b.Run(engine+"/retry answered from the kept answer", func(b *testing.B) {
			for b.Loop() {
				post(b, "bench-"+engine+"-1", http.StatusCreated)
			}
		})
	}
}
