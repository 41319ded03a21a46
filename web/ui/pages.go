package ui

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/wallet"
	"cityhub/web/httpx"
)

// The pages are server-rendered html/template views on one layout, with
// embedded assets and small scripts that only enhance them. Every view is
// parsed once at start; a view that is missing or does not parse stops the
// hub from starting, so a broken template never reaches a person.

//go:embed templates
var templateFS embed.FS

// pageViews are the views the handlers render. Each is
// templates/views/<name>.html, defining "title" and "content".
var pageViews = []string{
	"home", "login", "wallet", "privacy", "goodbye", "scanner",
	"dashboard_admin", "dashboard_operator", "error",
	"vouchers", "voucher_shops", "voucher_staff", "voucher_admin",
	"mobility_stations", "mobility_station", "mobility_ride", "mobility_rides", "mobility_operator", "mobility_operator_station",
	"tickets", "ticket_seats", "ticketing_admin", "ticketing_admin_doubles",
	"mobility_admin", "mobility_admin_stations", "mobility_admin_station", "mobility_admin_bikes", "mobility_admin_bike",
	"mobility_admin_types", "mobility_admin_type", "mobility_admin_plans", "mobility_admin_plan", "mobility_admin_delete", "mobility_admin_credential",
	"admin_outbox", "admin_outbox_message",
	"wallet_topup", "card_pay", "ticket_order",
	"ticket_order_cancel",
	"site_help", "site_contacts", "site_accessibility", "site_legal", "site_policy", "site_cookie", "site_opendata",
}

// PageAccounts is what the pages need from identity: page sessions.
// identity.Service implements it; erasing an account goes through
// AccountErasure, which settles the credit first.
type PageAccounts interface {
	// StartSession checks the password and opens a page session; the token
	// goes into the session cookie. Unauthenticated for a wrong login,
	// RateLimited after too many.
	StartSession(ctx context.Context, email, password, ip string) (token string, c identity.Caller, err error)
	// SessionCaller is the account behind a session token; Unauthenticated
	// when it is unknown or expired.
	SessionCaller(ctx context.Context, token string) (identity.Caller, error)
	// EndSession ends the session; ending an unknown one is not an error.
	EndSession(ctx context.Context, token string) error
}

// AccountErasure erases the signed-in person's account, doing first with
// their credit what they chose (back to the cards it came from, or to the
// city). cardpay.Service implements it.
type AccountErasure interface {
	// ErasureCredit is what erasure would do with the caller's credit.
	ErasureCredit(ctx context.Context, c identity.Caller) (cardpay.ErasureCredit, error)
	// EraseAccount settles the credit as choice says and erases the
	// account, ending its sessions; Invalid (reason credit_choice) when
	// there is credit and no choice, or the cards are chosen when none of
	// it can go back to one, and then nothing changes.
	EraseAccount(ctx context.Context, c identity.Caller, choice string) (cardpay.ErasureCredit, error)
}

// PageWallet is what the pages read from the wallet, each read checked by
// the wallet against the person asking (wallet.Reader). wallet.Service
// implements it.
type PageWallet interface {
	AccountFor(ctx context.Context, r wallet.Reader, id wallet.AccountID) (wallet.Account, error)
	HistoryFor(ctx context.Context, r wallet.Reader, id wallet.AccountID, cursor string, limit int) (wallet.HistoryPage, error)
	ItemsFor(ctx context.Context, r wallet.Reader, accountID string) ([]wallet.Item, error)
}

// QRSource gives a fresh QR token for a wallet item the caller owns. Each
// domain whose items show a QR code (vouchers, tickets) implements it and is
// registered in Deps.QR under its item kind (wallet.Item.Kind).
//
// QRToken returns the token the QR image encodes, the short code a person
// types when a camera fails, and when the token stops being accepted (the
// page fetches a new one before then, about every 30 s). It returns NotFound
// when the item does not exist or accountID does not own it (the same error
// for both, so ids cannot be probed), and Conflict when the item can no
// longer be shown (used, expired, refunded).
type QRSource interface {
	QRToken(ctx context.Context, accountID, itemID string) (token, typedCode string, expires time.Time, err error)
}

// ScanTarget is where a staff scanner page sends what it read: a JSON
// endpoint of the vouchers or ticketing API (see handleScanner for the
// request and answer shapes).
type ScanTarget struct {
	// Endpoint is the path the page POSTs to, e.g. "/api/v1/vouchers/redeem".
	Endpoint string
	// AskAmount adds a purchase amount field (vouchers at a till).
	AskAmount bool
}

// pages is the parsed views and the catalogues.
type pages struct {
	views   map[string]*template.Template
	locales map[string]*locale
	assets  *assets
	// panels are the dashboard cards other areas registered, by role.
	panels map[identity.Role][]DashboardPanel
	// city is the municipality the pages speak for, and cityLogo the name
	// of its coat of arms among the static files.
	city     *City
	cityLogo string
	// areas says which optional areas are on ("vouchers", "bikes",
	// "theatre", "participation", "wallet"), so links to an area that is off are
	// left out.
	areas map[string]bool
}

func loadPages() (*pages, error) {
	locales, err := loadCatalogues()
	if err != nil {
		return nil, err
	}
	as, err := loadAssets()
	if err != nil {
		return nil, err
	}
	views, err := parsedViews()
	if err != nil {
		return nil, err
	}
	return &pages{views: views, locales: locales, assets: as, panels: map[identity.Role][]DashboardPanel{}}, nil
}

// joinPresent is the parts not blank, joined by sep.
func joinPresent(sep string, parts ...string) string {
	present := make([]string, 0, len(parts))
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			present = append(present, p)
		}
	}
	return strings.Join(present, sep)
}

var templateFuncs = template.FuncMap{
	// ordinal is a range's index counted from one, as people count: the
	// second of three photos is "2 of 3".
	"ordinal": func(i int) int { return i + 1 },
	// hasRole lets the layout show each person the links of their roles.
	"hasRole": func(c *identity.Caller, role string) bool { return c != nil && c.Has(identity.Role(role)) },
	// navItem and serviceCard pass several values to the layout's and the
	// home page's sub-templates.
	"navItem": navItem,
	// dict hands a sub-template several named values.
	"dict":        dict,
	"serviceCard": serviceCard,
	// list lets a visitor page range over the parts of its text.
	"list": func(s ...string) []string { return s },
	// joinPresent joins the parts that are there (not blank) with sep,
	// so that a line of optional parts (a contrada, an address) leaves no
	// separator hanging where one is missing.
	"joinPresent": joinPresent,
	// limits are the bounds of what people type (textLimits), for the
	// forms' maxlength: {{(limits).Comment}}.
	"limits": func() textLimits { return typedLimits },
	// walletItem is the address of an item's card in the wallet, where its
	// QR code is shown: "Show the QR code" leads there, not to the
	// wallet's top. The wallet's cards carry the anchor (walletAnchor).
	"walletItem":   func(kind, id string) string { return "/wallet#" + walletAnchor(kind, id) },
	"walletAnchor": walletAnchor,
	// changeWords says what a report's recorded change did.
	"changeWords": changeWords,
	// links pairs addresses with their labels (href, label, href, ...).
	"links": func(kv ...string) []navLink {
		out := make([]navLink, 0, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, navLink{Href: kv[i], Label: kv[i+1]})
		}
		return out
	},
}

// walletAnchor is the id of an item's card on the wallet page: its kind
// and id, as two kinds may one day share an id's form.
func walletAnchor(kind, id string) string { return kind + "-" + id }

// view is what every template receives.
type view struct {
	L      *locale
	Caller *identity.Caller
	// CSRF is the token every form posts back (field csrf_token).
	CSRF string
	// BrowserCSRF is the header forms' second token (csrf_browser), bound
	// to the browser alone, which they post when the session has ended.
	BrowserCSRF string
	// Path is where the language switch returns to: the page itself, or
	// for a page answering a form post, the page the form was on
	// (returnPath).
	Path string
	// Nav marks the current section in the header.
	Nav  string
	Data any
	// City is the municipality (name, contacts); CityLogo, the static
	// file with its coat of arms.
	City     *City
	CityLogo string
	// Areas says which optional areas are on (pages.areas).
	Areas map[string]bool

	assets *assets
}

// CitizenServices says whether the citizen's services (wallet, vouchers,
// bikes, theatre) are the reader's to open: a visitor's, who signs in
// to reach them, and a citizen's. Shops, doors, operators, office staff
// and administrators without the citizen's role would only meet 403
// there, so the home page and the footer do not offer them.
func (v view) CitizenServices() bool {
	return v.Caller == nil || v.Caller.Has(identity.RoleCitizen)
}

// Asset is the checksummed URL of an embedded static file.
func (v view) Asset(name string) string { return v.assets.url(name) }

// render writes a view with status. It renders into a buffer first, so a
// template error becomes a clean 500 instead of half a page.
func (s *site) render(w http.ResponseWriter, r *http.Request, status int, name, nav string, data any) {
	t, ok := s.pages.views[name]
	if !ok {
		s.log.ErrorContext(r.Context(), "render unknown view", slog.String("view", name))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	v := view{L: s.locale(r), CSRF: s.csrfToken(w, r), BrowserCSRF: s.browserCSRF(w, r), Path: s.returnPath(r), Nav: nav, Data: data, assets: s.pages.assets,
		City: s.pages.city, CityLogo: s.pages.cityLogo, Areas: s.pages.areas}
	if c, ok := s.pageCaller(r); ok {
		v.Caller = &c
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		s.log.ErrorContext(r.Context(), "render view", slog.String("view", name), slog.Any("error", err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Language", v.L.Lang)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// locale is the request's language.
func (s *site) locale(r *http.Request) *locale { return s.pages.locales[pickLanguage(r)] }

// errorPage shows a page-level error: its status and a message in the
// person's language. Internal errors are logged with their cause.
type errorPage struct {
	Status  int
	Heading string
	Message string
	// Typed is the longer texts of a form refused as expired (csrfTyped),
	// for the person to copy into the form again; Back is that form's page.
	Typed []typedText
	Back  string
	// First is the first page of a list asked with a paging link gone bad
	// (pagingRefused).
	First string
	// Link is the page to go on from, named LinkText, where the home page
	// is not the next step (a reversal refused: the shop's page).
	Link, LinkText string
}

// typedText is one text of a refused form, with its field's name (Label),
// numbered from 1 for the page's ids.
type typedText struct {
	N     int
	Label string
	Text  string
}

func (s *site) pageError(w http.ResponseWriter, r *http.Request, err error) {
	s.pageErrorStatus(w, r, httpx.StatusFor(err), err)
}

// pageErrorStatus is pageError with a status of the HTTP layer's own, such
// as 405, that no domain error maps to.
func (s *site) pageErrorStatus(w http.ResponseWriter, r *http.Request, status int, err error) {
	if apperr.IsServerFault(err) {
		s.log.ErrorContext(r.Context(), "page failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	l := s.locale(r)
	if wantsJSON(r) {
		// A page's own script (the scanners) asked: it reads the reason
		// (a session that ended is not a refused code) and shows the
		// detail, in the page's language.
		p := httpx.ProblemOf(err, r.URL.Path)
		p.Status, p.Title, p.Detail = status, http.StatusText(status), l.ErrorText(err)
		httpx.SetRetryAfter(w, err)
		httpx.WriteProblem(w, p)
		return
	}
	httpx.SetRetryAfter(w, err)
	s.render(w, r, status, "error", "", errorPage{Status: status, Heading: l.T("error.heading." + headingOf(status)), Message: l.ErrorText(err)})
}

// wantsJSON reports whether r asks first for JSON (Accept), as the pages'
// scripts do: a browser's navigation asks for HTML.
func wantsJSON(r *http.Request) bool {
	first, _, _ := strings.Cut(r.Header.Get("Accept"), ",")
	mt, _, err := mime.ParseMediaType(strings.TrimSpace(first))
	return err == nil && mt == "application/json"
}

func headingOf(status int) string {
	switch status {
	case http.StatusNotFound:
		return "not_found"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusMethodNotAllowed:
		// The request may be well formed: the address does not take
		// its method, and the heading says that rather than "invalid".
		return "method_not_allowed"
	case http.StatusBadRequest, http.StatusConflict, http.StatusPaymentRequired, http.StatusRequestEntityTooLarge:
		return "invalid"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusUnauthorized:
		return "sign_in"
	case http.StatusServiceUnavailable:
		// A dependency did not answer (the database, the stations):
		// not something that went wrong for good.
		return "unavailable"
	}
	return "internal"
}

// pageCaller is the signed-in account, from the auth middleware when it has
// run, else from the session cookie.
func (s *site) pageCaller(r *http.Request) (identity.Caller, bool) {
	c, ok, _ := s.readPageCaller(r)
	return c, ok
}

// readPageCaller is pageCaller with the server's failure that kept the
// session from being read (the auth middleware's, httpx.SessionUnread, or
// its own read's, logged), nil when it was read or there is none: such a
// person may well be signed in. The session is read once a call, and not
// at all where the middleware failed to read it already.
func (s *site) readPageCaller(r *http.Request) (identity.Caller, bool, error) {
	if out, _ := r.Context().Value(signedOutKey{}).(bool); out {
		return identity.Caller{}, false, nil
	}
	if c, ok := identity.CallerFrom(r.Context()); ok {
		return c, true, nil
	}
	if err := httpx.SessionUnread(r); err != nil {
		return identity.Caller{}, false, err
	}
	if s.accounts == nil {
		return identity.Caller{}, false, nil
	}
	token := pageSessionToken(r)
	if token == "" {
		return identity.Caller{}, false, nil
	}
	c, err := s.accounts.SessionCaller(r.Context(), token)
	if apperr.IsServerFault(err) {
		s.log.ErrorContext(r.Context(), "read page session", slog.Any("error", err))
		return identity.Caller{}, false, err
	}
	return c, err == nil, nil
}

// signedOutKey marks a request whose session ended while it ran (logout,
// account deletion), so the page it renders shows nobody signed in.
type signedOutKey struct{}

// pageHandler is a page handler that runs with the signed-in caller.
type pageHandler func(w http.ResponseWriter, r *http.Request, c identity.Caller)

// signedIn lets only accounts holding one of roles through (any signed-in
// account when roles is empty). Anyone else is sent to the login page, or
// shown 403 when signed in with other roles.
func (s *site) signedIn(h pageHandler, roles ...identity.Role) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok, unread := s.readPageCaller(r)
		if !ok {
			if err := unread; err != nil {
				// The session could not be read: the person may well be
				// signed in, and a login page would not help them. The
				// page says the service is not answering.
				s.pageError(w, r, err)
				return
			}
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			// A form whose session ended on the server (the password
			// changed elsewhere, the account disabled) gives back what was
			// typed, as an expired form does.
			s.formRefused(w, r, apperr.R(apperr.Unauthenticated, "login_required", "Please sign in first."))
			return
		}
		if len(roles) > 0 && !hasAnyRole(c, roles) {
			// A post to another role's page came from no page of
			// theirs: the language switch returns to the home page.
			s.pageError(w, withFormPage(r, "/"), apperr.R(apperr.Forbidden, identity.RefusalReason(roles...), "This page is for other roles."))
			return
		}
		r = r.WithContext(identity.WithCaller(r.Context(), c))
		h(w, r, c)
	}
}

// anyone is a page open to every visitor, signed in or not: h gets the
// signed-in caller, or the zero Caller for a visitor, and the service it
// asks decides what each may see and do.
func (s *site) anyone(h pageHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.pageCaller(r)
		if ok {
			r = r.WithContext(identity.WithCaller(r.Context(), c))
		}
		h(w, r, c)
	}
}

func hasAnyRole(c identity.Caller, roles []identity.Role) bool {
	for _, role := range roles {
		if c.Has(role) {
			return true
		}
	}
	return false
}

// homeOf is where an account lands after signing in: the page of its main
// role. City office staff land on their offices' reports when the reports
// are on: the home page offers the citizen's services, which are not
// theirs. A citizen lands on the wallet where the hub keeps one, else on
// the home page (the wallet's page would answer 503).
func (s *site) homeOf(c identity.Caller) string {
	switch {
	case c.Has(identity.RoleCitizen) && s.pages.areas["wallet"]:
		return "/wallet"
	case c.Has(identity.RoleCitizen):
		return "/"
	case c.Has(identity.RoleMerchant), c.Has(identity.RoleDoor):
		return "/staff/scan"
	case c.Has(identity.RoleAdmin):
		return "/admin"
	case c.Has(identity.RoleOperator):
		return "/operator"
	case c.Has(identity.RoleCityStaff) && s.pages.areas["participation"]:
		return "/staff/reports"
	}
	return "/"
}

// localPath accepts only a path on this hub as a redirect target, so a
// crafted link cannot bounce a person to another site after login.
func localPath(p string) (string, bool) {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') {
		return "", false
	}
	// Browsers drop tabs and newlines from URLs, so "/\t/evil" would become
	// "//evil"; no control character is accepted at all.
	if strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", false
	}
	u, err := url.Parse(p)
	if err != nil || u.IsAbs() || u.Host != "" {
		return "", false
	}
	return p, true
}

// pageAction wraps a state-changing page endpoint: security headers, the
// CSRF check (form field or X-CSRF-Token header), then the role check. The
// scanner's JSON endpoints (ScanTarget) are registered with it, because the
// JSON API under /api/v1 takes cookies for safe methods only.
func (s *site) pageAction(h pageHandler, roles ...identity.Role) http.Handler {
	return httpx.Secured(s.csrfProtected(s.signedIn(h, roles...)))
}

// dict pairs its arguments into a map (name, value, name, value...); an odd
// count or a non-string name is a template defect, found when it renders.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: %d arguments, want pairs", len(kv))
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: name %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
