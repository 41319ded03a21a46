package ui

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"cityhub/collate"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/money"
)

// The city administrator's bike catalogue pages: stations, bikes, vehicle
// types and pricing plans, each listed, created, edited and deleted through
// CSRF form posts on mobility.Service (the same calls as the JSON API).
// A form with a mistake comes back with the person's values and a message
// next to each wrong field in their language, and nothing is written: the
// page checks what it parses, then the domain's Validate has the last word,
// and its reasons become field messages too. The mobility service decides
// who may (city administrators); the form pages ask its rule before they
// read a form.

// bikeAdminKind is one kind of catalogue object and its pages.
type bikeAdminKind struct {
	path string // URL segment under /admin/bikes/
	key  string // catalogue key part: madmin.<key>.*
	view string // the form's view; the list's is view + "s"
}

var (
	kindStations = bikeAdminKind{path: "stations", key: "station", view: "mobility_admin_station"}
	kindBikes    = bikeAdminKind{path: "fleet", key: "bike", view: "mobility_admin_bike"}
	kindTypes    = bikeAdminKind{path: "vehicle-types", key: "type", view: "mobility_admin_type"}
	kindPlans    = bikeAdminKind{path: "pricing-plans", key: "plan", view: "mobility_admin_plan"}
)

func (k bikeAdminKind) base() string { return "/admin/bikes/" + k.path }

// ---- overview ----

type bikeAdminOverview struct {
	Stations, Bikes, Types, Plans int
}

func (s *bikeAdminPages) handleBikeAdmin(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ctx := r.Context()
	var ov bikeAdminOverview
	sts, err := s.mobility.Stations(ctx, c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	bikes, err := s.mobility.Bikes(ctx, c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	types, err := s.mobility.VehicleTypes(ctx, c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	plans, err := s.mobility.PricingPlans(ctx, c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ov.Stations, ov.Bikes, ov.Types, ov.Plans = len(sts), len(bikes), len(types), len(plans)
	s.render(w, r, http.StatusOK, "mobility_admin", "admin", ov)
}

// ---- lists ----

type bikeAdminListPage struct {
	Rows []bikeAdminRow
	// Saved names the object just created, edited or deleted, for the notice.
	Saved, Deleted string
}

// bikeAdminRow is one object as its list shows it: a name, facts in the
// reader's language, and the link to its form.
type bikeAdminRow struct {
	ID     string
	Name   string
	Facts  []string
	Muted  bool // a closed station, a bike out of the fleet
	Status string
	// Preview is a plan's fares for 10, 30 and 60 minutes in words.
	Preview string
}

func (s *bikeAdminPages) bikeAdminList(k bikeAdminKind) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, c identity.Caller) {
		rows, err := s.bikeAdminRows(r.Context(), c, s.locale(r), k)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		// The notices name only what the list confirms (saved: there, by its
		// name; deleted: a well-formed id no longer there), so a crafted
		// link cannot make the page announce something that did not happen.
		q := r.URL.Query()
		page := bikeAdminListPage{Rows: rows}
		gone := mobility.ValidID(q.Get("deleted"))
		for _, row := range rows {
			if row.ID == q.Get("saved") {
				page.Saved = row.Name
			}
			if row.ID == q.Get("deleted") {
				gone = false
			}
		}
		if gone {
			page.Deleted = q.Get("deleted")
		}
		s.render(w, r, http.StatusOK, k.view+"s", "admin", page)
	}
}

func (s *bikeAdminPages) bikeAdminRows(ctx context.Context, c identity.Caller, l *locale, k bikeAdminKind) ([]bikeAdminRow, error) {
	m := s.mobility
	var rows []bikeAdminRow
	switch k {
	case kindStations:
		list, err := m.Stations(ctx, c)
		if err != nil {
			return nil, err
		}
		for _, st := range list {
			row := bikeAdminRow{ID: st.ID, Name: st.Name(l.Lang), Muted: !st.Open,
				Facts: []string{l.TN("madmin.station.capacity_n", st.Capacity), l.T("madmin.station.position_at", l.Coords(st.Lat, st.Lon))}}
			if st.Address != "" {
				row.Facts = append([]string{st.Address}, row.Facts...)
			}
			row.Status = l.T("madmin.station.open_state")
			if !st.Open {
				row.Status = l.T("madmin.station.closed_state")
			}
			rows = append(rows, row)
		}
	case kindBikes:
		list, err := m.Bikes(ctx, c)
		if err != nil {
			return nil, err
		}
		types, err := vehicleTypeNames(ctx, c, m, l)
		if err != nil {
			return nil, err
		}
		for _, b := range list {
			row := bikeAdminRow{ID: b.ID, Name: b.ID, Muted: !b.Active, Facts: []string{orID(types[b.VehicleTypeID], b.VehicleTypeID)}}
			row.Status = l.T("madmin.bike.active_state")
			if !b.Active {
				row.Status = l.T("madmin.bike.inactive_state")
			}
			rows = append(rows, row)
		}
	case kindTypes:
		list, err := m.VehicleTypes(ctx, c)
		if err != nil {
			return nil, err
		}
		plans, err := m.PricingPlans(ctx, c)
		if err != nil {
			return nil, err
		}
		planNames := map[string]string{}
		for _, p := range plans {
			planNames[p.ID] = planName(l, p)
		}
		for _, v := range list {
			row := bikeAdminRow{ID: v.ID, Name: typeName(l, v), Facts: []string{l.T("madmin.type.propulsion." + string(v.Propulsion))}}
			if v.Electric() {
				row.Facts = append(row.Facts, l.T("madmin.type.range_km", formatKm(l, v.MaxRangeMeters)))
			}
			row.Facts = append(row.Facts, l.T("madmin.type.on_plan", orID(planNames[v.PricingPlanID], v.PricingPlanID)))
			rows = append(rows, row)
		}
	case kindPlans:
		list, err := m.PricingPlans(ctx, c)
		if err != nil {
			return nil, err
		}
		for _, p := range list {
			rows = append(rows, bikeAdminRow{ID: p.ID, Name: planName(l, p), Facts: planFacts(l, p), Preview: farePreview(l, p)})
		}
	}
	slices.SortStableFunc(rows, func(a, b bikeAdminRow) int { return byShownName(a.Name, a.ID, b.Name, b.ID) })
	return rows, nil
}

// byShownName orders catalogue objects by the names the page shows, as a
// reader looks them up (collate.Compare: case and accents aside),
// then by id: the stores list by id, in an order of their own (PostgreSQL
// collates as its locale says, SQLite by bytes), so a list that came as
// stored read differently on each engine.
func byShownName(aName, aID, bName, bID string) int {
	return cmp.Or(collate.Compare(aName, bName), strings.Compare(aID, bID))
}

func orID(name, id string) string {
	if name == "" {
		return id
	}
	return name
}

func vehicleTypeNames(ctx context.Context, c identity.Caller, m *mobility.Service, l *locale) (map[string]string, error) {
	types, err := m.VehicleTypes(ctx, c)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, v := range types {
		out[v.ID] = typeName(l, v)
	}
	return out, nil
}

func typeName(l *locale, v mobility.VehicleType) string {
	if l.Lang == "en" && v.NameEN != "" {
		return v.NameEN
	}
	return v.NameIT
}

func planName(l *locale, p mobility.PricingPlan) string {
	if l.Lang == "en" && p.NameEN != "" {
		return p.NameEN
	}
	return p.NameIT
}

// planFacts is a plan in words: the unlock fee, then each segment.
func planFacts(l *locale, p mobility.PricingPlan) []string {
	out := []string{l.T("madmin.plan.unlock_is", money.Cents(p.UnlockCents).Format(l.Lang))}
	for _, sg := range p.PerMin {
		if sg.EndMin > 0 {
			out = append(out, l.T("madmin.plan.segment_until", money.Cents(sg.RateCents).Format(l.Lang), sg.IntervalMin, sg.StartMin, sg.EndMin))
		} else {
			out = append(out, l.T("madmin.plan.segment_on", money.Cents(sg.RateCents).Format(l.Lang), sg.IntervalMin, sg.StartMin))
		}
	}
	return out
}

// previewMinutes are the ride lengths a plan's preview prices.
var previewMinutes = []int{10, 30, 60}

// farePreview prices rides of 10, 30 and 60 minutes with the domain's own
// fare function, so the sentence is what a rider would be charged.
func farePreview(l *locale, p mobility.PricingPlan) string {
	var f [3]string
	for i, m := range previewMinutes {
		f[i] = money.Cents(p.Fare(time.Duration(m) * time.Minute)).Format(l.Lang)
	}
	return l.T("madmin.plan.preview", f[0], f[1], f[2])
}
