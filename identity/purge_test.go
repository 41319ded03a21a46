package identity_test

import (
	"context"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// Accounts never verified are erased after the TTL; verified ones, recent
// ones, ones with a fiscal code and ones any money moved for are kept.
func TestPurgeUnverified(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now := f.clock.Now()
		old := now.Add(-8 * 24 * time.Hour)
		accounts := []identity.Account{
			{ID: "acc_stale", Email: "stale@example.org", CreatedAt: old},
			{ID: "acc_verified", Email: "verified@example.org", CreatedAt: old, EmailVerifiedAt: old},
			{ID: "acc_recent", Email: "recent@example.org", CreatedAt: now.Add(-time.Hour)},
			{ID: "acc_spid", Email: "spid@example.org", CreatedAt: old, FiscalCode: "RSSMRA80A01A783X"},
			{ID: "acc_money", Email: "money@example.org", CreatedAt: old},
		}
		if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
			for _, a := range accounts {
				a.Name, a.PasswordHash, a.Locale = "Nome", "x", "it"
				if err := tx.InsertAccount(ctx, a); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		w := wallet.NewService(db.Wallet(), storetest.Logger(t))
		if err := w.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.Wallet().InTx(ctx, func(tx wallet.Tx) error {
			if err := wallet.OpenCitizen(ctx, tx, "acc_money"); err != nil {
				return err
			}
			_, err := wallet.Post(ctx, tx, wallet.Transaction{Key: "test:money", Kind: "test", Entries: []wallet.Entry{
				{Account: wallet.CityFunding, Amount: -100}, {Account: wallet.CitizenAccount("acc_money"), Amount: 100}}}, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		n, err := f.svc.PurgeUnverified(ctx, 7*24*time.Hour)
		if err != nil || n != 1 {
			t.Fatalf("purged %d, %v; want the one stale account", n, err)
		}
		if n, err := f.svc.PurgeUnverified(ctx, 7*24*time.Hour); err != nil || n != 0 {
			t.Fatalf("second purge: %d, %v", n, err)
		}
		for _, a := range accounts {
			got, err := f.svc.Account(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			gone := !got.DeletedAt.IsZero()
			if gone != (a.ID == "acc_stale") {
				t.Errorf("%s: deleted %v", a.ID, gone)
			}
			if gone && (got.Email == a.Email || got.Name != "") {
				t.Errorf("%s erased but still holds %q %q", a.ID, got.Email, got.Name)
			}
		}
		// The address is free again for its real owner.
		if err := f.svc.SignUp(ctx, identity.NewAccount{Email: "stale@example.org", Password: password, Name: "Owner"}); err != nil {
			t.Fatal(err)
		}
		fresh, err := f.svc.AccountByEmail(ctx, "stale@example.org")
		if err != nil || fresh.ID == "acc_stale" || fresh.Name != "Owner" || fresh.Verified() {
			t.Fatalf("the freed address's new sign-up: %+v, %v", fresh, err)
		}
	})
}
