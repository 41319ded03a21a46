package web

import (
	"context"
	"net/http"

	"cityhub/identity"
	"cityhub/web/httpx"
)

// routes lists every route of the hub, in one place. Each area keeps its own
// block; a handler lives in a file of its own area.
func (s *Server) routes(mux *http.ServeMux) {
	// Operations.
	s.feeds.Register(mux)
	mux.HandleFunc("GET /api/v1/openapi.json", s.handleOpenAPI)

	// Identity: login, tokens, keys.
	if s.Identity != nil {
		mux.HandleFunc("POST /api/v1/auth/login", s.handleAPILogin)
		mux.HandleFunc("POST /api/v1/auth/refresh", s.handleAPIRefresh)
		mux.HandleFunc("POST /api/v1/auth/logout", s.handleAPILogout)
		mux.HandleFunc("GET /api/v1/me", s.handleAPIMe)
		mux.HandleFunc("GET /api/v1/me/data", s.handleAPIMyData)
		mux.HandleFunc("DELETE /api/v1/me", s.handleAPIDeleteMe)
		mux.HandleFunc("POST /api/v1/accounts", s.handleAPISignup)
		mux.HandleFunc("GET /api/v1/accounts/{id}", s.handleAPIAccount)
		mux.HandleFunc("POST /api/v1/admin/accounts", s.handleAPIAdminCreateAccount)
		mux.HandleFunc("PUT /api/v1/admin/accounts/{id}/disabled", s.handleAPIAdminSetDisabled)
	}

	// Wallet.
	if s.Wallet != nil {
		mux.HandleFunc("GET /api/v1/wallet", s.handleAPIWallet)
		mux.HandleFunc("GET /api/v1/wallet/history", s.handleAPIWalletHistory)
		mux.HandleFunc("POST /api/v1/wallet/topups", s.handleAPIWalletTopUp)
		mux.HandleFunc("GET /api/v1/admin/ledger/accounts/{id}", s.handleAPIAdminLedgerAccount)
		mux.HandleFunc("GET /api/v1/admin/ledger/check", s.handleAPIAdminLedgerCheck)
		if s.Payments != nil && s.CardPayments != nil {
			mux.HandleFunc("POST /api/v1/stripe/webhook", s.handleStripeWebhook)
			mux.HandleFunc("GET /api/v1/admin/payments/events", s.handleAPIAdminPaymentEvents)
		}
	}

	// Vouchers.
	if s.Vouchers != nil {
		mux.HandleFunc("GET /api/v1/admin/shops", s.handleAPIShops)
		mux.HandleFunc("POST /api/v1/admin/shops", s.handleAPICreateShop)
		mux.HandleFunc("GET /api/v1/admin/shops/{id}", s.handleAPIShop)
		mux.HandleFunc("PUT /api/v1/admin/shops/{id}", s.handleAPIUpdateShop)
		mux.HandleFunc("GET /api/v1/admin/campaigns", s.handleAPICampaigns)
		mux.HandleFunc("POST /api/v1/admin/campaigns", s.handleAPICreateCampaign)
		mux.HandleFunc("GET /api/v1/admin/campaigns/{id}", s.handleAPICampaign)
		mux.HandleFunc("PUT /api/v1/admin/campaigns/{id}", s.handleAPIUpdateCampaign)
		mux.HandleFunc("POST /api/v1/admin/campaigns/{id}/{action}", s.handleAPICampaignStatus)
		mux.HandleFunc("GET /api/v1/admin/campaigns/{id}/uptake", s.handleAPICampaignUptake)
		mux.HandleFunc("GET /api/v1/admin/settlements", s.handleAPISettlements)
		mux.HandleFunc("POST /api/v1/admin/settlements", s.handleAPICloseSettlement)
		mux.HandleFunc("GET /api/v1/admin/settlements/{id}", s.handleAPISettlement)
		mux.HandleFunc("POST /api/v1/admin/settlements/{id}/paid", s.handleAPIMarkSettlementPaid)
		mux.HandleFunc("GET /api/v1/admin/voucher-audit", s.handleAPIVoucherAudit)
		mux.HandleFunc("GET /api/v1/campaigns", s.handleAPIClaimableCampaigns)
		mux.HandleFunc("POST /api/v1/campaigns/{id}/claim", s.handleAPIClaimVoucher)
		mux.HandleFunc("GET /api/v1/campaigns/{id}/shops", s.handleAPICampaignShops)
		mux.HandleFunc("GET /api/v1/vouchers", s.handleAPIMyVouchers)
		mux.HandleFunc("GET /api/v1/vouchers/{id}", s.handleAPIMyVoucher)
		mux.HandleFunc("GET /api/v1/vouchers/{id}/qr", s.handleAPIVoucherQR)
		mux.HandleFunc("GET /api/v1/vouchers/{id}/qr.png", s.handleAPIVoucherQRPNG)
		mux.HandleFunc("POST /api/v1/merchant/vouchers/preview", s.handleAPIPreviewVoucher)
		mux.HandleFunc("POST /api/v1/merchant/vouchers/redeem", s.handleAPIRedeemVoucher)
		mux.HandleFunc("POST /api/v1/merchant/redemptions/{id}/reverse", s.handleAPIReverseRedemption)
		mux.HandleFunc("GET /api/v1/merchant/redemptions/today", s.handleAPITodayRedemptions)
		mux.HandleFunc("GET /api/v1/merchant/balance", s.handleAPIShopBalance)
		mux.HandleFunc("GET /api/v1/merchant/statements", s.handleAPIShopStatements)
		mux.HandleFunc("GET /api/v1/merchant/statements/{id}", s.handleAPIShopStatement)
		// The merchant scanner page's target (a page route: cookie session and CSRF).
		mux.Handle("POST "+VoucherScanEndpoint, s.pageAction(s.handleVoucherScan, identity.RoleMerchant))
		// The citizen's voucher pages.
		mux.Handle("GET /vouchers", httpx.Secured(s.signedIn(s.handleVouchersPage, identity.RoleCitizen)))
		mux.Handle("POST /vouchers/claim", s.pageAction(s.handleVoucherClaimPage, identity.RoleCitizen))
		mux.Handle("GET /vouchers/campaigns/{id}/shops", httpx.Secured(s.signedIn(s.handleVoucherShopsPage)))
		// The shopkeeper's voucher page.
		mux.Handle("GET /staff/vouchers", httpx.Secured(s.signedIn(s.handleVoucherStaffPage, identity.RoleMerchant)))
		mux.Handle("POST /staff/vouchers/redemptions/{id}/reverse", s.pageAction(s.handleVoucherReversePage, identity.RoleMerchant))
		// The city administrator's voucher page.
		mux.Handle("GET /admin/vouchers", httpx.Secured(s.signedIn(s.handleVoucherAdminPage, identity.RoleAdmin)))
		mux.Handle("POST /admin/vouchers/campaigns", s.pageAction(s.handleVoucherAdminCreateCampaign, identity.RoleAdmin))
		mux.Handle("POST /admin/vouchers/campaigns/{id}/{action}", s.pageAction(s.handleVoucherAdminCampaignStatus, identity.RoleAdmin))
		mux.Handle("POST /admin/vouchers/shops", s.pageAction(s.handleVoucherAdminCreateShop, identity.RoleAdmin))
		mux.Handle("POST /admin/vouchers/shops/{id}/settle", s.pageAction(s.handleVoucherAdminSettle, identity.RoleAdmin))
		mux.Handle("POST /admin/vouchers/settlements/{id}/paid", s.pageAction(s.handleVoucherAdminMarkPaid, identity.RoleAdmin))
		mux.Handle("POST /admin/vouchers/shops/{id}/staff", s.pageAction(s.handleVoucherAdminAddStaff, identity.RoleAdmin))
	}

	// Mobility and GBFS.
	if s.Mobility != nil {
		mux.HandleFunc("GET /api/v1/mobility/stations", s.handleAPIMobilityStations)
		mux.HandleFunc("GET /api/v1/mobility/stations/{id}", s.handleAPIMobilityStation)
		mux.HandleFunc("POST /api/v1/mobility/unlock", s.handleAPIMobilityUnlock)
		mux.HandleFunc("GET /api/v1/mobility/rides/current", s.handleAPIMobilityCurrentRide)
		mux.HandleFunc("GET /api/v1/mobility/rides", s.handleAPIMobilityRides)
		mux.HandleFunc("GET /api/v1/operator/mobility/stations", s.handleAPIOperatorStations)
		mux.HandleFunc("GET /api/v1/operator/mobility/stations/{id}/occupancy", s.handleAPIOperatorOccupancy)
		mux.HandleFunc("PUT /api/v1/operator/mobility/stations/{id}/status", s.handleAPIOperatorStationStatus)
		mux.HandleFunc("PUT /api/v1/operator/mobility/stations/{id}/docks/{dock}", s.handleAPIOperatorDock)
		mux.HandleFunc("GET /api/v1/operator/mobility/incidents", s.handleAPIIncidents)
		mux.HandleFunc("POST /api/v1/operator/mobility/incidents/{id}/resolve", s.handleAPIResolveIncident)
		mux.HandleFunc("GET /api/v1/admin/mobility/credentials", s.handleAPIStationCredentials)
		mux.HandleFunc("GET /api/v1/admin/mobility/stations/{id}/credential", s.handleAPIStationCredential)
		mux.HandleFunc("POST /api/v1/admin/mobility/stations/{id}/credential", s.handleAPIIssueStationCredential)
		mux.HandleFunc("POST /api/v1/admin/mobility/stations/{id}/credential/rotate", s.handleAPIRotateStationCredential)
		mux.HandleFunc("DELETE /api/v1/admin/mobility/stations/{id}/credential", s.handleAPIRevokeStationCredential)
		mux.HandleFunc("POST /api/v1/operator/mobility/stations/{id}/reset", s.handleAPIOperatorStationReset)
		s.mobilityCatalogues(mux)
		// The rider's and the operator's bike pages.
		s.mobilityPages(mux)
		// The city administrator's bike catalogue pages.
		s.mobilityAdminPages(mux)
	}

	// Ticketing.
	if s.Ticketing != nil {
		mux.HandleFunc("GET /api/v1/performances", s.handleAPIPerformances)
		mux.HandleFunc("GET /api/v1/performances/{id}/seats", s.handleAPIPerformanceSeats)
		mux.HandleFunc("POST /api/v1/performances/{id}/holds", s.handleAPIHoldSeats)
		mux.HandleFunc("GET /api/v1/ticket-orders", s.handleAPITicketOrders)
		mux.HandleFunc("GET /api/v1/ticket-orders/{id}", s.handleAPITicketOrder)
		mux.HandleFunc("POST /api/v1/ticket-orders/{id}/pay", s.handleAPIPayTicketOrder)
		mux.HandleFunc("GET /api/v1/tickets", s.handleAPIMyTickets)
		mux.HandleFunc("GET /api/v1/tickets/{id}/qr", s.handleAPITicketQR)
		mux.HandleFunc("GET /api/v1/door/performances", s.handleAPIDoorPerformances)
		mux.HandleFunc("GET /api/v1/door/performances/{id}/list", s.handleAPIDoorList)
		mux.HandleFunc("POST /api/v1/door/tickets/verify", s.handleAPIVerifyTicket)
		mux.HandleFunc("POST /api/v1/door/tickets/check-in", s.handleAPICheckInTicket)
		mux.HandleFunc("GET /api/v1/admin/venues", s.handleAPIVenues)
		mux.HandleFunc("POST /api/v1/admin/venues", s.handleAPICreateVenue)
		mux.HandleFunc("GET /api/v1/admin/venues/{id}/seats", s.handleAPIVenueSeats)
		mux.HandleFunc("PUT /api/v1/admin/venues/{id}/seats", s.handleAPISetVenueSeats)
		mux.HandleFunc("GET /api/v1/admin/performances", s.handleAPIAdminPerformances)
		mux.HandleFunc("POST /api/v1/admin/performances", s.handleAPICreatePerformance)
		mux.HandleFunc("PUT /api/v1/admin/performances/{id}", s.handleAPIUpdatePerformance)
		mux.HandleFunc("POST /api/v1/admin/performances/{id}/cancel", s.handleAPICancelPerformance)
		mux.HandleFunc("GET /api/v1/admin/performances/{id}/stats", s.handleAPIPerformanceStats)
		mux.HandleFunc("POST /api/v1/admin/ticket-orders/{id}/refund", s.handleAPIRefundTicketOrder)
		// The door scanner page's target (a page route: cookie session and CSRF).
		mux.Handle("POST "+TicketScanEndpoint, s.pageAction(s.handleTicketScan, identity.RoleDoor))
		// The citizen's theatre pages.
		s.ticketingPages(mux)
		// The city administrator's theatre page.
		s.ticketingAdminPages(mux)
	}

	// The e-mail outbox (administrators).
	if s.Outbox != nil {
		s.outboxRoutes(mux)
	}

	// Pages (html, cookie sessions, CSRF on every form post).
	s.loadPagesOnce()
	if s.PageAccounts == nil && s.Identity != nil {
		s.PageAccounts = s.Identity
	}
	if s.PageWallet == nil && s.Wallet != nil {
		s.PageWallet = s.Wallet
	}
	if s.ExportAccount == nil && s.Identity != nil {
		s.ExportAccount = func(ctx context.Context, id string) (any, error) { return s.Identity.Export(ctx, id) }
	}
	page := func(pattern string, h http.Handler) { mux.Handle(pattern, httpx.Secured(h)) }
	page("GET /static/{sum}/{name...}", http.HandlerFunc(s.handleStatic))
	page("/", http.HandlerFunc(s.handleHome))
	page("GET /login", http.HandlerFunc(s.handleLoginPage))
	page("POST /login", s.csrfProtected(s.handleLogin))
	page("POST /logout", s.csrfProtected(s.handleLogout))
	page("POST /language", s.csrfProtected(s.handleLanguage))
	page("GET /wallet", s.signedIn(s.handleWallet, identity.RoleCitizen))
	page("GET /wallet/items/{kind}/{id}/qr.png", s.signedIn(s.handleItemQR, identity.RoleCitizen))
	page("GET /privacy", s.signedIn(s.handlePrivacy))
	page("GET /privacy/my-data.json", s.signedIn(s.handleExport))
	page("POST /privacy/delete", s.csrfProtected(s.signedIn(s.handleDeleteAccount)))
	page("GET /staff/scan", s.signedIn(s.handleScanner, identity.RoleMerchant, identity.RoleDoor))
	page("GET /admin", s.signedIn(s.handleAdminDashboard, identity.RoleAdmin))
	page("GET /operator", s.signedIn(s.handleOperatorDashboard, identity.RoleOperator))

	// Unknown API paths answer problem+json rather than the mux's text 404.
	mux.HandleFunc("/api/", s.handleAPINotFound)
}

func (s *Server) handleAPINotFound(w http.ResponseWriter, r *http.Request) {
	httpx.WriteProblem(w, httpx.Problem{Type: "https://cityhub.example/problems/not_found", Title: "Not Found", Status: http.StatusNotFound,
		Detail: "No such API endpoint.", Instance: r.URL.Path, Code: "not_found"})
}
