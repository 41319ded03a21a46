package config

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, c := range []struct {
		in, want, secret string
	}{
		{"postgres://cityhub:hunter2pw@db:5432/city", "postgres://cityhub:xxxxx@db:5432/city", "hunter2pw"},
		{"postgres://cityhub@db/city?sslmode=require&password=hunter2pw", "postgres://cityhub@db/city?sslmode=require&password=xxxxx", "hunter2pw"},
		{"postgres://db/city?sslpassword=hunter2pw&sslmode=verify-full", "postgres://db/city?sslpassword=xxxxx&sslmode=verify-full", "hunter2pw"},
		{"host=db user=cityhub password='hunter 2pw' dbname=city", "host=db user=cityhub password=xxxxx dbname=city", "hunter 2pw"},
		{"host=db password=hunter2pw", "host=db password=xxxxx", "hunter2pw"},
		{"smtp://mailer:hunter2pw@smtp.example:587", "smtp://mailer:xxxxx@smtp.example:587", "hunter2pw"},
		{"smtps://mailer:hun/ter@2pw@smtp.example", "", "hun/ter@2pw"},
		{"tcp://station:hunter2pw@broker:1883", "tcp://station:xxxxx@broker:1883", "hunter2pw"},
		{"key sk_live_51HhunterABC and whsec_hunter2pw", "key sk_live_xxxxx and whsec_xxxxx", "hunter"},
		{"rk_test_hunter2pw", "rk_test_xxxxx", "hunter2pw"},
		{"postgres://db:5432/city?sslmode=disable", "postgres://db:5432/city?sslmode=disable", ""},
		{"http://127.0.0.1:12111", "http://127.0.0.1:12111", ""},
		{"embedded sqlite in ./data", "embedded sqlite in ./data", ""},
		// A password with an unescaped / whose part before it is all
		// digits parses as a port, with no user information.
		{"postgres://cityhub:1234/S3cretPW@127.0.0.1:1/cityhub", "postgres://cityhub:xxxxx@127.0.0.1:1/cityhub", "S3cretPW"},
		{"tcp://station:1234/S3cretPW@broker:1883", "tcp://station:xxxxx@broker:1883", "S3cretPW"},
		{"smtp://mailer:1234/S3cretPW@smtp.example:587?tls=starttls", "smtp://mailer:xxxxx@smtp.example:587?tls=starttls", "S3cretPW"},
		{"broker tcp://station:1234/S3cretPW@broker:1883 did not answer", "broker tcp://station:xxxxx@broker:1883 did not answer", "S3cretPW"},
		// The same with a ? or a #: the @ lands in the query or the
		// fragment, and the password's start in the port.
		{"smtp://user:12?x@host", "smtp://user:xxxxx@host", "12?x"},
		{"smtp://mailer:1234?S3cretPW@smtp.example:587", "smtp://mailer:xxxxx@smtp.example:587", "S3cretPW"},
		{"smtp://mailer:1234#S3cretPW@smtp.example:587", "smtp://mailer:xxxxx@smtp.example:587", "S3cretPW"},
		{"tcp://station:1234?S3cretPW@broker:1883", "tcp://station:xxxxx@broker:1883", "S3cretPW"},
		{"connect to smtp://mailer:12?S3cretPW@smtp.example:587?tls=none: refused", "connect to smtp://mailer:xxxxx@smtp.example:587?tls=none: refused", "S3cretPW"},
		// A user name that holds a / cannot be told from the password:
		// all of it goes.
		{"smtp://mail/er:S3cretPW@smtp.example", "smtp://xxxxx@smtp.example", "S3cretPW"},
		{"tcp://a/b?c@broker:1883", "tcp://xxxxx@broker:1883", "a/b?c"},
	} {
		got := Redact(c.in)
		if c.want != "" && got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
		if c.secret != "" && strings.Contains(got, c.secret) {
			t.Errorf("Redact(%q) = %q shows the secret", c.in, got)
		}
	}
}
