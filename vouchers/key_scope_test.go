package vouchers_test

import (
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// Whose an Idempotency-Key is follows whose the operation is, as the
// README and docs/vouchers.md say: a redemption's and a reversal's key is
// the shop's (another staff member of the shop sending it again gets the
// first answer, replayed; a staff member of another shop has keys of their
// own), a settlement's and its payment's is the city's (another
// administrator gets the first statement), and a claim's is the citizen's
// own.
func TestKeysBelongToWhoseTheOperationIs(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop, other := f.shop("Forno A", "centro", "food"), f.shop("Forno B", "centro", "food")
		staff := func(account, shopID string) identity.Caller {
			return identity.Caller{AccountID: account, Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shopID}}}
		}
		anna, bruno, carla := staff("acc_anna_staff", shop.ID), staff("acc_bruno_staff", shop.ID), staff("acc_carla_staff", other.ID)
		camp := f.campaign(vouchers.Campaign{BudgetCents: 5000, FaceValueCents: 1000})

		// A claim's key is the citizen's: another citizen's same key is
		// a claim of their own.
		v1, replayed, err := f.svc.ClaimWithKey(f.ctx, citizen(1), camp.ID, "claim-1")
		if err != nil || replayed {
			t.Fatalf("first claim: %v, replayed %v", err, replayed)
		}
		v2, replayed, err := f.svc.ClaimWithKey(f.ctx, citizen(2), camp.ID, "claim-1")
		if err != nil || replayed || v2.ID == v1.ID {
			t.Fatalf("another citizen's claim under the same key: %+v, %v, replayed %v", v2, err, replayed)
		}

		req := vouchers.RedeemRequest{Code: v1.TypedCode, PurchaseCents: 1500}
		red, _, err := f.svc.Redeem(f.ctx, anna, shop.ID, "till-1", req)
		if err != nil {
			t.Fatal(err)
		}
		again, replayed, err := f.svc.Redeem(f.ctx, bruno, shop.ID, "till-1", req)
		if err != nil || !replayed || again.ID != red.ID {
			t.Fatalf("another staff member of the shop, same key and request: %+v, %v, replayed %v", again, err, replayed)
		}
		_, _, err = f.svc.Redeem(f.ctx, bruno, shop.ID, "till-1", vouchers.RedeemRequest{Code: v2.TypedCode, PurchaseCents: 1500})
		testutil.WantReason(t, err, apperr.Conflict, "idempotency_key_reused")
		theirs, replayed, err := f.svc.Redeem(f.ctx, carla, other.ID, "till-1", vouchers.RedeemRequest{Code: v2.TypedCode, PurchaseCents: 1500})
		if err != nil || replayed || theirs.ID == red.ID {
			t.Fatalf("another shop's staff under the same key: %+v, %v, replayed %v", theirs, err, replayed)
		}

		rev, _, err := f.svc.Reverse(f.ctx, anna, shop.ID, red.ID, "undo-1")
		if err != nil {
			t.Fatal(err)
		}
		if again, replayed, err := f.svc.Reverse(f.ctx, bruno, shop.ID, red.ID, "undo-1"); err != nil || !replayed || again.ID != rev.ID {
			t.Fatalf("another staff member reverses again under the key: %+v, %v, replayed %v", again, err, replayed)
		}

		f.clock.Add(vouchers.ReversalWindow + time.Minute)
		admin2 := identity.Caller{AccountID: "acc_admin2", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
		st, _, err := f.svc.CloseSettlement(f.ctx, admin, "settle-1", other.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if again, replayed, err := f.svc.CloseSettlement(f.ctx, admin2, "settle-1", other.ID, nil); err != nil || !replayed || again.ID != st.ID {
			t.Fatalf("another administrator closes again under the key: %+v, %v, replayed %v", again, err, replayed)
		}
		if _, _, err := f.svc.MarkPaid(f.ctx, admin, "paid-1", st.ID, "CRO 123"); err != nil {
			t.Fatal(err)
		}
		if again, replayed, err := f.svc.MarkPaid(f.ctx, admin2, "paid-1", st.ID, "CRO 123"); err != nil || !replayed || again.ID != st.ID {
			t.Fatalf("another administrator records the payment again under the key: %+v, %v, replayed %v", again, err, replayed)
		}
	})
}
