package api

import (
	"fmt"
	"strconv"
	"strings"

	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/mail"
	"cityhub/mobility"
	"cityhub/money"
	"cityhub/outbox"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// ---- Operations -------------------------------------------------------------

type apiParam struct {
	name, in, desc string
	schema         *obj
	required       bool
}

func query(name, desc string, schema *obj) apiParam {
	return apiParam{name: name, in: "query", desc: desc, schema: schema}
}

// givenOnce ends what is said of a list's single-valued query parameter
// (its cursor, its page size, a filter that takes one value): repeated,
// alike or not, it is refused rather than read for its first value.
const givenOnce = " Given more than once, 400 (duplicate_field)."

// onceQuery is a list's single-valued query parameter.
func onceQuery(name, desc string, schema *obj) apiParam {
	return query(name, desc+givenOnce, schema)
}

// limitOf is the page size of a list: 1 to most, def when absent; more
// says what else holds for it ("" or a sentence's start, "the CSV's first
// page; ").
func limitOf(def, most int, more string) apiParam {
	return onceQuery("limit", fmt.Sprintf("Page size, 1 to %d (default %d); %sanother value is 400 (bad_limit).", most, def, more),
		newObj("type", "integer", "minimum", 1, "maximum", most))
}

type apiResponse struct {
	status  int
	desc    string
	schema  any    // a component name, or an *obj
	media   string // "" means application/json
	headers []string
	// location describes this answer's Location header where it is not
	// the created object's URL (the shared header's words): a venue has no
	// URL of its own, and its Location is its seat map.
	location string
}

type apiOperation struct {
	method, path, id, tag, summary, desc string
	// auth: "public", "bearer" (any signed-in account) or "roles".
	auth  string
	roles []identity.Role
	query []apiParam
	// header parameters by component name (IdempotencyKey, ...).
	headers []string
	body    any // a component name, or an *obj
	// form says the body may also come as multipart/form-data (the body's
	// fields and files).
	form bool
	ok   []apiResponse
	errs []int
}

func ref(name string) *obj { return newObj("$ref", "#/components/schemas/"+name) }

func listOf(member, item string) *obj {
	return newObj("type", "object", "properties", newObj(member, newObj("type", "array", "items", ref(item))),
		"required", []string{member}, "additionalProperties", false)
}

func str() *obj { return newObj("type", "string") }

var (
	citizen  = []identity.Role{identity.RoleCitizen}
	merchant = []identity.Role{identity.RoleMerchant}
	admin    = []identity.Role{identity.RoleAdmin}
	operator = []identity.Role{identity.RoleOperator, identity.RoleAdmin}

	shopQuery    = query("shop", "For staff of several shops: which of their shops (default: their only one; staff of several who leave it out get 400 shop_required, as does anyone who gives it twice, even alike: nothing is done for either shop). A shop the caller is not staff of is 403 (not_your_shop).", str())
	limitQuery   = limitOf(20, wallet.MaxPage, "")
	cursorQuery  = onceQuery("cursor", "next_cursor of the previous page; a cursor the list did not give is 400 (bad_cursor).", str())
	voucherLimit = limitOf(vouchers.DefaultPage, vouchers.MaxPage, "")
	formatQuery  = onceQuery("format", "csv for the CSV export (also with an Accept that weighs text/csv above application/json, each by its most specific range: text/csv, text/* or */*); another value is 400 (reason bad_format).", newObj("type", "string", "enum", []string{"csv"}))
	dialectQuery = onceQuery("dialect", "excel, with a CSV answer, for the file as a spreadsheet opens it: a UTF-8 byte order mark, semicolons, a decimal comma in amounts and local times without an offset (2026-12-07 13:10:05), the zone named in the header. Without it the CSV is for programs (RFC 4180's quoting: commas, a dot, lines ended by a line feed). Another value, or one with a JSON answer, is 400 (reason bad_dialect).", newObj("type", "string", "enum", []string{"excel"}))
	csvStatement = apiResponse{status: 200, desc: "The statement as CSV (with ?format=csv or Accept: text/csv): a header, then one row per redemption and nothing else, so the amount_eur column sums to total_cents; the count and total are the JSON's.", media: "text/csv"}
)

// openDataKept describes every open data route: each hub computes the
// open data at most once a minute (web/feeds.OpenDataMaxAge).
const openDataKept = "Computed at most once a minute by each hub, and given as computed until then (generated_at, Last-Modified, and an ETag naming that copy); Cache-Control: public, max-age is the rest of that minute. If-None-Match with the ETag, or If-Modified-Since at or after Last-Modified, is answered 304 while that copy is served."

// openDataNotModified is the open data's answer to a caller whose copy is
// the one served.
var openDataNotModified = apiResponse{status: 304, desc: "Not modified: the caller's copy is the one served."}

// openVoucherStatsKept adds what the voucher statistics keep longer.
const openVoucherStatsKept = openDataKept + " A campaign that can no longer change is summed at most once an hour (see adminCampaignUptake)."

// credentialOps are the station credential and incident routes; the
// mobility service admits city admins and mobility operators to both.
func credentialOps() []apiOperation {
	base := "/api/v1/admin/mobility/stations/{id}/credential"
	taken := "409 (broker_account_taken) when the station's id names a broker account that was not made for a station (the hub's own, or one made by hand): the account is left as it is; register the station under another id. 409 (credential_changed) when another change of the credential came first: look again."
	secret := "Cache-Control: no-store. The secret is in this answer only; an Idempotency-Key is not honoured (the hub would have to keep the secret): a client that lost the answer rotates the credential. 404 (no_station) for an unknown station. " + taken
	return []apiOperation{
		{method: "GET", path: "/api/v1/admin/mobility/credentials", id: "listStationCredentials", tag: "mobility-admin", summary: "Every station's broker credential (no secrets)", auth: "roles", roles: operator,
			ok: []apiResponse{{status: 200, desc: "Credentials by station id.", schema: listOf("credentials", "StationCredential")}}, errs: []int{401, 403}},
		{method: "GET", path: base, id: "getStationCredential", tag: "mobility-admin", summary: "A station's broker credential (no secret)", auth: "roles", roles: operator,
			desc: "404 (no_credential) for a station that never had one, or no such station.",
			ok:   []apiResponse{{status: 200, desc: "The credential.", schema: "StationCredential"}}, errs: []int{401, 403, 404}},
		{method: "POST", path: base, id: "issueStationCredential", tag: "mobility-admin", summary: "Issue a registered station's broker credential", auth: "roles", roles: operator,
			desc: "409 (credential_active) while the station has an active credential: rotate it instead. " + secret,
			ok:   []apiResponse{{status: 201, desc: "The credential with its secret, shown once.", schema: "IssuedCredential"}}, errs: []int{401, 403, 404, 409, 503}},
		{method: "POST", path: base + "/rotate", id: "rotateStationCredential", tag: "mobility-admin", summary: "Replace a station's secret", auth: "roles", roles: operator,
			desc: "The old secret stops working and a station connected with it is disconnected. 404 (no_credential) without an active credential: issue one. " + secret,
			ok:   []apiResponse{{status: 200, desc: "The credential with its new secret, shown once.", schema: "IssuedCredential"}}, errs: []int{401, 403, 404, 409, 503}},
		{method: "DELETE", path: base, id: "revokeStationCredential", tag: "mobility-admin", summary: "Revoke a station's credential and disconnect it", auth: "roles", roles: operator,
			desc: "404 (no_credential) without an active credential. " + taken,
			ok:   []apiResponse{{status: 200, desc: "The revoked credential.", schema: "StationCredential"}}, errs: []int{401, 403, 404, 409, 503}},
		{method: "GET", path: "/api/v1/operator/mobility/incidents", id: "listIncidents", tag: "mobility-operator", summary: "Mobility incidents, newest first", auth: "roles", roles: operator,
			desc: "The newest " + strconv.Itoa(mobility.MaxIncidentList) + " that match; an unknown kind is 400 (reason bad_kind).",
			query: []apiParam{onceQuery("open", "true for unresolved incidents only; any value but true or false is 400 (bad_open).", newObj("type", "string", "enum", []string{"true", "false"})),
				onceQuery("kind", "Incidents of this kind only: a bike a station released with no ride, or a citizen's fault report.", newObj("type", "string", "enum", mobility.IncidentKinds))},
			ok: []apiResponse{{status: 200, desc: "Incidents.", schema: listOf("incidents", "Incident")}}, errs: []int{400, 401, 403}},
		{method: "POST", path: "/api/v1/operator/mobility/incidents/{id}/resolve", id: "resolveIncident", tag: "mobility-operator", summary: "Resolve an open incident", auth: "roles", roles: operator,
			desc: "404 (no_incident) for an incident that does not exist or is resolved already.",
			ok:   []apiResponse{{status: 204, desc: "Resolved."}}, errs: []int{401, 403, 404}},
	}
}

// byNameIT is the order of the catalogue lists of named things.
const byNameIT = "by the Italian name (name_it) as a reader looks it up, case and accents aside (arco di Traiano, Étoile, Viale Mellusi), then by id"

// catalogueOps are the five routes of one mobility catalogue (routeCatalogue).
// stem names its reasons (no_station, station_exists); order is its list's
// order; fields says what its fields' own reasons are.
func catalogueOps(path, member, comp, noun, stem, order, fields string) []apiOperation {
	base := "/api/v1/admin/mobility/" + path
	tag := "mobility-admin"
	idName := strings.ReplaceAll(comp, " ", "")
	unknown := "404 (no_" + stem + ") for an unknown id."
	ids := "400 (invalid_id) for an id, or the id of another item it names, that is not 1 to 64 lower-case letters, digits, - or _, starting with a letter or digit; " + fields
	return []apiOperation{
		{method: "GET", path: base, id: "adminList" + idName + "s", tag: tag, summary: "List " + noun + "s", auth: "roles", roles: admin,
			desc: "In the order of the administrator's pages in Italian: " + order + "; the same on PostgreSQL and SQLite.",
			ok:   []apiResponse{{status: 200, desc: "Every " + noun + ".", schema: listOf(member, comp)}}, errs: []int{401, 403}},
		{method: "POST", path: base, id: "adminCreate" + idName, tag: tag, summary: "Create a " + noun, auth: "roles", roles: admin,
			desc: ids + " 409 (" + stem + "_exists) for an id already taken.",
			body: newObj("allOf", []any{ref(comp + "Input"), newObj("required", []string{"id"})}),
			ok:   []apiResponse{{status: 201, desc: "Created.", schema: comp, headers: []string{"Location"}}}, errs: []int{400, 401, 403, 409}},
		{method: "GET", path: base + "/{id}", id: "adminGet" + idName, tag: tag, summary: "Read a " + noun, auth: "roles", roles: admin,
			desc: unknown,
			ok:   []apiResponse{{status: 200, desc: "The " + noun + ".", schema: comp}}, errs: []int{401, 403, 404}},
		{method: "PUT", path: base + "/{id}", id: "adminReplace" + idName, tag: tag, summary: "Replace a " + noun, auth: "roles", roles: admin,
			desc: "The body is the whole object, not a change to it: an optional field left out is stored empty (an English name, an address, a description), never kept from the stored one, and the fields it requires are required here as on create. " +
				"The body's id may be left out; 400 (id_mismatch) when it names another than the path. " + ids + " " + unknown,
			body: comp + "Input", ok: []apiResponse{{status: 200, desc: "Replaced.", schema: comp}}, errs: []int{400, 401, 403, 404}},
		{method: "DELETE", path: base + "/{id}", id: "adminDelete" + idName, tag: tag, summary: "Delete a " + noun + " (409 while in use)", auth: "roles", roles: admin,
			desc: unknown,
			ok:   []apiResponse{{status: 204, desc: "Deleted."}}, errs: []int{401, 403, 404, 409}},
	}
}

// shopFields and campaignFields are the reasons a shop's or a campaign's
// fields are refused with (vouchers.Shop.Validate, Campaign.Validate).
const (
	shopFields     = "400 for a name of 1 to 200 or an address of 1 to 300 characters that is not one line (shop_name, shop_address), a district or category that does not make a code of letters, digits, - and _ (kept lower-cased, accents dropped, each run of spaces or punctuation one hyphen: Centro Storico is centro-storico; shop_district, shop_category), an IBAN whose shape or check digits are wrong (reason iban)."
	campaignFields = "400 for a name that is not one line of 1 to 200 characters (campaign_name), a description over 2000 or with control characters (campaign_description), a lang other than it or en (campaign_lang), a budget that is not a positive number of cents up to the most (reason budget), a face value not positive or over the budget (face_value), a percentage outside 0 to 100 (percent_off), a minimum spend below zero or over the most (min_spend), a per-citizen limit outside 1 to 100 (per_citizen_limit), a valid_from or valid_until that is not a date (YYYY-MM-DD) or an RFC 3339 time (reason date), a window that does not end after it starts or falls outside the years 2000 to 2999 (reason validity), a mode other than single_use or partial (reason mode), a district or category that makes no code (read as a shop's is), or too many of them and shops together (reason eligibility)."
)

// accountFields are the reasons a new account's fields are refused with
// (identity.NewAccount.Validate).
var accountFields = "400 bad_email for an address that is not valid (or longer than " + strconv.Itoa(identity.MaxEmailLen) + " bytes, or under .invalid, where no mail is delivered), bad_name for a name that is not one line of 1 to " + strconv.Itoa(identity.MaxNameLen) + " characters, bad_locale for a language the hub does not speak, an empty one too (leave locale out, or null, for the default), weak_password for a password shorter than " + strconv.Itoa(identity.MinPasswordLen) + " characters, guessable_password for one too easy to guess (judged by its first " + strconv.Itoa(identity.GuessedFrom) + " characters, with the account's name and address counted as known words), bad_password for one longer than " + strconv.Itoa(identity.MaxPasswordLen) + " bytes"

func openAPIOperations() []apiOperation {
	ops := []apiOperation{
		{method: "GET", path: "/api/v1/openapi.json", id: "getOpenAPI", tag: "meta", summary: "This document", auth: "public",
			desc: "Cacheable; revalidate with If-None-Match (the document changes only with the hub's version).",
			ok: []apiResponse{{status: 200, desc: "The OpenAPI 3.1 document of the JSON API.", schema: newObj("type", "object", "required", []string{"openapi", "info", "paths"})},
				{status: 304, desc: "Not modified."}}},

		// Identity.
		{method: "POST", path: "/api/v1/auth/login", id: "login", tag: "identity", summary: "Log in with email and password", auth: "public",
			desc: "401 (reason bad_credentials) for a wrong email or password alike, an empty one too; 400 (missing_field) for one left out, or null; 401 (reason email_not_verified) for the right password of an account whose address was never confirmed (follow the verification e-mail's link, or ask for a new one); 403 (reason account_disabled) for the right password of an account an administrator disabled (ask the city's offices; a password reset does not enable it), a wrong one being 401 bad_credentials as for any account; neither right-password refusal counts as a failed login; 429 (too_many_attempts, with Retry-After) after too many failures for the email or the client address.",
			body: "LoginRequest", ok: []apiResponse{{status: 200, desc: "Tokens.", schema: "Tokens"}}, errs: []int{400, 401, 403, 429}},
		{method: "POST", path: "/api/v1/auth/refresh", id: "refreshTokens", tag: "identity", summary: "Rotate a refresh token", auth: "public",
			desc: "The old refresh token stops working; reusing a rotated one revokes every refresh token of its login. 401 (invalid_refresh_token) for a refresh token unknown, expired, revoked or already rotated; 400 (missing_field) without refresh_token, or with null. Access tokens already issued are not revoked by either: they work until they expire (expires_in, 15 minutes by default).",
			body: "RefreshRequest", ok: []apiResponse{{status: 200, desc: "New tokens.", schema: "Tokens"}}, errs: []int{400, 401}},
		{method: "POST", path: "/api/v1/auth/logout", id: "logout", tag: "identity", summary: "Revoke a refresh token and its login", auth: "public",
			desc: "204 even for an unknown token, so logging out twice is harmless; 400 (missing_field) without refresh_token, or with null. Access tokens already issued work until they expire (expires_in); a password change or reset ends them at once.",
			body: "RefreshRequest", ok: []apiResponse{{status: 204, desc: "Logged out."}}, errs: []int{400}},
		{method: "GET", path: "/api/v1/me", id: "getMe", tag: "identity", summary: "The caller", auth: "bearer",
			ok: []apiResponse{{status: 200, desc: "The caller.", schema: "Caller"}}, errs: []int{401}},
		{method: "GET", path: "/api/v1/me/data", id: "exportMyData", tag: "identity", summary: "Download everything the hub holds about the caller (GDPR)", auth: "bearer",
			ok: []apiResponse{{status: 200, desc: "The export, as an attachment.", schema: "MyData", headers: []string{"Content-Disposition"}}}, errs: []int{401, 404}},
		{method: "DELETE", path: "/api/v1/me", id: "deleteMe", tag: "identity", summary: "Erase the caller's personal data (GDPR)", auth: "bearer",
			desc: "The account is anonymised and every token and session revoked; ledger entries stay, pointing at no one. " +
				"Its unused vouchers are given up in the same transaction: what is left of them goes back to their campaigns' budgets and their codes no longer redeem (409 voucher_used at the till). Tickets stay valid. " +
				"Credit left on the account goes where credit says, in the same transaction: cards (back to the cards of the top-ups of the last 180 days without a dispute, newest first; what they cannot take goes to the city) or city. cards is for credit of which some can go back to a card: when none can (it came another way, or from older or disputed top-ups) it is refused, 400 (reason credit_choice), and nothing changes. " +
				"With credit and no credit parameter, 400 (reason credit_choice) and nothing changes; the problem's detail says how much is left and what can be chosen: the cards or the city, how much would go back to the cards and how much to the city when only part can go back, or the city alone. credit given twice, even alike, is 400 (credit_choice) with or without credit, and nothing changes. While a bike ride of the caller's is pending or under way, 409 (reason ride_in_progress) and nothing changes: its fare is charged when the bike docks. The city's last active administrator is refused with 409 (reason last_admin): the role goes to another account first. 503 when the hub does not erase accounts. " +
				"The erasure closes the account's credit in its transaction: a top-up, payment or refund of the caller's that comes after it is refused (401) and moves nothing, and one that came before it is part of the credit it settled. " +
				"Its retry, the same request under the same Idempotency-Key, gets the first answer (204, Idempotent-Replayed: true) although the token then signs nobody in; another erasure with that token (another request under the key, another key, no key) is 401 (account_deleted), and any other call with it 401 (account_inactive). The same erasure sent twice at once under two keys (or none): the second is 401 (account_deleted).",
			query: []apiParam{query("credit", "Where credit left on the account goes, given once (twice is 400 credit_choice); required when there is some.", newObj("type", "string", "enum", []string{"cards", "city"}))},
			ok:    []apiResponse{{status: 204, desc: "Erased."}}, errs: []int{400, 401, 409, 503}},
		{method: "POST", path: "/api/v1/accounts", id: "signup", tag: "identity", summary: "Sign a citizen up (the address is verified by e-mail)", auth: "public",
			desc: "The account is made unverified, with its wallet, and an e-mail with a link to /account/confirm goes to the address; the account logs in once the link is followed. The answer is the same 202 whether or not the address already has an account (its owner is told by e-mail instead), so it reveals no address. " + accountFields + ", unknown_field for roles or grants (a sign-up chooses none: every account signed up is a citizen's). 429 (reason too_many_signups or too_many_emails) after too many from the network.",
			body: "SignupRequest", ok: []apiResponse{{status: 202, desc: "Check the e-mail.", schema: "SignupAccepted"}}, errs: []int{400, 429}},
		{method: "POST", path: "/api/v1/accounts/verification-emails", id: "resendVerification", tag: "identity", summary: "Send a new link to confirm an address", auth: "public",
			desc: "To an address whose account is not verified yet; nothing to any other. The same 202 for every address; 400 (bad_email) for one that is not valid. 429 (reason too_many_emails) after too many from the network.",
			body: "EmailRequest", ok: []apiResponse{{status: 202, desc: "Check the e-mail.", schema: "SignupAccepted"}}, errs: []int{400, 429}},
		{method: "POST", path: "/api/v1/accounts/email-confirmations", id: "confirmEmail", tag: "identity", summary: "Confirm an address with an e-mailed link's token",
			auth: "public", desc: "A sign-up's token verifies the account's address (it can then log in), whoever sends it. A change of address's token (a SPID/CIE login's proposed address's too) moves the account to the new address only with the bearer token of that account: without one 401 (reason login_required), with another account's 403 (reason other_account), and the token stays unspent; so whoever reads the mailbox cannot give it to an account that is not theirs. Each token works once. 400 (reason invalid_token) for a token unknown, used, expired or forged; 409 (reason email_taken) when another account took the new address first.",
			body: "TokenRequest", ok: []apiResponse{{status: 200, desc: "The address, verified.", schema: "EmailConfirmed"}}, errs: []int{400, 401, 403, 409}},
		{method: "POST", path: "/api/v1/password-resets", id: "requestPasswordReset", tag: "identity", summary: "E-mail a link to choose a new password", auth: "public",
			desc: "The same 202 whether or not the address has an account; 400 (bad_email) for an address that is not valid. 429 (reason too_many_emails) after too many from the network.",
			body: "EmailRequest", ok: []apiResponse{{status: 202, desc: "Check the e-mail.", schema: "SignupAccepted"}}, errs: []int{400, 429}},
		{method: "POST", path: "/api/v1/password-resets/complete", id: "resetPassword", tag: "identity", summary: "Choose a new password with a reset link's token", auth: "public",
			desc: "The token works once; every page session, refresh token and access token of the account ends and the address is told. 400 for a password shorter than the minimum (weak_password), too long (bad_password) or too easy to guess (guessable_password, judged once the token is known good), the token not spent, or, reason invalid_token, a token unknown, used, expired or forged.",
			body: "PasswordResetRequest", ok: []apiResponse{{status: 204, desc: "The password is changed; log in with it."}}, errs: []int{400}},
		{method: "PUT", path: "/api/v1/me/password", id: "changeMyPassword", tag: "identity", summary: "Change the caller's password", auth: "bearer",
			desc: "After checking the current one. Every page session, refresh token and access token of the account ends, the caller's too: log in again. Its retry, the same request under the same Idempotency-Key with the token the change ended, gets the first answer (204, Idempotent-Replayed: true), as long as nothing else has ended the account's tokens since (another change, a reset, a disable); another body under that key is 409 (idempotency_key_reused), and anything else with that token, a refusal kept under another key too, is 401 (invalid_token). 400 with reason wrong_password for a wrong current password, weak_password for a new one shorter than the minimum, bad_password for one too long, guessable_password for one too easy to guess (judged after the current password); 429 as for logins.",
			body: "PasswordChangeRequest", ok: []apiResponse{{status: 204, desc: "Changed; log in again."}}, errs: []int{400, 401, 429}},
		{method: "PUT", path: "/api/v1/me/locale", id: "changeMyLocale", tag: "identity", summary: "Change the language of the caller's account", auth: "bearer",
			desc: "The language the account's e-mails are written in, and its pages' on a browser without the language switch's cookie (the pages' /account form and, for a signed-in person, the header's switch change it too). Only the caller's own account; the same language again changes nothing. Each change is audited (account.locale_change) with the language before and after. 400 (reason bad_locale) for a language the hub does not speak, or none, and nothing changes.",
			body: "LocaleRequest", ok: []apiResponse{{status: 200, desc: "The caller, as GET /api/v1/me shows it, in the new language.", schema: "Caller"}}, errs: []int{400, 401}},
		{method: "POST", path: "/api/v1/me/email-changes", id: "changeMyEmail", tag: "identity", summary: "Move the caller's account to another address", auth: "bearer",
			desc: "After checking the password, a link goes to the new address; the account moves when it is confirmed by the account, signed in (POST /api/v1/accounts/email-confirmations with its bearer token, or the e-mailed page). The same 202 whether or not the new address has an account. Asking again ends the links sent before, whatever becomes of the new request, except a refusal: a 4xx changes nothing. 400 (reason bad_email for an address that is not valid, same_email for the account's own, wrong_password); 429 as for logins after wrong passwords, or (reason too_many_emails) after too many e-mails from the network.",
			body: "EmailChangeRequest", ok: []apiResponse{{status: 202, desc: "Check the new address's e-mail.", schema: "SignupAccepted"}}, errs: []int{400, 401, 429}},
		{method: "GET", path: "/api/v1/accounts/{id}", id: "getAccount", tag: "identity", summary: "One account (its owner or a city admin)", auth: "bearer",
			desc: "Anyone else gets 404 (account_not_found), as if it did not exist, as for an id that is no account.",
			ok:   []apiResponse{{status: 200, desc: "The account.", schema: "Account"}}, errs: []int{401, 404}},
		{method: "GET", path: "/api/v1/admin/accounts", id: "adminListAccounts", tag: "identity", summary: "Find accounts, newest first", auth: "roles", roles: admin,
			desc: "Every filter given must match. Pages follow each other by next_cursor. 400 (bad_cursor) for a cursor that is no account id, so none the list gave.",
			query: []apiParam{
				onceQuery("q", "Part of the e-mail address or of the name (any case), or a whole account id or fiscal code; over "+strconv.Itoa(identity.MaxAccountSearchLen)+" characters is 400 (bad_search).", newObj("type", "string", "maxLength", identity.MaxAccountSearchLen)),
				onceQuery("role", "Accounts holding this role (another is 400 bad_role).", newObj("type", "string", "enum", rolesOf(identity.Roles))),
				onceQuery("scope", "With a scoped role (merchant_staff, door_staff, city_staff): accounts holding it for this shop, venue or office; without one, 400 (bad_scope).", str()),
				onceQuery("state", "Accounts in this state: active, unverified (address never proved, no SPID/CIE identity), disabled, erased (another is 400 bad_state).", newObj("type", "string", "enum", accountStates())),
				cursorQuery,
				limitOf(identity.DefaultAccountPage, identity.MaxAccountPage, ""),
			},
			ok: []apiResponse{{status: 200, desc: "A page of accounts.", schema: "AccountPage"}}, errs: []int{400, 401, 403}},
		{method: "POST", path: "/api/v1/admin/accounts", id: "adminCreateAccount", tag: "identity", summary: "Create an account with grants", auth: "roles", roles: admin,
			desc: "400 (reason unknown_scope) for a grant of a shop, venue or office that does not exist; " + accountFields + "; bad_grant for no grant, an unknown role, a grant listed twice, a shop, venue or office role without its scope or a city-wide one with one. 409 (email_taken) when the address has an account already.",
			body: "AdminAccountRequest", ok: []apiResponse{{status: 201, desc: "The new account.", schema: "Account", headers: []string{"Location"}}}, errs: []int{400, 401, 403, 409}},
		{method: "PUT", path: "/api/v1/admin/accounts/{id}/disabled", id: "adminSetAccountDisabled", tag: "identity", summary: "Disable or re-enable an account", auth: "roles", roles: admin,
			desc: "Disabling revokes the account's tokens and sessions at once, for good: enabling the account again brings none of them back. 400 (missing_field) without disabled. An administrator cannot disable themself (403, reason own_account), nor the city's last active administrator (409, reason last_admin: two administrators disabling each other at once, the second is refused); an unknown or erased account is 404 (account_not_found), as for its grants.",
			body: "AccountDisabledRequest", ok: []apiResponse{{status: 200, desc: "The account.", schema: "Account"}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "PUT", path: "/api/v1/admin/accounts/{id}/grants", id: "adminSetAccountGrants", tag: "identity", summary: "Replace an account's grants", auth: "roles", roles: admin,
			desc: "The grants hold from the account's next request. Giving citizen opens a wallet if the account had none. 400 (missing_field) without grants; 400 (bad_grant) for no grant, an unknown role, a grant listed twice, a shop, venue or office role without its scope or a city-wide one with one. A grant of a shop, venue or office that does not exist is 400 (reason unknown_scope); one the account already holds is kept. An administrator cannot take city_admin from themself (403, reason own_admin), nor from the city's last active administrator (409, reason last_admin: two administrators taking it from each other at once, the second is refused); an unknown or erased account is 404 (account_not_found). Audited with the grants before and after.",
			body: "AccountGrantsRequest", ok: []apiResponse{{status: 200, desc: "The account with its new grants.", schema: "Account"}}, errs: []int{400, 401, 403, 404, 409}},

		// Wallet.
		{method: "GET", path: "/api/v1/wallet", id: "getWallet", tag: "wallet", summary: "The caller's balance and wallet items", auth: "roles", roles: citizen,
			ok: []apiResponse{{status: 200, desc: "The wallet.", schema: "Wallet"}}, errs: []int{401, 403}},
		{method: "GET", path: "/api/v1/wallet/history", id: "getWalletHistory", tag: "wallet", summary: "A page of the caller's ledger entries", auth: "roles", roles: citizen,
			query: []apiParam{cursorQuery, limitQuery},
			ok:    []apiResponse{{status: 200, desc: "Entries, newest first.", schema: "HistoryPage"}}, errs: []int{400, 401, 403}},
		{method: "POST", path: "/api/v1/wallet/topups", id: "topUpWallet", tag: "wallet", summary: "Top up the caller's credit", auth: "roles", roles: citizen,
			desc: "With test payments on, credited at once (a retry with the same Idempotency-Key answers the first result, with Idempotent-Replayed: true). With Stripe, a pending PaymentIntent to confirm, its client_secret for Stripe.js: the answer kept for the Idempotency-Key leaves the secret out, and a retry gets the first answer with its secret asked again (from the hub, or from Stripe, which answers the intent's key with the same intent for a day); after that day 409 payment_secret_expired (not kept: see GET /api/v1/wallet/topups). 400 (topup_amount) for an amount outside " + money.Cents(wallet.MinTopUp).String() + " to " + money.Cents(wallet.MaxTopUp).String() + ". 503 (reason payments_off) when neither is configured; 503 (reason card_payment_unavailable) when Stripe cannot be reached, nothing charged. " +
				"401 (account_deleted) when the caller's account was erased while the request was on its way: nothing is credited, and no card payment is recorded for a client secret to pay (a top-up answered 201 before the erasure was part of the credit it settled).",
			headers: []string{"IdempotencyKey"}, body: "TopUpRequest",
			ok:   []apiResponse{{status: 201, desc: "Top-up started or credited.", schema: "TopUp", headers: []string{"Idempotent-Replayed"}}},
			errs: []int{400, 401, 403, 409, 503}},
		{method: "GET", path: "/api/v1/wallet/topups", id: "listWalletTopUps", tag: "wallet", summary: "The caller's card top-ups and their states", auth: "roles", roles: citizen,
			desc: "The latest card top-ups (at most 100), newest first. state: pending until Stripe confirms, failed after a declined attempt (another may still succeed), credited, refunded (partly or wholly, at Stripe), " +
				"disputed while a chargeback is open (its amount is held from the credit), dispute_lost once it is lost (the money went back to the card). A dispute won makes it credited again. Empty on a hub without card payments.",
			ok: []apiResponse{{status: 200, desc: "The top-ups.", schema: "CardTopUps"}}, errs: []int{401, 403}},
		{method: "GET", path: "/api/v1/admin/ledger/accounts/{id}", id: "adminGetLedgerAccount", tag: "wallet", summary: "Any ledger account with a page of its entries", auth: "roles", roles: admin,
			desc:  "404 (no_ledger_account) for an account the ledger does not hold.",
			query: []apiParam{cursorQuery, limitQuery},
			ok:    []apiResponse{{status: 200, desc: "The account and its entries.", schema: "LedgerAccountView"}}, errs: []int{400, 401, 403, 404}},
		{method: "GET", path: "/api/v1/admin/ledger/check", id: "adminCheckLedger", tag: "wallet", summary: "The ledger's self-check", auth: "roles", roles: admin,
			desc: "Every exact balance against its entries, the sum of all balances, transactions that do not balance, accounts below their floor, entries naming accounts or transactions that do not exist; then the reconciliations of the domains' records with the accounts they post to (reconciled names those that ran, unreconciled those that could not, a database error; vouchers: a campaign's held and budget, a shop's payable and paid; ticketing: the theatre's revenue; cardpay: Stripe clearing and the card disputes' account; mobility: bikeshare revenue), each account that disagrees listed in discrepancies with the balance its records give and, as basis, what that was computed from: claimed_less_spent, closed_holds_nothing, budget_less_claimed, budget_less_spent, redeemed_less_paid, paid_settlements, sold_less_disputed, open_disputes, card_payments_less_refunds, charged_fares. Any finding makes ok false.",
			ok:   []apiResponse{{status: 200, desc: "The check (200 whether or not ok).", schema: "LedgerCheck"}}, errs: []int{401, 403}},
		{method: "POST", path: "/api/v1/stripe/webhook", id: "stripeWebhook", tag: "wallet", summary: "Stripe events: payments, refunds and disputes of the hub's own card payments", auth: "public",
			desc: "Authenticated by the Stripe-Signature header (401 otherwise), read whole (400, reason body_unreadable, for a body cut short), signed within the tolerance of the hub's clock in either direction (400, reason webhook_timestamp, otherwise). " +
				"payment_intent.succeeded credits a top-up or issues a ticket order; charge.refunded and charge.dispute.created/closed/funds_withdrawn/funds_reinstated reach the credit and the order (docs/wallet.md). " +
				"Each event id is applied once; a repeat answers the first outcome with replayed. An event for a payment the hub did not create is recorded for an operator (attention) and never credited. " +
				"A failure worth retrying answers 5xx so that Stripe delivers again. Only there when card payments are configured: 404 (reason payments_off) otherwise.",
			headers: []string{"StripeSignature"}, body: newObj("type", "object", "description", "A Stripe event, verbatim."),
			ok: []apiResponse{{status: 200, desc: "Received.", schema: "StripeWebhookAnswer"}}, errs: []int{400, 401, 404}},

		{method: "GET", path: "/api/v1/admin/payments/events", id: "adminListPaymentEvents", tag: "wallet", summary: "Stripe events kept for an operator", auth: "roles", roles: admin,
			desc:  "Events the hub recorded instead of applying, newest first, a page at a time (pass next_cursor as cursor for the next; total counts them all): payments it did not create (unmatched_payment), foreign currencies, refusals. " + badCursor + "such event. Only there when card payments are configured: 404 (reason payments_off) otherwise, whoever asks.",
			query: []apiParam{cursorQuery, limitOf(cardpay.DefaultAttentionPage, cardpay.MaxAttentionPage, "")},
			ok:    []apiResponse{{status: 200, desc: "A page of events.", schema: "PaymentEvents"}}, errs: []int{400, 401, 403, 404}},

		// The e-mail outbox.
		{method: "GET", path: "/api/v1/admin/mail", id: "adminListMail", tag: "mail", summary: "The e-mail outbox", auth: "roles", roles: admin,
			desc:  "Every e-mail the hub wrote, newest first, with its state, attempts and last error. With no SMTP server configured, e-mails stay pending here. Pages follow each other by next_cursor; 400 (bad_cursor) for a cursor that is no e-mail id, so none the list gave.",
			query: []apiParam{onceQuery("state", "Only e-mails in this state (another is 400 bad_state).", newObj("type", "string", "enum", mail.States)), cursorQuery, limitOf(50, outbox.MaxPage, "")},
			ok:    []apiResponse{{status: 200, desc: "A page of e-mails.", schema: "MailPage"}}, errs: []int{400, 401, 403}},
		{method: "GET", path: "/api/v1/admin/mail/{id}", id: "adminGetMail", tag: "mail", summary: "One e-mail with its bodies", auth: "roles", roles: admin,
			desc: "404 (reason no_mail) for an e-mail the outbox does not hold.",
			ok:   []apiResponse{{status: 200, desc: "The e-mail.", schema: "MailMessage"}}, errs: []int{401, 403, 404}},
		{method: "POST", path: "/api/v1/admin/mail/{id}/retry", id: "adminRetryMail", tag: "mail", summary: "Send a failed e-mail again", auth: "roles", roles: admin,
			desc: "The e-mail becomes pending, due now, with a fresh count of attempts. 409 (reason mail_not_failed) unless it failed; 404 (reason no_mail) for an e-mail the outbox does not hold.",
			ok:   []apiResponse{{status: 200, desc: "The e-mail, pending.", schema: "MailSummary"}}, errs: []int{401, 403, 404, 409}},

		// Vouchers: the city administrator.
		{method: "GET", path: "/api/v1/admin/shops", id: "adminListShops", tag: "vouchers-admin", summary: "List shops", auth: "roles", roles: admin,
			desc:  "By district, then name, a page at a time (pass next_cursor as cursor for the next; total counts every shop the filters select). " + badCursor + "shop.",
			query: []apiParam{onceQuery("district", "Only this district.", str()), onceQuery("category", "Only this category.", str()), cursorQuery, voucherLimit},
			ok:    []apiResponse{{status: 200, desc: "A page of shops.", schema: "ShopPage"}}, errs: []int{400, 401, 403}},
		{method: "POST", path: "/api/v1/admin/shops", id: "adminCreateShop", tag: "vouchers-admin", summary: "Register a shop", auth: "roles", roles: admin,
			desc: shopFields + " 409 (shop_duplicate) for a shop of the same name at the same address.",
			body: "ShopRequest", ok: []apiResponse{{status: 201, desc: "The shop.", schema: "Shop", headers: []string{"Location"}}}, errs: []int{400, 401, 403, 409}},
		{method: "GET", path: "/api/v1/admin/shops/{id}", id: "adminGetShop", tag: "vouchers-admin", summary: "One shop", auth: "roles", roles: admin,
			desc: "404 (shop_not_found) for an unknown shop.",
			ok:   []apiResponse{{status: 200, desc: "The shop.", schema: "Shop"}}, errs: []int{401, 403, 404}},
		{method: "PUT", path: "/api/v1/admin/shops/{id}", id: "adminUpdateShop", tag: "vouchers-admin", summary: "Replace a shop's details", auth: "roles", roles: admin,
			desc: shopFields + " 404 (shop_not_found) for an unknown shop; 409 (shop_duplicate) for the name and address of another shop.",
			body: "ShopRequest", ok: []apiResponse{{status: 200, desc: "The shop.", schema: "Shop"}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/admin/campaigns", id: "adminListCampaigns", tag: "vouchers-admin", summary: "List campaigns", auth: "roles", roles: admin,
			desc:  "Newest first, a page at a time (pass next_cursor as cursor for the next; total counts every campaign of the status asked). " + badCursor + "campaign.",
			query: []apiParam{onceQuery("status", "Only campaigns in this status (another value is 400 bad_status).", newObj("type", "string", "enum", campaignStatuses)), cursorQuery, voucherLimit},
			ok:    []apiResponse{{status: 200, desc: "A page of campaigns.", schema: "CampaignPage"}}, errs: []int{400, 401, 403}},
		{method: "POST", path: "/api/v1/admin/campaigns", id: "adminCreateCampaign", tag: "vouchers-admin", summary: "Create a draft campaign", auth: "roles", roles: admin,
			desc: "The budget is funded from the city's at once. " + campaignFields + " 400 too for what is most likely a mistake: a validity already over (validity_over), a shop that does not exist (unknown_shop), a district or a category that no shop has (no_shop_in_district, no_shop_in_category; each is checked on its own, not that some shop has both).",
			body: "CampaignRequest", ok: []apiResponse{{status: 201, desc: "The campaign.", schema: "Campaign", headers: []string{"Location"}}}, errs: []int{400, 401, 403}},
		{method: "GET", path: "/api/v1/admin/campaigns/{id}", id: "adminGetCampaign", tag: "vouchers-admin", summary: "One campaign", auth: "roles", roles: admin,
			desc: "404 (campaign_not_found) for an unknown campaign.",
			ok:   []apiResponse{{status: 200, desc: "The campaign.", schema: "Campaign"}}, errs: []int{401, 403, 404}},
		{method: "PUT", path: "/api/v1/admin/campaigns/{id}", id: "adminUpdateCampaign", tag: "vouchers-admin", summary: "Change a draft campaign (not its budget)", auth: "roles", roles: admin,
			desc: "The budget was funded when the campaign was created: budget_cents left out (or 0) or the same keeps it, any other is 400 budget_fixed. The other fields are checked as on creation: " + campaignFields + " 404 (campaign_not_found) for an unknown campaign; 409 campaign_not_draft once the campaign has opened.",
			body: "CampaignUpdateRequest", ok: []apiResponse{{status: 200, desc: "The campaign.", schema: "Campaign"}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "POST", path: "/api/v1/admin/campaigns/{id}/{action}", id: "adminSetCampaignStatus", tag: "vouchers-admin", summary: "Open, pause or close a campaign", auth: "roles", roles: admin,
			desc: "404 (reason no_such_action) for any other action, (campaign_not_found) for an unknown campaign; 409 (campaign_status) for a move its status does not allow.",
			ok:   []apiResponse{{status: 200, desc: "The campaign.", schema: "Campaign"}}, errs: []int{401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/admin/campaigns/{id}/uptake", id: "adminCampaignUptake", tag: "vouchers-admin", summary: "A campaign's live uptake", auth: "roles", roles: admin,
			desc: "404 (campaign_not_found) for an unknown campaign. Summed from the campaign's vouchers and redemptions on each read, until it can no longer change: once closed, and its validity ended the reversal window (30 minutes) ago, each hub sums it at most once an hour. Its split by district and category follows the shops' details, so a corrected district shows within that hour (at once on the hub that made the change).",
			ok:   []apiResponse{{status: 200, desc: "Uptake.", schema: "CampaignUptake"}}, errs: []int{401, 403, 404}},
		{method: "GET", path: "/api/v1/admin/settlements", id: "adminListSettlements", tag: "vouchers-admin", summary: "List statements", auth: "roles", roles: admin,
			desc:  "Newest first, a page at a time (pass next_cursor as cursor for the next; total counts every statement of the list). " + badCursor + "statement of the list (another shop's, with shop_id).",
			query: []apiParam{onceQuery("shop_id", "Only this shop's.", str()), cursorQuery, voucherLimit},
			ok:    []apiResponse{{status: 200, desc: "A page of statements.", schema: "SettlementPage"}}, errs: []int{400, 401, 403}},
		{method: "GET", path: "/api/v1/admin/shops/{id}/settlement-due", id: "adminSettlementDue", tag: "vouchers-admin", summary: "What closing a shop's settlement period now would settle", auth: "roles", roles: admin,
			desc: "Settles nothing. The shop (with the IBAN a statement closed now would name), the period's end (now less the reversal window), the count and total of the redemptions before it, and those still inside the window (left for a later statement). To close exactly what was shown, POST /api/v1/admin/settlements with this period_end, the shop's iban, count and total_cents: if any changed meanwhile the close is 409 (settlement_changed) and settles nothing. 404 (shop_not_found) for a shop that does not exist.",
			ok:   []apiResponse{{status: 200, desc: "What is due.", schema: "SettlementDue"}}, errs: []int{401, 403, 404}},
		{method: "POST", path: "/api/v1/admin/settlements", id: "adminCloseSettlement", tag: "vouchers-admin", summary: "Close a shop's settlement period", auth: "roles", roles: admin,
			desc:    "Redemptions still inside the reversal window are left for the next period. 400 (missing_field) without shop_id, or with it empty; 404 (shop_not_found) for a shop that does not exist; 400 (period_end) for a period_end that is not an RFC 3339 time, in the future or before 2000; 409 (nothing_to_settle) when the shop has no redemption to settle in the period; 409 (settlement_changed), nothing settled, when the iban, count or total_cents given are no longer the shop's IBAN or the period's redemptions (the statement names the IBAN it was closed with, never one the client did not see). A replay of the Idempotency-Key answers the first settlement (Idempotent-Replayed: true); the same key with another body is 409.",
			headers: []string{"IdempotencyKey"}, body: "CloseSettlementRequest",
			ok: []apiResponse{{status: 201, desc: "The settlement (its id is the batch id).", schema: "Settlement", headers: []string{"Idempotent-Replayed"}}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/admin/settlements/{id}", id: "adminGetSettlement", tag: "vouchers-admin", summary: "A statement with its lines", auth: "roles", roles: admin,
			desc:  "404 (settlement_not_found) for an unknown statement.",
			query: []apiParam{formatQuery, dialectQuery},
			ok:    []apiResponse{{status: 200, desc: "The statement.", schema: "Statement"}, csvStatement}, errs: []int{400, 401, 403, 404}},
		{method: "POST", path: "/api/v1/admin/settlements/{id}/paid", id: "adminMarkSettlementPaid", tag: "vouchers-admin", summary: "Record a statement's payment", auth: "roles", roles: admin,
			desc:    "Moves the total from the shop's payable to paid, once per batch. Needs an Idempotency-Key. 400 (payment_ref) for a payment reference that is not one line of 1 to 200 characters; 404 (settlement_not_found) for an unknown statement; 409 (already_paid) for a batch paid already.",
			headers: []string{"IdempotencyKey"}, body: "MarkPaidRequest",
			ok: []apiResponse{{status: 200, desc: "The settlement.", schema: "Settlement", headers: []string{"Idempotent-Replayed"}}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/admin/voucher-audit", id: "adminVoucherAudit", tag: "vouchers-admin", summary: "The voucher scheme's audit log", auth: "roles", roles: admin,
			desc: "Oldest first. As JSON one page at a time; as CSV every entry from the cursor on, written a page at a time as it is read (a read that fails after the first page cuts the transfer off, so the file is never taken for the whole log).",
			query: []apiParam{onceQuery("since", "Only entries at or after this RFC 3339 time (another text is 400, reason bad_since).", newObj("type", "string", "format", "date-time")), onceQuery("shop_id", "Only this shop's.", str()),
				cursorQuery, limitOf(vouchers.MaxAuditPage, vouchers.MaxAuditPage, "the CSV's first page; "), formatQuery, dialectQuery},
			ok: []apiResponse{{status: 200, desc: "A page of audit entries.", schema: "AuditPage"},
				{status: 200, desc: "The log as CSV (with ?format=csv or Accept: text/csv).", media: "text/csv"}}, errs: []int{400, 401, 403}},

		// Vouchers: citizens.
		{method: "GET", path: "/api/v1/campaigns", id: "listClaimableCampaigns", tag: "vouchers", summary: "Campaigns the caller may claim now", auth: "roles", roles: citizen,
			ok: []apiResponse{{status: 200, desc: "Campaigns.", schema: listOf("campaigns", "ClaimableCampaign")}}, errs: []int{401, 403}},
		{method: "POST", path: "/api/v1/campaigns/{id}/claim", id: "claimVoucher", tag: "vouchers", summary: "Claim a voucher of a campaign", auth: "roles", roles: citizen,
			desc: "The budget and the per-citizen limit are checked atomically: 409 when the budget is used up (budget_exhausted), the caller has as many vouchers of the campaign as it allows (per_citizen_limit), or the campaign is not open (campaign_not_open), has not started (not_yet_valid) or has ended (campaign_over); 404 (reason campaign_not_found) for an unknown campaign or a draft; 401 (account_deleted) when the caller's account was erased while the request was on its way, and no voucher is made. A replay of the Idempotency-Key gets the first answer (Idempotent-Replayed: true), the voucher or a refusal, even once the campaign has reopened; the same key for another campaign is 409 (reason idempotency_key_reused).",
			ok:   []apiResponse{{status: 201, desc: "The voucher.", schema: "Voucher", headers: []string{"Location"}}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/campaigns/{id}/shops", id: "listCampaignShops", tag: "vouchers", summary: "Shops that take a campaign's vouchers", auth: "bearer",
			desc:  "The active shops the campaign admits. An unknown campaign, or one still a draft, is 404 (reason campaign_not_found).",
			query: []apiParam{onceQuery("district", "Only this district.", str())},
			ok:    []apiResponse{{status: 200, desc: "Shops.", schema: listOf("shops", "PublicShop")}}, errs: []int{400, 401, 404}},
		{method: "GET", path: "/api/v1/vouchers", id: "listMyVouchers", tag: "vouchers", summary: "The caller's vouchers", auth: "roles", roles: citizen,
			ok: []apiResponse{{status: 200, desc: "Vouchers.", schema: listOf("vouchers", "Voucher")}}, errs: []int{401, 403}},
		{method: "GET", path: "/api/v1/vouchers/{id}", id: "getMyVoucher", tag: "vouchers", summary: "One of the caller's vouchers, with where it was used", auth: "roles", roles: citizen,
			desc: "404 (voucher_not_found) for a voucher that is not the caller's, as for one that does not exist.",
			ok:   []apiResponse{{status: 200, desc: "The voucher.", schema: "Voucher"}}, errs: []int{401, 403, 404}},
		{method: "GET", path: "/api/v1/vouchers/{id}/qr", id: "getVoucherQRToken", tag: "vouchers", summary: "A fresh QR token for one of the caller's vouchers", auth: "roles", roles: citizen,
			desc: "404 (voucher_not_found) for a voucher that is not the caller's; 409 (voucher_not_active) when the voucher cannot be used any more.",
			ok:   []apiResponse{{status: 200, desc: "The token.", schema: "VoucherQRToken"}}, errs: []int{401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/vouchers/{id}/qr.png", id: "getVoucherQRImage", tag: "vouchers", summary: "The same fresh token as a QR image (level M)", auth: "roles", roles: citizen,
			desc: "404 (voucher_not_found) for a voucher that is not the caller's; 409 (voucher_not_active) when the voucher cannot be used any more.",
			ok:   []apiResponse{{status: 200, desc: "A PNG image.", media: "image/png"}}, errs: []int{401, 403, 404, 409}},

		// Vouchers: the shop's till.
		{method: "POST", path: "/api/v1/merchant/vouchers/preview", id: "previewVoucher", tag: "vouchers-merchant", summary: "Verify a code and show what it is worth here", auth: "roles", roles: merchant,
			desc:  "The shop comes from the caller's merchant_staff grant. A voucher that exists is described with 200 whatever its state: one that cannot be redeemed here now (used up, expired, its campaign not started or closed, this shop not eligible, the caller's own: staff do not redeem a voucher they hold, or held by other staff of this shop: reason staff_voucher) has eligible_here false and problem saying why, in the message the redeem would refuse it with; check eligible_here before offering to redeem. Refused only as redeeming would be before the voucher's own rules are judged: 400 for a code that does not read (reasons code_missing, qr_invalid, code_malformed), 409 for an expired QR code (qr_expired: show a fresh one), 404 (code_unknown, voucher_not_found) for a code no voucher has, or (shop_not_found) the caller's shop gone. 429 (too_many_failed_codes, with Retry-After) after too many wrong typed codes. Failed look-ups of typed codes are rate-limited (429) and answer alike whether or not a code exists.",
			query: []apiParam{shopQuery}, body: "PreviewRequest",
			ok: []apiResponse{{status: 200, desc: "The preview.", schema: "VoucherPreview"}}, errs: []int{400, 401, 403, 404, 409, 429}},
		{method: "POST", path: "/api/v1/merchant/vouchers/redeem", id: "redeemVoucher", tag: "vouchers-merchant", summary: "Redeem a voucher for a purchase", auth: "roles", roles: merchant,
			desc:  "Every rule is checked in the transaction that moves the value to the shop's payable. 400 for a code that does not read (reasons code_missing, qr_invalid, code_malformed), for a purchase amount that is not a positive whole number of cents up to the most or too small for the voucher (purchase_amount), or below the campaign's minimum spend (below_min_spend). 409 for a voucher that cannot be used here: the QR code has expired (qr_expired: show a fresh one), the voucher is the caller's own (own_voucher: staff may not redeem, at a till they work, a voucher they hold) or held by other staff of this shop (staff_voucher: a colleague's voucher cannot be redeemed at the tills of the shop they work; staff of another shop are citizens here), the voucher is used up (voucher_used) or has expired (voucher_expired), its campaign has not started (not_yet_valid) or is closed (campaign_closed), or this shop is not eligible (shop_not_eligible). 404 (code_unknown) for a typed code no voucher has. 429 (too_many_failed_codes, with Retry-After) after too many wrong typed codes. A replay of the Idempotency-Key gets the first answer (Idempotent-Replayed: true), a refusal too, even once the QR code has expired or the voucher has changed; the same key for another voucher or amount is 409 (reason idempotency_key_reused).",
			query: []apiParam{shopQuery}, headers: []string{"IdempotencyKey"}, body: "RedeemRequest",
			ok: []apiResponse{{status: 201, desc: "The redemption.", schema: "RedemptionReceipt", headers: []string{"Idempotent-Replayed"}}}, errs: []int{400, 401, 403, 404, 409, 429}},
		{method: "POST", path: "/api/v1/merchant/redemptions/{id}/reverse", id: "reverseRedemption", tag: "vouchers-merchant", summary: "Reverse a redemption within the reversal window", auth: "roles", roles: merchant,
			desc:  "404 (redemption_not_found) for a redemption not made at this shop; 409 when it was reversed already (already_reversed), is on a statement (already_settled) or is older than the reversal window (reversal_window_passed).",
			query: []apiParam{shopQuery}, headers: []string{"IdempotencyKey"},
			ok: []apiResponse{{status: 200, desc: "The reversed redemption.", schema: "Redemption", headers: []string{"Idempotent-Replayed"}}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/merchant/redemptions/today", id: "todayRedemptions", tag: "vouchers-merchant", summary: "This shop's redemptions today (in the city's time zone)", auth: "roles", roles: merchant,
			query: []apiParam{shopQuery},
			ok:    []apiResponse{{status: 200, desc: "Today's report; reversed redemptions are listed and not counted.", schema: "DayReport"}}, errs: []int{400, 401, 403}},
		{method: "GET", path: "/api/v1/merchant/balance", id: "shopBalance", tag: "vouchers-merchant", summary: "What the city owes this shop", auth: "roles", roles: merchant,
			desc:  "404 (shop_not_found) for a shop of the caller's grant that is not registered.",
			query: []apiParam{shopQuery},
			ok:    []apiResponse{{status: 200, desc: "The balance.", schema: "ShopBalance"}}, errs: []int{400, 401, 403, 404}},
		{method: "GET", path: "/api/v1/merchant/statements", id: "shopStatements", tag: "vouchers-merchant", summary: "This shop's statements", auth: "roles", roles: merchant,
			desc:  "Newest first, a page at a time (pass next_cursor as cursor for the next; total counts them all). " + badCursor + "statement of this shop's.",
			query: []apiParam{shopQuery, cursorQuery, voucherLimit},
			ok:    []apiResponse{{status: 200, desc: "A page of statements.", schema: "SettlementPage"}}, errs: []int{400, 401, 403}},
		{method: "GET", path: "/api/v1/merchant/statements/{id}", id: "shopStatement", tag: "vouchers-merchant", summary: "One of this shop's statements", auth: "roles", roles: merchant,
			desc:  "404 (settlement_not_found) for a statement that is not this shop's, as for one that does not exist.",
			query: []apiParam{shopQuery, formatQuery, dialectQuery},
			ok:    []apiResponse{{status: 200, desc: "The statement.", schema: "Statement"}, csvStatement}, errs: []int{400, 401, 403, 404}},

		// Vouchers: open data.
		{method: "GET", path: "/api/v1/open/vouchers/stats", id: "openVoucherStats", tag: "open-data", summary: "Anonymous campaign statistics (CC-BY-4.0)", auth: "public", desc: openVoucherStatsKept,
			ok: []apiResponse{{status: 200, desc: "The statistics; a Link header names the licence.", schema: "OpenVoucherStats", headers: []string{"Link"}}, openDataNotModified}},
		{method: "GET", path: "/api/v1/open/dcat-ap_it.rdf", id: "openDataCatalog", tag: "open-data", summary: "The open data catalogue (DCAT-AP_IT), in RDF/XML", auth: "public",
			desc: "Every dataset this hub publishes (those of its areas that are on), described in DCAT-AP_IT, the Italian national profile of DCAT-AP, for dati.gov.it and regional portals to harvest: this is the address to register. Each resource is a fragment of the open data page (/dati-aperti#dataset-bikes...), which describes it to people; identifiers are the municipality's IPA code and D.1 to D.6, fixed per dataset; the licence is CC BY 4.0 in AgID's vocabulary. 404 (reason no_catalogue) while CITYHUB_CITY_IPA_CODE is not set.",
			ok:   []apiResponse{{status: 200, desc: "RDF/XML.", media: "application/rdf+xml", headers: []string{"Link"}}}, errs: []int{404}},
		{method: "GET", path: "/api/v1/open/dcat-ap_it.jsonld", id: "openDataCatalogJSONLD", tag: "open-data", summary: "The same catalogue as JSON-LD", auth: "public",
			desc: "The statements of the RDF/XML catalogue, as expanded JSON-LD (full IRIs, no context). 404 (reason no_catalogue) while CITYHUB_CITY_IPA_CODE is not set.",
			ok:   []apiResponse{{status: 200, desc: "Expanded JSON-LD.", schema: "ExpandedJSONLD", media: "application/ld+json", headers: []string{"Link"}}}, errs: []int{404}},
		{method: "GET", path: "/api/v1/open/vouchers/stats.csv", id: "openVoucherStatsCSV", tag: "open-data", summary: "The same statistics as CSV", auth: "public", desc: openVoucherStatsKept,
			ok: []apiResponse{{status: 200, desc: "CSV, the licence in a column of every row.", media: "text/csv", headers: []string{"Link"}}, openDataNotModified}},

		// Mobility: riders.
		{method: "GET", path: "/api/v1/mobility/stations", id: "listStations", tag: "mobility", summary: "Stations with live availability", auth: "public",
			desc: "With lat and lon (the phone's position), nearest first with distance_meters; 400 (position) unless both are numbers of a valid position. Without them, in the alphabetical order of name_it, the city's own name for a station (letters alike whatever their case and accents).",
			query: []apiParam{onceQuery("lat", "Latitude in degrees (with lon).", newObj("type", "number", "minimum", -90, "maximum", 90)),
				onceQuery("lon", "Longitude in degrees (with lat).", newObj("type", "number", "minimum", -180, "maximum", 180))},
			ok: []apiResponse{{status: 200, desc: "Stations.", schema: listOf("stations", "StationView")}}, errs: []int{400}},
		{method: "GET", path: "/api/v1/mobility/stations/{id}", id: "getStation", tag: "mobility", summary: "One station with its docked bikes", auth: "public",
			desc: "404 (no_station) for an unknown station.",
			ok:   []apiResponse{{status: 200, desc: "The station.", schema: "StationView"}}, errs: []int{404}},
		{method: "POST", path: "/api/v1/mobility/unlock", id: "unlockBike", tag: "mobility", summary: "Unlock a bike", auth: "roles", roles: citizen,
			desc: "Answers once the station confirmed. 400 (reason unlock_target) without a dock or a bike to unlock (a dock of 0 is none); 400 invalid_id for a station id that is not 1 to 64 lower-case letters, digits, - or _, or a bike code that is not one once read in lower case with the spaces around it dropped (as the unlock page reads it: BN-001-B01 is bn-001-b01), dock_number for a dock below 0 or above " + strconv.Itoa(mobility.MaxCapacity) + ", no_such_dock for a dock the station does not have (the detail gives its range: This station has docks 1 to 6.; nothing is sent to the station), request_id for a request id that is not 1 to 100 letters, digits, - or _. 404 (no_station) for an unknown station, (no_such_bike) for a bike code that no bike has, named alone or with a dock (a bike of the hub docked elsewhere is 409 below; nothing is sent to the station). 402 (reason insufficient_credit) when the credit is too low (nothing is sent to the station); " +
				"409 when the bike is taken (bike_taken), the rider already rides (ride_open), the dock named holds no bike (no_bike_at_dock), the bike named is not in the dock named (bike_not_at_dock) or, named alone, not docked at the station (bike_not_at_station), or when the station refused because the dock holds no bike or is busy (station_refused:no_bike, station_refused:busy; nothing charged); " +
				"503 when the station is closed (station_closed), is offline (station_offline; the detail of either names the station by its Italian name) or cannot be reached (broker_unavailable), did not answer in time (station_timeout), refused for another reason (station_refused:<its error>), or the dock is out of order or of service (dock_fault, dock_out_of_service) or the bike cannot be rented (bike_unknown, bike_inactive) (nothing charged); " +
				"401 (account_deleted) when the caller's account was erased while the request was on its way (nothing is sent to the station). " +
				"The request id (request_id or the Idempotency-Key header, 1 to 100 letters, digits, - or _): a retry of the same unlock answers the first attempt's outcome (Idempotent-Replayed: true), its failure too (a 503 or a station's refusal: the station was asked under this id and would answer it the same; try again with a new id), " +
				"the same id for another station, dock or bike is 409 (idempotency_key_reused), and an id another rider has used is 409 (request_id_reused).",
			headers: []string{"UnlockIdempotencyKey"}, body: "UnlockRequest",
			ok: []apiResponse{{status: 201, desc: "The running ride.", schema: "Ride", headers: []string{"Location"}}}, errs: []int{400, 401, 402, 403, 404, 409, 503}},
		{method: "GET", path: "/api/v1/mobility/rides/current", id: "currentRide", tag: "mobility", summary: "The caller's running ride", auth: "roles", roles: citizen,
			desc: "404 (no_ride) when the caller rides no bike.",
			ok:   []apiResponse{{status: 200, desc: "The ride with its time and cost so far.", schema: "RideView"}}, errs: []int{401, 403, 404}},
		{method: "GET", path: "/api/v1/mobility/rides", id: "listRides", tag: "mobility", summary: "The caller's rides, newest first", auth: "roles", roles: citizen,
			query: []apiParam{onceQuery("before", "created_at of the last ride seen (RFC 3339); another text is 400 (bad_before).", newObj("type", "string", "format", "date-time")),
				limitOf(50, 100, "")},
			ok: []apiResponse{{status: 200, desc: "Rides.", schema: listOf("rides", "RideView")}}, errs: []int{400, 401, 403}},
		{method: "GET", path: "/api/v1/mobility/favourites", id: "listFavouriteStations", tag: "mobility", summary: "The caller's favourite stations", auth: "roles", roles: citizen,
			ok: []apiResponse{{status: 200, desc: "Favourite stations.", schema: "FavouriteStations"}}, errs: []int{401, 403}},
		{method: "PUT", path: "/api/v1/mobility/favourites/{id}", id: "addFavouriteStation", tag: "mobility", summary: "Mark a station as a favourite", auth: "roles", roles: citizen,
			desc: "Marking a favourite again changes nothing. 400 (invalid_id) for an id that is not 1 to 64 lower-case letters, digits, - or _; 404 (no_station) for an unknown station.",
			ok:   []apiResponse{{status: 200, desc: "The favourite stations, this one among them.", schema: "FavouriteStations"}}, errs: []int{400, 401, 403, 404}},
		{method: "DELETE", path: "/api/v1/mobility/favourites/{id}", id: "removeFavouriteStation", tag: "mobility", summary: "Unmark a favourite station", auth: "roles", roles: citizen,
			desc: "Unmarking a station that is no favourite changes nothing.",
			ok:   []apiResponse{{status: 200, desc: "The favourite stations left.", schema: "FavouriteStations"}}, errs: []int{400, 401, 403}},
		{method: "GET", path: "/api/v1/mobility/fault-reports", id: "listMyFaultReports", tag: "mobility", summary: "The caller's fault reports, newest first", auth: "roles", roles: citizen,
			desc: "Open and resolved, the latest " + strconv.Itoa(mobility.MaxListedReports) + ".",
			ok:   []apiResponse{{status: 200, desc: "Fault reports.", schema: listOf("reports", "MyFaultReport")}}, errs: []int{401, 403}},
		{method: "POST", path: "/api/v1/mobility/fault-reports", id: "reportFault", tag: "mobility", summary: "Report a faulty bike or dock to the operators", auth: "roles", roles: citizen,
			desc: "The report reaches the operators' list of incidents. While the caller's report of the same bike or dock is open, reporting it again answers that report (200) rather than filing a second. " +
				"400 report_station without a valid station id, report_target for a target other than bike or dock, report_bike without a valid bike code (target bike), report_dock without a dock of 1 or more (target dock) or for one the station does not have, report_text for a description that is not 3 to " + strconv.Itoa(mobility.MaxReportText) + " characters, report_text_invisible_characters for one holding invisible or control characters, such as a text direction override; " +
				"404 (no_station) for an unknown station, (report_no_bike) for an unknown bike; 409 (report_raced) when the same report was being filed at the same moment twice over (try again). 429 (reason report_limit) with " + strconv.Itoa(mobility.MaxOpenReports) + " reports open already.",
			body: "FaultReportRequest",
			ok: []apiResponse{{status: 201, desc: "The new report.", schema: "MyFaultReport"},
				{status: 200, desc: "The caller's open report of the same bike or dock.", schema: "MyFaultReport"}}, errs: []int{400, 401, 403, 404, 409, 429}},

		// Mobility: operators.
		{method: "GET", path: "/api/v1/operator/mobility/stations", id: "operatorOverview", tag: "mobility-operator", summary: "Every station with its problems, and long rides", auth: "roles", roles: operator,
			ok: []apiResponse{{status: 200, desc: "The overview, problems first.", schema: "OperatorOverview"}}, errs: []int{401, 403}},
		{method: "GET", path: "/api/v1/operator/mobility/stations/{id}/occupancy", id: "stationOccupancy", tag: "mobility-operator", summary: "A station's occupancy over the last 24 hours", auth: "roles", roles: operator,
			desc: "404 (no_station) for an unknown station.",
			ok: []apiResponse{{status: 200, desc: "One sample per 5 minutes with telemetry, oldest first.", schema: newObj("type", "object",
				"properties", newObj("station_id", str(), "interval_seconds", newObj("type", "integer", "const", 300), "samples", newObj("type", "array", "items", ref("OccupancySample"))),
				"required", []string{"station_id", "interval_seconds", "samples"}, "additionalProperties", false)}}, errs: []int{401, 403, 404}},
		{method: "PUT", path: "/api/v1/operator/mobility/stations/{id}/status", id: "setStationOpen", tag: "mobility-operator", summary: "Open or close a station", auth: "roles", roles: operator,
			desc: "400 (open) without open true or false; 404 (no_station) for an unknown station.",
			body: "StationOpenRequest", ok: []apiResponse{{status: 200, desc: "The station.", schema: "Station"}}, errs: []int{400, 401, 403, 404}},
		{method: "PUT", path: "/api/v1/operator/mobility/stations/{id}/docks/{dock}", id: "setDockService", tag: "mobility-operator", summary: "Put a dock in or out of service", auth: "roles", roles: operator,
			desc: "400 in_service without in_service true or false, dock_note for a note that is not one line of at most " + strconv.Itoa(mobility.MaxDockNote) + " characters, dock_number for a dock the station does not have; 404 (no_station) for an unknown station.",
			body: "DockServiceRequest", ok: []apiResponse{{status: 200, desc: "The dock's setting.", schema: "Dock"}}, errs: []int{400, 401, 403, 404}},
		{method: "POST", path: "/api/v1/operator/mobility/stations/{id}/reset", id: "resetStationState", tag: "mobility-operator", summary: "Forget what a station reported, so its next status is taken whatever its clock says", auth: "roles", roles: operator,
			desc: "404 (no_station) for an unknown station.",
			ok:   []apiResponse{{status: 204, desc: "The station's reported state is forgotten; it shows offline until its next status."}}, errs: []int{401, 403, 404}},
	}
	ops = append(ops, credentialOps()...)
	// Registering a station issues its broker credential, as the admin
	// pages do; the secret makes the route unkeyed, like the credential's.
	stations := catalogueOps("stations", "stations", "Station", "station", "station", byNameIT,
		"400 station_name without an Italian name or for a name that is not one line of at most 200 characters, station_address for an address that is not one line of at most 300 characters, station_position for a position that is no valid latitude and longitude (or is 0, 0), station_capacity for a capacity that is not 1 to 200 docks, missing_field without lat, lon or open (an explicit null too).")
	stations[1].summary = "Register a station and issue its broker credential"
	stations[1].desc += " Cache-Control: no-store. The answer is the station with its first broker credential, whose secret is in this answer only; " +
		"when the credential could not be issued, credential_error says why and the station exists all the same (issue it with POST .../credential). " +
		"An Idempotency-Key is not honoured (the hub would have to keep the secret): a retry finds the station taken (409), and a client that lost the answer rotates the credential."
	stations[1].ok = []apiResponse{{status: 201, desc: "Registered.", schema: "RegisteredStation", headers: []string{"Location"}}}
	stations[3].desc += " 409 (capacity_below_docked, naming how many) for a capacity below the number of bikes the station holds, as it last reported; 409 (docks_hold_bikes, naming the docks) for a capacity the bikes fit in but below a dock that holds one: the docks above the capacity are hidden from riders and the open data, so move the bikes first. Only a lower capacity is judged: an edit that keeps or raises it is taken whatever the station reports in docks above it."
	stations[3].errs = []int{400, 401, 403, 404, 409}
	stations[4].desc += " Its broker credential goes with it. 409 (station_in_use) while bikes are in its docks, as it last reported, or once any ride started or ended there (the rides keep referring to it): close it instead. " +
		"409 (dock_reports_open, naming how many) while riders' fault reports of its docks are open, whoever made them: resolve them first (POST /api/v1/operator/mobility/incidents/{id}/resolve), once the dock is fixed or because it goes with the station; " +
		"a report of one of its docks filed while the delete runs is either seen by it (409) or finds the station gone (404 no_station), never left open at a deleted station. A report of a bike does not keep the station: it is of the bike."
	ops = append(ops, stations...)
	bikes := catalogueOps("bikes", "bikes", "Bike", "bike", "bike", "by id, the code on the frame, character by character (b-2, b1, b_3)",
		"400 unknown_vehicle_type for a vehicle type that does not exist, missing_field without active (an explicit null too).")
	bikes[4].desc += " 409 (bike_on_ride) while it is on a ride; 409 (bike_in_use) while it is in a dock, as its station last reported, or once it has rides behind it, failed unlocks included (the rides keep referring to it): take it out of the fleet (active false) instead."
	ops = append(ops, bikes...)
	types := catalogueOps("vehicle-types", "vehicle_types", "VehicleType", "vehicle type", "vehicle_type", byNameIT,
		"400 vehicle_type_name without an Italian name or for a name that is not one line of at most 200 characters, vehicle_type_propulsion for a propulsion other than human or electric_assist, vehicle_type_range without a range for an e-bike type or with one for another, unknown_pricing_plan for a pricing plan that does not exist.")
	types[4].desc += " 409 (vehicle_type_in_use) while bikes of the type exist."
	ops = append(ops, types...)
	plans := catalogueOps("pricing-plans", "pricing_plans", "PricingPlan", "pricing plan", "pricing_plan", byNameIT,
		"400 pricing_plan_name without an Italian name or for a name that is not one line of at most 200 characters, pricing_plan_description for a description over 1000 characters or with control characters, pricing_plan_unlock for an unlock fee that is not 0 to 50000 cents, pricing_plan_segments for more than 20 per-minute segments or one out of bounds, missing_field without unlock_cents (an explicit null too).")
	plans[4].desc += " 409 (pricing_plan_in_use) while a vehicle type uses it."
	ops = append(ops, plans...)
	ops = append(ops, ticketingOps()...)
	ops = append(ops, participationOps()...)
	return ops
}
