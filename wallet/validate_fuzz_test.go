package wallet_test

import (
	"encoding/json"
	"testing"

	"cityhub/apperr"
	"cityhub/wallet"
)

// FuzzTransactionValidate feeds Validate arbitrary transactions as JSON: it
// never panics, refuses with Invalid only, and whatever it accepts is
// balanced, within bounds and free of repeated accounts.
func FuzzTransactionValidate(f *testing.F) {
	for _, seed := range []string{
		`{"key":"k","kind":"x","entries":[{"account":"a","amount_cents":-5},{"account":"b","amount_cents":5}]}`,
		`{"key":"k","kind":"x","entries":[{"account":"a","amount_cents":-5},{"account":"a","amount_cents":5}]}`,
		`{"key":"k","kind":"x","entries":[{"account":"a","amount_cents":9223372036854775807},{"account":"b","amount_cents":1}]}`,
		`{"key":"k","kind":"ride.fare","entries":[{"account":"a","amount_cents":-5},{"account":"b","amount_cents":5}],"overdraft":{"name":"ride_overrun","floor_cents":-2000},"overdraft_account":"a"}`,
		`{"key":"k","kind":"ride.fare","entries":[{"account":"a","amount_cents":-5},{"account":"b","amount_cents":5}],"overdraft":{"name":"ride_overrun","floor_cents":-9999999},"overdraft_account":"a"}`,
		`{"key":"k","kind":"x","entries":[{"account":"a","amount_cents":-5},{"account":"b","amount_cents":5}],"overdraft":{"name":"disputed_topup","floor_cents":-50001},"overdraft_account":"a"}`,
		`{"key":" ","kind":"x","entries":[]}`,
		`{}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var tr wallet.Transaction
		if json.Unmarshal(data, &tr) != nil {
			return
		}
		err := tr.Validate()
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("Validate refused with %v, want Invalid", err)
			}
			return
		}
		var sum int64
		seen := map[wallet.AccountID]bool{}
		for _, e := range tr.Entries {
			if e.Amount == 0 || e.Amount > wallet.MaxAmount || e.Amount < -wallet.MaxAmount || seen[e.Account] || e.Account == "" {
				t.Fatalf("Validate accepted entry %+v of %+v", e, tr)
			}
			seen[e.Account] = true
			sum += e.Amount
		}
		if sum != 0 || len(tr.Entries) < 2 {
			t.Fatalf("Validate accepted an unbalanced transaction %+v", tr)
		}
		if r := tr.Overdraft; r != nil && *r != wallet.RideOverrun && (r.Name != "disputed_topup" || r.Floor >= 0 || r.Floor < -wallet.MaxTopUp) {
			t.Fatalf("Validate accepted overdraft rule %+v", *tr.Overdraft)
		}
	})
}
