package ticketing

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Category is a seat category of a hall as buyers read it: its code (what
// the seat map and a performance's prices name it by, the API's stable
// identifier), its name in Italian and in English, and its price at a
// performance (0: not on sale there). Named says the names are the
// venue's own (SetCategoryNames); otherwise they are the hub's words for
// the code (CategoryOf).
type Category struct {
	Code       string `json:"code"`
	NameIT     string `json:"name_it"`
	NameEN     string `json:"name_en"`
	Named      bool   `json:"named,omitempty"`
	PriceCents int64  `json:"price_cents,omitempty"`
}

// Name is the category's name in lang ("en", else Italian).
func (c Category) Name(lang string) string {
	if lang == "en" {
		return c.NameEN
	}
	return c.NameIT
}

// categoryWords names, by code in lower case, the seat categories halls
// commonly price by, in Italian and in English. A seat map keeps a code
// only (an administrator types "Platea A 1-20 platea"), and the same
// names must reach the pages and the API's apps, so they are kept here,
// beside the code, rather than in one surface's words.
var categoryWords = map[string]struct{ it, en string }{
	"platea":        {"Platea", "Stalls"},
	"stalls":        {"Platea", "Stalls"},
	"poltronissima": {"Poltronissima", "Premium stalls"},
	"galleria":      {"Galleria", "Gallery"},
	"gallery":       {"Galleria", "Gallery"},
	"balconata":     {"Balconata", "Balcony"},
	"balcony":       {"Balconata", "Balcony"},
	"loggione":      {"Loggione", "Upper gallery"},
	"palco":         {"Palco", "Box"},
	"box":           {"Palco", "Box"},
	"palchi":        {"Palchi", "Boxes"},
	"boxes":         {"Palchi", "Boxes"},
}

// SectionName is a seat map's section as people read it in lang ("en",
// else Italian): the words categoryWords gives a hall's part it knows
// (whatever its case: "Platea" is the stalls in English), else the
// section as the seat map names it, the venue's own word in both
// languages. The section itself stays the seat's identifier (SeatID), the
// same in every language; this is what a ticket, a receipt, the seat
// picker and the door show for it, so they all say the same.
func SectionName(section, lang string) string {
	w, ok := categoryWords[strings.ToLower(section)]
	switch {
	case !ok:
		return section
	case lang == "en":
		return w.en
	}
	return w.it
}

// CategoryOf is a category code as buyers read it: the names categoryWords
// gives a code it knows (in whatever case it was typed), else the code
// made readable, underscores and hyphens as spaces and its first letter a
// capital ("prima_fila": "Prima fila"), the same in both languages, since
// it is the venue's own word.
func CategoryOf(code string) Category {
	if w, ok := categoryWords[strings.ToLower(code)]; ok {
		return Category{Code: code, NameIT: w.it, NameEN: w.en}
	}
	name := strings.NewReplacer("_", " ", "-", " ").Replace(code)
	if r, n := utf8.DecodeRuneInString(name); n > 0 {
		name = string(unicode.ToUpper(r)) + name[n:]
	}
	return Category{Code: code, NameIT: name, NameEN: name}
}
