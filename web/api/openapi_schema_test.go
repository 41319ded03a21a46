package api

import (
	"cityhub/web/httpx"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"cityhub/audit"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/mail"
	"cityhub/mobility"
	"cityhub/mydata"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// ---- Schemas from Go types ------------------------------------------------

// Mirrors of types the handlers declare inside a function; the scenario test
// checks real answers and bodies against them like any other schema.
type publicShopView struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Address  string `json:"address"`
	District string `json:"district"`
	Category string `json:"category"`
}

// expandedJSONLD is the shape of the open data catalogue as JSON-LD
// (opendata.Graph.WriteJSONLD).
type expandedJSONLD struct {
	Graph []map[string]any `json:"@graph"`
}

type stationOpenRequest struct {
	Open *bool `json:"open"`
}

type dockServiceRequest struct {
	InService *bool  `json:"in_service"`
	Note      string `json:"note"`
}

// A named component: the Go type, and for request bodies the fields a valid
// request must have (the decoder itself requires none; the rules do).
type component struct {
	name    string
	typ     reflect.Type
	request bool
	// ref: a request component that another request component holds
	// (its items), referenced there rather than written out again.
	ref      bool
	required []string
	desc     string
}

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

var openAPIComponents = []component{
	{name: "Problem", typ: typeOf[httpx.Problem](), desc: "An RFC 9457 problem (application/problem+json). code is the stable error code (invalid, not_found, conflict, unauthenticated, forbidden, rate_limited, unavailable, insufficient_funds, internal); reason, when present, names the precise cause (e.g. bad_credentials, insufficient_credit, idempotency_key_reused). Any operation that needs the database answers 503 unavailable with reason database_unavailable and Retry-After while the database does not answer: try again later."},

	// Identity.
	{name: "Grant", typ: typeOf[identity.Grant](), desc: "A role, within a scope (a shop id for merchant_staff, a venue id for door_staff, an office id for city_staff)."},
	{name: "Caller", typ: typeOf[identity.Caller](), desc: "The authenticated account behind the request."},
	{name: "Account", typ: typeOf[identity.Account]()},
	{name: "Tokens", typ: typeOf[identity.Tokens](), desc: "An access token (EdDSA-signed JWT, short-lived) and an opaque refresh token (rotated on every use)."},
	{name: "PageSession", typ: typeOf[identity.Session]()},
	{name: "RefreshTokenRecord", typ: typeOf[identity.RefreshToken](), desc: "A stored refresh token; only its hash is kept, so the token itself is never shown."},
	{name: "AccountExport", typ: typeOf[identity.Export](), desc: "What identity holds about the caller: the account, its sessions, refresh tokens, login networks and the e-mails written to the person (their links' tokens hidden)."},
	{name: "MyData", typ: typeOf[mydata.Download](), desc: "Everything the hub holds about the caller (GDPR articles 15 and 20), the same document as the privacy page's download. A part is absent when the hub runs without its service; an account that never was a citizen's has empty ones. The wallet's history holds at most the newest 10,000 lines, theatre_orders the newest 10,000 orders and mobility's rides the newest 10,000. exported_at, the account's and participation's alike, is the one time the download was made."},
	{name: "LoginRequest", typ: typeOf[loginRequest](), request: true, required: []string{"email", "password"}},
	{name: "RefreshRequest", typ: typeOf[refreshRequest](), request: true, required: []string{"refresh_token"}},
	{name: "SignupRequest", typ: typeOf[signupRequest](), request: true, required: []string{"email", "password", "name"}, desc: "locale defaults to it when left out or null; an empty one is 400 bad_locale."},
	{name: "SignupAccepted", typ: typeOf[signupAccepted](), desc: "status is always check_email."},
	{name: "EmailRequest", typ: typeOf[emailRequest](), request: true, required: []string{"email"}},
	{name: "TokenRequest", typ: typeOf[tokenRequest](), request: true, required: []string{"token"}, desc: "The token of an e-mailed link: its token query parameter."},
	{name: "EmailConfirmed", typ: typeOf[emailConfirmed](), desc: "The address confirmed, now the account's, verified; nothing else of the account."},
	{name: "PasswordResetRequest", typ: typeOf[passwordResetRequest](), request: true, required: []string{"token", "password"}},
	{name: "PasswordChangeRequest", typ: typeOf[passwordChangeRequest](), request: true, required: []string{"current_password", "new_password"}},
	{name: "EmailChangeRequest", typ: typeOf[emailChangeRequest](), request: true, required: []string{"password", "new_email"}},
	{name: "LocaleRequest", typ: typeOf[localeRequest](), request: true, required: []string{"locale"}},
	{name: "AdminAccountRequest", typ: typeOf[adminAccountRequest](), request: true, required: []string{"email", "password", "name", "grants"}, desc: "grants: at least one (an account without a role can do nothing); citizen for an ordinary person, which opens a wallet."},
	{name: "AccountDisabledRequest", typ: typeOf[accountDisabledRequest](), request: true, required: []string{"disabled"}},
	{name: "AccountGrantsRequest", typ: typeOf[accountGrantsRequest](), request: true, required: []string{"grants"}, desc: "Every grant the account is to hold, at least one; the ones not listed are taken away."},
	{name: "AccountListEntry", typ: typeOf[identity.AccountRow](), desc: "An account with its state: active, unverified (address never proved, no SPID/CIE identity), disabled, or erased."},
	{name: "AccountPage", typ: typeOf[identity.AccountPage](), desc: "A page of accounts, newest first; pass next_cursor as ?cursor= for the following page (absent at the end)."},

	// Wallet.
	{name: "Wallet", typ: typeOf[WalletView](), desc: "A citizen's credit balance (integer euro cents) and wallet items."},
	{name: "WalletItem", typ: typeOf[wallet.Item](), desc: "A voucher, ticket or ride as a wallet card. A ride's title names its stations by their Italian names (name_it), the city's own; the pages name them in the page's language."},
	{name: "HistoryLine", typ: typeOf[wallet.HistoryLine]()},
	{name: "HistoryPage", typ: typeOf[wallet.HistoryPage](), desc: "A page of ledger entries, newest first; pass next_cursor as ?cursor= for the following page (absent at the end)."},
	{name: "LedgerAccount", typ: typeOf[wallet.Account]()},
	{name: "LedgerAccountView", typ: typeOf[LedgerAccountView]()},
	{name: "BalanceMismatch", typ: typeOf[wallet.BalanceMismatch]()},
	{name: "LedgerCheck", typ: typeOf[LedgerCheckView](), desc: "The ledger's self-check; ok says whether it is sound."},
	{name: "ExpandedJSONLD", typ: typeOf[expandedJSONLD](), desc: "A JSON-LD document in expanded form: under @graph, one node object per resource, with its @id, its @type and each property under its full IRI."},
	{name: "TopUpRequest", typ: typeOf[topupRequest](), request: true, required: []string{"amount_cents"}},
	{name: "TopUp", typ: typeOf[TopupView](), desc: "A top-up: succeeded at once with test payments (test_payment true, demo money), or pending with a Stripe PaymentIntent to confirm (the credit follows Stripe's webhook). balance_cents, the balance right after a test top-up, is left out of a retry answered again from the ledger (its body or query not byte for byte the first request's): the balance right after the first is not known then."},
	{name: "CardTopUp", typ: typeOf[cardpay.TopUp](), desc: "A card top-up (id: its Stripe PaymentIntent) and the state the citizen is shown; credited_cents and refunded_cents are what the hub has booked."},
	{name: "CardTopUps", typ: typeOf[TopUpsView](), desc: "The caller's latest card top-ups, newest first."},
	{name: "StripeWebhookAnswer", typ: typeOf[WebhookAnswer]()},
	{name: "PaymentEvents", typ: typeOf[paymentEventsView](), desc: "A page of the Stripe events recorded for an operator, newest first; attention says why each one was not applied. total counts them all; next_cursor is the cursor of the next page, empty on the last."},

	// The e-mail outbox.
	{name: "MailSummary", typ: typeOf[MailSummary](), desc: "An e-mail in the outbox: pending (due at next_attempt_at), sending (claimed until next_attempt_at), sent, or failed (out of attempts or refused; an administrator may retry it)."},
	{name: "MailPage", typ: typeOf[MailPageView](), desc: "A page of the outbox, newest first, and how many e-mails are in each state; pass next_cursor as ?cursor= for the following page."},
	{name: "MailMessage", typ: typeOf[mail.Message](), desc: "An e-mail as it was written, bodies included; message_id is its Message-ID header, the same on every delivery."},

	// Vouchers.
	{name: "Shop", typ: typeOf[vouchers.Shop]()},
	{name: "ShopPage", typ: typeOf[shopPageView](), desc: "A page of shops, by district, then name. total counts every shop of the list; next_cursor is the cursor of the next page, empty on the last."},
	{name: "PublicShop", typ: typeOf[publicShopView](), desc: "A shop as citizens see it (no IBAN)."},
	{name: "ShopRequest", typ: typeOf[shopRequest](), request: true, required: []string{"name", "address", "district", "category", "iban"}, desc: "active defaults to true. On POST, false registers a shop not yet open: inactive, it takes no voucher and citizens do not see it among a campaign's shops until a PUT makes it active. On PUT, absent makes the shop active, also one that was deactivated."},
	{name: "Campaign", typ: typeOf[vouchers.Campaign]()},
	{name: "CampaignPage", typ: typeOf[campaignPageView](), desc: "A page of campaigns, newest first. total counts every campaign of the list; next_cursor is the cursor of the next page, empty on the last."},
	{name: "CampaignRequest", typ: typeOf[campaignRequest](), request: true, required: []string{"name", "budget_cents", "face_value_cents", "per_citizen_limit", "valid_from", "valid_until"}},
	{name: "CampaignUpdateRequest", typ: typeOf[campaignRequest](), request: true, required: []string{"name", "face_value_cents", "per_citizen_limit", "valid_from", "valid_until"}, desc: "A draft campaign's fields; budget_cents, fixed at creation, may be left out."},
	{name: "ClaimableCampaign", typ: typeOf[vouchers.ClaimableCampaign]()},
	{name: "CampaignUptake", typ: typeOf[vouchers.Uptake]()},
	{name: "UptakePart", typ: typeOf[vouchers.Part]()},
	{name: "Voucher", typ: typeOf[vouchers.VoucherView](), desc: "A voucher as its holder sees it; code (the typed code) only while it is active."},
	{name: "VoucherQRToken", typ: typeOf[vouchers.Token](), desc: "A freshly signed QR token (see docs/qr.md); fetch a new one after refresh_after."},
	{name: "VoucherPreview", typ: typeOf[vouchers.Preview]()},
	{name: "PreviewRequest", typ: typeOf[previewRequest](), request: true, required: []string{"code"}},
	{name: "RedeemRequest", typ: typeOf[vouchers.RedeemRequest](), request: true, required: []string{"code", "purchase_cents"}},
	{name: "Redemption", typ: typeOf[vouchers.Redemption]()},
	{name: "RedemptionReceipt", typ: typeOf[RedemptionReply](), desc: "A redemption with what the customer still pays and until when the shop may reverse it."},
	{name: "DayReport", typ: typeOf[vouchers.DayReport]()},
	{name: "ShopBalance", typ: typeOf[vouchers.Balance]()},
	{name: "Settlement", typ: typeOf[vouchers.Settlement]()},
	{name: "SettlementDue", typ: typeOf[vouchers.SettlementDue](), desc: "What closing a shop's settlement period now would settle: count and total_cents the redemptions before period_end, recent_count and recent_cents those after it, still inside the reversal window."},
	{name: "SettlementPage", typ: typeOf[settlementPageView](), desc: "A page of statements, newest first. total counts every statement of the list; next_cursor is the cursor of the next page, empty on the last."},
	{name: "Statement", typ: typeOf[vouchers.Statement]()},
	{name: "CloseSettlementRequest", typ: typeOf[closeSettlementRequest](), request: true, required: []string{"shop_id"}, desc: "period_end is an RFC 3339 time; empty or absent means now. Given, it is never read as now: one before 2000-01-01T00:00:00Z (the zero time 0001-01-01T00:00:00Z included) or in the future is 400 with reason period_end. iban, count and total_cents, each optional, are what the client showed before the close was confirmed (as GET /api/v1/admin/shops/{id}/settlement-due gave them, with its period_end): when the shop's IBAN or the redemptions the period holds are no longer that, the close is 409 (settlement_changed) and settles nothing; an iban that is not one is 400 (iban). Spacing and case of the IBAN do not matter."},
	{name: "MarkPaidRequest", typ: typeOf[markPaidRequest](), request: true},
	{name: "AuditEntry", typ: typeOf[audit.Entry]()},
	{name: "AuditPage", typ: typeOf[vouchers.AuditPage](), desc: "A page of the voucher scheme's audit log, oldest first; pass next_cursor as ?cursor= for the following page (absent at the end)."},
	{name: "OpenVoucherStats", typ: typeOf[vouchers.OpenData](), desc: "Anonymous campaign statistics, open data under CC-BY-4.0."},
	{name: "OpenCampaign", typ: typeOf[vouchers.OpenCampaign]()},

	// Mobility.
	{name: "Station", typ: typeOf[mobility.Station]()},
	{name: "StationInput", typ: typeOf[mobility.Station](), request: true, required: []string{"name_it", "lat", "lon", "capacity", "open"}, desc: "created_at and updated_at are set by the hub: a body may leave them out or hold any value there (the object as it was read, say), which is ignored."},
	{name: "StationView", typ: typeOf[mobility.StationView](), desc: "A station with its live availability."},
	{name: "BikeAtDock", typ: typeOf[mobility.BikeAtDock]()},
	{name: "Bike", typ: typeOf[mobility.Bike]()},
	{name: "BikeInput", typ: typeOf[mobility.Bike](), request: true, required: []string{"vehicle_type_id", "active"}, desc: "updated_at is set by the hub: a body may leave it out or hold any value there (the object as it was read, say), which is ignored."},
	{name: "VehicleType", typ: typeOf[mobility.VehicleType]()},
	{name: "VehicleTypeInput", typ: typeOf[mobility.VehicleType](), request: true, required: []string{"name_it", "propulsion", "pricing_plan_id"}, desc: "updated_at is set by the hub: a body may leave it out or hold any value there (the object as it was read, say), which is ignored."},
	{name: "PricingPlan", typ: typeOf[mobility.PricingPlan](), desc: "An unlock fee plus per-minute segments (GBFS per_min_pricing semantics), in integer cents."},
	{name: "PricingPlanInput", typ: typeOf[mobility.PricingPlan](), request: true, required: []string{"name_it", "unlock_cents"}, desc: "updated_at is set by the hub: a body may leave it out or hold any value there (the object as it was read, say), which is ignored."},
	{name: "PricingSegment", typ: typeOf[mobility.Segment]()},
	{name: "UnlockRequest", typ: typeOf[mobility.UnlockRequest](), request: true, required: []string{"station_id"}, desc: "Name the bike by dock or by bike_id (the QR on the bike); with both, the bike must be in that dock (409 bike_not_at_dock). request_id (or the Idempotency-Key header) makes a retry answer the first attempt (see unlockBike)."},
	{name: "Ride", typ: typeOf[mobility.Ride]()},
	{name: "RideView", typ: typeOf[mobility.RideView](), desc: "A ride with its duration and cost so far (the fare once ended)."},
	{name: "OperatorOverview", typ: typeOf[mobility.Overview]()},
	{name: "OperatorStation", typ: typeOf[mobility.OperatorStation]()},
	{name: "DockState", typ: typeOf[mobility.DockView]()},
	{name: "Dock", typ: typeOf[mobility.Dock]()},
	{name: "StationCredential", typ: typeOf[mobility.StationCredential](), desc: "A station's broker account: the MQTT username is the station id. The secret is never shown again after the answer that made it."},
	{name: "IssuedCredential", typ: typeOf[mobility.IssuedCredential](), desc: "A new broker credential with its secret (the MQTT password), shown this once; the hub keeps only a hash."},
	{name: "RegisteredStation", typ: typeOf[RegisteredStation](), desc: "A station just registered, with its first broker credential (the secret shown this once), or credential_error when it could not be issued."},
	{name: "Incident", typ: typeOf[mobility.Incident](), desc: "Something an operator must look at: bike_released_without_ride is a station confirming an unlock after the hub stopped waiting (an ok for a request the hub never sent that station is counted and dropped, not raised)."},
	{name: "OccupancySample", typ: typeOf[mobility.OccupancySample]()},
	{name: "StationOpenRequest", typ: typeOf[stationOpenRequest](), request: true, required: []string{"open"}},
	{name: "DockServiceRequest", typ: typeOf[dockServiceRequest](), request: true, required: []string{"in_service"}},
	{name: "FavouriteStations", typ: typeOf[favouritesAnswer](), desc: "The caller's favourite stations, by id, which the stations page lists first."},
	{name: "FaultReportRequest", typ: typeOf[mobility.FaultReport](), request: true, required: []string{"station_id", "target", "description"},
		desc: "A fault at a station: on a bike (target bike, bike_id the code printed on its frame) or on a dock (target dock, dock its number). The description is 3 to 500 characters once trimmed, without invisible or control characters (line breaks and tabs are text)."},
	{name: "MyFaultReport", typ: typeOf[mobility.MyReport](), desc: "One of the caller's fault reports; resolved_at is set once an operator has dealt with it."},
}

// Values a string may take, by Go type and by "Component.field".
var openAPITypeEnums = map[reflect.Type][]string{
	typeOf[identity.Role]():         rolesOf(identity.Roles),
	typeOf[identity.AccountState](): accountStates(),
	typeOf[wallet.AccountKind]():    {"citizen_credit", "campaign_budget", "campaign_held", "shop_payable", "shop_paid", "city_funding", "stripe_clearing", "revenue", "system"},
	typeOf[mobility.Propulsion]():   {string(mobility.Human), string(mobility.ElectricAssist)},
	typeOf[mobility.RideStatus]():   {string(mobility.RidePending), string(mobility.RideActive), string(mobility.RideEnded), string(mobility.RideFailed)},
}

func accountStates() []string {
	out := make([]string, len(identity.AccountStates))
	for i, s := range identity.AccountStates {
		out[i] = string(s)
	}
	return out
}

func rolesOf(rs []identity.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

var (
	campaignStatuses = vouchers.CampaignStatuses
	voucherModes     = []string{vouchers.ModeSingleUse, vouchers.ModePartial}
	voucherStatuses  = []string{vouchers.VoucherActive, vouchers.VoucherUsed, vouchers.VoucherExpired}
	settleStatuses   = []string{vouchers.SettlementClosed, vouchers.SettlementPaid}
)

// openAPIFieldNotes adds keywords to one property of one component.
var openAPIFieldNotes = map[string]*obj{
	"Problem.type":                       newObj("format", "uri"),
	"Problem.status":                     newObj("minimum", 400, "maximum", 599),
	"Tokens.token_type":                  newObj("const", "Bearer"),
	"Tokens.expires_in":                  newObj("description", "Seconds until the access token expires."),
	"Account.locale":                     newObj("enum", identity.Locales),
	"Caller.locale":                      newObj("enum", identity.Locales),
	"AccountListEntry.locale":            newObj("enum", identity.Locales),
	"AccountPage.next_cursor":            newObj("description", "Cursor of the next (older) page; absent on the last page."),
	"SignupRequest.locale":               newObj("enum", identity.Locales),
	"LocaleRequest.locale":               newObj("enum", identity.Locales),
	"AdminAccountRequest.locale":         newObj("enum", identity.Locales),
	"SignupRequest.password":             newObj("minLength", identity.MinPasswordLen),
	"PasswordResetRequest.password":      newObj("minLength", identity.MinPasswordLen),
	"PasswordChangeRequest.new_password": newObj("minLength", identity.MinPasswordLen),
	"AdminAccountRequest.password":       newObj("minLength", identity.MinPasswordLen),
	"Wallet.currency":                    newObj("const", "EUR"),
	"Wallet.test_payments":               newObj("description", "Top-ups are demo money on this hub (CITYHUB_TEST_PAYMENTS)."),
	"TopUp.currency":                     newObj("const", "EUR"),
	"TopUp.status":                       newObj("enum", []string{"succeeded", "pending"}),
	"TopUpRequest.amount_cents":          newObj("minimum", wallet.MinTopUp, "maximum", wallet.MaxTopUp),
	"CardTopUp.state":                    newObj("enum", cardpay.TopUpStates),
	"CardTopUp.purpose":                  newObj("const", cardpay.PurposeTopUp),
	"WalletItem.value_cents":             newObj("description", "What the item's value is depends on its kind. A ride: its fare (charged, unless the ride ended unsettled); while it is running, the cost so far (the fare if it ended now). A voucher: its remaining_cents, value left only while it is active (see Voucher). A ticket has none."),
	"WalletItem.percent_off":             newObj("description", "A voucher of a percentage campaign: the share of each purchase it takes, at most value_cents in all (not an amount off any purchase). Absent for a fixed voucher and other kinds."),
	"HistoryPage.next_cursor":            newObj("description", "Cursor of the next (older) page; absent on the last page."),
	"Campaign.status":                    newObj("enum", campaignStatuses),
	"Campaign.mode":                      newObj("enum", voucherModes),
	"Campaign.valid_until":               newObj("description", "Exclusive end of validity."),
	"Campaign.lang":                      newObj("enum", []any{"it", "en"}, "description", "The language the name and description are written in; absent only for a campaign made before it was asked."),
	"CampaignRequest.lang":               newObj("enum", []any{"it", "en"}, "description", "The language the name and description are written in: it when absent or empty (a change with none sets it back to it); another is 400 campaign_lang."),
	"ClaimableCampaign.status":           newObj("enum", campaignStatuses),
	"ClaimableCampaign.mode":             newObj("enum", voucherModes),
	"CampaignRequest.mode":               newObj("enum", voucherModes),
	"CampaignRequest.valid_from":         newObj("description", "A day in the city's time zone, CITYHUB_TIMEZONE (YYYY-MM-DD) or an RFC 3339 time."),
	"CampaignRequest.valid_until":        newObj("description", "A day in the city's time zone, CITYHUB_TIMEZONE (YYYY-MM-DD, inclusive) or an RFC 3339 time."),
	"CampaignUptake.claimed_count":       newObj("description", "Vouchers claimed of the campaign; claimed_value_cents their value."),
	"CampaignUptake.redemption_count":    newObj("description", "Unreversed redemptions of the campaign's vouchers, not vouchers: a voucher spent in parts counts once for each part. redeemed_cents is their amount."),
	"UptakePart.count":                   newObj("description", "Unreversed redemptions in the district or category, not vouchers; amount_cents their amount."),
	"Settlement.count":                   newObj("description", "The redemptions the statement settles, not vouchers: one voucher spent in parts counts once for each part. total_cents is their amount."),
	"CampaignUptake.status":              newObj("enum", campaignStatuses),
	"OpenCampaign.status":                newObj("enum", campaignStatuses),
	"Voucher.status":                     newObj("enum", voucherStatuses),
	"Voucher.remaining_cents":            newObj("description", "While the voucher is active, what is left to spend. Once it is used, 0. Once it is expired, what it had left when it stopped being usable, plus what shops reversed since: nobody can spend it, and its money is the campaign's (back in the budget at the campaign's close, or at once for a reversal after it)."),
	"Voucher.mode":                       newObj("enum", voucherModes),
	"Voucher.campaign_status":            newObj("enum", campaignStatuses),
	"Voucher.redemptions":                newObj("description", "Only in the voucher's own view (getMyVoucher): where, when and how much of it was used, reversed_at once the shop gave the amount back. Who served at the till is not shown."),
	"VoucherPreview.status":              newObj("enum", voucherStatuses),
	"VoucherPreview.mode":                newObj("enum", voucherModes),
	"VoucherPreview.problem":             newObj("description", "Why the voucher cannot be redeemed here now, when it cannot."),
	"VoucherPreview.problem_reason":      newObj("description", "The reason code of problem, the one redeeming would be refused with (voucher_used, own_voucher, staff_voucher, ...): what a till translates."),
	"PreviewRequest.code":                newObj("description", "A scanned QR token or a typed code."),
	"RedeemRequest.code":                 newObj("description", "A scanned QR token or a typed code."),
	"RedeemRequest.purchase_cents":       newObj("minimum", 1),
	"Settlement.status":                  newObj("enum", settleStatuses),
	"Statement.status":                   newObj("enum", settleStatuses),
	"OpenVoucherStats.license":           newObj("const", vouchers.OpenLicence),
	"OpenVoucherStats.license_url":       newObj("format", "uri"),
	"AuditEntry.detail":                  newObj("description", "What the action was about (amounts, ids), by action."),
	"StationInput.id":                    newObj("description", "Required on POST; on PUT taken from the URL when absent."),
	"StationInput.address":               newObj("maxLength", mobility.MaxAddress, "description", "One line without control characters (else 400 station_address)."),
	"DockServiceRequest.note":            newObj("maxLength", mobility.MaxDockNote, "description", "For the technician: one line without control characters (else 400 dock_note)."),
	"BikeInput.id":                       newObj("description", "Required on POST; on PUT taken from the URL when absent."),
	"BikeInput.active":                   newObj("description", "false takes the bike out of the fleet: it cannot be unlocked. Required (400 missing_field without it, null too), so that a body leaving it out changes nothing."),
	"StationInput.open":                  newObj("description", "false closes the station to unlocks (bikes are still docked there). Required (400 missing_field without it, null too), so that a body leaving it out changes nothing."),
	"PricingPlanInput.per_min_pricing":   newObj("description", "Left out or null: no per-minute segment (the plan charges its unlock fee alone), on PUT too."),
	"VehicleTypeInput.id":                newObj("description", "Required on POST; on PUT taken from the URL when absent."),
	"PricingPlanInput.id":                newObj("description", "Required on POST; on PUT taken from the URL when absent."),
	"RideView.duration_seconds":          newObj("minimum", 0, "description", "The ride's length (so far, while it is open), in whole seconds, a second begun counting as whole. The fare charges every minute begun of the exact length (started_at to ended_at, to the microsecond), which are duration_seconds divided by 60, rounded up; a ride ended before the hub counted so keeps the fare it was charged, on its seconds with the fraction dropped."),
	"RideView.cost_cents":                newObj("description", "What the ride costs by its plan so far, while it is open; once ended, the fare charged (fare_cents)."),
	"DockState.battery":                  newObj("minimum", 0, "maximum", 100),
	"BikeAtDock.battery":                 newObj("minimum", 0, "maximum", 100),
	"Comment.flags":                      newObj("description", "On the moderators' queue (flaggedComments) only: each flag's reason as the citizen typed it (\"\" when they gave none) and when it was made, oldest first. Who flagged is not given."),
	"UnlockRequest.dock": newObj("minimum", 0, "maximum", mobility.MaxCapacity,
		"description", "The dock holding the bike, 1 to "+strconv.Itoa(mobility.MaxCapacity)+". 0, or absent, names no dock: bike_id then names the bike (400 unlock_target without either; 400 dock_number below 0 or above "+strconv.Itoa(mobility.MaxCapacity)+")."),
	"UnlockRequest.request_id": newObj("description", "The unlock's request id (or the Idempotency-Key header): 1 to 100 letters, digits, - or _, unique among all riders. An empty string counts as none: the unlock is then not keyed, and a retry of it is a new unlock.").
		set("maxLength", 100).set("pattern", "^[A-Za-z0-9_-]*$"),
	"FaultReportRequest.target":  newObj("enum", []string{mobility.TargetBike, mobility.TargetDock}),
	"FaultReportRequest.bike_id": newObj("description", "With target bike: the code printed on the bike's frame, in any case, the spaces around it dropped (BN-001-B01 is the bike bn-001-b01)."),
	"UnlockRequest.bike_id":      newObj("description", "The bike's code, printed on its frame and under its QR code: read in any case, the spaces around it dropped, as the unlock page reads it (BN-001-B01 is the bike bn-001-b01); the ride names the bike by its id, in lower case."),
	"FaultReportRequest.dock": newObj("minimum", 0, "maximum", mobility.MaxCapacity,
		"description", "With target dock: the dock's number, 1 to the station's docks (0 or absent is 400 report_dock asking for it; any other number the station does not have, however large or negative, 400 report_dock naming the station's docks). With target bike it is not read: leave it out (0 is the same)."),
	"FaultReportRequest.description": newObj("maxLength", mobility.MaxReportText),
	"MyFaultReport.target":           newObj("enum", []string{mobility.TargetBike, mobility.TargetDock}),
}

// unlockRequestID adds to o the form of an unlock's request id, which is
// also the id of the command the station receives (mobility.ValidRequestID).
func unlockRequestID(o *obj) *obj {
	return o.set("minLength", 1).set("maxLength", 100).set("pattern", "^[A-Za-z0-9_-]+$")
}

// schemaGen turns Go types into JSON Schema (2020-12, as OpenAPI 3.1 uses).
type schemaGen struct {
	names map[reflect.Type]string // response components by type
}

var timeType = reflect.TypeFor[time.Time]()

func jsonName(f reflect.StructField) (name string, omit, skip bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false, true
	}
	name, opts, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	omit = strings.Contains(","+opts+",", ",omitempty,") || strings.Contains(","+opts+",", ",omitzero,")
	return name, omit, false
}

type prop struct {
	name   string
	typ    reflect.Type
	omit   bool
	isTime bool
}

// fields lists the JSON members of struct t as encoding/json writes them,
// with embedded structs flattened.
func fields(t reflect.Type) []prop {
	var out []prop
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Tag.Get("json") == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for _, p := range fields(et) {
					// A field of the outer struct wins over an embedded one.
					if !slices.ContainsFunc(out, func(q prop) bool { return q.name == p.name }) {
						out = append(out, p)
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		name, omit, skip := jsonName(f)
		if skip {
			continue
		}
		if i := slices.IndexFunc(out, func(q prop) bool { return q.name == name }); i >= 0 {
			out = slices.Delete(out, i, i+1)
		}
		out = append(out, prop{name: name, typ: f.Type, omit: omit})
	}
	return out
}

func (g *schemaGen) schema(t reflect.Type, owner string) any {
	if name, ok := g.names[t]; ok && name != owner {
		return newObj("$ref", "#/components/schemas/"+name)
	}
	if enum, ok := openAPITypeEnums[t]; ok {
		return newObj("type", "string", "enum", enum)
	}
	switch {
	case t == timeType:
		return newObj("type", "string", "format", "date-time")
	case t.Kind() == reflect.Pointer:
		return g.schema(t.Elem(), "")
	case t.Kind() == reflect.Struct:
		return g.object(t, owner, false, nil)
	case t.Kind() == reflect.Slice:
		return newObj("type", "array", "items", g.schema(t.Elem(), ""))
	case t.Kind() == reflect.Map:
		if t.Elem().Kind() == reflect.Interface {
			return newObj("type", "object")
		}
		return newObj("type", "object", "additionalProperties", g.schema(t.Elem(), ""))
	case t.Kind() == reflect.Interface:
		return newObj()
	case t.Kind() == reflect.String:
		return newObj("type", "string")
	case t.Kind() == reflect.Bool:
		return newObj("type", "boolean")
	case t.Kind() == reflect.Int64:
		return newObj("type", "integer", "format", "int64")
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return newObj("type", "integer")
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return newObj("type", "number")
	}
	panic(fmt.Sprintf("openapi: no schema for %v", t))
}

// object is struct t as a closed object. A response lists every member
// encoding/json always writes as required; a request lists required.
func (g *schemaGen) object(t reflect.Type, owner string, request bool, required []string) *obj {
	props := newObj()
	var req []string
	for _, p := range fields(t) {
		s := g.schema(p.typ, "")
		if note, ok := openAPIFieldNotes[owner+"."+p.name]; ok {
			merged := newObj()
			if so, ok := s.(*obj); ok {
				for _, k := range so.keys {
					merged.set(k, so.vals[k])
				}
			}
			for _, k := range note.keys {
				merged.set(k, note.vals[k])
			}
			s = merged
		}
		if request && (p.name == "created_at" || p.name == "updated_at") {
			// The hub sets these and reads past whatever a body holds
			// there (httpx.Ignored): any value, not only a time.
			s = newObj("readOnly", true, "description", "Set by the hub; any value sent here is ignored.")
		}
		props.set(p.name, s)
		if !request && !p.omit {
			req = append(req, p.name)
		}
	}
	if request {
		req = required
	}
	o := newObj("type", "object", "properties", props)
	if len(req) > 0 {
		o.set("required", req)
	}
	return o.set("additionalProperties", false)
}
