package identity_test

import (
	"context"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mail/mailtest"
	"cityhub/store"
	"cityhub/store/storetest"
)

// cityAdmin may disable accounts.
var cityAdmin = identity.Caller{AccountID: "acc_city_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}

// The right password of a disabled account is told that the account is
// disabled (403 account_disabled), a wrong one gets the bad_credentials of
// every wrong password, so nothing is told to someone without the
// password. The right password is no failed login: tried more often than
// the limits allow failures, it locks out neither the account, once
// enabled again, nor anyone else behind the same address.
func TestDisabledAccountLogin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		limits := identity.LoginLimits{PerAccountIP: 3, PerAccount: 5, PerIP: 8, Window: 15 * time.Minute}
		f := newLimitsFixture(t, db, limits)
		ctx := context.Background()
		const ip = "198.51.100.40"
		f.register(t, "carla@example.org")
		f.register(t, "bruno@example.org")
		carla, err := f.svc.AccountByEmail(ctx, "carla@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SetDisabled(ctx, cityAdmin, carla.ID, true); err != nil {
			t.Fatal(err)
		}
		for range limits.PerIP + 2 {
			err := f.login(t, "carla@example.org", password, ip, apperr.Forbidden)
			wantReason(t, err, apperr.Forbidden, "account_disabled")
			if _, _, err := f.svc.StartSession(ctx, "carla@example.org", password, ip); apperr.ReasonOf(err) != "account_disabled" {
				t.Fatalf("page sign-in of the disabled account: %v, want account_disabled", err)
			}
		}
		wantReason(t, f.login(t, "carla@example.org", password+"x", ip, apperr.Unauthenticated), apperr.Unauthenticated, "bad_credentials")
		wantReason(t, f.login(t, "nobody@example.org", password, ip, apperr.Unauthenticated), apperr.Unauthenticated, "bad_credentials")
		f.login(t, "bruno@example.org", password, ip, "")
		if _, err := f.svc.SetDisabled(ctx, cityAdmin, carla.ID, false); err != nil {
			t.Fatal(err)
		}
		f.login(t, "carla@example.org", password, ip, "")
	})
}

// A password reset never opens a disabled account: no link is sent to it
// (its address is answered as an unknown one), and a link sent before the
// account was disabled no longer works; the account stays disabled and
// its password unchanged.
func TestPasswordResetOfDisabledAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		ctx := fromIP("198.51.100.41")
		to := mailtest.Recipient(t)
		a := f.register(t, to)
		if err := f.svc.RequestPasswordReset(ctx, to); err != nil {
			t.Fatal(err)
		}
		deliver(t, db)
		tok := linkToken(t, received(t, to, 1, "Reimposta la password"), "/password/reset")
		if _, err := f.svc.SetDisabled(ctx, cityAdmin, a.ID, true); err != nil {
			t.Fatal(err)
		}
		wantReason(t, f.svc.ResetPassword(ctx, tok, "a new and long password"), apperr.Invalid, "invalid_token")
		if err := f.svc.RequestPasswordReset(ctx, to); err != nil {
			t.Fatal(err)
		}
		deliver(t, db)
		if got := mailtest.Received(t, to); len(got) != 1 {
			t.Fatalf("the disabled account got %d e-mails, want only the link sent before", len(got))
		}
		_, err := f.svc.Login(ctx, to, password, "198.51.100.41")
		wantReason(t, err, apperr.Forbidden, "account_disabled")
		if got, err := f.svc.AccountByEmail(ctx, to); err != nil || !got.Disabled {
			t.Fatalf("after the reset: %+v, %v; want still disabled", got, err)
		}
	})
}
