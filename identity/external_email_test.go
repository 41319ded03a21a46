package identity_test

import (
	"strings"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mail/mailtest"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A SPID/CIE account with no address of its own (the provider gave none,
// or one another account holds) and no password adds an address by
// proving itself with a fresh SPID/CIE login of its own fiscal code: the
// link goes to the new address, and following it gives the account that
// address, verified, so it can get e-mails and set a password. Another
// person's SPID/CIE login is refused, and so is an account with a
// password, which uses the password.
func TestSPIDAccountAddsAnAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := fromIP("198.51.100.41")
		shared := mailtest.Recipient(t)
		first := identity.ExternalIdentity{FiscalCode: "RSSMRA85T10A562S", GivenName: "Mario", FamilyName: "Rossi", Email: shared, EmailVerified: true}
		if _, _, err := f.svc.ExternalAccount(ctx, first); err != nil {
			t.Fatal(err)
		}
		own := identity.ExternalIdentity{FiscalCode: "BNCNNA90A41A783F", GivenName: "Anna", FamilyName: "Bianchi", Email: shared, EmailVerified: true}
		anna, _, err := f.svc.ExternalAccount(ctx, own)
		if err != nil || !strings.HasSuffix(anna.Email, identity.PlaceholderEmailDomain) {
			t.Fatalf("placeholder account: %+v, %v", anna, err)
		}
		c := anna.Caller()
		next := mailtest.Recipient(t)
		wantReason(t, f.svc.RequestEmailChangeWithSPID(ctx, c, first, next, "198.51.100.41"), apperr.Forbidden, "other_person")
		wantReason(t, f.svc.RequestEmailChangeWithSPID(ctx, c, own, "not an address", "198.51.100.41"), apperr.Invalid, "bad_email")
		if err := f.svc.RequestEmailChangeWithSPID(ctx, c, own, next, "198.51.100.41"); err != nil {
			t.Fatalf("request with the account's own SPID/CIE login: %v", err)
		}
		deliver(t, db)
		tok := linkToken(t, received(t, next, 1, "Conferma il nuovo indirizzo e-mail"), "/account/confirm")
		got, err := f.svc.ConfirmEmail(ctx, c, tok)
		if err != nil || got.Email != next || !got.Verified() {
			t.Fatalf("confirm the added address: %+v, %v", got, err)
		}
		// Now a password can be set by the reset link, which the address
		// gets like any other account's.
		if err := f.svc.RequestPasswordReset(ctx, next); err != nil {
			t.Fatal(err)
		}
		deliver(t, db)
		received(t, next, 2, "Reimposta la password")
		// The placeholder the account had was told nothing: it reaches no
		// one (the test's SMTP server would have taken it all the same).
		if got := mailtest.Received(t, anna.Email); len(got) != 0 {
			t.Fatalf("the placeholder %s was sent %d e-mails", anna.Email, len(got))
		}

		// An account with a password uses it.
		pw := f.register(t, mailtest.Recipient(t))
		wantReason(t, f.svc.RequestEmailChangeWithSPID(ctx, pw.Caller(), own, mailtest.Recipient(t), "198.51.100.41"), apperr.Invalid, "has_password")
	})
}
