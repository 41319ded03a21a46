package mobility

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/plaintext"
)

// ---- Catalogue (city admin) ----

// Every catalogue operation, reads included (they show closed stations and
// bikes out of the fleet), is the city administrator's, or the hub's own
// when it seeds; SetStationOpen, SetDockService and Docks are the mobility
// operators' too. Unauthenticated without an account, Forbidden for any
// other role. Riders read the public views (StationList, StationDetail,
// RiderPlan).

// PutStation creates or replaces a station (seeding); an admin creates with
// CreateStation and edits with UpdateStation. Invalid on bad fields.
func (s *Service) PutStation(ctx context.Context, c identity.Caller, st Station) (Station, error) {
	if err := MayManageCatalogue(c); err != nil {
		return st, err
	}
	if err := st.Validate(); err != nil {
		return st, err
	}
	now := s.now()
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
func (s *Service) CreateStation(ctx context.Context, c identity.Caller, st Station) (Station, error) {
	if err := MayManageCatalogue(c); err != nil {
		return st, err
	}
	if err := st.Validate(); err != nil {
		return st, err
	}
	st.CreatedAt = s.now()
	st.UpdatedAt = st.CreatedAt
	err := s.writeCatalogue(ctx, "create station", nil,
		func(tx Tx) (bool, error) { return tx.InsertStation(ctx, st) },
		apperr.R(apperr.Conflict, "station_exists", "A station with the code %q already exists.", st.ID))
	return st, err
}

// UpdateStation changes an existing station and returns it as stored.
// NotFound when there is none (deleted meanwhile included): an edit never
// creates. Invalid on bad fields.
func (s *Service) UpdateStation(ctx context.Context, c identity.Caller, st Station) (Station, error) {
	if err := MayManageCatalogue(c); err != nil {
		return st, err
	}
	if err := st.Validate(); err != nil {
		return st, err
	}
	st.UpdatedAt = s.now()
	err := s.writeCatalogue(ctx, "update station", func(tx Tx) error { return capacityKeepsBikes(ctx, tx, st) },
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
func (s *Service) Station(ctx context.Context, c identity.Caller, id string) (Station, error) {
	if err := MayManageCatalogue(c); err != nil {
		return Station{}, err
	}
	var st Station
	err := s.store.View(ctx, func(tx Tx) error { var err error; st, err = tx.Station(ctx, id); return err })
	return st, err
}

// Stations lists every station.
func (s *Service) Stations(ctx context.Context, c identity.Caller) ([]Station, error) {
	if err := MayManageCatalogue(c); err != nil {
		return nil, err
	}
	var out []Station
	err := s.store.View(ctx, func(tx Tx) error { var err error; out, err = tx.Stations(ctx); return err })
	return out, err
}

// DeleteStation removes a station and its live state, so a station created
// again under the same id starts from its next status, and its broker
// credential. NotFound if missing; Conflict (station_in_use) while it is in
// use, or (dock_reports_open) while riders' reports of its docks are open
// (stationInUse); Unavailable when the broker (Mosquitto) does not drop
// the station's account, and then nothing is deleted: a station deleted
// in the hub whose login still worked at the broker could still publish.
func (s *Service) DeleteStation(ctx context.Context, c identity.Caller, id string) error {
	if err := MayManageCatalogue(c); err != nil {
		return err
	}
	accounts, _ := s.brokerAccounts()
	err := s.store.InTx(ctx, func(tx Tx) error {
		// Locked first: an unlock starting a ride here, or a rider
		// reporting one of its docks, meanwhile has either committed
		// its ride or report, which the check then sees, or waits and
		// then finds no station.
		if _, err := tx.LockStation(ctx, id); err != nil {
			return err
		}
		if err := stationInUse(ctx, tx, id); err != nil {
			return err
		}
		// Its credential is read before its rows go, the credential's
		// too, and its account at the broker goes last, as a
		// revocation's does (dropStationAccount). A station that never
		// had one is deleted whatever the broker says.
		return dropStationAccount(ctx, tx, accounts, id, "nothing was deleted.", func(StationCredential, bool) error {
			if err := tx.DeleteStation(ctx, id); err != nil {
				return err
			}
			return tx.DeleteStationState(ctx, id)
		})
	})
	if err != nil {
		return fmt.Errorf("delete station %s: %w", id, err)
	}
	s.changed()
	credentialCommitted(ctx, accounts, id)
	return nil
}

// stationInUse refuses to delete a station that is in use: one with bikes
// in its docks, as it last reported (riders would see bikes where there is
// no station), or one where any ride started or ended, open or past (the
// rides keep referring to it; closing it stops the unlocks instead); and
// one with riders' reports of its docks still open (dock_reports_open). Its
// state is locked against telemetry while it is read, so a bike docking
// meanwhile is seen. Its broker credential alone does not keep it: it goes
// with the station.
func stationInUse(ctx context.Context, tx Tx, id string) error {
	states, err := tx.LockStationStates(ctx, []string{id})
	if err != nil {
		return err
	}
	for _, st := range states {
		if n := st.Bikes(); n > 0 {
			return apperr.R(apperr.Conflict, "station_in_use",
				"Station %s has %d bikes in its docks: move them first (or reset its state, if it is wrong).", id, n)
		}
	}
	ridden, err := tx.StationHasRides(ctx, id)
	if err != nil {
		return err
	}
	if ridden {
		return apperr.R(apperr.Conflict, "station_in_use",
			"Rides started or ended at station %s and keep referring to it: close it instead.", id)
	}
	// A rider's open report of a dock would outlive the dock: the
	// operators' list would send them to a station that is not there,
	// and the report would count against the rider's limit until
	// someone resolved it blind. Resolving it is the operator's word
	// on the fault (fixed, or gone with the station), which the hub
	// cannot give for them: closing the reports itself would tell the
	// riders their faults were dealt with, as with bikes in its docks
	// the delete waits for a person to act first.
	n, err := tx.OpenDockReportsAt(ctx, id)
	if err != nil {
		return err
	}
	if n > 0 {
		return apperr.R(apperr.Conflict, "dock_reports_open",
			"Riders' reports of faulty docks at station %s are still open (%d): resolve them first.", id, n)
	}
	return nil
}

// SetStationOpen opens or closes a station (operator). NotFound if missing.
func (s *Service) SetStationOpen(ctx context.Context, c identity.Caller, id string, open bool) (Station, error) {
	if err := MayOperate(c); err != nil {
		return Station{}, err
	}
	var st Station
	err := s.store.InTx(ctx, func(tx Tx) error {
		ok, err := tx.SetStationOpen(ctx, id, open, s.now())
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

// MaxDockNote bounds a dock's note for the technician, in characters.
const MaxDockNote = 500

// ValidDockNote reports whether s may be a dock's note: one line (the
// operator's page asks for it in a one-line field) without control
// characters, of at most MaxDockNote characters.
func ValidDockNote(s string) bool {
	return plaintext.Line(s) && utf8.RuneCountInString(s) <= MaxDockNote
}

// SetDockService puts a dock in or out of service (operator). NotFound for an
// unknown station, Invalid for a dock number beyond its capacity.
func (s *Service) SetDockService(ctx context.Context, c identity.Caller, stationID string, dock int, inService bool, note string) (Dock, error) {
	if err := MayOperate(c); err != nil {
		return Dock{}, err
	}
	d := Dock{StationID: stationID, Number: dock, InService: inService, Note: note, UpdatedAt: s.now()}
	if !ValidDockNote(note) {
		return d, apperr.R(apperr.Invalid, "dock_note", "A dock note is one line of at most %d characters, without control characters.", MaxDockNote)
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		st, err := tx.Station(ctx, stationID)
		if err != nil {
			return err
		}
		if !st.Registered(dock) {
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
func (s *Service) Docks(ctx context.Context, c identity.Caller, stationID string) ([]Dock, error) {
	if err := MayOperate(c); err != nil {
		return nil, err
	}
	var out []Dock
	err := s.store.View(ctx, func(tx Tx) error { var err error; out, err = tx.Docks(ctx, stationID); return err })
	return out, err
}

// PutBike creates or replaces a bike (seeding). Invalid for an unknown
// vehicle type.
func (s *Service) PutBike(ctx context.Context, c identity.Caller, b Bike) (Bike, error) {
	if err := MayManageCatalogue(c); err != nil {
		return b, err
	}
	if err := b.Validate(); err != nil {
		return b, err
	}
	b.UpdatedAt = s.now()
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
func (s *Service) CreateBike(ctx context.Context, c identity.Caller, b Bike) (Bike, error) {
	if err := MayManageCatalogue(c); err != nil {
		return b, err
	}
	if err := b.Validate(); err != nil {
		return b, err
	}
	b.UpdatedAt = s.now()
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
func (s *Service) UpdateBike(ctx context.Context, c identity.Caller, b Bike) (Bike, error) {
	if err := MayManageCatalogue(c); err != nil {
		return b, err
	}
	if err := b.Validate(); err != nil {
		return b, err
	}
	b.UpdatedAt = s.now()
	err := s.writeCatalogue(ctx, "update bike",
		func(tx Tx) error { return knownVehicleType(ctx, tx, b.VehicleTypeID) },
		func(tx Tx) (bool, error) { return tx.UpdateBike(ctx, b) },
		apperr.R(apperr.NotFound, "no_bike", "There is no bike %q.", b.ID))
	return b, err
}

// Bike returns one bike. NotFound if missing.
func (s *Service) Bike(ctx context.Context, c identity.Caller, id string) (Bike, error) {
	if err := MayManageCatalogue(c); err != nil {
		return Bike{}, err
	}
	var b Bike
	err := s.store.View(ctx, func(tx Tx) error { var err error; b, err = tx.Bike(ctx, id); return err })
	return b, err
}

// Bikes lists every bike.
func (s *Service) Bikes(ctx context.Context, c identity.Caller) ([]Bike, error) {
	if err := MayManageCatalogue(c); err != nil {
		return nil, err
	}
	var out []Bike
	err := s.store.View(ctx, func(tx Tx) error { var err error; out, err = tx.Bikes(ctx); return err })
	return out, err
}

// DeleteBike removes a bike. NotFound if missing; Conflict while it is in
// use (bikeInUse).
func (s *Service) DeleteBike(ctx context.Context, c identity.Caller, id string) error {
	if err := MayManageCatalogue(c); err != nil {
		return err
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		// Locked first: an unlock taking the bike meanwhile has either
		// committed its ride, which the check then sees, or waits and
		// then finds no bike.
		if _, err := tx.LockBike(ctx, id); err != nil {
			return err
		}
		if err := bikeInUse(ctx, tx, id); err != nil {
			return err
		}
		return tx.DeleteBike(ctx, id)
	})
	if err != nil {
		return fmt.Errorf("delete bike %s: %w", id, err)
	}
	s.changed()
	return nil
}

// bikeInUse refuses to delete a bike that is in use: on a ride
// (bike_on_ride); in a dock, as its station last reported (a rider could
// take it, and the unlock would find no such bike); or with rides behind
// it, failed unlocks included (bike_in_use: the rides keep referring to
// it; taking it out of the fleet stops its unlocks instead).
func bikeInUse(ctx context.Context, tx Tx, id string) error {
	if _, err := tx.OpenRideOfBike(ctx, id); err == nil {
		return apperr.R(apperr.Conflict, "bike_on_ride", "The bike is on a ride.")
	} else if !apperr.Has(err, apperr.NotFound) {
		return err
	}
	states, err := tx.StationStates(ctx)
	if err != nil {
		return err
	}
	for _, st := range states {
		if d, ok := st.DockOfBike(id); ok {
			return apperr.R(apperr.Conflict, "bike_in_use",
				"Bike %s is in dock %d of station %s: take it out first, or take it out of the fleet instead.", id, d.Dock, st.StationID)
		}
	}
	ridden, err := tx.BikeHasRides(ctx, id)
	if err != nil {
		return err
	}
	if ridden {
		return apperr.R(apperr.Conflict, "bike_in_use",
			"Bike %s has rides behind it, which keep referring to it: take it out of the fleet instead.", id)
	}
	return nil
}

// PutVehicleType creates or replaces a vehicle type (seeding). Invalid for
// an unknown plan.
func (s *Service) PutVehicleType(ctx context.Context, c identity.Caller, v VehicleType) (VehicleType, error) {
	if err := MayManageCatalogue(c); err != nil {
		return v, err
	}
	if err := v.Validate(); err != nil {
		return v, err
	}
	v.UpdatedAt = s.now()
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
func (s *Service) CreateVehicleType(ctx context.Context, c identity.Caller, v VehicleType) (VehicleType, error) {
	if err := MayManageCatalogue(c); err != nil {
		return v, err
	}
	if err := v.Validate(); err != nil {
		return v, err
	}
	v.UpdatedAt = s.now()
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
func (s *Service) UpdateVehicleType(ctx context.Context, c identity.Caller, v VehicleType) (VehicleType, error) {
	if err := MayManageCatalogue(c); err != nil {
		return v, err
	}
	if err := v.Validate(); err != nil {
		return v, err
	}
	v.UpdatedAt = s.now()
	err := s.writeCatalogue(ctx, "update vehicle type",
		func(tx Tx) error { return knownPricingPlan(ctx, tx, v.PricingPlanID) },
		func(tx Tx) (bool, error) { return tx.UpdateVehicleType(ctx, v) },
		apperr.R(apperr.NotFound, "no_vehicle_type", "There is no vehicle type %q.", v.ID))
	return v, err
}

// VehicleType returns one vehicle type. NotFound if missing.
func (s *Service) VehicleType(ctx context.Context, c identity.Caller, id string) (VehicleType, error) {
	if err := MayManageCatalogue(c); err != nil {
		return VehicleType{}, err
	}
	var v VehicleType
	err := s.store.View(ctx, func(tx Tx) error { var err error; v, err = tx.VehicleType(ctx, id); return err })
	return v, err
}

// VehicleTypes lists every vehicle type.
func (s *Service) VehicleTypes(ctx context.Context, c identity.Caller) ([]VehicleType, error) {
	if err := MayManageCatalogue(c); err != nil {
		return nil, err
	}
	var out []VehicleType
	err := s.store.View(ctx, func(tx Tx) error { var err error; out, err = tx.VehicleTypes(ctx); return err })
	return out, err
}

// DeleteVehicleType removes a vehicle type. NotFound if missing; Conflict
// (from the store) while bikes use it.
func (s *Service) DeleteVehicleType(ctx context.Context, c identity.Caller, id string) error {
	if err := MayManageCatalogue(c); err != nil {
		return err
	}
	err := s.store.InTx(ctx, func(tx Tx) error { return tx.DeleteVehicleType(ctx, id) })
	if err == nil {
		s.changed()
	}
	return err
}

// PutPricingPlan creates or replaces a pricing plan (seeding). Rides already started keep
// the plan they started with.
func (s *Service) PutPricingPlan(ctx context.Context, c identity.Caller, p PricingPlan) (PricingPlan, error) {
	if err := MayManageCatalogue(c); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	p = p.withSegmentList()
	p.UpdatedAt = s.now()
	err := s.store.InTx(ctx, func(tx Tx) error { return tx.PutPricingPlan(ctx, p) })
	if err == nil {
		s.changed()
	}
	return p, err
}

// CreatePricingPlan creates a plan that must not exist yet: Conflict
// (pricing_plan_exists) when the id is taken.
func (s *Service) CreatePricingPlan(ctx context.Context, c identity.Caller, p PricingPlan) (PricingPlan, error) {
	if err := MayManageCatalogue(c); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	p = p.withSegmentList()
	p.UpdatedAt = s.now()
	err := s.writeCatalogue(ctx, "create pricing plan", nil,
		func(tx Tx) (bool, error) { return tx.InsertPricingPlan(ctx, p) },
		apperr.R(apperr.Conflict, "pricing_plan_exists", "A pricing plan with the code %q already exists.", p.ID))
	return p, err
}

// UpdatePricingPlan changes an existing plan. NotFound when there is none.
// Rides already started keep the plan they started with.
func (s *Service) UpdatePricingPlan(ctx context.Context, c identity.Caller, p PricingPlan) (PricingPlan, error) {
	if err := MayManageCatalogue(c); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	p = p.withSegmentList()
	p.UpdatedAt = s.now()
	err := s.writeCatalogue(ctx, "update pricing plan", nil,
		func(tx Tx) (bool, error) { return tx.UpdatePricingPlan(ctx, p) },
		apperr.R(apperr.NotFound, "no_pricing_plan", "There is no pricing plan %q.", p.ID))
	return p, err
}

// PricingPlan returns one plan. NotFound if missing.
func (s *Service) PricingPlan(ctx context.Context, c identity.Caller, id string) (PricingPlan, error) {
	if err := MayManageCatalogue(c); err != nil {
		return PricingPlan{}, err
	}
	var p PricingPlan
	err := s.store.View(ctx, func(tx Tx) error { var err error; p, err = tx.PricingPlan(ctx, id); return err })
	return p, err
}

// PricingPlans lists every plan.
func (s *Service) PricingPlans(ctx context.Context, c identity.Caller) ([]PricingPlan, error) {
	if err := MayManageCatalogue(c); err != nil {
		return nil, err
	}
	var out []PricingPlan
	err := s.store.View(ctx, func(tx Tx) error { var err error; out, err = tx.PricingPlans(ctx); return err })
	return out, err
}

// DeletePricingPlan removes a plan. NotFound if missing; Conflict (from the
// store) while a vehicle type uses it.
func (s *Service) DeletePricingPlan(ctx context.Context, c identity.Caller, id string) error {
	if err := MayManageCatalogue(c); err != nil {
		return err
	}
	err := s.store.InTx(ctx, func(tx Tx) error { return tx.DeletePricingPlan(ctx, id) })
	if err == nil {
		s.changed()
	}
	return err
}

// RiderPlan is the pricing plan a rider pays on a vehicle type. Public, as
// the feeds publish every plan. NotFound for an unknown vehicle type or plan.
func (s *Service) RiderPlan(ctx context.Context, vehicleTypeID string) (PricingPlan, error) {
	var p PricingPlan
	err := s.store.View(ctx, func(tx Tx) error {
		v, err := tx.VehicleType(ctx, vehicleTypeID)
		if err != nil {
			return err
		}
		p, err = tx.PricingPlan(ctx, v.PricingPlanID)
		return err
	})
	return p, err
}

// capacityKeepsBikes refuses a capacity below the bikes the station holds
// (capacity_below_docked) or below a dock that holds one (docks_hold_bikes):
// the docks above the capacity are hidden from riders and the open data,
// and a docking there is refused, so the bike would vanish from the city's
// count and its next ride could not end there. The station and then its
// state are locked, in the order an unlock takes them, so that telemetry
// placing a bike meanwhile is judged against the capacity this writes.
// Only a lower capacity is judged: an edit that keeps or raises it hides
// no dock, so a bike a station reports above its capacity (kept for the
// operator) does not stop the station being renamed or moved.
func capacityKeepsBikes(ctx context.Context, tx Tx, st Station) error {
	cur, err := tx.LockStation(ctx, st.ID)
	if err != nil {
		if apperr.Has(err, apperr.NotFound) {
			return apperr.R(apperr.NotFound, "no_station", "There is no station %q.", st.ID)
		}
		return fmt.Errorf("lock station %s: %w", st.ID, err)
	}
	if st.Capacity >= cur.Capacity {
		return nil
	}
	states, err := tx.LockStationStates(ctx, []string{st.ID})
	if err != nil {
		return fmt.Errorf("lock the state of station %s: %w", st.ID, err)
	}
	var held []string
	docked := 0
	for _, d := range states[0].Docks {
		if d.BikeID == "" {
			continue
		}
		docked++
		if !st.Registered(d.Dock) {
			held = append(held, strconv.Itoa(d.Dock))
		}
	}
	// More bikes than docks is no matter of moving them: the capacity
	// itself is too small, and the refusal says by how much.
	if docked > st.Capacity {
		return apperr.R(apperr.Conflict, "capacity_below_docked",
			"The station has %d bikes in its docks: the capacity (%d) cannot be lower.", docked, st.Capacity)
	}
	if len(held) > 0 {
		return apperr.R(apperr.Conflict, "docks_hold_bikes",
			"Dock %s above the capacity of %d holds a bike: move it before lowering the capacity.", strings.Join(held, ", "), st.Capacity)
	}
	return nil
}
