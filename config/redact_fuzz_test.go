package config

import (
	"strings"
	"testing"
)

// FuzzRedactHidesPassword builds a URL with a user's password around
// any text and checks that Redact never shows the password, whether the
// URL parses or not (blanks, @, /, ? or # in the password, text before
// and after it, another URL in the same text).
func FuzzRedactHidesPassword(f *testing.F) {
	f.Add("", "postgres", "postgres", "SEK RIT6", "127.0.0.1:5432/htest", "")
	f.Add("broker ", "tcp", "u", "SEK RIT9", "127.0.0.1:1884", " did not answer")
	f.Add("", "smtp", "hub", "pa@ss word", "mail.example:587", "")
	f.Add("", "tcp", "u", "a://b", "broker:1883", "")
	f.Add("tcp:x", "tcp", "u", "s3cret", "host", "")
	f.Add("see ", "https", "a", "1234/S3cret", "idp.example", " and smtp://m:other@h")
	f.Add("", "smtps", "mailer", "hun/ter@2pw", "smtp.example", "")
	f.Fuzz(func(t *testing.T, prefix, scheme, user, password, host, suffix string) {
		if len(password) < 3 || strings.ContainsAny(user, ":") {
			return
		}
		in := prefix + scheme + "://" + user + ":" + password + "@" + host + suffix
		// A password also found in the text around it, or made up of
		// the mask and its neighbours, cannot be told apart from them.
		if strings.Contains(strings.Replace(in, password, masked, 1), password) {
			return
		}
		if out := Redact(in); strings.Contains(out, password) {
			t.Errorf("Redact(%q) = %q shows the password %q", in, out, password)
		}
	})
}
