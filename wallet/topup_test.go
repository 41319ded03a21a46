package wallet_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

func TestTopUpBoundsAndKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cents int64
		ok    bool
	}{{wallet.MinTopUp - 1, false}, {wallet.MinTopUp, true}, {wallet.MaxTopUp, true}, {wallet.MaxTopUp + 1, false}, {0, false}, {-500, false}} {
		if err := wallet.ValidateTopUp(tc.cents); (err == nil) != tc.ok {
			t.Errorf("ValidateTopUp(%d) = %v", tc.cents, err)
		}
	}
	for key, ok := range map[string]bool{
		"abcdefgh": true, strings.Repeat("k", 100): true, "550e8400-e29b-41d4-a716-446655440000": true,
		"short": true, "": false, strings.Repeat("k", 101): false, "has space 123": false, "naïve-key-1": false, "tab\tkey-123": false,
	} {
		if err := wallet.ValidateClientKey(key); (err == nil) != ok {
			t.Errorf("ValidateClientKey(%q) = %v", key, err)
		}
	}
}

// A card top-up confirmed by many deliveries at once credits once, opens
// the citizen's account if needed, and a test top-up key belongs to one
// citizen only.
func TestCreditCardTopUpOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		svc := wallet.NewService(db.Wallet(), storetest.Logger(t))
		if err := svc.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		txs := make([]wallet.Transaction, 16)
		errs := make([]error, 16)
		for i := range txs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				txs[i], errs[i] = svc.CreditCardTopUp(ctx, "carol", 2500, "pi_123")
			}()
		}
		wg.Wait()
		created := 0
		for i := range txs {
			if errs[i] != nil {
				t.Fatalf("delivery %d: %v", i, errs[i])
			}
			if txs[i].ID != txs[0].ID {
				t.Fatalf("deliveries answered different transactions")
			}
			if !txs[i].Replayed {
				created++
			}
		}
		if created != 1 {
			t.Fatalf("%d of 16 deliveries credited", created)
		}
		a, err := svc.Account(ctx, wallet.CitizenAccount("carol"))
		if err != nil || a.Balance != 2500 || a.Floor == nil || *a.Floor != 0 {
			t.Fatalf("carol = %+v, %v", a, err)
		}
		// The same intent reported with another amount is not the same movement.
		_, err = svc.CreditCardTopUp(ctx, "carol", 2600, "pi_123")
		testutil.WantCode(t, err, apperr.Conflict)
		for _, bad := range []struct {
			acct, pi string
			cents    int64
		}{{"carol", "", 100}, {"", "pi_x", 100}, {"carol", "pi_x", 0}, {"carol", "pi_x", -1}} {
			_, err := svc.CreditCardTopUp(ctx, bad.acct, bad.cents, bad.pi)
			testutil.WantCode(t, err, apperr.Invalid)
		}

		first, err := svc.TestTopUp(ctx, "carol", 500, "same-key-001")
		if err != nil || first.Replayed || first.Kind != wallet.KindTopUpTest {
			t.Fatalf("test top-up = %+v, %v", first, err)
		}
		other, err := svc.TestTopUp(ctx, "dave", 500, "same-key-001")
		if err != nil || other.Replayed || other.ID == first.ID {
			t.Fatalf("dave's top-up with carol's key = %+v, %v", other, err)
		}
		_, err = svc.TestTopUp(ctx, "carol", 50_001, "same-key-002")
		testutil.WantCode(t, err, apperr.Invalid)
		c, err := svc.Check(ctx)
		if err != nil || !c.OK() || c.Transactions != 3 {
			t.Fatalf("check = %+v, %v", c, err)
		}
	})
}
