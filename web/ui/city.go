package ui

import (
	"path"
	"strings"
	"time"
)

// City is the municipality the pages speak for (config.City, read from
// CITYHUB_CITY_*): its name and coat of arms in the header, its contacts
// in the footer and on the visitor pages. A contact left empty is left
// out of every page.
type City struct {
	// Name is the municipality's name alone ("Benevento"); the catalogues
	// say "Comune di %s", "City of %s".
	Name    string
	Address string
	Phone   string
	Email   string
	PEC     string
	// DPOEmail reaches the data protection officer (privacy policy).
	DPOEmail string
	// Website is the municipality's own site.
	Website string
	// SecurityContact is where flaws in the hub are reported (an e-mail
	// address or an https URL); empty: Email.
	SecurityContact string
	// IPACode is the municipality's code in the Indice della Pubblica
	// Amministrazione; empty: no open data catalogue.
	IPACode string
	// AccessibilityURL is the statement published on AgID's platform.
	AccessibilityURL string
	// AccessibilityReviewed is the day the municipality reviewed and
	// adopted the accessibility statement; zero: not yet, which the
	// statement then says instead of a date.
	AccessibilityReviewed time.Time
	// Logo is the coat of arms, an SVG or PNG file's bytes, and LogoType
	// its content type; nil: a neutral shield.
	Logo     []byte
	LogoType string
}

// cityLogo adds the configured coat of arms to the static files and
// returns its name there; with none, the built-in shield's.
func (a *assets) cityLogo(c City) string {
	if len(c.Logo) == 0 {
		return "img/shield.svg"
	}
	ext := ".png"
	if strings.HasPrefix(c.LogoType, "image/svg") {
		ext = ".svg"
	}
	name := path.Join("city", "logo"+ext)
	a.add(name, c.Logo)
	return name
}

// PhoneHref is the tel: form of the phone number, digits and a leading +.
func (c City) PhoneHref() string {
	var b strings.Builder
	for i, r := range c.Phone {
		if r >= '0' && r <= '9' || r == '+' && i == 0 {
			b.WriteRune(r)
		}
	}
	return "tel:" + b.String()
}
