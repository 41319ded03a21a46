package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mail"
)

// A new address's link confirmed after another account took the address
// shows the account page with the change of address form and why, 409,
// where it ended on an error page without the form; the address stays.
func TestConfirmOfATakenAddressShowsTheAddressForm(t *testing.T) {
	t.Parallel()
	env, pc, _ := accountServer(t)
	anna, _ := env.account(t, identity.RoleCitizen)
	bruno, _ := env.account(t, identity.RoleCitizen)
	const wanted = "contesa@example.org"
	if res := pc.Login(anna.Email, testPassword); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	res, _ := postForm(pc, "/account", "/account/email", url.Values{"new_email": {wanted}, "email_password": {testPassword}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("anna asks for %s: %d", wanted, res.StatusCode)
	}
	path, annaTok := env.mailLink(t, wanted, mail.KindEmailChange)
	if err := env.Identity.RequestEmailChange(t.Context(), identity.Caller{AccountID: bruno.ID, Email: bruno.Email}, testPassword, wanted, ""); err != nil {
		t.Fatal(err)
	}
	_, brunoTok := env.mailLink(t, wanted, mail.KindEmailChange)
	if _, err := env.Identity.ConfirmEmail(t.Context(), identity.Caller{AccountID: bruno.ID, Email: bruno.Email}, brunoTok); err != nil {
		t.Fatal(err)
	}
	res, body := postForm(pc, path+"?token="+url.QueryEscape(annaTok), "/account/confirm", url.Values{"token": {annaTok}})
	if res.StatusCode != http.StatusConflict || strings.Contains(body, "data-status=") || !strings.Contains(body, `action="/account/email"`) ||
		!strings.Contains(body, "L&#39;indirizzo non è cambiato: nel frattempo un altro account ha preso quello nuovo.") {
		t.Fatalf("confirm of a taken address: %d\n%s", res.StatusCode, body)
	}
	if a, err := env.Identity.Account(t.Context(), anna.ID); err != nil || a.Email != anna.Email {
		t.Fatalf("anna's address after the refusal: %+v %v", a, err)
	}
}
