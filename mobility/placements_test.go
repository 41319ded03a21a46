package mobility

import (
	"testing"
	"time"
)

// A batch's placements: a bike placed at one station and then at another
// is at the second only; a status that no longer shows a bike forgets it at
// that station and leaves every other station's bikes alone.
func TestPlacementsFollowTheNewestWord(t *testing.T) {
	p := newPlacements()
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	p.put("b1", placement{"st-a", t0})
	p.put("b2", placement{"st-a", t0})
	p.put("b3", placement{"st-b", t0})
	p.put("b1", placement{"st-b", t0.Add(time.Minute)}) // moved on in the same batch

	if got := p.bike["b1"]; got.station != "st-b" || !got.at.Equal(t0.Add(time.Minute)) {
		t.Fatalf("b1 at %+v, want st-b a minute later", got)
	}
	if _, ok := p.station["st-a"]["b1"]; ok {
		t.Fatal("b1 is still indexed at st-a after moving to st-b")
	}

	p.keepOnly("st-a", map[string]bool{}) // st-a's status shows no bike
	if _, ok := p.bike["b2"]; ok {
		t.Error("b2 is kept though st-a no longer shows it")
	}
	for _, bike := range []string{"b1", "b3"} {
		if got, ok := p.bike[bike]; !ok || got.station != "st-b" {
			t.Errorf("%s: %+v %v, want kept at st-b", bike, got, ok)
		}
	}

	p.keepOnly("st-b", map[string]bool{"b3": true})
	if _, ok := p.bike["b1"]; ok {
		t.Error("b1 is kept though st-b no longer shows it")
	}
	if len(p.bike) != 1 || len(p.station["st-b"]) != 1 {
		t.Errorf("left %v, indexed %v; want only b3", p.bike, p.station)
	}
	p.drop("b3")
	p.drop("b3") // dropping twice is harmless
	if len(p.bike) != 0 || len(p.station["st-b"]) != 0 {
		t.Errorf("left %v after dropping every bike", p.bike)
	}
}
