package wallet_test

import (
	"context"
	"strings"
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

// A test top-up key belongs to one citizen only, and a test top-up keeps
// within the top-up bounds.
func TestTestTopUpKeys(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		svc := wallet.NewService(db.Wallet(), storetest.Logger(t))
		if err := svc.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		first, err := svc.TestTopUp(ctx, "carol", 500, "same-key-001")
		if err != nil || first.Replayed || first.Kind != wallet.KindTopUpTest {
			t.Fatalf("test top-up = %+v, %v", first, err)
		}
		again, err := svc.TestTopUp(ctx, "carol", 500, "same-key-001")
		if err != nil || !again.Replayed || again.ID != first.ID {
			t.Fatalf("the same top-up again = %+v, %v", again, err)
		}
		other, err := svc.TestTopUp(ctx, "dave", 500, "same-key-001")
		if err != nil || other.Replayed || other.ID == first.ID {
			t.Fatalf("dave's top-up with carol's key = %+v, %v", other, err)
		}
		_, err = svc.TestTopUp(ctx, "carol", 50_001, "same-key-002")
		testutil.WantCode(t, err, apperr.Invalid)
		c, err := svc.Check(ctx)
		if err != nil || !c.OK() || c.Transactions != 2 {
			t.Fatalf("check = %+v, %v", c, err)
		}
	})
}
