package ticketing

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/plaintext"
)

// MaxCategoryName bounds the name a venue gives a seat category, in each
// language, in characters: room for "Poltronissima, prime file" and the
// like, short enough to be read out in every seat's label.
const MaxCategoryName = 40

// CategoryName is the name a venue gives one of its seat categories, by
// its code, in Italian and in English: what buyers read for it, in place
// of the hub's words for the code (CategoryOf).
type CategoryName struct {
	Code   string `json:"code"`
	NameIT string `json:"name_it"`
	NameEN string `json:"name_en"`
}

// check refuses a name that is not one line of 1 to MaxCategoryName
// characters in each language, or that is given in one language only (a
// buyer reading the other would find the hub's words for the code
// instead, as if the venue had named nothing). Both empty is no name.
func (n CategoryName) check() error {
	if p := n.problems(); len(p) > 0 {
		return p[0]
	}
	return nil
}

// problems is every mistake check finds in n, the missing language first,
// then each language's name that is not one line of its length: both when
// both are wrong, so that a form shows them at once.
func (n CategoryName) problems() []error {
	if n.NameIT == "" && n.NameEN == "" {
		return nil
	}
	if n.NameIT == "" || n.NameEN == "" {
		return []error{apperr.R(apperr.Invalid, "category_name_missing", "Category %s is named in one language only: give its name in Italian and in English, or neither for the hub's words.", n.Code)}
	}
	var out []error
	for _, f := range []struct{ lang, words, v string }{{"it", "Italian", n.NameIT}, {"en", "English", n.NameEN}} {
		if utf8.RuneCountInString(f.v) > MaxCategoryName || !plaintext.Line(f.v) {
			out = append(out, apperr.R(apperr.Invalid, "invalid_category_name_"+f.lang, "The "+f.words+" name of category %s must be one line of 1 to %d characters, without control characters.", n.Code, MaxCategoryName))
		}
	}
	return out
}

// CategoryNamesProblems is every mistake of the names themselves that
// SetCategoryNames refuses, each category's in the order given, trimmed as
// it trims them: for a form that shows every refusal at once, where
// SetCategoryNames answers the first. Whether the venue has each category
// is the store's to say, and SetCategoryNames says it.
func CategoryNamesProblems(names []CategoryName) []error {
	var out []error
	seen := map[string]bool{}
	for _, n := range names {
		n.NameIT, n.NameEN = strings.TrimSpace(n.NameIT), strings.TrimSpace(n.NameEN)
		if err := label("category", n.Code); err != nil {
			out = append(out, err)
			continue
		}
		if seen[n.Code] {
			out = append(out, apperr.R(apperr.Invalid, "duplicate_category", "Category %s is named twice.", n.Code))
			continue
		}
		seen[n.Code] = true
		out = append(out, n.problems()...)
	}
	return out
}

// categoriesOf names the categories of seats, in the order of the seat map,
// each by the venue's own names (own) where it gave them, else by
// CategoryOf.
func categoriesOf(seats []Seat, own []CategoryName) []Category {
	byCode := make(map[string]CategoryName, len(own))
	for _, n := range own {
		byCode[n.Code] = n
	}
	out := []Category{}
	seen := map[string]bool{}
	for _, st := range seats {
		if seen[st.Category] {
			continue
		}
		seen[st.Category] = true
		if n, ok := byCode[st.Category]; ok {
			out = append(out, Category{Code: n.Code, NameIT: n.NameIT, NameEN: n.NameEN, Named: true})
			continue
		}
		out = append(out, CategoryOf(st.Category))
	}
	return out
}

// VenueCategories lists the seat categories of a venue's seat map, in its
// order, each with the names buyers read for it: the venue's own (Named),
// or the hub's words for its code. It is what the city administrator
// names (SetCategoryNames), and so theirs to read: buyers read the names
// in a performance's seat map (Availability). Forbidden unless the caller
// is a city administrator; NotFound for an unknown venue.
func (s *Service) VenueCategories(ctx context.Context, c identity.Caller, venueID string) ([]Category, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	var out []Category
	err := s.store.View(ctx, func(tx Tx) error {
		if _, err := tx.Venue(ctx, venueID); err != nil {
			return notFound("venue", err)
		}
		seats, err := tx.Seats(ctx, venueID)
		if err != nil {
			return err
		}
		own, err := tx.CategoryNames(ctx, venueID)
		if err != nil {
			return err
		}
		out = categoriesOf(seats, own)
		return nil
	})
	return out, err
}

// SetCategoryNames gives a venue's seat categories the names buyers read,
// in place of those it gave before: a category left out, or given with
// both names empty, reads by the hub's words for its code again. Names are
// trimmed of surrounding spaces; they may change whatever the venue has
// sold, since seats and orders keep the code. It answers every category
// of the seat map as VenueCategories does. Forbidden unless the caller is
// a city administrator, who manages venues; NotFound for an unknown venue;
// Invalid, nothing changed: invalid_category for a code that cannot be
// one, unknown_category for one the seat map does not have,
// duplicate_category for a code given twice, category_name_missing for a
// name in one language only, invalid_category_name_it and
// invalid_category_name_en for a name that is not one line of at most
// MaxCategoryName characters; missing_field for no list at all (nil),
// which a request without one must not turn into an empty list taking
// every name back (an empty list does that).
func (s *Service) SetCategoryNames(ctx context.Context, c identity.Caller, venueID string, names []CategoryName) ([]Category, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	if names == nil {
		return nil, apperr.R(apperr.Invalid, "missing_field", "The field \"categories\" is required.")
	}
	keep := make([]CategoryName, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		n.NameIT, n.NameEN = strings.TrimSpace(n.NameIT), strings.TrimSpace(n.NameEN)
		if err := label("category", n.Code); err != nil {
			return nil, err
		}
		if seen[n.Code] {
			return nil, apperr.R(apperr.Invalid, "duplicate_category", "Category %s is named twice.", n.Code)
		}
		seen[n.Code] = true
		if err := n.check(); err != nil {
			return nil, err
		}
		if n.NameIT != "" {
			keep = append(keep, n)
		}
	}
	var out []Category
	err := s.store.InTx(ctx, func(tx Tx) error {
		// Locked, as a seat map replaced locks it: the codes checked here
		// are the map's when the names are written.
		if _, err := tx.LockVenue(ctx, venueID); err != nil {
			return notFound("venue", err)
		}
		seats, err := tx.Seats(ctx, venueID)
		if err != nil {
			return err
		}
		codes := map[string]bool{}
		for _, st := range seats {
			codes[st.Category] = true
		}
		for _, n := range names {
			if !codes[n.Code] {
				return apperr.R(apperr.Invalid, "unknown_category", "The venue has no seats of category %s.", n.Code)
			}
		}
		if err := tx.ReplaceCategoryNames(ctx, venueID, keep); err != nil {
			return fmt.Errorf("replace category names: %w", err)
		}
		out = categoriesOf(seats, keep)
		return s.audit(ctx, tx, c, "venue.category_names", "venue", venueID, map[string]any{"named": len(keep)})
	})
	return out, err
}
