package mail_test

import (
	"html"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"cityhub/mail"
)

// The hub of another city sends e-mails in that city's name: the header,
// the messages that name the municipality and the footer say "Comune di
// Avellino" or "City of Avellino", and nothing says Benevento.
func TestComposerForAnotherCity(t *testing.T) {
	c, err := mail.NewComposer("https://servizi.comune.avellino.it/")
	if err != nil {
		t.Fatal(err)
	}
	c.SetZone(zone(t, "Europe/Rome"))
	c.SetCity(" Avellino ")
	c.SetCity("") // ignored: the city stays Avellino
	at := time.Date(2026, 11, 30, 21, 5, 0, 0, time.UTC)
	want := map[string]struct{ city, footer string }{
		"it": {"Comune di Avellino", "i servizi digitali del Comune di Avellino, perché hai un account"},
		"en": {"City of Avellino", "the digital services of the City of Avellino, because you have an account"},
	}
	// What each kind says of the city in its own words, besides the header
	// and the footer; "" for a kind whose text does not name it.
	intro := map[string]map[string]string{
		mail.KindTopUpReceipt: {"it": "sul tuo portafoglio del Comune di Avellino, pagati con carta", "en": "to your City of Avellino wallet, paid by card"},
		mail.KindVerifyEmail:  {"it": "ai servizi digitali del Comune di Avellino. Per attivare", "en": "to the City of Avellino's digital services. To activate"},
		mail.KindAccountExists: {"it": "per un account dei servizi digitali del Comune di Avellino, ma",
			"en": "for an account of the City of Avellino's digital services, but"},
		mail.KindEmailChange:    {"it": "dei servizi digitali del Comune di Avellino. Confermalo", "en": "of the City of Avellino's digital services. Confirm it"},
		mail.KindVoucherClaimed: {"it": "", "en": ""},
	}
	for _, lang := range mail.Languages {
		r := mail.Recipient{AccountID: "acc_1", Email: "anna@example.org", Name: "Anna Rossi", Locale: lang}
		for kind, says := range intro {
			var m mail.Message
			switch kind {
			case mail.KindTopUpReceipt:
				m, err = c.TopUpReceipt(r, mail.TopUp{AmountCents: 2500, BalanceCents: 4000, PaymentID: "pi_1", At: at})
			case mail.KindVerifyEmail:
				m, err = c.VerifyEmail(r, "ev_tok", 48*time.Hour)
			case mail.KindAccountExists:
				m, err = c.AccountExists(r)
			case mail.KindEmailChange:
				m, err = c.EmailChange(r, "ec_tok", 24*time.Hour)
			case mail.KindVoucherClaimed:
				m, err = c.VoucherClaimed(r, mail.Voucher{Campaign: "Natale in centro", ValueCents: 1000, ExpiresAt: at})
			}
			if err != nil {
				t.Fatalf("%s/%s: %v", kind, lang, err)
			}
			if !strings.HasPrefix(m.Text, want[lang].city+"\n") || !strings.Contains(m.HTML, ">"+want[lang].city+"</td>") {
				t.Errorf("%s/%s: the header does not name %s:\n%s", kind, lang, want[lang].city, m.Text)
			}
			footer := want[lang].footer
			if kind == mail.KindVerifyEmail || kind == mail.KindEmailChange {
				// To an address given for an account, perhaps by someone
				// else: not "because you have an account".
				footer = map[string]string{"it": "i servizi digitali del Comune di Avellino, perché questo indirizzo è stato indicato per un account: se la richiesta non è tua",
					"en": "the digital services of the City of Avellino, because this address was given for an account: if the request was not yours"}[lang]
				if strings.Contains(m.Text, want[lang].footer) {
					t.Errorf("%s/%s: says the address has an account:\n%s", kind, lang, m.Text)
				}
			}
			for _, body := range []string{m.Text, html.UnescapeString(m.HTML)} {
				for _, s := range []string{footer, says[lang]} {
					if !strings.Contains(body, s) {
						t.Errorf("%s/%s: %q missing from\n%s", kind, lang, s, body)
					}
				}
			}
			for name, s := range map[string]string{"subject": m.Subject, "text": m.Text, "html": m.HTML} {
				if strings.Contains(s, "Benevento") || strings.Contains(s, "{city}") || strings.Contains(s, "%!") {
					t.Errorf("%s/%s %s names another city or is malformed:\n%s", kind, lang, name, s)
				}
			}
		}
	}
	// A name is text, whatever it holds: a % is not a verb, and HTML
	// escapes it.
	c.SetCity("Sant'Agata <de'> Goti 100%")
	m, err := c.VerifyEmail(mail.Recipient{Email: "anna@example.org", Locale: "it"}, "ev_tok", 48*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "servizi digitali del Comune di Sant'Agata <de'> Goti 100%. Per attivare") || strings.Contains(m.Text, "%!") {
		t.Errorf("the city's name is altered in text:\n%s", m.Text)
	}
	if strings.Contains(m.HTML, "<de'>") || !strings.Contains(m.HTML, "Sant&#39;Agata &lt;de&#39;&gt; Goti 100%") {
		t.Errorf("the city's name is not escaped in HTML:\n%s", m.HTML)
	}
	// Text from people that looks like the placeholder stays as it is.
	m, err = c.VoucherClaimed(mail.Recipient{Email: "anna@example.org", Locale: "en"}, mail.Voucher{Campaign: "{city}", ValueCents: 100, ExpiresAt: at})
	if err != nil || !strings.Contains(m.Subject, "“{city}”") {
		t.Errorf("a campaign named {city} became %q (%v)", m.Subject, err)
	}
}

// No catalogue or template names a city: the name comes from the
// configuration, through the catalogue's "city" and {city}.
func TestNoCityInTheTexts(t *testing.T) {
	for _, dir := range []string{"i18n", "templates"} {
		err := fs.WalkDir(os.DirFS(dir), ".", func(name string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := fs.ReadFile(os.DirFS(dir), name)
			if err != nil {
				return err
			}
			if strings.Contains(string(b), "Benevento") {
				t.Errorf("%s/%s names Benevento", dir, name)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
