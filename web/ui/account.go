package ui

import (
	"context"
	"net/http"
	"net/url"

	"cityhub/apperr"
	"cityhub/identity"
)

// The account pages: sign-up with a verification e-mail, the confirmation
// link, the forgotten password, the signed-in account page (password,
// e-mail address, SPID/CIE connection) and the SPID/CIE login through the
// city's OpenID Connect provider. identity keeps every rule; the pages ask
// and show, and none of them tells whether an address has an account.

// AccountFlows is what the account pages ask of identity; identity.Service
// implements it.
type AccountFlows interface {
	Account(ctx context.Context, id string) (identity.Account, error)
	SignUp(ctx context.Context, n identity.NewAccount) error
	ResendVerification(ctx context.Context, email string) error
	ConfirmEmail(ctx context.Context, c identity.Caller, token string) (identity.Account, error)
	RequestPasswordReset(ctx context.Context, email string) error
	ResetPassword(ctx context.Context, token, newPassword string) error
	EmailLinkWorks(ctx context.Context, token string) error
	ChangePassword(ctx context.Context, c identity.Caller, current, next, ip string) error
	RequestEmailChange(ctx context.Context, c identity.Caller, password, newEmail, ip string) error
	RequestEmailChangeWithSPID(ctx context.Context, c identity.Caller, ext identity.ExternalIdentity, newEmail, ip string) error
	StartExternalSession(ctx context.Context, ext identity.ExternalIdentity) (token string, c identity.Caller, created bool, err error)
	LinkFiscalCode(ctx context.Context, c identity.Caller, password, ip string, ext identity.ExternalIdentity) (identity.Account, error)
	AccountLocales
}

// AccountLocales sets the language of a person's own account, the one its
// e-mails are in and its pages' without the switch's cookie
// (identity.Service.SetLocale).
type AccountLocales interface {
	SetLocale(ctx context.Context, c identity.Caller, accountID, locale string) (identity.Account, error)
}

// ExternalLogin is the city's SPID/CIE gateway, an OpenID Connect
// provider; oidclogin.RP implements it.
type ExternalLogin interface {
	// Start gives the provider's URL and the flow value the page keeps in
	// a cookie until the callback.
	Start(ctx context.Context) (redirectURL, flowState string, err error)
	// Finish checks the callback's query against the flow value and
	// returns what the provider asserted.
	Finish(ctx context.Context, flowState string, query url.Values) (identity.ExternalIdentity, error)
	// SealIdentity and OpenIdentity keep an asserted identity in a cookie
	// while the person proves the password of the account its e-mail names
	// or of the signed-in account; a value opens only with the bound it was
	// sealed with (linkBound).
	SealIdentity(ext identity.ExternalIdentity, bound string) (string, error)
	OpenIdentity(v, bound string) (identity.ExternalIdentity, error)
}

// accountPages are the account pages.
type accountPages struct {
	*site
	flows AccountFlows
	// oidc is nil when no SPID/CIE provider is configured; oidcLabel names
	// its button.
	oidc      ExternalLogin
	oidcLabel string
}

func init() {
	pageViews = append(pageViews, "account_signup", "account_sent", "account_confirm", "account_token", "account_forgot",
		"account_reset", "account", "account_oidc_link", "account_oidc_error")
}

// oidcOnly serves h only when a SPID/CIE provider is configured, and
// answers 404 otherwise.
func (a *accountPages) oidcOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.noOIDC(w, r) {
			h.ServeHTTP(w, r)
		}
	})
}

// offRoute reports whether path is a SPID/CIE route switched off for want
// of a provider (any method of it is 404). A nil a has none.
func (a *accountPages) offRoute(path string) bool {
	if a == nil || a.oidc != nil {
		return false
	}
	switch path {
	case pathOIDCStart, pathOIDCCallback, pathOIDCLink, pathOIDCEmail, pathOIDCConnect, "/account/spid", "/account/email/spid":
		return true
	}
	return false
}

// noOIDC answers 404 when no SPID/CIE provider is configured.
func (a *accountPages) noOIDC(w http.ResponseWriter, r *http.Request) bool {
	if a.oidc != nil {
		return false
	}
	a.pageError(w, r, apperr.E(apperr.NotFound, "no SPID/CIE login is configured"))
	return true
}

// field is one input of an account form, with its label, hint and error
// next to it and the value the person typed.
type field struct {
	ID, Name, Type, Label, Hint, Error, Value, Autocomplete string
}

// input builds a field; the label is the catalogue's account.f.<name>,
// the hint account.h.<name>, naming the bound the identity check puts on
// the field (hintBounds) where it has one.
func input(l *locale, name, typ, autocomplete, value string) field {
	f := field{ID: "f-" + name, Name: name, Type: typ, Label: l.T("account.f." + name), Value: value, Autocomplete: autocomplete}
	if l.Has("account.h." + name) {
		if n, ok := hintBounds[name]; ok {
			f.Hint = l.T("account.h."+name, l.Units(n))
		} else {
			f.Hint = l.T("account.h." + name)
		}
	}
	return f
}

// hintBounds are the bounds the account forms' hints name, the identity
// checks' own, so that a hint cannot say another number than the refusal.
var hintBounds = map[string]int{"password": identity.MinPasswordLen, "new_password": identity.MinPasswordLen}

// accountReasonField says which field an identity error is about, so the message
// goes next to it.
var accountReasonField = map[string]string{
	"bad_email": "email", "bad_name": "name", "bad_locale": "locale", "weak_password": "password", "bad_password": "password",
	"guessable_password": "password", "wrong_password": "current", "same_email": "new_email",
}

// problemText is the message for err in l: the catalogue's, by reason.
func problemText(l *locale, err error) string { return l.ErrorText(err) }

// formProblem shows err next to its field among fields (or, for a field
// not in the form, returns it for the form's top); ok is false when err is
// not a mistake of the form (then the caller shows the error page).
func formProblem(l *locale, err error, fields []*field) (top string, ok bool) {
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.RateLimited, apperr.Conflict:
	default:
		return "", false
	}
	name := accountReasonField[apperr.ReasonOf(err)]
	for _, f := range fields {
		if f.Name == name || (name == "password" && f.Name == "new_password") {
			f.Error = problemText(l, err)
			return "", true
		}
	}
	return problemText(l, err), true
}

// problemStatus is the status a form shown again with err answers.
func problemStatus(err error) int {
	if apperr.CodeOf(err) == apperr.RateLimited {
		return http.StatusTooManyRequests
	}
	return http.StatusBadRequest
}
