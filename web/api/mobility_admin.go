package api

import (
	"cmp"
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"cityhub/apperr"
	"cityhub/collate"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/web/httpx"
)

// The city admin's mobility catalogue: stations, bikes, vehicle types and
// pricing plans. Each has the same five routes (see routes.go): list, create
// (POST, 409 if the id exists), read, replace (PUT, 404 if missing) and
// delete (409 while in use). Creating a station also issues its broker
// credential (registered). The mobility service decides who may (city
// administrators); these handlers authenticate and translate.

// catalogue is one kind of object of the mobility catalogue.
type catalogue[T any] struct {
	log  *slog.Logger
	base string // the collection's path, for Location
	name string // JSON list member and message noun
	get  func(ctx context.Context, c identity.Caller, id string) (T, error)
	list func(ctx context.Context, c identity.Caller) ([]T, error)
	add  func(ctx context.Context, c identity.Caller, v T) (T, error) // create only: Conflict when the id is taken
	put  func(ctx context.Context, c identity.Caller, v T) (T, error) // update only: NotFound when the id is missing
	del  func(ctx context.Context, c identity.Caller, id string) error
	id   func(v *T) *string
	// listedBy is the name the list is ordered by (see handleList): the
	// Italian name, a bike's code.
	listedBy func(v T) string
	// created answers a create that succeeded (Location is set); nil: 201
	// with the object.
	created func(w http.ResponseWriter, r *http.Request, c identity.Caller, v T)
	// decode reads a POST or PUT body into a T. Each kind reads its input
	// type, whose created_at and updated_at are httpx.Ignored: the hub sets
	// them, and a body may hold any value there (the object as read, say).
	// A kind whose schema requires a field that may be 0 or false (a
	// station's lat, lon and open, a bike's active, a plan's unlock_cents)
	// reads it into a pointer, so that a body without it is refused, not
	// taken as 0: a PUT replaces the whole object, and the hub never
	// guesses a switch.
	decode func(w http.ResponseWriter, r *http.Request) (T, error)
}

// stationInput is StationInput: lat, lon and open are required, so that a
// body without open (a PUT that means to change the name) does not close the
// station.
type stationInput struct {
	mobility.Station
	Lat       *float64      `json:"lat"`
	Lon       *float64      `json:"lon"`
	Open      *bool         `json:"open"`
	CreatedAt httpx.Ignored `json:"created_at"`
	UpdatedAt httpx.Ignored `json:"updated_at"`
}

func decodeStation(w http.ResponseWriter, r *http.Request) (mobility.Station, error) {
	var in stationInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return mobility.Station{}, err
	}
	st := in.Station
	var err error
	if st.Lat, err = required("lat", in.Lat); err != nil {
		return st, err
	}
	if st.Lon, err = required("lon", in.Lon); err != nil {
		return st, err
	}
	st.Open, err = required("open", in.Open)
	return st, err
}

// bikeInput is BikeInput: active is required, so that a body without it
// does not take the bike out of the fleet.
type bikeInput struct {
	mobility.Bike
	Active    *bool         `json:"active"`
	UpdatedAt httpx.Ignored `json:"updated_at"`
}

func decodeBike(w http.ResponseWriter, r *http.Request) (mobility.Bike, error) {
	var in bikeInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return mobility.Bike{}, err
	}
	b := in.Bike
	var err error
	b.Active, err = required("active", in.Active)
	return b, err
}

// pricingPlanInput is PricingPlanInput: unlock_cents is required (0 for
// a plan without an unlock fee).
type pricingPlanInput struct {
	mobility.PricingPlan
	UnlockCents *int64        `json:"unlock_cents"`
	UpdatedAt   httpx.Ignored `json:"updated_at"`
}

func decodePricingPlan(w http.ResponseWriter, r *http.Request) (mobility.PricingPlan, error) {
	var in pricingPlanInput
	if err := httpx.DecodeJSON(w, r, &in); err != nil {
		return mobility.PricingPlan{}, err
	}
	p := in.PricingPlan
	var err error
	p.UnlockCents, err = required("unlock_cents", in.UnlockCents)
	return p, err
}

// vehicleTypeInput is VehicleTypeInput.
type vehicleTypeInput struct {
	mobility.VehicleType
	UpdatedAt httpx.Ignored `json:"updated_at"`
}

func decodeVehicleType(w http.ResponseWriter, r *http.Request) (mobility.VehicleType, error) {
	var in vehicleTypeInput
	err := httpx.DecodeJSON(w, r, &in)
	return in.VehicleType, err
}

// catalogues are the four kinds of the mobility catalogue.
type catalogues struct {
	stations     catalogue[mobility.Station]
	bikes        catalogue[mobility.Bike]
	vehicleTypes catalogue[mobility.VehicleType]
	pricingPlans catalogue[mobility.PricingPlan]
}

func newCatalogues(m *mobility.Service, log *slog.Logger) catalogues {
	const base = "/api/v1/admin/mobility/"
	return catalogues{
		stations: catalogue[mobility.Station]{log: log, base: base + "stations", name: "stations", get: m.Station, list: m.Stations,
			add: m.CreateStation, put: m.UpdateStation, del: m.DeleteStation, id: func(v *mobility.Station) *string { return &v.ID },
			listedBy: func(v mobility.Station) string { return v.NameIT }, created: registered(m, log), decode: decodeStation},
		bikes: catalogue[mobility.Bike]{log: log, base: base + "bikes", name: "bikes", get: m.Bike, list: m.Bikes,
			add: m.CreateBike, put: m.UpdateBike, del: m.DeleteBike, id: func(v *mobility.Bike) *string { return &v.ID },
			listedBy: func(v mobility.Bike) string { return v.ID }, decode: decodeBike},
		vehicleTypes: catalogue[mobility.VehicleType]{log: log, base: base + "vehicle-types", name: "vehicle_types", get: m.VehicleType, list: m.VehicleTypes,
			add: m.CreateVehicleType, put: m.UpdateVehicleType, del: m.DeleteVehicleType, id: func(v *mobility.VehicleType) *string { return &v.ID },
			listedBy: func(v mobility.VehicleType) string { return v.NameIT }, decode: decodeVehicleType},
		pricingPlans: catalogue[mobility.PricingPlan]{log: log, base: base + "pricing-plans", name: "pricing_plans", get: m.PricingPlan, list: m.PricingPlans,
			add: m.CreatePricingPlan, put: m.UpdatePricingPlan, del: m.DeletePricingPlan, id: func(v *mobility.PricingPlan) *string { return &v.ID },
			listedBy: func(v mobility.PricingPlan) string { return v.NameIT }, decode: decodePricingPlan},
	}
}

// caller is the signed-in account of r if the mobility service's rule lets
// it manage the catalogue, asked before the body is read; else the refusal
// is written.
func (c catalogue[T]) caller(w http.ResponseWriter, r *http.Request) (identity.Caller, bool) {
	who, err := mobilityCaller(r, mobility.MayManageCatalogue)
	if err != nil {
		httpx.WriteError(c.log, w, r, err)
		return who, false
	}
	return who, true
}

// handleList lists the kind in the order of the administrator's pages in
// Italian: by the Italian name (a bike by its code) as a reader looks it up
// (collate.Compare: case and accents aside), then by id. The stores
// list by id, which PostgreSQL collates as its locale says and SQLite by
// bytes, so a list answered as stored came in an order of each engine's own
// and not the pages'.
func (c catalogue[T]) handleList(w http.ResponseWriter, r *http.Request) {
	who, ok := c.caller(w, r)
	if !ok {
		return
	}
	list, err := c.list(r.Context(), who)
	if err != nil {
		httpx.WriteError(c.log, w, r, err)
		return
	}
	slices.SortStableFunc(list, func(a, b T) int {
		return cmp.Or(collate.Compare(c.listedBy(a), c.listedBy(b)), strings.Compare(*c.id(&a), *c.id(&b)))
	})
	httpx.WriteJSON(w, http.StatusOK, map[string]any{c.name: list})
}

func (c catalogue[T]) handleCreate(w http.ResponseWriter, r *http.Request) {
	who, ok := c.caller(w, r)
	if !ok {
		return
	}
	v, err := c.decode(w, r)
	if err != nil {
		httpx.WriteError(c.log, w, r, err)
		return
	}
	out, err := c.add(r.Context(), who, v)
	if err != nil {
		httpx.WriteError(c.log, w, r, err)
		return
	}
	w.Header().Set("Location", c.base+"/"+*c.id(&out))
	if c.created != nil {
		c.created(w, r, who, out)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, out)
}

func (c catalogue[T]) handleGet(w http.ResponseWriter, r *http.Request) {
	who, ok := c.caller(w, r)
	if !ok {
		return
	}
	v, err := c.get(r.Context(), who, r.PathValue("id"))
	if err != nil {
		httpx.WriteError(c.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, v)
}

func (c catalogue[T]) handlePut(w http.ResponseWriter, r *http.Request) {
	who, ok := c.caller(w, r)
	if !ok {
		return
	}
	v, err := c.decode(w, r)
	if err != nil {
		httpx.WriteError(c.log, w, r, err)
		return
	}
	id := r.PathValue("id")
	if p := c.id(&v); *p == "" {
		*p = id
	} else if *p != id {
		httpx.WriteError(c.log, w, r, apperr.R(apperr.Invalid, "id_mismatch", "The id in the body is not the one in the URL."))
		return
	}
	out, err := c.put(r.Context(), who, v)
	if err != nil {
		httpx.WriteError(c.log, w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (c catalogue[T]) handleDelete(w http.ResponseWriter, r *http.Request) {
	who, ok := c.caller(w, r)
	if !ok {
		return
	}
	if err := c.del(r.Context(), who, r.PathValue("id")); err != nil {
		httpx.WriteError(c.log, w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
