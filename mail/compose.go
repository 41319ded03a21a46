package mail

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/url"
	"path"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"cityhub/config"
	"cityhub/ids"
	"cityhub/money"
)

// Messages live in per-language catalogues (i18n/<lang>.json), never in the
// templates, so a translator edits catalogue files only; a test proves both
// catalogues carry the same keys and every template renders in both.
//
// No message names the city itself: the catalogue's "city" says how the
// language names the municipality ("Comune di %s", "City of %s"), and a
// message writes {city} where that name goes, so the hub of any city sends
// e-mails in its own name.

//go:embed i18n/*.json templates/*
var files embed.FS

// Languages the e-mails speak, the default first.
var Languages = []string{"it", "en"}

// Kinds of e-mail the hub composes; each has templates/<kind>.html and
// templates/<kind>.txt and a "<kind>.subject" in every catalogue.
const (
	KindTopUpReceipt   = "topup_receipt"
	KindVoucherClaimed = "voucher_claimed"
	KindReportStatus   = "report_status"
	// KindReportReceived acknowledges a report as it is made.
	KindReportReceived   = "report_received"
	KindProposalAnswered = "proposal_answered"
	KindTicketsPurchased = "tickets_purchased"
	KindOrderRefunded    = "order_refunded"
	// KindOrderVoidedDisputed: the show was cancelled, and the order's
	// card payment is disputed, so the dispute settles its money.
	KindOrderVoidedDisputed = "order_voided_disputed"
	KindVoucherExpiring     = "voucher_expiring"
	// The account e-mails (account.go): each carries a single-use link or
	// tells the person about a change to their account.
	KindVerifyEmail     = "verify_email"
	KindAccountExists   = "account_exists"
	KindPasswordReset   = "password_reset"
	KindPasswordChanged = "password_changed"
	KindEmailChange     = "email_change"
	KindEmailChanged    = "email_changed"
)

// Kinds lists every kind, for the start-up check and tests.
var Kinds = []string{KindTopUpReceipt, KindVoucherClaimed, KindReportStatus, KindReportReceived, KindProposalAnswered,
	KindTicketsPurchased, KindOrderRefunded, KindOrderVoidedDisputed, KindVoucherExpiring,
	KindVerifyEmail, KindAccountExists, KindPasswordReset, KindPasswordChanged, KindEmailChange, KindEmailChanged}

// Recipient is the person an e-mail is for, with the language of their
// account. AccountID is empty for an address given without an account (a
// report's reporter through Open311).
type Recipient struct {
	AccountID string
	Email     string
	Name      string
	Locale    string
}

// Composer renders e-mails in the recipient's language, naming the city and
// linking back to the hub's pages at the public URL.
type Composer struct {
	publicURL *url.URL
	domain    string
	city      string
	catalogs  map[string]map[string]string
	html      map[string]*htmltemplate.Template
	text      map[string]*texttemplate.Template
	now       func() time.Time
	zone      *time.Location
	// contact is the address people write to the city at
	// (CITYHUB_CITY_EMAIL), empty when none is configured.
	contact string
}

// NewComposer parses the embedded catalogues and templates once; a missing
// template or key fails here, at start, rather than in a customer's inbox.
// publicURL is the absolute URL people open the hub at.
func NewComposer(publicURL string) (*Composer, error) {
	u, err := url.Parse(publicURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("mail: public url %q is not absolute", publicURL)
	}
	c := &Composer{publicURL: u, domain: u.Hostname(), city: config.DefaultCityName, catalogs: map[string]map[string]string{},
		html: map[string]*htmltemplate.Template{}, text: map[string]*texttemplate.Template{}, now: time.Now, zone: time.UTC}
	for _, lang := range Languages {
		b, err := fs.ReadFile(files, "i18n/"+lang+".json")
		if err != nil {
			return nil, fmt.Errorf("mail: read catalogue %s: %w", lang, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("mail: catalogue %s: %w", lang, err)
		}
		if strings.Count(m[cityKey], "%s") != 1 || strings.Count(m[cityKey], "%") != 1 {
			return nil, fmt.Errorf("mail: catalogue %s: %q must name the city with one %%s", lang, cityKey)
		}
		c.catalogs[lang] = m
	}
	htmlLayout, err := htmltemplate.ParseFS(files, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("mail: parse layout: %w", err)
	}
	textLayout, err := texttemplate.ParseFS(files, "templates/layout.txt")
	if err != nil {
		return nil, fmt.Errorf("mail: parse layout: %w", err)
	}
	for _, kind := range Kinds {
		h, err := htmltemplate.Must(htmlLayout.Clone()).ParseFS(files, path.Join("templates", kind+".html"))
		if err != nil {
			return nil, fmt.Errorf("mail: parse %s.html: %w", kind, err)
		}
		t, err := texttemplate.Must(textLayout.Clone()).ParseFS(files, path.Join("templates", kind+".txt"))
		if err != nil {
			return nil, fmt.Errorf("mail: parse %s.txt: %w", kind, err)
		}
		c.html[kind], c.text[kind] = h.Option("missingkey=error"), t.Option("missingkey=error")
		for _, lang := range Languages {
			if _, ok := c.catalogs[lang][kind+".subject"]; !ok {
				return nil, fmt.Errorf("mail: catalogue %s has no %s.subject", lang, kind)
			}
		}
	}
	return c, nil
}

// SetZone sets the city's time zone (configuration), in which e-mails
// write dates and times; until then they are in UTC. Call it before the
// composer is used; nil is ignored.
func (c *Composer) SetZone(loc *time.Location) {
	if loc != nil {
		c.zone = loc
	}
}

// SetCity sets the municipality's name alone (configuration: "Avellino"),
// which every e-mail says in its language's form ("Comune di Avellino",
// "City of Avellino"); until then it is config.DefaultCityName. Call it
// before the composer is used; an empty name is ignored.
func (c *Composer) SetCity(name string) {
	if name = strings.TrimSpace(name); name != "" {
		c.city = name
	}
}

// SetContact sets the address people write to the city at
// (CITYHUB_CITY_EMAIL). The e-mails that tell of a change to an account
// the person may not have made (a new password, a new address) say it, so
// someone whose account was taken over knows where to turn; without it
// they point at the contacts page. Call it before the composer is used.
func (c *Composer) SetContact(email string) { c.contact = strings.TrimSpace(email) }

// Link is the absolute URL of a page of the hub, for e-mails. A query in
// pagePath (a token the page needs) is kept.
func (c *Composer) Link(pagePath string) string {
	pagePath, query, _ := strings.Cut(pagePath, "?")
	u := *c.publicURL
	u.Path = strings.TrimSuffix(u.Path, "/") + "/" + strings.TrimPrefix(pagePath, "/")
	u.RawQuery, u.Fragment = query, ""
	return u.String()
}

// Compose renders an e-mail of kind for r: the subject from the catalogue's
// "<kind>.subject" filled with subjectArgs, the bodies from the kind's
// templates with data, a button to pagePath labelled by "<kind>.link". The
// message is ready to Enqueue. Errors mean a template or catalogue defect.
func (c *Composer) Compose(kind string, r Recipient, pagePath string, data any, subjectArgs ...any) (Message, error) {
	h, ok := c.html[kind]
	if !ok {
		return Message{}, fmt.Errorf("mail: unknown kind %q", kind)
	}
	lang := r.Locale
	if _, ok := c.catalogs[lang]; !ok {
		lang = Languages[0]
	}
	v := &view{lang: lang, zone: c.zone, msgs: c.catalogs[lang], Name: r.Name, Link: c.Link(pagePath), Data: data, Account: r.AccountID != "",
		Contact: c.contact, ContactsPage: c.Link(PathContacts)}
	v.Lang = lang
	v.AddressGiven = kind == KindVerifyEmail || kind == KindEmailChange
	v.City = fmt.Sprintf(v.msgs[cityKey], c.city)
	v.Subject = v.T(kind+".subject", subjectArgs...)
	v.LinkLabel = v.T(kind + ".link")
	var hb, tb bytes.Buffer
	if err := h.ExecuteTemplate(&hb, "layout.html", v); err != nil {
		return Message{}, fmt.Errorf("mail: render %s.html: %w", kind, err)
	}
	if err := c.text[kind].ExecuteTemplate(&tb, "layout.txt", v); err != nil {
		return Message{}, fmt.Errorf("mail: render %s.txt: %w", kind, err)
	}
	if v.missing != "" {
		return Message{}, fmt.Errorf("mail: catalogue %s has no %q", lang, v.missing)
	}
	id := ids.New("mail")
	return Message{ID: id, MessageID: "<" + id + "@" + c.domain + ">", Kind: kind, AccountID: r.AccountID, Locale: lang,
		To: r.Email, ToName: r.Name, Subject: v.Subject, Text: tb.String(), HTML: hb.String()}, nil
}

// cityKey is the catalogue's form of the city's name, with a %s for the
// name alone; cityToken is where a message says it.
const (
	cityKey   = "city"
	cityToken = "{city}"
)

// view is what the templates see: the message's data and the language's
// formatters.
type view struct {
	lang    string
	zone    *time.Location
	msgs    map[string]string
	missing string
	Lang    string
	// City is the municipality as the language names it: "Comune di
	// Benevento".
	City      string
	Subject   string
	Name      string
	Link      string
	LinkLabel string
	Data      any
	// Account: the recipient has an account (Recipient.AccountID). A
	// report's status also goes to an address an app gave with the report
	// (Open311), whose owner has none: the footer then says why they got
	// it, and no message offers what only an account can do.
	Account bool
	// AddressGiven: the e-mail goes to an address someone gave for an
	// account (a sign-up's, or the new one of a change), which may not be
	// its owner's: the footer says so, not "because you have an account".
	AddressGiven bool
	// Contact is the city's address for people (SetContact), empty when
	// none is configured; ContactsPage is the hub's page of contacts.
	Contact, ContactsPage string
}

// T is the catalogue's message for key, naming the city where it says
// {city}, filled with args.
func (v *view) T(key string, args ...any) string {
	m, ok := v.msgs[key]
	if !ok {
		v.missing = key
		return "[" + key + "]"
	}
	if len(args) > 0 {
		// The city goes in before the args, so text from people is never
		// taken for {city}; a % in the name stays a %.
		return fmt.Sprintf(strings.ReplaceAll(m, cityToken, strings.ReplaceAll(v.City, "%", "%%")), args...)
	}
	return strings.ReplaceAll(m, cityToken, v.City)
}

// TN is T for a message about n things: "<key>.one" when n is 1 and the
// catalogue has it ("1 ora"), else key ("%d ore"); n is the first argument
// of either.
func (v *view) TN(key string, n int, args ...any) string {
	if _, ok := v.msgs[key+".one"]; ok && n == 1 {
		key += ".one"
	}
	return v.T(key, append([]any{n}, args...)...)
}

// Money formats euro cents as the pages do: "1.234,50 €" in Italian,
// "€1,234.50" in English.
func (v *view) Money(cents int64) string { return money.Cents(cents).Format(v.lang) }

// Date formats a day in the city's time zone: "25 novembre 2026", and
// the first of a month as the language writes it ("1º gennaio 2026",
// catalogue key "day.1"), as the pages do.
func (v *view) Date(t time.Time) string {
	t = t.In(v.zone)
	day := strconv.Itoa(t.Day())
	if t.Day() == 1 {
		day = v.T("day.1")
	}
	return fmt.Sprintf("%s %s %d", day, v.T("month."+strconv.Itoa(int(t.Month()))), t.Year())
}

// DateTime formats an instant in the city's time zone: "25 novembre 2026, 22:08".
func (v *view) DateTime(t time.Time) string { return v.Date(t) + ", " + t.In(v.zone).Format("15:04") }

// Until formats the end of a validity (a voucher's): the last valid day,
// "31 gennaio 2027", when it ends at a midnight (LastValidDay), else the
// instant with its time.
func (v *view) Until(t time.Time) string {
	if day, ok := LastValidDay(t, v.zone); ok {
		return v.Date(day)
	}
	return v.DateTime(t)
}

// LastValidDay is the last day a validity ending at end covers, when end is
// a midnight in zone: a voucher valid "until 31 January, inclusive" is kept
// as ending at the midnight that starts 1 February, and people read the
// day they were told, not the midnight after it. The day is given at its
// noon, which every day has whatever the clocks do. ok is false for an end
// at another time of day, which is written with its time.
func LastValidDay(end time.Time, zone *time.Location) (time.Time, bool) {
	l := end.In(zone)
	if l.Hour() != 0 || l.Minute() != 0 || l.Second() != 0 || l.Nanosecond() != 0 {
		return time.Time{}, false
	}
	return time.Date(l.Year(), l.Month(), l.Day()-1, 12, 0, 0, 0, zone), true
}

// Time formats the time of day of an instant in the city's time zone: "20:30".
func (v *view) Time(t time.Time) string { return t.In(v.zone).Format("15:04") }
