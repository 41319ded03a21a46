package api

import (
	"log/slog"
	"net/http"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/vouchers"
	"cityhub/web/httpx"
)

// The city administrator's voucher API: shops, campaigns, uptake,
// settlements and the audit export.

type shopRequest struct {
	Name     string `json:"name"`
	Address  string `json:"address"`
	District string `json:"district"`
	Category string `json:"category"`
	IBAN     string `json:"iban"`
	Active   *bool  `json:"active"`
}

func (h *voucherHandler) adminVouchers(w http.ResponseWriter, r *http.Request) (identity.Caller, bool) {
	c, err := httpx.RequireRole(r, identity.RoleAdmin)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return c, false
	}
	return c, true
}

// handleAPICreateShop registers a shop, active unless the body says
// "active": false. 201 with the shop.
func (h *voucherHandler) handleAPICreateShop(w http.ResponseWriter, r *http.Request) {
	c, ok := h.adminVouchers(w, r)
	if !ok {
		return
	}
	var req shopRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	// Absent, active: a shop registered is open unless said otherwise; a
	// shop not yet open is registered with "active": false.
	active := req.Active == nil || *req.Active
	shop, err := h.vouchers.RegisterShop(r.Context(), c, vouchers.Shop{Name: req.Name, Address: req.Address, District: req.District, Category: req.Category, IBAN: req.IBAN}, active)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/admin/shops/"+shop.ID)
	httpx.WriteJSON(w, http.StatusCreated, shop)
}

// handleAPIUpdateShop replaces a shop's details.
func (h *voucherHandler) handleAPIUpdateShop(w http.ResponseWriter, r *http.Request) {
	c, ok := h.adminVouchers(w, r)
	if !ok {
		return
	}
	var req shopRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	shop := vouchers.Shop{ID: r.PathValue("id"), Name: req.Name, Address: req.Address, District: req.District, Category: req.Category, IBAN: req.IBAN, Active: true}
	if req.Active != nil {
		shop.Active = *req.Active
	}
	shop, err := h.vouchers.UpdateShop(r.Context(), c, shop)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, shop)
}

// handleAPIShop returns one shop (administrators see the IBAN).
func (h *voucherHandler) handleAPIShop(w http.ResponseWriter, r *http.Request) {
	c, ok := h.adminVouchers(w, r)
	if !ok {
		return
	}
	shop, err := h.vouchers.Shop(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, shop)
}

// shopPageView is a page of shops.
type shopPageView struct {
	Shops []vouchers.Shop `json:"shops"`
	// Total counts every shop the filters select; NextCursor is the
	// cursor of the next page, empty on the last.
	Total      int    `json:"total"`
	NextCursor string `json:"next_cursor"`
}

// voucherPage reads ?cursor= and ?limit= (1 to vouchers.MaxPage, default
// vouchers.DefaultPage) of a voucher list.
func voucherPage(r *http.Request) (vouchers.PageQuery, error) {
	cursor, limit, err := httpx.PageQuery(r, vouchers.DefaultPage, vouchers.MaxPage)
	return vouchers.PageQuery{Cursor: cursor, Limit: limit}, err
}

// handleAPIShops lists shops by district and name, optionally of one
// district or category, a page at a time.
func (h *voucherHandler) handleAPIShops(w http.ResponseWriter, r *http.Request) {
	c, ok := h.adminVouchers(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	pq, err := voucherPage(r)
	if err == nil {
		err = httpx.Once(q, "district", "category")
	}
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	p, err := h.vouchers.ShopPage(r.Context(), c, vouchers.ShopFilter{District: q.Get("district"), Category: q.Get("category")}, pq)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, shopPageView{Shops: p.Items, Total: p.Total, NextCursor: p.Next})
}

type campaignRequest struct {
	Name            string   `json:"name"`
	Description     string   `json:"description"`
	Lang            string   `json:"lang"` // of name and description: it (when absent) or en
	BudgetCents     int64    `json:"budget_cents"`
	FaceValueCents  int64    `json:"face_value_cents"`
	PercentOff      int      `json:"percent_off"`
	MinSpendCents   int64    `json:"min_spend_cents"`
	PerCitizenLimit int      `json:"per_citizen_limit"`
	ValidFrom       string   `json:"valid_from"`  // 2026-12-01 (a day in the city) or RFC 3339
	ValidUntil      string   `json:"valid_until"` // a day is inclusive
	Districts       []string `json:"districts"`
	Categories      []string `json:"categories"`
	ShopIDs         []string `json:"shop_ids"`
	Mode            string   `json:"mode"`
}

// campaign is the campaign the request describes, with id; its days are
// read by svc, in the city's time zone.
func (req campaignRequest) campaign(svc *vouchers.Service, id string) (vouchers.Campaign, error) {
	from, err := svc.ParseDay(req.ValidFrom, false)
	if err != nil {
		return vouchers.Campaign{}, err
	}
	until, err := svc.ParseDay(req.ValidUntil, true)
	if err != nil {
		return vouchers.Campaign{}, err
	}
	return vouchers.Campaign{
		ID: id, Name: req.Name, Description: req.Description, Lang: req.Lang, BudgetCents: req.BudgetCents, FaceValueCents: req.FaceValueCents,
		PercentOff: req.PercentOff, MinSpendCents: req.MinSpendCents, PerCitizenLimit: req.PerCitizenLimit,
		ValidFrom: from, ValidUntil: until, Districts: req.Districts, Categories: req.Categories, ShopIDs: req.ShopIDs, Mode: req.Mode,
	}, nil
}

// handleAPICreateCampaign creates a draft campaign, funded from the city's
// budget. 201 with the campaign.
func (h *voucherHandler) handleAPICreateCampaign(w http.ResponseWriter, r *http.Request) {
	c, ok := h.adminVouchers(w, r)
	if !ok {
		return
	}
	var req campaignRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	camp, err := req.campaign(h.vouchers, "")
	if err == nil {
		camp, err = h.vouchers.CreateCampaign(r.Context(), c, camp)
	}
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/admin/campaigns/"+camp.ID)
	httpx.WriteJSON(w, http.StatusCreated, camp)
}

// handleAPIUpdateCampaign changes a draft campaign (not its budget).
func (h *voucherHandler) handleAPIUpdateCampaign(w http.ResponseWriter, r *http.Request) {
	c, ok := h.adminVouchers(w, r)
	if !ok {
		return
	}
	var req campaignRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	camp, err := req.campaign(h.vouchers, r.PathValue("id"))
	if err == nil {
		camp, err = h.vouchers.UpdateCampaign(r.Context(), c, camp)
	}
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, camp)
}

// campaignPageView is a page of campaigns.
type campaignPageView struct {
	Campaigns []vouchers.Campaign `json:"campaigns"`
	// Total counts every campaign of the status asked (all when none);
	// NextCursor is the cursor of the next page, empty on the last.
	Total      int    `json:"total"`
	NextCursor string `json:"next_cursor"`
}

// handleAPICampaigns lists campaigns newest first, optionally of one
// status, a page at a time.
func (h *voucherHandler) handleAPICampaigns(w http.ResponseWriter, r *http.Request) {
	c, ok := h.adminVouchers(w, r)
	if !ok {
		return
	}
	pq, err := voucherPage(r)
	if err == nil {
		err = httpx.Once(r.URL.Query(), "status")
	}
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var statuses []string
	if st := r.URL.Query().Get("status"); st != "" {
		statuses = []string{st}
	}
	p, err := h.vouchers.CampaignPage(r.Context(), c, statuses, pq)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, campaignPageView{Campaigns: p.Items, Total: p.Total, NextCursor: p.Next})
}

// handleAPICampaign returns one campaign.
func (h *voucherHandler) handleAPICampaign(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.adminVouchers(w, r); !ok {
		return
	}
	camp, err := h.vouchers.Campaign(r.Context(), r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, camp)
}

// handleAPICampaignStatus opens, pauses or closes a campaign:
// POST /api/v1/admin/campaigns/{id}/{action} with action open, pause or close.
func (h *voucherHandler) handleAPICampaignStatus(w http.ResponseWriter, r *http.Request) {
	c, ok := h.adminVouchers(w, r)
	if !ok {
		return
	}
	status, known := map[string]string{"open": vouchers.StatusOpen, "pause": vouchers.StatusPaused, "close": vouchers.StatusClosed}[r.PathValue("action")]
	if !known {
		httpx.WriteError(h.log, w, r, apperr.R(apperr.NotFound, "no_such_action", "The action must be open, pause or close."))
		return
	}
	camp, err := h.vouchers.SetCampaignStatus(r.Context(), c, r.PathValue("id"), status)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, camp)
}

// handleAPICampaignUptake reports a campaign's live uptake.
func (h *voucherHandler) handleAPICampaignUptake(w http.ResponseWriter, r *http.Request) {
	c, ok := h.adminVouchers(w, r)
	if !ok {
		return
	}
	u, err := h.vouchers.CampaignUptake(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, u)
}

// handleAPISettlementDue answers what closing the shop's settlement period
// now would settle (the shop with its IBAN, the period's end, the count and
// total of its redemptions, and those still inside the reversal window),
// for a client to show before it closes the period with those figures.
func (h *voucherHandler) handleAPISettlementDue(w http.ResponseWriter, r *http.Request) {
	c, ok := h.adminVouchers(w, r)
	if !ok {
		return
	}
	due, err := h.vouchers.DueSettlement(r.Context(), c, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, due)
}

type closeSettlementRequest struct {
	ShopID    string `json:"shop_id"`
	PeriodEnd string `json:"period_end"` // RFC 3339; empty means now
	// What the client showed before the close was confirmed (the shop's
	// IBAN, the count and total of the period's redemptions): the close
	// settles that or nothing (settlement_changed). Absent: not checked.
	IBAN       string `json:"iban,omitempty"`
	Count      *int   `json:"count,omitempty"`
	TotalCents *int64 `json:"total_cents,omitempty"`
}

// handleAPICloseSettlement closes a shop's settlement period. Needs an
// Idempotency-Key; a replay answers the first statement again.
func (h *voucherHandler) handleAPICloseSettlement(w http.ResponseWriter, r *http.Request) {
	c, ok := h.adminVouchers(w, r)
	if !ok {
		return
	}
	var req closeSettlementRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var end *time.Time // absent: up to now
	if req.PeriodEnd != "" {
		t, err := time.Parse(time.RFC3339, req.PeriodEnd)
		if err != nil {
			httpx.WriteError(h.log, w, r, apperr.R(apperr.Invalid, "period_end", "period_end must be an RFC 3339 time."))
			return
		}
		end = &t
	}
	shown := vouchers.SettlementShown{IBAN: req.IBAN, Count: req.Count, TotalCents: req.TotalCents}
	st, replayed, err := h.vouchers.CloseSettlementAsShown(r.Context(), c, r.Header.Get("Idempotency-Key"), req.ShopID, end, shown)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	writeReplayable(w, http.StatusCreated, replayed, st)
}

// writeReplayable answers an idempotent request, marking replays.
func writeReplayable(w http.ResponseWriter, status int, replayed bool, v any) {
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	httpx.WriteJSON(w, status, v)
}

// writeRefusal answers an operation's refusal, marking it replayed when it
// is the first request's, kept with its key (OwnAnswerRoutes).
func writeRefusal(log *slog.Logger, w http.ResponseWriter, r *http.Request, replayed bool, err error) {
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	httpx.WriteError(log, w, r, err)
}

type markPaidRequest struct {
	PaymentRef string `json:"payment_ref"`
}

// handleAPIMarkSettlementPaid records the payment of a statement (moves the
// total from the shop's payable to paid). Needs an Idempotency-Key.
func (h *voucherHandler) handleAPIMarkSettlementPaid(w http.ResponseWriter, r *http.Request) {
	c, ok := h.adminVouchers(w, r)
	if !ok {
		return
	}
	var req markPaidRequest
	if err := httpx.DecodeJSON(w, r, &req); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	st, replayed, err := h.vouchers.MarkPaid(r.Context(), c, r.Header.Get("Idempotency-Key"), r.PathValue("id"), req.PaymentRef)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	writeReplayable(w, http.StatusOK, replayed, st)
}

// settlementPageView is a page of statements.
type settlementPageView struct {
	Settlements []vouchers.Settlement `json:"settlements"`
	// Total counts every statement of the list; NextCursor is the cursor
	// of the next page, empty on the last.
	Total      int    `json:"total"`
	NextCursor string `json:"next_cursor"`
}

// writeStatementPage answers a page of the statements of shopID (every
// shop's when empty) as ?cursor= and ?limit= ask.
func (h *voucherHandler) writeStatementPage(w http.ResponseWriter, r *http.Request, c identity.Caller, shopID string) {
	pq, err := voucherPage(r)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	p, err := h.vouchers.StatementPage(r.Context(), c, shopID, pq)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, settlementPageView{Settlements: p.Items, Total: p.Total, NextCursor: p.Next})
}

// handleAPISettlements lists statements newest first, of one shop with
// ?shop_id=, a page at a time.
func (h *voucherHandler) handleAPISettlements(w http.ResponseWriter, r *http.Request) {
	c, ok := h.adminVouchers(w, r)
	if !ok {
		return
	}
	if err := httpx.Once(r.URL.Query(), "shop_id"); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	h.writeStatementPage(w, r, c, r.URL.Query().Get("shop_id"))
}

// handleAPISettlement returns a statement with its lines; ?format=csv (or
// an Accept of text/csv) gives the CSV export, with &dialect=excel the
// spreadsheet's.
func (h *voucherHandler) handleAPISettlement(w http.ResponseWriter, r *http.Request) {
	c, ok := h.adminVouchers(w, r)
	if !ok {
		return
	}
	h.writeStatement(w, r, func() (vouchers.Statement, error) { return h.vouchers.Statement(r.Context(), c, r.PathValue("id")) })
}

// writeStatement answers the statement read gives: JSON, or CSV when
// asked. The format is judged first, so a wrong one reads nothing.
func (h *voucherHandler) writeStatement(w http.ResponseWriter, r *http.Request, read func() (vouchers.Statement, error)) {
	csv, err := httpx.WantsCSV(r)
	var sheet bool
	if err == nil {
		sheet, err = httpx.WantsSpreadsheet(r, csv)
	}
	var st vouchers.Statement
	if err == nil {
		st, err = read()
	}
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	switch {
	case sheet:
		httpx.WriteCSVHeaders(w, "statement-"+st.ID+"-excel.csv")
		_ = vouchers.WriteStatementSpreadsheet(w, st)
		return
	case csv:
		httpx.WriteCSVHeaders(w, "statement-"+st.ID+".csv")
		_ = vouchers.WriteStatementCSV(w, st)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, st)
}

// auditPageWriteTimeout is how long one page of the audit CSV may take to
// send.
const auditPageWriteTimeout = 30 * time.Second

// handleAPIVoucherAudit gives the voucher scheme's audit log, oldest
// first, since ?since= (RFC 3339), of one shop with ?shop_id=, after
// ?cursor=: as JSON one page of ?limit= (1 to vouchers.MaxAuditPage, that
// by default) with the next page's cursor; as CSV (?format=csv) every
// entry, written a page at a time as it is read.
func (h *voucherHandler) handleAPIVoucherAudit(w http.ResponseWriter, r *http.Request) {
	c, ok := h.adminVouchers(w, r)
	if !ok {
		return
	}
	csv, err := httpx.WantsCSV(r)
	var sheet bool
	if err == nil {
		sheet, err = httpx.WantsSpreadsheet(r, csv)
	}
	if err == nil {
		err = httpx.Once(r.URL.Query(), "since", "shop_id")
	}
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	var q vouchers.AuditQuery
	if v := r.URL.Query().Get("since"); v != "" {
		var err error
		if q.Since, err = time.Parse(time.RFC3339, v); err != nil {
			httpx.WriteError(h.log, w, r, apperr.R(apperr.Invalid, "bad_since", "since must be an RFC 3339 time."))
			return
		}
	}
	q.ShopID = r.URL.Query().Get("shop_id")
	if q.Cursor, q.Limit, err = httpx.PageQuery(r, vouchers.MaxAuditPage, vouchers.MaxAuditPage); err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	page, err := h.vouchers.Audit(r.Context(), c, q)
	if err != nil {
		httpx.WriteError(h.log, w, r, err)
		return
	}
	if !csv {
		httpx.WriteJSON(w, http.StatusOK, page)
		return
	}
	out := vouchers.NewAuditCSV(w)
	if sheet {
		httpx.WriteCSVHeaders(w, "voucher-audit-excel.csv")
		out = vouchers.NewAuditSpreadsheet(w, h.vouchers.Zone())
	} else {
		httpx.WriteCSVHeaders(w, "voucher-audit.csv")
	}
	// A log of years takes longer to send than the server's write
	// timeout allows a whole answer: each page gets that time afresh.
	rc := http.NewResponseController(w)
	for {
		_ = rc.SetWriteDeadline(time.Now().Add(auditPageWriteTimeout))
		if err := out.Write(page.Entries); err != nil {
			return // the client went away
		}
		_ = rc.Flush() // each page goes out as it is read
		if page.Next == "" {
			return
		}
		q.Cursor, q.Limit = page.Next, vouchers.MaxAuditPage
		if page, err = h.vouchers.Audit(r.Context(), c, q); err != nil {
			if r.Context().Err() != nil {
				return // the client went away
			}
			// The status and the first pages are sent: the file is cut
			// short, and the client must see that it is (no last chunk),
			// not take it for the whole log.
			h.log.ErrorContext(r.Context(), "voucher audit export cut short", slog.Any("error", err))
			panic(http.ErrAbortHandler)
		}
	}
}
