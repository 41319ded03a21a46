package config

import (
	"net/url"
	"regexp"
	"strings"
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
	// A URL's user:password@ when the URL could not be parsed: up to the
	// last @ of the word, so a password with a / or an @ is hidden too.
	userinfo = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@:]*):[^\s]*@`)
)

// Redact hides every secret in s, a configuration value about to be logged
// or shown: the password of a URL's user information (postgres://u:pw@...,
// smtp://u:pw@..., tcp://u:pw@...), a value whose name says it is secret
// (password=, sslpassword=, secret=, token=, in a query string or a
// key=value connection string), and Stripe keys (sk_..., rk_..., whsec_...).
// Everything that prints configuration goes through it.
func Redact(s string) string {
	if s == "" {
		return s
	}
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && strings.Contains(s, "://") {
		if u.User != nil {
			if _, ok := u.User.Password(); ok {
				u.User = url.UserPassword(u.User.Username(), masked)
			}
			s = u.String()
		} else if strings.Contains(beforeQuery(s[strings.Index(s, "://")+3:]), "@") {
			// An @ in the path of a URL with no user information: a
			// password with an unescaped /, whose part before the / is all
			// digits, parses as a port (postgres://u:1234/pw@host/db has
			// host u:1234 and path /pw@host/db). Hide it by pattern.
			s = userinfo.ReplaceAllString(s, "${1}:"+masked+"@")
		} else {
			s = u.String()
		}
	} else {
		s = userinfo.ReplaceAllString(s, "${1}:"+masked+"@")
	}
	s = secretWord.ReplaceAllString(s, "${1}${2}"+masked)
	return stripeSecret.ReplaceAllString(s, "${1}"+masked)
}

// beforeQuery is s up to its query or fragment.
func beforeQuery(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return s[:i]
	}
	return s
}

// secretState says whether a secret is set, never what it is.
func secretState(s string) string {
	if s == "" {
		return "(unset)"
	}
	return "(set)"
}
