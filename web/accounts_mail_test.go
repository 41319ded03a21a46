package web

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mail"
	"cityhub/outbox"
)

// mailTo returns the e-mails of kind (mail.Kind...) the hub wrote to
// address, oldest first, from the outbox (the test server sends none).
func (env *testEnv) mailTo(t testing.TB, address, kind string) []mail.Message {
	t.Helper()
	admin := identity.Caller{AccountID: "acc_test_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	p, err := outbox.NewService(env.DB.Outbox()).List(context.Background(), admin, "", "", outbox.MaxPage)
	if err != nil {
		t.Fatal(err)
	}
	var out []mail.Message
	for i := len(p.Messages) - 1; i >= 0; i-- {
		m := p.Messages[i]
		if strings.EqualFold(m.To, address) && m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

var linkToken = regexp.MustCompile(`(/[a-z/]+)\?token=([^\s"&<>]+)`)

// mailLink is the page path and token of the last e-mail of kind to
// address; the test fails when there is none.
func (env *testEnv) mailLink(t testing.TB, address, kind string) (path, token string) {
	t.Helper()
	ms := env.mailTo(t, address, kind)
	if len(ms) == 0 {
		t.Fatalf("no %s e-mail to %s", kind, address)
	}
	sub := linkToken.FindStringSubmatch(ms[len(ms)-1].Text)
	if sub == nil {
		t.Fatalf("no link with a token in:\n%s", ms[len(ms)-1].Text)
	}
	tok, err := url.QueryUnescape(sub[2])
	if err != nil {
		t.Fatal(err)
	}
	return sub[1], tok
}

// verify confirms address with the link of its verification e-mail.
func (env *testEnv) verify(t testing.TB, address string) {
	t.Helper()
	_, tok := env.mailLink(t, address, mail.KindVerifyEmail)
	if _, err := env.Identity.ConfirmEmail(context.Background(), identity.Caller{}, tok); err != nil {
		t.Fatalf("confirm %s: %v", address, err)
	}
}
