package identity_test

import (
	"context"
	"strings"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mail/mailtest"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A password of ten characters or more was taken however easy to guess:
// "aaaaaaaaaa", "passwordpassword", "Password123!" or the account's own
// address. Such a password is refused (guessable_password) at sign-up, by
// an administrator's new account, a reset and a change, with the account's
// name and address counted as words an attacker knows; passwords people
// choose well, passphrases above all, are taken.
func TestGuessablePasswordsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, storetest.OpenSQLite(t))
	ctx := context.Background()
	const email = "anna.rossi@example.org"
	for _, pw := range []string{"aaaaaaaaaa", "passwordpassword", "Password123!", "1234567890", "qwertyuiop", "iloveyou12",
		email, "annarossi123", "AnnaRossi1985", "AnnaRossi!", "cityhub2026",
		// Judged by its first 64 characters: a repeat there is not
		// saved by what follows.
		strings.Repeat("a", identity.GuessedFrom) + "correct horse battery staple"} {
		_, err := f.svc.Register(ctx, identity.NewAccount{Email: email, Password: pw, Name: "Anna Rossi"})
		if apperr.ReasonOf(err) != "guessable_password" {
			t.Errorf("sign-up with %q: %v, want guessable_password", pw, err)
		}
	}
	for i, pw := range []string{"correct horse battery", "una password lunga", "la nuova password", "ancora un'altra", "Tr3 gatti sul tetto!"} {
		if _, err := f.svc.Register(ctx, identity.NewAccount{Email: strings.Replace(email, "anna", "anna"+string(rune('a'+i)), 1), Password: pw, Name: "Anna Rossi"}); err != nil {
			t.Errorf("sign-up with %q: %v", pw, err)
		}
	}
	// A citizen's own sign-up refuses it too (judged there once the
	// address's sign-up limit let the request in), and sends nothing.
	if err := f.svc.SignUp(fromIP("198.51.100.7"), identity.NewAccount{Email: "anna.rossi2@example.org", Password: "AnnaRossi1985", Name: "Anna Rossi"}); apperr.ReasonOf(err) != "guessable_password" {
		t.Errorf("sign-up with the name and a year: %v, want guessable_password", err)
	}
	// The length is judged first, as before: a short one says so.
	if _, err := f.svc.Register(ctx, identity.NewAccount{Email: email, Password: "aaaa", Name: "Anna Rossi"}); apperr.ReasonOf(err) != "weak_password" {
		t.Errorf("a short password: %v, want weak_password", err)
	}
}

// A reset and a change refuse a guessable new password as a sign-up does,
// knowing the account's own address and name, and keep the old password;
// a made-up reset token is refused as such before the password is judged.
func TestGuessablePasswordRefusedOnResetAndChange(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := fromIP("198.51.100.9")
		to := mailtest.Recipient(t)
		a := f.register(t, to)
		if err := f.svc.ResetPassword(ctx, "reset_"+strings.Repeat("x", 40), "passwordpassword"); apperr.ReasonOf(err) != "invalid_token" {
			t.Errorf("a made-up token with a guessable password: %v, want invalid_token", err)
		}
		if err := f.svc.RequestPasswordReset(ctx, to); err != nil {
			t.Fatal(err)
		}
		deliver(t, db)
		tok := linkToken(t, received(t, to, 1, "Reimposta la password"), "https://hub.example.org/password/reset")
		for _, pw := range []string{"passwordpassword", "AnnaRossi1985", "annarossi!"} {
			if err := f.svc.ResetPassword(ctx, tok, pw); apperr.ReasonOf(err) != "guessable_password" {
				t.Errorf("reset to %q: %v, want guessable_password", pw, err)
			}
		}
		caller := identity.Caller{AccountID: a.ID, Email: a.Email, Name: a.Name, Grants: a.Grants}
		if err := f.svc.ChangePassword(ctx, caller, password, "AnnaRossi!", "198.51.100.9"); apperr.ReasonOf(err) != "guessable_password" {
			t.Errorf("change to the address's own words: %v, want guessable_password", err)
		}
		if _, err := f.svc.Login(ctx, to, password, "198.51.100.9"); err != nil {
			t.Fatalf("the refusals changed the password: %v", err)
		}
		if err := f.svc.ResetPassword(ctx, tok, "a new and long password"); err != nil {
			t.Fatalf("a good reset after the refusals: %v", err)
		}
	})
}
