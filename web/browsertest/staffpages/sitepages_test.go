// The tests in this file drive the site's shell (Bootstrap Italia header, menu
// and footer) and the visitor pages (help, contacts, accessibility
// statement, legal notes, privacy policy, cookies) in a real headless
// Chromium on a real hub: every page and the home, in Italian and English,
// on a phone (390x844) and a desktop (1024 px), passes axe-core with no
// serious or critical violation, is no wider than the screen, breaks no
// rule of the Content-Security-Policy, and is kept as a screenshot; on the
// phone the menu is one row and its toggler opens it (Bootstrap Italia's
// script, under the CSP), also with the staff group of an account holding
// every role; a visitor's menu leads to the public areas (bikes, theatre,
// reports); on a desktop the menus of the administrator (7 items, the
// staff areas grouped), a citizen (8) and an account holding every role
// the hub grants (9, the staff areas grouped) keep to one row from
// 992 px, and the staff group opens and closes from the keyboard.

package staffpages

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"cityhub/identity"
	"cityhub/mobility/mobilitytest"
	"cityhub/participation"
	"cityhub/ticketing"
	"cityhub/vouchers"
	"cityhub/web"
	"cityhub/web/browsertest/pagetest"
	"cityhub/web/ui"
)

// visitorPages are the public pages and what their heading says in
// Italian and English.
var visitorPages = []struct{ path, name, it, en string }{
	{"/", "home", "I servizi della città, in tasca", ""},
	{"/aiuto", "help", "Aiuto e domande frequenti", "Help and frequent questions"},
	{"/contatti", "contacts", "Contatti", "Contacts"},
	{"/accessibilita", "accessibility", "Dichiarazione di accessibilità", "Accessibility statement"},
	{"/note-legali", "legal", "Note legali", "Legal notes"},
	{"/privacy-policy", "privacy-policy", "Informativa sul trattamento dei dati personali", "Privacy policy"},
	{"/cookie", "cookie", "Informativa sui cookie", "Cookie notice"},
	{"/dati-aperti", "opendata", "Dati aperti", "Open data"},
}

// city is what the hub is told about the municipality (CITYHUB_CITY_*).
var city = ui.City{Name: "Benevento", Address: "Piazza Castello, 82100 Benevento", Phone: "+39 0824 772111",
	Email: "urp@comune.example.it", PEC: "protocollo@pec.comune.example.it", DPOEmail: "dpo@comune.example.it",
	Website: "https://www.comune.example.it"}

// adminEmail is the city administrator's sign-in; everyRole holds every
// role the hub grants, the longest menu there is.
const (
	adminEmail = "comune@example.org"
	everyRole  = "tutti@example.org"
)

func startHub(t *testing.T) (url, citizen string) {
	t.Helper()
	ctx := context.Background()
	h := pagetest.NewHub(t)
	log, db, keys, ids, wal := h.Log, h.DB, h.Keys, h.IDs, h.Wallet
	citizen = "anna@example.org"
	if _, err := ids.Register(ctx, identity.NewAccount{Email: citizen, Password: password, Name: "Anna Esposito", Locale: "it"}); err != nil {
		t.Fatal(err)
	}
	seed := identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	if _, err := ids.CreateAccount(ctx, seed, identity.NewAccount{Email: adminEmail, Password: password, Name: "Comune", Locale: "it",
		Grants: []identity.Grant{{Role: identity.RoleAdmin}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ids.CreateAccount(ctx, seed, identity.NewAccount{Email: everyRole, Password: password, Name: "Tutti i ruoli", Locale: "it",
		Grants: []identity.Grant{{Role: identity.RoleCitizen}, {Role: identity.RoleAdmin}, {Role: identity.RoleOperator},
			{Role: identity.RoleMerchant, Scope: "shop_1"}, {Role: identity.RoleDoor, Scope: "venue_1"}, {Role: identity.RoleCityStaff, Scope: "urp"}}}); err != nil {
		t.Fatal(err)
	}
	parts, err := participation.NewService(db.Participation(), participation.Settings{APIKeyCost: identity.FastArgon2}, log)
	if err != nil {
		t.Fatal(err)
	}
	// Every area is on, so that the menus are as long as they get.
	srv := httptest.NewServer(web.New(web.Deps{
		Log: log, PublicURL: "http://cityhub.test", Version: "test", Identity: ids, Keys: keys, Wallet: wal,
		Vouchers: vouchers.NewService(db.Vouchers(), keys, log), Ticketing: ticketing.NewService(db.Ticketing(), keys, log),
		Mobility: mobilitytest.NewService(db.Mobility(), log), Participation: web.Participation{Service: parts}, City: city,
	}))
	t.Cleanup(srv.Close)
	return srv.URL, citizen
}

// watchCSP records every Content-Security-Policy violation of the pages
// opened from now on in window.cspViolations (a DevTools script, which the
// CSP does not apply to).
func watchCSP(f *pagetest.Flow) {
	f.T.Helper()
	if _, err := chromedp.Call(f.Ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
		window.cspViolations = [];
		document.addEventListener("securitypolicyviolation", e => window.cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber));`,
	}); err != nil {
		f.T.Fatalf("watch CSP: %v", err)
	}
}

// shape is what a page looks like from a script: its widths, whether the
// fonts loaded, and what broke the CSP.
type shape struct {
	ScrollWidth int      `json:"scrollWidth"`
	Viewport    int      `json:"viewport"`
	Titillium   bool     `json:"titillium"`
	CSP         []string `json:"csp"`
	H1          string   `json:"h1"`
	// Unreadable are header buttons whose text is the colour of their
	// background, which axe-core does not always catch.
	Unreadable []string `json:"unreadable"`
	Body       string   `json:"body"`
}

func measure(f *pagetest.Flow) shape {
	f.T.Helper()
	var s shape
	f.Eval(`document.fonts.ready.then(() => ({
		scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
		viewport: window.innerWidth,
		titillium: document.fonts.check('16px "Titillium Web"') && [...document.fonts].some(f => f.family.includes("Titillium") && f.status === "loaded"),
		csp: window.cspViolations || [],
		h1: document.querySelector("h1") ? document.querySelector("h1").innerText.trim() : "",
		unreadable: [...document.querySelectorAll(".it-header-slim-wrapper button, .it-header-slim-wrapper .btn")]
			.filter(b => { const c = getComputedStyle(b); return c.color === c.backgroundColor || b.innerText.trim() === ""; }).map(b => b.outerHTML),
		body: document.body.innerText}))`, &s)
	return s
}

// checkPage opens path and checks it: status, heading, catalogue keys all
// found, fonts, CSP, width on a phone, axe-core; then saves its screenshot.
func checkPage(f *pagetest.Flow, path, heading, shot string, phone bool) shape {
	f.T.Helper()
	if st := f.Open(path); st != 200 {
		f.T.Fatalf("%s: status %d", path, st)
	}
	s := measure(f)
	if heading != "" && s.H1 != heading {
		f.T.Errorf("%s: heading %q, want %q", path, s.H1, heading)
	}
	if i := strings.Index(s.Body, "[site."); i >= 0 || strings.Contains(s.Body, "%!") {
		f.T.Errorf("%s: a catalogue key is missing or misused: %q", path, s.Body[max(0, i-40):min(len(s.Body), i+80)])
	}
	if bad := s.CSP; len(bad) > 0 {
		f.T.Errorf("%s: the page broke its Content-Security-Policy: %v", path, bad)
	}
	if len(s.Unreadable) > 0 {
		f.T.Errorf("%s: header buttons cannot be read: %v", path, s.Unreadable)
	}
	if !s.Titillium {
		f.T.Errorf("%s: Titillium Web did not load", path)
	}
	if phone && s.ScrollWidth > s.Viewport {
		f.T.Errorf("%s: the page is %d px wide on a %d px phone", path, s.ScrollWidth, s.Viewport)
	}
	f.Check(shot)
	return s
}

// openSite starts a hub and a phone browser on it that records CSP
// violations.
// Each test has a browser of its own, so that none nears pagetest's time
// limit on a busy machine.
func openSite(t *testing.T) (f *pagetest.Flow, citizen string) {
	t.Helper()
	url, citizen := startHub(t)
	f = pagetest.New(t, url, "", password)
	watchCSP(f)
	if pagetest.Screenshots() {
		t.Logf("screenshots in %s (site-*.png)", pagetest.Artifacts(t))
	}
	return f, citizen
}

func TestVisitorPagesOnAPhone(t *testing.T) {
	t.Parallel()
	f, _ := openSite(t)

	// A visitor on an Italian phone.
	for _, p := range visitorPages {
		s := checkPage(f, p.path, p.it, "site-"+p.name+"-it", true)
		for _, want := range []string{"Comune di Benevento", "protocollo@pec.comune.example.it", "Note legali", "Informativa privacy", "Cookie", "Dichiarazione di accessibilità"} {
			if !strings.Contains(s.Body, want) {
				t.Errorf("%s: the header or footer lacks %q", p.path, want)
			}
		}
	}
	// The statement names its feedback channel and AgID's procedure; the
	// cookie notice lists exactly the cookies the hub sets.
	f.Open("/accessibilita")
	if got := f.Attr(`[data-testid="a11y-feedback"] a`, "href"); !strings.HasPrefix(got, "mailto:urp@comune.example.it?subject=") {
		t.Errorf("accessibility feedback link %q", got)
	}
	if got := f.Attr(`a[href^="https://form.agid.gov.it"]`, "href"); got == "" {
		t.Error("no link to AgID's enforcement procedure")
	}
	f.Open("/cookie")
	if got := f.Text(`[data-testid="cookies"] tbody`); !strings.Contains(got, "cityhub_session") || !strings.Contains(got, "cityhub_csrf") || !strings.Contains(got, "cityhub_lang") {
		t.Errorf("cookie table: %q", got)
	}

	// Home: each service card is a link to its service.
	f.Open("/")
	var cards []string
	f.Eval(`[...document.querySelectorAll(".service-card a")].map(a => a.getAttribute("href"))`, &cards)
	if strings.Join(cards, " ") != "/wallet /vouchers /bikes /theatre" {
		t.Errorf("home service cards link to %v", cards)
	}

	// The phone's menu: one row (the toggler), closed until tapped, and
	// Bootstrap Italia's script opens and closes it. It leads a visitor to
	// the public areas.
	phoneMenu(t, f, "site-menu-open-it-phone")
	var links []string
	f.Eval(`[...document.querySelectorAll("#nav-main .nav-link")].map(a => a.getAttribute("href"))`, &links)
	if got := strings.Join(links, " "); got != "/ /bikes /theatre /reports /aiuto" {
		t.Errorf("visitor's menu: %s", got)
	}

	// The same pages in English.
	if st := f.Submit(chromedp.Click(chromedp.CSS(`form.lang-switch button`))); st != 200 {
		t.Fatalf("language switch: %d", st)
	}
	for _, p := range visitorPages {
		checkPage(f, p.path, p.en, "site-"+p.name+"-en", true)
	}

}

// Signed in, the phone's menu holds the citizen's services and logging out
// from the header works.
func TestSignedInMenuOnAPhone(t *testing.T) {
	t.Parallel()
	f, citizen := openSite(t)
	f.Login(citizen)
	phoneMenu(t, f, "site-menu-citizen-it-phone")
	var links []string
	f.Eval(`[...document.querySelectorAll("#nav-main .nav-link")].map(a => a.getAttribute("href"))`, &links)
	if got := strings.Join(links, " "); got != "/ /wallet /bikes /vouchers /theatre /reports /account /aiuto" {
		t.Errorf("citizen's menu: %s", got)
	}
	if st := f.Submit(chromedp.Click(chromedp.CSS(`form.logout button`))); st != 200 {
		t.Fatalf("logout: %d", st)
	}
	if f.Path() != "/" || !strings.Contains(f.Text(".it-header-slim-wrapper"), "Accedi") {
		t.Errorf("after logout at %s with header %q", f.Path(), f.Text(".it-header-slim-wrapper"))
	}
}

// On a desktop the menu is open, on one row, and every page still passes,
// on the narrowest desktop (see desktopMenu); CheckPage has shot them at
// 1280 px already.
func TestVisitorPagesOnADesktop(t *testing.T) {
	t.Parallel()
	f, _ := openSite(t)
	f.Run(chromedp.EmulateViewport(1024, 768))
	for _, p := range visitorPages {
		checkPage(f, p.path, p.it, "site-"+p.name+"-it-1024", false)
		desktopMenu(t, f, p.path)
	}
}

// The longest menus, the administrator's (7 items: the public areas, the
// staff areas as one group), a citizen's (8) and that of an account holding every role
// (9: the citizen's and the staff group), with every area on, in both
// languages, fit the desktop's header from 992 px, where Bootstrap Italia
// opens the menu, through 1024 px to 1280 px.
func TestLongestMenusOnADesktop(t *testing.T) {
	t.Parallel()
	f, citizen := openSite(t)
	for _, who := range []struct {
		name, email string
		items       int
	}{{"admin", adminEmail, 7}, {"citizen", citizen, 8}, {"every-role", everyRole, 9}} {
		f.Login(who.email)
		for _, lang := range []string{"it", "en"} {
			if lang == "en" {
				if st := f.Submit(chromedp.Click(chromedp.CSS(`form.lang-switch button`))); st != 200 {
					t.Fatalf("language switch: %d", st)
				}
			}
			for _, width := range []int64{992, 1024, 1280} {
				f.Run(chromedp.EmulateViewport(width, 768))
				shot := fmt.Sprintf("site-menu-%s-%s-%d", who.name, lang, width)
				if n := desktopMenu(t, f, shot); n != who.items {
					t.Errorf("%s: the menu has %d items, want %d", shot, n, who.items)
				}
				f.Check(shot)
			}
		}
	}
}

// desktopMenu checks the header's menu on a desktop: open (no toggler),
// its items on one row, each label on one line, and none cut off by the
// header's container or pushed out of it. Bootstrap Italia opens the menu
// from 992 px, where the container is 960 px wide up to 1200 px: 1024 px
// stands for that whole range, the tightest a desktop gets. It returns the
// number of the menu's items.
func desktopMenu(t *testing.T, f *pagetest.Flow, where string) int {
	t.Helper()
	var m struct {
		Toggler bool     `json:"toggler"`
		Items   int      `json:"items"`
		Rows    int      `json:"rows"`
		Wrapped []string `json:"wrapped"`
		Outside []string `json:"outside"`
		Scroll  bool     `json:"scroll"`
	}
	f.Eval(`(() => {
		const box = document.querySelector(".it-header-navbar-wrapper .container").getBoundingClientRect();
		const links = [...document.querySelectorAll("#nav-main .nav-link")];
		// The lines a label's text takes: one box per line of each text node.
		const lines = a => { const w = document.createTreeWalker(a, NodeFilter.SHOW_TEXT), tops = new Set(); const r = document.createRange();
			for (let n; (n = w.nextNode());) { r.selectNodeContents(n); for (const x of r.getClientRects()) tops.add(Math.round(x.top)); } return tops.size; };
		return {
			toggler: getComputedStyle(document.querySelector(".custom-navbar-toggler")).display !== "none",
			items: links.length,
			rows: new Set(links.map(a => Math.round(a.getBoundingClientRect().top))).size,
			wrapped: links.filter(a => lines(a) > 1).map(a => a.innerText.trim()),
			outside: links.filter(a => { const r = a.getBoundingClientRect(); return r.width === 0 || r.left < box.left - 1 || r.right > box.right + 1; })
				.map(a => a.innerText.trim() + " " + Math.round(a.getBoundingClientRect().right) + " > " + Math.round(box.right)),
			scroll: [...document.querySelectorAll("#nav-main, #nav-main .menu-wrapper, #nav-main .navbar-nav")].some(e => e.scrollWidth > e.clientWidth + 1),
		};
	})()`, &m)
	if m.Toggler || m.Items == 0 || m.Rows != 1 || len(m.Wrapped) > 0 || len(m.Outside) > 0 || m.Scroll {
		t.Errorf("%s: the desktop menu of %d items: toggler shown %v, %d rows, labels on two lines %q, outside the header %q, overflows %v",
			where, m.Items, m.Toggler, m.Rows, m.Wrapped, m.Outside, m.Scroll)
	}
	return m.Items
}

// phoneMenu checks the phone's header: the menu bar is one short row
// with the toggler, the menu is hidden until the toggler is tapped, then
// open (a screenshot is saved), then closed again by its close button.
func phoneMenu(t *testing.T, f *pagetest.Flow, shot string) {
	t.Helper()
	var bar struct {
		Height  float64 `json:"h"`
		Visible bool    `json:"visible"`
		Open    string  `json:"open"`
	}
	f.Eval(`(() => { const n = document.querySelector(".it-header-navbar-wrapper"); const m = document.querySelector("#nav-main .menu-wrapper");
		return {h: n.getBoundingClientRect().height, visible: m.getBoundingClientRect().right > 0 && getComputedStyle(document.querySelector("#nav-main")).display !== "none",
			open: document.querySelector(".custom-navbar-toggler").getAttribute("aria-expanded")}; })()`, &bar)
	if bar.Height > 64 || bar.Visible || bar.Open != "false" {
		t.Errorf("phone menu before the tap: %+v, want one closed row", bar)
	}
	f.Run(chromedp.Click(chromedp.CSS(".custom-navbar-toggler")),
		chromedp.Poll[chromedp.Void](`document.querySelector(".custom-navbar-toggler").getAttribute("aria-expanded") === "true" &&
			(r => r.left >= 0 && r.right <= window.innerWidth)(document.querySelector("#nav-main .menu-wrapper").getBoundingClientRect())`,
			chromedp.WithPollingTimeout(30*time.Second)))
	var first string
	f.Eval(`document.querySelector("#nav-main .nav-link").innerText.trim()`, &first)
	if first == "" {
		t.Error("the open menu shows no link")
	}
	f.CheckPhone(shot)
	// Closed, the menu's backdrop is gone: the header's buttons take taps.
	f.Run(chromedp.Click(chromedp.CSS("#nav-main .close-menu")),
		chromedp.Poll[chromedp.Void](`document.querySelector(".custom-navbar-toggler").getAttribute("aria-expanded") === "false" &&
			(b => { const r = b.getBoundingClientRect(); return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === b; })(document.querySelector("form.lang-switch button"))`,
			chromedp.WithPollingTimeout(30*time.Second)))
}

// staffGroup is what a script sees of the header's staff group.
type staffGroup struct {
	Expanded string   `json:"expanded"`
	Shown    bool     `json:"shown"`
	Links    []string `json:"links"`
	Outside  []string `json:"outside"`
	Focused  string   `json:"focused"`
}

const readStaffGroup = `(() => { const t = document.querySelector("#nav-staff"), m = t.parentElement.querySelector(".dropdown-menu");
	const links = [...m.querySelectorAll("a")];
	return {expanded: t.getAttribute("aria-expanded"), shown: m.classList.contains("show") && getComputedStyle(m).display !== "none",
		links: links.filter(a => a.getBoundingClientRect().height > 0).map(a => a.getAttribute("href")),
		outside: links.filter(a => { const r = a.getBoundingClientRect(); return r.height > 0 && (r.left < 0 || r.right > window.innerWidth); }).map(a => a.getAttribute("href")),
		focused: document.activeElement ? (document.activeElement.id || document.activeElement.getAttribute("href")) : ""}; })()`

// The account holding every role finds its staff areas in one group of
// the header: without the script the group's toggle is a link to the
// administrator's dashboard; with it, on a desktop, Enter on the toggle
// opens the group (its five areas in view, axe-core passes), the arrow
// keys walk its links, Escape closes it and gives the focus back; on the
// phone the group opens inside the open menu.
func TestStaffGroupInTheMenu(t *testing.T) {
	t.Parallel()
	f, _ := openSite(t)
	f.Login(everyRole)
	if href := f.Attr("#nav-staff", "href"); href != "/admin" {
		t.Errorf("the staff group's toggle leads to %q without the script, want /admin", href)
	}
	want := "/admin /operator /staff/reports /staff/vouchers /staff/scan"
	f.Run(chromedp.EmulateViewport(1024, 768))
	var g staffGroup
	f.Eval(readStaffGroup, &g)
	if g.Expanded != "false" || g.Shown {
		t.Fatalf("the staff group is open before use: %+v", g)
	}
	f.Run(chromedp.Focus(chromedp.CSS("#nav-staff")), chromedp.KeyEvent("\r"),
		chromedp.Poll[chromedp.Void](`document.querySelector("#nav-staff").getAttribute("aria-expanded") === "true"`, chromedp.WithPollingTimeout(30*time.Second)))
	f.Eval(readStaffGroup, &g)
	if !g.Shown || strings.Join(g.Links, " ") != want || len(g.Outside) > 0 {
		t.Errorf("the staff group opened by Enter: %+v, want the links %s in view", g, want)
	}
	settled(f)
	f.Check("site-menu-staff-open-it-1024")
	f.Run(chromedp.EmulateViewport(1024, 768), chromedp.KeyEvent(kb.ArrowDown))
	f.Eval(readStaffGroup, &g)
	if g.Focused != "/admin" {
		t.Errorf("ArrowDown in the open group focuses %q, want its first link", g.Focused)
	}
	f.Run(chromedp.KeyEvent(kb.Escape),
		chromedp.Poll[chromedp.Void](`document.querySelector("#nav-staff").getAttribute("aria-expanded") === "false"`, chromedp.WithPollingTimeout(30*time.Second)))
	f.Eval(readStaffGroup, &g)
	if g.Shown || g.Focused != "nav-staff" {
		t.Errorf("after Escape: %+v, want the group closed and the focus on its toggle", g)
	}
	// Space, as on any button, opens it too, and stays on the page.
	at := f.Path()
	f.Run(chromedp.KeyEvent(" "),
		chromedp.Poll[chromedp.Void](`document.querySelector("#nav-staff").getAttribute("aria-expanded") === "true"`, chromedp.WithPollingTimeout(30*time.Second)))
	if f.Path() != at {
		t.Errorf("Space on the toggle left %s for %s", at, f.Path())
	}
	// A staff area's page marks the group as where the person is.
	f.Open("/operator")
	if cls := f.Attr("#nav-staff", "class"); !strings.Contains(cls, "active") {
		t.Errorf("on /operator the staff group's toggle is %q, want active", cls)
	}

	// The phone: the menu opens, then the group inside it.
	f.Run(chromedp.EmulateViewport(pagetest.PhoneWidth, pagetest.PhoneHeight, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait))
	f.Open("/")
	phoneMenu(t, f, "site-menu-every-role-it-phone")
	f.Run(chromedp.Click(chromedp.CSS(".custom-navbar-toggler")),
		chromedp.Poll[chromedp.Void](`document.querySelector(".custom-navbar-toggler").getAttribute("aria-expanded") === "true" &&
			(r => r.left >= 0 && r.right <= window.innerWidth)(document.querySelector("#nav-main .menu-wrapper").getBoundingClientRect())`,
			chromedp.WithPollingTimeout(30*time.Second)))
	settled(f)
	f.Run(chromedp.Click(chromedp.CSS("#nav-staff")),
		chromedp.Poll[chromedp.Void](`document.querySelector("#nav-staff").getAttribute("aria-expanded") === "true"`, chromedp.WithPollingTimeout(30*time.Second)))
	f.Eval(readStaffGroup, &g)
	if !g.Shown || strings.Join(g.Links, " ") != want || len(g.Outside) > 0 {
		t.Errorf("the staff group in the phone's menu: %+v, want the links %s in view", g, want)
	}
	settled(f)
	f.CheckPhone("site-menu-staff-open-it-phone")
}

// settled waits for the page's animations (Bootstrap Italia fades a
// dropdown in, slides the phone's menu) to end, so that axe-core reads
// the colours as they stay, not halfway through a fade.
func settled(f *pagetest.Flow) {
	f.T.Helper()
	f.Run(chromedp.Poll[chromedp.Void](`document.getAnimations().every(a => a.playState !== "running")`, chromedp.WithPollingTimeout(30*time.Second)))
}
