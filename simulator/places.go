package simulator

// demoPlaces are real places in the centre of Benevento, the demo's city
// (the default CITYHUB_CITY_NAME), for the demo's stations, so the map and
// the list show somewhere a visitor recognises rather than "Stazione 1…8".
// Coordinates are approximate (within a few tens of metres), which is what
// a demo needs.
var demoPlaces = []struct {
	NameIT, NameEN, Address string
	Lat, Lon                float64
}{
	{"Piazza Roma", "Piazza Roma", "Piazza Roma, 82100 Benevento BN", 41.1307, 14.7795},
	{"Stazione Centrale", "Central Station", "Piazza Colonna, 82100 Benevento BN", 41.1362, 14.7862},
	{"Arco di Traiano", "Trajan's Arch", "Via Traiano, 82100 Benevento BN", 41.1325, 14.7812},
	{"Teatro Romano", "Roman Theatre", "Piazza Caio Ponzio Telesino, 82100 Benevento BN", 41.1290, 14.7722},
	{"Rocca dei Rettori", "Rocca dei Rettori", "Piazza Castello, 82100 Benevento BN", 41.1307, 14.7867},
	{"Duomo", "Cathedral", "Piazza Orsini, 82100 Benevento BN", 41.1303, 14.7770},
	{"Santa Sofia", "Santa Sofia", "Piazza Matteotti, 82100 Benevento BN", 41.1318, 14.7835},
	{"Villa Comunale", "Public Gardens", "Viale Antonio Mellusi, 82100 Benevento BN", 41.1268, 14.7880},
}

// DemoPlaces gives the first stations of a layout the names, addresses and
// positions of the demo's real places (the rest keep theirs). The demo
// uses it; the ids, docks and bikes stay the layout's, so the hub's
// catalogue and the simulated stations still agree.
func DemoPlaces(layout []StationSpec) []StationSpec {
	out := append([]StationSpec(nil), layout...)
	for i := range out {
		if i >= len(demoPlaces) {
			break
		}
		p := demoPlaces[i]
		out[i].NameIT, out[i].NameEN, out[i].Address, out[i].Lat, out[i].Lon = p.NameIT, p.NameEN, p.Address, p.Lat, p.Lon
	}
	return out
}
