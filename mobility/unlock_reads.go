package mobility

import (
	"context"

	"cityhub/apperr"
	"cityhub/wallet"
)

// UnlockPlace is what an unlock checks that depends on the request alone:
// the station, its live state and dock settings, and the rider's open ride
// and credit.
type UnlockPlace struct {
	Station Station
	// State is the station's live state; nil when it never reported.
	State *StationState
	Docks []Dock
	// RiderRide is the rider's pending or active ride; nil when none.
	RiderRide *Ride
	// Credit is the rider's credit account; nil when the rider has none.
	Credit *wallet.Account
	// RiderGone is whether the rider's account is erased. The
	// account is held shared until the transaction ends, so an erasure
	// (which holds it exclusively while it checks for open rides, see
	// cardpay.Tx.HoldRider) either waits for this unlock's pending ride or
	// is seen here as done.
	RiderGone bool
}

// UnlockBike is what an unlock checks of the bike it would release.
type UnlockBike struct {
	// Bike is nil when no bike has the id.
	Bike *Bike
	// VehicleType and Plan are the bike's type and that type's pricing
	// plan; nil when missing (the catalogue's keys keep them from being).
	VehicleType *VehicleType
	Plan        *PricingPlan
	// BikeRide is the bike's pending or active ride; nil when none.
	BikeRide *Ride
}

// UnlockReader is a Tx that reads an unlock's facts in two round trips: the
// place's five reads are independent of each other, and the bike's four
// depend only on the bike the place names. A Tx without it answers from its
// single reads, one at a time (the embedded store, where a read is a call,
// not a round trip). Either way every read sees the data as the
// transaction's statements do; the checks run in reserve, in one order.
// The station and the bike found are held until the transaction ends with
// a lock that only LockStation, LockBike and a delete wait for (nothing an
// edit, a docking or another unlock takes), so that a ride is never
// written for a station or a bike deleted meanwhile. A store without
// UnlockReader runs its write transactions one at a time, which holds them
// as well.
type UnlockReader interface {
	// UnlockPlace is NotFound (no_station) when the station does not exist.
	UnlockPlace(ctx context.Context, stationID, riderID string) (UnlockPlace, error)
	UnlockBike(ctx context.Context, bikeID string) (UnlockBike, error)
}

func readUnlockPlace(ctx context.Context, tx Tx, stationID, riderID string) (UnlockPlace, error) {
	if r, ok := tx.(UnlockReader); ok {
		return r.UnlockPlace(ctx, stationID, riderID)
	}
	var p UnlockPlace
	var err error
	if p.RiderGone, err = tx.RiderGone(ctx, riderID); err != nil {
		return p, err
	}
	if p.Station, err = tx.Station(ctx, stationID); err != nil {
		return p, err
	}
	if p.State, err = found(tx.StationState(ctx, stationID)); err != nil {
		return p, err
	}
	if p.Docks, err = tx.Docks(ctx, stationID); err != nil {
		return p, err
	}
	if p.RiderRide, err = found(tx.OpenRideOfRider(ctx, riderID)); err != nil {
		return p, err
	}
	p.Credit, err = found(tx.Account(ctx, wallet.CitizenAccount(riderID)))
	return p, err
}

func readUnlockBike(ctx context.Context, tx Tx, bikeID string) (UnlockBike, error) {
	if r, ok := tx.(UnlockReader); ok {
		return r.UnlockBike(ctx, bikeID)
	}
	var b UnlockBike
	var err error
	if b.Bike, err = found(tx.Bike(ctx, bikeID)); err != nil || b.Bike == nil {
		return b, err
	}
	if b.VehicleType, err = found(tx.VehicleType(ctx, b.Bike.VehicleTypeID)); err != nil || b.VehicleType == nil {
		return b, err
	}
	if b.Plan, err = found(tx.PricingPlan(ctx, b.VehicleType.PricingPlanID)); err != nil {
		return b, err
	}
	b.BikeRide, err = found(tx.OpenRideOfBike(ctx, bikeID))
	return b, err
}

// found turns a getter's NotFound into nil.
func found[T any](v T, err error) (*T, error) {
	if apperr.Has(err, apperr.NotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &v, nil
}
