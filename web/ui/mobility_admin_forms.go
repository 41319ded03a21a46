package ui

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/mobility"
	"cityhub/money"
	"cityhub/web/httpx"
)

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
	// InUse is why the object edited cannot be deleted now (deleteRefusal),
	// said where its delete would be offered.
	InUse string
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

func (s *bikeAdminPages) bikeAdminForm(k bikeAdminKind, edit bool) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, c identity.Caller) {
		if s.refused(w, r, mobility.MayManageCatalogue(c)) {
			return
		}
		ctx := r.Context()
		l := s.locale(r)
		p := bikeAdminFormPage{Edit: edit, Values: map[string]string{}, Errors: map[string]string{}, Saved: r.URL.Query().Get("saved") == "1"}
		if edit {
			p.ID = r.PathValue("id")
			if err := s.fillForm(ctx, c, l, k, p.ID, &p); err != nil {
				s.pageError(w, r, err)
				return
			}
		} else {
			// Every new-object form carries a key of its own (createOnce).
			p.Values["key"] = ids.Token(12)
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
		if err := s.formOptions(ctx, c, l, k, &p); err != nil {
			s.pageError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, k.view, "admin", p)
	}
}

// fillForm puts a stored object into the form's values, formatted in the
// reader's language.
func (s *bikeAdminPages) fillForm(ctx context.Context, c identity.Caller, l *locale, k bikeAdminKind, id string, p *bikeAdminFormPage) error {
	m := s.mobility
	v := p.Values
	switch k {
	case kindStations:
		st, err := m.Station(ctx, c, id)
		if err != nil {
			return err
		}
		v["name_it"], v["name_en"], v["address"] = st.NameIT, st.NameEN, st.Address
		v["lat"], v["lon"], v["capacity"] = formatCoord(l, st.Lat), formatCoord(l, st.Lon), strconv.Itoa(st.Capacity)
		v["open"] = boolField(st.Open)
	case kindBikes:
		b, err := m.Bike(ctx, c, id)
		if err != nil {
			return err
		}
		v["vehicle_type_id"], v["active"] = b.VehicleTypeID, boolField(b.Active)
	case kindTypes:
		t, err := m.VehicleType(ctx, c, id)
		if err != nil {
			return err
		}
		v["name_it"], v["name_en"], v["propulsion"], v["pricing_plan_id"] = t.NameIT, t.NameEN, string(t.Propulsion), t.PricingPlanID
		if t.MaxRangeMeters > 0 {
			v["max_range_km"] = formatKm(l, t.MaxRangeMeters)
		}
	case kindPlans:
		pl, err := m.PricingPlan(ctx, c, id)
		if err != nil {
			return err
		}
		v["name_it"], v["name_en"], v["description_it"], v["description_en"] = pl.NameIT, pl.NameEN, pl.DescriptionIT, pl.DescriptionEN
		v["unlock"] = money.Cents(pl.UnlockCents).Input(l.Lang)
		for i, sg := range pl.PerMin {
			row := segmentRow{N: i + 1, Start: strconv.Itoa(sg.StartMin), Interval: strconv.Itoa(sg.IntervalMin), Rate: money.Cents(sg.RateCents).Input(l.Lang)}
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
const maxSegments = mobility.MaxSegments

func boolField(b bool) string {
	if b {
		return "1"
	}
	return ""
}

// formOptions loads what a form's select offers, and for an edit form
// whether its object may be deleted.
func (s *bikeAdminPages) formOptions(ctx context.Context, c identity.Caller, l *locale, k bikeAdminKind, p *bikeAdminFormPage) error {
	if p.Edit {
		why, err := s.deleteRefusal(ctx, c, l, k, p.ID)
		if err != nil {
			return err
		}
		p.InUse = why
	}
	switch k {
	case kindBikes:
		types, err := s.mobility.VehicleTypes(ctx, c)
		if err != nil {
			return err
		}
		for _, t := range types {
			p.Options = append(p.Options, bikeAdminOption{ID: t.ID, Name: typeName(l, t)})
		}
	case kindTypes:
		plans, err := s.mobility.PricingPlans(ctx, c)
		if err != nil {
			return err
		}
		for _, pl := range plans {
			p.Options = append(p.Options, bikeAdminOption{ID: pl.ID, Name: planName(l, pl)})
		}
	}
	// The choices in the order of the lists they come from.
	slices.SortStableFunc(p.Options, func(a, b bikeAdminOption) int { return byShownName(a.Name, a.ID, b.Name, b.ID) })
	return nil
}

// bikeAdminSave creates (edit false: POST to the list) or replaces (POST to
// the object) one object from its form.
func (s *bikeAdminPages) bikeAdminSave(k bikeAdminKind, edit bool) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, c identity.Caller) {
		if s.refused(w, r, mobility.MayManageCatalogue(c)) {
			return
		}
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
			if err := s.exists(ctx, c, k, p.ID); err != nil {
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
		save := s.parseAndCheck(ctx, c, l, k, r.PostForm, &p)
		creating := !edit
		if creating {
			// The new-object form's key (createOnce), kept on a refused
			// post so the form corrected is still the one form; a form
			// from before keys is given one.
			p.Values["key"] = strings.TrimSpace(r.PostFormValue("key"))
			if p.Values["key"] == "" {
				p.Values["key"] = ids.Token(12)
			}
		}
		preview := r.PostFormValue("preview") != ""
		// Only a preview looks the code up beforehand, as a hint: a save
		// leaves the decision to the create itself, which refuses a taken
		// code atomically (see formError).
		if preview && save != nil && len(p.Errors) == 0 && p.Problem == "" && !edit {
			if err := s.exists(ctx, c, k, p.ID); err == nil {
				p.Errors["id"] = l.T("madmin.err.already_exists")
			} else if !apperr.Has(err, apperr.NotFound) {
				s.pageError(w, r, err)
				return
			}
		}
		if save == nil || len(p.Errors) > 0 || p.Problem != "" || preview {
			if err := s.formOptions(ctx, c, l, k, &p); err != nil {
				s.pageError(w, r, err)
				return
			}
			status := httpx.StatusOf(apperr.Invalid)
			if preview && len(p.Errors) == 0 && p.Problem == "" {
				status = http.StatusOK
			}
			s.render(w, r, status, k.view, "admin", p)
			return
		}
		first := true
		var err error
		if creating {
			var id string
			id, first, err = s.createOnce(ctx, c, k, &p, save)
			if err == nil {
				p.ID = id
			}
		} else {
			err = save(ctx)
		}
		if err != nil {
			if apperr.IsServerFault(err) {
				s.pageError(w, r, err)
				return
			}
			if reason := apperr.ReasonOf(err); creating && (reason == "idempotency_key_reused" || reason == "idempotency_key_invalid") {
				// The key made an object already, from other values (Back,
				// an edit), or does not read: the form comes back under a
				// fresh key, so that sent again it makes an object of its
				// own, never the first one changed.
				p.Values["key"] = ids.Token(12)
			}
			s.formError(l, k, err, &p)
			if err := s.formOptions(ctx, c, l, k, &p); err != nil {
				s.pageError(w, r, err)
				return
			}
			s.render(w, r, httpx.StatusFor(err), k.view, "admin", p)
			return
		}
		if edit {
			http.Redirect(w, r, k.base()+"/"+url.PathEscape(p.ID)+"?saved=1", http.StatusSeeOther)
			return
		}
		if k == kindStations {
			if !first {
				// The form was sent before and registered the station: its
				// credential page, which says so. The secret issued then
				// was shown on that first answer alone.
				http.Redirect(w, r, k.base()+"/"+url.PathEscape(p.ID)+"/credential?saved=sent_before", http.StatusSeeOther)
				return
			}
			// Registering a station issues its broker credential.
			s.credentials.issueOnRegistration(w, r, c, p.ID)
			return
		}
		http.Redirect(w, r, k.base()+"?saved="+url.QueryEscape(p.ID), http.StatusSeeOther)
	}
}

// createOnce makes the new-object form's object once for the form's key
// (formOnce): sent twice, by a double press or a reload after a slow
// answer, the form makes one station, bike, vehicle type or pricing plan,
// and every send after the first learns the code it made with first false
// (for a station: no second credential is issued), where it was told the
// code was taken. The request is what the form says, without its key.
func (s *bikeAdminPages) createOnce(ctx context.Context, c identity.Caller, k bikeAdminKind, p *bikeAdminFormPage, save func(context.Context) error) (id string, first bool, err error) {
	values := maps.Clone(p.Values)
	delete(values, "key")
	var request any = values
	if k == kindPlans {
		// A plan's fare segments are rows of their own, not values.
		request = struct {
			Values   map[string]string
			Segments any
		}{values, p.Segments}
	}
	id, err = s.formOnce(ctx, "page."+k.key+"_create:"+c.AccountID, p.Values["key"], request, func(ctx context.Context) (string, error) {
		first = true
		return p.ID, save(ctx)
	})
	return id, first, err
}

func (s *bikeAdminPages) exists(ctx context.Context, c identity.Caller, k bikeAdminKind, id string) error {
	m := s.mobility
	var err error
	switch k {
	case kindStations:
		_, err = m.Station(ctx, c, id)
	case kindBikes:
		_, err = m.Bike(ctx, c, id)
	case kindTypes:
		_, err = m.VehicleType(ctx, c, id)
	case kindPlans:
		_, err = m.PricingPlan(ctx, c, id)
	}
	return err
}

// parseAndCheck reads the form into p.Values and the object, puts a message
// on every field it cannot read, runs the domain's Validate, and returns the
// write to run when all is well (nil when the form is wrong).
func (s *bikeAdminPages) parseAndCheck(ctx context.Context, c identity.Caller, l *locale, k bikeAdminKind, f url.Values, p *bikeAdminFormPage) func(context.Context) error {
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
	m := s.mobility
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
			bad("capacity", "madmin.err.station_capacity", madminLimits(l, "madmin.err.station_capacity")...)
		}
		st.Capacity = n
		return s.validated(l, k, st.Problems(), p, func(ctx context.Context) error {
			if p.Edit {
				_, err := m.UpdateStation(ctx, c, st)
				return err
			}
			_, err := m.CreateStation(ctx, c, st)
			return err
		})
	case kindBikes:
		b := mobility.Bike{ID: p.ID, VehicleTypeID: val("vehicle_type_id"), Active: val("active") != ""}
		if b.VehicleTypeID == "" {
			bad("vehicle_type_id", "madmin.err.choose_type")
		}
		return s.validated(l, k, []error{b.Validate()}, p, func(ctx context.Context) error {
			if p.Edit {
				_, err := m.UpdateBike(ctx, c, b)
				return err
			}
			_, err := m.CreateBike(ctx, c, b)
			return err
		})
	case kindTypes:
		t := mobility.VehicleType{ID: p.ID, NameIT: val("name_it"), NameEN: val("name_en"), Propulsion: mobility.Propulsion(val("propulsion")), PricingPlanID: val("pricing_plan_id")}
		km := val("max_range_km")
		if t.Electric() {
			meters, ok := parseKm(km)
			if !ok {
				bad("max_range_km", "madmin.err.vehicle_type_range", madminLimits(l, "madmin.err.vehicle_type_range")...)
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
		return s.validated(l, k, t.Problems(), p, func(ctx context.Context) error {
			if p.Edit {
				_, err := m.UpdateVehicleType(ctx, c, t)
				return err
			}
			_, err := m.CreateVehicleType(ctx, c, t)
			return err
		})
	case kindPlans:
		pl := mobility.PricingPlan{ID: p.ID, NameIT: val("name_it"), NameEN: val("name_en"), DescriptionIT: val("description_it"), DescriptionEN: val("description_en")}
		if cents, err := money.Parse(val("unlock")); err != nil {
			bad("unlock", fareError(err))
		} else {
			pl.UnlockCents = int64(cents)
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
		problems := pl.Problems()
		if len(p.Errors) == 0 && p.Problem == "" && len(problems) == 0 {
			p.Preview = farePreview(l, pl)
		}
		return s.validated(l, k, problems, p, func(ctx context.Context) error {
			if p.Edit {
				_, err := m.UpdatePricingPlan(ctx, c, pl)
				return err
			}
			_, err := m.CreatePricingPlan(ctx, c, pl)
			return err
		})
	}
	return nil
}

// validated puts every problem the domain finds beside the page's own, on
// a field that has no message yet, so that one sending sees every mistake
// at once; the write runs only when neither found any.
func (s *bikeAdminPages) validated(l *locale, k bikeAdminKind, problems []error, p *bikeAdminFormPage, write func(context.Context) error) func(context.Context) error {
	for _, err := range problems {
		if err != nil {
			s.formError(l, k, err, p)
		}
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
	"station_address":          "address",
	"capacity_below_docked":    "capacity",
	"docks_hold_bikes":         "capacity",
	"vehicle_type_name":        "name_it",
	"vehicle_type_propulsion":  "propulsion",
	"vehicle_type_range":       "max_range_km",
	"unknown_vehicle_type":     "vehicle_type_id",
	"unknown_pricing_plan":     "pricing_plan_id",
	"pricing_plan_name":        "name_it",
	"pricing_plan_description": "description_it",
	"pricing_plan_unlock":      "unlock",
}

// foreignField is the list a kind's form chooses another object's code
// from, where an invalid_id that is not the form's own code belongs.
var foreignField = map[string]string{"bike": "vehicle_type_id", "type": "pricing_plan_id"}

// takenReason are the domain's refusals of a create whose code is taken.
var takenReason = map[string]bool{"station_exists": true, "bike_exists": true, "vehicle_type_exists": true, "pricing_plan_exists": true}

// formError puts a domain error next to its field, or over the form.
func (s *bikeAdminPages) formError(l *locale, k bikeAdminKind, err error, p *bikeAdminFormPage) {
	reason := apperr.ReasonOf(err)
	// The site's words for the reason, naming what the refusal names (a
	// capacity below the bikes docked says how many).
	msg := refusalText(l, err, "error.reason.")
	// A reason's text for this kind of object (madmin.<kind>.err.<reason>,
	// which may name it), else for any.
	for _, key := range []string{"madmin." + k.key + ".err." + reason, "madmin.err." + reason} {
		if reason == "" || !l.Has(key) {
			continue
		}
		msg = l.T(key, madminLimits(l, key)...)
		break
	}
	if takenReason[reason] && !p.Edit {
		p.Errors["id"] = l.T("madmin.err.already_exists")
		return
	}
	field, ok := reasonField[reason]
	// invalid_id names the object's own code only when that is what is
	// wrong; else it is the code of the object it names (a bike's type, a
	// type's plan, chosen from a list), by that list.
	if field == "id" && (p.Edit || mobility.ValidID(p.ID)) {
		field, ok = foreignField[k.key]
	}
	// A name or description refusal covers both languages: it belongs by
	// the English one when the Italian one is fine.
	switch {
	case field == "name_it" && mobility.ValidName(p.Values["name_it"], true):
		field, msg = "name_en", l.T("madmin.err.name_en", madminLimits(l, "madmin.err.name_en")...)
	case field == "description_it" && mobility.ValidDescription(p.Values["description_it"]):
		field = "description_en"
	}
	if ok {
		// A field the page could not read keeps the page's message, and a
		// position not read keeps the one on the coordinate that was not.
		if _, shown := p.Errors[field]; shown || (reason == "station_position" && p.Errors["lon"] != "") {
			return
		}
		p.Errors[field] = msg
		return
	}
	if p.Problem == "" {
		p.Problem = msg
	}
}

// ---- delete ----

type bikeAdminDeletePage struct {
	Kind    string // catalogue key part
	Base    string
	ID      string
	Name    string
	Problem string
	// InUse: the object cannot be deleted now (Problem says why), and the
	// page offers no delete.
	InUse bool
	// Reports: what keeps it is riders' open reports of its docks, and
	// the page leads to the reported faults, where they are resolved.
	Reports bool
}

// deleteRefused reports whether a delete's refusal (its reason) keeps the
// object for as long as something about it lasts, which a second press
// would not change: the page then offers no delete. Other conflicts (the
// broker not answering) may pass, and the page offers the delete again.
func deleteRefused(reason string) bool {
	return strings.HasSuffix(reason, "_in_use") || reason == "bike_on_ride" || reason == "dock_reports_open"
}

// deleteRefusal is why the vehicle type or plan id cannot be deleted now
// (in use, as the domain's delete would refuse), "" when it can: the
// pages say so rather than offer a delete that would be refused.
// Stations and bikes are asked nothing here: their deletes are refused
// for what changes by the minute (a bike docked, a ride on).
func (s *bikeAdminPages) deleteRefusal(ctx context.Context, c identity.Caller, l *locale, k bikeAdminKind, id string) (string, error) {
	var used bool
	var err error
	reason := ""
	switch k {
	case kindTypes:
		used, err = s.mobility.VehicleTypeInUse(ctx, c, id)
		reason = "vehicle_type_in_use"
	case kindPlans:
		used, err = s.mobility.PricingPlanInUse(ctx, c, id)
		reason = "pricing_plan_in_use"
	}
	if err != nil || !used {
		return "", err
	}
	return l.T("madmin.err." + reason), nil
}

func (s *bikeAdminPages) deleteTarget(ctx context.Context, c identity.Caller, l *locale, k bikeAdminKind, id string) (string, error) {
	m := s.mobility
	switch k {
	case kindStations:
		st, err := m.Station(ctx, c, id)
		return st.Name(l.Lang), err
	case kindBikes:
		_, err := m.Bike(ctx, c, id)
		return id, err
	case kindTypes:
		t, err := m.VehicleType(ctx, c, id)
		return typeName(l, t), err
	case kindPlans:
		pl, err := m.PricingPlan(ctx, c, id)
		return planName(l, pl), err
	}
	return "", apperr.E(apperr.NotFound, "no such kind")
}

// bikeAdminDeleteConfirm asks before deleting: a delete is not undone.
func (s *bikeAdminPages) bikeAdminDeleteConfirm(k bikeAdminKind) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, c identity.Caller) {
		id := r.PathValue("id")
		l := s.locale(r)
		name, err := s.deleteTarget(r.Context(), c, l, k, id)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		why, err := s.deleteRefusal(r.Context(), c, l, k, id)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "mobility_admin_delete", "admin", bikeAdminDeletePage{Kind: k.key, Base: k.base(), ID: id, Name: name, Problem: why, InUse: why != ""})
	}
}

func (s *bikeAdminPages) bikeAdminDelete(k bikeAdminKind) pageHandler {
	return func(w http.ResponseWriter, r *http.Request, c identity.Caller) {
		ctx := r.Context()
		l := s.locale(r)
		id := r.PathValue("id")
		name, err := s.deleteTarget(ctx, c, l, k, id)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		m := s.mobility
		switch k {
		case kindStations:
			err = m.DeleteStation(ctx, c, id)
		case kindBikes:
			err = m.DeleteBike(ctx, c, id)
		case kindTypes:
			err = m.DeleteVehicleType(ctx, c, id)
		case kindPlans:
			err = m.DeletePricingPlan(ctx, c, id)
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
			// In use (taken into use since the page was drawn): the page
			// says why and offers no delete that would be refused again.
			reason := apperr.ReasonOf(err)
			s.render(w, r, http.StatusConflict, "mobility_admin_delete", "admin", bikeAdminDeletePage{Kind: k.key, Base: k.base(), ID: id, Name: name, Problem: msg,
				InUse: deleteRefused(reason), Reports: reason == "dock_reports_open"})
			return
		}
		http.Redirect(w, r, k.base()+"?deleted="+url.QueryEscape(id), http.StatusSeeOther)
	}
}
