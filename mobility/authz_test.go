package mobility_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/mobility/mobilitytest"
	"cityhub/store/storetest"
)

// The role × operation table of the mobility service, called directly: the
// domain twin of the HTTP role × endpoint table (web/authz_test.go), which
// asks the same service through the JSON API.

// who is one kind of caller the table asks as.
type who string

const (
	anonymous    who = "anonymous"
	citizen      who = "citizen"
	otherCitizen who = "another citizen"
	merchant     who = "merchant"
	door         who = "door"
	operator     who = "operator"
	admin        who = "admin"
	hub          who = "the hub"
)

var everyone = []who{anonymous, citizen, otherCitizen, merchant, door, operator, admin, hub}

func callerOf(w who) identity.Caller {
	grant := func(id string, g ...identity.Grant) identity.Caller { return identity.Caller{AccountID: id, Grants: g} }
	switch w {
	case citizen:
		return grant("acc_rider", identity.Grant{Role: identity.RoleCitizen})
	case otherCitizen:
		return grant("acc_other", identity.Grant{Role: identity.RoleCitizen})
	case merchant:
		return grant("acc_shop", identity.Grant{Role: identity.RoleMerchant, Scope: "shop_1"})
	case door:
		return grant("acc_door", identity.Grant{Role: identity.RoleDoor, Scope: "venue_1"})
	case operator:
		return grant("acc_op", identity.Grant{Role: identity.RoleOperator})
	case admin:
		return grant("acc_admin", identity.Grant{Role: identity.RoleAdmin})
	case hub:
		return identity.System()
	}
	return identity.Caller{}
}

// authzOp is one operation: who may call it, and who is told NotFound
// because what they ask for is someone else's.
type authzOp struct {
	name    string
	allowed []who
	hidden  []who
	call    func(ctx context.Context, c identity.Caller) error
}

var (
	riders     = []who{citizen, otherCitizen}
	operators  = []who{operator, admin, hub}
	catalogue  = []who{admin, hub}
	systemOnly = []who{hub}
)

// Every refused call must leave the service as it was: its version counts
// every change riders, operators or feeds could see.
func TestServiceRoleTable(t *testing.T) {
	db := storetest.OpenSQLite(t)
	svc := mobilitytest.NewService(db.Mobility(), nil)
	ctx := context.Background()
	sys := identity.System()
	plan := mobility.PricingPlan{ID: "base", NameIT: "Base", UnlockCents: 100, PerMin: []mobility.Segment{{StartMin: 0, RateCents: 10, IntervalMin: 1}}}
	vt := mobility.VehicleType{ID: "city", NameIT: "Bici", Propulsion: mobility.Human, PricingPlanID: "base"}
	st := mobility.Station{ID: "duomo", NameIT: "Piazza Duomo", Lat: 41.13, Lon: 14.78, Capacity: 4, Open: true}
	bike := mobility.Bike{ID: "b-1", VehicleTypeID: "city", Active: true}
	for _, err := range []error{
		func() error { _, err := svc.PutPricingPlan(ctx, sys, plan); return err }(),
		func() error { _, err := svc.PutVehicleType(ctx, sys, vt); return err }(),
		func() error { _, err := svc.PutStation(ctx, sys, st); return err }(),
		func() error { _, err := svc.PutBike(ctx, sys, bike); return err }(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	// A failed unlock of the citizen's: a ride that is theirs to read and
	// nobody else's.
	now := time.Now().UTC().Truncate(time.Microsecond)
	ride := mobility.Ride{ID: "ride_1", CommandID: "cmd_1", RiderID: callerOf(citizen).AccountID, BikeID: bike.ID, StartStation: st.ID,
		StartDock: 1, Status: mobility.RideFailed, PricingPlanID: plan.ID, Plan: plan, Deadline: now, CreatedAt: now, FailureReason: "timeout"}
	if err := db.Mobility().InTx(ctx, func(tx mobility.Tx) error { return tx.InsertRide(ctx, ride) }); err != nil {
		t.Fatal(err)
	}

	ops := []authzOp{
		// The rider's: their own rides only.
		{name: "Unlock", allowed: riders, call: func(ctx context.Context, c identity.Caller) error {
			_, err := svc.Unlock(ctx, c, mobility.UnlockRequest{StationID: "nope", Dock: 1})
			return err
		}},
		{name: "CurrentRide", allowed: riders, call: func(ctx context.Context, c identity.Caller) error {
			_, err := svc.CurrentRide(ctx, c)
			return err
		}},
		{name: "RideHistory", allowed: riders, call: func(ctx context.Context, c identity.Caller) error {
			_, err := svc.RideHistory(ctx, c, time.Time{}, 10)
			return err
		}},
		{name: "RideOf", allowed: []who{citizen}, hidden: []who{otherCitizen}, call: func(ctx context.Context, c identity.Caller) error {
			_, err := svc.RideOf(ctx, c, ride.ID)
			return err
		}},
		// The operators' (and city admins').
		{name: "OperatorOverview", allowed: operators, call: func(ctx context.Context, c identity.Caller) error {
			_, err := svc.OperatorOverview(ctx, c)
			return err
		}},
		{name: "Occupancy24h", allowed: operators, call: func(ctx context.Context, c identity.Caller) error {
			_, err := svc.Occupancy24h(ctx, c, st.ID)
			return err
		}},
		{name: "SetStationOpen", allowed: operators, call: func(ctx context.Context, c identity.Caller) error {
			_, err := svc.SetStationOpen(ctx, c, st.ID, true)
			return err
		}},
		{name: "SetDockService", allowed: operators, call: func(ctx context.Context, c identity.Caller) error {
			_, err := svc.SetDockService(ctx, c, st.ID, 1, true, "")
			return err
		}},
		{name: "Docks", allowed: operators, call: func(ctx context.Context, c identity.Caller) error {
			_, err := svc.Docks(ctx, c, st.ID)
			return err
		}},
		{name: "ResetStationState", allowed: operators, call: func(ctx context.Context, c identity.Caller) error {
			return svc.ResetStationState(ctx, c, "nope")
		}},
		{name: "Incidents", allowed: operators, call: func(ctx context.Context, c identity.Caller) error {
			_, err := svc.Incidents(ctx, c, true, "")
			return err
		}},
		{name: "ResolveIncident", allowed: operators, call: func(ctx context.Context, c identity.Caller) error {
			return svc.ResolveIncident(ctx, c, "inc_nope")
		}},
		{name: "IncidentKnown", allowed: operators, call: func(ctx context.Context, c identity.Caller) error {
			_, err := svc.IncidentKnown(ctx, c, "inc_nope")
			return err
		}},
		{name: "StationCredentials", allowed: operators, call: func(ctx context.Context, c identity.Caller) error {
			_, err := svc.StationCredentials(ctx, c)
			return err
		}},
		{name: "StationCredential", allowed: operators, call: func(ctx context.Context, c identity.Caller) error {
			_, err := svc.StationCredential(ctx, c, st.ID)
			return err
		}},
		{name: "RotateStationCredential", allowed: operators, call: func(ctx context.Context, c identity.Caller) error {
			_, err := svc.RotateStationCredential(ctx, c, st.ID) // none issued: NotFound when allowed
			return err
		}},
		{name: "RevokeStationCredential", allowed: operators, call: func(ctx context.Context, c identity.Caller) error {
			_, err := svc.RevokeStationCredential(ctx, c, st.ID)
			return err
		}},
		// What only devices cause, through the hub's own processes.
		{name: "Ingest", allowed: systemOnly, call: func(ctx context.Context, c identity.Caller) error {
			return svc.Ingest(ctx, c, nil)
		}},
		{name: "EndRide", allowed: systemOnly, call: func(ctx context.Context, c identity.Caller) error {
			_, _, err := svc.EndRide(ctx, c, "b-none", st.ID, 1, time.Now())
			return err
		}},
		{name: "UnlockConfirmedLate", allowed: systemOnly, call: func(ctx context.Context, c identity.Caller) error {
			_, err := svc.UnlockConfirmedLate(ctx, c, st.ID, ride.CommandID+"-late", time.Now())
			return err
		}},
	}
	ops = append(ops, catalogueOps(svc, st, bike, vt, plan)...)

	for _, op := range ops {
		for _, w := range everyone {
			t.Run(op.name+" as "+string(w), func(t *testing.T) {
				before := svc.Version()
				err := op.call(ctx, callerOf(w))
				switch {
				case slices.Contains(op.hidden, w):
					if !apperr.Has(err, apperr.NotFound) {
						t.Fatalf("got %v, want NotFound", err)
					}
				case slices.Contains(op.allowed, w):
					if apperr.Has(err, apperr.Unauthenticated) || apperr.Has(err, apperr.Forbidden) {
						t.Fatalf("refused: %v", err)
					}
				case w == anonymous:
					if !apperr.Has(err, apperr.Unauthenticated) {
						t.Fatalf("got %v, want Unauthenticated", err)
					}
				default:
					if !apperr.Has(err, apperr.Forbidden) {
						t.Fatalf("got %v, want Forbidden", err)
					}
				}
				if refused := apperr.Has(err, apperr.Unauthenticated) || apperr.Has(err, apperr.Forbidden); refused && svc.Version() != before {
					t.Fatal("a refused call changed what riders and feeds see")
				}
			})
		}
	}

	// The public reads take no caller and answer anyone.
	if list, err := svc.StationList(ctx, nil, "it"); err != nil || len(list) != 1 {
		t.Errorf("StationList: %d stations, %v", len(list), err)
	}
	if v, err := svc.StationDetail(ctx, st.ID); err != nil || v.ID != st.ID {
		t.Errorf("StationDetail: %+v, %v", v, err)
	}
	if p, err := svc.RiderPlan(ctx, vt.ID); err != nil || p.ID != plan.ID {
		t.Errorf("RiderPlan: %+v, %v", p, err)
	}
}

// catalogueOps are the city administrator's: every read and write of
// stations, bikes, vehicle types and plans. The writes leave the catalogue
// as it was (they write the same object again, or ask for what is not there).
func catalogueOps(svc *mobility.Service, st mobility.Station, bike mobility.Bike, vt mobility.VehicleType, plan mobility.PricingPlan) []authzOp {
	op := func(name string, call func(ctx context.Context, c identity.Caller) error) authzOp {
		return authzOp{name: name, allowed: catalogue, call: call}
	}
	return []authzOp{
		op("Stations", func(ctx context.Context, c identity.Caller) error { _, err := svc.Stations(ctx, c); return err }),
		op("Station", func(ctx context.Context, c identity.Caller) error { _, err := svc.Station(ctx, c, st.ID); return err }),
		op("CreateStation", func(ctx context.Context, c identity.Caller) error {
			_, err := svc.CreateStation(ctx, c, st)
			return err
		}),
		op("UpdateStation", func(ctx context.Context, c identity.Caller) error {
			_, err := svc.UpdateStation(ctx, c, st)
			return err
		}),
		op("PutStation", func(ctx context.Context, c identity.Caller) error { _, err := svc.PutStation(ctx, c, st); return err }),
		op("DeleteStation", func(ctx context.Context, c identity.Caller) error { return svc.DeleteStation(ctx, c, "nope") }),
		op("Bikes", func(ctx context.Context, c identity.Caller) error { _, err := svc.Bikes(ctx, c); return err }),
		op("Bike", func(ctx context.Context, c identity.Caller) error { _, err := svc.Bike(ctx, c, bike.ID); return err }),
		op("CreateBike", func(ctx context.Context, c identity.Caller) error { _, err := svc.CreateBike(ctx, c, bike); return err }),
		op("UpdateBike", func(ctx context.Context, c identity.Caller) error { _, err := svc.UpdateBike(ctx, c, bike); return err }),
		op("PutBike", func(ctx context.Context, c identity.Caller) error { _, err := svc.PutBike(ctx, c, bike); return err }),
		op("DeleteBike", func(ctx context.Context, c identity.Caller) error { return svc.DeleteBike(ctx, c, "b-nope") }),
		op("VehicleTypes", func(ctx context.Context, c identity.Caller) error { _, err := svc.VehicleTypes(ctx, c); return err }),
		op("VehicleType", func(ctx context.Context, c identity.Caller) error {
			_, err := svc.VehicleType(ctx, c, vt.ID)
			return err
		}),
		op("CreateVehicleType", func(ctx context.Context, c identity.Caller) error {
			_, err := svc.CreateVehicleType(ctx, c, vt)
			return err
		}),
		op("UpdateVehicleType", func(ctx context.Context, c identity.Caller) error {
			_, err := svc.UpdateVehicleType(ctx, c, vt)
			return err
		}),
		op("PutVehicleType", func(ctx context.Context, c identity.Caller) error {
			_, err := svc.PutVehicleType(ctx, c, vt)
			return err
		}),
		op("DeleteVehicleType", func(ctx context.Context, c identity.Caller) error { return svc.DeleteVehicleType(ctx, c, "nope") }),
		op("PricingPlans", func(ctx context.Context, c identity.Caller) error { _, err := svc.PricingPlans(ctx, c); return err }),
		op("PricingPlan", func(ctx context.Context, c identity.Caller) error {
			_, err := svc.PricingPlan(ctx, c, plan.ID)
			return err
		}),
		op("CreatePricingPlan", func(ctx context.Context, c identity.Caller) error {
			_, err := svc.CreatePricingPlan(ctx, c, plan)
			return err
		}),
		op("UpdatePricingPlan", func(ctx context.Context, c identity.Caller) error {
			_, err := svc.UpdatePricingPlan(ctx, c, plan)
			return err
		}),
		op("PutPricingPlan", func(ctx context.Context, c identity.Caller) error {
			_, err := svc.PutPricingPlan(ctx, c, plan)
			return err
		}),
		op("DeletePricingPlan", func(ctx context.Context, c identity.Caller) error { return svc.DeletePricingPlan(ctx, c, "nope") }),
		op("VehicleTypeInUse", func(ctx context.Context, c identity.Caller) error {
			_, err := svc.VehicleTypeInUse(ctx, c, vt.ID)
			return err
		}),
		op("PricingPlanInUse", func(ctx context.Context, c identity.Caller) error {
			_, err := svc.PricingPlanInUse(ctx, c, plan.ID)
			return err
		}),
	}
}
