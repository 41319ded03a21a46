package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/webtest"
)

// adminVoucherSection is one list's section of the voucher page: the ids
// of its rows, its count, and its links to the pages before and after.
type adminVoucherSection struct {
	ids        []string
	total      string
	prev, next string
	html       string
}

var sectionRow = map[string]*regexp.Regexp{
	"campaigns":   regexp.MustCompile(`<tr data-campaign="([^"]+)"`),
	"shops":       regexp.MustCompile(`<tr data-shop="([^"]+)"`),
	"settlements": regexp.MustCompile(`<tr data-settlement="([^"]+)"`),
}

// voucherSection reads list's section of the voucher page body.
func voucherSection(t *testing.T, body, list string) adminVoucherSection {
	t.Helper()
	sec := regexp.MustCompile(`(?s)<section aria-labelledby="` + list + `-heading" id="` + list + `">.*?</section>`).FindString(body)
	if sec == "" {
		t.Fatalf("no %s section:\n%s", list, body)
	}
	s := adminVoucherSection{html: sec}
	for _, m := range sectionRow[list].FindAllStringSubmatch(sec, -1) {
		s.ids = append(s.ids, m[1])
	}
	if m := regexp.MustCompile(`data-testid="` + list + `-total">([^<]*)<`).FindStringSubmatch(sec); m != nil {
		s.total = m[1]
	}
	nav := regexp.MustCompile(`(?s)<nav aria-label="[^"]+" data-testid="` + list + `-pages">.*?</nav>`).FindString(sec)
	if m := regexp.MustCompile(`href="([^"]+)" rel="prev"`).FindStringSubmatch(nav); m != nil {
		s.prev = html.UnescapeString(m[1])
	}
	if m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(nav); m != nil {
		s.next = html.UnescapeString(m[1])
	}
	return s
}

// pathOf is a link's path and query, without its fragment.
func pathOf(link string) string {
	path, _, _ := strings.Cut(link, "#")
	return path
}

// The voucher page shows each of its lists (campaigns, shops, statements)
// a page at a time with the count of the whole list, and links (rel prev
// and next, in a named nav) to the pages before and after; each list is
// paged on its own, the others staying where they were; every row is on
// exactly one page; and the forms sent from the page come back to the
// same pages.
func TestVoucherAdminPagePaged(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
	})
	ctx := context.Background()
	svc := env.Deps.Vouchers
	admin := identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	adminAcct, _ := env.account(t, identity.RoleAdmin)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	pc := webtest.SignedIn(t, srv.URL, adminAcct.Email, testPassword)

	// More of each than a page holds (20).
	var shops, camps, sts []string
	for i := range 23 {
		s, err := svc.CreateShop(ctx, admin, vouchers.Shop{Name: fmt.Sprintf("Bottega %02d", i), Address: "Via Traiano 3", District: "centro", Category: "food",
			IBAN: "IT60 X054 2811 1010 0000 0123 456"})
		if err != nil {
			t.Fatal(err)
		}
		shops = append(shops, s.ID)
	}
	for i := range 25 {
		c, err := svc.CreateCampaign(ctx, admin, vouchers.Campaign{Name: fmt.Sprintf("Campagna %02d", i), BudgetCents: 10000, FaceValueCents: 1000,
			PerCitizenLimit: 1, ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		camps = append(camps, c.ID)
	}
	closed := time.Now().UTC().Truncate(time.Second)
	if err := env.DB.Vouchers().InTx(ctx, func(tx vouchers.Tx) error {
		for i := range 22 {
			st := vouchers.Settlement{ID: fmt.Sprintf("stl_page%02d", i), ShopID: shops[i%len(shops)], PeriodEnd: closed, Count: 1, TotalCents: 100,
				Status: vouchers.SettlementClosed, ClosedAt: closed, ClosedBy: admin.AccountID, ShopName: fmt.Sprintf("Bottega %02d", i%len(shops))}
			sts = append(sts, st.ID)
			if err := tx.InsertSettlement(ctx, st); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	res, body := pc.Get("/admin/vouchers")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("page: %d", res.StatusCode)
	}
	first := map[string]adminVoucherSection{}
	for list, want := range map[string]string{"campaigns": "25 campagne in tutto", "shops": "23 negozi in tutto", "settlements": "22 rendiconti in tutto"} {
		s := voucherSection(t, body, list)
		if len(s.ids) != 20 || s.total != want || s.prev != "" || s.next == "" {
			t.Fatalf("%s on the first page: %d rows, total %q, prev %q, next %q", list, len(s.ids), s.total, s.prev, s.next)
		}
		if !strings.Contains(s.html, `aria-label="Pagine d`) || !strings.HasSuffix(s.next, "#"+list) {
			t.Fatalf("%s: the pages' nav is not named, or its link does not lead back to the list:\n%s", list, s.html)
		}
		first[list] = s
	}

	// The campaigns' next page: five campaigns, a link back, and the
	// other lists as they were.
	res, body = pc.Get(pathOf(first["campaigns"].next))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("campaigns' second page: %d", res.StatusCode)
	}
	c2 := voucherSection(t, body, "campaigns")
	if len(c2.ids) != 5 || c2.next != "" || c2.prev == "" || c2.total != "25 campagne in tutto" {
		t.Fatalf("campaigns' second page: %d rows, total %q, prev %q, next %q", len(c2.ids), c2.total, c2.prev, c2.next)
	}
	if got := slices.Sorted(slices.Values(slices.Concat(first["campaigns"].ids, c2.ids))); !slices.Equal(got, slices.Sorted(slices.Values(camps))) {
		t.Fatalf("the campaigns' two pages list %v, want each of %v once", got, camps)
	}
	for _, list := range []string{"shops", "settlements"} {
		if s := voucherSection(t, body, list); !slices.Equal(s.ids, first[list].ids) {
			t.Fatalf("paging the campaigns moved the %s", list)
		}
	}

	// From there, the shops' next page: the campaigns stay on their
	// second page.
	s2Link := voucherSection(t, body, "shops").next
	if !strings.Contains(s2Link, "campaigns_after=") {
		t.Fatalf("the shops' next link drops the campaigns' page: %s", s2Link)
	}
	_, body = pc.Get(pathOf(s2Link))
	s2 := voucherSection(t, body, "shops")
	if !slices.Equal(voucherSection(t, body, "campaigns").ids, c2.ids) || len(s2.ids) != 3 || s2.prev == "" || s2.next != "" {
		t.Fatalf("shops' second page: %v, prev %q, next %q", s2.ids, s2.prev, s2.next)
	}
	if got := slices.Sorted(slices.Values(slices.Concat(first["shops"].ids, s2.ids))); !slices.Equal(got, slices.Sorted(slices.Values(shops))) {
		t.Fatalf("the shops' two pages list %v, want each of %v once", got, shops)
	}
	here := pathOf(s2Link)

	// The statements' pages, and back.
	_, body = pc.Get(pathOf(first["settlements"].next))
	st2 := voucherSection(t, body, "settlements")
	if len(st2.ids) != 2 || !slices.Equal(slices.Sorted(slices.Values(slices.Concat(first["settlements"].ids, st2.ids))), sts) {
		t.Fatalf("the statements' two pages: %v and %v", first["settlements"].ids, st2.ids)
	}
	if !strings.Contains(first["settlements"].html, "Bottega 21") {
		t.Fatalf("a statement of a shop on another page of the shops does not name it:\n%s", first["settlements"].html)
	}
	_, body = pc.Get(pathOf(st2.prev))
	if back := voucherSection(t, body, "settlements"); !slices.Equal(back.ids, first["settlements"].ids) || back.prev != "" || back.next == "" {
		t.Fatalf("back to the statements' first page: %v, prev %q", back.ids, back.prev)
	}

	// The forms sent from a page come back to it.
	_, body = pc.Get(here)
	tok := webtest.CSRFInForm.FindStringSubmatch(body)[1]
	post := func(action string, form url.Values) *http.Response {
		form.Set("csrf_token", tok)
		res, _ := pc.Post(pathOf(html.UnescapeString(action)), form)
		return res
	}
	openForm := regexp.MustCompile(`action="(/admin/vouchers/campaigns/` + c2.ids[0] + `/open[^"]*)"`).FindStringSubmatch(body)
	if openForm == nil {
		t.Fatalf("no open form for %s:\n%s", c2.ids[0], body)
	}
	if res := post(openForm[1], url.Values{}); res.StatusCode != http.StatusSeeOther || pathOf(res.Header.Get("Location")) != here {
		t.Fatalf("open from the campaigns' second page: %d to %q, want %q", res.StatusCode, res.Header.Get("Location"), here)
	}
	// Closing asks first: the confirmation and its way back keep the page.
	closeForm := regexp.MustCompile(`action="(/admin/vouchers/campaigns/` + c2.ids[1] + `/close[^"]*)"`).FindStringSubmatch(body)
	res = post(closeForm[1], url.Values{})
	confirmPath := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(confirmPath, "/admin/vouchers/campaigns/"+c2.ids[1]+"/close?") {
		t.Fatalf("close without confirmation: %d to %q", res.StatusCode, confirmPath)
	}
	_, confirm := pc.Get(confirmPath)
	if !strings.Contains(html.UnescapeString(confirm), `href="`+here+`#campaigns"`) {
		t.Fatalf("the close confirmation's way back loses the page (%s):\n%s", here, confirm)
	}
	if res := post(regexp.MustCompile(`<form[^>]*action="([^"]*close[^"]*)"`).FindStringSubmatch(confirm)[1], url.Values{"confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther ||
		pathOf(res.Header.Get("Location")) != here {
		t.Fatalf("confirmed close: %d to %q, want %q", res.StatusCode, res.Header.Get("Location"), here)
	}
	if c, _ := svc.Campaign(ctx, c2.ids[1]); c.Status != vouchers.StatusClosed {
		t.Fatalf("the confirmed close left the campaign %s", c.Status)
	}
	// A payment reference refused comes back on the same pages, 400.
	paidForm := regexp.MustCompile(`action="(/admin/vouchers/settlements/` + first["settlements"].ids[0] + `/paid[^"]*)"`).FindStringSubmatch(body)
	form := url.Values{"payment_ref": {""}, "csrf_token": {tok}}
	res, refused := pc.Post(pathOf(html.UnescapeString(paidForm[1])), form)
	if res.StatusCode != http.StatusBadRequest || !slices.Equal(voucherSection(t, refused, "shops").ids, s2.ids) || !slices.Equal(voucherSection(t, refused, "campaigns").ids, c2.ids) {
		t.Fatalf("a refused payment: %d, not on the pages it was sent from", res.StatusCode)
	}
	if res := post(paidForm[1], url.Values{"payment_ref": {"SEPA 7"}}); res.StatusCode != http.StatusSeeOther || pathOf(res.Header.Get("Location")) != here {
		t.Fatalf("paid: %d to %q, want %q", res.StatusCode, res.Header.Get("Location"), here)
	}
	// A new shop: the shops' list opens on the page that starts with it,
	// the campaigns stay where they were.
	newShop := regexp.MustCompile(`action="(/admin/vouchers/shops[^"]*)#new-shop"`).FindStringSubmatch(body)
	res = post(newShop[1], url.Values{"name": {"Bottega 10 bis"}, "address": {"Via Traiano 3"}, "district": {"centro"}, "category": {"food"}, "iban": {"IT60 X054 2811 1010 0000 0123 456"}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "campaigns_after=") || !strings.HasSuffix(loc, "#shops") {
		t.Fatalf("new shop: %d to %q", res.StatusCode, loc)
	}
	_, body = pc.Get(pathOf(loc))
	if s := voucherSection(t, body, "shops"); len(s.ids) == 0 || !strings.Contains(s.html, "Bottega 10 bis") ||
		!regexp.MustCompile(`(?s)<tr data-shop="`+s.ids[0]+`">\s*<td>Bottega 10 bis`).MatchString(s.html) || s.total != "24 negozi in tutto" || s.prev == "" {
		t.Fatalf("the shops after a new one:\n%s", s.html)
	}
	// A new campaign is the newest: the campaigns' first page.
	newCamp := regexp.MustCompile(`action="(/admin/vouchers/campaigns[^"]*)#new-campaign"`).FindStringSubmatch(body)
	key := regexp.MustCompile(`<form[^>]*id="new-campaign"(?s:.*?)name="key" value="([^"]+)"`).FindStringSubmatch(body)[1]
	res = post(newCamp[1], url.Values{"key": {key}, "name": {"Natale"}, "budget": {"100"}, "face_value": {"10"}, "per_citizen_limit": {"1"},
		"valid_from": {"2026-01-01"}, "valid_until": {"2099-12-31"}, "mode": {"single_use"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || strings.Contains(loc, "campaigns_") || !strings.Contains(loc, "shops_after=") {
		t.Fatalf("new campaign: %d to %q", res.StatusCode, loc)
	}

	// A page link the lists never gave is refused, and says so, with
	// the link to that list's first page.
	for q, first := range map[string]string{"campaigns_after=cmp_nope": "#campaigns", "shops_before=shp_nope": "#shops", "settlements_after=" + shops[0]: "#settlements"} {
		res, body := pc.Get("/admin/vouchers?" + q)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Il link a questa pagina non è più valido") ||
			!strings.Contains(body, `href="/admin/vouchers`+first+`" data-testid="first-page">Vai alla prima pagina</a>`) {
			t.Errorf("%s: %d\n%s", q, res.StatusCode, body)
		}
	}
}
