package ui

import (
	"net/http"

	"cityhub/identity"
	"cityhub/web/httpx"
)

// Register adds every page route to mux: html pages with cookie sessions,
// CSRF on every form post, and the security headers. The pages of an area
// whose service is missing are left out.
//
// Wrappers: page is a GET page for the given roles (any signed-in account
// without roles); action is a form post or scanner call (CSRF, then the
// role check).
func (u *UI) Register(mux *http.ServeMux) {
	s := u.site
	s.routes = mux
	page := func(h pageHandler, roles ...identity.Role) http.Handler {
		return httpx.Secured(s.signedIn(h, roles...))
	}
	action := s.pageAction
	admin, citizen, merchant, door, operator := identity.RoleAdmin, identity.RoleCitizen, identity.RoleMerchant, identity.RoleDoor, identity.RoleOperator

	// Everyone's pages.
	h := u.home
	// Every path under /static is the static handler's, so that a missing
	// file is its plain 404, where the mux would redirect /static/x to the
	// directory URL /static/x/.
	mux.Handle("GET /static", httpx.Secured(http.HandlerFunc(s.handleStatic)))
	mux.Handle("GET /static/{file...}", httpx.Secured(http.HandlerFunc(s.handleStatic)))
	mux.Handle("/", httpx.Secured(h.unrouted(mux, u.accounts.offRoute)))
	mux.Handle("GET /login", httpx.Secured(http.HandlerFunc(h.handleLoginPage)))
	mux.Handle("POST /login", httpx.Secured(s.csrfProtected(h.handleLogin)))
	mux.Handle("POST /logout", httpx.Secured(s.signOutForm(h.handleLogout)))
	mux.Handle("POST /language", httpx.Secured(s.preferForm(h.handleLanguage)))
	mux.Handle("GET /wallet", page(h.handleWallet, citizen))
	mux.Handle("GET /wallet/items/{kind}/{id}/qr.png", page(h.handleItemQR, citizen))
	mux.Handle("GET /privacy", page(h.handlePrivacy))
	mux.Handle("GET /privacy/my-data.json", page(h.handleExport))
	mux.Handle("POST /privacy/delete", httpx.Secured(h.deletionForm(s.signedIn(h.handleDeleteAccount))))
	mux.Handle("GET /staff/scan", page(h.handleScanner, merchant, door))
	st := u.staffPages(mux)
	mux.Handle("GET /admin", page(st.handleAdminDashboard, admin))
	// The administrator opens every page under it (the mobility service
	// lets them), so its dashboard too, where it answered 403.
	mux.Handle("GET /operator", page(h.handleOperatorDashboard, operator, admin))

	// Staff tools: the ledger and reports page, the card refunds, the
	// Stripe events kept for an operator, and the confirmation pages of actions that cannot be undone (staff_forms.go).
	mux.Handle("GET /admin/reports", page(st.handleReports, admin))
	mux.Handle("POST /admin/reports/recheck", action(st.handleReportsRecheck, admin))
	if st.accounts != nil {
		mux.Handle("GET /admin/ledger/accounts", page(st.handleLedgerAccountFind, admin))
		mux.Handle("GET /admin/ledger/accounts/{id}", page(st.handleLedgerAccount, admin))
	}
	if st.ticketing != nil || st.topUps != nil {
		mux.Handle("GET /admin/refunds", page(st.handleCardRefundsPage, admin))
		mux.Handle("POST /admin/refunds/{order}/retry", action(st.handleCardRefundRetry, admin))
		mux.Handle("POST /admin/refunds/topups/{id}/retry", action(st.handleTopUpRefundRetry, admin))
	}
	if st.events != nil {
		mux.Handle("GET /admin/payments/events", page(st.handlePaymentEventsPage, admin))
	}

	// The visitor pages (help, contacts, accessibility, legal notes,
	// privacy policy, cookies, open data): public, signed in or not.
	visitor := func(path string) http.Handler { return httpx.Secured(s.sitePageHandler(sitePageAt(path))) }
	mux.Handle("GET /aiuto", visitor("/aiuto"))
	mux.Handle("GET /contatti", visitor("/contatti"))
	mux.Handle("GET /accessibilita", visitor("/accessibilita"))
	mux.Handle("GET /note-legali", visitor("/note-legali"))
	mux.Handle("GET /privacy-policy", visitor("/privacy-policy"))
	mux.Handle("GET /cookie", visitor("/cookie"))
	mux.Handle("GET /dati-aperti", httpx.Secured(http.HandlerFunc(s.handleOpenDataPage)))

	// Vouchers.
	if v := u.vouchers; v != nil {
		// The merchant scanner page's target (VoucherScanEndpoint).
		mux.Handle("POST /staff/vouchers/redeem", action(v.handleVoucherScan, merchant))
		// The citizen's voucher pages.
		mux.Handle("GET /vouchers", page(v.handleVouchersPage, citizen))
		mux.Handle("POST /vouchers/claim", action(v.handleVoucherClaimPage, citizen))
		mux.Handle("GET /vouchers/campaigns/{id}/shops", page(v.handleVoucherShopsPage))
		// The shopkeeper's voucher page.
		mux.Handle("GET /staff/vouchers", page(v.handleVoucherStaffPage, merchant))
		mux.Handle("GET /staff/vouchers/redemptions/{id}/reverse", page(v.handleVoucherReverseConfirm, merchant))
		mux.Handle("POST /staff/vouchers/redemptions/{id}/reverse", action(v.handleVoucherReversePage, merchant))
		// The city administrator's voucher page.
		mux.Handle("GET /admin/vouchers", page(v.handleVoucherAdminPage, admin))
		mux.Handle("POST /admin/vouchers/campaigns", action(v.handleVoucherAdminCreateCampaign, admin))
		mux.Handle("GET /admin/vouchers/campaigns/{id}/close", page(v.handleVoucherAdminCloseConfirm, admin))
		mux.Handle("POST /admin/vouchers/campaigns/{id}/{action}", action(v.handleVoucherAdminCampaignStatus, admin))
		mux.Handle("POST /admin/vouchers/shops", action(v.handleVoucherAdminCreateShop, admin))
		mux.Handle("GET /admin/vouchers/shops/{id}/settle", page(v.handleVoucherAdminSettleConfirm, admin))
		mux.Handle("POST /admin/vouchers/shops/{id}/settle", action(v.handleVoucherAdminSettle, admin))
		mux.Handle("POST /admin/vouchers/settlements/{id}/paid", action(v.handleVoucherAdminMarkPaid, admin))
	}

	// Bikes: the rider's and the operator's pages. The mobility service
	// decides who may; the wrappers only send visitors to log in.
	if b := u.bikes; b != nil {
		// The stations, their bikes and prices are everyone's, as the
		// open GBFS feeds and the station API are; unlocking, a ride and
		// its history ask for a sign-in.
		mux.Handle("GET /bikes", b.mapped(s.anyone(b.handleBikeStations)))
		mux.Handle("GET /bikes/stations/{id}", httpx.Secured(s.anyone(b.handleBikeStation)))
		mux.Handle("POST /bikes/unlock", action(b.handleBikeUnlock))
		mux.Handle("GET /bikes/rides", page(b.handleBikeRides))
		mux.Handle("GET /bikes/rides/{id}", page(b.handleBikeRide))
		mux.Handle("GET /operator/bikes", page(b.handleOperatorBikes))
		mux.Handle("GET /operator/bikes/stations/{id}", page(b.handleOperatorBikeStation))
		mux.Handle("GET /operator/bikes/stations/{id}/open", page(b.handleOperatorStationOpenConfirm))
		mux.Handle("POST /operator/bikes/stations/{id}/open", action(b.handleOperatorStationOpen))
		mux.Handle("POST /operator/bikes/stations/{id}/reset", action(b.handleOperatorStationReset))
		mux.Handle("POST /operator/bikes/stations/{id}/docks/{dock}", action(b.handleOperatorDockService))
		mux.Handle("POST /operator/bikes/incidents/{id}/resolve", action(b.handleResolveIncident))
		// Riders' favourites and fault reports; the operators' list of them.
		mux.Handle("POST /bikes/stations/{id}/favourite", action(b.handleBikeFavourite))
		mux.Handle("POST /bikes/reports", action(b.handleBikeReport))
		mux.Handle("GET /operator/bikes/reports", page(b.handleOperatorReports))
		mux.Handle("POST /operator/bikes/reports/{id}/resolve", action(b.handleOperatorReportResolve))
		mux.Handle("GET /admin/bikes/stations/{id}/credential", page(b.handleCredentialPage))
		mux.Handle("POST /admin/bikes/stations/{id}/credential", action(b.handleCredentialAction))
	}

	// Bikes: the city administrator's catalogue, the same seven routes for
	// each kind.
	if a := u.bikeAdmin; a != nil {
		st, bk, vt, pp := kindStations, kindBikes, kindTypes, kindPlans
		mux.Handle("GET /admin/bikes", page(a.handleBikeAdmin))
		mux.Handle("GET /admin/bikes/stations", page(a.bikeAdminList(st)))
		mux.Handle("GET /admin/bikes/stations/new", page(a.bikeAdminForm(st, false)))
		mux.Handle("POST /admin/bikes/stations", action(a.bikeAdminSave(st, false)))
		mux.Handle("GET /admin/bikes/stations/{id}", page(a.bikeAdminForm(st, true)))
		mux.Handle("POST /admin/bikes/stations/{id}", action(a.bikeAdminSave(st, true)))
		mux.Handle("GET /admin/bikes/stations/{id}/delete", page(a.bikeAdminDeleteConfirm(st)))
		mux.Handle("POST /admin/bikes/stations/{id}/delete", action(a.bikeAdminDelete(st)))
		mux.Handle("GET /admin/bikes/fleet", page(a.bikeAdminList(bk)))
		mux.Handle("GET /admin/bikes/fleet/new", page(a.bikeAdminForm(bk, false)))
		mux.Handle("POST /admin/bikes/fleet", action(a.bikeAdminSave(bk, false)))
		mux.Handle("GET /admin/bikes/fleet/{id}", page(a.bikeAdminForm(bk, true)))
		mux.Handle("POST /admin/bikes/fleet/{id}", action(a.bikeAdminSave(bk, true)))
		mux.Handle("GET /admin/bikes/fleet/{id}/delete", page(a.bikeAdminDeleteConfirm(bk)))
		mux.Handle("POST /admin/bikes/fleet/{id}/delete", action(a.bikeAdminDelete(bk)))
		mux.Handle("GET /admin/bikes/vehicle-types", page(a.bikeAdminList(vt)))
		mux.Handle("GET /admin/bikes/vehicle-types/new", page(a.bikeAdminForm(vt, false)))
		mux.Handle("POST /admin/bikes/vehicle-types", action(a.bikeAdminSave(vt, false)))
		mux.Handle("GET /admin/bikes/vehicle-types/{id}", page(a.bikeAdminForm(vt, true)))
		mux.Handle("POST /admin/bikes/vehicle-types/{id}", action(a.bikeAdminSave(vt, true)))
		mux.Handle("GET /admin/bikes/vehicle-types/{id}/delete", page(a.bikeAdminDeleteConfirm(vt)))
		mux.Handle("POST /admin/bikes/vehicle-types/{id}/delete", action(a.bikeAdminDelete(vt)))
		mux.Handle("GET /admin/bikes/pricing-plans", page(a.bikeAdminList(pp)))
		mux.Handle("GET /admin/bikes/pricing-plans/new", page(a.bikeAdminForm(pp, false)))
		mux.Handle("POST /admin/bikes/pricing-plans", action(a.bikeAdminSave(pp, false)))
		mux.Handle("GET /admin/bikes/pricing-plans/{id}", page(a.bikeAdminForm(pp, true)))
		mux.Handle("POST /admin/bikes/pricing-plans/{id}", action(a.bikeAdminSave(pp, true)))
		mux.Handle("GET /admin/bikes/pricing-plans/{id}/delete", page(a.bikeAdminDeleteConfirm(pp)))
		mux.Handle("POST /admin/bikes/pricing-plans/{id}/delete", action(a.bikeAdminDelete(pp)))
	}

	// Theatre.
	if t := u.theatre; t != nil {
		// The door scanner page's target (TicketScanEndpoint).
		mux.Handle("POST /staff/tickets/check-in", action(t.handleTicketScan, door))
		// Where the door scanner page sends the entries it let in offline
		// (OfflineEntriesEndpoint).
		mux.Handle("POST /staff/tickets/offline-entries", action(t.handleOfflineEntries, door))
		// The programme and a performance's hall with its prices are
		// everyone's, as a city's theatre programme is; holding seats,
		// orders and tickets ask for a citizen's sign-in.
		mux.Handle("GET /theatre", httpx.Secured(s.anyone(t.handleTheatrePage)))
		mux.Handle("GET /theatre/performances/{id}", httpx.Secured(s.anyone(t.handleSeatPickerPage)))
		mux.Handle("POST /theatre/performances/{id}/buy", action(t.handleBuySeatsPage, citizen))
		// The city administrator's theatre page.
		mux.Handle("GET /admin/theatre", page(t.handleTheatreAdminPage, admin))
		mux.Handle("POST /admin/theatre/venues", action(t.handleTheatreAdminCreateVenue, admin))
		mux.Handle("POST /admin/theatre/venues/{id}/seats", action(t.handleTheatreAdminSeatMap, admin))
		mux.Handle("POST /admin/theatre/venues/{id}/categories", action(t.handleTheatreAdminCategoryNames, admin))
		mux.Handle("POST /admin/theatre/performances", action(t.handleTheatreAdminCreatePerformance, admin))
		mux.Handle("GET /admin/theatre/performances/{id}/cancel", page(t.handleTheatreAdminCancelConfirm, admin))
		mux.Handle("GET /admin/theatre/performances/{id}/doubles", page(t.handleTheatreAdminDoubles, admin))
		mux.Handle("POST /admin/theatre/performances/{id}/cancel", action(t.handleTheatreAdminCancel, admin))
		mux.Handle("GET /admin/theatre/refunds", page(t.handleTheatreAdminRefundConfirm, admin))
		mux.Handle("POST /admin/theatre/refunds", action(t.handleTheatreAdminRefund, admin))
	}

	// Top-ups and card payments (payments.go): the top-up page, and the
	// theatre order page that offers a top-up or the card when credit is
	// short. The Stripe webhook, which alone confirms a card payment, is
	// the JSON API's.
	if p := u.pay; p != nil {
		mux.Handle("GET /wallet/topup", page(p.handleTopUpPage, citizen))
		mux.Handle("POST /wallet/topup", action(p.handleTopUp, citizen))
	}
	if t := u.theatre; t != nil {
		mux.Handle("GET /theatre/orders/{id}", page(t.handleOrderPage, citizen))
		mux.Handle("POST /theatre/orders/{id}/pay", action(t.handleOrderPay, citizen))
		mux.Handle("POST /theatre/orders/{id}/release", action(t.handleOrderRelease, citizen))
		mux.Handle("GET /theatre/orders/{id}/cancel", page(t.handleOrderCancelPage, citizen))
		mux.Handle("POST /theatre/orders/{id}/cancel", action(t.handleOrderCancel, citizen))
	}
	// Accounts (account*.go): sign-up, the pages of the e-mailed links
	// (mail.PathConfirmEmail, PathResetPassword, PathForgotPassword), the
	// account page, and the SPID/CIE login, whose routes answer 404 without
	// a provider. Every form is CSRF-protected, before sign-in too. The
	// SPID/CIE buttons are links: the page's CSP (form-action 'self') would
	// stop a form's redirect to the provider, and starting a login changes
	// nothing but a cookie of the browser that asked.
	if a := u.accounts; a != nil {
		open := func(h http.HandlerFunc) http.Handler { return httpx.Secured(h) }
		form := func(h http.HandlerFunc) http.Handler { return httpx.Secured(s.csrfProtected(h)) }
		// spid answers 404 without a provider before anything else (the
		// session, the CSRF token), so that every SPID/CIE route answers
		// alike; with one, a route needing a session sends a visitor to
		// sign in first.
		spid := func(h http.Handler) http.Handler { return httpx.Secured(a.oidcOnly(h)) }
		mux.Handle("GET /signup", open(a.handleSignupPage))
		mux.Handle("POST /signup", form(a.handleSignup))
		mux.Handle("GET /signup/sent", open(a.handleSignupSent))
		mux.Handle("POST /account/verify/resend", form(a.handleResend))
		mux.Handle("GET /account/confirm", open(a.handleConfirmPage))
		mux.Handle("POST /account/confirm", form(a.handleConfirm))
		mux.Handle("GET /password/forgot", open(a.handleForgotPage))
		mux.Handle("POST /password/forgot", form(a.handleForgot))
		mux.Handle("GET /password/forgot/sent", open(a.handleForgotSent))
		mux.Handle("GET /password/reset", open(a.handleResetPage))
		mux.Handle("POST /password/reset", form(a.handleReset))
		mux.Handle("GET /account", page(a.handleAccountPage))
		mux.Handle("POST /account/password", action(a.handleChangePassword))
		mux.Handle("POST /account/email", action(a.handleChangeEmail))
		mux.Handle("POST /account/language", action(a.handleChangeLanguage))
		mux.Handle("GET /account/spid", spid(page(a.handleOIDCLinkStart)))
		mux.Handle("POST /account/email/spid", spid(action(a.handleChangeEmailSPID)))
		mux.Handle("GET /login/oidc/email", spid(page(a.handleEmailSPIDStart)))
		mux.Handle("GET /login/oidc", spid(open(a.handleOIDCStart)))
		mux.Handle("GET /login/oidc/callback", spid(open(a.handleOIDCCallback)))
		mux.Handle("GET /login/oidc/link", spid(open(a.handleOIDCLinkPage)))
		mux.Handle("POST /login/oidc/link", spid(form(a.handleOIDCLink)))
		mux.Handle("GET /login/oidc/connect", spid(page(a.handleOIDCConnectPage)))
		mux.Handle("POST /login/oidc/connect", spid(action(a.handleOIDCConnect)))
	}

	// The city administrator's account pages (accounts_admin.go): the
	// search, one account with its roles, disabling and enabling after a
	// confirmation, clearing its login limits, a new staff account.
	if a := u.accountAdmin; a != nil {
		mux.Handle("GET /admin/accounts", page(a.handleAccountsPage, admin))
		mux.Handle("GET /admin/accounts/new", page(a.handleNewAccountPage, admin))
		mux.Handle("POST /admin/accounts", action(a.handleNewAccount, admin))
		mux.Handle("GET /admin/accounts/{id}", page(a.handleAccountPage, admin))
		mux.Handle("POST /admin/accounts/{id}/grants", action(a.handleAccountGrants, admin))
		mux.Handle("GET /admin/accounts/{id}/disable", page(a.handleAccountDisableConfirm, admin))
		mux.Handle("POST /admin/accounts/{id}/disable", action(a.handleAccountDisable, admin))
		mux.Handle("GET /admin/accounts/{id}/enable", page(a.handleAccountEnableConfirm, admin))
		mux.Handle("POST /admin/accounts/{id}/enable", action(a.handleAccountEnable, admin))
		mux.Handle("POST /admin/accounts/{id}/login-limits", action(a.handleAccountClearLimits, admin))
	}

	// The e-mail outbox (administrators).
	if o := u.outbox; o != nil {
		mux.Handle("GET /admin/outbox", page(o.handleOutboxPage, admin))
		mux.Handle("GET /admin/outbox/{id}", page(o.handleOutboxMessagePage, admin))
		mux.Handle("POST /admin/outbox/{id}/retry", action(o.handleOutboxRetryPage, admin))
	}

	// Citizens' reports and proposals. The lists and a report's or a
	// proposal's page are open to anyone; the map pages allow the tile
	// host's images. The service decides who may do what; staff pages
	// let through office staff and administrators.
	if p := u.parts; p != nil {
		staff := identity.RoleCityStaff
		mux.Handle("GET /reports", p.mapped(s.anyone(p.handleReports)))
		mux.Handle("GET /reports/new", p.mapped(s.signedIn(p.handleReportForm, citizen)))
		mux.Handle("POST /reports", p.uploadAction(p.handleReportCreate, citizen))
		mux.Handle("GET /reports/mine", page(p.handleMyReports, citizen))
		mux.Handle("GET /reports/{id}", p.mapped(s.anyone(p.handleReport)))
		mux.Handle("POST /reports/{id}/reopen", action(p.handleReopen, citizen))
		mux.Handle("GET /reports/photos/{id}", httpx.Secured(s.anyone(p.handlePhoto(false))))
		mux.Handle("GET /reports/photos/{id}/thumbnail", httpx.Secured(s.anyone(p.handlePhoto(true))))
		mux.Handle("GET /staff/reports", page(p.handleQueue, staff, admin))
		mux.Handle("GET /staff/reports/photos", page(p.handlePendingPhotos, staff, admin))
		mux.Handle("GET /staff/reports/{id}", p.mapped(s.signedIn(p.handleStaffReport, staff, admin)))
		mux.Handle("POST /staff/reports/{id}/status", action(p.handleStatus, staff, admin))
		mux.Handle("POST /staff/reports/{id}/merge", action(p.handleMerge, staff, admin))
		mux.Handle("POST /staff/reports/{id}/redact", action(p.handleRedact, staff, admin))
		mux.Handle("POST /staff/photos/{id}", action(p.handleModeratePhoto, staff, admin))
		mux.Handle("GET /staff/comments", page(p.handleFlaggedComments, staff, admin))
		mux.Handle("POST /staff/comments/{id}", action(p.handleModerateComment, staff, admin))
		mux.Handle("POST /staff/comments/{id}/show", action(p.handleShowComment, staff, admin))
		mux.Handle("GET /proposals", httpx.Secured(s.anyone(p.handleProposals)))
		mux.Handle("GET /proposals/new", page(p.handleProposalForm, citizen))
		mux.Handle("POST /proposals", action(p.handleProposalCreate, citizen))
		mux.Handle("GET /proposals/{id}", httpx.Secured(s.anyone(p.handleProposal)))
		mux.Handle("POST /proposals/{id}/support", action(p.handleSupport(), citizen))
		mux.Handle("POST /proposals/{id}/follow", action(p.handleFollow()))
		mux.Handle("POST /proposals/{id}/comments", action(p.handleComment(), citizen))
		mux.Handle("POST /proposals/{id}/answer", action(p.handleAnswer(), admin))
		mux.Handle("POST /comments/{id}/flag", action(p.handleFlag, citizen))
	}
}

// staffPages gathers the areas the administrator's dashboard and reports
// page read; mux lets the dashboard see which other areas' pages exist.
func (u *UI) staffPages(mux *http.ServeMux) *staffPages {
	st := &staffPages{site: u.site, mux: mux, outbox: u.outbox != nil}
	if lc, ok := u.home.wallet.(LedgerChecker); ok {
		st.ledger = lc
	}
	st.accounts = u.home.wallet
	if tr, ok := u.home.erasure.(TopUpRefunds); ok {
		st.topUps = tr
	}
	// The kept Stripe events exist where the webhook does: with Stripe and
	// the card payments' record both configured.
	if p := u.pay; p != nil && p.Stripe != nil && p.Cards != nil {
		if ev, ok := p.Cards.(PaymentEvents); ok {
			st.events = ev
		}
	}
	if u.vouchers != nil {
		st.vouchers = u.vouchers.vouchers
	}
	if u.bikes != nil {
		st.mobility = u.bikes.mobility
	}
	if u.theatre != nil {
		st.ticketing = u.theatre.ticketing
	}
	return st
}
