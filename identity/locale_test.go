package identity_test

import (
	"context"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mail"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A person changes their own account's language, Italian or English: it is
// stored (read back by either engine), recorded in the audit, and the next
// e-mail is written in it. Another account, the hub itself, a signed-out
// caller and a language the hub does not speak are refused with nothing
// changed.
func TestSetLocaleOwnAccountOnly(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := fromIP("198.51.100.20")
		anna := f.register(t, "anna.locale@example.org")
		bruno := f.register(t, "bruno.locale@example.org")
		if anna.Locale != "it" || bruno.Locale != "it" {
			t.Fatalf("accounts start in %q and %q, want it", anna.Locale, bruno.Locale)
		}
		unchanged := func() {
			t.Helper()
			for _, id := range []string{anna.ID, bruno.ID} {
				a, err := f.svc.Account(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				if a.Locale != "it" {
					t.Fatalf("account %s is in %q after a refusal, want it", id, a.Locale)
				}
			}
			if n := len(auditOf(t, db, "account.locale_change", anna.ID)) + len(auditOf(t, db, "account.locale_change", bruno.ID)); n != 0 {
				t.Fatalf("a refusal recorded %d changes of language", n)
			}
		}

		_, err := f.svc.SetLocale(ctx, anna.Caller(), bruno.ID, "en")
		wantReason(t, err, apperr.Forbidden, "not_your_account")
		unchanged()
		_, err = f.svc.SetLocale(ctx, identity.System(), anna.ID, "en")
		wantReason(t, err, apperr.Unauthenticated, "login_required")
		_, err = f.svc.SetLocale(ctx, identity.Caller{}, anna.ID, "en")
		wantReason(t, err, apperr.Unauthenticated, "login_required")
		for _, bad := range []string{"", "de", "EN", " en", "en-GB"} {
			_, err = f.svc.SetLocale(ctx, anna.Caller(), anna.ID, bad)
			wantReason(t, err, apperr.Invalid, "bad_locale")
		}
		unchanged()

		got, err := f.svc.SetLocale(ctx, anna.Caller(), anna.ID, "en")
		if err != nil || got.Locale != "en" || got.ID != anna.ID {
			t.Fatalf("set English: %+v, %v", got, err)
		}
		if a, err := f.svc.Account(context.Background(), anna.ID); err != nil || a.Locale != "en" {
			t.Fatalf("read back: %q, %v; want en", a.Locale, err)
		}
		if a, err := f.svc.Account(context.Background(), bruno.ID); err != nil || a.Locale != "it" {
			t.Fatalf("another account changed with it: %q, %v", a.Locale, err)
		}
		entries := auditOf(t, db, "account.locale_change", anna.ID)
		if len(entries) != 1 || entries[0].ActorID != anna.ID || entries[0].IP != "198.51.100.20" ||
			entries[0].Detail["before"] != "it" || entries[0].Detail["after"] != "en" {
			t.Fatalf("audit of the change: %+v", entries)
		}
		// The same language again changes nothing, and records nothing.
		if _, err := f.svc.SetLocale(ctx, anna.Caller(), anna.ID, "en"); err != nil {
			t.Fatal(err)
		}
		if n := len(auditOf(t, db, "account.locale_change", anna.ID)); n != 1 {
			t.Fatalf("setting the same language recorded %d changes, want 1", n)
		}

		// The account's e-mails follow its language.
		if err := f.svc.RequestPasswordReset(ctx, anna.Email); err != nil {
			t.Fatal(err)
		}
		exp, err := f.svc.Export(ctx, anna.Caller())
		if err != nil {
			t.Fatal(err)
		}
		var reset *mail.Message
		for i, m := range exp.Emails {
			if m.Kind == mail.KindPasswordReset {
				reset = &exp.Emails[i]
			}
		}
		if reset == nil || reset.Locale != "en" || reset.Subject != "Reset your password" {
			t.Fatalf("the reset e-mail after the change: %+v, want English", reset)
		}

		// And back to Italian.
		if got, err := f.svc.SetLocale(ctx, anna.Caller(), anna.ID, "it"); err != nil || got.Locale != "it" {
			t.Fatalf("set Italian: %+v, %v", got, err)
		}
		if a, err := f.svc.Account(context.Background(), anna.ID); err != nil || a.Locale != "it" {
			t.Fatalf("read back: %q, %v; want it", a.Locale, err)
		}
	})
}

// A disabled account's session cannot change its language.
func TestSetLocaleInactiveAccount(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		anna := f.register(t, "anna.inactive@example.org")
		if err := db.Identity().InTx(context.Background(), func(tx identity.Tx) error {
			return tx.SetAccountDisabled(context.Background(), anna.ID, true)
		}); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.SetLocale(context.Background(), anna.Caller(), anna.ID, "en")
		wantReason(t, err, apperr.Unauthenticated, "account_inactive")
		if a, err := f.svc.Account(context.Background(), anna.ID); err != nil || a.Locale != "it" {
			t.Fatalf("a disabled account's language changed: %q, %v", a.Locale, err)
		}
	})
}
