// Package identity is who is calling: accounts, roles, passwords, access and
// refresh tokens, page sessions, and the hub's signing keys. It knows neither
// HTTP nor SQL; the web layer turns a credential into a Caller and the domain
// services decide with it.
package identity

import (
	"context"
	"slices"
)

// Role is what an account may do. A role may be scoped to one shop, venue or
// city office.
type Role string

const (
	RoleCitizen  Role = "citizen"
	RoleMerchant Role = "merchant_staff"    // scoped to a shop id
	RoleDoor     Role = "door_staff"        // scoped to a venue id
	RoleOperator Role = "mobility_operator" // city-wide
	RoleAdmin    Role = "city_admin"        // city-wide
	// RoleCityStaff works the citizens' reports of one city office; a city
	// administrator sees every office.
	RoleCityStaff Role = "city_staff" // scoped to an office id
)

// Roles lists every role the JSON API documents, for validation and tests.
var Roles = []Role{RoleCitizen, RoleMerchant, RoleDoor, RoleOperator, RoleAdmin, RoleCityStaff}

// RefusalReason is the reason a refusal (403) gives a caller without any
// of roles: the role the action wants, named as the services name it, so
// that an app can tell "sign in as a citizen" from "ask the city" without
// reading the message; role_required where several would do.
func RefusalReason(roles ...Role) string {
	if len(roles) != 1 {
		return "role_required"
	}
	switch roles[0] {
	case RoleCitizen:
		return "not_citizen"
	case RoleMerchant:
		return "not_merchant"
	case RoleDoor:
		return "not_door_staff"
	case RoleOperator:
		return "not_operator"
	case RoleAdmin:
		return "not_admin"
	case RoleCityStaff:
		return "not_office_staff"
	}
	return "role_required"
}

// Grant gives an account a role, within Scope (a shop, venue or office id) for the
// scoped roles.
type Grant struct {
	Role  Role   `json:"role"`
	Scope string `json:"scope,omitempty"`
}

// Caller is the authenticated account behind a request, or the hub itself
// (System).
type Caller struct {
	AccountID string  `json:"account_id"`
	Email     string  `json:"email"`
	Name      string  `json:"name"`
	Locale    string  `json:"locale,omitempty"`
	Grants    []Grant `json:"grants"`

	// system is set by System only: it is unexported so that no token,
	// session, JSON body or other package can produce it.
	system bool
}

// SystemAccountID is the actor the hub's own processes are recorded as (in
// audit entries, "resolved by"). Account ids are generated with a prefix
// ("acc_"), so no account ever has it.
const SystemAccountID = "system"

// System is the caller for the hub's own processes: telemetry from the
// stations' broker, the open feeds, the wallet's item registry, the station
// simulator and the demo's seeding. It never comes from a request: the HTTP
// surfaces build callers from accounts' tokens and sessions only, and the
// mark it carries cannot be set outside this package. It holds no role, so
// a service that does not name it refuses it.
func System() Caller {
	return Caller{AccountID: SystemAccountID, Name: "cityhub", system: true}
}

// IsSystem reports whether c is the hub's own process (System).
func (c Caller) IsSystem() bool { return c.system }

// LedgerOwner makes c a wallet.Reader: the account whose own credit it may
// read.
func (c Caller) LedgerOwner() string { return c.AccountID }

// LedgerAuditor makes c a wallet.Reader: the city's administrators read
// every ledger account.
func (c Caller) LedgerAuditor() bool { return c.Has(RoleAdmin) }

// Has reports whether the caller holds role (in any scope).
func (c Caller) Has(role Role) bool {
	return slices.ContainsFunc(c.Grants, func(g Grant) bool { return g.Role == role })
}

// HasIn reports whether the caller holds role for scope (a shop, venue or
// office id).
func (c Caller) HasIn(role Role, scope string) bool {
	return scope != "" && slices.ContainsFunc(c.Grants, func(g Grant) bool { return g.Role == role && g.Scope == scope })
}

// Scopes lists the scopes in which the caller holds role, e.g. its shop ids.
func (c Caller) Scopes(role Role) []string {
	var out []string
	for _, g := range c.Grants {
		if g.Role == role && g.Scope != "" {
			out = append(out, g.Scope)
		}
	}
	return out
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller carried by ctx.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}
