package config

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// masked replaces every secret Redact finds.
const masked = "xxxxx"

var (
	// A word naming a secret, then = and its value: a query parameter
	// (?password=...), a key=value connection string (password=... or
	// password='...') or a free-text setting.
	secretWord = regexp.MustCompile(`(?i)\b([a-z_]*(?:password|passwd|pwd|pass|secret|token|apikey|api_key))(\s*=\s*)('[^']*'|"[^"]*"|[^\s&;,]+)`)
	// Stripe's secret and restricted keys and webhook signing secrets,
	// wherever they appear.
	stripeSecret = regexp.MustCompile(`\b((?:sk|rk)_(?:live|test)_|whsec_)[0-9A-Za-z]+`)
	// Where a URL's authority starts in text: after ://, whatever the
	// scheme before it (a mistyped one too).
	urlStart = regexp.MustCompile(`://`)
)

// Redact hides every secret in s, a configuration value about to be logged
// or shown: the password of a URL's user information (postgres://u:pw@...,
// smtp://u:pw@..., tcp://u:pw@...), a value whose name says it is secret
// (password=, sslpassword=, secret=, token=, in a query string or a
// key=value connection string), and Stripe keys (sk_..., rk_..., whsec_...).
// Everything that prints configuration goes through it, smtpmail's URLs
// too.
//
// A URL that parses cleanly keeps its form, its password masked. One that
// does not, or that has an @ after its authority, is read as a password
// holding an unescaped /, ?, # or blank (smtp://u:1234/pw@host parses as
// host u, port 1234; smtp://u:12?x@host as host u with the query x@host;
// postgres://u:pass word@host does not parse at all): then everything
// between :// and the last @ of the text is masked, but for a user name
// before a first colon. That may hide more than the password (an address
// later in the same text), never less.
func Redact(s string) string {
	if s == "" {
		return s
	}
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Opaque == "" &&
		strings.HasPrefix(strings.ToLower(s), strings.ToLower(u.Scheme)+"://") &&
		!strings.ContainsFunc(s, unicode.IsSpace) && !atAfterAuthority(s) {
		if u.User != nil {
			if _, ok := u.User.Password(); ok {
				u.User = url.UserPassword(u.User.Username(), masked)
			}
		}
		s = u.String()
	} else {
		s = maskUserinfo(s)
	}
	s = secretWord.ReplaceAllString(s, "${1}${2}"+masked)
	return stripeSecret.ReplaceAllString(s, "${1}"+masked)
}

// atAfterAuthority says whether the URL s holds an @ after its authority,
// in its path, query or fragment: a password with an unescaped /, ? or #
// that swallowed the real host (smtp://u:1234/pw@host parses as host u,
// port 1234), or an address where none belongs.
func atAfterAuthority(s string) bool {
	_, rest, ok := strings.Cut(s, "://")
	if !ok {
		return false
	}
	i := strings.IndexAny(rest, "/?#")
	return i >= 0 && strings.Contains(rest[i:], "@")
}

// maskUserinfo masks, in every URL of the text s, what lies between its
// :// and the last @ of the rest of the text, keeping only a user name
// before a first colon. Not the last @ of its word: a password may hold
// blanks (pass word) and @ (pa@ss word), and where it ends cannot be told.
func maskUserinfo(s string) string {
	var b strings.Builder
	for {
		loc := urlStart.FindStringIndex(s)
		if loc == nil {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:loc[1]])
		s = s[loc[1]:]
		at := strings.LastIndex(s, "@")
		if at < 0 {
			continue
		}
		if user, _, ok := strings.Cut(s[:at], ":"); ok && user != "" && !strings.ContainsAny(user, "/?#") && !strings.ContainsFunc(user, unicode.IsSpace) {
			b.WriteString(user + ":")
		}
		b.WriteString(masked)
		s = s[at:]
	}
}

// secretState says whether a secret is set, never what it is.
func secretState(s string) string {
	if s == "" {
		return "(unset)"
	}
	return "(set)"
}
