package web

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
)

// The city administrator's bike catalogue pages: stations, bikes, vehicle
// types and pricing plans, each listed, created, edited and deleted through
// CSRF form posts on mobility.Service (the same calls as the JSON API).
// A form with a mistake comes back with the person's values and a message
// next to each wrong field in their language, and nothing is written: the
// page checks what it parses, then the domain's Validate has the last word,
// and its reasons become field messages too.

func (s *Server) mobilityAdminPages(mux *http.ServeMux) {
	page := func(pattern string, h pageHandler) { mux.Handle(pattern, secured(s.signedIn(h, identity.RoleAdmin))) }
	action := func(pattern string, h pageHandler) { mux.Handle(pattern, s.pageAction(h, identity.RoleAdmin)) }
	page("GET /admin/bikes", s.handleBikeAdmin)
	// Each kind has the same seven routes, written out so every pattern can
	// be read in one place (and by the route scanner of the OpenAPI test).
	st, bk, vt, pp := kindStations, kindBikes, kindTypes, kindPlans
	page("GET /admin/bikes/stations", s.bikeAdminList(st))
	page("GET /admin/bikes/stations/new", s.bikeAdminForm(st, false))
	action("POST /admin/bikes/stations", s.bikeAdminSave(st, false))
	page("GET /admin/bikes/stations/{id}", s.bikeAdminForm(st, true))
	action("POST /admin/bikes/stations/{id}", s.bikeAdminSave(st, true))
	page("GET /admin/bikes/stations/{id}/delete", s.bikeAdminDeleteConfirm(st))
	action("POST /admin/bikes/stations/{id}/delete", s.bikeAdminDelete(st))
	page("GET /admin/bikes/fleet", s.bikeAdminList(bk))
	page("GET /admin/bikes/fleet/new", s.bikeAdminForm(bk, false))
	action("POST /admin/bikes/fleet", s.bikeAdminSave(bk, false))
	page("GET /admin/bikes/fleet/{id}", s.bikeAdminForm(bk, true))
	action("POST /admin/bikes/fleet/{id}", s.bikeAdminSave(bk, true))
	page("GET /admin/bikes/fleet/{id}/delete", s.bikeAdminDeleteConfirm(bk))
	action("POST /admin/bikes/fleet/{id}/delete", s.bikeAdminDelete(bk))
	page("GET /admin/bikes/vehicle-types", s.bikeAdminList(vt))
	page("GET /admin/bikes/vehicle-types/new", s.bikeAdminForm(vt, false))
	action("POST /admin/bikes/vehicle-types", s.bikeAdminSave(vt, false))
	page("GET /admin/bikes/vehicle-types/{id}", s.bikeAdminForm(vt, true))
	action("POST /admin/bikes/vehicle-types/{id}", s.bikeAdminSave(vt, true))
	page("GET /admin/bikes/vehicle-types/{id}/delete", s.bikeAdminDeleteConfirm(vt))
	action("POST /admin/bikes/vehicle-types/{id}/delete", s.bikeAdminDelete(vt))
	page("GET /admin/bikes/pricing-plans", s.bikeAdminList(pp))
	page("GET /admin/bikes/pricing-plans/new", s.bikeAdminForm(pp, false))
	action("POST /admin/bikes/pricing-plans", s.bikeAdminSave(pp, false))
	page("GET /admin/bikes/pricing-plans/{id}", s.bikeAdminForm(pp, true))
	action("POST /admin/bikes/pricing-plans/{id}", s.bikeAdminSave(pp, true))
	page("GET /admin/bikes/pricing-plans/{id}/delete", s.bikeAdminDeleteConfirm(pp))
	action("POST /admin/bikes/pricing-plans/{id}/delete", s.bikeAdminDelete(pp))
	s.mobilityCredentialPages(mux)
	s.addDashboardPanel(identity.RoleAdmin, DashboardPanel{TitleKey: "madmin.panel.title", TextKey: "madmin.panel.text", Href: "/admin/bikes"})
}

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

func (s *Server) handleBikeAdmin(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ctx := r.Context()
	var ov bikeAdminOverview
	sts, err := s.Mobility.Stations(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	bikes, err := s.Mobility.Bikes(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	types, err := s.Mobility.VehicleTypes(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	plans, err := s.Mobility.PricingPlans(ctx)
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

func (s *Server) bikeAdminList(k bikeAdminKind) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, c identity.Caller) {
		rows, err := s.bikeAdminRows(r.Context(), s.locale(r), k)
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

func (s *Server) bikeAdminRows(ctx context.Context, l *locale, k bikeAdminKind) ([]bikeAdminRow, error) {
	m := s.Mobility
	var rows []bikeAdminRow
	switch k {
	case kindStations:
		list, err := m.Stations(ctx)
		if err != nil {
			return nil, err
		}
		for _, st := range list {
			row := bikeAdminRow{ID: st.ID, Name: st.Name(l.Lang), Muted: !st.Open,
				Facts: []string{l.T("madmin.station.capacity_n", st.Capacity), l.T("madmin.station.position_at", formatCoord(l, st.Lat), formatCoord(l, st.Lon))}}
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
		list, err := m.Bikes(ctx)
		if err != nil {
			return nil, err
		}
		types, err := vehicleTypeNames(ctx, m, l)
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
		list, err := m.VehicleTypes(ctx)
		if err != nil {
			return nil, err
		}
		plans, err := m.PricingPlans(ctx)
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
		list, err := m.PricingPlans(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range list {
			rows = append(rows, bikeAdminRow{ID: p.ID, Name: planName(l, p), Facts: planFacts(l, p), Preview: farePreview(l, p)})
		}
	}
	return rows, nil
}

func orID(name, id string) string {
	if name == "" {
		return id
	}
	return name
}

func vehicleTypeNames(ctx context.Context, m *mobility.Service, l *locale) (map[string]string, error) {
	types, err := m.VehicleTypes(ctx)
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
	out := []string{l.T("madmin.plan.unlock_is", l.Money(p.UnlockCents))}
	for _, sg := range p.PerMin {
		if sg.EndMin > 0 {
			out = append(out, l.T("madmin.plan.segment_until", l.Money(sg.RateCents), sg.IntervalMin, sg.StartMin, sg.EndMin))
		} else {
			out = append(out, l.T("madmin.plan.segment_on", l.Money(sg.RateCents), sg.IntervalMin, sg.StartMin))
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
		f[i] = l.Money(p.Fare(time.Duration(m) * time.Minute))
	}
	return l.T("madmin.plan.preview", f[0], f[1], f[2])
}

// ---- forms ----

// bikeAdminFormPage is a create or edit form: the values as typed, the
// messages per field (keyed like the form's fields), and a message for the
// whole form when a mistake belongs to no one field.
type bikeAdminFormPage struct {
	Edit    bool
	ID      string
	Values  map[string]string
	Errors  map[string]string
	Problem string
	// Segments are a plan's per-minute rows, as typed.
	Segments []segmentRow
	// Options for the selects: vehicle types (bikes), pricing plans (types).
	Options []bikeAdminOption
	// Preview is a plan's fares once its form parses (after "preview" or on
	// an edit).
	Preview string
	// Saved tells an edit form that the last post was stored.
	Saved bool
}

type segmentRow struct {
	N                       int // 1-based, for labels
	Start, Interval, Rate   string
	End                     string
	StartErr, IntervalErr   string
	RateErr, EndErr, RowErr string
}

type bikeAdminOption struct {
	ID, Name string
}

// segmentRows is how many per-minute rows a plan form offers beyond those it
// holds; a blank row is ignored.
const spareSegmentRows = 2

func (s *Server) bikeAdminForm(k bikeAdminKind, edit bool) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, c identity.Caller) {
		ctx := r.Context()
		l := s.locale(r)
		p := bikeAdminFormPage{Edit: edit, Values: map[string]string{}, Errors: map[string]string{}, Saved: r.URL.Query().Get("saved") == "1"}
		if edit {
			p.ID = r.PathValue("id")
			if err := s.fillForm(ctx, l, k, p.ID, &p); err != nil {
				s.pageError(w, r, err)
				return
			}
		} else {
			switch k {
			case kindStations:
				p.Values["capacity"] = "10"
				p.Values["open"] = "1"
			case kindBikes:
				p.Values["active"] = "1"
			case kindTypes:
				p.Values["propulsion"] = string(mobility.Human)
			case kindPlans:
				p.Segments = blankSegments(0, spareSegmentRows)
			}
		}
		if err := s.formOptions(ctx, l, k, &p); err != nil {
			s.pageError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, k.view, "admin", p)
	}
}

// fillForm puts a stored object into the form's values, formatted in the
// reader's language.
func (s *Server) fillForm(ctx context.Context, l *locale, k bikeAdminKind, id string, p *bikeAdminFormPage) error {
	m := s.Mobility
	v := p.Values
	switch k {
	case kindStations:
		st, err := m.Station(ctx, id)
		if err != nil {
			return err
		}
		v["name_it"], v["name_en"], v["address"] = st.NameIT, st.NameEN, st.Address
		v["lat"], v["lon"], v["capacity"] = formatCoord(l, st.Lat), formatCoord(l, st.Lon), strconv.Itoa(st.Capacity)
		v["open"] = boolField(st.Open)
	case kindBikes:
		b, err := m.Bike(ctx, id)
		if err != nil {
			return err
		}
		v["vehicle_type_id"], v["active"] = b.VehicleTypeID, boolField(b.Active)
	case kindTypes:
		t, err := m.VehicleType(ctx, id)
		if err != nil {
			return err
		}
		v["name_it"], v["name_en"], v["propulsion"], v["pricing_plan_id"] = t.NameIT, t.NameEN, string(t.Propulsion), t.PricingPlanID
		if t.MaxRangeMeters > 0 {
			v["max_range_km"] = formatKm(l, t.MaxRangeMeters)
		}
	case kindPlans:
		pl, err := m.PricingPlan(ctx, id)
		if err != nil {
			return err
		}
		v["name_it"], v["name_en"], v["description_it"], v["description_en"] = pl.NameIT, pl.NameEN, pl.DescriptionIT, pl.DescriptionEN
		v["unlock"] = formatFareEuros(l, pl.UnlockCents)
		for i, sg := range pl.PerMin {
			row := segmentRow{N: i + 1, Start: strconv.Itoa(sg.StartMin), Interval: strconv.Itoa(sg.IntervalMin), Rate: formatFareEuros(l, sg.RateCents)}
			if sg.EndMin > 0 {
				row.End = strconv.Itoa(sg.EndMin)
			}
			p.Segments = append(p.Segments, row)
		}
		p.Segments = append(p.Segments, blankSegments(len(pl.PerMin), spareSegmentRows)...)
		p.Preview = farePreview(l, pl)
	}
	return nil
}

func blankSegments(from, n int) []segmentRow {
	var out []segmentRow
	for i := from; i < from+n && i < maxSegments; i++ {
		out = append(out, segmentRow{N: i + 1})
	}
	return out
}

// maxSegments is the domain's limit of per-minute segments in one plan.
const maxSegments = 20

func boolField(b bool) string {
	if b {
		return "1"
	}
	return ""
}

// formOptions loads what a form's select offers.
func (s *Server) formOptions(ctx context.Context, l *locale, k bikeAdminKind, p *bikeAdminFormPage) error {
	switch k {
	case kindBikes:
		types, err := s.Mobility.VehicleTypes(ctx)
		if err != nil {
			return err
		}
		for _, t := range types {
			p.Options = append(p.Options, bikeAdminOption{ID: t.ID, Name: typeName(l, t)})
		}
	case kindTypes:
		plans, err := s.Mobility.PricingPlans(ctx)
		if err != nil {
			return err
		}
		for _, pl := range plans {
			p.Options = append(p.Options, bikeAdminOption{ID: pl.ID, Name: planName(l, pl)})
		}
	}
	return nil
}

// bikeAdminSave creates (edit false: POST to the list) or replaces (POST to
// the object) one object from its form.
func (s *Server) bikeAdminSave(k bikeAdminKind, edit bool) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, c identity.Caller) {
		ctx := r.Context()
		l := s.locale(r)
		if err := r.ParseForm(); err != nil {
			s.pageError(w, r, apperr.R(apperr.Invalid, "form", "The form could not be read."))
			return
		}
		p := bikeAdminFormPage{Edit: edit, Values: map[string]string{}, Errors: map[string]string{}}
		if edit {
			p.ID = r.PathValue("id")
			// Editing what is not there is a 404, not a silent create.
			if err := s.exists(ctx, k, p.ID); err != nil {
				s.pageError(w, r, err)
				return
			}
		} else {
			p.ID = strings.TrimSpace(r.PostFormValue("id"))
			p.Values["id"] = p.ID
			// "new" is the path of the empty form, so an object with that
			// id could never be opened again.
			if p.ID == "new" {
				p.Errors["id"] = l.T("madmin.err.reserved_id")
			}
		}
		save := s.parseAndCheck(ctx, l, k, r.PostForm, &p)
		preview := r.PostFormValue("preview") != ""
		// Only a preview looks the code up beforehand, as a hint: a save
		// leaves the decision to the create itself, which refuses a taken
		// code atomically (see formError).
		if preview && save != nil && len(p.Errors) == 0 && p.Problem == "" && !edit {
			if err := s.exists(ctx, k, p.ID); err == nil {
				p.Errors["id"] = l.T("madmin.err.already_exists")
			} else if !apperr.Has(err, apperr.NotFound) {
				s.pageError(w, r, err)
				return
			}
		}
		if save == nil || len(p.Errors) > 0 || p.Problem != "" || preview {
			if err := s.formOptions(ctx, l, k, &p); err != nil {
				s.pageError(w, r, err)
				return
			}
			status := statusOf(apperr.Invalid)
			if preview && len(p.Errors) == 0 && p.Problem == "" {
				status = http.StatusOK
			}
			s.render(w, r, status, k.view, "admin", p)
			return
		}
		if err := save(ctx); err != nil {
			if apperr.CodeOf(err) == apperr.Internal {
				s.pageError(w, r, err)
				return
			}
			s.formError(l, k, err, &p)
			if err := s.formOptions(ctx, l, k, &p); err != nil {
				s.pageError(w, r, err)
				return
			}
			s.render(w, r, statusOf(apperr.CodeOf(err)), k.view, "admin", p)
			return
		}
		if edit {
			http.Redirect(w, r, k.base()+"/"+url.PathEscape(p.ID)+"?saved=1", http.StatusSeeOther)
			return
		}
		if k == kindStations {
			// Registering a station issues its broker credential.
			s.issueOnRegistration(w, r, c, p.ID)
			return
		}
		http.Redirect(w, r, k.base()+"?saved="+url.QueryEscape(p.ID), http.StatusSeeOther)
	}
}

func (s *Server) exists(ctx context.Context, k bikeAdminKind, id string) error {
	m := s.Mobility
	var err error
	switch k {
	case kindStations:
		_, err = m.Station(ctx, id)
	case kindBikes:
		_, err = m.Bike(ctx, id)
	case kindTypes:
		_, err = m.VehicleType(ctx, id)
	case kindPlans:
		_, err = m.PricingPlan(ctx, id)
	}
	return err
}

// parseAndCheck reads the form into p.Values and the object, puts a message
// on every field it cannot read, runs the domain's Validate, and returns the
// write to run when all is well (nil when the form is wrong).
func (s *Server) parseAndCheck(ctx context.Context, l *locale, k bikeAdminKind, f url.Values, p *bikeAdminFormPage) func(context.Context) error {
	val := func(name string) string {
		v := strings.TrimSpace(f.Get(name))
		p.Values[name] = v
		return v
	}
	bad := func(field, key string, args ...any) {
		if _, ok := p.Errors[field]; !ok {
			p.Errors[field] = l.T(key, args...)
		}
	}
	m := s.Mobility
	switch k {
	case kindStations:
		st := mobility.Station{ID: p.ID, NameIT: val("name_it"), NameEN: val("name_en"), Address: val("address"), Open: val("open") != ""}
		var ok bool
		if st.Lat, ok = parseCoord(val("lat")); !ok || st.Lat < -90 || st.Lat > 90 {
			bad("lat", "madmin.err.lat")
		}
		if st.Lon, ok = parseCoord(val("lon")); !ok || st.Lon < -180 || st.Lon > 180 {
			bad("lon", "madmin.err.lon")
		}
		n, err := strconv.Atoi(val("capacity"))
		if err != nil || n < 1 || n > mobility.MaxCapacity {
			bad("capacity", "madmin.err.station_capacity", mobility.MaxCapacity)
		}
		st.Capacity = n
		if len(st.Address) > 300 {
			bad("address", "madmin.err.address")
		}
		return s.validated(l, k, st.Validate(), p, func(ctx context.Context) error {
			if p.Edit {
				_, err := m.UpdateStation(ctx, st)
				return err
			}
			_, err := m.CreateStation(ctx, st)
			return err
		})
	case kindBikes:
		b := mobility.Bike{ID: p.ID, VehicleTypeID: val("vehicle_type_id"), Active: val("active") != ""}
		if b.VehicleTypeID == "" {
			bad("vehicle_type_id", "madmin.err.choose_type")
		}
		return s.validated(l, k, b.Validate(), p, func(ctx context.Context) error {
			if p.Edit {
				_, err := m.UpdateBike(ctx, b)
				return err
			}
			_, err := m.CreateBike(ctx, b)
			return err
		})
	case kindTypes:
		t := mobility.VehicleType{ID: p.ID, NameIT: val("name_it"), NameEN: val("name_en"), Propulsion: mobility.Propulsion(val("propulsion")), PricingPlanID: val("pricing_plan_id")}
		km := val("max_range_km")
		if t.Electric() {
			meters, ok := parseKm(km)
			if !ok {
				bad("max_range_km", "madmin.err.vehicle_type_range")
			}
			t.MaxRangeMeters = meters
		} else {
			// A mechanical bike has no range; a value left in the field
			// from switching propulsion is dropped, not refused.
			p.Values["max_range_km"] = ""
		}
		if t.PricingPlanID == "" {
			bad("pricing_plan_id", "madmin.err.choose_plan")
		}
		return s.validated(l, k, t.Validate(), p, func(ctx context.Context) error {
			if p.Edit {
				_, err := m.UpdateVehicleType(ctx, t)
				return err
			}
			_, err := m.CreateVehicleType(ctx, t)
			return err
		})
	case kindPlans:
		pl := mobility.PricingPlan{ID: p.ID, NameIT: val("name_it"), NameEN: val("name_en"), DescriptionIT: val("description_it"), DescriptionEN: val("description_en")}
		if cents, key := parseFareEuros(val("unlock")); key != "" {
			bad("unlock", key)
		} else {
			pl.UnlockCents = cents
		}
		for i := range maxSegments {
			n := strconv.Itoa(i)
			row := segmentRow{N: i + 1, Start: strings.TrimSpace(f.Get("seg_start_" + n)), Interval: strings.TrimSpace(f.Get("seg_interval_" + n)),
				Rate: strings.TrimSpace(f.Get("seg_rate_" + n)), End: strings.TrimSpace(f.Get("seg_end_" + n))}
			if row.Start == "" && row.Interval == "" && row.Rate == "" && row.End == "" {
				continue
			}
			row.N = len(p.Segments) + 1
			sg, ok := parseSegment(l, &row)
			if !ok {
				p.Problem = l.T("madmin.err.segments_below")
			}
			pl.PerMin = append(pl.PerMin, sg)
			p.Segments = append(p.Segments, row)
		}
		p.Segments = append(p.Segments, blankSegments(len(p.Segments), spareSegmentRows)...)
		if len(p.Errors) == 0 && p.Problem == "" && pl.Validate() == nil {
			p.Preview = farePreview(l, pl)
		}
		return s.validated(l, k, pl.Validate(), p, func(ctx context.Context) error {
			if p.Edit {
				_, err := m.UpdatePricingPlan(ctx, pl)
				return err
			}
			_, err := m.CreatePricingPlan(ctx, pl)
			return err
		})
	}
	return nil
}

// validated turns the domain's verdict into form messages; the write runs
// only when the page found nothing wrong either.
func (s *Server) validated(l *locale, k bikeAdminKind, err error, p *bikeAdminFormPage, write func(context.Context) error) func(context.Context) error {
	if err != nil && len(p.Errors) == 0 && p.Problem == "" {
		s.formError(l, k, err, p)
	}
	if len(p.Errors) > 0 || p.Problem != "" {
		return nil
	}
	return write
}

// reasonField says which field a domain reason belongs to.
var reasonField = map[string]string{
	"invalid_id":               "id",
	"station_name":             "name_it",
	"station_position":         "lat",
	"station_capacity":         "capacity",
	"vehicle_type_name":        "name_it",
	"vehicle_type_propulsion":  "propulsion",
	"vehicle_type_range":       "max_range_km",
	"unknown_vehicle_type":     "vehicle_type_id",
	"unknown_pricing_plan":     "pricing_plan_id",
	"pricing_plan_name":        "name_it",
	"pricing_plan_description": "description_it",
	"pricing_plan_unlock":      "unlock",
}

// takenReason are the domain's refusals of a create whose code is taken.
var takenReason = map[string]bool{"station_exists": true, "bike_exists": true, "vehicle_type_exists": true, "pricing_plan_exists": true}

// formError puts a domain error next to its field, or over the form.
func (s *Server) formError(l *locale, k bikeAdminKind, err error, p *bikeAdminFormPage) {
	reason := apperr.ReasonOf(err)
	msg := l.ErrorText(err)
	if key := "madmin.err." + reason; reason != "" && l.Has(key) {
		msg = l.T(key)
		if reason == "station_capacity" {
			msg = l.T(key, mobility.MaxCapacity)
		}
	}
	if takenReason[reason] && !p.Edit {
		p.Errors["id"] = l.T("madmin.err.already_exists")
		return
	}
	if field, ok := reasonField[reason]; ok && !(field == "id" && p.Edit) {
		p.Errors[field] = msg
		return
	}
	p.Problem = msg
}

// ---- delete ----

type bikeAdminDeletePage struct {
	Kind    string // catalogue key part
	Base    string
	ID      string
	Name    string
	Problem string
}

func (s *Server) deleteTarget(ctx context.Context, l *locale, k bikeAdminKind, id string) (string, error) {
	m := s.Mobility
	switch k {
	case kindStations:
		st, err := m.Station(ctx, id)
		return st.Name(l.Lang), err
	case kindBikes:
		_, err := m.Bike(ctx, id)
		return id, err
	case kindTypes:
		t, err := m.VehicleType(ctx, id)
		return typeName(l, t), err
	case kindPlans:
		pl, err := m.PricingPlan(ctx, id)
		return planName(l, pl), err
	}
	return "", apperr.E(apperr.NotFound, "no such kind")
}

// bikeAdminDeleteConfirm asks before deleting: a delete is not undone.
func (s *Server) bikeAdminDeleteConfirm(k bikeAdminKind) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, c identity.Caller) {
		id := r.PathValue("id")
		name, err := s.deleteTarget(r.Context(), s.locale(r), k, id)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "mobility_admin_delete", "admin", bikeAdminDeletePage{Kind: k.key, Base: k.base(), ID: id, Name: name})
	}
}

func (s *Server) bikeAdminDelete(k bikeAdminKind) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, c identity.Caller) {
		ctx := r.Context()
		l := s.locale(r)
		id := r.PathValue("id")
		name, err := s.deleteTarget(ctx, l, k, id)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		m := s.Mobility
		switch k {
		case kindStations:
			err = m.DeleteStation(ctx, id)
		case kindBikes:
			err = m.DeleteBike(ctx, id)
		case kindTypes:
			err = m.DeleteVehicleType(ctx, id)
		case kindPlans:
			err = m.DeletePricingPlan(ctx, id)
		}
		if err != nil {
			if apperr.CodeOf(err) != apperr.Conflict {
				s.pageError(w, r, err)
				return
			}
			msg := l.ErrorText(err)
			if key := "madmin.err." + apperr.ReasonOf(err); l.Has(key) {
				msg = l.T(key)
			}
			s.render(w, r, http.StatusConflict, "mobility_admin_delete", "admin", bikeAdminDeletePage{Kind: k.key, Base: k.base(), ID: id, Name: name, Problem: msg})
			return
		}
		http.Redirect(w, r, k.base()+"?deleted="+url.QueryEscape(id), http.StatusSeeOther)
	}
}

// ---- numbers as people type them ----

// parseFareEuros reads an amount in euros as an Italian or an English reader
// types it ("1,50", "1.50", "2", "€ 0,20") into cents. It refuses
// negatives, fractions of a cent and thousands separators, returning the
// catalogue key of the message to show.
func parseFareEuros(s string) (int64, string) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "€"), "€"))
	if s == "" {
		return 0, "madmin.err.amount_missing"
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−") {
		return 0, "madmin.err.amount_negative"
	}
	s = strings.TrimPrefix(s, "+")
	whole, frac, hasSep := s, "", false
	if i := strings.IndexAny(s, ".,"); i >= 0 {
		whole, frac, hasSep = s[:i], s[i+1:], true
		if strings.ContainsAny(frac, ".,") {
			return 0, "madmin.err.amount_format"
		}
	}
	if whole == "" {
		whole = "0"
	}
	if !allDigits(whole) || (hasSep && (frac == "" || !allDigits(frac))) || len(whole) > 9 {
		return 0, "madmin.err.amount_format"
	}
	if len(frac) > 2 {
		return 0, "madmin.err.amount_fraction"
	}
	for len(frac) < 2 {
		frac += "0"
	}
	e, _ := strconv.ParseInt(whole, 10, 64)
	c, _ := strconv.ParseInt(frac, 10, 64)
	return e*100 + c, ""
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// formatFareEuros is cents as the reader types them back in the form: "1,50"
// in Italian, "1.50" in English, without a currency sign.
func formatFareEuros(l *locale, cents int64) string {
	s := strconv.FormatInt(cents/100, 10) + "." + strconv.FormatInt(cents%100+100, 10)[1:]
	if l.Lang == "it" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// parseCoord reads a latitude or longitude with a decimal comma or point.
func parseCoord(s string) (float64, bool) {
	if s == "" || strings.Count(s, ",")+strings.Count(s, ".") > 1 {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

func formatCoord(l *locale, v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if l.Lang == "it" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// parseKm reads a range in kilometres (decimals allowed) into meters.
func parseKm(s string) (int, bool) {
	v, ok := parseCoord(s)
	if !ok || v <= 0 || v > 1000 {
		return 0, false
	}
	return int(math.Round(v * 1000)), true
}

func formatKm(l *locale, meters int) string { return formatCoord(l, float64(meters)/1000) }

// parseSegment reads one per-minute row, marking its wrong cells.
func parseSegment(l *locale, row *segmentRow) (mobility.Segment, bool) {
	var sg mobility.Segment
	ok := true
	minutes := func(s string, min0 int) (int, bool) {
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= min0 && n <= 7*24*60
	}
	var good bool
	if sg.StartMin, good = minutes(row.Start, 0); !good {
		row.StartErr, ok = l.T("madmin.err.segment_start"), false
	}
	if sg.IntervalMin, good = minutes(row.Interval, 1); !good || sg.IntervalMin > 24*60 {
		row.IntervalErr, ok = l.T("madmin.err.segment_interval"), false
	}
	if cents, key := parseFareEuros(row.Rate); key != "" {
		row.RateErr, ok = l.T(key), false
	} else if cents > mobility.MaxFare {
		row.RateErr, ok = l.T("madmin.err.amount_too_big", l.Money(mobility.MaxFare)), false
	} else {
		sg.RateCents = cents
	}
	if row.End != "" {
		if sg.EndMin, good = minutes(row.End, 1); !good || (row.StartErr == "" && sg.EndMin <= sg.StartMin) {
			row.EndErr, ok = l.T("madmin.err.segment_end"), false
		}
	}
	return sg, ok
}

// formInput is one text field of a form, for the madmin_input partial.
type formInput struct {
	Name, Label, Value, Error, Hint string
	InputMode                       string
	Required                        bool
	MaxLen                          int
}

// Describe is the field's aria-describedby: its hint and its message.
func (f formInput) Describe() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, "h-"+f.Name)
	}
	if f.Error != "" {
		ids = append(ids, "e-"+f.Name)
	}
	return strings.Join(ids, " ")
}

// Input is the text field name of the form, labelled with the catalogue's
// madmin.f.<name> (and its hint madmin.h.<name> when the catalogue has one).
// inputmode is "" for text, or "decimal"/"numeric" for the phone's keypad.
func (p bikeAdminFormPage) Input(l *locale, name, inputmode string, required bool) formInput {
	f := formInput{Name: name, Label: l.T("madmin.f." + name), Value: p.Values[name], Error: p.Errors[name], InputMode: inputmode, Required: required, MaxLen: 200}
	if l.Has("madmin.h." + name) {
		f.Hint = l.T("madmin.h." + name)
	}
	switch name {
	case "description_it", "description_en":
		f.MaxLen = 1000
	case "address":
		f.MaxLen = 300
	case "id":
		f.MaxLen = 64
	}
	return f
}
