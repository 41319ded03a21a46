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
	// Where a URL starts in text: its scheme and ://.
	urlStart = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.\-]*://`)
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
// holding an unescaped /, ? or # (smtp://u:1234/pw@host parses as host u,
// port 1234; smtp://u:12?x@host as host u with the query x@host): then
// everything between :// and the word's last @ is masked, but for a user
// name before a first colon.
func Redact(s string) string {
	if s == "" {
		return s
	}
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && strings.Contains(s, "://") &&
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
// :// and the last @ of its word (up to the next blank), keeping only a
// user name before a first colon.
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
		word := s
		if end := strings.IndexFunc(s, unicode.IsSpace); end >= 0 {
			word = s[:end]
		}
		at := strings.LastIndex(word, "@")
		if at < 0 {
			continue
		}
		if user, _, ok := strings.Cut(word[:at], ":"); ok && user != "" && !strings.ContainsAny(user, "/?#") {
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
