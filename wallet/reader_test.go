package wallet_test

import (
	"context"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// The checked reads decide who sees a ledger account: its citizen their own
// credit, the city's administrators any account, nobody else anything, and
// a refusal reads nothing.
func TestCheckedReadsDecideWhoSees(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		svc := wallet.NewService(db.Wallet(), storetest.Logger(t))
		if err := svc.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.TestTopUp(ctx, "acc_anna", 1500, "anna-topup-1"); err != nil {
			t.Fatal(err)
		}
		anna := identity.Caller{AccountID: "acc_anna", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
		bruno := identity.Caller{AccountID: "acc_bruno", Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
		merchant := identity.Caller{AccountID: "acc_shop", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: "shop_1"}}}
		admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
		annas := wallet.CitizenAccount("acc_anna")

		if a, err := svc.AccountFor(ctx, anna, annas); err != nil || a.Balance != 1500 {
			t.Fatalf("anna's own account: %+v, %v", a, err)
		}
		if h, err := svc.HistoryFor(ctx, anna, annas, "", 10); err != nil || len(h.Lines) != 1 {
			t.Fatalf("anna's own history: %+v, %v", h, err)
		}
		if _, err := svc.ItemsFor(ctx, anna, "acc_anna"); err != nil {
			t.Fatalf("anna's own items: %v", err)
		}
		if a, err := svc.AccountFor(ctx, admin, annas); err != nil || a.Balance != 1500 {
			t.Fatalf("an administrator reading anna's account: %+v, %v", a, err)
		}
		if _, err := svc.HistoryFor(ctx, admin, wallet.TestPayments, "", 10); err != nil {
			t.Fatalf("an administrator reading a city account: %v", err)
		}
		for name, try := range map[string]func() error{
			"bruno reads anna's account":  func() error { _, err := svc.AccountFor(ctx, bruno, annas); return err },
			"bruno reads anna's history":  func() error { _, err := svc.HistoryFor(ctx, bruno, annas, "", 10); return err },
			"bruno reads anna's items":    func() error { _, err := svc.ItemsFor(ctx, bruno, "acc_anna"); return err },
			"anna reads a city account":   func() error { _, err := svc.AccountFor(ctx, anna, wallet.CityFunding); return err },
			"a shop reads the test money": func() error { _, err := svc.HistoryFor(ctx, merchant, wallet.TestPayments, "", 10); return err },
			"a shop reads a citizen's":    func() error { _, err := svc.AccountFor(ctx, merchant, annas); return err },
			"nobody reads anna's account": func() error { _, err := svc.AccountFor(ctx, nil, annas); return err },
		} {
			if err := try(); apperr.CodeOf(err) != apperr.Forbidden && apperr.CodeOf(err) != apperr.Unauthenticated {
				t.Errorf("%s: %v, want a refusal", name, err)
			}
		}
	})
}
