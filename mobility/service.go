package mobility

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"cityhub/apperr"
	"cityhub/ids"
	"cityhub/wallet"
)

// Service holds mobility's rules. It is safe for concurrent use, and keeps no
// state that another hub replica would need: what matters is in the store.
type Service struct {
	store Store
	log   *slog.Logger
	clock atomic.Pointer[func() time.Time]

	mu  sync.RWMutex
	cmd Commander

	// UnlockTimeout is how long a station has to answer an unlock.
	UnlockTimeout time.Duration
	// StaleAfter is how old a status may be before the station counts as
	// offline even if its online flag says otherwise.
	StaleAfter time.Duration
	// LongRide is when an operator sees a ride as long.
	LongRide time.Duration

	version atomic.Int64 // bumped on every change riders or feeds can see
	applied atomic.Int64 // telemetry messages that reached station state
	ignored struct {
		unregistered, stale, unknown, refused atomic.Int64
	}

	pruneMu   sync.Mutex
	lastPrune time.Time

	creds credentials // station broker credentials (credentials.go)
}

// NewService returns the mobility service on store. cmd may be nil until the
// transport is up (SetCommander); unlocks fail as Unavailable meanwhile.
func NewService(store Store, cmd Commander, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{store: store, cmd: cmd, log: log,
		UnlockTimeout: 10 * time.Second, StaleAfter: 10 * time.Minute, LongRide: 2 * time.Hour}
	s.SetClock(time.Now)
	return s
}

// SetCommander sets the transport that carries commands to stations.
func (s *Service) SetCommander(c Commander) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cmd = c
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.clock.Store(&now) }

func (s *Service) now() time.Time { return (*s.clock.Load())() }

// stamp is now at the precision both stores keep, so that what a create
// returns is what a later read gives back.
func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func (s *Service) commander() Commander {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cmd
}

// Version changes whenever stations, their state or rides change, so that
// feeds rendered from them (GBFS) know when to render again.
func (s *Service) Version() int64 { return s.version.Load() }

// Applied counts telemetry messages Ingest has handled: applied to station
// state, or ignored for a reason IngestCounts counts.
func (s *Service) Applied() int64 { return s.applied.Load() }

func (s *Service) changed() { s.version.Add(1) }

// ---- Catalogue (city admin) ----

// PutStation creates or replaces a station (seeding); an admin creates with
// CreateStation and edits with UpdateStation. Invalid on bad fields.
func (s *Service) PutStation(ctx context.Context, st Station) (Station, error) {
	if err := st.Validate(); err != nil {
		return st, err
	}
	now := s.now().UTC()
	err := s.store.InTx(ctx, func(tx Tx) error {
		old, err := tx.Station(ctx, st.ID)
		switch {
		case err == nil:
			st.CreatedAt = old.CreatedAt
		case apperr.Has(err, apperr.NotFound):
			st.CreatedAt = now
		default:
			return err
		}
		st.UpdatedAt = now
		return tx.PutStation(ctx, st)
	})
	if err != nil {
		return st, fmt.Errorf("save station: %w", err)
	}
	s.changed()
	return st, nil
}

// writeCatalogue runs one write of the catalogue in a transaction: check
// (when given) and then write; a write that matched no row is refused with
// refused (taken id on create, missing id on update). Success tells the
// feeds that the catalogue changed.
func (s *Service) writeCatalogue(ctx context.Context, what string, check func(Tx) error, write func(Tx) (bool, error), refused error) error {
	err := s.store.InTx(ctx, func(tx Tx) error {
		if check != nil {
			if err := check(tx); err != nil {
				return err
			}
		}
		ok, err := write(tx)
		if err == nil && !ok {
			return refused
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	s.changed()
	return nil
}

// CreateStation creates a station that must not exist yet: Conflict
// (station_exists) when the id is taken, even by a creator racing this one.
// Invalid on bad fields.
func (s *Service) CreateStation(ctx context.Context, st Station) (Station, error) {
	if err := st.Validate(); err != nil {
		return st, err
	}
	st.CreatedAt = s.stamp()
	st.UpdatedAt = st.CreatedAt
	err := s.writeCatalogue(ctx, "create station", nil,
		func(tx Tx) (bool, error) { return tx.InsertStation(ctx, st) },
		apperr.R(apperr.Conflict, "station_exists", "A station with the code %q already exists.", st.ID))
	return st, err
}

// UpdateStation changes an existing station and returns it as stored.
// NotFound when there is none (deleted meanwhile included): an edit never
// creates. Invalid on bad fields.
func (s *Service) UpdateStation(ctx context.Context, st Station) (Station, error) {
	if err := st.Validate(); err != nil {
		return st, err
	}
	st.UpdatedAt = s.stamp()
	err := s.writeCatalogue(ctx, "update station", nil,
		func(tx Tx) (bool, error) {
			ok, err := tx.UpdateStation(ctx, st)
			if err == nil && ok {
				st, err = tx.Station(ctx, st.ID)
			}
			return ok, err
		},
		apperr.R(apperr.NotFound, "no_station", "There is no station %q.", st.ID))
	return st, err
}

// Station returns one station. NotFound if missing.
func (s *Service) Station(ctx context.Context, id string) (Station, error) {
	var st Station
	err := s.store.View(ctx, func(tx Tx) error { var err error; st, err = tx.Station(ctx, id); return err })
	return st, err
}

// Stations lists every station.
func (s *Service) Stations(ctx context.Context) ([]Station, error) {
	var out []Station
	err := s.store.View(ctx, func(tx Tx) error { var err error; out, err = tx.Stations(ctx); return err })
	return out, err
}

// DeleteStation removes a station and its live state, so a station created
// again under the same id starts from its next status. NotFound if missing.
func (s *Service) DeleteStation(ctx context.Context, id string) error {
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.DeleteStation(ctx, id); err != nil {
			return err
		}
		return tx.DeleteStationState(ctx, id)
	})
	if err == nil {
		s.changed()
		s.forgetStationAccount(ctx, id)
	}
	return err
}

// SetStationOpen opens or closes a station (operator). NotFound if missing.
func (s *Service) SetStationOpen(ctx context.Context, id string, open bool) (Station, error) {
	var st Station
	err := s.store.InTx(ctx, func(tx Tx) error {
		ok, err := tx.SetStationOpen(ctx, id, open, s.stamp())
		if err == nil && !ok {
			return apperr.R(apperr.NotFound, "no_station", "There is no station %q.", id)
		}
		if err == nil {
			st, err = tx.Station(ctx, id)
		}
		return err
	})
	if err == nil {
		s.changed()
	}
	return st, err
}

// SetDockService puts a dock in or out of service (operator). NotFound for an
// unknown station, Invalid for a dock number beyond its capacity.
func (s *Service) SetDockService(ctx context.Context, stationID string, dock int, inService bool, note string) (Dock, error) {
	d := Dock{StationID: stationID, Number: dock, InService: inService, Note: note, UpdatedAt: s.now().UTC()}
	if len(note) > 500 {
		return d, apperr.R(apperr.Invalid, "dock_note", "A dock note has at most 500 characters.")
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		st, err := tx.Station(ctx, stationID)
		if err != nil {
			return err
		}
		if dock < 1 || dock > st.Capacity {
			return apperr.R(apperr.Invalid, "dock_number", "Station %s has docks 1 to %d.", stationID, st.Capacity)
		}
		return tx.PutDock(ctx, d)
	})
	if err == nil {
		s.changed()
	}
	return d, err
}

// Docks lists the dock settings of a station ("" for all stations).
func (s *Service) Docks(ctx context.Context, stationID string) ([]Dock, error) {
	var out []Dock
	err := s.store.View(ctx, func(tx Tx) error { var err error; out, err = tx.Docks(ctx, stationID); return err })
	return out, err
}

// PutBike creates or replaces a bike (seeding). Invalid for an unknown
// vehicle type.
func (s *Service) PutBike(ctx context.Context, b Bike) (Bike, error) {
	if err := b.Validate(); err != nil {
		return b, err
	}
	b.UpdatedAt = s.now().UTC()
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := knownVehicleType(ctx, tx, b.VehicleTypeID); err != nil {
			return err
		}
		return tx.PutBike(ctx, b)
	})
	if err == nil {
		s.changed()
	}
	return b, err
}

// CreateBike creates a bike that must not exist yet: Conflict (bike_exists)
// when the id is taken. Invalid for an unknown vehicle type.
func (s *Service) CreateBike(ctx context.Context, b Bike) (Bike, error) {
	if err := b.Validate(); err != nil {
		return b, err
	}
	b.UpdatedAt = s.stamp()
	err := s.writeCatalogue(ctx, "create bike",
		func(tx Tx) error { return knownVehicleType(ctx, tx, b.VehicleTypeID) },
		func(tx Tx) (bool, error) { return tx.InsertBike(ctx, b) },
		apperr.R(apperr.Conflict, "bike_exists", "A bike with the code %q already exists.", b.ID))
	return b, err
}

func knownVehicleType(ctx context.Context, tx Tx, id string) error {
	if _, err := tx.VehicleType(ctx, id); err != nil {
		if apperr.Has(err, apperr.NotFound) {
			return apperr.R(apperr.Invalid, "unknown_vehicle_type", "There is no vehicle type %q.", id)
		}
		return err
	}
	return nil
}

// UpdateBike changes an existing bike. NotFound when there is none; Invalid
// for an unknown vehicle type.
func (s *Service) UpdateBike(ctx context.Context, b Bike) (Bike, error) {
	if err := b.Validate(); err != nil {
		return b, err
	}
	b.UpdatedAt = s.stamp()
	err := s.writeCatalogue(ctx, "update bike",
		func(tx Tx) error { return knownVehicleType(ctx, tx, b.VehicleTypeID) },
		func(tx Tx) (bool, error) { return tx.UpdateBike(ctx, b) },
		apperr.R(apperr.NotFound, "no_bike", "There is no bike %q.", b.ID))
	return b, err
}

// Bike returns one bike. NotFound if missing.
func (s *Service) Bike(ctx context.Context, id string) (Bike, error) {
	var b Bike
	err := s.store.View(ctx, func(tx Tx) error { var err error; b, err = tx.Bike(ctx, id); return err })
	return b, err
}

// Bikes lists every bike.
func (s *Service) Bikes(ctx context.Context) ([]Bike, error) {
	var out []Bike
	err := s.store.View(ctx, func(tx Tx) error { var err error; out, err = tx.Bikes(ctx); return err })
	return out, err
}

// DeleteBike removes a bike. NotFound if missing; Conflict while it is on a ride.
func (s *Service) DeleteBike(ctx context.Context, id string) error {
	err := s.store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.OpenRideOfBike(ctx, id); err == nil {
			return apperr.R(apperr.Conflict, "bike_on_ride", "The bike is on a ride.")
		} else if !apperr.Has(err, apperr.NotFound) {
			return err
		}
		return tx.DeleteBike(ctx, id)
	})
	if err == nil {
		s.changed()
	}
	return err
}

// PutVehicleType creates or replaces a vehicle type (seeding). Invalid for
// an unknown plan.
func (s *Service) PutVehicleType(ctx context.Context, v VehicleType) (VehicleType, error) {
	if err := v.Validate(); err != nil {
		return v, err
	}
	v.UpdatedAt = s.now().UTC()
	err := s.store.InTx(ctx, func(tx Tx) error {
		if err := knownPricingPlan(ctx, tx, v.PricingPlanID); err != nil {
			return err
		}
		return tx.PutVehicleType(ctx, v)
	})
	if err == nil {
		s.changed()
	}
	return v, err
}

// CreateVehicleType creates a vehicle type that must not exist yet: Conflict
// (vehicle_type_exists) when the id is taken. Invalid for an unknown plan.
func (s *Service) CreateVehicleType(ctx context.Context, v VehicleType) (VehicleType, error) {
	if err := v.Validate(); err != nil {
		return v, err
	}
	v.UpdatedAt = s.stamp()
	err := s.writeCatalogue(ctx, "create vehicle type",
		func(tx Tx) error { return knownPricingPlan(ctx, tx, v.PricingPlanID) },
		func(tx Tx) (bool, error) { return tx.InsertVehicleType(ctx, v) },
		apperr.R(apperr.Conflict, "vehicle_type_exists", "A vehicle type with the code %q already exists.", v.ID))
	return v, err
}

func knownPricingPlan(ctx context.Context, tx Tx, id string) error {
	if _, err := tx.PricingPlan(ctx, id); err != nil {
		if apperr.Has(err, apperr.NotFound) {
			return apperr.R(apperr.Invalid, "unknown_pricing_plan", "There is no pricing plan %q.", id)
		}
		return err
	}
	return nil
}

// UpdateVehicleType changes an existing vehicle type. NotFound when there is
// none; Invalid for an unknown plan.
func (s *Service) UpdateVehicleType(ctx context.Context, v VehicleType) (VehicleType, error) {
	if err := v.Validate(); err != nil {
		return v, err
	}
	v.UpdatedAt = s.stamp()
	err := s.writeCatalogue(ctx, "update vehicle type",
		func(tx Tx) error { return knownPricingPlan(ctx, tx, v.PricingPlanID) },
		func(tx Tx) (bool, error) { return tx.UpdateVehicleType(ctx, v) },
		apperr.R(apperr.NotFound, "no_vehicle_type", "There is no vehicle type %q.", v.ID))
	return v, err
}

// VehicleType returns one vehicle type. NotFound if missing.
func (s *Service) VehicleType(ctx context.Context, id string) (VehicleType, error) {
	var v VehicleType
	err := s.store.View(ctx, func(tx Tx) error { var err error; v, err = tx.VehicleType(ctx, id); return err })
	return v, err
}

// VehicleTypes lists every vehicle type.
func (s *Service) VehicleTypes(ctx context.Context) ([]VehicleType, error) {
	var out []VehicleType
	err := s.store.View(ctx, func(tx Tx) error { var err error; out, err = tx.VehicleTypes(ctx); return err })
	return out, err
}

// DeleteVehicleType removes a vehicle type. NotFound if missing; Conflict
// (from the store) while bikes use it.
func (s *Service) DeleteVehicleType(ctx context.Context, id string) error {
	err := s.store.InTx(ctx, func(tx Tx) error { return tx.DeleteVehicleType(ctx, id) })
	if err == nil {
		s.changed()
	}
	return err
}

// PutPricingPlan creates or replaces a pricing plan (seeding). Rides already started keep
// the plan they started with.
func (s *Service) PutPricingPlan(ctx context.Context, p PricingPlan) (PricingPlan, error) {
	if err := p.Validate(); err != nil {
		return p, err
	}
	p.UpdatedAt = s.now().UTC()
	err := s.store.InTx(ctx, func(tx Tx) error { return tx.PutPricingPlan(ctx, p) })
	if err == nil {
		s.changed()
	}
	return p, err
}

// CreatePricingPlan creates a plan that must not exist yet: Conflict
// (pricing_plan_exists) when the id is taken.
func (s *Service) CreatePricingPlan(ctx context.Context, p PricingPlan) (PricingPlan, error) {
	if err := p.Validate(); err != nil {
		return p, err
	}
	p.UpdatedAt = s.stamp()
	err := s.writeCatalogue(ctx, "create pricing plan", nil,
		func(tx Tx) (bool, error) { return tx.InsertPricingPlan(ctx, p) },
		apperr.R(apperr.Conflict, "pricing_plan_exists", "A pricing plan with the code %q already exists.", p.ID))
	return p, err
}

// UpdatePricingPlan changes an existing plan. NotFound when there is none.
// Rides already started keep the plan they started with.
func (s *Service) UpdatePricingPlan(ctx context.Context, p PricingPlan) (PricingPlan, error) {
	if err := p.Validate(); err != nil {
		return p, err
	}
	p.UpdatedAt = s.stamp()
	err := s.writeCatalogue(ctx, "update pricing plan", nil,
		func(tx Tx) (bool, error) { return tx.UpdatePricingPlan(ctx, p) },
		apperr.R(apperr.NotFound, "no_pricing_plan", "There is no pricing plan %q.", p.ID))
	return p, err
}

// PricingPlan returns one plan. NotFound if missing.
func (s *Service) PricingPlan(ctx context.Context, id string) (PricingPlan, error) {
	var p PricingPlan
	err := s.store.View(ctx, func(tx Tx) error { var err error; p, err = tx.PricingPlan(ctx, id); return err })
	return p, err
}

// PricingPlans lists every plan.
func (s *Service) PricingPlans(ctx context.Context) ([]PricingPlan, error) {
	var out []PricingPlan
	err := s.store.View(ctx, func(tx Tx) error { var err error; out, err = tx.PricingPlans(ctx); return err })
	return out, err
}

// DeletePricingPlan removes a plan. NotFound if missing; Conflict (from the
// store) while a vehicle type uses it.
func (s *Service) DeletePricingPlan(ctx context.Context, id string) error {
	err := s.store.InTx(ctx, func(tx Tx) error { return tx.DeletePricingPlan(ctx, id) })
	if err == nil {
		s.changed()
	}
	return err
}

// ---- Unlock and rides ----

// UnlockRequest is a rider's request to take a bike. Either Dock or BikeID
// (the QR on the bike) names the bike; RequestID makes retries idempotent.
type UnlockRequest struct {
	RequestID string `json:"request_id,omitempty"`
	StationID string `json:"station_id"`
	Dock      int    `json:"dock,omitempty"`
	BikeID    string `json:"bike_id,omitempty"`
}

// Validate checks the request's shape.
func (r UnlockRequest) Validate() error {
	if err := checkID("station", r.StationID); err != nil {
		return err
	}
	if r.Dock == 0 && r.BikeID == "" {
		return apperr.R(apperr.Invalid, "unlock_target", "Name the dock or the bike to unlock.")
	}
	if r.Dock < 0 || r.Dock > MaxCapacity {
		return apperr.R(apperr.Invalid, "dock_number", "No such dock.")
	}
	if r.BikeID != "" {
		if err := checkID("bike", r.BikeID); err != nil {
			return err
		}
	}
	if r.RequestID != "" && !ValidRequestID(r.RequestID) {
		return apperr.R(apperr.Invalid, "request_id", "The request id must be 1 to 100 letters, digits, '-' or '_'.")
	}
	return nil
}

// Unlock asks the station to release a bike for riderID and starts the ride
// on the station's ok. Errors: Invalid; NotFound (station or bike);
// InsufficientFunds (told before anything is sent); Conflict (the rider has an
// open ride, the bike is taken, the station refused, or the request id is
// someone else's); Unavailable (station closed, offline or silent until the
// deadline, or the broker unreachable). A failed unlock charges nothing. The
// same RequestID again returns the first attempt's outcome.
func (s *Service) Unlock(ctx context.Context, riderID string, req UnlockRequest) (Ride, error) {
	if err := req.Validate(); err != nil {
		return Ride{}, err
	}
	if riderID == "" {
		return Ride{}, apperr.E(apperr.Unauthenticated, "Sign in to unlock a bike.")
	}
	if req.RequestID == "" {
		req.RequestID = ids.New("cmd")
	}
	// Times are kept to the microsecond, as both stores keep them.
	now := s.now().UTC().Truncate(time.Microsecond)
	ride := Ride{ID: ids.New("ride"), CommandID: req.RequestID, RiderID: riderID, StartStation: req.StationID,
		Status: RidePending, CreatedAt: now, Deadline: now.Add(s.UnlockTimeout)}
	var replay *Ride
	err := s.store.InTx(ctx, func(tx Tx) error {
		prev, err := tx.RideByCommand(ctx, req.RequestID)
		if err == nil {
			replay = &prev
			return nil
		} else if !apperr.Has(err, apperr.NotFound) {
			return err
		}
		if _, err := tx.ExpirePendingRides(ctx, now); err != nil {
			return err
		}
		return s.reserve(ctx, tx, &ride, req, now)
	})
	if apperr.Has(err, apperr.Conflict) {
		// A concurrent attempt with the same request id may have won the
		// race to insert; then this is a retry of it.
		if prev, perr := s.rideByCommand(ctx, req.RequestID); perr == nil {
			replay = &prev
			err = nil
		}
	}
	if err != nil {
		return Ride{}, err
	}
	if replay != nil {
		return s.replayUnlock(ctx, riderID, *replay)
	}
	s.changed()
	return s.sendUnlock(ctx, ride)
}

// reserve checks every rule that can be checked before the station is asked,
// and writes the pending ride that holds the bike meanwhile.
func (s *Service) reserve(ctx context.Context, tx Tx, ride *Ride, req UnlockRequest, now time.Time) error {
	st, err := tx.Station(ctx, req.StationID)
	if err != nil {
		return err
	}
	if !st.Open {
		return apperr.R(apperr.Unavailable, "station_closed", "Station %s is closed.", st.Name("it"))
	}
	state, err := tx.StationState(ctx, st.ID)
	if apperr.Has(err, apperr.NotFound) || err == nil && !s.online(state, now) {
		return apperr.R(apperr.Unavailable, "station_offline", "Station %s is offline; try another station.", st.Name("it"))
	} else if err != nil {
		return err
	}
	var dock DockState
	var ok bool
	if req.Dock != 0 {
		dock, ok = state.Dock(req.Dock)
		if !ok || dock.BikeID == "" || (req.BikeID != "" && dock.BikeID != req.BikeID) {
			return apperr.R(apperr.Conflict, "no_bike_at_dock", "There is no bike at dock %d.", req.Dock)
		}
	} else {
		dock, ok = state.DockOfBike(req.BikeID)
		if !ok {
			return apperr.R(apperr.Conflict, "bike_not_at_station", "Bike %s is not docked at this station.", req.BikeID)
		}
	}
	if dock.Fault != "" {
		return apperr.R(apperr.Unavailable, "dock_fault", "Dock %d is out of order.", dock.Dock)
	}
	settings, err := tx.Docks(ctx, st.ID)
	if err != nil {
		return err
	}
	for _, d := range settings {
		if d.Number == dock.Dock && !d.InService {
			return apperr.R(apperr.Unavailable, "dock_out_of_service", "Dock %d is out of service.", dock.Dock)
		}
	}
	bike, err := tx.Bike(ctx, dock.BikeID)
	if apperr.Has(err, apperr.NotFound) {
		return apperr.R(apperr.Unavailable, "bike_unknown", "This bike cannot be rented.")
	} else if err != nil {
		return err
	}
	if !bike.Active {
		return apperr.R(apperr.Unavailable, "bike_inactive", "This bike is out of service.")
	}
	vt, err := tx.VehicleType(ctx, bike.VehicleTypeID)
	if err != nil {
		return fmt.Errorf("vehicle type of bike %s: %w", bike.ID, err)
	}
	plan, err := tx.PricingPlan(ctx, vt.PricingPlanID)
	if err != nil {
		return fmt.Errorf("pricing plan of vehicle type %s: %w", vt.ID, err)
	}
	if _, err := tx.OpenRideOfRider(ctx, ride.RiderID); err == nil {
		return apperr.R(apperr.Conflict, "ride_open", "You already have a ride; dock that bike first.")
	} else if !apperr.Has(err, apperr.NotFound) {
		return err
	}
	if _, err := tx.OpenRideOfBike(ctx, bike.ID); err == nil {
		return apperr.R(apperr.Conflict, "bike_taken", "Someone else is taking this bike.")
	} else if !apperr.Has(err, apperr.NotFound) {
		return err
	}
	var balance int64
	acct, err := tx.Account(ctx, wallet.CitizenAccount(ride.RiderID))
	if err == nil {
		balance = acct.Balance
	} else if !apperr.Has(err, apperr.NotFound) {
		return err
	}
	if need := plan.RequiredCredit(); balance < need {
		return apperr.R(apperr.InsufficientFunds, "insufficient_credit", "Not enough credit to unlock: you have %s and need at least %s. Top up first.",
			wallet.FormatEUR(balance), wallet.FormatEUR(need))
	}
	ride.BikeID = bike.ID
	ride.StartDock = dock.Dock
	ride.PricingPlanID = plan.ID
	ride.Plan = plan
	if err := tx.InsertRide(ctx, *ride); err != nil {
		if apperr.Has(err, apperr.Conflict) {
			// Lost a race that the checks above could not see yet.
			return apperr.R(apperr.Conflict, "bike_taken", "Someone else is taking this bike, or you already have a ride.")
		}
		return err
	}
	return nil
}

func (s *Service) online(st StationState, now time.Time) bool {
	return st.Online && !st.LastReported.IsZero() && now.Sub(st.LastReported) < s.StaleAfter
}

// sendUnlock asks the station and settles the pending ride either way.
func (s *Service) sendUnlock(ctx context.Context, ride Ride) (Ride, error) {
	cmd := s.commander()
	var reply Reply
	var sendErr error
	if cmd == nil {
		sendErr = apperr.R(apperr.Unavailable, "broker_unavailable", "The stations cannot be reached right now.")
	} else {
		// The wait outlives the rider's request (a phone that drops its
		// connection must not abandon a command the station may carry
		// out); the deadline alone ends it.
		wctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), ride.Deadline)
		reply, sendErr = cmd.Unlock(wctx, UnlockCommand{RequestID: ride.CommandID, StationID: ride.StartStation,
			Dock: ride.StartDock, BikeID: ride.BikeID, Deadline: ride.Deadline})
		cancel()
	}
	var failure error
	switch {
	case sendErr != nil && apperr.CodeOf(sendErr) != apperr.Internal:
		failure = sendErr
	case sendErr != nil && (errors.Is(sendErr, context.DeadlineExceeded) || errors.Is(sendErr, context.Canceled)):
		failure = apperr.R(apperr.Unavailable, "station_timeout", "The station did not answer in time; the bike stays locked and nothing was charged.")
	case sendErr != nil:
		failure = apperr.Wrap(sendErr, apperr.Unavailable, "The station could not be reached; nothing was charged.")
	case reply.Result != ReplyOK:
		failure = stationRefusal(reply)
	}
	// The outcome is recorded even if the rider's request went away.
	bg := context.WithoutCancel(ctx)
	var out Ride
	err := s.store.InTx(bg, func(tx Tx) error {
		r, err := tx.LockRide(bg, ride.ID)
		if err != nil {
			return err
		}
		if r.Status != RidePending {
			out = r
			return nil
		}
		if failure != nil {
			r.Status = RideFailed
			r.FailureReason = failureReason(failure)
		} else {
			r.Status = RideActive
			r.StartedAt = s.now().UTC().Truncate(time.Microsecond)
			if err := s.recordRelease(bg, tx, r, reply); err != nil {
				return err
			}
		}
		out = r
		return tx.UpdateRide(bg, r)
	})
	if err != nil {
		return out, fmt.Errorf("record unlock outcome: %w", err)
	}
	s.changed()
	if failure != nil {
		s.log.InfoContext(ctx, "unlock failed", slog.String("ride", ride.ID), slog.String("station", ride.StartStation),
			slog.String("bike", ride.BikeID), slog.String("reason", out.FailureReason))
		return out, failure
	}
	if out.Status == RideFailed {
		return out, rideFailure(out)
	}
	return out, nil
}

func stationRefusal(r Reply) error {
	switch r.Error {
	case ErrCodeNoBike, ErrCodeBusy:
		return apperr.R(apperr.Conflict, "station_refused:"+r.Error, "The station refused: the bike is not available at that dock. Nothing was charged.")
	case ErrCodeOutOfService:
		return apperr.R(apperr.Unavailable, "station_refused:"+r.Error, "The dock is out of service. Nothing was charged.")
	case ErrCodeDeadline:
		return apperr.R(apperr.Unavailable, "station_timeout", "The station answered too late; the bike stays locked and nothing was charged.")
	}
	code := r.Error
	if code == "" {
		code = "unknown"
	}
	return apperr.R(apperr.Unavailable, "station_refused:"+code, "The station could not release the bike (%s). Nothing was charged.", code)
}

func failureReason(err error) string {
	if r := apperr.ReasonOf(err); r != "" {
		return r
	}
	return string(apperr.CodeOf(err))
}

// rideFailure rebuilds the error of a failed unlock from its stored reason,
// so a retry with the same request id hears the same answer.
func rideFailure(r Ride) error {
	switch reason := r.FailureReason; {
	case reason == "station_refused:"+ErrCodeNoBike || reason == "station_refused:"+ErrCodeBusy || reason == "bike_taken":
		return apperr.R(apperr.Conflict, reason, "That unlock was refused by the station. Nothing was charged.")
	case reason == "station_timeout" || reason == "pending_expired":
		return apperr.R(apperr.Unavailable, "station_timeout", "The station did not answer in time; the bike stays locked and nothing was charged.")
	default:
		return apperr.R(apperr.Unavailable, reason, "That unlock failed (%s). Nothing was charged.", reason)
	}
}

// replayUnlock answers a retried request id with the first attempt's outcome,
// waiting for it while it is still pending.
func (s *Service) replayUnlock(ctx context.Context, riderID string, r Ride) (Ride, error) {
	if r.RiderID != riderID {
		return Ride{}, apperr.R(apperr.Conflict, "request_id_reused", "This request id belongs to another request.")
	}
	for r.Status == RidePending {
		wait := time.Until(r.Deadline)
		if wait < 0 {
			// The hub that sent the command went away; give up on it.
			if _, err := s.expire(ctx); err != nil {
				return r, err
			}
		}
		select {
		case <-ctx.Done():
			return r, apperr.R(apperr.Unavailable, "station_timeout", "Still waiting for the station; try again shortly.")
		case <-time.After(min(max(wait, 0), 50*time.Millisecond) + time.Millisecond):
		}
		var err error
		if r, err = s.ride(ctx, r.ID); err != nil {
			return r, err
		}
	}
	if r.Status == RideFailed {
		return r, rideFailure(r)
	}
	return r, nil
}

func (s *Service) expire(ctx context.Context) (int, error) {
	var n int
	err := s.store.InTx(ctx, func(tx Tx) error { var err error; n, err = tx.ExpirePendingRides(ctx, s.now().UTC()); return err })
	return n, err
}

func (s *Service) rideByCommand(ctx context.Context, commandID string) (Ride, error) {
	var r Ride
	err := s.store.View(ctx, func(tx Tx) error { var err error; r, err = tx.RideByCommand(ctx, commandID); return err })
	return r, err
}

func (s *Service) ride(ctx context.Context, id string) (Ride, error) {
	var r Ride
	err := s.store.View(ctx, func(tx Tx) error { var err error; r, err = tx.Ride(ctx, id); return err })
	return r, err
}

// RideView is a ride as a rider sees it, with what it costs so far.
type RideView struct {
	Ride
	DurationSeconds int64 `json:"duration_seconds"`
	CostCents       int64 `json:"cost_cents"`
}

func (s *Service) view(r Ride, now time.Time) RideView {
	v := RideView{Ride: r, DurationSeconds: int64(r.Duration(now) / time.Second)}
	switch r.Status {
	case RideActive:
		v.CostCents = r.Plan.Fare(r.Duration(now))
	case RideEnded:
		v.CostCents = r.FareCents
	}
	return v
}

// CurrentRide returns the rider's open ride with its running cost. NotFound
// when there is none.
func (s *Service) CurrentRide(ctx context.Context, riderID string) (RideView, error) {
	var r Ride
	err := s.store.View(ctx, func(tx Tx) error { var err error; r, err = tx.OpenRideOfRider(ctx, riderID); return err })
	if err != nil {
		if apperr.Has(err, apperr.NotFound) {
			return RideView{}, apperr.R(apperr.NotFound, "no_ride", "You have no ride right now.")
		}
		return RideView{}, err
	}
	return s.view(r, s.now()), nil
}

// RideOf is one of the rider's rides with its cost. NotFound if there is no
// such ride or it belongs to someone else.
func (s *Service) RideOf(ctx context.Context, riderID, rideID string) (RideView, error) {
	r, err := s.ride(ctx, rideID)
	if err != nil || r.RiderID != riderID {
		if err == nil || apperr.Has(err, apperr.NotFound) {
			return RideView{}, apperr.R(apperr.NotFound, "no_ride", "There is no such ride.")
		}
		return RideView{}, err
	}
	return s.view(r, s.now()), nil
}

// RideHistory lists a rider's rides, newest first (failed unlocks included,
// so the rider sees that nothing was charged for them).
func (s *Service) RideHistory(ctx context.Context, riderID string, before time.Time, limit int) ([]RideView, error) {
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	var rides []Ride
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		rides, err = tx.RidesOfRider(ctx, riderID, before, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]RideView, 0, len(rides))
	for _, r := range rides {
		out = append(out, s.view(r, now))
	}
	return out, nil
}

// EndRide ends the open ride of bike, docked at station and dock, at the
// hub's time at (when the hub received the report; never a station's "ts":
// a station's clock does not price a ride). It is idempotent: a bike with no open ride (already
// ended, by a duplicate or late event) changes nothing and returns
// ended=false. The fare is charged in the same transaction as the ride's end;
// a fare beyond the credit uses wallet.RideOverrun, and a fare beyond even that
// ends the ride as Unsettled for the operator, charging nothing.
func (s *Service) EndRide(ctx context.Context, bikeID, stationID string, dock int, at time.Time) (Ride, bool, error) {
	var out Ride
	var ended bool
	err := s.store.InTx(ctx, func(tx Tx) error {
		open, err := tx.OpenRideOfBike(ctx, bikeID)
		if apperr.Has(err, apperr.NotFound) {
			return nil
		} else if err != nil {
			return err
		}
		r, err := tx.LockRide(ctx, open.ID)
		if err != nil {
			return err
		}
		if r.Status != RideActive {
			return nil // pending: the station has not confirmed; a dock event is stale
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		end := at.UTC().Truncate(time.Microsecond)
		if end.IsZero() || end.After(now) {
			end = now
		}
		if end.Before(r.StartedAt) {
			end = r.StartedAt
		}
		r.Status = RideEnded
		r.EndedAt = end
		r.EndStation = stationID
		r.EndDock = dock
		r.FareCents = r.Plan.Fare(end.Sub(r.StartedAt))
		if r.FareCents > 0 {
			citizen := wallet.CitizenAccount(r.RiderID)
			t := wallet.Transaction{Key: "ride:" + r.ID + ":fare", Kind: "ride.fare", RefType: "ride", RefID: r.ID,
				Memo:      "Bike ride " + r.BikeID,
				Entries:   []wallet.Entry{{Account: citizen, Amount: -r.FareCents}, {Account: wallet.RevenueBikeshare, Amount: r.FareCents}},
				Overdraft: &wallet.RideOverrun, OverdraftAccount: citizen}
			posted, err := wallet.Post(ctx, tx, t, now)
			switch {
			case apperr.Has(err, apperr.InsufficientFunds):
				r.Unsettled = true
			case err != nil:
				return fmt.Errorf("charge ride %s: %w", r.ID, err)
			default:
				r.LedgerTxID = posted.ID
			}
		}
		if err := tx.UpdateRide(ctx, r); err != nil {
			return err
		}
		if err := tx.CountTrip(ctx, r.BikeID); err != nil {
			return err
		}
		out, ended = r, true
		return nil
	})
	if err != nil {
		return out, false, err
	}
	if ended {
		s.changed()
		s.log.InfoContext(ctx, "ride ended", slog.String("ride", out.ID), slog.String("bike", bikeID),
			slog.String("station", stationID), slog.Int64("fare_cents", out.FareCents), slog.Bool("unsettled", out.Unsettled))
	}
	return out, ended, nil
}
