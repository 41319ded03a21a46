// Package ui is the hub's pages: server-rendered html/template views in
// Italian and English, their static files, cookie sessions with a CSRF
// check on every form, and a page handler type per area. Its handlers show
// the domain services' answers in the person's language; they hold no
// business rules and no SQL. Every route is written out in routes.go.
package ui

import (
	"log/slog"
	"net/http"
	"time"

	"cityhub/config"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/keyring"
	"cityhub/mobility"
	"cityhub/outbox"
	"cityhub/participation"
	"cityhub/photo"
	"cityhub/stripepay"
	"cityhub/ticketing"
	"cityhub/vouchers"
)

// Deps is what the pages ask. A nil service switches its area's pages off.
type Deps struct {
	Log *slog.Logger
	// PublicURL decides whether cookies are Secure (https).
	PublicURL string
	// TimeZone is the city's (CITYHUB_TIMEZONE): every date and time on a
	// page is shown in it; nil: UTC.
	TimeZone *time.Location
	// Accounts signs people in and out; nil: nobody can sign in.
	Accounts PageAccounts
	// Erasure erases accounts after asking what happens to their credit;
	// nil: the privacy page offers no deletion.
	Erasure AccountErasure
	// Wallet is what the wallet and bike pages read.
	Wallet PageWallet
	// Export gives "download my data" (package mydata).
	Export PrivacyExport
	// QR gives wallet cards their rotating QR codes, by item kind.
	QR map[string]QRSource
	// ScanTargets is where each staff role's scanner page sends codes.
	ScanTargets map[identity.Role]ScanTarget
	// Identity creates shop staff accounts from the voucher admin page and
	// serves the administrator's account pages; nil: no account pages.
	Identity  *identity.Service
	Vouchers  *vouchers.Service
	Mobility  *mobility.Service
	Ticketing *ticketing.Service
	// Keys gives the door scanner the public keys to check codes offline.
	Keys   *keyring.Keyring
	Outbox *outbox.Service
	// EmailsSent: an SMTP server sends what the outbox holds; false: the
	// e-mails wait there for administrators, and no page promises one.
	EmailsSent bool
	// Pay is the top-up page and card payments of theatre orders.
	Pay PagePay
	// Participation is citizens' reports and proposals; Photos limits
	// their uploads; MapTiles are the tiles of their maps.
	Participation *participation.Service
	Photos        photo.Limits
	MapTiles      MapTiles

	// AccountFlows runs sign-up, the e-mailed links, the password and
	// address changes and the SPID/CIE logins (identity.Service); nil, or
	// no Accounts: no account pages.
	AccountFlows AccountFlows
	// OIDC is the city's SPID/CIE gateway (oidclogin.RP); nil: no SPID/CIE
	// button. OIDCLabel names the button (CITYHUB_OIDC_LABEL).
	OIDC      ExternalLogin
	OIDCLabel string
	// City is the municipality's name, coat of arms and contacts; an empty
	// Name is Benevento's.
	City City
}

// UI serves the pages: the shared site (templates, sessions, errors) and
// one handler per area.
type UI struct {
	site      *site
	home      *homePages
	vouchers  *voucherPages
	bikes     *bikePages
	bikeAdmin *bikeAdminPages
	theatre   *theatrePages
	outbox    *outboxPages
	pay       *payPages
	parts     *participationPages
	accounts  *accountPages
	// accountAdmin are the administrator's account pages.
	accountAdmin *accountAdminPages
}

// New parses the embedded views, catalogues and static files and builds the
// pages over d. A fault in the embedded files is a build defect, so New
// panics on it and the hub refuses to start.
func New(d Deps) *UI {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	p, err := loadPages()
	if err != nil {
		panic("cityhub pages: " + err.Error())
	}
	if d.TimeZone == nil {
		d.TimeZone = time.UTC
	}
	for _, l := range p.locales {
		l.zone = d.TimeZone
	}
	if d.City.Name == "" {
		d.City.Name = config.DefaultCityName
	}
	city := d.City
	city.Logo = nil
	p.city, p.cityLogo = &city, p.assets.cityLogo(d.City)
	p.areas = map[string]bool{"vouchers": d.Vouchers != nil, "bikes": d.Mobility != nil, "theatre": d.Ticketing != nil,
		"participation": d.Participation != nil, "wallet": d.Wallet != nil}
	p.panels = dashboardPanels(d.Mobility != nil, d.Ticketing != nil, d.Outbox != nil)
	if d.Pay.Secrets == nil {
		d.Pay.Secrets = stripepay.NewSecrets()
	}
	s := &site{log: d.Log, publicURL: d.PublicURL, zone: d.TimeZone, accounts: d.Accounts, pages: p, emailsSent: d.EmailsSent, answers: d.Pay.Answers}
	if d.Keys != nil {
		s.formHashKey = d.Keys.Secret(keyring.PurposeReplay, "cityhub page form fingerprint v1")
	} else {
		s.formHashKey = []byte(ids.Token(32))
	}
	u := &UI{site: s}
	if d.Wallet != nil {
		u.pay = &payPages{site: s, PagePay: d.Pay, wallet: d.Wallet}
	}
	if d.Ticketing != nil {
		u.theatre = &theatrePages{site: s, ticketing: d.Ticketing, keys: d.Keys, pay: u.pay}
	}
	u.home = &homePages{site: s, vouchers: d.Vouchers, erasure: d.Erasure, wallet: d.Wallet, export: d.Export, qr: d.QR, scanTargets: d.ScanTargets, theatre: u.theatre, pay: u.pay}
	s.scanPage = u.home.showScanResult
	if d.Vouchers != nil {
		u.vouchers = &voucherPages{site: s, vouchers: d.Vouchers}
	}
	if d.Mobility != nil {
		u.bikes = &bikePages{site: s, mobility: d.Mobility, wallet: d.Wallet, maps: newBikeMaps(d.MapTiles)}
		if d.Identity != nil {
			u.bikes.names = d.Identity
		}
		u.bikeAdmin = &bikeAdminPages{site: s, mobility: d.Mobility, credentials: u.bikes}
	}
	if d.Outbox != nil {
		u.outbox = &outboxPages{site: s, outbox: d.Outbox}
	}
	if d.Participation != nil {
		u.parts = newParticipationPages(s, d.Participation, d.Photos, d.MapTiles)
		if d.Identity != nil {
			u.parts.names = d.Identity
		}
	}
	if d.Identity != nil {
		u.accountAdmin = &accountAdminPages{site: s, accounts: d.Identity, vouchers: d.Vouchers, ticketing: d.Ticketing}
		if d.Participation != nil {
			u.accountAdmin.offices = d.Participation.Catalogue().Offices
		}
	}
	if d.AccountFlows != nil && d.Accounts != nil {
		u.accounts = &accountPages{site: s, flows: d.AccountFlows, oidc: d.OIDC, oidcLabel: d.OIDCLabel}
		if u.accounts.oidcLabel == "" {
			u.accounts.oidcLabel = "SPID / CIE"
		}
		u.home.locales = d.AccountFlows
		s.signupOpen, s.oidcLabel = true, ""
		if d.OIDC != nil {
			s.oidcLabel = u.accounts.oidcLabel
		}
	}
	return u
}

// site is what every page shares: the parsed views and catalogues, page
// sessions, the CSRF check, error pages.
type site struct {
	log       *slog.Logger
	publicURL string
	// zone is the city's: dates and times are shown and read in it.
	zone     *time.Location
	accounts PageAccounts
	pages    *pages
	// signupOpen: the account pages are on, and the login page links to
	// sign-up and the forgotten password; oidcLabel, when set, shows the
	// SPID/CIE button there.
	signupOpen bool
	oidcLabel  string
	// emailsSent: the outbox's e-mails leave (an SMTP server is
	// configured). A page says an e-mail comes only with it and when the
	// domain says it enqueues one for this person.
	emailsSent bool
	// scanPage shows the scanner page with the answer to a typed code its
	// plain form posted (homePages.showScanResult): the endpoints that
	// answer the page's script are the domains' pages, the page is home's.
	scanPage func(w http.ResponseWriter, r *http.Request, c identity.Caller, status int, performance string, res *scanResult)
	// answers keeps the first result of a form sent with a key (formOnce);
	// nil: each post runs.
	answers *idem.Answering
	// formHashKey keys the fingerprint of a form sent without a sign-in
	// (anonymousFormOnce): the same on every replica, from the keyring.
	formHashKey []byte
	// routes are the routes the pages are registered on (Register): the
	// language switch of a page answering a post returns to one that
	// answers GET (returnPath).
	routes *http.ServeMux
}

// homePages are everyone's pages: home, sign-in, language, wallet, privacy,
// the staff scanner and the dashboards.
type homePages struct {
	*site
	erasure     AccountErasure
	wallet      PageWallet
	export      PrivacyExport
	qr          map[string]QRSource
	scanTargets map[identity.Role]ScanTarget
	// vouchers says whether a claimed voucher was e-mailed and lists a
	// shopkeeper's shops on the scanner; nil: no vouchers.
	vouchers *vouchers.Service
	// theatre lists the door's performances on the scanner; nil: no theatre.
	theatre *theatrePages
	// pay lists the citizen's top-ups on the wallet; nil: no wallet.
	pay *payPages
	// locales saves the header switch's choice as a signed-in person's
	// account language; nil: no account pages, the switch sets the cookie
	// only.
	locales AccountLocales
}

// voucherPages are the citizen's, the shopkeeper's and the administrator's
// voucher pages.
type voucherPages struct {
	*site
	vouchers *vouchers.Service
}

// bikePages are the rider's and the operator's bike pages.
type bikePages struct {
	*site
	mobility *mobility.Service
	wallet   PageWallet
	// maps are the stations map's tiles and the policy allowing them.
	maps bikeMaps
	// names reads the accounts of the citizens whose fault reports the
	// operators read; nil: a report names its reporter by account id.
	names AccountNames
}

// bikeAdminPages are the city administrator's bike catalogue pages.
type bikeAdminPages struct {
	*site
	mobility *mobility.Service
	// credentials shows a new station its first broker credential.
	credentials *bikePages
}

// theatrePages are the citizen's, the door's and the administrator's
// theatre pages.
type theatrePages struct {
	*site
	ticketing *ticketing.Service
	keys      *keyring.Keyring
	// pay offers top-ups and the card when credit is short; nil: no wallet.
	pay *payPages
}

// outboxPages are the administrators' view of the e-mail outbox.
type outboxPages struct {
	*site
	outbox *outbox.Service
}

// Error answers a request outside any page's handler (a request the server
// refused before routing it) with the error page, in the person's language.
func (u *UI) Error(w http.ResponseWriter, r *http.Request, err error) { u.site.pageError(w, r, err) }
