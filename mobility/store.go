package mobility

import (
	"context"
	"time"

	"cityhub/wallet"
)

// Store is mobility's view of the database.
type Store interface {
	// InTx runs fn in one database transaction; an error from fn rolls it back.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn for reads, outside a write transaction.
	View(ctx context.Context, fn func(tx Tx) error) error
}

// Tx is what mobility needs from a store transaction. It embeds wallet.Tx so a
// ride's end and the ledger transaction of its fare commit together.
// Getters return NotFound when the object does not exist; Put* create or
// replace; Insert* create only, reporting false (and writing nothing) when the
// id is taken, decided by the database's unique key so that concurrent
// creators cannot both win; Update* change an existing object only, reporting
// false when there is none; Delete* return NotFound when nothing was deleted.
type Tx interface {
	wallet.Tx
	CredentialTx
	IncidentTx
	CitizenTx
	// FareMoney reads, in one snapshot, the fares the ended rides charged
	// and the balance of bikeshare revenue (see Service.Reconcile).
	FareMoney(ctx context.Context) (FareMoney, error)

	PutStation(ctx context.Context, s Station) error
	InsertStation(ctx context.Context, s Station) (bool, error)
	UpdateStation(ctx context.Context, s Station) (bool, error)
	// SetStationOpen changes only a station's open flag, so it neither
	// undoes an edit made meanwhile nor brings back a deleted station;
	// false when there is no such station.
	SetStationOpen(ctx context.Context, id string, open bool, at time.Time) (bool, error)
	Station(ctx context.Context, id string) (Station, error)
	// LockStation is Station, the row then locked against every other
	// lock until the transaction ends: an unlock holds the station it
	// starts a ride at (UnlockReader), so a delete that locked it first
	// sees each ride started there, or the unlock finds no station.
	LockStation(ctx context.Context, id string) (Station, error)
	// ShareStation is Station, the row then held until the transaction
	// ends with a lock that only LockStation waits for (nothing another
	// report, an unlock or an edit of its open flag takes): a rider's
	// report of a dock holds its station so, and a delete that locked it
	// first sees each report of its docks, or the report finds no
	// station.
	ShareStation(ctx context.Context, id string) (Station, error)
	Stations(ctx context.Context) ([]Station, error)
	// StationHasRides reports whether any ride, whatever its status,
	// started or ended at the station.
	StationHasRides(ctx context.Context, stationID string) (bool, error)
	DeleteStation(ctx context.Context, id string) error
	// PutDock records a dock's operator setting.
	PutDock(ctx context.Context, d Dock) error
	// Docks lists the dock settings of a station ("" for every station).
	Docks(ctx context.Context, stationID string) ([]Dock, error)

	PutBike(ctx context.Context, b Bike) error
	InsertBike(ctx context.Context, b Bike) (bool, error)
	UpdateBike(ctx context.Context, b Bike) (bool, error)
	Bike(ctx context.Context, id string) (Bike, error)
	// LockBike is Bike, locked as LockStation locks a station: an unlock
	// holds the bike it takes (UnlockReader).
	LockBike(ctx context.Context, id string) (Bike, error)
	Bikes(ctx context.Context) ([]Bike, error)
	// BikeHasRides reports whether any ride, whatever its status, took
	// the bike.
	BikeHasRides(ctx context.Context, bikeID string) (bool, error)
	DeleteBike(ctx context.Context, id string) error

	PutVehicleType(ctx context.Context, v VehicleType) error
	InsertVehicleType(ctx context.Context, v VehicleType) (bool, error)
	UpdateVehicleType(ctx context.Context, v VehicleType) (bool, error)
	VehicleType(ctx context.Context, id string) (VehicleType, error)
	VehicleTypes(ctx context.Context) ([]VehicleType, error)
	// VehicleTypeInUse reports whether bikes of vehicle type id exist:
	// DeleteVehicleType refuses to delete it then.
	VehicleTypeInUse(ctx context.Context, id string) (bool, error)
	DeleteVehicleType(ctx context.Context, id string) error

	PutPricingPlan(ctx context.Context, p PricingPlan) error
	InsertPricingPlan(ctx context.Context, p PricingPlan) (bool, error)
	UpdatePricingPlan(ctx context.Context, p PricingPlan) (bool, error)
	PricingPlan(ctx context.Context, id string) (PricingPlan, error)
	PricingPlans(ctx context.Context) ([]PricingPlan, error)
	// PricingPlanInUse reports whether a vehicle type charges by plan id:
	// DeletePricingPlan refuses to delete it then.
	PricingPlanInUse(ctx context.Context, id string) (bool, error)
	DeletePricingPlan(ctx context.Context, id string) error

	// LockStationStates returns the live state of each station in ids (sorted
	// by the caller), creating empty rows for stations never seen, locked
	// against concurrent ingest until the transaction ends.
	LockStationStates(ctx context.Context, ids []string) ([]StationState, error)
	// SaveStationStates writes states previously locked in this transaction.
	SaveStationStates(ctx context.Context, states []StationState) error
	// StationState is one station's live state; NotFound if it never reported.
	StationState(ctx context.Context, id string) (StationState, error)
	// DeleteStationState forgets a station's live state (nothing when it
	// has none).
	DeleteStationState(ctx context.Context, id string) error
	// StationStates lists every station's live state.
	StationStates(ctx context.Context) ([]StationState, error)
	// NoteClockAhead records that a message of a catalogued station was
	// refused at at for a stamp by ahead of the hub's clock
	// (StationState.AheadRefusedAt), creating its state if it has none, and
	// changing nothing else of it; nothing for an unknown station.
	NoteClockAhead(ctx context.Context, stationID string, at time.Time, by time.Duration) error
	// PutOccupancy records samples, replacing any sample of the same station
	// and bucket start.
	PutOccupancy(ctx context.Context, samples []OccupancySample) error
	// Occupancy lists a station's samples since, oldest first.
	Occupancy(ctx context.Context, stationID string, since time.Time) ([]OccupancySample, error)
	// PruneOccupancy deletes samples older than before.
	PruneOccupancy(ctx context.Context, before time.Time) error

	// RiderGone reports whether the rider's account is erased (see
	// UnlockPlace.RiderGone).
	RiderGone(ctx context.Context, riderID string) (bool, error)
	// InsertRide writes a new ride. Conflict when the rider or the bike
	// already has an open (pending or active) ride, or the command id is taken.
	InsertRide(ctx context.Context, r Ride) error
	// UpdateRide writes a ride's status, times, end, fare and ledger link.
	UpdateRide(ctx context.Context, r Ride) error
	// LockRide reads a ride and locks it until the transaction ends.
	LockRide(ctx context.Context, id string) (Ride, error)
	// LockOpenRideOfBike is OpenRideOfBike then LockRide in one read: the
	// bike's pending or active ride, locked, as it is once locked (it may
	// have ended meanwhile). NotFound when the bike has no open ride.
	LockOpenRideOfBike(ctx context.Context, bikeID string) (Ride, error)
	Ride(ctx context.Context, id string) (Ride, error)
	RideByCommand(ctx context.Context, commandID string) (Ride, error)
	// OpenRideOfRider and OpenRideOfBike return the pending or active ride.
	OpenRideOfRider(ctx context.Context, riderID string) (Ride, error)
	OpenRideOfBike(ctx context.Context, bikeID string) (Ride, error)
	// RidesOfRider lists a rider's rides, newest first, created before
	// before (zero: from the newest), at most limit.
	RidesOfRider(ctx context.Context, riderID string, before time.Time, limit int) ([]Ride, error)
	// OpenRides lists every pending and active ride, oldest first.
	OpenRides(ctx context.Context) ([]Ride, error)
	// CountTrip adds one ended ride to a bike's trip count (nothing for a
	// bike no longer registered).
	CountTrip(ctx context.Context, bikeID string) error
	// TripsPerBike returns each registered bike's count of ended rides.
	TripsPerBike(ctx context.Context) (map[string]int, error)
	// RideStarts lists when each ride that started at or after since
	// started, oldest first (rides that never started are left out).
	RideStarts(ctx context.Context, since time.Time) ([]time.Time, error)
	// ExpirePendingRides marks failed the pending rides whose deadline passed
	// more than PendingGrace before now (their hub went away mid-unlock) and
	// returns how many.
	ExpirePendingRides(ctx context.Context, now time.Time) (int, error)
}

// Commander sends commands to stations: the mqtt package implements it.
type Commander interface {
	// Unlock publishes cmd and waits for the station's reply until
	// cmd.Deadline or ctx ends. Unavailable when the broker is unreachable;
	// a context error when no reply came in time.
	Unlock(ctx context.Context, cmd UnlockCommand) (Reply, error)
	// Connected reports whether commands can reach the stations now (the
	// broker connection is up).
	Connected() bool
}
