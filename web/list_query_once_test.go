package web

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/web/httpx"
	"cityhub/web/webtest"
)

// firstPageLink is the error page's link to a list's first page.
var firstPageLink = regexp.MustCompile(`href="([^"]*)" data-testid="first-page"`)

// Every paged list of the API reads its place (cursor, limit, the rides'
// before) and its single-valued filters once: a parameter given twice,
// alike or not, is 400 duplicate_field naming it, where all but the
// participation lists answered for the first; given once it is read as
// ever. A filter a list takes repeated (the reports' category and status)
// still is. The pages showing those lists refuse the same link with the
// error page of a link gone bad, its words naming the parameter, and a
// link to the list's first page with the choices given once kept, as do
// the pages' own places and filters (the voucher page's lists, a shop's
// statements, the wallet's history, a proposal's comments, the reports'
// campaign, the theatre's performances).
func TestPagedListsRefuseARepeatedParameter(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			_, env := newTestServer(t, engine, append(slices.Clone(authzConfigure), withStripe)...)
			adminAcc, admin := env.account(t, identity.RoleAdmin)
			citizenAcc, citizen := env.account(t, identity.RoleCitizen)
			merchant, staff, operator := env.login(t, identity.RoleMerchant), env.login(t, identity.RoleCityStaff), env.login(t, identity.RoleOperator)
			auth := map[string]string{"": "", "admin": admin, "citizen": citizen, "merchant": merchant, "staff": staff, "operator": operator}
			for _, tc := range []struct {
				path, who, param string
				values           [2]string
			}{
				{"/api/v1/admin/mail", "admin", "cursor", [2]string{"mail_a", "mail_b"}},
				{"/api/v1/admin/mail", "admin", "limit", [2]string{"1", "50"}},
				{"/api/v1/admin/mail?limit=2", "admin", "state", [2]string{"failed", "sent"}},
				{"/api/v1/admin/shops", "admin", "limit", [2]string{"1", "1"}},
				{"/api/v1/admin/shops", "admin", "district", [2]string{"centro", "rione-liberta"}},
				{"/api/v1/admin/shops", "admin", "category", [2]string{"books", "food"}},
				{"/api/v1/admin/campaigns", "admin", "cursor", [2]string{"cmp_a", "cmp_b"}},
				{"/api/v1/admin/campaigns", "admin", "status", [2]string{"open", "closed"}},
				{"/api/v1/admin/settlements", "admin", "shop_id", [2]string{"shop_1", "shop_2"}},
				{"/api/v1/admin/settlements", "admin", "limit", [2]string{"5", "500"}},
				{"/api/v1/admin/voucher-audit", "admin", "shop_id", [2]string{"shop_1", "shop_2"}},
				{"/api/v1/admin/voucher-audit", "admin", "since", [2]string{"2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z"}},
				{"/api/v1/admin/voucher-audit", "admin", "cursor", [2]string{"1", "2"}},
				{"/api/v1/admin/voucher-audit", "admin", "format", [2]string{"csv", "csv"}},
				{"/api/v1/merchant/statements", "merchant", "limit", [2]string{"1", "2"}},
				{"/api/v1/admin/payments/events", "admin", "cursor", [2]string{"evt_a", "evt_b"}},
				{"/api/v1/wallet/history", "citizen", "limit", [2]string{"1", "2"}},
				{"/api/v1/wallet/history", "citizen", "cursor", [2]string{"a", "b"}},
				{"/api/v1/admin/ledger/accounts/city:funding", "admin", "limit", [2]string{"1", "2"}},
				{"/api/v1/admin/accounts", "admin", "cursor", [2]string{"acc_a", "acc_b"}},
				{"/api/v1/admin/accounts", "admin", "limit", [2]string{"1", "2"}},
				{"/api/v1/admin/accounts", "admin", "q", [2]string{"anna", "bruno"}},
				{"/api/v1/admin/accounts", "admin", "role", [2]string{"citizen", "city_admin"}},
				{"/api/v1/admin/accounts?role=city_staff", "admin", "scope", [2]string{"roads", "parks"}},
				{"/api/v1/admin/accounts", "admin", "state", [2]string{"active", "active"}},
				{"/api/v1/ticket-orders", "citizen", "limit", [2]string{"1", "2"}},
				{"/api/v1/ticket-orders", "citizen", "cursor", [2]string{"ord_a", "ord_b"}},
				{"/api/v1/mobility/rides", "citizen", "before", [2]string{"2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z"}},
				{"/api/v1/mobility/rides", "citizen", "limit", [2]string{"1", "2"}},
				{"/api/v1/reports", "", "contrada", [2]string{"centro-storico", "rione-liberta"}},
				{"/api/v1/reports", "", "limit", [2]string{"5", "500"}},
				{"/api/v1/reports", "", "cursor", [2]string{"rep_a", "rep_b"}},
				{"/api/v1/me/reports", "citizen", "limit", [2]string{"1", "2"}},
				{"/api/v1/proposals", "", "cursor", [2]string{"prp_a", "prp_b"}},
				{"/api/v1/proposals/prp_nope/comments", "", "limit", [2]string{"1", "2"}},
				{"/api/v1/admin/proposals/awaiting", "admin", "limit", [2]string{"1", "2"}},
				{"/api/v1/admin/comments/flagged", "admin", "limit", [2]string{"1", "1"}},
				{"/api/v1/admin/comments/hidden", "admin", "cursor", [2]string{"cmt_a", "cmt_b"}},
				{"/api/v1/staff/queue", "admin", "office", [2]string{"roads", "parks"}},
				{"/api/v1/staff/queue", "staff", "cursor", [2]string{"rep_a", "rep_b"}},
				{"/api/v1/staff/photos", "staff", "limit", [2]string{"1", "2"}},
				{"/api/v1/operator/mobility/incidents", "operator", "open", [2]string{"true", "false"}},
				{"/api/v1/operator/mobility/incidents", "operator", "kind", [2]string{mobility.IncidentCitizenReport, mobility.IncidentReleasedWithoutRide}},
				{"/api/v1/operator/mobility/incidents?open=true", "admin", "kind", [2]string{mobility.IncidentCitizenReport, mobility.IncidentCitizenReport}},
				{"/api/v1/mobility/stations?lon=14.78", "", "lat", [2]string{"41.13", "41.14"}},
				{"/api/v1/mobility/stations?lat=41.13", "", "lon", [2]string{"14.78", "14.78"}},
				{"/api/v1/campaigns/cmp_nope/shops", "citizen", "district", [2]string{"centro", "rione-liberta"}},
			} {
				sep := "?"
				if strings.Contains(tc.path, "?") {
					sep = "&"
				}
				once := tc.path + sep + url.Values{tc.param: {tc.values[0]}}.Encode()
				twice := tc.path + sep + url.Values{tc.param: tc.values[:]}.Encode()
				rec := env.do(t, "GET", twice, auth[tc.who], "")
				var got httpx.Problem
				if rec.Code != http.StatusBadRequest || rec.Header().Get("Content-Type") != "application/problem+json" ||
					json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.Reason != "duplicate_field" || !strings.Contains(got.Detail, `"`+tc.param+`"`) {
					t.Errorf("%s: %d %s; want 400 duplicate_field naming %q", twice, rec.Code, rec.Body.String(), tc.param)
				}
				// Given once, it is read: answered, or refused for its value.
				if rec := env.do(t, "GET", once, auth[tc.who], ""); rec.Code >= 500 || strings.Contains(rec.Body.String(), "duplicate_field") {
					t.Errorf("%s: %d %s; want it read", once, rec.Code, rec.Body.String())
				}
			}
			wantOK(t, env.do(t, "GET", "/api/v1/reports?category=pothole&category=lighting&status=open&status=fixed&contrada=centro-storico", "", ""))
			// Whoever may not read a list is refused for that first.
			for path, status := range map[string]int{
				"/api/v1/staff/queue?office=roads&office=parks":            http.StatusForbidden,
				"/api/v1/admin/mail?cursor=a&cursor=b":                     http.StatusForbidden,
				"/api/v1/wallet/history?limit=1&limit=2":                   http.StatusUnauthorized,
				"/api/v1/operator/mobility/incidents?open=true&open=false": http.StatusForbidden,
				"/api/v1/campaigns/cmp_nope/shops?district=a&district=b":   http.StatusUnauthorized,
			} {
				who := citizen
				if status == http.StatusUnauthorized {
					who = ""
				}
				if got := wantProblem(t, env.do(t, "GET", path, who, ""), status); got.Reason == "duplicate_field" {
					t.Errorf("%s: %+v; want refused for who asks", path, got)
				}
			}

			// The shop of a merchant signed in to the pages.
			shop, err := env.Deps.Vouchers.CreateShop(context.Background(), adminAcc.Caller(), vouchers.Shop{Name: "Forno Traiano", Address: "Via Traiano 3",
				District: "centro", Category: "food", IBAN: "IT60X0542811101000000123456"})
			if err != nil {
				t.Fatal(err)
			}
			merchantAcc, _ := env.account(t, identity.RoleMerchant, shop.ID)
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			adm, cit, mer := pageIn(t, srv.URL, "en"), pageIn(t, srv.URL, "en"), pageIn(t, srv.URL, "en")
			for _, in := range []struct {
				pc    *webtest.PageClient
				email string
			}{{adm, adminAcc.Email}, {cit, citizenAcc.Email}, {mer, merchantAcc.Email}} {
				if res := in.pc.Login(in.email, testPassword); res.StatusCode != http.StatusSeeOther {
					t.Fatalf("login %s: %d", in.email, res.StatusCode)
				}
			}
			for _, tc := range []struct {
				path, param, first string
				as                 string // "" for the administrator
			}{
				{"/admin/outbox?cursor=a&cursor=b", "cursor", "/admin/outbox", ""},
				{"/admin/outbox?limit=1&limit=2&state=failed", "limit", "/admin/outbox?state=failed", ""},
				{"/admin/outbox?state=failed&state=sent", "state", "/admin/outbox", ""},
				{"/admin/accounts?q=anna&role=citizen&role=city_admin", "role", "/admin/accounts?q=anna", ""},
				{"/admin/accounts?limit=1&limit=2", "limit", "/admin/accounts", ""},
				{"/admin/payments/events?cursor=a&cursor=b", "cursor", "/admin/payments/events", ""},
				{"/reports?cursor=a&cursor=b", "cursor", "/reports", ""},
				{"/reports?category=pothole&category=lighting&status=open", "category", "/reports?status=open", ""},
				{"/reports/mine?cursor=a&cursor=b", "cursor", "/reports/mine", "citizen"},
				{"/proposals?before=a&before=b", "before", "/proposals", ""},
				{"/staff/reports?office=roads&office=parks", "office", "/staff/reports", ""},
				{"/staff/reports?office=roads&cursor=a&cursor=b", "cursor", "/staff/reports?office=roads", ""},
				{"/staff/reports/photos?limit=1&limit=2", "limit", "/staff/reports/photos", ""},
				{"/staff/comments?flagged_limit=1&flagged_limit=2", "flagged_limit", "/staff/comments", ""},
				{"/staff/comments?cursor=a&cursor=b", "cursor", "/staff/comments#hidden", ""},
				{"/wallet?before=a&before=b", "before", "/wallet#history", "citizen"},
				{"/proposals/prp_nope?after=a&after=b", "after", "/proposals/prp_nope", ""},
				{"/vouchers/campaigns/cmp_nope/shops?district=centro&district=centro", "district", "/vouchers/campaigns/cmp_nope/shops", "citizen"},
				{"/admin/reports?campaign=a&campaign=b", "campaign", "/admin/reports", ""},
				{"/admin/theatre?all=1&all=1", "all", "/admin/theatre#performances", ""},
				{"/admin/vouchers?campaigns_after=a&campaigns_after=b", "campaigns_after", "/admin/vouchers#campaigns", ""},
				{"/admin/vouchers?campaigns_after=a&shops_before=a&shops_before=b", "shops_before", "/admin/vouchers?campaigns_after=a#shops", ""},
				{"/admin/vouchers?settlements_after=a&settlements_after=b&shops_after=a&shops_after=b", "shops_after", "/admin/vouchers#shops", ""},
				{"/staff/vouchers?statements_after=a&statements_after=b", "statements_after", "/staff/vouchers#statements-heading", "merchant"},
			} {
				pc := map[string]*webtest.PageClient{"": adm, "citizen": cit, "merchant": mer}[tc.as]
				res, body := pc.Get(tc.path)
				m := firstPageLink.FindStringSubmatch(body)
				if res.StatusCode != http.StatusBadRequest || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
					!strings.Contains(body, `data-status="400"`) || !strings.Contains(body, "the parameter “"+tc.param+"”") ||
					m == nil || html.UnescapeString(m[1]) != tc.first {
					t.Errorf("%s: %d, want a 400 error page naming %q and linking %s:\n%s", tc.path, res.StatusCode, tc.param, tc.first, body)
				}
			}
		})
	}
}
