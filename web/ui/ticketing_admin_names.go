package ui

import (
	"net/http"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ticketing"
	"cityhub/web/httpx"
)

// handleTheatreAdminCategoryNames names a venue's seat categories from the
// theatre page's form: a name in Italian and one in English for each
// category of its seat map, both empty for the hub's words. The form
// replaces every name the venue gave; refused, it comes back as typed
// with the refusal next to the name it is about.
func (s *theatrePages) handleTheatreAdminCategoryNames(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := s.locale(r)
	venueID := r.PathValue("id")
	// The fields are read for the categories the seat map has now: a
	// code the form had and the map no longer has is not named.
	cats, err := s.ticketing.VenueCategories(r.Context(), c, venueID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f := formFrom(r)
	names := make([]ticketing.CategoryName, 0, len(cats))
	for _, k := range cats {
		it, en := categoryField("it", k.Code), categoryField("en", k.Code)
		f.Values[it], f.Values[en] = strings.TrimSpace(r.PostFormValue(it)), strings.TrimSpace(r.PostFormValue(en))
		names = append(names, ticketing.CategoryName{Code: k.Code, NameIT: f.Values[it], NameEN: f.Values[en]})
	}
	if _, err = s.ticketing.SetCategoryNames(r.Context(), c, venueID, names); err == nil {
		http.Redirect(w, r, theatreAdminBack("categories", "names-"+venueID), http.StatusSeeOther)
		return
	}
	refusals := []error{err}
	if apperr.Has(err, apperr.Invalid) {
		// Every other name's mistake too, as the domain judges them, so
		// that a form with two wrong names is not sent twice to learn it
		// (the refusal itself among them again: a field keeps its first).
		refusals = append(refusals, ticketing.CategoryNamesProblems(names)...)
	}
	for _, e := range refusals {
		if !theatreRefusal(l, f, e, categoryNameFieldOf(e, f)) {
			s.pageError(w, r, err)
			return
		}
	}
	s.renderTheatreAdmin(w, r, c, httpx.StatusFor(err), theatreForms{names: map[string]*staffForm{venueID: f}})
}

// categoryNameFieldOf places a refusal of the names next to the name it is
// about: the refusal names the category first (ticketing.SetCategoryNames),
// and a name missing is the one left empty of the two.
func categoryNameFieldOf(err error, f *staffForm) map[string]string {
	args := apperr.ArgsOf(err)
	if len(args) == 0 {
		return nil
	}
	code, ok := args[0].(string)
	if !ok {
		return nil
	}
	missing := categoryField("it", code)
	if f.Values[missing] != "" {
		missing = categoryField("en", code)
	}
	return map[string]string{
		"invalid_category_name_it": categoryField("it", code),
		"invalid_category_name_en": categoryField("en", code),
		"category_name_missing":    missing,
	}
}
