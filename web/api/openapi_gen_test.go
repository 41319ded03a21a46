package api

import (
	"bytes"
	"cityhub/idem"
	"cityhub/web/httpx"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityhub/audit"
	"cityhub/identity"
	"cityhub/mail"
	"cityhub/mobility"
	"cityhub/outbox"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// web/api/openapi.json is built from two things kept next to each other here:
// the Go types the handlers decode and answer with (read by reflection, so a
// field added to a type shows up in the document), and the table of
// operations below, written by hand from the handlers. The contract tests
// then check the document against the routes and against real answers.
// After changing either, rewrite the file with
//
//	go test ./web/api -run TestOpenAPIDocumentCurrent -update-openapi

var updateOpenAPI = flag.Bool("update-openapi", false, "rewrite web/api/openapi.json from the operation table and the Go types")

// obj is a JSON object that keeps its keys in the order they were set, so the
// generated document reads top-down (openapi, info, paths, components).
type obj struct {
	keys []string
	vals map[string]any
}

func newObj(kv ...any) *obj {
	o := &obj{vals: map[string]any{}}
	for i := 0; i+1 < len(kv); i += 2 {
		o.set(kv[i].(string), kv[i+1])
	}
	return o
}

func (o *obj) set(k string, v any) *obj {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
	return o
}

func (o *obj) get(k string) any { return o.vals[k] }

func (o *obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

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
	name     string
	typ      reflect.Type
	request  bool
	required []string
	desc     string
}

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

var openAPIComponents = []component{
	{name: "Problem", typ: typeOf[httpx.Problem](), desc: "An RFC 9457 problem (application/problem+json). code is the stable error code (invalid, not_found, conflict, unauthenticated, forbidden, rate_limited, unavailable, insufficient_funds, internal); reason, when present, names the precise cause (e.g. bad_credentials, insufficient_credit, idempotency_key_reused)."},

	// Identity.
	{name: "Grant", typ: typeOf[identity.Grant](), desc: "A role, within a scope (a shop id for merchant_staff, a venue id for door_staff)."},
	{name: "Caller", typ: typeOf[identity.Caller](), desc: "The authenticated account behind the request."},
	{name: "Account", typ: typeOf[identity.Account]()},
	{name: "Tokens", typ: typeOf[identity.Tokens](), desc: "An access token (EdDSA-signed JWT, short-lived) and an opaque refresh token (rotated on every use)."},
	{name: "PageSession", typ: typeOf[identity.Session]()},
	{name: "RefreshTokenRecord", typ: typeOf[identity.RefreshToken](), desc: "A stored refresh token; only its hash is kept, so the token itself is never shown."},
	{name: "AccountExport", typ: typeOf[identity.Export](), desc: "Everything identity holds about the caller (GDPR access request)."},
	{name: "LoginRequest", typ: typeOf[loginRequest](), request: true, required: []string{"email", "password"}},
	{name: "RefreshRequest", typ: typeOf[refreshRequest](), request: true, required: []string{"refresh_token"}},
	{name: "SignupRequest", typ: typeOf[signupRequest](), request: true, required: []string{"email", "password", "name"}, desc: "locale defaults to it."},
	{name: "AdminAccountRequest", typ: typeOf[adminAccountRequest](), request: true, required: []string{"email", "password", "name"}},
	{name: "AccountDisabledRequest", typ: typeOf[accountDisabledRequest](), request: true, required: []string{"disabled"}},

	// Wallet.
	{name: "Wallet", typ: typeOf[WalletView](), desc: "A citizen's credit balance (integer euro cents) and wallet items."},
	{name: "WalletItem", typ: typeOf[wallet.Item](), desc: "A voucher, ticket or ride as a wallet card."},
	{name: "HistoryLine", typ: typeOf[wallet.HistoryLine]()},
	{name: "HistoryPage", typ: typeOf[wallet.HistoryPage](), desc: "A page of ledger entries, newest first; pass next_cursor as ?cursor= for the following page (absent at the end)."},
	{name: "LedgerAccount", typ: typeOf[wallet.Account]()},
	{name: "LedgerAccountView", typ: typeOf[LedgerAccountView]()},
	{name: "BalanceMismatch", typ: typeOf[wallet.BalanceMismatch]()},
	{name: "LedgerCheck", typ: typeOf[LedgerCheckView](), desc: "The ledger's self-check; ok says whether it is sound."},
	{name: "TopUpRequest", typ: typeOf[topupRequest](), request: true, required: []string{"amount_cents"}},
	{name: "TopUp", typ: typeOf[TopupView](), desc: "A top-up: succeeded at once with test payments (test_payment true, demo money), or pending with a Stripe PaymentIntent to confirm (the credit follows Stripe's webhook)."},
	{name: "StripeWebhookAnswer", typ: typeOf[WebhookAnswer]()},
	{name: "PaymentEvents", typ: typeOf[paymentEventsView](), desc: "Stripe events recorded for an operator; attention says why each one was not applied."},

	// The e-mail outbox.
	{name: "MailSummary", typ: typeOf[MailSummary](), desc: "An e-mail in the outbox: pending (due at next_attempt_at), sending (claimed until next_attempt_at), sent, or failed (out of attempts or refused; an administrator may retry it)."},
	{name: "MailPage", typ: typeOf[MailPageView](), desc: "A page of the outbox, newest first, and how many e-mails are in each state; pass next_cursor as ?cursor= for the following page."},
	{name: "MailMessage", typ: typeOf[mail.Message](), desc: "An e-mail as it was written, bodies included; message_id is its Message-ID header, the same on every delivery."},

	// Vouchers.
	{name: "Shop", typ: typeOf[vouchers.Shop]()},
	{name: "PublicShop", typ: typeOf[publicShopView](), desc: "A shop as citizens see it (no IBAN)."},
	{name: "ShopRequest", typ: typeOf[shopRequest](), request: true, required: []string{"name", "address", "district", "category", "iban"}, desc: "active is only read by PUT (default true)."},
	{name: "Campaign", typ: typeOf[vouchers.Campaign]()},
	{name: "CampaignRequest", typ: typeOf[campaignRequest](), request: true, required: []string{"name", "budget_cents", "face_value_cents", "per_citizen_limit", "valid_from", "valid_until"}},
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
	{name: "Statement", typ: typeOf[vouchers.Statement]()},
	{name: "CloseSettlementRequest", typ: typeOf[closeSettlementRequest](), request: true, required: []string{"shop_id"}, desc: "period_end is an RFC 3339 time; empty or absent means now."},
	{name: "MarkPaidRequest", typ: typeOf[markPaidRequest](), request: true},
	{name: "AuditEntry", typ: typeOf[audit.Entry]()},
	{name: "OpenVoucherStats", typ: typeOf[vouchers.OpenData](), desc: "Anonymous campaign statistics, open data under CC-BY-4.0."},
	{name: "OpenCampaign", typ: typeOf[vouchers.OpenCampaign]()},

	// Mobility.
	{name: "Station", typ: typeOf[mobility.Station]()},
	{name: "StationInput", typ: typeOf[mobility.Station](), request: true, required: []string{"name_it", "lat", "lon", "capacity"}, desc: "created_at and updated_at are set by the hub and ignored here."},
	{name: "StationView", typ: typeOf[mobility.StationView](), desc: "A station with its live availability."},
	{name: "BikeAtDock", typ: typeOf[mobility.BikeAtDock]()},
	{name: "Bike", typ: typeOf[mobility.Bike]()},
	{name: "BikeInput", typ: typeOf[mobility.Bike](), request: true, required: []string{"vehicle_type_id"}},
	{name: "VehicleType", typ: typeOf[mobility.VehicleType]()},
	{name: "VehicleTypeInput", typ: typeOf[mobility.VehicleType](), request: true, required: []string{"name_it", "propulsion", "pricing_plan_id"}},
	{name: "PricingPlan", typ: typeOf[mobility.PricingPlan](), desc: "An unlock fee plus per-minute segments (GBFS per_min_pricing semantics), in integer cents."},
	{name: "PricingPlanInput", typ: typeOf[mobility.PricingPlan](), request: true, required: []string{"name_it", "unlock_cents"}},
	{name: "PricingSegment", typ: typeOf[mobility.Segment]()},
	{name: "UnlockRequest", typ: typeOf[mobility.UnlockRequest](), request: true, required: []string{"station_id"}, desc: "Name the bike by dock or by bike_id (the QR on the bike). request_id (or the Idempotency-Key header) makes a retry answer the first attempt."},
	{name: "Ride", typ: typeOf[mobility.Ride]()},
	{name: "RideView", typ: typeOf[mobility.RideView](), desc: "A ride with its duration and cost so far (the fare once ended)."},
	{name: "OperatorOverview", typ: typeOf[mobility.Overview]()},
	{name: "OperatorStation", typ: typeOf[mobility.OperatorStation]()},
	{name: "DockState", typ: typeOf[mobility.DockState]()},
	{name: "Dock", typ: typeOf[mobility.Dock]()},
	{name: "StationCredential", typ: typeOf[mobility.StationCredential](), desc: "A station's broker account: the MQTT username is the station id. The secret is never shown again after the answer that made it."},
	{name: "IssuedCredential", typ: typeOf[mobility.IssuedCredential](), desc: "A new broker credential with its secret (the MQTT password), shown this once; the hub keeps only a hash."},
	{name: "Incident", typ: typeOf[mobility.Incident](), desc: "Something an operator must look at: bike_released_without_ride is a station confirming an unlock after the hub stopped waiting (or for a request the hub never sent)."},
	{name: "OccupancySample", typ: typeOf[mobility.OccupancySample]()},
	{name: "StationOpenRequest", typ: typeOf[stationOpenRequest](), request: true, required: []string{"open"}},
	{name: "DockServiceRequest", typ: typeOf[dockServiceRequest](), request: true, required: []string{"in_service"}},
}

// Values a string may take, by Go type and by "Component.field".
var openAPITypeEnums = map[reflect.Type][]string{
	typeOf[identity.Role]():       rolesOf(identity.Roles),
	typeOf[wallet.AccountKind]():  {"citizen_credit", "campaign_budget", "campaign_held", "shop_payable", "shop_paid", "city_funding", "stripe_clearing", "revenue", "system"},
	typeOf[mobility.Propulsion](): {string(mobility.Human), string(mobility.ElectricAssist)},
	typeOf[mobility.RideStatus](): {string(mobility.RidePending), string(mobility.RideActive), string(mobility.RideEnded), string(mobility.RideFailed)},
}

func rolesOf(rs []identity.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

var (
	campaignStatuses = []string{vouchers.StatusDraft, vouchers.StatusOpen, vouchers.StatusPaused, vouchers.StatusClosed}
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
	"SignupRequest.locale":               newObj("enum", identity.Locales),
	"AdminAccountRequest.locale":         newObj("enum", identity.Locales),
	"SignupRequest.password":             newObj("minLength", identity.MinPasswordLen),
	"AdminAccountRequest.password":       newObj("minLength", identity.MinPasswordLen),
	"Wallet.currency":                    newObj("const", "EUR"),
	"Wallet.test_payments":               newObj("description", "Top-ups are demo money on this hub (CITYHUB_TEST_PAYMENTS)."),
	"TopUp.currency":                     newObj("const", "EUR"),
	"TopUp.status":                       newObj("enum", []string{"succeeded", "pending"}),
	"TopUpRequest.amount_cents":          newObj("minimum", 1),
	"HistoryPage.next_cursor":            newObj("description", "Cursor of the next (older) page; absent on the last page."),
	"Campaign.status":                    newObj("enum", campaignStatuses),
	"Campaign.mode":                      newObj("enum", voucherModes),
	"Campaign.valid_until":               newObj("description", "Exclusive end of validity."),
	"ClaimableCampaign.status":           newObj("enum", campaignStatuses),
	"ClaimableCampaign.mode":             newObj("enum", voucherModes),
	"CampaignRequest.mode":               newObj("enum", voucherModes),
	"CampaignRequest.valid_from":         newObj("description", "A day in Europe/Rome (YYYY-MM-DD) or an RFC 3339 time."),
	"CampaignRequest.valid_until":        newObj("description", "A day in Europe/Rome (YYYY-MM-DD, inclusive) or an RFC 3339 time."),
	"CampaignUptake.status":              newObj("enum", campaignStatuses),
	"OpenCampaign.status":                newObj("enum", campaignStatuses),
	"Voucher.status":                     newObj("enum", voucherStatuses),
	"Voucher.mode":                       newObj("enum", voucherModes),
	"Voucher.campaign_status":            newObj("enum", campaignStatuses),
	"VoucherPreview.status":              newObj("enum", voucherStatuses),
	"VoucherPreview.mode":                newObj("enum", voucherModes),
	"VoucherPreview.problem":             newObj("description", "Why the voucher cannot be redeemed here now, when it cannot."),
	"PreviewRequest.code":                newObj("description", "A scanned QR token or a typed code."),
	"RedeemRequest.code":                 newObj("description", "A scanned QR token or a typed code."),
	"RedeemRequest.purchase_cents":       newObj("minimum", 1),
	"RedemptionReceipt.reversible_until": newObj("format", "date-time"),
	"Settlement.status":                  newObj("enum", settleStatuses),
	"Statement.status":                   newObj("enum", settleStatuses),
	"OpenVoucherStats.license":           newObj("const", vouchers.OpenLicence),
	"OpenVoucherStats.license_url":       newObj("format", "uri"),
	"AuditEntry.detail":                  newObj("description", "What the action was about (amounts, ids), by action."),
	"StationInput.id":                    newObj("description", "Required on POST; on PUT taken from the URL when absent."),
	"BikeInput.id":                       newObj("description", "Required on POST; on PUT taken from the URL when absent."),
	"VehicleTypeInput.id":                newObj("description", "Required on POST; on PUT taken from the URL when absent."),
	"PricingPlanInput.id":                newObj("description", "Required on POST; on PUT taken from the URL when absent."),
	"DockState.battery":                  newObj("minimum", 0, "maximum", 100),
	"BikeAtDock.battery":                 newObj("minimum", 0, "maximum", 100),
	"UnlockRequest.dock":                 newObj("minimum", 1, "maximum", mobility.MaxCapacity),
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
			s.(*obj).set("readOnly", true)
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

// ---- Operations -------------------------------------------------------------

type apiParam struct {
	name, in, desc string
	schema         *obj
	required       bool
}

func query(name, desc string, schema *obj) apiParam {
	return apiParam{name: name, in: "query", desc: desc, schema: schema}
}

type apiResponse struct {
	status  int
	desc    string
	schema  any    // a component name, or an *obj
	media   string // "" means application/json
	headers []string
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
	ok      []apiResponse
	errs    []int
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

	shopQuery    = query("shop", "For staff of several shops: which of their shops (default: their only one).", str())
	limitQuery   = query("limit", "Page size, 1 to 100 (default 20).", newObj("type", "integer", "minimum", 1, "maximum", wallet.MaxPage))
	cursorQuery  = query("cursor", "next_cursor of the previous page.", str())
	formatQuery  = query("format", "csv for the CSV export (also with Accept: text/csv).", newObj("type", "string", "enum", []string{"csv"}))
	csvStatement = apiResponse{status: 200, desc: "The statement as CSV (with ?format=csv or Accept: text/csv).", media: "text/csv"}
)

// credentialOps are the station credential and incident routes; the
// mobility service admits city admins and mobility operators to both.
func credentialOps() []apiOperation {
	base := "/api/v1/admin/mobility/stations/{id}/credential"
	secret := "Cache-Control: no-store. The secret is in this answer only; an Idempotency-Key is not honoured (the hub would have to keep the secret): a client that lost the answer rotates the credential."
	return []apiOperation{
		{method: "GET", path: "/api/v1/admin/mobility/credentials", id: "listStationCredentials", tag: "mobility-admin", summary: "Every station's broker credential (no secrets)", auth: "roles", roles: operator,
			ok: []apiResponse{{status: 200, desc: "Credentials by station id.", schema: listOf("credentials", "StationCredential")}}, errs: []int{401, 403}},
		{method: "GET", path: base, id: "getStationCredential", tag: "mobility-admin", summary: "A station's broker credential (no secret)", auth: "roles", roles: operator,
			ok: []apiResponse{{status: 200, desc: "The credential.", schema: "StationCredential"}}, errs: []int{401, 403, 404}},
		{method: "POST", path: base, id: "issueStationCredential", tag: "mobility-admin", summary: "Issue a registered station's broker credential", auth: "roles", roles: operator, desc: secret,
			ok: []apiResponse{{status: 201, desc: "The credential with its secret, shown once.", schema: "IssuedCredential"}}, errs: []int{401, 403, 404, 409, 503}},
		{method: "POST", path: base + "/rotate", id: "rotateStationCredential", tag: "mobility-admin", summary: "Replace a station's secret", auth: "roles", roles: operator,
			desc: "The old secret stops working and a station connected with it is disconnected. " + secret,
			ok:   []apiResponse{{status: 200, desc: "The credential with its new secret, shown once.", schema: "IssuedCredential"}}, errs: []int{401, 403, 404, 409, 503}},
		{method: "DELETE", path: base, id: "revokeStationCredential", tag: "mobility-admin", summary: "Revoke a station's credential and disconnect it", auth: "roles", roles: operator,
			ok: []apiResponse{{status: 200, desc: "The revoked credential.", schema: "StationCredential"}}, errs: []int{401, 403, 404, 409, 503}},
		{method: "GET", path: "/api/v1/operator/mobility/incidents", id: "listIncidents", tag: "mobility-operator", summary: "Mobility incidents, newest first", auth: "roles", roles: operator,
			query: []apiParam{query("open", "true for unresolved incidents only.", newObj("type", "string", "enum", []string{"true", "false"}))},
			ok:    []apiResponse{{status: 200, desc: "Incidents.", schema: listOf("incidents", "Incident")}}, errs: []int{401, 403}},
		{method: "POST", path: "/api/v1/operator/mobility/incidents/{id}/resolve", id: "resolveIncident", tag: "mobility-operator", summary: "Resolve an open incident", auth: "roles", roles: operator,
			ok: []apiResponse{{status: 204, desc: "Resolved."}}, errs: []int{401, 403, 404}},
	}
}

// catalogueOps are the five routes of one mobility catalogue (routeCatalogue).
func catalogueOps(path, member, comp, noun string) []apiOperation {
	base := "/api/v1/admin/mobility/" + path
	tag := "mobility-admin"
	idName := strings.ReplaceAll(comp, " ", "")
	return []apiOperation{
		{method: "GET", path: base, id: "adminList" + idName + "s", tag: tag, summary: "List " + noun + "s", auth: "roles", roles: admin,
			ok: []apiResponse{{status: 200, desc: "Every " + noun + ".", schema: listOf(member, comp)}}, errs: []int{401, 403}},
		{method: "POST", path: base, id: "adminCreate" + idName, tag: tag, summary: "Create a " + noun, auth: "roles", roles: admin,
			body: newObj("allOf", []any{ref(comp + "Input"), newObj("required", []string{"id"})}),
			ok:   []apiResponse{{status: 201, desc: "Created.", schema: comp, headers: []string{"Location"}}}, errs: []int{400, 401, 403, 409}},
		{method: "GET", path: base + "/{id}", id: "adminGet" + idName, tag: tag, summary: "Read a " + noun, auth: "roles", roles: admin,
			ok: []apiResponse{{status: 200, desc: "The " + noun + ".", schema: comp}}, errs: []int{401, 403, 404}},
		{method: "PUT", path: base + "/{id}", id: "adminReplace" + idName, tag: tag, summary: "Replace a " + noun, auth: "roles", roles: admin,
			body: comp + "Input", ok: []apiResponse{{status: 200, desc: "Replaced.", schema: comp}}, errs: []int{400, 401, 403, 404}},
		{method: "DELETE", path: base + "/{id}", id: "adminDelete" + idName, tag: tag, summary: "Delete a " + noun + " (409 while in use)", auth: "roles", roles: admin,
			ok: []apiResponse{{status: 204, desc: "Deleted."}}, errs: []int{401, 403, 404, 409}},
	}
}

func openAPIOperations() []apiOperation {
	ops := []apiOperation{
		{method: "GET", path: "/api/v1/openapi.json", id: "getOpenAPI", tag: "meta", summary: "This document", auth: "public",
			desc: "Cacheable; revalidate with If-None-Match (the document changes only with the hub's version).",
			ok: []apiResponse{{status: 200, desc: "The OpenAPI 3.1 document of the JSON API.", schema: newObj("type", "object", "required", []string{"openapi", "info", "paths"})},
				{status: 304, desc: "Not modified."}}},

		// Identity.
		{method: "POST", path: "/api/v1/auth/login", id: "login", tag: "identity", summary: "Log in with email and password", auth: "public",
			desc: "401 (reason bad_credentials) for a wrong email or password alike; 429 after too many failures for the email or the client address.",
			body: "LoginRequest", ok: []apiResponse{{status: 200, desc: "Tokens.", schema: "Tokens"}}, errs: []int{400, 401, 429}},
		{method: "POST", path: "/api/v1/auth/refresh", id: "refreshTokens", tag: "identity", summary: "Rotate a refresh token", auth: "public",
			desc: "The old refresh token stops working; reusing a rotated one revokes every token of its login.",
			body: "RefreshRequest", ok: []apiResponse{{status: 200, desc: "New tokens.", schema: "Tokens"}}, errs: []int{400, 401}},
		{method: "POST", path: "/api/v1/auth/logout", id: "logout", tag: "identity", summary: "Revoke a refresh token and its login", auth: "public",
			desc: "204 even for an unknown token, so logging out twice is harmless.",
			body: "RefreshRequest", ok: []apiResponse{{status: 204, desc: "Logged out."}}, errs: []int{400}},
		{method: "GET", path: "/api/v1/me", id: "getMe", tag: "identity", summary: "The caller", auth: "bearer",
			ok: []apiResponse{{status: 200, desc: "The caller.", schema: "Caller"}}, errs: []int{401}},
		{method: "GET", path: "/api/v1/me/data", id: "exportMyData", tag: "identity", summary: "Download everything identity holds about the caller (GDPR)", auth: "bearer",
			ok: []apiResponse{{status: 200, desc: "The export, as an attachment.", schema: "AccountExport", headers: []string{"Content-Disposition"}}}, errs: []int{401, 404}},
		{method: "DELETE", path: "/api/v1/me", id: "deleteMe", tag: "identity", summary: "Erase the caller's personal data (GDPR)", auth: "bearer",
			desc: "The account is anonymised and every token and session revoked; ledger entries stay, pointing at no one.",
			ok:   []apiResponse{{status: 204, desc: "Erased."}}, errs: []int{401}},
		{method: "POST", path: "/api/v1/accounts", id: "signup", tag: "identity", summary: "Create a citizen account", auth: "public",
			body: "SignupRequest", ok: []apiResponse{{status: 201, desc: "The new account.", schema: "Account", headers: []string{"Location"}}}, errs: []int{400, 409}},
		{method: "GET", path: "/api/v1/accounts/{id}", id: "getAccount", tag: "identity", summary: "One account (its owner or a city admin)", auth: "bearer",
			desc: "Anyone else gets 404, as if it did not exist.",
			ok:   []apiResponse{{status: 200, desc: "The account.", schema: "Account"}}, errs: []int{401, 404}},
		{method: "POST", path: "/api/v1/admin/accounts", id: "adminCreateAccount", tag: "identity", summary: "Create an account with grants", auth: "roles", roles: admin,
			body: "AdminAccountRequest", ok: []apiResponse{{status: 201, desc: "The new account.", schema: "Account", headers: []string{"Location"}}}, errs: []int{400, 401, 403, 409}},
		{method: "PUT", path: "/api/v1/admin/accounts/{id}/disabled", id: "adminSetAccountDisabled", tag: "identity", summary: "Disable or re-enable an account", auth: "roles", roles: admin,
			desc: "Disabling revokes the account's tokens and sessions at once. An administrator cannot disable themself (403).",
			body: "AccountDisabledRequest", ok: []apiResponse{{status: 200, desc: "The account.", schema: "Account"}}, errs: []int{400, 401, 403, 404}},

		// Wallet.
		{method: "GET", path: "/api/v1/wallet", id: "getWallet", tag: "wallet", summary: "The caller's balance and wallet items", auth: "roles", roles: citizen,
			ok: []apiResponse{{status: 200, desc: "The wallet.", schema: "Wallet"}}, errs: []int{401, 403}},
		{method: "GET", path: "/api/v1/wallet/history", id: "getWalletHistory", tag: "wallet", summary: "A page of the caller's ledger entries", auth: "roles", roles: citizen,
			query: []apiParam{cursorQuery, limitQuery},
			ok:    []apiResponse{{status: 200, desc: "Entries, newest first.", schema: "HistoryPage"}}, errs: []int{400, 401, 403}},
		{method: "POST", path: "/api/v1/wallet/topups", id: "topUpWallet", tag: "wallet", summary: "Top up the caller's credit", auth: "roles", roles: citizen,
			desc:    "With test payments on, credited at once (a retry with the same Idempotency-Key answers the first result, with Idempotent-Replayed: true). With Stripe, a pending PaymentIntent to confirm. 503 (reason payments_off) when neither is configured.",
			headers: []string{"IdempotencyKey"}, body: "TopUpRequest",
			ok:   []apiResponse{{status: 201, desc: "Top-up started or credited.", schema: "TopUp", headers: []string{"Idempotent-Replayed"}}},
			errs: []int{400, 401, 403, 409, 503}},
		{method: "GET", path: "/api/v1/admin/ledger/accounts/{id}", id: "adminGetLedgerAccount", tag: "wallet", summary: "Any ledger account with a page of its entries", auth: "roles", roles: admin,
			query: []apiParam{cursorQuery, limitQuery},
			ok:    []apiResponse{{status: 200, desc: "The account and its entries.", schema: "LedgerAccountView"}}, errs: []int{400, 401, 403, 404}},
		{method: "GET", path: "/api/v1/admin/ledger/check", id: "adminCheckLedger", tag: "wallet", summary: "The ledger's self-check", auth: "roles", roles: admin,
			ok: []apiResponse{{status: 200, desc: "The check (200 whether or not ok).", schema: "LedgerCheck"}}, errs: []int{401, 403}},
		{method: "POST", path: "/api/v1/stripe/webhook", id: "stripeWebhook", tag: "wallet", summary: "Stripe events: payments, refunds and disputes of the hub's own card payments", auth: "public",
			desc: "Authenticated by the Stripe-Signature header (401 otherwise), signed within the tolerance of the hub's clock in either direction (400, reason webhook_timestamp, otherwise). " +
				"payment_intent.succeeded credits a top-up or issues a ticket order; charge.refunded and charge.dispute.created/closed/funds_withdrawn/funds_reinstated reach the credit and the order (docs/wallet.md). " +
				"Each event id is applied once; a repeat answers the first outcome with replayed. An event for a payment the hub did not create is recorded for an operator (attention) and never credited. " +
				"A failure worth retrying answers 5xx so that Stripe delivers again. Only routed when card payments are configured.",
			headers: []string{"StripeSignature"}, body: newObj("type", "object", "description", "A Stripe event, verbatim."),
			ok: []apiResponse{{status: 200, desc: "Received.", schema: "StripeWebhookAnswer"}}, errs: []int{400, 401}},

		{method: "GET", path: "/api/v1/admin/payments/events", id: "adminListPaymentEvents", tag: "wallet", summary: "Stripe events kept for an operator", auth: "roles", roles: admin,
			desc: "Events the hub recorded instead of applying, newest first (at most 200): payments it did not create (unmatched_payment), foreign currencies, refusals. Only routed when card payments are configured.",
			ok:   []apiResponse{{status: 200, desc: "The events.", schema: "PaymentEvents"}}, errs: []int{401, 403}},

		// The e-mail outbox.
		{method: "GET", path: "/api/v1/admin/mail", id: "adminListMail", tag: "mail", summary: "The e-mail outbox", auth: "roles", roles: admin,
			desc:  "Every e-mail the hub wrote, newest first, with its state, attempts and last error. With no SMTP server configured, e-mails stay pending here.",
			query: []apiParam{query("state", "Only e-mails in this state.", newObj("type", "string", "enum", mail.States)), cursorQuery, query("limit", "Page size, 1 to 100 (default 50).", newObj("type", "integer", "minimum", 1, "maximum", outbox.MaxPage))},
			ok:    []apiResponse{{status: 200, desc: "A page of e-mails.", schema: "MailPage"}}, errs: []int{400, 401, 403}},
		{method: "GET", path: "/api/v1/admin/mail/{id}", id: "adminGetMail", tag: "mail", summary: "One e-mail with its bodies", auth: "roles", roles: admin,
			ok: []apiResponse{{status: 200, desc: "The e-mail.", schema: "MailMessage"}}, errs: []int{401, 403, 404}},
		{method: "POST", path: "/api/v1/admin/mail/{id}/retry", id: "adminRetryMail", tag: "mail", summary: "Send a failed e-mail again", auth: "roles", roles: admin,
			desc: "The e-mail becomes pending, due now, with a fresh count of attempts. 409 (reason mail_not_failed) unless it failed.",
			ok:   []apiResponse{{status: 200, desc: "The e-mail, pending.", schema: "MailSummary"}}, errs: []int{401, 403, 404, 409}},

		// Vouchers: the city administrator.
		{method: "GET", path: "/api/v1/admin/shops", id: "adminListShops", tag: "vouchers-admin", summary: "List shops", auth: "roles", roles: admin,
			query: []apiParam{query("district", "Only this district.", str()), query("category", "Only this category.", str())},
			ok:    []apiResponse{{status: 200, desc: "Shops.", schema: listOf("shops", "Shop")}}, errs: []int{401, 403}},
		{method: "POST", path: "/api/v1/admin/shops", id: "adminCreateShop", tag: "vouchers-admin", summary: "Register a shop", auth: "roles", roles: admin,
			body: "ShopRequest", ok: []apiResponse{{status: 201, desc: "The shop.", schema: "Shop", headers: []string{"Location"}}}, errs: []int{400, 401, 403}},
		{method: "GET", path: "/api/v1/admin/shops/{id}", id: "adminGetShop", tag: "vouchers-admin", summary: "One shop", auth: "roles", roles: admin,
			ok: []apiResponse{{status: 200, desc: "The shop.", schema: "Shop"}}, errs: []int{401, 403, 404}},
		{method: "PUT", path: "/api/v1/admin/shops/{id}", id: "adminUpdateShop", tag: "vouchers-admin", summary: "Replace a shop's details", auth: "roles", roles: admin,
			body: "ShopRequest", ok: []apiResponse{{status: 200, desc: "The shop.", schema: "Shop"}}, errs: []int{400, 401, 403, 404}},
		{method: "GET", path: "/api/v1/admin/campaigns", id: "adminListCampaigns", tag: "vouchers-admin", summary: "List campaigns", auth: "roles", roles: admin,
			query: []apiParam{query("status", "Only campaigns in this status (any other value matches none).", newObj("type", "string", "enum", campaignStatuses))},
			ok:    []apiResponse{{status: 200, desc: "Campaigns.", schema: listOf("campaigns", "Campaign")}}, errs: []int{401, 403}},
		{method: "POST", path: "/api/v1/admin/campaigns", id: "adminCreateCampaign", tag: "vouchers-admin", summary: "Create a draft campaign", auth: "roles", roles: admin,
			body: "CampaignRequest", ok: []apiResponse{{status: 201, desc: "The campaign.", schema: "Campaign", headers: []string{"Location"}}}, errs: []int{400, 401, 403}},
		{method: "GET", path: "/api/v1/admin/campaigns/{id}", id: "adminGetCampaign", tag: "vouchers-admin", summary: "One campaign", auth: "roles", roles: admin,
			ok: []apiResponse{{status: 200, desc: "The campaign.", schema: "Campaign"}}, errs: []int{401, 403, 404}},
		{method: "PUT", path: "/api/v1/admin/campaigns/{id}", id: "adminUpdateCampaign", tag: "vouchers-admin", summary: "Change a draft campaign (not its budget)", auth: "roles", roles: admin,
			body: "CampaignRequest", ok: []apiResponse{{status: 200, desc: "The campaign.", schema: "Campaign"}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "POST", path: "/api/v1/admin/campaigns/{id}/{action}", id: "adminSetCampaignStatus", tag: "vouchers-admin", summary: "Open, pause or close a campaign", auth: "roles", roles: admin,
			desc: "404 (reason no_such_action) for any other action.",
			ok:   []apiResponse{{status: 200, desc: "The campaign.", schema: "Campaign"}}, errs: []int{401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/admin/campaigns/{id}/uptake", id: "adminCampaignUptake", tag: "vouchers-admin", summary: "A campaign's live uptake", auth: "roles", roles: admin,
			ok: []apiResponse{{status: 200, desc: "Uptake.", schema: "CampaignUptake"}}, errs: []int{401, 403, 404}},
		{method: "GET", path: "/api/v1/admin/settlements", id: "adminListSettlements", tag: "vouchers-admin", summary: "List statements", auth: "roles", roles: admin,
			query: []apiParam{query("shop_id", "Only this shop's.", str())},
			ok:    []apiResponse{{status: 200, desc: "Statements.", schema: listOf("settlements", "Settlement")}}, errs: []int{401, 403}},
		{method: "POST", path: "/api/v1/admin/settlements", id: "adminCloseSettlement", tag: "vouchers-admin", summary: "Close a shop's settlement period", auth: "roles", roles: admin,
			desc:    "Redemptions still inside the reversal window are left for the next period. A replay of the Idempotency-Key answers the first settlement (Idempotent-Replayed: true); the same key with another body is 409.",
			headers: []string{"IdempotencyKey"}, body: "CloseSettlementRequest",
			ok: []apiResponse{{status: 201, desc: "The settlement (its id is the batch id).", schema: "Settlement", headers: []string{"Idempotent-Replayed"}}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/admin/settlements/{id}", id: "adminGetSettlement", tag: "vouchers-admin", summary: "A statement with its lines", auth: "roles", roles: admin,
			query: []apiParam{formatQuery},
			ok:    []apiResponse{{status: 200, desc: "The statement.", schema: "Statement"}, csvStatement}, errs: []int{401, 403, 404}},
		{method: "POST", path: "/api/v1/admin/settlements/{id}/paid", id: "adminMarkSettlementPaid", tag: "vouchers-admin", summary: "Record a statement's payment", auth: "roles", roles: admin,
			desc:    "Moves the total from the shop's payable to paid, once per batch. Needs an Idempotency-Key.",
			headers: []string{"IdempotencyKey"}, body: "MarkPaidRequest",
			ok: []apiResponse{{status: 200, desc: "The settlement.", schema: "Settlement", headers: []string{"Idempotent-Replayed"}}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/admin/voucher-audit", id: "adminVoucherAudit", tag: "vouchers-admin", summary: "The voucher scheme's audit log", auth: "roles", roles: admin,
			query: []apiParam{query("since", "Only entries at or after this RFC 3339 time.", newObj("type", "string", "format", "date-time")), query("shop_id", "Only this shop's.", str()), formatQuery},
			ok: []apiResponse{{status: 200, desc: "Audit entries.", schema: listOf("entries", "AuditEntry")},
				{status: 200, desc: "The log as CSV (with ?format=csv or Accept: text/csv).", media: "text/csv"}}, errs: []int{400, 401, 403}},

		// Vouchers: citizens.
		{method: "GET", path: "/api/v1/campaigns", id: "listClaimableCampaigns", tag: "vouchers", summary: "Campaigns the caller may claim now", auth: "roles", roles: citizen,
			ok: []apiResponse{{status: 200, desc: "Campaigns.", schema: listOf("campaigns", "ClaimableCampaign")}}, errs: []int{401, 403}},
		{method: "POST", path: "/api/v1/campaigns/{id}/claim", id: "claimVoucher", tag: "vouchers", summary: "Claim a voucher of a campaign", auth: "roles", roles: citizen,
			desc: "The budget and the per-citizen limit are checked atomically: 409 when either is used up or the campaign is not open.",
			ok:   []apiResponse{{status: 201, desc: "The voucher.", schema: "Voucher", headers: []string{"Location"}}}, errs: []int{401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/campaigns/{id}/shops", id: "listCampaignShops", tag: "vouchers", summary: "Shops that take a campaign's vouchers", auth: "bearer",
			query: []apiParam{query("district", "Only this district.", str())},
			ok:    []apiResponse{{status: 200, desc: "Shops.", schema: listOf("shops", "PublicShop")}}, errs: []int{401, 404}},
		{method: "GET", path: "/api/v1/vouchers", id: "listMyVouchers", tag: "vouchers", summary: "The caller's vouchers", auth: "roles", roles: citizen,
			ok: []apiResponse{{status: 200, desc: "Vouchers.", schema: listOf("vouchers", "Voucher")}}, errs: []int{401, 403}},
		{method: "GET", path: "/api/v1/vouchers/{id}", id: "getMyVoucher", tag: "vouchers", summary: "One of the caller's vouchers, with where it was used", auth: "roles", roles: citizen,
			ok: []apiResponse{{status: 200, desc: "The voucher.", schema: "Voucher"}}, errs: []int{401, 403, 404}},
		{method: "GET", path: "/api/v1/vouchers/{id}/qr", id: "getVoucherQRToken", tag: "vouchers", summary: "A fresh QR token for one of the caller's vouchers", auth: "roles", roles: citizen,
			desc: "409 when the voucher cannot be used any more.",
			ok:   []apiResponse{{status: 200, desc: "The token.", schema: "VoucherQRToken"}}, errs: []int{401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/vouchers/{id}/qr.png", id: "getVoucherQRImage", tag: "vouchers", summary: "The same fresh token as a QR image (level M)", auth: "roles", roles: citizen,
			ok: []apiResponse{{status: 200, desc: "A PNG image.", media: "image/png"}}, errs: []int{401, 403, 404, 409}},

		// Vouchers: the shop's till.
		{method: "POST", path: "/api/v1/merchant/vouchers/preview", id: "previewVoucher", tag: "vouchers-merchant", summary: "Verify a code and show what it is worth here", auth: "roles", roles: merchant,
			desc:  "The shop comes from the caller's merchant_staff grant. Failed look-ups of typed codes are rate-limited (429) and answer alike whether or not a code exists.",
			query: []apiParam{shopQuery}, body: "PreviewRequest",
			ok: []apiResponse{{status: 200, desc: "The preview.", schema: "VoucherPreview"}}, errs: []int{400, 401, 403, 404, 429}},
		{method: "POST", path: "/api/v1/merchant/vouchers/redeem", id: "redeemVoucher", tag: "vouchers-merchant", summary: "Redeem a voucher for a purchase", auth: "roles", roles: merchant,
			desc:  "Every rule is checked in the transaction that moves the value to the shop's payable. A replay of the Idempotency-Key answers the first redemption (Idempotent-Replayed: true); the same key for another voucher or amount is 409 (reason idempotency_key_reused).",
			query: []apiParam{shopQuery}, headers: []string{"IdempotencyKey"}, body: "RedeemRequest",
			ok: []apiResponse{{status: 201, desc: "The redemption.", schema: "RedemptionReceipt", headers: []string{"Idempotent-Replayed"}}}, errs: []int{400, 401, 403, 404, 409, 429}},
		{method: "POST", path: "/api/v1/merchant/redemptions/{id}/reverse", id: "reverseRedemption", tag: "vouchers-merchant", summary: "Reverse a redemption within the reversal window", auth: "roles", roles: merchant,
			query: []apiParam{shopQuery}, headers: []string{"IdempotencyKey"},
			ok: []apiResponse{{status: 200, desc: "The reversed redemption.", schema: "Redemption", headers: []string{"Idempotent-Replayed"}}}, errs: []int{400, 401, 403, 404, 409}},
		{method: "GET", path: "/api/v1/merchant/redemptions/today", id: "todayRedemptions", tag: "vouchers-merchant", summary: "This shop's redemptions today (Europe/Rome)", auth: "roles", roles: merchant,
			query: []apiParam{shopQuery},
			ok:    []apiResponse{{status: 200, desc: "Today's report; reversed redemptions are listed and not counted.", schema: "DayReport"}}, errs: []int{401, 403, 404}},
		{method: "GET", path: "/api/v1/merchant/balance", id: "shopBalance", tag: "vouchers-merchant", summary: "What the city owes this shop", auth: "roles", roles: merchant,
			query: []apiParam{shopQuery},
			ok:    []apiResponse{{status: 200, desc: "The balance.", schema: "ShopBalance"}}, errs: []int{401, 403, 404}},
		{method: "GET", path: "/api/v1/merchant/statements", id: "shopStatements", tag: "vouchers-merchant", summary: "This shop's statements", auth: "roles", roles: merchant,
			query: []apiParam{shopQuery},
			ok:    []apiResponse{{status: 200, desc: "Statements.", schema: listOf("settlements", "Settlement")}}, errs: []int{401, 403, 404}},
		{method: "GET", path: "/api/v1/merchant/statements/{id}", id: "shopStatement", tag: "vouchers-merchant", summary: "One of this shop's statements", auth: "roles", roles: merchant,
			query: []apiParam{shopQuery, formatQuery},
			ok:    []apiResponse{{status: 200, desc: "The statement.", schema: "Statement"}, csvStatement}, errs: []int{401, 403, 404}},

		// Vouchers: open data.
		{method: "GET", path: "/api/v1/open/vouchers/stats", id: "openVoucherStats", tag: "open-data", summary: "Anonymous campaign statistics (CC-BY-4.0)", auth: "public",
			ok: []apiResponse{{status: 200, desc: "The statistics; a Link header names the licence.", schema: "OpenVoucherStats", headers: []string{"Link"}}}},
		{method: "GET", path: "/api/v1/open/vouchers/stats.csv", id: "openVoucherStatsCSV", tag: "open-data", summary: "The same statistics as CSV", auth: "public",
			ok: []apiResponse{{status: 200, desc: "CSV, the licence in a column of every row.", media: "text/csv", headers: []string{"Link"}}}},

		// Mobility: riders.
		{method: "GET", path: "/api/v1/mobility/stations", id: "listStations", tag: "mobility", summary: "Stations with live availability", auth: "public",
			desc: "With lat and lon (the phone's position), nearest first with distance_meters.",
			query: []apiParam{query("lat", "Latitude in degrees (with lon).", newObj("type", "number", "minimum", -90, "maximum", 90)),
				query("lon", "Longitude in degrees (with lat).", newObj("type", "number", "minimum", -180, "maximum", 180))},
			ok: []apiResponse{{status: 200, desc: "Stations.", schema: listOf("stations", "StationView")}}, errs: []int{400}},
		{method: "GET", path: "/api/v1/mobility/stations/{id}", id: "getStation", tag: "mobility", summary: "One station with its docked bikes", auth: "public",
			ok: []apiResponse{{status: 200, desc: "The station.", schema: "StationView"}}, errs: []int{404}},
		{method: "POST", path: "/api/v1/mobility/unlock", id: "unlockBike", tag: "mobility", summary: "Unlock a bike", auth: "roles", roles: citizen,
			desc:    "Answers once the station confirmed. 402 (reason insufficient_credit) when the credit is too low (nothing is sent to the station); 409 when the bike is taken or the rider already rides; 503 when the station refused, is offline or did not answer (nothing charged). A retry with the same request id answers the first attempt's outcome.",
			headers: []string{"UnlockIdempotencyKey"}, body: "UnlockRequest",
			ok: []apiResponse{{status: 201, desc: "The running ride.", schema: "Ride", headers: []string{"Location"}}}, errs: []int{400, 401, 402, 403, 404, 409, 503}},
		{method: "GET", path: "/api/v1/mobility/rides/current", id: "currentRide", tag: "mobility", summary: "The caller's running ride", auth: "roles", roles: citizen,
			ok: []apiResponse{{status: 200, desc: "The ride with its time and cost so far.", schema: "RideView"}}, errs: []int{401, 403, 404}},
		{method: "GET", path: "/api/v1/mobility/rides", id: "listRides", tag: "mobility", summary: "The caller's rides, newest first", auth: "roles", roles: citizen,
			query: []apiParam{query("before", "created_at of the last ride seen (RFC 3339).", newObj("type", "string", "format", "date-time")),
				query("limit", "Page size, 1 to 100 (default 50).", newObj("type", "integer", "minimum", 1, "maximum", 100))},
			ok: []apiResponse{{status: 200, desc: "Rides.", schema: listOf("rides", "RideView")}}, errs: []int{400, 401, 403}},

		// Mobility: operators.
		{method: "GET", path: "/api/v1/operator/mobility/stations", id: "operatorOverview", tag: "mobility-operator", summary: "Every station with its problems, and long rides", auth: "roles", roles: operator,
			ok: []apiResponse{{status: 200, desc: "The overview, problems first.", schema: "OperatorOverview"}}, errs: []int{401, 403}},
		{method: "GET", path: "/api/v1/operator/mobility/stations/{id}/occupancy", id: "stationOccupancy", tag: "mobility-operator", summary: "A station's occupancy over the last 24 hours", auth: "roles", roles: operator,
			ok: []apiResponse{{status: 200, desc: "One sample per 5 minutes with telemetry, oldest first.", schema: newObj("type", "object",
				"properties", newObj("station_id", str(), "interval_seconds", newObj("type", "integer", "const", 300), "samples", newObj("type", "array", "items", ref("OccupancySample"))),
				"required", []string{"station_id", "interval_seconds", "samples"}, "additionalProperties", false)}}, errs: []int{401, 403, 404}},
		{method: "PUT", path: "/api/v1/operator/mobility/stations/{id}/status", id: "setStationOpen", tag: "mobility-operator", summary: "Open or close a station", auth: "roles", roles: operator,
			body: "StationOpenRequest", ok: []apiResponse{{status: 200, desc: "The station.", schema: "Station"}}, errs: []int{400, 401, 403, 404}},
		{method: "PUT", path: "/api/v1/operator/mobility/stations/{id}/docks/{dock}", id: "setDockService", tag: "mobility-operator", summary: "Put a dock in or out of service", auth: "roles", roles: operator,
			body: "DockServiceRequest", ok: []apiResponse{{status: 200, desc: "The dock's setting.", schema: "Dock"}}, errs: []int{400, 401, 403, 404}},
		{method: "POST", path: "/api/v1/operator/mobility/stations/{id}/reset", id: "resetStationState", tag: "mobility-operator", summary: "Forget what a station reported, so its next status is taken whatever its clock says", auth: "roles", roles: operator,
			ok: []apiResponse{{status: 204, desc: "The station's reported state is forgotten; it shows offline until its next status."}}, errs: []int{401, 403, 404}},
	}
	ops = append(ops, credentialOps()...)
	ops = append(ops, catalogueOps("stations", "stations", "Station", "station")...)
	ops = append(ops, catalogueOps("bikes", "bikes", "Bike", "bike")...)
	ops = append(ops, catalogueOps("vehicle-types", "vehicle_types", "VehicleType", "vehicle type")...)
	ops = append(ops, catalogueOps("pricing-plans", "pricing_plans", "PricingPlan", "pricing plan")...)
	ops = append(ops, ticketingOps()...)
	return ops
}

// ---- The document -----------------------------------------------------------

var errorText = map[int]string{
	400: "Bad input: malformed JSON, unknown fields, wrong types, a body too large, or a value the rules refuse; nothing was changed.",
	401: "No valid credentials (WWW-Authenticate: Bearer). Any route, public ones included, refuses a bearer token that does not verify.",
	402: "Not enough credit.",
	403: "The caller's roles do not allow this.",
	404: "No such object (or not the caller's).",
	409: "Conflicts with the current state, or an Idempotency-Key reused for another request.",
	429: "Too many attempts; try again later.",
	503: "A dependency is unavailable; nothing was changed.",
}

func pathParams(path string) []*obj {
	var out []*obj
	for _, seg := range strings.Split(path, "/") {
		if !strings.HasPrefix(seg, "{") {
			continue
		}
		name := strings.Trim(seg, "{}")
		schema := str()
		switch name {
		case "dock":
			schema = newObj("type", "integer", "minimum", 1)
		case "action":
			schema = newObj("type", "string", "enum", []string{"open", "pause", "close"})
		}
		out = append(out, newObj("name", name, "in", "path", "required", true, "schema", schema))
	}
	return out
}

func bodyContent(schema any, media string) *obj {
	if media == "" {
		media = "application/json"
	}
	if name, ok := schema.(string); ok {
		schema = ref(name)
	}
	if schema == nil {
		schema = newObj("type", "string", "contentMediaType", media)
		if media == "image/png" {
			schema = newObj("type", "string", "contentMediaType", media, "contentEncoding", "binary")
		}
	}
	return newObj(media, newObj("schema", schema))
}

func buildOpenAPIDocument() *obj {
	g := &schemaGen{names: map[reflect.Type]string{}}
	for _, c := range openAPIComponents {
		if !c.request {
			g.names[c.typ] = c.name
		}
	}
	schemas := newObj()
	for _, c := range openAPIComponents {
		o := g.object(c.typ, c.name, c.request, c.required)
		if c.desc != "" {
			d := newObj("description", c.desc)
			for _, k := range o.keys {
				d.set(k, o.vals[k])
			}
			o = d
		}
		schemas.set(c.name, o)
	}

	paths := newObj()
	for _, op := range openAPIOperations() {
		item, _ := paths.get(op.path).(*obj)
		if item == nil {
			item = newObj()
			if ps := pathParams(op.path); len(ps) > 0 {
				item.set("parameters", ps)
			}
			paths.set(op.path, item)
		}
		o := newObj("operationId", op.id, "tags", []string{op.tag}, "summary", op.summary)
		if op.desc != "" {
			o.set("description", op.desc)
		}
		switch op.auth {
		case "public":
			o.set("security", []any{})
		case "bearer", "roles":
			sec := []any{newObj("bearerAuth", []string{})}
			if op.method == "GET" {
				sec = append(sec, newObj("sessionCookie", []string{}))
			}
			o.set("security", sec)
			if op.auth == "roles" {
				o.set("x-cityhub-roles", rolesOf(op.roles))
			}
		default:
			panic("openapi: auth of " + op.id)
		}
		var params []any
		for _, h := range op.headers {
			params = append(params, newObj("$ref", "#/components/parameters/"+h))
		}
		if op.method != "GET" && !UnkeyedRoutes[op.method+" "+op.path] && len(op.headers) == 0 &&
			!slices.ContainsFunc(op.query, func(q apiParam) bool { return q.name == "Idempotency-Key" }) {
			params = append(params, newObj("$ref", "#/components/parameters/OptionalIdempotencyKey"))
		}
		for _, q := range op.query {
			p := newObj("name", q.name, "in", q.in)
			if q.desc != "" {
				p.set("description", q.desc)
			}
			if q.required {
				p.set("required", true)
			}
			params = append(params, p.set("schema", q.schema))
		}
		if len(params) > 0 {
			o.set("parameters", params)
		}
		if op.body != nil {
			o.set("requestBody", newObj("required", true, "content", bodyContent(op.body, "")))
		}
		responses := newObj()
		for _, r := range op.ok {
			key := strconv.Itoa(r.status)
			resp, _ := responses.get(key).(*obj)
			if resp == nil {
				resp = newObj("description", r.desc)
				responses.set(key, resp)
			} else {
				resp.set("description", resp.get("description").(string)+" Or: "+r.desc)
			}
			if r.schema != nil || r.media != "" {
				content, _ := resp.get("content").(*obj)
				if content == nil {
					content = newObj()
					resp.set("content", content)
				}
				for _, k := range bodyContent(r.schema, r.media).keys {
					content.set(k, bodyContent(r.schema, r.media).get(k))
				}
			}
			if len(r.headers) > 0 {
				hs := newObj()
				for _, h := range r.headers {
					hs.set(h, newObj("$ref", "#/components/headers/"+h))
				}
				resp.set("headers", hs)
			}
		}
		errs := op.errs
		if op.auth == "public" && !slices.Contains(errs, 401) {
			// The auth middleware refuses a bearer token that does not
			// verify on every route, public ones included.
			errs = append(slices.Clone(errs), 401)
			slices.Sort(errs)
		}
		for _, status := range errs {
			responses.set(strconv.Itoa(status), newObj("$ref", "#/components/responses/"+strconv.Itoa(status)))
		}
		responses.set("default", newObj("$ref", "#/components/responses/default"))
		o.set("responses", responses)
		item.set(strings.ToLower(op.method), o)
	}
	addOpsPaths(paths)

	problem := newObj("application/problem+json", newObj("schema", ref("Problem")))
	responses := newObj()
	for _, status := range []int{400, 401, 402, 403, 404, 409, 429, 503} {
		r := newObj("description", errorText[status], "content", problem)
		if status == 401 {
			r.set("headers", newObj("WWW-Authenticate", newObj("schema", str())))
		}
		if status == 429 || status == 503 {
			r.set("headers", newObj("Retry-After", newObj("description", "Seconds to wait, when known.", "schema", str())))
		}
		responses.set(strconv.Itoa(status), r)
	}
	responses.set("default", newObj("description", "Any other error, as a problem (500 for an internal error, with a generic detail).", "content", problem))

	printable := "^[!-~]+$"
	parameters := newObj(
		"IdempotencyKey", newObj("name", "Idempotency-Key", "in", "header", "required", true,
			"description", "The client's key for this request: a retry with the same key and body answers the first result; the same key with another body is 409.",
			"schema", newObj("type", "string", "minLength", 1, "maxLength", idem.MaxKeyLen, "pattern", printable)),
		"OptionalIdempotencyKey", newObj("name", "Idempotency-Key", "in", "header",
			"description", "Optional: the client's key for this request. A retry with the same key, path and body gets the first answer again (marked Idempotent-Replayed); the same key with another request is 409 (idempotency_key_reused).",
			"schema", newObj("type", "string", "minLength", 1, "maxLength", idem.MaxKeyLen, "pattern", printable)),
		"UnlockIdempotencyKey", newObj("name", "Idempotency-Key", "in", "header",
			"description", "The unlock's request id, instead of request_id in the body (400 when both are given and differ).",
			"schema", str()),
		"StripeSignature", newObj("name", "Stripe-Signature", "in", "header", "required", true,
			"description", "Stripe's signature of the body with the webhook secret.", "schema", str()),
	)
	headers := newObj(
		"Location", newObj("description", "The URL of the created object.", "required", true, "schema", str()),
		"Idempotent-Replayed", newObj("description", "true when this answer replays the first one for the Idempotency-Key.", "schema", newObj("type", "string", "enum", []string{"true"})),
		"Content-Disposition", newObj("description", "attachment, with a file name.", "required", true, "schema", str()),
		"Link", newObj("description", "The licence of the data (rel=\"license\").", "required", true, "schema", str()),
	)

	var tags []any
	for _, t := range [][2]string{
		{"meta", "This document."},
		{"identity", "Accounts, login, tokens, GDPR."},
		{"wallet", "Citizens' credit, top-ups and the ledger."},
		{"mail", "The e-mail outbox (city administrators)."},
		{"vouchers", "Claiming and showing vouchers (citizens)."},
		{"vouchers-merchant", "The till API for shop staff; the shop comes from the caller's grant."},
		{"vouchers-admin", "Shops, campaigns, settlements and the audit log (city administrators)."},
		{"open-data", "Anonymous statistics anyone may read."},
		{"mobility", "Stations, unlocking and rides."},
		{"mobility-operator", "The mobility operator's view and switches (operators and city administrators)."},
		{"mobility-admin", "The mobility catalogue: stations, bikes, vehicle types, pricing plans (city administrators)."},
		{"ticketing", "The theatre programme, seats, holds, payment and tickets (citizens)."},
		{"ticketing-door", "Checking tickets in at the door: door staff choose one of their venue's performances (door_staff grant), and a ticket enters only that performance, from its doors opening until its end."},
		{"ticketing-admin", "Venues, seat maps, performances, sales and refunds (city administrators)."},
		{"operations", "Health, readiness, signing keys and the GBFS feeds (outside /api/v1)."},
	} {
		tags = append(tags, newObj("name", t[0], "description", t[1]))
	}

	return newObj(
		"openapi", "3.1.1",
		"jsonSchemaDialect", "https://spec.openapis.org/oas/3.1/dialect/base",
		"info", newObj(
			"title", "cityhub API",
			"version", "1",
			"summary", "A city's digital front office: wallet, vouchers, bikesharing.",
			"description", "The JSON API of cityhub under /api/v1. Amounts are integer euro cents in fields named *_cents; times are RFC 3339 in UTC. "+
				"Errors are application/problem+json (RFC 9457) with a stable code and, where useful, a reason. Request bodies are one JSON object of at most 64 KiB (413 beyond); unknown fields are refused. "+
				"Text anywhere in a request (path, query, headers, body) must be UTF-8 without NUL characters: 400 (reason invalid_text) otherwise. "+
				"Every state-changing operation (POST, PUT, DELETE) except login, refresh and the Stripe webhook takes an Idempotency-Key header: the first answer to a caller's key on an operation is kept, "+
				"and a retry with the same key, path, query and body gets it again, with the same status and body and the header Idempotent-Replayed: true, without the operation running again, "+
				"even when what it checked has changed since (an expired QR code, a limit reached); the same key with another request is 409 (idempotency_key_reused), a retry while the first request still runs waits for its answer. "+
				"Answers with status 401, 403, 408, 429 or 5xx are not kept: a retry runs again. "+
				"If the hub stopped after the operation and before its answer was kept, the retry gets the first result where the operation records the key itself (claims, redemptions, reversals, settlements, top-ups, holds, unlocks) and 409 (idempotency_key_answer_lost) elsewhere, never a second operation. "+
				"Access tokens are JWTs signed with EdDSA (Ed25519); their public keys are at /.well-known/jwks.json. "+
				"x-cityhub-roles lists the roles an operation admits; any other signed-in account gets 403.",
		),
		"servers", []any{newObj("url", "/", "description", "This hub.")},
		"tags", tags,
		"paths", paths,
		"components", newObj(
			"schemas", schemas,
			"responses", responses,
			"parameters", parameters,
			"headers", headers,
			"securitySchemes", newObj(
				"bearerAuth", newObj("type", "http", "scheme", "bearer", "bearerFormat", "JWT",
					"description", "An access token from /api/v1/auth/login or /api/v1/auth/refresh: a JWT signed with EdDSA (Ed25519, alg pinned), kid in its header, short-lived. Keys at /.well-known/jwks.json."),
				"sessionCookie", newObj("type", "apiKey", "in", "cookie", "name", httpx.SessionCookie,
					"description", "The pages' session cookie; the API takes it for GET only, so a state-changing call needs a bearer token."),
			),
		),
	)
}

// addOpsPaths documents the routes outside /api/v1 briefly.
func addOpsPaths(paths *obj) {
	get := func(id, summary, desc string, responses *obj) *obj {
		o := newObj("operationId", id, "tags", []string{"operations"}, "summary", summary)
		if desc != "" {
			o.set("description", desc)
		}
		return newObj("get", o.set("security", []any{}).set("responses", responses))
	}
	content := func(media string, schema *obj) *obj { return newObj(media, newObj("schema", schema)) }
	closed := func(props *obj, required ...string) *obj {
		return newObj("type", "object", "properties", props, "required", required, "additionalProperties", false)
	}

	health := closed(newObj("status", newObj("const", "ok"), "version", str()), "status", "version")
	paths.set("/healthz", get("healthz", "The process is up", "",
		newObj("200", newObj("description", "Up.", "content", content("application/json", health)))))

	ready := content("application/json", closed(newObj(
		"status", newObj("enum", []string{"ready", "degraded", "not ready"}),
		"checks", newObj("type", "object", "additionalProperties", str())), "status", "checks"))
	paths.set("/readyz", get("readyz", "The database and the broker answer", "", newObj(
		"200", newObj("description", "Ready; checks names each dependency with ok. \"degraded\" while the hub is still ready but behind (a station telemetry backlog over its bound): the degraded check says why.", "content", ready),
		"503", newObj("description", "Not ready; the failing dependencies are named.", "content", ready))))

	paths.set("/metrics", get("metrics", "Prometheus metrics", "The Prometheus text exposition format; for the city's monitoring, not for the public.",
		newObj("200", newObj("description", "Metrics.", "content", newObj("text/plain", newObj("schema", newObj("type", "string")))))))

	jwk := newObj("type", "object", "required", []string{"kty", "kid"})
	jwks := newObj("type", "object", "properties", newObj("keys", newObj("type", "array", "items", jwk)), "required", []string{"keys"})
	paths.set("/.well-known/jwks.json", get("jwks", "The hub's public signing keys (access tokens and QR codes)",
		"Ed25519 keys (kty OKP, crv Ed25519) with their kid; old keys stay listed while their tokens live. Cacheable for 5 minutes.", newObj(
			"200", newObj("description", "A JSON Web Key Set (RFC 7517).", "content", content("application/jwk-set+json", jwks)),
			"503", newObj("$ref", "#/components/responses/503"))))

	feeds := []string{"gbfs.json", "system_information.json", "station_information.json", "station_status.json",
		"vehicle_types.json", "vehicle_status.json", "system_pricing_plans.json"}
	feed := newObj("type", "object", "required", []string{"last_updated", "ttl", "version", "data"})
	gbfsFeed := get("gbfsFeed", "A GBFS v3.0 feed (open bikesharing data)",
		"Each feed follows the GBFS v3.0 specification and validates against MobilityData's JSON schemas (see docs/gbfs.md). Conditional requests (ETag, Last-Modified) answer 304; gzip on request.", newObj(
			"200", newObj("description", "The feed.", "content", content("application/json", feed)),
			"304", newObj("description", "Not modified."),
			"404", newObj("$ref", "#/components/responses/404"),
			"503", newObj("$ref", "#/components/responses/503")))
	gbfsFeed.get("get").(*obj).set("externalDocs", newObj("description", "GBFS v3.0", "url", "https://github.com/MobilityData/gbfs/blob/v3.0/gbfs.md"))
	paths.set("/gbfs/v3/{feed}", newObj(
		"parameters", []any{newObj("name", "feed", "in", "path", "required", true, "schema", newObj("type", "string", "enum", feeds))},
		"get", gbfsFeed.get("get")))
}

func renderOpenAPI(t testing.TB) []byte {
	t.Helper()
	b, err := json.MarshalIndent(buildOpenAPIDocument(), "", "  ")
	if err != nil {
		t.Fatalf("render openapi: %v", err)
	}
	return append(b, '\n')
}

// TestOpenAPIDocumentCurrent fails when web/api/openapi.json is not what the
// operation table and the Go types give; -update-openapi rewrites it.
func TestOpenAPIDocumentCurrent(t *testing.T) {
	want := renderOpenAPI(t)
	if *updateOpenAPI {
		if err := os.WriteFile("openapi.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(openAPIDocument, want) {
		t.Fatal("web/api/openapi.json is stale: run go test ./web/api -run TestOpenAPIDocumentCurrent -update-openapi and commit it")
	}
}
