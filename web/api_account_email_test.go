package web

import (
	"encoding/json"
	"net/http"
	"testing"

	"cityhub/identity"
	"cityhub/mail"
)

// contractAccountEmails drives the account e-mails through the API as an
// app would: a new link, the confirmation, a forgotten password, a change
// of address and of password, each with its refusals. Answers about an
// address are the same for one without an account.
func contractAccountEmails(c *contract) {
	env := c.env
	t := c.t
	const addr, pw, pw2, pw3 = "bea@example.org", "correct horse battery", "battery staple horse", "staple horse correct"
	c.do("POST", "/api/v1/accounts", "", `{"email":"`+addr+`","password":"`+pw+`","name":"Bea"}`, http.StatusAccepted)
	known := c.do("POST", "/api/v1/accounts/verification-emails", "", `{"email":"`+addr+`"}`, http.StatusAccepted)
	unknown := c.do("POST", "/api/v1/accounts/verification-emails", "", `{"email":"nobody-here@example.org"}`, http.StatusAccepted)
	if known.Body.String() != unknown.Body.String() {
		t.Fatalf("a new link answers differently for an unknown address: %s vs %s", known.Body, unknown.Body)
	}
	c.do("POST", "/api/v1/accounts/verification-emails", "", `{"email":"not an address"}`, http.StatusBadRequest)

	_, tok := env.mailLink(t, addr, mail.KindVerifyEmail)
	c.do("POST", "/api/v1/accounts/email-confirmations", "", `{"token":"ev_forged"}`, http.StatusBadRequest)
	// The answer says the address and that it is verified, nothing else
	// of the account.
	confirmed := c.do("POST", "/api/v1/accounts/email-confirmations", "", `{"token":"`+tok+`"}`, http.StatusOK)
	var acct map[string]any
	if err := json.Unmarshal(confirmed.Body.Bytes(), &acct); err != nil || len(acct) != 2 || acct["email"] != addr || acct["email_verified"] != true {
		t.Fatalf("confirmed address: %s (%v)", confirmed.Body, err)
	}
	used := c.do("POST", "/api/v1/accounts/email-confirmations", "", `{"token":"`+tok+`"}`, http.StatusBadRequest, "Idempotency-Key: confirm-again")
	wantReason(t, used, "invalid_token")

	known = c.do("POST", "/api/v1/password-resets", "", `{"email":"`+addr+`"}`, http.StatusAccepted)
	unknown = c.do("POST", "/api/v1/password-resets", "", `{"email":"nobody-here@example.org"}`, http.StatusAccepted)
	if known.Body.String() != unknown.Body.String() {
		t.Fatalf("a reset answers differently for an unknown address: %s vs %s", known.Body, unknown.Body)
	}
	_, tok = env.mailLink(t, addr, mail.KindPasswordReset)
	c.do("POST", "/api/v1/password-resets/complete", "", `{"token":"`+tok+`","password":"short"}`, http.StatusBadRequest)
	c.do("POST", "/api/v1/password-resets/complete", "", `{"token":"pr_forged","password":"`+pw2+`"}`, http.StatusBadRequest)
	c.do("POST", "/api/v1/password-resets/complete", "", `{"token":"`+tok+`","password":"`+pw2+`"}`, http.StatusNoContent)
	c.do("POST", "/api/v1/password-resets/complete", "", `{"token":"`+tok+`","password":"`+pw3+`"}`, http.StatusBadRequest, "Idempotency-Key: reset-again")
	c.do("POST", "/api/v1/auth/login", "", `{"email":"`+addr+`","password":"`+pw+`"}`, http.StatusUnauthorized)

	login := func(email, password string) identity.Tokens {
		var tokens identity.Tokens
		c.json(&tokens, "POST", "/api/v1/auth/login", "", `{"email":"`+email+`","password":"`+password+`"}`, http.StatusOK)
		return tokens
	}
	bearer := "Bearer " + login(addr, pw2).AccessToken
	c.do("POST", "/api/v1/me/email-changes", bearer, `{"password":"wrong wrong wrong","new_email":"bea.new@example.org"}`, http.StatusBadRequest)
	c.do("POST", "/api/v1/me/email-changes", "", `{"password":"`+pw2+`","new_email":"bea.new@example.org"}`, http.StatusUnauthorized)
	c.do("POST", "/api/v1/me/email-changes", bearer, `{"password":"`+pw2+`","new_email":"bea.new@example.org"}`, http.StatusAccepted)
	_, tok = env.mailLink(t, "bea.new@example.org", mail.KindEmailChange)
	// A new address is confirmed by its account: not without a bearer
	// token, nor with another account's; the token stays for its account.
	wantReason(t, c.do("POST", "/api/v1/accounts/email-confirmations", "", `{"token":"`+tok+`"}`, http.StatusUnauthorized, "Idempotency-Key: confirm-anonymous"), "login_required")
	other, _ := env.account(t, identity.RoleCitizen)
	otherBearer := "Bearer " + login(other.Email, testPassword).AccessToken
	wantReason(t, c.do("POST", "/api/v1/accounts/email-confirmations", otherBearer, `{"token":"`+tok+`"}`, http.StatusForbidden), "other_account")
	c.json(&acct, "POST", "/api/v1/accounts/email-confirmations", bearer, `{"token":"`+tok+`"}`, http.StatusOK)
	if acct["email"] != "bea.new@example.org" || acct["email_verified"] != true {
		t.Fatalf("the address did not move: %+v", acct)
	}

	tokens := login("bea.new@example.org", pw2)
	bearer = "Bearer " + tokens.AccessToken
	c.do("PUT", "/api/v1/me/password", bearer, `{"current_password":"wrong wrong wrong","new_password":"`+pw3+`"}`, http.StatusBadRequest)
	c.do("PUT", "/api/v1/me/password", bearer, `{"current_password":"`+pw2+`","new_password":"`+pw3+`"}`, http.StatusNoContent)
	// Every refresh and access token ended, the caller's too.
	c.do("POST", "/api/v1/auth/refresh", "", `{"refresh_token":"`+tokens.RefreshToken+`"}`, http.StatusUnauthorized)
	c.do("GET", "/api/v1/me", bearer, "", http.StatusUnauthorized)
	login("bea.new@example.org", pw3)
}

func wantReason(t testing.TB, res interface{ Result() *http.Response }, reason string) {
	t.Helper()
	var p struct {
		Reason string `json:"reason"`
	}
	if err := json.NewDecoder(res.Result().Body).Decode(&p); err != nil || p.Reason != reason {
		t.Fatalf("reason %q, want %q (%v)", p.Reason, reason, err)
	}
}
