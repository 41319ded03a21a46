package identity_test

import (
	"context"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mail/mailtest"
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

// A verification link sent again late in an unverified account's life
// keeps the account while the link works, so following it within the hours
// its e-mail promised confirms the address; the account is erased once the
// link has expired unused.
func TestPurgeWaitsForAResentLink(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := fromIP("198.51.100.30")
		f := newFixture(t, db)
		const ttl = 7 * 24 * time.Hour
		created := f.clock.Now().Add(-160 * time.Hour)
		confirmed, left := mailtest.Recipient(t), mailtest.Recipient(t)
		if err := db.Identity().InTx(ctx, func(tx identity.Tx) error {
			for id, email := range map[string]string{"acc_confirmed": confirmed, "acc_left": left} {
				if err := tx.InsertAccount(ctx, identity.Account{ID: id, Email: email, Name: "Nome", PasswordHash: "x", Locale: "it", CreatedAt: created}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{confirmed, left} {
			if err := f.svc.ResendVerification(ctx, email); err != nil {
				t.Fatal(err)
			}
		}
		// 169 hours after the sign-up, 9 after the new links.
		f.clock.Add(9 * time.Hour)
		if n, err := f.svc.PurgeUnverified(ctx, ttl); err != nil || n != 0 {
			t.Fatalf("purged %d, %v, while their links work", n, err)
		}
		deliver(t, db)
		tok := linkToken(t, received(t, confirmed, 1, "Conferma il tuo indirizzo e-mail"), "/account/confirm")
		if a, err := f.svc.ConfirmEmail(ctx, identity.Caller{}, tok); err != nil || !a.Verified() {
			t.Fatalf("confirm with the link sent again: %+v, %v", a, err)
		}
		// The unused link has expired: its account goes.
		f.clock.Add(40 * time.Hour)
		if n, err := f.svc.PurgeUnverified(ctx, ttl); err != nil || n != 1 {
			t.Fatalf("purged %d, %v; want the account whose link expired", n, err)
		}
		for id, gone := range map[string]bool{"acc_confirmed": false, "acc_left": true} {
			a, err := f.svc.Account(ctx, id)
			if err != nil || a.DeletedAt.IsZero() == gone {
				t.Errorf("%s: %+v, %v; want deleted %v", id, a, err, gone)
			}
		}
	})
}
