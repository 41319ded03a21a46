package mail_test

import (
	"html"
	"strings"
	"testing"

	"cityhub/mail"
)

// The e-mails telling of a new password or a new address are read by
// someone whose account may have been taken over: the old address no
// longer logs in, and the footer says not to reply. Each must say where to
// turn: the city's address when one is configured, the contacts page
// otherwise.
func TestAccountChangeNoticesSayWhereToTurn(t *testing.T) {
	const contact = "servizi.digitali@comune.benevento.it"
	for _, configured := range []bool{false, true} {
		c := composer(t)
		want := "https://servizi.comune.benevento.it/hub/contatti"
		if configured {
			c.SetContact(contact)
			want = contact
		}
		for _, lang := range mail.Languages {
			r := mail.Recipient{AccountID: "acc_1", Email: "anna@example.org", Name: "Anna Rossi", Locale: lang}
			changed, err := c.PasswordChanged(r)
			if err != nil {
				t.Fatal(err)
			}
			moved, err := c.EmailChanged(r, "anna.nuova@example.org")
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range []mail.Message{changed, moved} {
				for _, body := range []string{m.Text, html.UnescapeString(m.HTML)} {
					if !strings.Contains(body, want) {
						t.Errorf("%s %s, contact configured %v: %q missing from\n%s", lang, m.Kind, configured, want, body)
					}
				}
			}
		}
	}
}
