package ui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/vouchers"
	"cityhub/web/httpx"
)

// The city administrator's voucher page: campaigns with live uptake and
// their open/pause/close buttons, shops with what the city owes each and a
// button closing its settlement period, statements with CSV and "paid";
// each list a page at a time (vouchers_admin_pages.go).

type voucherAdminPage struct {
	Campaigns   []adminCampaignRow
	Shops       []adminShopRow
	Settlements []adminSettlementRow
	// CampaignNav, ShopNav and SettlementNav count each list and link its
	// pages before and after this one.
	CampaignNav, ShopNav, SettlementNav listNav
	// Here is the page's place as a query string: the forms and links
	// that come back to the page carry it.
	Here string
	// CampaignForm and ShopForm are the two create forms, as typed when a
	// post comes back with mistakes.
	CampaignForm *staffForm
	ShopForm     *staffForm
	// PaidForm is the "paid" form of the statement PaidFor, as typed when
	// its post was refused; the other statements' forms are empty.
	PaidForm *staffForm
	PaidFor  string
	// CampaignProblem is why a campaign's change of state was refused
	// (closed meanwhile in another tab), above the campaigns as they are.
	CampaignProblem string
}

type adminCampaignRow struct {
	vouchers.Uptake
	Actions []string
}

type adminShopRow struct {
	vouchers.Shop
	OwedCents int64
}

type adminSettlementRow struct {
	vouchers.Settlement
	ShopName string
}

var campaignActions = map[string][]string{
	vouchers.StatusDraft:  {"open", "close"},
	vouchers.StatusOpen:   {"pause", "close"},
	vouchers.StatusPaused: {"open", "close"},
}

// handleVoucherAdminPage shows the voucher scheme to a city administrator.
func (s *voucherPages) handleVoucherAdminPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.renderVoucherAdmin(w, r, c, http.StatusOK, voucherAdminPage{})
}

// renderVoucherAdmin draws the page with its forms as page holds them (an
// empty one where it holds none): a refused post comes back here with its
// values and messages (status 400 or 409), so nothing typed is lost. Each
// list shows the page the request's query names (a form's address carries
// the page's), so a refused post comes back to the same pages.
func (s *voucherPages) renderVoucherAdmin(w http.ResponseWriter, r *http.Request, c identity.Caller, status int, page voucherAdminPage) {
	ctx := r.Context()
	place := placeFrom(r.URL.Query())
	if first, err := place.repeated(r.URL.Query()); err != nil {
		s.pagingRefused(w, r, err, first)
		return
	}
	page.Here = place.query()
	at := func(list string) vouchers.PageQuery {
		q := place[list]
		q.Limit = voucherAdminPageSize
		return q
	}
	if page.CampaignForm == nil {
		page.CampaignForm = newCampaignForm()
	}
	if page.ShopForm == nil {
		page.ShopForm = newStaffForm()
	}
	if page.PaidForm == nil {
		page.PaidForm = newStaffForm()
	}
	if page.CampaignForm.Values["key"] == "" {
		page.CampaignForm.Values["key"] = ids.Token(12)
	}
	camps, err := s.vouchers.CampaignPage(ctx, c, nil, at(listCampaigns))
	if err != nil {
		s.pagingRefused(w, r, err, place.with(listCampaigns, vouchers.PageQuery{}).page(listCampaigns))
		return
	}
	page.CampaignNav = nav(place, listCampaigns, camps)
	for _, camp := range camps.Items {
		u, err := s.vouchers.CampaignUptake(ctx, c, camp.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		page.Campaigns = append(page.Campaigns, adminCampaignRow{Uptake: u, Actions: campaignActions[camp.Status]})
	}
	shops, err := s.vouchers.ShopPage(ctx, c, vouchers.ShopFilter{}, at(listShops))
	if err != nil {
		s.pagingRefused(w, r, err, place.with(listShops, vouchers.PageQuery{}).page(listShops))
		return
	}
	page.ShopNav = nav(place, listShops, shops)
	names := map[string]string{}
	for _, sh := range shops.Items {
		b, err := s.vouchers.ShopBalance(ctx, c, sh.ID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		names[sh.ID] = sh.Name
		page.Shops = append(page.Shops, adminShopRow{Shop: sh, OwedCents: b.OwedCents})
	}
	sts, err := s.vouchers.StatementPage(ctx, c, "", at(listSettlements))
	if err != nil {
		s.pagingRefused(w, r, err, place.with(listSettlements, vouchers.PageQuery{}).page(listSettlements))
		return
	}
	page.SettlementNav = nav(place, listSettlements, sts)
	for _, st := range sts.Items {
		// The payee the statement was closed for: its shop may be on
		// another page of the shops.
		name := st.ShopName
		if name == "" {
			name = names[st.ShopID]
		}
		page.Settlements = append(page.Settlements, adminSettlementRow{Settlement: st, ShopName: name})
	}
	s.render(w, r, status, "voucher_admin", "admin", page)
}

func formList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// newCampaignForm is the empty campaign form with its usual values.
func newCampaignForm() *staffForm {
	f := newStaffForm()
	f.Values["percent_off"], f.Values["min_spend"], f.Values["per_citizen_limit"], f.Values["mode"] = "0", "0", "1", vouchers.ModeSingleUse
	f.Values["lang"] = identity.Locales[0]
	return f
}

// campaignFields are the new campaign form's fields.
var campaignFields = []string{"key", "name", "lang", "budget", "face_value", "percent_off", "min_spend", "per_citizen_limit", "valid_from", "valid_until", "districts", "categories", "mode"}

// campaignFieldOf is the field a campaign the domain refused is wrong in,
// by the refusal's reason.
var campaignFieldOf = map[string]string{
	"campaign_name": "name", "campaign_lang": "lang", "budget": "budget", "face_value": "face_value", "percent_off": "percent_off",
	"min_spend": "min_spend", "per_citizen_limit": "per_citizen_limit", "validity": "valid_until",
	"mode": "mode", "eligibility": "districts", "no_shop_in_district": "districts", "no_shop_in_category": "categories",
	"validity_over": "valid_until",
}

// handleVoucherAdminCreateCampaign creates a draft campaign from the form,
// or shows the form again with each mistake next to its field.
func (s *voucherPages) handleVoucherAdminCreateCampaign(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := s.locale(r)
	f := formFrom(r, campaignFields...)
	camp := campaignFromForm(l, f, s.vouchers)
	status := http.StatusBadRequest
	var refusals []error
	if !f.Failed() {
		// The form's key: pressed twice, it makes one campaign and funds
		// its budget once.
		_, err := s.formOnce(r.Context(), "page.campaign_create:"+c.AccountID, f.Values["key"], camp, func(ctx context.Context) (string, error) {
			made, err := s.vouchers.CreateCampaign(ctx, c, camp)
			return made.ID, err
		})
		if err == nil {
			// The new campaign is the newest: on the campaigns' first
			// page; the other lists stay where they were.
			http.Redirect(w, r, placeFrom(r.URL.Query()).with(listCampaigns, vouchers.PageQuery{}).page(listCampaigns), http.StatusSeeOther)
			return
		}
		refusals, status = append(refusals, err), httpx.StatusFor(err)
	}
	if f.Failed() || len(refusals) > 0 && apperr.Has(refusals[0], apperr.Invalid) {
		// Every other mistake of the fields, as the domain judges them,
		// so that one sending corrects them all; but the window, judged
		// only when both its days read (a day the form could not read is
		// no window's mistake).
		window := f.E("valid_from") == "" && f.E("valid_until") == ""
		for _, err := range camp.Problems() {
			if window || apperr.ReasonOf(err) != "validity" {
				refusals = append(refusals, err)
			}
		}
	}
	for _, err := range refusals {
		if !formRefusal(l, f, err, campaignFieldOf) {
			s.pageError(w, r, err)
			return
		}
	}
	s.renderVoucherAdmin(w, r, c, status, voucherAdminPage{CampaignForm: f})
}

// formRefusal is refusalOnForm in the vouchers office's words
// ("staff.reason.<reason>").
func formRefusal(l *locale, f *staffForm, err error, fieldOf map[string]string) bool {
	return refusalOnForm(l, f, err, fieldOf, "staff.reason.")
}

// campaignFromForm reads the new campaign form, marking the fields that do
// not read; svc reads its days in the city's time zone.
func campaignFromForm(l *locale, f *staffForm, svc *vouchers.Service) vouchers.Campaign {
	var camp vouchers.Campaign
	f.amountField(l, "budget", &camp.BudgetCents, false)
	f.amountField(l, "face_value", &camp.FaceValueCents, false)
	f.amountField(l, "min_spend", &camp.MinSpendCents, true)
	for _, n := range []struct {
		name string
		dst  *int
		def  int
	}{{"percent_off", &camp.PercentOff, 0}, {"per_citizen_limit", &camp.PerCitizenLimit, 1}} {
		v := f.Values[n.name]
		if v == "" {
			*n.dst = n.def
			continue
		}
		k, err := strconv.Atoi(v)
		if err != nil {
			f.fail(n.name, l.T("staff.err.whole_number"))
			continue
		}
		*n.dst = k
	}
	var err error
	for _, d := range []struct {
		name  string
		dst   *time.Time
		endOf bool
	}{{"valid_from", &camp.ValidFrom, false}, {"valid_until", &camp.ValidUntil, true}} {
		if f.Values[d.name] == "" {
			f.fail(d.name, l.T("staff.err.required"))
			continue
		}
		if *d.dst, err = svc.ParseDay(isoDay(f.Values[d.name]), d.endOf); err != nil {
			f.fail(d.name, l.T("staff.err.date"))
		}
	}
	if f.Values["name"] == "" {
		f.fail("name", l.T("staff.err.required"))
	}
	camp.Name, camp.Mode, camp.Lang = f.Values["name"], f.Values["mode"], f.Values["lang"]
	camp.Districts, camp.Categories = formList(f.Values["districts"]), formList(f.Values["categories"])
	return camp
}

// handleVoucherAdminCampaignStatus opens, pauses or closes a campaign.
func (s *voucherPages) handleVoucherAdminCampaignStatus(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	status, ok := map[string]string{"open": vouchers.StatusOpen, "pause": vouchers.StatusPaused, "close": vouchers.StatusClosed}[r.PathValue("action")]
	if !ok {
		s.pageError(w, r, apperr.R(apperr.NotFound, "no_such_action", "No such action."))
		return
	}
	place := placeFrom(r.URL.Query())
	// Closing is final and ends every unspent voucher: it happens only
	// from the confirmation page.
	if status == vouchers.StatusClosed && !confirmed(r) {
		http.Redirect(w, r, r.URL.Path+place.query(), http.StatusSeeOther)
		return
	}
	if _, err := s.vouchers.SetCampaignStatus(r.Context(), c, r.PathValue("id"), status); err != nil {
		s.campaignRefused(w, r, c, err)
		return
	}
	http.Redirect(w, r, place.page(listCampaigns), http.StatusSeeOther)
}

// campaignRefused shows the voucher page again with why a campaign's
// change was refused (a state it can no longer leave, changed since the
// page was drawn) above the campaigns as they are now, with the buttons
// they take now. A refusal of the caller or a failure gets the error page.
func (s *voucherPages) campaignRefused(w http.ResponseWriter, r *http.Request, c identity.Caller, err error) {
	if code := apperr.CodeOf(err); code != apperr.Conflict && code != apperr.Invalid {
		s.pageError(w, r, err)
		return
	}
	s.renderVoucherAdmin(w, r, c, httpx.StatusFor(err), voucherAdminPage{CampaignProblem: s.locale(r).ErrorText(err)})
}

// handleVoucherAdminCloseConfirm shows what closing a campaign does: no
// voucher of it can be used any more, and what claimed vouchers did not
// spend goes back to the budget, with the campaign's figures.
func (s *voucherPages) handleVoucherAdminCloseConfirm(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	u, err := s.vouchers.CampaignUptake(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if u.Status == vouchers.StatusClosed {
		s.campaignRefused(w, r, c, apperr.R(apperr.Conflict, "campaign_status", "This campaign is already closed."))
		return
	}
	l := s.locale(r)
	place := placeFrom(r.URL.Query())
	s.renderConfirm(w, r, "admin", confirmPage{
		Heading: l.T("vadmin.close.heading", u.Name),
		Lead:    l.T("vadmin.close.lead"),
		Facts: []confirmFact{
			{l.T("vadmin.close.claimed"), strconv.Itoa(u.ClaimedCount) + " · " + l.Money(u.ClaimedValueCents)},
			{l.T("vadmin.close.redeemed"), strconv.Itoa(u.RedemptionCount) + " · " + l.Money(u.RedeemedCents)},
			{l.T("vadmin.close.released"), l.Money(u.ReservedCents)},
			{l.T("vadmin.close.budget_left"), l.Money(u.BudgetLeftCents + u.ReservedCents)},
		},
		Action: "/admin/vouchers/campaigns/" + url.PathEscape(u.CampaignID) + "/close" + place.query(),
		Button: l.T("vadmin.close.button"), Danger: true, Back: place.page(listCampaigns),
	})
}

var shopFields = []string{"name", "address", "district", "category", "iban"}

var shopFieldOf = map[string]string{
	"shop_name": "name", "shop_address": "address", "shop_district": "district", "shop_category": "category",
	"iban": "iban", "shop_duplicate": "name",
}

// handleVoucherAdminCreateShop registers a shop from the form, or shows the
// form again with the mistake next to its field (a shop already registered
// under this name at this address is refused by the vouchers domain).
func (s *voucherPages) handleVoucherAdminCreateShop(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := s.locale(r)
	f := formFrom(r, shopFields...)
	for _, name := range shopFields {
		if f.Values[name] == "" {
			f.fail(name, l.T("staff.err.required"))
		}
	}
	status := http.StatusBadRequest
	in := vouchers.Shop{Name: f.Values["name"], Address: f.Values["address"], District: f.Values["district"], Category: f.Values["category"], IBAN: f.Values["iban"]}
	var refusals []error
	if !f.Failed() {
		shop, err := s.vouchers.CreateShop(r.Context(), c, in)
		if err == nil {
			http.Redirect(w, r, s.shopsFrom(r, c, shop.ID), http.StatusSeeOther)
			return
		}
		refusals, status = append(refusals, err), httpx.StatusFor(err)
	}
	if f.Failed() || len(refusals) > 0 && apperr.Has(refusals[0], apperr.Invalid) {
		// Every other mistake of the fields, as the domain judges them.
		refusals = append(refusals, in.Problems()...)
	}
	for _, err := range refusals {
		if !formRefusal(l, f, err, shopFieldOf) {
			s.pageError(w, r, err)
			return
		}
	}
	s.renderVoucherAdmin(w, r, c, status, voucherAdminPage{ShopForm: f})
}

// handleVoucherAdminSettleConfirm shows what closing a shop's settlement
// period now puts on its statement: the shop, the number of redemptions
// and the amount the city will owe for them, and what stays for a later
// statement because it can still be reversed. The confirm form carries the
// period's end, so the statement holds exactly what the page showed however
// long the administrator takes to press, and a key, so a double press
// closes one period.
func (s *voucherPages) handleVoucherAdminSettleConfirm(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	s.settleConfirm(w, r, c, http.StatusOK, "")
}

// settleConfirm shows the settle confirmation with the figures of now,
// answering status, with notice above them when it is shown again.
func (s *voucherPages) settleConfirm(w http.ResponseWriter, r *http.Request, c identity.Caller, status int, notice string) {
	due, err := s.vouchers.DueSettlement(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	l := s.locale(r)
	back := placeFrom(r.URL.Query()).page(listShops)
	if due.Count == 0 {
		// Nothing to close is no mistake of the administrator's: the page
		// says so, and what is still too recent to settle, with no button.
		facts := []confirmFact{{l.T("vadmin.settle.shop"), due.Shop.Name + " · " + due.Shop.Address}}
		if due.RecentCount > 0 {
			facts = append(facts, confirmFact{l.T("vadmin.settle.recent"), strconv.Itoa(due.RecentCount) + " · " + l.Money(due.RecentCents)})
		}
		s.renderConfirmStatus(w, r, status, "admin", confirmPage{
			Heading: l.T("vadmin.settle.nothing.heading", due.Shop.Name),
			Lead:    l.T("vadmin.settle.nothing.lead", int(vouchers.ReversalWindow/time.Minute)),
			Facts:   facts,
			Back:    back, BackLabel: l.T("vadmin.settle.nothing.back"),
			Notice: notice,
		})
		return
	}
	facts := []confirmFact{
		{l.T("vadmin.settle.shop"), due.Shop.Name + " · " + due.Shop.Address},
		{"IBAN", due.Shop.IBAN},
		{l.T("vadmin.settle.period_end"), l.DateTime(due.PeriodEnd)},
		{l.T("vadmin.settle.count"), strconv.Itoa(due.Count)},
		{l.T("vadmin.settle.total"), l.Money(due.TotalCents)},
	}
	if due.RecentCount > 0 {
		facts = append(facts, confirmFact{l.T("vadmin.settle.recent"), strconv.Itoa(due.RecentCount) + " · " + l.Money(due.RecentCents)})
	}
	// What the page shows goes back with the confirmation: the close
	// settles it or, when the IBAN or the period's redemptions changed
	// meanwhile, nothing (settlement_changed).
	s.renderConfirmStatus(w, r, status, "admin", confirmPage{
		Heading: l.T("vadmin.settle.heading", due.Shop.Name),
		Lead:    l.TN("vadmin.settle.lead", due.Count, l.Money(due.TotalCents)),
		Facts:   facts,
		Action:  "/admin/vouchers/shops/" + url.PathEscape(due.Shop.ID) + "/settle" + placeFrom(r.URL.Query()).query(),
		Hidden: map[string]string{"key": ids.Token(12), "period_end": due.PeriodEnd.Format(time.RFC3339Nano),
			"iban": due.Shop.IBAN, "count": strconv.Itoa(due.Count), "total_cents": strconv.FormatInt(due.TotalCents, 10)},
		Button: l.T("vadmin.settle.button"), Back: back,
		Notice: notice,
	})
}

// settleShown reads what the confirmation page showed from its form. A
// field the form did not send (a page older than the field) is not
// checked.
func settleShown(r *http.Request) (vouchers.SettlementShown, error) {
	shown := vouchers.SettlementShown{IBAN: r.PostFormValue("iban")}
	bad := apperr.R(apperr.Invalid, "malformed_form", "The settlement's figures do not read as numbers.")
	if v := r.PostFormValue("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return shown, bad
		}
		shown.Count = &n
	}
	if v := r.PostFormValue("total_cents"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return shown, bad
		}
		shown.TotalCents = &n
	}
	return shown, nil
}

// handleVoucherAdminSettle closes a shop's settlement period from its
// confirmation page, up to the period end that page showed; a post
// without the confirmation only shows that page.
func (s *voucherPages) handleVoucherAdminSettle(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	place := placeFrom(r.URL.Query())
	if !confirmed(r) {
		http.Redirect(w, r, r.URL.Path+place.query(), http.StatusSeeOther)
		return
	}
	shopID := r.PathValue("id")
	key := r.PostFormValue("key")
	if key == "" {
		key = ids.Token(12)
	}
	periodEnd, err := time.Parse(time.RFC3339Nano, r.PostFormValue("period_end"))
	if err != nil {
		s.pageError(w, r, apperr.R(apperr.Invalid, "period_end", "The settlement period's end does not read as a time."))
		return
	}
	shown, err := settleShown(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	// The form always sends the end it showed, and what it showed for it.
	_, _, err = s.vouchers.CloseSettlementAsShown(r.Context(), c, "page:"+key+":"+shopID, shopID, &periodEnd, shown)
	if apperr.ReasonOf(err) == "settlement_changed" {
		// Nothing was settled: the figures of now, to confirm again (or
		// not), under a key of their own.
		s.settleConfirm(w, r, c, httpx.StatusFor(err), s.locale(r).T("error.reason.settlement_changed"))
		return
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	// The new statement is the newest: on the statements' first page.
	http.Redirect(w, r, place.with(listSettlements, vouchers.PageQuery{}).page(listSettlements), http.StatusSeeOther)
}

// paidFieldOf are the refusals of a payment shown at its statement's
// reference: a reference that does not read, or a statement paid
// meanwhile (by another administrator, or this one under another
// reference).
var paidFieldOf = map[string]string{"payment_ref": "payment_ref", "already_paid": "payment_ref"}

// handleVoucherAdminMarkPaid records the payment of a statement. Its key
// is the statement's and the reference's: the same form sent twice is one
// payment, and another reference for a statement paid already is told so
// (already_paid) rather than refused as a key used for another request.
// A refusal shows the page again with the message at the statement and
// the reference as typed.
func (s *voucherPages) handleVoucherAdminMarkPaid(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	id := r.PathValue("id")
	ref := r.PostFormValue("payment_ref")
	sum := sha256.Sum256([]byte(strings.TrimSpace(ref)))
	key := "page-paid:" + id + ":" + hex.EncodeToString(sum[:8])
	_, _, err := s.vouchers.MarkPaid(r.Context(), c, key, id, ref)
	if err == nil {
		http.Redirect(w, r, placeFrom(r.URL.Query()).page(listSettlements), http.StatusSeeOther)
		return
	}
	// Only the refusals of what the form says come back at the form; a
	// statement that is not there (a made-up address) is the error page.
	f := formFrom(r, "payment_ref")
	if _, ours := paidFieldOf[apperr.ReasonOf(err)]; !ours || !formRefusal(s.locale(r), f, err, paidFieldOf) {
		s.pageError(w, r, err)
		return
	}
	s.renderVoucherAdmin(w, r, c, httpx.StatusFor(err), voucherAdminPage{PaidForm: f, PaidFor: id})
}

// shopsFrom is the voucher page, at the request's place, with the shops'
// list on the page that starts with the shop id (a shop just registered,
// wherever its district and name put it in the list).
func (s *voucherPages) shopsFrom(r *http.Request, c identity.Caller, id string) string {
	place := placeFrom(r.URL.Query()).with(listShops, vouchers.PageQuery{})
	// The shop before it, if any: the page after that one starts with it.
	before, err := s.vouchers.ShopPage(r.Context(), c, vouchers.ShopFilter{}, vouchers.PageQuery{Cursor: id, Back: true, Limit: 1})
	if err != nil {
		// The shop is registered; only the page to show it on is not
		// known: the list's first page will do.
		s.log.WarnContext(r.Context(), "voucher page: the new shop's place in the list", slog.Any("error", err))
		return place.page(listShops)
	}
	if len(before.Items) == 1 && before.Items[0].ID != id {
		place = place.with(listShops, vouchers.PageQuery{Cursor: before.Items[0].ID})
	}
	return place.page(listShops)
}
