package web

import (
	"context"
	"reflect"
	"testing"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/store/storetest"
)

// The stations page lists the stations in the alphabetical order of the
// names it shows, in its own language, whatever their case: the English
// page used to sort by the Italian names, and either page put a name
// written in lower case after every capitalised one.
func TestStationsSortedByTheNamesShown(t *testing.T) {
	t.Parallel()
	b := newBikeAdminEnv(t, storetest.Engines[0])
	ctx := context.Background()
	for _, st := range []mobility.Station{
		{ID: "arco", NameIT: "Arco di Traiano", NameEN: "Trajan's Arch"},
		{ID: "centrale", NameIT: "Stazione Centrale", NameEN: "Central Station"},
		{ID: "duomo", NameIT: "duomo", NameEN: "Cathedral"},
		{ID: "rocca", NameIT: "Rocca dei Rettori"},
		{ID: "eta", NameIT: "Èra Nuova", NameEN: "new era"},
	} {
		st.Lat, st.Lon, st.Capacity, st.Open = 41.13, 14.78, 4, true
		if _, err := b.svc.PutStation(ctx, identity.System(), st); err != nil {
			t.Fatal(err)
		}
	}
	pc := b.signIn(t, identity.RoleCitizen)
	order := func() []string {
		t.Helper()
		var ids []string
		_, body := pc.Get("/bikes")
		for _, m := range stationOrderRE.FindAllStringSubmatch(body, -1) {
			ids = append(ids, m[1])
		}
		return ids
	}
	if got, want := order(), []string{"arco", "duomo", "eta", "rocca", "centrale"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Italian page's order %v, want %v", got, want)
	}
	english(pc)
	if got, want := order(), []string{"duomo", "centrale", "eta", "rocca", "arco"}; !reflect.DeepEqual(got, want) {
		t.Errorf("English page's order %v, want %v", got, want)
	}
}
