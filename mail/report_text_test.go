package mail_test

import (
	"strings"
	"testing"
	"time"

	"cityhub/mail"
)

// The plain text of a report's new status reads as one block of facts,
// then the link: whatever the status and whether the office wrote a note,
// no paragraph is followed by two blank lines, and the note, when there is
// one, is there.
func TestReportStatusTextHasNoDoubleBlankLine(t *testing.T) {
	c := composer(t)
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for _, lang := range mail.Languages {
		for _, status := range []string{"acknowledged", "in_progress", "fixed", "rejected", "duplicate"} {
			for _, note := range []string{"", "Presa in carico."} {
				for _, account := range []string{"acc_1", ""} {
					r := mail.Recipient{AccountID: account, Email: "anna@example.org", Name: "Anna Rossi", Locale: lang}
					m, err := c.ReportStatusChanged(r, mail.ReportStatus{ReportID: "rep_1", Category: "Buca", Status: status, Note: note, At: at, ReopenDays: 30})
					if err != nil {
						t.Fatal(err)
					}
					if strings.Contains(m.Text, "\n\n\n") {
						t.Errorf("%s, %s, note %q, account %q: two blank lines in\n%s", lang, status, note, account, m.Text)
					}
					if !strings.Contains(m.Text, note+"\n") {
						t.Errorf("%s, %s: the note %q is missing from\n%s", lang, status, note, m.Text)
					}
				}
			}
		}
	}
}
