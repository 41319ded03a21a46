package ui

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/httpx"
)

// The shopkeeper's voucher page: what the city owes the shop, today's
// redemptions with a reverse button while that is allowed, and statements.

type voucherStaffPage struct {
	ShopName   string
	Balance    vouchers.Balance
	Today      vouchers.DayReport
	Rows       []staffRedemptionRow
	Statements []vouchers.Settlement
	// StatementNav counts the shop's statements and links the pages of
	// them before and after this one.
	StatementNav listNav
	// Shop is the ?shop= the page was asked with (staff of several shops).
	Shop string
	// Chooser is the shop chooser of staff of several shops; nil for staff
	// of one.
	Chooser *shopChooser
	// Reversed confirms the reversal just made.
	Reversed bool
}

type staffRedemptionRow struct {
	vouchers.Redemption
	Reversible bool
}

// myOnlyShop is the shop of staff granted one (requested, when given, must
// be it).
func (s *voucherPages) myOnlyShop(ctx context.Context, c identity.Caller, requested string) (vouchers.Shop, error) {
	id, err := vouchers.ShopOf(c, requested)
	if err != nil {
		return vouchers.Shop{}, err
	}
	return s.vouchers.Shop(ctx, c, id)
}

// handleVoucherStaffPage shows the caller's shop. Staff of several shops
// first choose one from the list of theirs (?shop=), which stays at the top
// to change to another.
func (s *voucherPages) handleVoucherStaffPage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ctx := r.Context()
	requested, err := requestedShop(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	chooser, err := chooseShop(ctx, s.vouchers, c, "/staff/vouchers", requested)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	var shop vouchers.Shop
	switch {
	case chooser != nil && chooser.Chosen == nil:
		s.render(w, r, http.StatusOK, "voucher_staff", "vstaff", voucherStaffPage{Chooser: chooser})
		return
	case chooser != nil:
		shop = *chooser.Chosen
	default:
		shop, err = s.myOnlyShop(ctx, c, requested)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	shopID := shop.ID
	page := voucherStaffPage{ShopName: shop.Name, Shop: requested, Chooser: chooser}
	if chooser != nil {
		// Staff granted several shops: the page's links and forms name the
		// one it shows, chosen or the only one left.
		page.Shop = shopID
	}
	var sts vouchers.Page[vouchers.Settlement]
	if page.Balance, err = s.vouchers.ShopBalance(ctx, c, shopID); err == nil {
		if page.Today, err = s.vouchers.Today(ctx, c, shopID); err == nil {
			var at vouchers.PageQuery
			if at, err = staffStatementsAt(r.URL.Query()); err == nil {
				sts, err = s.vouchers.StatementPage(ctx, c, shopID, at)
			}
		}
	}
	if err != nil {
		first := "/staff/vouchers"
		if page.Shop != "" {
			first += "?" + url.Values{"shop": {page.Shop}}.Encode()
		}
		s.pagingRefused(w, r, err, first+"#statements-heading")
		return
	}
	page.Statements, page.StatementNav = sts.Items, staffStatementsNav(page.Shop, sts)
	now := time.Now()
	// The notice says a redemption was reversed only of one of today's
	// that is: a link cannot make the page say so of anything else.
	reversed := r.URL.Query().Get("reversed")
	for i := len(page.Today.Redemptions) - 1; i >= 0; i-- { // newest first
		red := page.Today.Redemptions[i]
		page.Rows = append(page.Rows, staffRedemptionRow{Redemption: red, Reversible: red.Reversible(now)})
		if reversed != "" && red.ID == reversed && red.ReversedAt != nil {
			page.Reversed = true
		}
	}
	s.render(w, r, http.StatusOK, "voucher_staff", "vstaff", page)
}

// handleVoucherReverseConfirm asks before a redemption is reversed: the
// purchase, the discount that goes back on the voucher, and that the shop
// is then owed that much less.
func (s *voucherPages) handleVoucherReverseConfirm(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	shopID, err := tillShop(r, c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	shop := r.URL.Query().Get("shop") // given once: tillShop refuses it twice
	red, err := s.vouchers.ShopRedemption(r.Context(), c, shopID, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	// A redemption that cannot be reversed any more (reversed already, on
	// a statement, past its window) says so, rather than asking to confirm
	// what the button would then refuse.
	back := "/staff/vouchers"
	action := "/staff/vouchers/redemptions/" + red.ID + "/reverse"
	if shop != "" {
		back += "?shop=" + url.QueryEscape(shop)
		action += "?shop=" + url.QueryEscape(shop)
	}
	if err := red.ReversalRefusal(time.Now()); err != nil {
		s.reversalRefused(w, r, err, back)
		return
	}
	l := s.locale(r)
	s.renderConfirm(w, r, "vstaff", confirmPage{
		Heading: l.T("staff.reverse.heading"),
		Lead:    l.T("staff.reverse.lead", l.Money(red.AmountCents)),
		Facts: []confirmFact{
			{l.T("wallet.when"), l.DateTime(red.At)},
			{l.T("vstaff.purchase"), l.Money(red.PurchaseCents)},
			{l.T("vstaff.discount"), l.Money(red.AmountCents)},
			{l.T("staff.reverse.until"), l.DateTime(red.At.Add(vouchers.ReversalWindow))},
		},
		Action: action, Button: l.T("staff.reverse.button"), Danger: true, Back: back,
	})
}

// handleVoucherReversePage reverses a redemption from its confirmation page;
// a post without the confirmation (an old page, a stray request) only shows
// that page. The key is the redemption itself: pressing the button twice
// reverses it once.
func (s *voucherPages) handleVoucherReversePage(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if !confirmed(r) {
		http.Redirect(w, r, r.URL.Path+"?"+r.URL.RawQuery, http.StatusSeeOther)
		return
	}
	shopID, err := tillShop(r, c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	id := r.PathValue("id")
	if _, _, err := s.vouchers.Reverse(r.Context(), c, shopID, id, "page-reverse:"+id); err != nil {
		back := "/staff/vouchers"
		if shop := r.URL.Query().Get("shop"); shop != "" {
			back += "?shop=" + url.QueryEscape(shop)
		}
		s.reversalRefused(w, r, err, back)
		return
	}
	next := "/staff/vouchers?reversed=" + url.QueryEscape(id)
	if shop := r.URL.Query().Get("shop"); shop != "" {
		next += "&shop=" + url.QueryEscape(shop)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// reversalRefused answers a reversal the redemption no longer allows
// (past its window, on a statement, reversed already) under a heading that
// says so, with a link back to the shop's page (back), where the staff
// see what is still reversible: the plain error page said "Richiesta non
// valida" and linked only to the home page. Any other refusal gets the
// plain error page.
func (s *voucherPages) reversalRefused(w http.ResponseWriter, r *http.Request, err error, back string) {
	reason := apperr.ReasonOf(err)
	if (reason != "reversal_window_passed" && reason != "already_settled" && reason != "already_reversed") || wantsJSON(r) {
		s.pageError(w, r, err)
		return
	}
	l := s.locale(r)
	status := httpx.StatusFor(err)
	s.render(w, r, status, "error", "", errorPage{Status: status, Heading: l.T("staff.reverse.refused." + reason), Message: l.ErrorText(err),
		Link: back, LinkText: l.T("staff.reverse.refused.back")})
}

// staffStatementsPageSize is how many of its statements the shop's page
// shows at a time: a shop of many years has thousands.
const staffStatementsPageSize = 20

// staffStatementsAt is the page of statements q asks for: after the one
// ?statements_after= names, before the one ?statements_before= names, or
// the newest. Either given twice is Invalid (duplicate_field), as on every
// list.
func staffStatementsAt(q url.Values) (vouchers.PageQuery, error) {
	if err := httpx.Once(q, "statements_before", "statements_after"); err != nil {
		return vouchers.PageQuery{}, err
	}
	pq := vouchers.PageQuery{Limit: staffStatementsPageSize}
	if c := q.Get("statements_before"); c != "" {
		pq.Cursor, pq.Back = c, true
	} else if c := q.Get("statements_after"); c != "" {
		pq.Cursor = c
	}
	return pq, nil
}

// staffStatementsNav links the pages of statements before and after pg,
// on the page of shop (the ?shop= of staff of several shops, or "").
func staffStatementsNav(shop string, pg vouchers.Page[vouchers.Settlement]) listNav {
	link := func(param, cursor string) string {
		q := url.Values{param: {cursor}}
		if shop != "" {
			q.Set("shop", shop)
		}
		return "/staff/vouchers?" + q.Encode() + "#statements-heading"
	}
	n := listNav{Total: pg.Total}
	if pg.Prev != "" {
		n.Prev = link("statements_before", pg.Prev)
	}
	if pg.Next != "" {
		n.Next = link("statements_after", pg.Next)
	}
	return n
}
