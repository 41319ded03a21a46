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
	// The surfaces: open feeds and the JSON API.
	s.feeds.Register(mux)
	s.api.Register(mux)

	// Vouchers.
	if s.Vouchers != nil {
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

	// Mobility.
	if s.Mobility != nil {
		// The rider's and the operator's bike pages.
		s.mobilityPages(mux)
		// The city administrator's bike catalogue pages.
		s.mobilityAdminPages(mux)
	}

	// Ticketing.
	if s.Ticketing != nil {
		// The door scanner page's target (a page route: cookie session and CSRF).
		mux.Handle("POST "+TicketScanEndpoint, s.pageAction(s.handleTicketScan, identity.RoleDoor))
		// The citizen's theatre pages.
		s.ticketingPages(mux)
		// The city administrator's theatre page.
		s.ticketingAdminPages(mux)
	}

	// The e-mail outbox (administrators).
	if s.Outbox != nil {
		mux.Handle("GET /admin/outbox", httpx.Secured(s.signedIn(s.handleOutboxPage, identity.RoleAdmin)))
		mux.Handle("GET /admin/outbox/{id}", httpx.Secured(s.signedIn(s.handleOutboxMessagePage, identity.RoleAdmin)))
		mux.Handle("POST /admin/outbox/{id}/retry", s.pageAction(s.handleOutboxRetryPage, identity.RoleAdmin))
		s.addDashboardPanel(identity.RoleAdmin, DashboardPanel{TitleKey: "outbox.panel.title", TextKey: "outbox.panel.text", Href: "/admin/outbox"})
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
}
