package mail

import (
	"net/url"
	"time"
)

// Pages the account e-mails link to. The page layer serves them; the token
// travels in the query, is read once by the page and is never logged.
const (
	// PathConfirmEmail confirms an address: a sign-up's or a new one.
	PathConfirmEmail = "/account/confirm"
	// PathResetPassword lets the holder of a reset token choose a password.
	PathResetPassword = "/password/reset"
	// PathForgotPassword asks for a reset e-mail.
	PathForgotPassword = "/password/forgot"
	// PathLogin is the login page.
	PathLogin = "/login"
	// PathContacts is the page saying how to reach the city's offices.
	PathContacts = "/contatti"
)

// AccountLink is what the account e-mails tell: how long a link lasts, or
// the address a notice is about.
type AccountLink struct {
	Hours int
	Email string
}

func withToken(path, token string) string { return path + "?" + url.Values{"token": {token}}.Encode() }

func hours(d time.Duration) int { return max(1, int(d/time.Hour)) }

// VerifyEmail asks r to confirm the address of a new account; the link
// carries token and lasts ttl.
func (c *Composer) VerifyEmail(r Recipient, token string, ttl time.Duration) (Message, error) {
	return c.Compose(KindVerifyEmail, r, withToken(PathConfirmEmail, token), AccountLink{Hours: hours(ttl)})
}

// AccountExists tells the owner of an address that someone asked to use
// it for another account, and offers a password reset.
func (c *Composer) AccountExists(r Recipient) (Message, error) {
	return c.Compose(KindAccountExists, r, PathForgotPassword, AccountLink{Email: r.Email})
}

// PasswordReset carries a reset token lasting ttl.
func (c *Composer) PasswordReset(r Recipient, token string, ttl time.Duration) (Message, error) {
	return c.Compose(KindPasswordReset, r, withToken(PathResetPassword, token), AccountLink{Hours: hours(ttl)})
}

// PasswordChanged tells r their password changed and their sessions ended.
func (c *Composer) PasswordChanged(r Recipient) (Message, error) {
	return c.Compose(KindPasswordChanged, r, PathForgotPassword, AccountLink{Email: r.Email})
}

// EmailChange asks r, at the new address, to confirm it; the link carries
// token and lasts ttl.
func (c *Composer) EmailChange(r Recipient, token string, ttl time.Duration) (Message, error) {
	return c.Compose(KindEmailChange, r, withToken(PathConfirmEmail, token), AccountLink{Hours: hours(ttl)})
}

// EmailChanged tells r, at the old address, that the account now uses
// newEmail.
func (c *Composer) EmailChanged(r Recipient, newEmail string) (Message, error) {
	return c.Compose(KindEmailChanged, r, PathLogin, AccountLink{Email: newEmail})
}
