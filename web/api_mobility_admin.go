package web

import (
	"context"
	"net/http"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/web/httpx"
)

// The city admin's mobility catalogue: stations, bikes, vehicle types and
// pricing plans. Each has the same five routes: list, create (POST, 409 if the
// id exists), read, replace (PUT, 404 if missing) and delete (409 while in use).

// catalogue is one kind of object of the mobility catalogue.
type catalogue[T any] struct {
	name string // JSON list member and message noun
	get  func(ctx context.Context, id string) (T, error)
	list func(ctx context.Context) ([]T, error)
	add  func(ctx context.Context, v T) (T, error) // create only: Conflict when the id is taken
	put  func(ctx context.Context, v T) (T, error) // update only: NotFound when the id is missing
	del  func(ctx context.Context, id string) error
	id   func(v *T) *string
}

func (s *Server) mobilityCatalogues(mux *http.ServeMux) {
	m := s.Mobility
	routeCatalogue(s, mux, "stations", catalogue[mobility.Station]{name: "stations", get: m.Station, list: m.Stations, add: m.CreateStation, put: m.UpdateStation,
		del: m.DeleteStation, id: func(v *mobility.Station) *string { return &v.ID }})
	routeCatalogue(s, mux, "bikes", catalogue[mobility.Bike]{name: "bikes", get: m.Bike, list: m.Bikes, add: m.CreateBike, put: m.UpdateBike,
		del: m.DeleteBike, id: func(v *mobility.Bike) *string { return &v.ID }})
	routeCatalogue(s, mux, "vehicle-types", catalogue[mobility.VehicleType]{name: "vehicle_types", get: m.VehicleType, list: m.VehicleTypes,
		add: m.CreateVehicleType, put: m.UpdateVehicleType, del: m.DeleteVehicleType, id: func(v *mobility.VehicleType) *string { return &v.ID }})
	routeCatalogue(s, mux, "pricing-plans", catalogue[mobility.PricingPlan]{name: "pricing_plans", get: m.PricingPlan, list: m.PricingPlans,
		add: m.CreatePricingPlan, put: m.UpdatePricingPlan, del: m.DeletePricingPlan, id: func(v *mobility.PricingPlan) *string { return &v.ID }})
}

func routeCatalogue[T any](s *Server, mux *http.ServeMux, path string, c catalogue[T]) {
	base := "/api/v1/admin/mobility/" + path
	admin := func(h func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if _, err := httpx.RequireRole(r, identity.RoleAdmin); err != nil {
				httpx.WriteError(s.log, w, r, err)
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET "+base, admin(func(w http.ResponseWriter, r *http.Request) {
		list, err := c.list(r.Context())
		if err != nil {
			httpx.WriteError(s.log, w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, map[string]any{c.name: list})
	}))
	mux.HandleFunc("POST "+base, admin(func(w http.ResponseWriter, r *http.Request) {
		var v T
		if err := httpx.DecodeJSON(w, r, &v); err != nil {
			httpx.WriteError(s.log, w, r, err)
			return
		}
		out, err := c.add(r.Context(), v)
		if err != nil {
			httpx.WriteError(s.log, w, r, err)
			return
		}
		w.Header().Set("Location", base+"/"+*c.id(&out))
		httpx.WriteJSON(w, http.StatusCreated, out)
	}))
	mux.HandleFunc("GET "+base+"/{id}", admin(func(w http.ResponseWriter, r *http.Request) {
		v, err := c.get(r.Context(), r.PathValue("id"))
		if err != nil {
			httpx.WriteError(s.log, w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, v)
	}))
	mux.HandleFunc("PUT "+base+"/{id}", admin(func(w http.ResponseWriter, r *http.Request) {
		var v T
		if err := httpx.DecodeJSON(w, r, &v); err != nil {
			httpx.WriteError(s.log, w, r, err)
			return
		}
		id := r.PathValue("id")
		if p := c.id(&v); *p == "" {
			*p = id
		} else if *p != id {
			httpx.WriteError(s.log, w, r, apperr.R(apperr.Invalid, "id_mismatch", "The id in the body is not the one in the URL."))
			return
		}
		out, err := c.put(r.Context(), v)
		if err != nil {
			httpx.WriteError(s.log, w, r, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, out)
	}))
	mux.HandleFunc("DELETE "+base+"/{id}", admin(func(w http.ResponseWriter, r *http.Request) {
		if err := c.del(r.Context(), r.PathValue("id")); err != nil {
			httpx.WriteError(s.log, w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
}
