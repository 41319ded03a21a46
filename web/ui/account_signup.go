package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/web/httpx"
)

// signupPage is the sign-up form.
type signupPage struct {
	Email, Name, Password field
	Locale                string
	Privacy               bool
	PrivacyError          string
	Error                 string
	// Key is the form's own (anonymousFormOnce): sent twice, it signs up
	// and e-mails once.
	Key string
}

func (a *accountPages) signupForm(r *http.Request) *signupPage {
	l := a.locale(r)
	p := &signupPage{
		Email:    input(l, "email", "email", "email", strings.TrimSpace(r.PostFormValue("email"))),
		Name:     input(l, "name", "text", "name", strings.TrimSpace(r.PostFormValue("name"))),
		Password: input(l, "password", "password", "new-password", ""),
		Locale:   r.PostFormValue("locale"),
		Privacy:  r.PostFormValue("privacy") == "1",
		Key:      formKey(r),
	}
	if !supportedLanguage(p.Locale) {
		p.Locale = l.Lang
	}
	return p
}

// formKey is a form's one-time key as posted, or a fresh one for a form
// shown anew.
func formKey(r *http.Request) string {
	if k := strings.TrimSpace(r.PostFormValue("key")); k != "" {
		return k
	}
	return ids.Token(12)
}

// handleSignupPage shows the sign-up form; a signed-in person goes on.
func (a *accountPages) handleSignupPage(w http.ResponseWriter, r *http.Request) {
	if c, ok := a.pageCaller(r); ok {
		http.Redirect(w, r, a.homeOf(c), http.StatusSeeOther)
		return
	}
	a.render(w, r, http.StatusOK, "account_signup", "signup", a.signupForm(r))
}

// handleSignup asks identity to sign the person up. Whether or not the
// address already had an account, the answer is the same "check your
// e-mail" page: what differs goes only to the address.
func (a *accountPages) handleSignup(w http.ResponseWriter, r *http.Request) {
	l := a.locale(r)
	p := a.signupForm(r)
	again := func(status int) { a.render(w, r, status, "account_signup", "signup", p) }
	n := identity.NewAccount{Email: p.Email.Value, Password: r.PostFormValue("password"), Name: p.Name.Value, Locale: p.Locale}
	// Every mistake at once, each next to its field, the privacy
	// acknowledgement's too: not one per attempt.
	problems := n.Problems()
	for _, err := range problems {
		if top, _ := formProblem(l, err, []*field{&p.Email, &p.Name, &p.Password}); top != "" && p.Error == "" {
			p.Error = top
		}
	}
	if !p.Privacy {
		p.PrivacyError = l.T("account.signup.privacy_missing")
	}
	if len(problems) > 0 || !p.Privacy {
		again(http.StatusBadRequest)
		return
	}
	// The password is no part of what tells a request again: it is not
	// to be hashed into the scope, and the address, name and language
	// say enough.
	err := a.anonymousFormOnce(r.Context(), "signup", p.Key, struct{ Email, Name, Locale string }{n.Email, n.Name, n.Locale},
		func(ctx context.Context) error { return a.flows.SignUp(ctx, n) })
	if err != nil {
		top, ok := formProblem(l, err, []*field{&p.Email, &p.Name, &p.Password})
		if !ok {
			a.pageError(w, r, err)
			return
		}
		httpx.SetRetryAfter(w, err)
		p.Error = top
		again(problemStatus(err))
		return
	}
	http.Redirect(w, r, "/signup/sent", http.StatusSeeOther)
}

// sentPage says an e-mail is on its way (if the address can take it) and
// offers to send a verification link again.
type sentPage struct {
	// Kind is "signup", "resend" or "reset": which words the page says.
	Kind  string
	Email field
	Error string
}

// Refused reports whether the form was refused: then nothing was sent,
// and the page must not say a link is on its way.
func (p sentPage) Refused() bool { return p.Error != "" || p.Email.Error != "" }

func (a *accountPages) handleSignupSent(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "account_sent", "signup", sentPage{Kind: "signup", Email: input(a.locale(r), "email", "email", "email", "")})
}

// handleResend sends a new verification link to an address whose account
// is not verified yet; the page says the same for any address.
func (a *accountPages) handleResend(w http.ResponseWriter, r *http.Request) {
	l := a.locale(r)
	p := sentPage{Kind: "resend", Email: input(l, "email", "email", "email", strings.TrimSpace(r.PostFormValue("email")))}
	if err := a.flows.ResendVerification(r.Context(), p.Email.Value); err != nil {
		top, ok := formProblem(l, err, []*field{&p.Email})
		if !ok {
			a.pageError(w, r, err)
			return
		}
		httpx.SetRetryAfter(w, err)
		p.Error = top
		a.render(w, r, problemStatus(err), "account_sent", "", p)
		return
	}
	a.render(w, r, http.StatusOK, "account_sent", "", p)
}

// addressTaken shows the account page of the caller whose new address
// another account took before its link was confirmed: the link will never
// work, and the change of address form is the way on. False when nobody
// is signed in (a new address's link asks its account signed in, so that
// does not happen) or the account cannot be read.
func (a *accountPages) addressTaken(w http.ResponseWriter, r *http.Request) bool {
	c, ok := a.pageCaller(r)
	if !ok {
		return false
	}
	p, err := a.accountForm(r, c)
	if err != nil {
		return false
	}
	p.EmailError = a.locale(r).T("account.page.email_taken")
	a.render(w, r, http.StatusConflict, "account", "account", p)
	return true
}

// tokenPage is a link's page: the confirmation button, or why the link
// does not work and a form to get a new one.
type tokenPage struct {
	// Purpose is "verify" (a sign-up's link), "email_change" (a new
	// address's) or "reset".
	Purpose string
	Token   string
	// Sent is the "send again" form.
	Sent sentPage
}

// validTokenShape reports whether token could be one of identity's
// e-mailed tokens of the given prefixes; anything else is refused at once.
func validTokenShape(token string, prefixes ...string) bool {
	if token == "" || len(token) > identity.MaxTokenLen {
		return false
	}
	for _, p := range prefixes {
		if strings.HasPrefix(token, p) {
			return true
		}
	}
	return false
}

// linkWorks reports whether an e-mailed link's token would still be taken
// (identity.Service.EmailLinkWorks), spending nothing: mail scanners open
// links before the person does. When it would not, it shows why, with the
// form to ask again, as the button would only after the form was filled
// in; false then, or after an error page.
func (a *accountPages) linkWorks(w http.ResponseWriter, r *http.Request, token, purpose string) bool {
	err := a.flows.EmailLinkWorks(r.Context(), token)
	switch {
	case err == nil:
		return true
	case apperr.ReasonOf(err) == "invalid_token":
		a.badToken(w, r, purpose)
	default:
		a.pageError(w, r, err)
	}
	return false
}

// badToken shows why a link does not work, with the form to ask again.
func (a *accountPages) badToken(w http.ResponseWriter, r *http.Request, purpose string) {
	l := a.locale(r)
	a.render(w, r, http.StatusBadRequest, "account_token", "", tokenPage{Purpose: purpose,
		Sent: sentPage{Kind: purpose, Email: input(l, "email", "email", "email", "")}})
}

// handleConfirmPage shows the confirmation button of an e-mailed link.
// Following the link changes nothing by itself: mail scanners fetch links
// before the person does, and would spend the token. A new address's link
// is for its account, signed in (identity.Service.ConfirmEmail): nobody
// signed in is sent to sign in (with SPID/CIE or a password) and back.
func (a *accountPages) handleConfirmPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if !validTokenShape(token, "ev_", "ec_") {
		a.badToken(w, r, "verify")
		return
	}
	if a.signInToConfirm(w, r, token) {
		return
	}
	purpose := "verify"
	if strings.HasPrefix(token, "ec_") {
		purpose = "email_change"
	}
	if !a.linkWorks(w, r, token, purpose) {
		return
	}
	a.render(w, r, http.StatusOK, "account_confirm", "", tokenPage{Purpose: "verify", Token: token})
}

// signInToConfirm sends a browser with nobody signed in to the login page
// when token is a new address's, with the link to come back to; true if
// it did.
func (a *accountPages) signInToConfirm(w http.ResponseWriter, r *http.Request, token string) bool {
	if !strings.HasPrefix(token, "ec_") {
		return false
	}
	if _, ok := a.pageCaller(r); ok {
		return false
	}
	back := "/account/confirm?" + url.Values{"token": {token}}.Encode()
	http.Redirect(w, r, "/login?"+url.Values{"notice": {"confirm_email"}, "next": {back}}.Encode(), http.StatusSeeOther)
	return true
}

// handleConfirm spends the token: the address is verified (a sign-up) or
// the account moves to the new address. The person then logs in, or,
// already signed in, sees their account. A new address's link asks its
// account signed in: nobody signed in goes to sign in first, and another
// account is refused (403, reason other_account) with the token unspent.
func (a *accountPages) handleConfirm(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	if validTokenShape(token, "ec_") && a.signInToConfirm(w, r, token) {
		return
	}
	c, _ := a.pageCaller(r)
	acct, err := a.flows.ConfirmEmail(r.Context(), c, token)
	if err != nil {
		if apperr.ReasonOf(err) == "invalid_token" {
			// A new address's link is asked again from the account page:
			// the sign-up's "send again" would send nothing to an account
			// whose address is verified, and say it had.
			purpose := "verify"
			if strings.HasPrefix(token, "ec_") {
				purpose = "email_change"
			}
			a.badToken(w, r, purpose)
			return
		}
		if apperr.ReasonOf(err) == "email_taken" && a.addressTaken(w, r) {
			return
		}
		a.pageError(w, r, err)
		return
	}
	notice := "verified"
	if strings.HasPrefix(token, "ec_") {
		notice = "email_changed"
	}
	if c, ok := a.pageCaller(r); ok && c.AccountID == acct.ID {
		http.Redirect(w, r, "/account?done="+notice, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login?notice="+notice, http.StatusSeeOther)
}
