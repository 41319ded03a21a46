package identity

import (
	"context"
	"fmt"
	"slices"

	"cityhub/apperr"
)

// ScopeChecker says whether the shop, venue or office that a scoped grant
// names exists. Those belong to other domains (vouchers, ticketing,
// participation); the hub wires a checker over them, so identity decides
// on grants without knowing any of them.
type ScopeChecker interface {
	// ShopExists, VenueExists and OfficeExists report whether id names a
	// shop, a venue or a city office. An error only when it could not be
	// told.
	ShopExists(ctx context.Context, id string) (bool, error)
	VenueExists(ctx context.Context, id string) (bool, error)
	OfficeExists(ctx context.Context, id string) (bool, error)
}

// CheckScopes makes every grant an administrator gives from now on
// (CreateAccount, SetGrants) name a shop, venue or office that c knows.
// Without a checker the scopes are taken as given: the hub's tools and
// tests that have no shops. It is not synchronised: set it while the hub
// is wired, before the service serves requests.
func (s *Service) CheckScopes(c ScopeChecker) { s.scopes = c }

// checkScopes refuses (Invalid, reason unknown_scope) the first of grants
// whose shop, venue or office does not exist. Only grants the account does
// not hold yet (not among held) are checked: one it holds for a shop since
// closed or an office the catalogue dropped gives nothing new, and keeping
// it must not stop the administrator from changing the account's other
// roles (the roles page keeps offering it).
func (s *Service) checkScopes(ctx context.Context, grants, held []Grant) error {
	if s.scopes == nil {
		return nil
	}
	for _, g := range grants {
		if !scopedRole(g.Role) || slices.Contains(held, g) {
			continue
		}
		exists := s.scopes.ShopExists
		switch g.Role {
		case RoleDoor:
			exists = s.scopes.VenueExists
		case RoleCityStaff:
			exists = s.scopes.OfficeExists
		}
		ok, err := exists(ctx, g.Scope)
		if err != nil {
			return fmt.Errorf("check the %s of grant %s:%s: %w", scopeNoun(g.Role), g.Role, g.Scope, err)
		}
		if !ok {
			return apperr.R(apperr.Invalid, "unknown_scope", "No %s has the id %q (grant %s:%s).", scopeNoun(g.Role), g.Scope, g.Role, g.Scope)
		}
	}
	return nil
}
