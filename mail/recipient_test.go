package mail_test

import (
	"html"
	"strings"
	"testing"
	"time"

	"cityhub/mail"
)

// A report's status also reaches an address an app gave with the report
// (Open311), whose owner has no account: that e-mail must not say they
// have one, nor offer the reopening only a reporter's account can do; it
// says why the address got it and what the person can do instead.
func TestReportStatusToAnAddressWithoutAccount(t *testing.T) {
	c := composer(t)
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	status := mail.ReportStatus{ReportID: "rep_1", Category: "Buca", Status: "fixed", At: at, ReopenDays: 30}
	cases := map[string]struct{ account, noAccount, reopen, again string }{
		"it": {"perché hai un account", "perché questo indirizzo è stato indicato per ricevere aggiornamenti su una segnalazione",
			"puoi riaprire la segnalazione", "puoi fare una nuova segnalazione"},
		"en": {"because you have an account", "because this address was given to receive updates on a report",
			"you can reopen the report", "you can make a new report"},
	}
	for _, lang := range mail.Languages {
		want := cases[lang]
		for _, account := range []bool{true, false} {
			r := mail.Recipient{Email: "gianni@example.org", Name: "Gianni Rossi", Locale: lang}
			says, never := []string{want.noAccount, want.again}, []string{want.account, want.reopen}
			if account {
				r.AccountID = "acc_1"
				says, never = never, says
			}
			m, err := c.ReportStatusChanged(r, status)
			if err != nil {
				t.Fatalf("%s, account %v: %v", lang, account, err)
			}
			for _, body := range []string{m.Text, html.UnescapeString(m.HTML)} {
				for _, s := range says {
					if !strings.Contains(body, s) {
						t.Errorf("%s, account %v: %q missing from\n%s", lang, account, s, body)
					}
				}
				for _, s := range never {
					if strings.Contains(body, s) {
						t.Errorf("%s, account %v: says %q:\n%s", lang, account, s, body)
					}
				}
			}
		}
	}
}
