package api

import "net/http"

// Register adds every route of the JSON API to mux; the routes of an area
// whose service is missing are left out, and answer 404 problem+json.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/openapi.json", handleOpenAPI)

	// Identity: login, tokens, accounts.
	if a.accounts != nil {
		mux.HandleFunc("POST /api/v1/auth/login", a.accounts.handleAPILogin)
		mux.HandleFunc("POST /api/v1/auth/refresh", a.accounts.handleAPIRefresh)
		mux.HandleFunc("POST /api/v1/auth/logout", a.accounts.handleAPILogout)
		mux.HandleFunc("GET /api/v1/me", a.accounts.handleAPIMe)
		mux.HandleFunc("GET /api/v1/me/data", a.accounts.handleAPIMyData)
		mux.HandleFunc("DELETE /api/v1/me", a.noBody(a.accounts.handleAPIDeleteMe))
		mux.HandleFunc("POST /api/v1/accounts", a.accounts.handleAPISignup)
		mux.HandleFunc("POST /api/v1/accounts/verification-emails", a.accounts.handleAPIResendVerification)
		mux.HandleFunc("POST /api/v1/accounts/email-confirmations", a.accounts.handleAPIConfirmEmail)
		mux.HandleFunc("POST /api/v1/password-resets", a.accounts.handleAPIRequestPasswordReset)
		mux.HandleFunc("POST /api/v1/password-resets/complete", a.accounts.handleAPIResetPassword)
		mux.HandleFunc("PUT /api/v1/me/password", a.accounts.handleAPIChangePassword)
		mux.HandleFunc("PUT /api/v1/me/locale", a.accounts.handleAPIChangeMyLocale)
		mux.HandleFunc("POST /api/v1/me/email-changes", a.accounts.handleAPIChangeEmail)
		mux.HandleFunc("GET /api/v1/accounts/{id}", a.accounts.handleAPIAccount)
		mux.HandleFunc("GET /api/v1/admin/accounts", a.accounts.handleAPIAdminAccounts)
		mux.HandleFunc("POST /api/v1/admin/accounts", a.accounts.handleAPIAdminCreateAccount)
		mux.HandleFunc("PUT /api/v1/admin/accounts/{id}/grants", a.accounts.handleAPIAdminSetGrants)
		mux.HandleFunc("PUT /api/v1/admin/accounts/{id}/disabled", a.accounts.handleAPIAdminSetDisabled)
	}

	// Wallet.
	if a.wallet != nil {
		mux.HandleFunc("GET /api/v1/wallet", a.wallet.handleAPIWallet)
		mux.HandleFunc("GET /api/v1/wallet/history", a.wallet.handleAPIWalletHistory)
		mux.HandleFunc("POST /api/v1/wallet/topups", a.wallet.handleAPIWalletTopUp)
		mux.HandleFunc("GET /api/v1/wallet/topups", a.wallet.handleAPIWalletTopUps)
		mux.HandleFunc("GET /api/v1/admin/ledger/accounts/{id}", a.wallet.handleAPIAdminLedgerAccount)
		mux.HandleFunc("GET /api/v1/admin/ledger/check", a.wallet.handleAPIAdminLedgerCheck)
		if a.wallet.payments != nil && a.wallet.cardPayments != nil {
			mux.HandleFunc("POST /api/v1/stripe/webhook", a.wallet.handleStripeWebhook)
			mux.HandleFunc("GET /api/v1/admin/payments/events", a.wallet.handleAPIAdminPaymentEvents)
		} else {
			// Not there without card payments, and said why, with the
			// reason a top-up or a ticket's card payment gives on such a hub.
			mux.HandleFunc("POST /api/v1/stripe/webhook", paymentsOff)
			mux.HandleFunc("GET /api/v1/admin/payments/events", paymentsOff)
		}
	}

	// Vouchers.
	if a.vouchers != nil {
		mux.HandleFunc("GET /api/v1/admin/shops", a.vouchers.handleAPIShops)
		mux.HandleFunc("POST /api/v1/admin/shops", a.vouchers.handleAPICreateShop)
		mux.HandleFunc("GET /api/v1/admin/shops/{id}", a.vouchers.handleAPIShop)
		mux.HandleFunc("PUT /api/v1/admin/shops/{id}", a.vouchers.handleAPIUpdateShop)
		mux.HandleFunc("GET /api/v1/admin/shops/{id}/settlement-due", a.vouchers.handleAPISettlementDue)
		mux.HandleFunc("GET /api/v1/admin/campaigns", a.vouchers.handleAPICampaigns)
		mux.HandleFunc("POST /api/v1/admin/campaigns", a.vouchers.handleAPICreateCampaign)
		mux.HandleFunc("GET /api/v1/admin/campaigns/{id}", a.vouchers.handleAPICampaign)
		mux.HandleFunc("PUT /api/v1/admin/campaigns/{id}", a.vouchers.handleAPIUpdateCampaign)
		mux.HandleFunc("POST /api/v1/admin/campaigns/{id}/{action}", a.noBody(a.vouchers.handleAPICampaignStatus))
		mux.HandleFunc("GET /api/v1/admin/campaigns/{id}/uptake", a.vouchers.handleAPICampaignUptake)
		mux.HandleFunc("GET /api/v1/admin/settlements", a.vouchers.handleAPISettlements)
		mux.HandleFunc("POST /api/v1/admin/settlements", a.vouchers.handleAPICloseSettlement)
		mux.HandleFunc("GET /api/v1/admin/settlements/{id}", a.vouchers.handleAPISettlement)
		mux.HandleFunc("POST /api/v1/admin/settlements/{id}/paid", a.vouchers.handleAPIMarkSettlementPaid)
		mux.HandleFunc("GET /api/v1/admin/voucher-audit", a.vouchers.handleAPIVoucherAudit)
		mux.HandleFunc("GET /api/v1/campaigns", a.vouchers.handleAPIClaimableCampaigns)
		mux.HandleFunc("POST /api/v1/campaigns/{id}/claim", a.noBody(a.vouchers.handleAPIClaimVoucher))
		mux.HandleFunc("GET /api/v1/campaigns/{id}/shops", a.vouchers.handleAPICampaignShops)
		mux.HandleFunc("GET /api/v1/vouchers", a.vouchers.handleAPIMyVouchers)
		mux.HandleFunc("GET /api/v1/vouchers/{id}", a.vouchers.handleAPIMyVoucher)
		mux.HandleFunc("GET /api/v1/vouchers/{id}/qr", a.vouchers.handleAPIVoucherQR)
		mux.HandleFunc("GET /api/v1/vouchers/{id}/qr.png", a.vouchers.handleAPIVoucherQRPNG)
		mux.HandleFunc("POST /api/v1/merchant/vouchers/preview", a.vouchers.handleAPIPreviewVoucher)
		mux.HandleFunc("POST /api/v1/merchant/vouchers/redeem", a.vouchers.handleAPIRedeemVoucher)
		mux.HandleFunc("POST /api/v1/merchant/redemptions/{id}/reverse", a.noBody(a.vouchers.handleAPIReverseRedemption))
		mux.HandleFunc("GET /api/v1/merchant/redemptions/today", a.vouchers.handleAPITodayRedemptions)
		mux.HandleFunc("GET /api/v1/merchant/balance", a.vouchers.handleAPIShopBalance)
		mux.HandleFunc("GET /api/v1/merchant/statements", a.vouchers.handleAPIShopStatements)
		mux.HandleFunc("GET /api/v1/merchant/statements/{id}", a.vouchers.handleAPIShopStatement)
	}

	// Mobility.
	if a.mobility != nil {
		mux.HandleFunc("GET /api/v1/mobility/stations", a.mobility.handleAPIMobilityStations)
		mux.HandleFunc("GET /api/v1/mobility/stations/{id}", a.mobility.handleAPIMobilityStation)
		mux.HandleFunc("POST /api/v1/mobility/unlock", a.mobility.handleAPIMobilityUnlock)
		mux.HandleFunc("GET /api/v1/mobility/rides/current", a.mobility.handleAPIMobilityCurrentRide)
		mux.HandleFunc("GET /api/v1/mobility/rides", a.mobility.handleAPIMobilityRides)
		mux.HandleFunc("GET /api/v1/mobility/favourites", a.mobility.handleAPIFavourites)
		mux.HandleFunc("PUT /api/v1/mobility/favourites/{id}", a.noBody(a.mobility.handleAPIAddFavourite))
		mux.HandleFunc("DELETE /api/v1/mobility/favourites/{id}", a.noBody(a.mobility.handleAPIRemoveFavourite))
		mux.HandleFunc("GET /api/v1/mobility/fault-reports", a.mobility.handleAPIMyFaultReports)
		mux.HandleFunc("POST /api/v1/mobility/fault-reports", a.mobility.handleAPIReportFault)
		mux.HandleFunc("GET /api/v1/operator/mobility/stations", a.mobility.handleAPIOperatorStations)
		mux.HandleFunc("GET /api/v1/operator/mobility/stations/{id}/occupancy", a.mobility.handleAPIOperatorOccupancy)
		mux.HandleFunc("PUT /api/v1/operator/mobility/stations/{id}/status", a.mobility.handleAPIOperatorStationStatus)
		mux.HandleFunc("PUT /api/v1/operator/mobility/stations/{id}/docks/{dock}", a.mobility.handleAPIOperatorDock)
		mux.HandleFunc("GET /api/v1/operator/mobility/incidents", a.mobility.handleAPIIncidents)
		mux.HandleFunc("POST /api/v1/operator/mobility/incidents/{id}/resolve", a.noBody(a.mobility.handleAPIResolveIncident))
		mux.HandleFunc("GET /api/v1/admin/mobility/credentials", a.mobility.handleAPIStationCredentials)
		mux.HandleFunc("GET /api/v1/admin/mobility/stations/{id}/credential", a.mobility.handleAPIStationCredential)
		mux.HandleFunc("POST /api/v1/admin/mobility/stations/{id}/credential", a.noBody(a.mobility.handleAPIIssueStationCredential))
		mux.HandleFunc("POST /api/v1/admin/mobility/stations/{id}/credential/rotate", a.noBody(a.mobility.handleAPIRotateStationCredential))
		mux.HandleFunc("DELETE /api/v1/admin/mobility/stations/{id}/credential", a.noBody(a.mobility.handleAPIRevokeStationCredential))
		mux.HandleFunc("POST /api/v1/operator/mobility/stations/{id}/reset", a.noBody(a.mobility.handleAPIOperatorStationReset))
		// The city admin's catalogue: the same five routes for each kind.
		mux.HandleFunc("GET /api/v1/admin/mobility/stations", a.catalogues.stations.handleList)
		mux.HandleFunc("POST /api/v1/admin/mobility/stations", a.catalogues.stations.handleCreate)
		mux.HandleFunc("GET /api/v1/admin/mobility/stations/{id}", a.catalogues.stations.handleGet)
		mux.HandleFunc("PUT /api/v1/admin/mobility/stations/{id}", a.catalogues.stations.handlePut)
		mux.HandleFunc("DELETE /api/v1/admin/mobility/stations/{id}", a.noBody(a.catalogues.stations.handleDelete))
		mux.HandleFunc("GET /api/v1/admin/mobility/bikes", a.catalogues.bikes.handleList)
		mux.HandleFunc("POST /api/v1/admin/mobility/bikes", a.catalogues.bikes.handleCreate)
		mux.HandleFunc("GET /api/v1/admin/mobility/bikes/{id}", a.catalogues.bikes.handleGet)
		mux.HandleFunc("PUT /api/v1/admin/mobility/bikes/{id}", a.catalogues.bikes.handlePut)
		mux.HandleFunc("DELETE /api/v1/admin/mobility/bikes/{id}", a.noBody(a.catalogues.bikes.handleDelete))
		mux.HandleFunc("GET /api/v1/admin/mobility/vehicle-types", a.catalogues.vehicleTypes.handleList)
		mux.HandleFunc("POST /api/v1/admin/mobility/vehicle-types", a.catalogues.vehicleTypes.handleCreate)
		mux.HandleFunc("GET /api/v1/admin/mobility/vehicle-types/{id}", a.catalogues.vehicleTypes.handleGet)
		mux.HandleFunc("PUT /api/v1/admin/mobility/vehicle-types/{id}", a.catalogues.vehicleTypes.handlePut)
		mux.HandleFunc("DELETE /api/v1/admin/mobility/vehicle-types/{id}", a.noBody(a.catalogues.vehicleTypes.handleDelete))
		mux.HandleFunc("GET /api/v1/admin/mobility/pricing-plans", a.catalogues.pricingPlans.handleList)
		mux.HandleFunc("POST /api/v1/admin/mobility/pricing-plans", a.catalogues.pricingPlans.handleCreate)
		mux.HandleFunc("GET /api/v1/admin/mobility/pricing-plans/{id}", a.catalogues.pricingPlans.handleGet)
		mux.HandleFunc("PUT /api/v1/admin/mobility/pricing-plans/{id}", a.catalogues.pricingPlans.handlePut)
		mux.HandleFunc("DELETE /api/v1/admin/mobility/pricing-plans/{id}", a.noBody(a.catalogues.pricingPlans.handleDelete))
	}

	// Ticketing.
	if a.tickets != nil {
		mux.HandleFunc("GET /api/v1/performances", a.tickets.handleAPIPerformances)
		mux.HandleFunc("GET /api/v1/performances/{id}/seats", a.tickets.handleAPIPerformanceSeats)
		mux.HandleFunc("POST /api/v1/performances/{id}/holds", a.tickets.handleAPIHoldSeats)
		mux.HandleFunc("GET /api/v1/ticket-orders", a.tickets.handleAPITicketOrders)
		mux.HandleFunc("GET /api/v1/ticket-orders/{id}", a.tickets.handleAPITicketOrder)
		mux.HandleFunc("POST /api/v1/ticket-orders/{id}/pay", a.tickets.handleAPIPayTicketOrder)
		mux.HandleFunc("POST /api/v1/ticket-orders/{id}/cancel", a.noBody(a.tickets.handleAPICancelTicketOrder))
		mux.HandleFunc("POST /api/v1/ticket-orders/{id}/release", a.noBody(a.tickets.handleAPIReleaseTicketOrder))
		mux.HandleFunc("GET /api/v1/tickets", a.tickets.handleAPIMyTickets)
		mux.HandleFunc("GET /api/v1/tickets/{id}/qr", a.tickets.handleAPITicketQR)
		mux.HandleFunc("GET /api/v1/door/performances", a.tickets.handleAPIDoorPerformances)
		mux.HandleFunc("GET /api/v1/door/performances/{id}/list", a.tickets.handleAPIDoorList)
		mux.HandleFunc("POST /api/v1/door/tickets/verify", a.tickets.handleAPIVerifyTicket)
		mux.HandleFunc("POST /api/v1/door/tickets/check-in", a.tickets.handleAPICheckInTicket)
		mux.HandleFunc("POST /api/v1/door/offline-entries", a.tickets.handleAPIOfflineEntries)
		mux.HandleFunc("GET /api/v1/door/performances/{id}/double-entries", a.tickets.handleAPIDoorDoubleEntries)
		mux.HandleFunc("GET /api/v1/admin/venues", a.tickets.handleAPIVenues)
		mux.HandleFunc("POST /api/v1/admin/venues", a.tickets.handleAPICreateVenue)
		mux.HandleFunc("GET /api/v1/admin/venues/{id}/seats", a.tickets.handleAPIVenueSeats)
		mux.HandleFunc("PUT /api/v1/admin/venues/{id}/seats", a.tickets.handleAPISetVenueSeats)
		mux.HandleFunc("GET /api/v1/admin/venues/{id}/categories", a.tickets.handleAPIVenueCategories)
		mux.HandleFunc("PUT /api/v1/admin/venues/{id}/categories", a.tickets.handleAPISetVenueCategories)
		mux.HandleFunc("GET /api/v1/admin/performances", a.tickets.handleAPIAdminPerformances)
		mux.HandleFunc("POST /api/v1/admin/performances", a.tickets.handleAPICreatePerformance)
		mux.HandleFunc("PUT /api/v1/admin/performances/{id}", a.tickets.handleAPIUpdatePerformance)
		mux.HandleFunc("POST /api/v1/admin/performances/{id}/cancel", a.noBody(a.tickets.handleAPICancelPerformance))
		mux.HandleFunc("GET /api/v1/admin/performances/{id}/stats", a.tickets.handleAPIPerformanceStats)
		mux.HandleFunc("GET /api/v1/admin/performances/{id}/double-entries", a.tickets.handleAPIAdminDoubleEntries)
		mux.HandleFunc("POST /api/v1/admin/ticket-orders/{id}/refund", a.noBody(a.tickets.handleAPIRefundTicketOrder))
	}

	// The e-mail outbox (administrators).
	if a.mail != nil {
		mux.HandleFunc("GET /api/v1/admin/mail", a.mail.handleAPIAdminMailList)
		mux.HandleFunc("GET /api/v1/admin/mail/{id}", a.mail.handleAPIAdminMail)
		mux.HandleFunc("POST /api/v1/admin/mail/{id}/retry", a.noBody(a.mail.handleAPIAdminMailRetry))
	}

	// Citizens' reports, the offices' triage, proposals.
	if a.parts != nil {
		mux.HandleFunc("POST /api/v1/reports", a.parts.handleCreateReport)
		mux.HandleFunc("GET /api/v1/reports", a.parts.handleReports)
		mux.HandleFunc("GET /api/v1/reports/{id}", a.parts.handleReport)
		mux.HandleFunc("GET /api/v1/reports/{id}/details", a.parts.handleReportDetails)
		mux.HandleFunc("POST /api/v1/reports/{id}/reopen", a.parts.handleReopenReport)
		mux.HandleFunc("GET /api/v1/me/reports", a.parts.handleMyReports)
		mux.HandleFunc("GET /api/v1/photos/{id}", a.parts.handlePhoto)
		mux.HandleFunc("GET /api/v1/photos/{id}/thumbnail", a.parts.handlePhoto)
		mux.HandleFunc("GET /api/v1/staff/queue", a.parts.handleQueue)
		mux.HandleFunc("PUT /api/v1/staff/reports/{id}/status", a.parts.handleChangeStatus)
		mux.HandleFunc("POST /api/v1/staff/reports/{id}/merge", a.parts.handleMergeReport)
		mux.HandleFunc("GET /api/v1/staff/reports/{id}/nearby", a.parts.handleNearbyReports)
		mux.HandleFunc("PUT /api/v1/staff/reports/{id}/redacted", a.parts.handleRedactReport)
		mux.HandleFunc("GET /api/v1/staff/photos", a.parts.handlePendingPhotos)
		mux.HandleFunc("PUT /api/v1/staff/photos/{id}/state", a.parts.handleModeratePhoto)
		mux.HandleFunc("POST /api/v1/proposals", a.parts.handleCreateProposal)
		mux.HandleFunc("GET /api/v1/proposals", a.parts.handleProposals)
		mux.HandleFunc("GET /api/v1/proposals/{id}", a.parts.handleProposal)
		mux.HandleFunc("POST /api/v1/proposals/{id}/support", a.noBody(a.parts.handleSupportProposal))
		mux.HandleFunc("PUT /api/v1/proposals/{id}/follow", a.parts.handleFollowProposal)
		mux.HandleFunc("GET /api/v1/proposals/{id}/comments", a.parts.handleComments)
		mux.HandleFunc("POST /api/v1/proposals/{id}/comments", a.parts.handleAddComment)
		mux.HandleFunc("POST /api/v1/comments/{id}/flag", a.parts.handleFlagComment)
		mux.HandleFunc("POST /api/v1/admin/proposals/{id}/answer", a.parts.handleAnswerProposal)
		mux.HandleFunc("GET /api/v1/admin/proposals/awaiting", a.parts.handleAwaitingProposals)
		mux.HandleFunc("GET /api/v1/admin/comments/flagged", a.parts.handleFlaggedComments)
		mux.HandleFunc("PUT /api/v1/admin/comments/{id}/state", a.parts.handleModerateComment)
		mux.HandleFunc("GET /api/v1/admin/comments/hidden", a.parts.handleHiddenComments)
		mux.HandleFunc("POST /api/v1/admin/comments/{id}/show", a.noBody(a.parts.handleShowComment))
		mux.HandleFunc("GET /api/v1/admin/open311/keys", a.parts.handleAPIKeys)
		mux.HandleFunc("POST /api/v1/admin/open311/keys", a.parts.handleIssueAPIKey)
		mux.HandleFunc("DELETE /api/v1/admin/open311/keys/{id}", a.noBody(a.parts.handleRevokeAPIKey))
	}

	// Unknown API paths, and known ones asked with another method, answer
	// problem+json rather than the mux's text 404.
	mux.HandleFunc("/api/", apiFallback(mux))
}

// UnkeyedRoutes answer with credentials, which must not be kept in a second
// place: a client retries them without a key (a stale refresh token is
// refused and a new login simply issues other tokens). Stripe's webhook is
// deduplicated by its event id. A card payment's answer (a top-up's, a
// ticket order's) carries its PaymentIntent's client secret too, but its
// route is keyed: its kept answer leaves the secret out, and a replay asks
// for it again (httpx.WriteJSONWithSecret, stripepay.Secrets).
var UnkeyedRoutes = map[string]bool{
	"POST /api/v1/auth/login":     true,
	"POST /api/v1/auth/refresh":   true,
	"POST /api/v1/stripe/webhook": true,
	// A station's broker secret, also in the answer that registers the
	// station: a client that lost the answer rotates.
	"POST /api/v1/admin/mobility/stations":                        true,
	"POST /api/v1/admin/mobility/stations/{id}/credential":        true,
	"POST /api/v1/admin/mobility/stations/{id}/credential/rotate": true,
	// An Open311 API key: a client that lost the answer issues another.
	"POST /api/v1/admin/open311/keys": true,
}

// SelfKeyedRoutes are the operations that also record their keys themselves, in
// the transaction of what they change (idem.Do): they know when two bodies
// ask for the same thing.
var SelfKeyedRoutes = map[string]bool{
	"POST /api/v1/wallet/topups":                     true,
	"POST /api/v1/campaigns/{id}/claim":              true,
	"POST /api/v1/merchant/vouchers/redeem":          true,
	"POST /api/v1/merchant/redemptions/{id}/reverse": true,
	"POST /api/v1/admin/settlements":                 true,
	"POST /api/v1/admin/settlements/{id}/paid":       true,
	"POST /api/v1/mobility/unlock":                   true,
	"POST /api/v1/performances/{id}/holds":           true,
	"POST /api/v1/reports":                           true,
}

// OwnAnswerRoutes are the SelfKeyedRoutes whose operations keep every
// answer they give with their keys, refusals too, and replay it before
// anything that time or the first request changed is checked again
// (idem.DoKeeping): the busiest, whose answers are kept once, not twice.
var OwnAnswerRoutes = map[string]bool{
	"POST /api/v1/campaigns/{id}/claim":     true,
	"POST /api/v1/merchant/vouchers/redeem": true,
	"POST /api/v1/performances/{id}/holds":  true,
}
