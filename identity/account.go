package identity

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/plaintext"
)

// Account is a person or a member of staff who can log in.
type Account struct {
	ID     string  `json:"id"`
	Email  string  `json:"email"`
	Name   string  `json:"name"`
	Locale string  `json:"locale"`
	Grants []Grant `json:"grants"`
	// PasswordHash is the encoded argon2id hash; never shown.
	PasswordHash string    `json:"-"`
	Disabled     bool      `json:"disabled,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	// EmailVerifiedAt is when the person proved the address is theirs (a
	// link followed, a password reset); zero until then. A password login
	// needs it (see emailflows.go).
	EmailVerifiedAt time.Time `json:"email_verified_at,omitzero"`
	// FiscalCode ties the account to a SPID/CIE identity (normalised, see
	// NormalizeFiscalCode); empty until the person logs in with one.
	FiscalCode string `json:"fiscal_code,omitempty"`
	// DeletedAt is set once the account was deleted (anonymised) at the
	// person's request; such an account can no longer log in.
	DeletedAt time.Time `json:"deleted_at,omitzero"`
	// TokenGeneration counts the times every credential of the account was
	// revoked (each time it was disabled). Access tokens, refresh tokens
	// and page sessions record the generation they were issued in, and
	// one of an older generation is refused: re-enabling an account
	// brings none of them back, though the access tokens are not stored
	// and a login may have raced the disable.
	TokenGeneration int64 `json:"-"`
	// PasswordChangeGeneration is the TokenGeneration the account's last
	// password change (ChangePassword) ended, -1 for none: an access token
	// of it may still be given that change's first answer again
	// (PasswordChangedAccount), while the account's generation is the one
	// right after it.
	PasswordChangeGeneration int64 `json:"-"`
}

// Caller is the account as the rest of the hub sees the person calling.
func (a Account) Caller() Caller {
	return Caller{AccountID: a.ID, Email: a.Email, Name: a.Name, Locale: a.Locale, Grants: slices.Clone(a.Grants)}
}

// Active reports whether the account may log in and use its tokens.
func (a Account) Active() bool { return !a.Disabled && a.DeletedAt.IsZero() }

// Mailable reports whether the hub may write to the account: it is not
// erased and has a real address (not the placeholder of a SPID/CIE account
// made without one).
func (a Account) Mailable() bool { return a.DeletedAt.IsZero() && MailableAddress(a.Email) }

// MailableAddress reports whether email is a real address to write to.
func MailableAddress(email string) bool {
	return email != "" && !strings.HasSuffix(email, PlaceholderEmailDomain)
}

// Verified reports whether the account's address has been proved.
func (a Account) Verified() bool { return !a.EmailVerifiedAt.IsZero() }

// Locales the hub speaks; the first is the default.
var Locales = []string{"it", "en"}

// Limits on what a person types.
const (
	MaxEmailLen    = 254
	MaxNameLen     = 100
	MinPasswordLen = 10
	// MaxPasswordLen bounds the work a login costs (argon2 reads the whole password).
	MaxPasswordLen = 256
	MaxScopeLen    = 64
)

// NormalizeEmail is the form in which emails are compared: trimmed and lower
// case, so "Anna@Example.org" and "anna@example.org" are one account.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// NewAccount is what a sign-up or an administrator provides.
type NewAccount struct {
	Email    string  `json:"email"`
	Password string  `json:"password"`
	Name     string  `json:"name"`
	Locale   string  `json:"locale,omitempty"`
	Grants   []Grant `json:"grants,omitempty"`
}

// Validate trims the email and the name, defaults the locale, and checks
// every field; Invalid with a reason naming the first bad one, then
// whether the password is too easy to guess (guessable_password).
func (n *NewAccount) Validate() error {
	if problems := n.Problems(); len(problems) > 0 {
		return problems[0]
	}
	return checkGuessable(n.Password, n.Email, n.Name)
}

// Problems trims and defaults as Validate does and returns the mistake of
// every bad field, each as Validate would name it, in the order of a form:
// e-mail, name, language, password, roles. A form shows them all at once
// rather than one per attempt. Only the password's length is judged here:
// how easy it is to guess costs milliseconds, which Validate spends once
// the rest is right (and a sign-up once its address's limit let it in).
func (n *NewAccount) Problems() []error {
	n.Email = strings.TrimSpace(n.Email)
	n.Name = strings.TrimSpace(n.Name)
	if n.Locale == "" {
		n.Locale = Locales[0]
	}
	var out []error
	for _, err := range []error{ValidateEmail(n.Email), validateName(n.Name), validateLocale(n.Locale), checkPasswordLength(n.Password), ValidateGrants(n.Grants)} {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

// validateName checks a trimmed name: one line, 1 to MaxNameLen
// characters. Invalid (reason bad_name), one refusal whichever way the
// name is wrong, with MaxNameLen as its value: the pages' words for it
// take the number from there.
func validateName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > MaxNameLen || !utf8.ValidString(name) || !plaintext.Line(name) {
		return apperr.R(apperr.Invalid, "bad_name", "The name must be one line of 1 to %d characters, without control characters.", MaxNameLen)
	}
	return nil
}

// validateLocale checks a language the hub speaks. Invalid (reason
// bad_locale).
func validateLocale(locale string) error {
	if !slices.Contains(Locales, locale) {
		return apperr.R(apperr.Invalid, "bad_locale", "The language must be one of %s.", strings.Join(Locales, ", "))
	}
	return nil
}

// ValidateEmail checks a trimmed e-mail address: one plain address, with
// a dot in its domain, outside the .invalid top-level domain (RFC 6761),
// where no mail is ever delivered and the hub's own placeholders live
// (PlaceholderEmailDomain): an account there could never confirm it, and
// the hub sends nothing there. Invalid (reason bad_email).
func ValidateEmail(email string) error {
	if len(email) > MaxEmailLen {
		return apperr.R(apperr.Invalid, "bad_email", "The email address is too long.")
	}
	addr, err := mail.ParseAddress(email)
	domain := strings.ToLower(email[strings.LastIndexByte(email, '@')+1:])
	if err != nil || addr.Address != email || !strings.Contains(domain, ".") {
		return apperr.R(apperr.Invalid, "bad_email", "The email address is not valid.")
	}
	if strings.HasSuffix(strings.TrimSuffix(domain, "."), ".invalid") {
		return apperr.R(apperr.Invalid, "bad_email", "The email address is not one that can receive e-mail.")
	}
	return nil
}

// checkPasswordLength checks a new password's length: the cheap part of
// its checks, judged before a request costs anything more.
func checkPasswordLength(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLen {
		return apperr.R(apperr.Invalid, "weak_password", "The password must be at least %d characters.", MinPasswordLen)
	}
	if len(pw) > MaxPasswordLen {
		return apperr.R(apperr.Invalid, "bad_password", "The password must be at most %d bytes.", MaxPasswordLen)
	}
	return nil
}

// checkGuessable refuses a password too easy to guess (guessable).
func checkGuessable(pw string, about ...string) error {
	if guessable(pw, about...) {
		return apperr.R(apperr.Invalid, "guessable_password", "This password is too easy to guess (a common password, a repeat, a sequence, a date, or your name or address): choose another, for example a few words that do not go together.")
	}
	return nil
}

// ValidateGrants checks that scoped roles have a scope and city-wide roles
// have none, and that no grant is listed twice.
func ValidateGrants(grants []Grant) error {
	seen := map[Grant]bool{}
	for _, g := range grants {
		switch g.Role {
		case RoleMerchant, RoleDoor, RoleCityStaff:
			if g.Scope == "" || len(g.Scope) > MaxScopeLen {
				return apperr.R(apperr.Invalid, "bad_grant", "The role %s needs the id of its %s.", g.Role, scopeNoun(g.Role))
			}
		case RoleCitizen, RoleOperator, RoleAdmin:
			if g.Scope != "" {
				return apperr.R(apperr.Invalid, "bad_grant", "The role %s is city-wide and takes no scope.", g.Role)
			}
		default:
			return apperr.R(apperr.Invalid, "bad_grant", "Unknown role %q.", g.Role)
		}
		if seen[g] {
			return apperr.R(apperr.Invalid, "bad_grant", "The grant %s is listed twice.", g.Role)
		}
		seen[g] = true
	}
	return nil
}

func scopeNoun(r Role) string {
	switch r {
	case RoleMerchant:
		return "shop"
	case RoleCityStaff:
		return "office"
	}
	return "venue"
}
