package mobility

import (
	"cityhub/apperr"
	"cityhub/identity"
)

// Who may do what in mobility. Every operation that changes state or reads
// what not everyone may see takes the caller and decides here; the HTTP
// surfaces only authenticate and translate. The public reads (StationList,
// StationDetail, RiderPlan) and the feeds' input (Snapshot) take no caller.
//
//	riders (citizens)      Unlock, CurrentRide, RideOf, RideHistory: their own rides only
//	operators and admins   OperatorOverview, Occupancy24h, SetStationOpen, SetDockService,
//	                       Docks, ResetStationState, Incidents, ResolveIncident,
//	                       station credentials
//	admins                 the catalogue: stations, bikes, vehicle types, pricing plans
//	                       (read, create, update, put, delete)
//	the hub (System)       everything above but riding, plus what only devices cause:
//	                       Ingest, EndRide, UnlockConfirmedLate
//
// Without an account the answer is Unauthenticated; with an account lacking
// the role, Forbidden. MayRide, MayOperate and MayManageCatalogue are the
// rules themselves, exported so that a page can ask before it parses a form
// (a refused caller sees the refusal, not the form's mistakes); the
// operations ask them again.

// signedIn refuses a caller without an account.
func signedIn(c identity.Caller) error {
	if c.AccountID == "" {
		return apperr.E(apperr.Unauthenticated, "Sign in first.")
	}
	return nil
}

// MayOperate: mobility operators, city admins and the hub itself.
func MayOperate(c identity.Caller) error {
	if c.IsSystem() {
		return nil
	}
	if err := signedIn(c); err != nil {
		return err
	}
	if !c.Has(identity.RoleAdmin) && !c.Has(identity.RoleOperator) {
		return apperr.R(apperr.Forbidden, "not_operator", "Only mobility operators and city administrators may do this.")
	}
	return nil
}

// MayManageCatalogue: city admins and the hub itself (seeding).
func MayManageCatalogue(c identity.Caller) error {
	if c.IsSystem() {
		return nil
	}
	if err := signedIn(c); err != nil {
		return err
	}
	if !c.Has(identity.RoleAdmin) {
		return apperr.R(apperr.Forbidden, "not_admin", "Only a city administrator may change the bike catalogue.")
	}
	return nil
}

// MayRide: citizens; the hub does not ride.
func MayRide(c identity.Caller) error {
	_, err := riderOf(c)
	return err
}

// riderOf is the account a citizen rides as: always the caller's own, so a
// rider reads and starts only their own rides.
func riderOf(c identity.Caller) (string, error) {
	if c.AccountID == "" {
		return "", apperr.E(apperr.Unauthenticated, "Sign in to ride a bike.")
	}
	if c.IsSystem() || !c.Has(identity.RoleCitizen) {
		return "", apperr.R(apperr.Forbidden, "not_citizen", "Only a citizen may ride a bike.")
	}
	return c.AccountID, nil
}

// onlySystem: what devices cause (telemetry, a bike docked, a late unlock
// confirmation) reaches the service through the hub's own processes only.
func onlySystem(c identity.Caller) error {
	if err := signedIn(c); err != nil {
		return err
	}
	if !c.IsSystem() {
		return apperr.R(apperr.Forbidden, "not_system", "Only the hub's own processes may do this.")
	}
	return nil
}
