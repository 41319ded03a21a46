package gbfs

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// randomSnapshot builds a system from seed, including what a store and
// telemetry can get wrong: duplicate ids, a bike reported in two stations,
// docks beyond the capacity or reported twice, unknown types and plans, clocks
// ahead of the hub's, batteries out of range, empty English names.
func randomSnapshot(seed uint64, size uint8) Snapshot {
	r := rand.New(rand.NewPCG(seed, uint64(size)))
	pick := func(n int) int { return r.IntN(n) }
	at := t0.Add(time.Duration(pick(1_000_000)) * time.Second)
	snap := Snapshot{At: at}

	nPlans := pick(3)
	for i := range nPlans {
		p := PricingPlan{ID: fmt.Sprintf("plan-%d", i), NameIT: "Tariffa è", UnlockCents: int64(pick(500))}
		if pick(2) == 0 {
			p.NameEN = "Fare"
		}
		for j := range pick(3) {
			s := Segment{StartMin: j * 30, RateCents: int64(pick(200)), IntervalMin: 1 + pick(10)}
			if pick(2) == 0 {
				s.EndMin = s.StartMin + 30
			}
			p.PerMin = append(p.PerMin, s)
		}
		snap.Plans = append(snap.Plans, p)
	}
	if nPlans > 0 && pick(4) == 0 {
		snap.Plans = append(snap.Plans, snap.Plans[0]) // duplicate
	}

	typeIDs := []string{"bike", "ebike", "cargo"}
	for i, id := range typeIDs[:pick(4)%4] {
		vt := VehicleType{ID: id, NameIT: "Bici " + id, PricingPlanID: fmt.Sprintf("plan-%d", pick(4))}
		if i == 1 {
			vt.Propulsion, vt.MaxRangeMeters = ElectricAssist, 1000*pick(100)
		} else {
			vt.Propulsion = Human
		}
		snap.VehicleTypes = append(snap.VehicleTypes, vt)
	}

	nBikes := pick(int(size) + 1)
	for i := range nBikes {
		snap.Vehicles = append(snap.Vehicles, Vehicle{ID: fmt.Sprintf("b%d", i), VehicleTypeID: typeIDs[pick(len(typeIDs))],
			Active: pick(6) != 0, OnRide: pick(5) == 0, Trip: fmt.Sprint(pick(10))})
	}
	bike := func() string {
		if nBikes == 0 || pick(10) == 0 {
			return fmt.Sprintf("ghost-%d", pick(3))
		}
		return fmt.Sprintf("b%d", pick(nBikes+1)) // sometimes one past the fleet
	}

	for i := range pick(int(size)/2 + 2) {
		s := Station{ID: fmt.Sprintf("st-%d", pick(int(size)+3)), NameIT: fmt.Sprintf("Stazione %d «centro»", i),
			Lat: 41 + r.Float64(), Lon: 14 + r.Float64(), Capacity: pick(12) - 1,
			Open: pick(3) != 0, Online: pick(4) != 0}
		if pick(3) == 0 {
			s.NameEN = "Station"
		}
		if pick(8) == 0 {
			s.Lat = math.NaN()
		}
		switch pick(6) {
		case 0: // never reported
		case 1:
			s.LastReported = at.Add(time.Duration(pick(600)) * time.Second) // ahead of the hub
		default:
			s.LastReported = at.Add(-time.Duration(pick(86400)) * time.Second)
		}
		for range pick(14) {
			d := Dock{Number: pick(14) - 1, InService: pick(5) != 0}
			if pick(2) == 0 {
				d.BikeID = bike()
				if pick(2) == 0 {
					d.Battery = battery(pick(130) - 10)
				}
			}
			s.Docks = append(s.Docks, d)
		}
		snap.Stations = append(snap.Stations, s)
	}
	return snap
}

// checkRandom renders snap and checks the feeds are valid and agree; it also
// checks that no bike on a ride is published.
func checkRandom(t *testing.T, snap Snapshot) {
	t.Helper()
	bodies := mustRender(t, snap)
	for _, name := range FeedNames {
		if err := validateFeed(t, name, bodies[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := checkConsistent(t, bodies); err != nil {
		t.Fatal(err)
	}
	b := builder{secret: testConfig().VehicleIDSecret}
	published := map[string]bool{}
	for _, v := range decode[vehicleStatusData](t, bodies[FeedVehicleStatus]).Data.Vehicles {
		published[v.VehicleID] = true
	}
	riding := map[string]Vehicle{}
	for _, v := range snap.Vehicles {
		if v.OnRide {
			riding[v.ID] = v
		}
	}
	for _, s := range snap.Stations {
		for _, d := range s.Docks {
			if v, ok := riding[d.BikeID]; ok && published[b.vehicleID(v, s.ID, d.Number)] {
				t.Fatalf("bike %s is on a ride and published at %s dock %d", v.ID, s.ID, d.Number)
			}
		}
	}
}

// TestRandomSnapshots renders random snapshots of every size from 0 to 39
// twice (FuzzFeeds explores further when run as a fuzzer).
func TestRandomSnapshots(t *testing.T) {
	n := 80
	if testing.Short() {
		n = 50
	}
	for seed := range uint64(n) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { checkRandom(t, randomSnapshot(seed, uint8(seed%40))) })
	}
}

func FuzzFeeds(f *testing.F) {
	f.Add(uint64(1), uint8(0))
	f.Add(uint64(2), uint8(10))
	f.Add(uint64(42), uint8(60))
	f.Add(uint64(7), uint8(255))
	f.Fuzz(func(t *testing.T, seed uint64, size uint8) { checkRandom(t, randomSnapshot(seed, size)) })
}
