package config

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"cityhub/plaintext"
)

// DefaultCityName is the city the hub serves when CITYHUB_CITY_NAME is unset.
const DefaultCityName = "Benevento"

// MaxCityLogoBytes bounds the coat of arms file: it is read into memory
// and sent in the header of every page.
const MaxCityLogoBytes = 256 << 10

// City is the municipality the pages speak for: its name and coat of arms
// in the header, and the contacts of its offices in the footer and on the
// contacts, accessibility and privacy pages. Every contact is optional; a
// page leaves out a line whose contact is not set.
type City struct {
	// Name (CITYHUB_CITY_NAME, default Benevento) is the municipality's
	// name alone: the pages and the e-mails say "Comune di Benevento",
	// "City of Benevento".
	Name string
	// LogoFile (CITYHUB_CITY_LOGO) is an SVG or PNG file with the coat of
	// arms, at most MaxCityLogoBytes; empty: a neutral shield.
	LogoFile string
	// Address (CITYHUB_CITY_ADDRESS) is the town hall's postal address.
	Address string
	// Phone (CITYHUB_CITY_PHONE) is the switchboard or public relations
	// office (URP) number.
	Phone string
	// Email (CITYHUB_CITY_EMAIL) is where people write, also about the
	// pages' accessibility, and where consumers of the GBFS feeds report
	// problems with them (feed_contact_email).
	Email string
	// PEC (CITYHUB_CITY_PEC) is the certified e-mail address (posta
	// elettronica certificata) that formal requests go to.
	PEC string
	// DPOEmail (CITYHUB_CITY_DPO_EMAIL) reaches the data protection
	// officer a public body must designate (GDPR art. 37).
	DPOEmail string
	// Website (CITYHUB_CITY_WEBSITE) is the municipality's own site.
	Website string
	// SecurityContact (CITYHUB_CITY_SECURITY_CONTACT) is where flaws in
	// the hub are reported, a bare e-mail address or an https URL, given
	// in /.well-known/security.txt; empty: Email there.
	SecurityContact string
	// IPACode (CITYHUB_CITY_IPA_CODE) is the municipality's code in the
	// Indice della Pubblica Amministrazione (indicepa.gov.it), such as
	// c_a783: the open data catalogue (DCAT-AP_IT) names the municipality
	// by it and prefixes every dataset's identifier with it; empty: no
	// catalogue (404).
	IPACode string
	// AccessibilityURL (CITYHUB_CITY_ACCESSIBILITY_URL) is the
	// accessibility statement the municipality published on AgID's
	// platform (form.agid.gov.it); the pages' own statement links to it.
	AccessibilityURL string
	// AccessibilityReviewed (CITYHUB_CITY_ACCESSIBILITY_REVIEWED) is the
	// day, as YYYY-MM-DD, the municipality reviewed and adopted the pages'
	// accessibility statement (/accessibilita), which AgID asks it to
	// review at least once a year. The statement's text is a model the
	// software supplies; until this is set, the page says the municipality
	// has not reviewed it, rather than give a date nobody vouched for.
	AccessibilityReviewed string
}

func defaultCity() City { return City{Name: DefaultCityName} }

// ipaCode is the shape of an IPA code: c_a783 (a comune), agid, r_campan.
var ipaCode = regexp.MustCompile(`^[a-z][a-z0-9_]{1,19}$`)

// parse reads the city settings; every one is asked for, so the list of
// settings the packaging test takes from Parse includes them.
func (c *City) parse(getenv func(string) string) {
	env := func(key string, dst *string) {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			*dst = v
		}
	}
	env("CITYHUB_CITY_NAME", &c.Name)
	env("CITYHUB_CITY_LOGO", &c.LogoFile)
	env("CITYHUB_CITY_ADDRESS", &c.Address)
	env("CITYHUB_CITY_PHONE", &c.Phone)
	env("CITYHUB_CITY_EMAIL", &c.Email)
	env("CITYHUB_CITY_PEC", &c.PEC)
	env("CITYHUB_CITY_DPO_EMAIL", &c.DPOEmail)
	env("CITYHUB_CITY_WEBSITE", &c.Website)
	env("CITYHUB_CITY_SECURITY_CONTACT", &c.SecurityContact)
	env("CITYHUB_CITY_IPA_CODE", &c.IPACode)
	env("CITYHUB_CITY_ACCESSIBILITY_URL", &c.AccessibilityURL)
	env("CITYHUB_CITY_ACCESSIBILITY_REVIEWED", &c.AccessibilityReviewed)
}

// validate reports city settings that the pages could not show; zone is
// the city's time zone, in which "today" is taken.
func (c City) validate(zone *time.Location) error {
	var errs []error
	if c.Name == "" || utf8.RuneCountInString(c.Name) > 80 || !plaintext.Line(c.Name) {
		errs = append(errs, fmt.Errorf("CITYHUB_CITY_NAME %q: want the municipality's name, at most 80 characters on one line", c.Name))
	}
	for _, a := range []struct{ key, v string }{{"CITYHUB_CITY_EMAIL", c.Email}, {"CITYHUB_CITY_PEC", c.PEC}, {"CITYHUB_CITY_DPO_EMAIL", c.DPOEmail}} {
		if a.v == "" {
			continue
		}
		if !bareAddress(a.v) {
			errs = append(errs, fmt.Errorf("%s %q: want a bare e-mail address such as urp@comune.example.it", a.key, a.v))
		}
	}
	if v := c.SecurityContact; v != "" && !bareAddress(v) && !httpsURL(v) {
		errs = append(errs, fmt.Errorf("CITYHUB_CITY_SECURITY_CONTACT %q: want a bare e-mail address or an https URL", v))
	}
	if v := c.IPACode; v != "" && !ipaCode.MatchString(v) {
		errs = append(errs, fmt.Errorf("CITYHUB_CITY_IPA_CODE %q: want the code the Indice della Pubblica Amministrazione gives, such as c_a783 (lower-case letters, digits and _)", v))
	}
	for _, a := range []struct{ key, v string }{{"CITYHUB_CITY_WEBSITE", c.Website}, {"CITYHUB_CITY_ACCESSIBILITY_URL", c.AccessibilityURL}} {
		if a.v == "" {
			continue
		}
		if !httpsURL(a.v) {
			errs = append(errs, fmt.Errorf("%s %q: want an absolute https URL", a.key, a.v))
		}
	}
	for _, a := range []struct{ key, v string }{{"CITYHUB_CITY_ADDRESS", c.Address}, {"CITYHUB_CITY_PHONE", c.Phone}} {
		if utf8.RuneCountInString(a.v) > 200 || !plaintext.Line(a.v) {
			errs = append(errs, fmt.Errorf("%s: at most 200 characters on one line, without control characters", a.key))
		}
	}
	if c.AccessibilityReviewed != "" {
		if day, err := c.AccessibilityReviewedOn(zone); err != nil || day.After(time.Now().In(zone)) {
			errs = append(errs, fmt.Errorf("CITYHUB_CITY_ACCESSIBILITY_REVIEWED %q: want the day the statement was reviewed, as YYYY-MM-DD, not after today", c.AccessibilityReviewed))
		}
	}
	if c.LogoFile != "" {
		if _, err := c.LogoType(); err != nil {
			errs = append(errs, err)
		} else if st, err := os.Stat(c.LogoFile); err != nil {
			errs = append(errs, fmt.Errorf("CITYHUB_CITY_LOGO: %w", err))
		} else if !st.Mode().IsRegular() || st.Size() == 0 || st.Size() > MaxCityLogoBytes {
			errs = append(errs, fmt.Errorf("CITYHUB_CITY_LOGO %s: want a file of 1 byte to %d KiB", c.LogoFile, MaxCityLogoBytes>>10))
		}
	}
	return errors.Join(errs...)
}

// AccessibilityReviewedOn is AccessibilityReviewed as a day: its midnight
// in zone, the city's time zone, so the pages show that same day; zero when
// unset.
func (c City) AccessibilityReviewedOn(zone *time.Location) (time.Time, error) {
	if c.AccessibilityReviewed == "" {
		return time.Time{}, nil
	}
	return time.ParseInLocation(time.DateOnly, c.AccessibilityReviewed, zone)
}

// Official is the municipality's name as its own documents give it, in
// Italian ("Comune di Benevento"): the publisher of the open data.
func (c City) Official() string { return "Comune di " + c.Name }

// LogoType is the logo file's content type, by its extension.
func (c City) LogoType() (string, error) {
	switch strings.ToLower(filepath.Ext(c.LogoFile)) {
	case ".svg":
		return "image/svg+xml", nil
	case ".png":
		return "image/png", nil
	}
	return "", fmt.Errorf("CITYHUB_CITY_LOGO %s: want an .svg or .png file", c.LogoFile)
}

// ReadLogo reads the coat of arms; nil when none is configured.
func (c City) ReadLogo() ([]byte, error) {
	if c.LogoFile == "" {
		return nil, nil
	}
	b, err := os.ReadFile(c.LogoFile)
	if err != nil {
		return nil, fmt.Errorf("city logo: %w", err)
	}
	if len(b) == 0 || len(b) > MaxCityLogoBytes {
		return nil, fmt.Errorf("city logo %s: want a file of 1 byte to %d KiB", c.LogoFile, MaxCityLogoBytes>>10)
	}
	// The pages serve it with the type its name gives: a JPEG renamed
	// .png, or a file that is no image, would be a broken image in every
	// page's header, unnoticed until a person looks.
	ct, err := c.LogoType()
	if err != nil {
		return nil, err
	}
	if ct == "image/png" && !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		return nil, fmt.Errorf("CITYHUB_CITY_LOGO %s: not a PNG image (another kind of file named .png?)", c.LogoFile)
	}
	if ct == "image/svg+xml" && !bytes.Contains(b, []byte("<svg")) {
		return nil, fmt.Errorf("CITYHUB_CITY_LOGO %s: not an SVG image (no <svg> element)", c.LogoFile)
	}
	return b, nil
}

// summary is the city line of the start-up log.
func (c City) summary() string {
	logo := "built-in shield"
	if c.LogoFile != "" {
		logo = c.LogoFile
	}
	return fmt.Sprintf("%s (logo %s, e-mail %q, PEC %q)", c.Name, logo, c.Email, c.PEC)
}

// bareAddress says whether v is an e-mail address alone, without a name.
func bareAddress(v string) bool {
	p, err := mail.ParseAddress(v)
	return err == nil && p.Name == "" && p.Address == v
}

// httpsURL says whether v is an absolute https URL.
func httpsURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && u.Scheme == "https" && u.Host != ""
}
