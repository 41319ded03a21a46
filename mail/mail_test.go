package mail_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/mail"
)

func composer(t *testing.T) *mail.Composer {
	t.Helper()
	c, err := mail.NewComposer("https://servizi.comune.benevento.it/hub/")
	if err != nil {
		t.Fatal(err)
	}
	c.SetZone(zone(t, "Europe/Rome"))
	return c
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// Both catalogues carry the same keys, none empty.
func TestCataloguesParity(t *testing.T) {
	keys := map[string][]string{}
	for _, lang := range mail.Languages {
		b, err := fs.ReadFile(os.DirFS("i18n"), lang+".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		for k, v := range m {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %q is empty", lang, k)
			}
			keys[lang] = append(keys[lang], k)
		}
		slices.Sort(keys[lang])
	}
	for _, lang := range mail.Languages[1:] {
		if !slices.Equal(keys[lang], keys[mail.Languages[0]]) {
			t.Errorf("%s and %s catalogues differ:\n%v\n%v", lang, mail.Languages[0], keys[lang], keys[mail.Languages[0]])
		}
	}
}

// Every kind renders in every language: the city named, the link back to
// the page, no missing message, the person's name escaped in HTML.
func TestEveryKindInEveryLanguage(t *testing.T) {
	c := composer(t)
	at := time.Date(2026, 11, 30, 21, 5, 0, 0, time.UTC)
	city := map[string]string{"it": "Comune di Benevento", "en": "City of Benevento"}
	for _, lang := range mail.Languages {
		r := mail.Recipient{AccountID: "acc_1", Email: "anna@example.org", Name: "Anna <b>Rossi</b>", Locale: lang}
		for _, kind := range mail.Kinds {
			var m mail.Message
			var err error
			var link, amount string
			switch kind {
			case mail.KindTopUpReceipt:
				m, err = c.TopUpReceipt(r, mail.TopUp{AmountCents: 123450, BalanceCents: 200000, PaymentID: "pi_123", At: at})
				link, amount = "https://servizi.comune.benevento.it/hub/wallet", map[string]string{"it": "1.234,50\u00a0€", "en": "€1,234.50"}[lang]
			case mail.KindVoucherClaimed:
				m, err = c.VoucherClaimed(r, mail.Voucher{Campaign: "Natale in centro", ValueCents: 1000, ExpiresAt: at})
				link, amount = "https://servizi.comune.benevento.it/hub/vouchers", map[string]string{"it": "10,00\u00a0€", "en": "€10.00"}[lang]
			case mail.KindReportStatus:
				m, err = c.ReportStatusChanged(r, mail.ReportStatus{ReportID: "rep_1", Category: "Buca <i>stradale</i>", Status: "fixed", Note: "Riparata <script>", At: at, ReopenDays: 30})
				link, amount = "https://servizi.comune.benevento.it/hub/reports/rep_1", map[string]string{"it": "risolta", "en": "fixed"}[lang]
			case mail.KindReportReceived:
				m, err = c.ReportReceived(r, mail.ReportReceipt{ReportID: "rep_1", Category: "Buca <i>stradale</i>", At: at})
				link, amount = "https://servizi.comune.benevento.it/hub/reports/rep_1", map[string]string{"it": "Ti scriveremo", "en": "We will write"}[lang]
			case mail.KindProposalAnswered:
				m, err = c.ProposalAnswered(r, mail.ProposalAnswer{ProposalID: "prp_1", Title: "Più panchine", Answer: "Sì <b>entro</b> maggio"})
				link, amount = "https://servizi.comune.benevento.it/hub/proposals/prp_1", "Più panchine"
			case mail.KindVerifyEmail:
				m, err = c.VerifyEmail(r, "ev_tok/+en", 48*time.Hour)
				link, amount = "https://servizi.comune.benevento.it/hub/account/confirm?token=ev_tok%2F%2Ben", "48"
			case mail.KindAccountExists:
				m, err = c.AccountExists(r)
				link, amount = "https://servizi.comune.benevento.it/hub/password/forgot", "anna@example.org"
			case mail.KindPasswordReset:
				m, err = c.PasswordReset(r, "pr_tok", time.Hour)
				link, amount = "https://servizi.comune.benevento.it/hub/password/reset?token=pr_tok", map[string]string{"it": " 1 ora ", "en": " 1 hour "}[lang]
				if two, err := c.PasswordReset(r, "pr_tok", 2*time.Hour); err != nil || !strings.Contains(two.Text, map[string]string{"it": " 2 ore ", "en": " 2 hours "}[lang]) {
					t.Errorf("%s/%s: a link of two hours: %v\n%s", kind, lang, err, two.Text)
				}
			case mail.KindPasswordChanged:
				m, err = c.PasswordChanged(r)
				link, amount = "https://servizi.comune.benevento.it/hub/password/forgot", "anna@example.org"
			case mail.KindEmailChange:
				m, err = c.EmailChange(r, "ec_tok", 24*time.Hour)
				link, amount = "https://servizi.comune.benevento.it/hub/account/confirm?token=ec_tok", "24"
			case mail.KindEmailChanged:
				m, err = c.EmailChanged(r, "nuova@example.org")
				link, amount = "https://servizi.comune.benevento.it/hub/login", "nuova@example.org"
			case mail.KindTicketsPurchased:
				m, err = c.TicketsPurchased(r, mail.TicketsPurchase{OrderID: "ord_1", Title: "La <i>stradale</i> locandiera", Venue: "Teatro Romano", StartsAt: at, TotalCents: 5000,
					Tickets: []mail.TicketLine{{Section: "Platea", Row: "A", Number: 3, Code: "ABCD-EFGH-JKLM", PriceCents: 2500}, {Section: "Platea", Row: "A", Number: 4, Code: "NPQR-STUV-WXYZ", PriceCents: 2500}}})
				link, amount = "https://servizi.comune.benevento.it/hub/theatre", "NPQR-STUV-WXYZ"
			case mail.KindOrderRefunded:
				m, err = c.OrderRefunded(r, mail.Refund{OrderID: "ord_1", Title: "La locandiera", AmountCents: 5000, ToCard: true})
				link, amount = "https://servizi.comune.benevento.it/hub/wallet", map[string]string{"it": "50,00\u00a0€", "en": "€50.00"}[lang]
				part, perr := c.OrderRefunded(r, mail.Refund{OrderID: "ord_1", Title: "La locandiera", AmountCents: 1000, ToCard: true, Partial: true})
				if perr != nil || !strings.Contains(part.Text, map[string]string{"it": "i biglietti restano validi", "en": "your tickets stay valid"}[lang]) ||
					strings.Contains(part.Text, map[string]string{"it": "annullato", "en": "cancelled"}[lang]) {
					t.Errorf("%s/%s: a partial refund's notice: %v\n%s", kind, lang, perr, part.Text)
				}
			case mail.KindOrderVoidedDisputed:
				m, err = c.OrderVoidedDisputed(r, mail.Voided{OrderID: "ord_1", Title: "La <i>stradale</i> locandiera"})
				link, amount = "https://servizi.comune.benevento.it/hub/wallet", "ord_1"
				lost, lerr := c.OrderVoidedDisputed(r, mail.Voided{OrderID: "ord_1", Title: "La locandiera", Lost: true})
				if lerr != nil || lost.Text == m.Text || !strings.Contains(lost.Text, map[string]string{"it": "a tuo favore", "en": "in your favour"}[lang]) {
					t.Errorf("%s/%s: a lost dispute's notice says what an open one's does: %v\n%s", kind, lang, lerr, lost.Text)
				}
			case mail.KindVoucherExpiring:
				m, err = c.VoucherExpiring(r, mail.Voucher{Campaign: "Natale in centro", ValueCents: 750, ExpiresAt: at})
				link, amount = "https://servizi.comune.benevento.it/hub/vouchers", map[string]string{"it": "7,50\u00a0€", "en": "€7.50"}[lang]
			default:
				t.Fatalf("kind %s has no case here", kind)
			}
			if err != nil {
				t.Fatalf("%s/%s: %v", kind, lang, err)
			}
			if err := m.Validate(); err != nil {
				t.Fatalf("%s/%s: %v", kind, lang, err)
			}
			if m.Locale != lang || m.Kind != kind || !strings.HasPrefix(m.MessageID, "<mail_") || !strings.HasSuffix(m.MessageID, "@servizi.comune.benevento.it>") {
				t.Errorf("%s/%s: %+v", kind, lang, m)
			}
			for name, body := range map[string]string{"subject": m.Subject, "text": m.Text, "html": m.HTML} {
				if strings.Contains(body, "[") && strings.Contains(body, "]") && strings.Contains(body, "["+kind) {
					t.Errorf("%s/%s %s has a missing message: %s", kind, lang, name, body)
				}
			}
			for _, body := range []string{m.Text, m.HTML} {
				for _, want := range []string{city[lang], link, amount} {
					if !strings.Contains(body, want) {
						t.Errorf("%s/%s: %q missing from\n%s", kind, lang, want, body)
					}
				}
			}
			if strings.Contains(m.HTML, "<script>") || strings.Contains(m.HTML, "<b>entro") || strings.Contains(m.HTML, "<i>stradale") {
				t.Errorf("%s/%s: text from people is not escaped in HTML:\n%s", kind, lang, m.HTML)
			}
			if strings.Contains(m.HTML, "<b>Rossi") || !strings.Contains(m.HTML, "Anna &lt;b&gt;Rossi") {
				t.Errorf("%s/%s: the name is not escaped in HTML", kind, lang)
			}
			if !strings.Contains(m.HTML, `<html lang="`+lang+`">`) {
				t.Errorf("%s/%s: html lang missing", kind, lang)
			}
		}
	}
	// An account in a language the e-mails do not speak gets the default.
	m, err := c.TopUpReceipt(mail.Recipient{Email: "x@example.org", Locale: "de"}, mail.TopUp{AmountCents: 100, At: at})
	if err != nil || m.Locale != "it" || !strings.Contains(m.Subject, "Ricarica") {
		t.Fatalf("unknown locale: %+v, %v", m, err)
	}
	// Times are the city's: 21:05 UTC on 30 November is 22:05 in Benevento,
	// and the next morning in Tokyo.
	if !strings.Contains(m.Text, "30 novembre 2026, 22:05") {
		t.Errorf("date not in the city's time zone:\n%s", m.Text)
	}
	c.SetZone(zone(t, "Asia/Tokyo"))
	m, err = c.TopUpReceipt(mail.Recipient{Email: "x@example.org", Locale: "it"}, mail.TopUp{AmountCents: 100, At: at})
	if err != nil || !strings.Contains(m.Text, "1º dicembre 2026, 06:05") {
		t.Errorf("date not in the configured time zone, or the first of the month not written 1º (%v):\n%s", err, m.Text)
	}
	// Italian writes only the first of a month as an ordinal; English
	// writes it as a number.
	m, err = c.TopUpReceipt(mail.Recipient{Email: "x@example.org", Locale: "en"}, mail.TopUp{AmountCents: 100, At: at})
	if err != nil || !strings.Contains(m.Text, "1 December 2026, 06:05") || strings.Contains(m.Text, "º") {
		t.Errorf("English writes the first of a month as 1 (%v):\n%s", err, m.Text)
	}
	m, err = c.TopUpReceipt(mail.Recipient{Email: "x@example.org", Locale: "it"}, mail.TopUp{AmountCents: 100, At: at.Add(24 * time.Hour)})
	if err != nil || !strings.Contains(m.Text, "2 dicembre 2026, 06:05") || strings.Contains(m.Text, "º") {
		t.Errorf("only the first of a month is an ordinal (%v):\n%s", err, m.Text)
	}
}

// Only a complete message with a valid recipient and sane attachments is
// enqueued.
func TestValidate(t *testing.T) {
	ok := mail.Message{Kind: "k", To: "a@example.org", Subject: "s", Text: "t", HTML: "<p>h</p>"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(m *mail.Message){
		"no kind":          func(m *mail.Message) { m.Kind = "" },
		"bad recipient":    func(m *mail.Message) { m.To = "not an address" },
		"named recipient":  func(m *mail.Message) { m.To = "Anna <a@example.org>" },
		"header injection": func(m *mail.Message) { m.Subject = "hi\r\nBcc: x@example.org" },
		"no html":          func(m *mail.Message) { m.HTML = "" },
		"attachment path": func(m *mail.Message) {
			m.Attachments = []mail.Attachment{{Name: "../x", ContentType: "text/plain", Data: []byte("x")}}
		},
		"empty attachment": func(m *mail.Message) { m.Attachments = []mail.Attachment{{Name: "x.txt", ContentType: "text/plain"}} },
		"attachment too big": func(m *mail.Message) {
			m.Attachments = []mail.Attachment{{Name: "x.bin", ContentType: "application/octet-stream", Data: make([]byte, mail.MaxAttachmentBytes+1)}}
		},
	} {
		m := ok
		edit(&m)
		if err := m.Validate(); !apperr.Has(err, apperr.Invalid) {
			t.Errorf("%s: Validate = %v, want Invalid", name, err)
		}
	}
}
