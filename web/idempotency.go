package web

// unkeyedRoutes answer with credentials, which must not be kept in a second
// place: a client retries them without a key (a stale refresh token is
// refused and a new login simply issues other tokens). Stripe's webhook is
// deduplicated by its event id.
var unkeyedRoutes = map[string]bool{
	"POST /api/v1/auth/login":     true,
	"POST /api/v1/auth/refresh":   true,
	"POST /api/v1/stripe/webhook": true,
	// A station's broker secret: a client that lost the answer rotates.
	"POST /api/v1/admin/mobility/stations/{id}/credential":        true,
	"POST /api/v1/admin/mobility/stations/{id}/credential/rotate": true,
}

// selfKeyed are the operations that also record their keys themselves, in
// the transaction of what they change (idem.Do): they know when two bodies
// ask for the same thing.
var selfKeyed = map[string]bool{
	"POST /api/v1/wallet/topups":                     true,
	"POST /api/v1/campaigns/{id}/claim":              true,
	"POST /api/v1/merchant/vouchers/redeem":          true,
	"POST /api/v1/merchant/redemptions/{id}/reverse": true,
	"POST /api/v1/admin/settlements":                 true,
	"POST /api/v1/admin/settlements/{id}/paid":       true,
	"POST /api/v1/mobility/unlock":                   true,
	"POST /api/v1/performances/{id}/holds":           true,
}
