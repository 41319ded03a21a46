package mail_test

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"cityhub/mail"
)

// The first sentence after the greeting starts as each language writes a
// letter: in English with a capital ("Dear Anna Rossi,\n\nThank you…"),
// in Italian in lower case ("Gentile Anna Rossi,\n\ngrazie…"), the
// greeting's comma not ending a sentence there. Every kind, each of its
// openings, with and without a name, in the text and the HTML.
func TestBodyAfterTheGreetingStartsAsTheLanguageWrites(t *testing.T) {
	c := composer(t)
	at := time.Date(2026, 11, 30, 21, 5, 0, 0, time.UTC)
	voucher := mail.Voucher{Campaign: "Natale in centro", ValueCents: 1000, ExpiresAt: at}
	// compose builds every opening of each kind.
	compose := map[string][]func(mail.Recipient) (mail.Message, error){
		mail.KindTopUpReceipt: {func(r mail.Recipient) (mail.Message, error) {
			return c.TopUpReceipt(r, mail.TopUp{AmountCents: 1000, BalanceCents: 2000, PaymentID: "pi_1", At: at})
		}},
		mail.KindVoucherClaimed: {func(r mail.Recipient) (mail.Message, error) { return c.VoucherClaimed(r, voucher) }},
		mail.KindReportStatus: {func(r mail.Recipient) (mail.Message, error) {
			return c.ReportStatusChanged(r, mail.ReportStatus{ReportID: "rep_1", Category: "Buca", Status: "fixed", At: at, ReopenDays: 30})
		}},
		mail.KindReportReceived: {func(r mail.Recipient) (mail.Message, error) {
			return c.ReportReceived(r, mail.ReportReceipt{ReportID: "rep_1", Category: "Buca", At: at})
		}},
		mail.KindProposalAnswered: {func(r mail.Recipient) (mail.Message, error) {
			return c.ProposalAnswered(r, mail.ProposalAnswer{ProposalID: "prp_1", Title: "Più panchine", Answer: "Sì"})
		}},
		mail.KindTicketsPurchased: {func(r mail.Recipient) (mail.Message, error) {
			return c.TicketsPurchased(r, mail.TicketsPurchase{OrderID: "ord_1", Title: "La locandiera", Venue: "Teatro Romano", StartsAt: at, TotalCents: 2500,
				Tickets: []mail.TicketLine{{Section: "Platea", Row: "A", Number: 3, Code: "ABCD-EFGH-JKLM", PriceCents: 2500}}})
		}},
		mail.KindOrderRefunded: {
			func(r mail.Recipient) (mail.Message, error) {
				return c.OrderRefunded(r, mail.Refund{OrderID: "ord_1", Title: "La locandiera", AmountCents: 2500})
			},
			func(r mail.Recipient) (mail.Message, error) {
				return c.OrderRefunded(r, mail.Refund{OrderID: "ord_1", Title: "La locandiera", AmountCents: 1000, Partial: true})
			},
			func(r mail.Recipient) (mail.Message, error) {
				return c.OrderRefunded(r, mail.Refund{OrderID: "ord_1", Title: "La locandiera", AmountCents: 2500, PerformanceCancelled: true})
			},
		},
		mail.KindOrderVoidedDisputed: {
			func(r mail.Recipient) (mail.Message, error) {
				return c.OrderVoidedDisputed(r, mail.Voided{OrderID: "ord_1", Title: "La locandiera"})
			},
			func(r mail.Recipient) (mail.Message, error) {
				return c.OrderVoidedDisputed(r, mail.Voided{OrderID: "ord_1", Title: "La locandiera", Lost: true})
			},
		},
		mail.KindVoucherExpiring: {func(r mail.Recipient) (mail.Message, error) { return c.VoucherExpiring(r, voucher) }},
		mail.KindVerifyEmail:     {func(r mail.Recipient) (mail.Message, error) { return c.VerifyEmail(r, "tok", 48*time.Hour) }},
		mail.KindAccountExists:   {func(r mail.Recipient) (mail.Message, error) { return c.AccountExists(r) }},
		mail.KindPasswordReset:   {func(r mail.Recipient) (mail.Message, error) { return c.PasswordReset(r, "tok", time.Hour) }},
		mail.KindPasswordChanged: {func(r mail.Recipient) (mail.Message, error) { return c.PasswordChanged(r) }},
		mail.KindEmailChange:     {func(r mail.Recipient) (mail.Message, error) { return c.EmailChange(r, "tok", 24*time.Hour) }},
		mail.KindEmailChanged:    {func(r mail.Recipient) (mail.Message, error) { return c.EmailChanged(r, "nuova@example.org") }},
	}
	greeting := map[string]string{"en": "Dear Anna Rossi,", "it": "Gentile Anna Rossi,"}
	anonymous := map[string]string{"en": "Hello,", "it": "Buongiorno,"}
	for _, kind := range mail.Kinds {
		if len(compose[kind]) == 0 {
			t.Fatalf("kind %s has no case here", kind)
		}
		for _, lang := range mail.Languages {
			for _, name := range []string{"Anna Rossi", ""} {
				hello := greeting[lang]
				if name == "" {
					hello = anonymous[lang]
				}
				r := mail.Recipient{AccountID: "acc_1", Email: "anna@example.org", Name: name, Locale: lang}
				for i, build := range compose[kind] {
					m, err := build(r)
					if err != nil {
						t.Fatalf("%s/%s #%d: %v", kind, lang, i, err)
					}
					_, text, ok := strings.Cut(m.Text, "\n"+hello+"\n\n")
					if !ok {
						t.Fatalf("%s/%s #%d: no greeting %q in\n%s", kind, lang, i, hello, m.Text)
					}
					_, html, ok := strings.Cut(m.HTML, ">"+hello+"</p>\n<p")
					if _, html, _ = strings.Cut(html, ">"); !ok {
						t.Fatalf("%s/%s #%d: no greeting %q in\n%s", kind, lang, i, hello, m.HTML)
					}
					for form, body := range map[string]string{"text": text, "html": html} {
						first, _ := utf8.DecodeRuneInString(body)
						if want := lang == "en"; unicode.IsUpper(first) != want || !unicode.IsLetter(first) {
							t.Errorf("%s/%s #%d %s: after %q the body starts %.40q: a capital %v expected", kind, lang, i, form, hello, body, want)
						}
					}
				}
			}
		}
	}
}
