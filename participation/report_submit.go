// Reports being made: what a person or an app sends, checked against the
// catalogue, and written once under its key.

package participation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"

	"cityhub/apperr"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/ids"
)

// NewReport is what a person (or an app for them) sends.
type NewReport struct {
	Category string `json:"category"`
	// Lat and Lon are the place, when Located; or Address alone. A sender
	// that may leave located out says it with LocatedFrom.
	Located     bool    `json:"located"`
	Lat         float64 `json:"lat"`
	Lon         float64 `json:"lon"`
	Address     string  `json:"address"`
	Description string  `json:"description"`
	PublicName  bool    `json:"public_name"`
	// Photos are already processed (package photo); at most MaxPhotos.
	Photos []Photo `json:"-"`
	// Name and Email address a reporter without an account (Open311).
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// LocatedFrom is whether a report is located, from what its sender said:
// located, lat and lon as given (nil when left out). A coordinate says the
// report has a point, so located may be left out, as the pages' form and
// Open311 never send it; located true stays accepted, and located true
// without both coordinates is refused by validate (bad_location). Located
// false beside a coordinate other than 0 says two things at once: Invalid
// (located_false_with_point) rather than either dropped, since a point
// dropped leaves the report placed by its address alone, or nowhere. A
// coordinate of 0 beside it is what a client sends that writes every field
// of a report without a point, as it is read for bad_location: none.
func LocatedFrom(located *bool, lat, lon *float64) (bool, error) {
	switch {
	case located == nil:
		return lat != nil || lon != nil, nil
	case !*located && (lat != nil && *lat != 0 || lon != nil && *lon != 0):
		return false, invalid("located_false_with_point",
			"located is false, but lat or lon gives a point: leave located out (or true) for a point, or leave lat and lon out for a report placed by its address.")
	}
	return *located, nil
}

// validate checks n against the catalogue, with a description of at least
// minDesc characters; Invalid with a reason naming the first bad field
// (unknown_category, bad_location, outside_city, no_location,
// bad_address, bad_description, too_many_photos, bad_email, bad_name).
//
// A located report whose coordinate is not a number of degrees (NaN, an
// infinity, beyond ±90 or ±180), or is 0 where the city lies elsewhere, is
// bad_location: JSON and forms give a coordinate left out as 0, and a
// report with one is a client's mistake to be named as such, not a place
// outside the city. A city a zero meridian or the equator crosses still
// takes its points there.
func (n *NewReport) validate(cat Catalogue, minDesc int) (Category, error) {
	k, problems := n.problems(cat, minDesc)
	if len(problems) > 0 {
		return k, problems[0]
	}
	return k, nil
}

// problems is every refusal of n's fields, in the order validate judges
// them (so the first is validate's), cleaning the fields as validate does.
func (n *NewReport) problems(cat Catalogue, minDesc int) (Category, []error) {
	var out []error
	k, ok := cat.Category(n.Category)
	if !ok {
		out = append(out, invalid("unknown_category", "There is no category %q.", n.Category))
	}
	var err error
	if n.Address, err = cleanLine(n.Address, 0, MaxAddressLen, "bad_address", "address"); err != nil {
		out = append(out, err)
	}
	switch {
	case n.Located && (!position(n.Lat, n.Lon) || ((n.Lat == 0 || n.Lon == 0) && !cat.City.Contains(n.Lat, n.Lon))):
		out = append(out, invalid("bad_location", "A point on the map needs both lat and lon, as decimal degrees (lat -90 to 90, lon -180 to 180)."))
	case n.Located && !cat.City.Contains(n.Lat, n.Lon):
		out = append(out, invalid("outside_city", "The place is outside the city: reports are for places within the comune."))
	case !n.Located && n.Address == "" && err == nil:
		out = append(out, invalid("no_location", "Say where: a point on the map or an address."))
	}
	if n.Description, err = cleanText(n.Description, minDesc, MaxDescriptionLen, "bad_description", "description"); err != nil {
		out = append(out, err)
	}
	if len(n.Photos) > MaxPhotos {
		out = append(out, invalid("too_many_photos", "At most %d photos.", MaxPhotos))
	} else {
		for _, p := range n.Photos {
			if len(p.Image) == 0 || len(p.Thumbnail) == 0 {
				out = append(out, invalid("bad_photo", "A photo is empty."))
				break
			}
		}
	}
	if n.Name, err = cleanLine(n.Name, 0, identity.MaxNameLen, "bad_name", "name"); err != nil {
		out = append(out, err)
	}
	n.Email = strings.TrimSpace(n.Email)
	if n.Email != "" {
		// As an account's address is judged: an address under .invalid
		// (RFC 6761) receives nothing, and the report's updates would be
		// written to nobody.
		if err := identity.ValidateEmail(n.Email); err != nil {
			out = append(out, err)
		}
	}
	return k, out
}

// ReportProblems is every refusal SubmitReport would give n's fields, in
// the form's order, each with its reason (nil when there is none), so that
// a form shows them all at once where a refusal names only the first. It
// changes nothing and asks no store.
func (s *Service) ReportProblems(n NewReport) []error {
	_, out := n.problems(s.cat, MinDescriptionLen)
	return out
}

// position reports whether lat and lon are degrees of a point on Earth.
func position(lat, lon float64) bool {
	return !math.IsNaN(lat) && !math.IsNaN(lon) && math.Abs(lat) <= 90 && math.Abs(lon) <= 180
}

// SubmitReport records a citizen's report with its photos (pending
// moderation). Forbidden unless c is a citizen; Invalid for a bad field.
func (s *Service) SubmitReport(ctx context.Context, c identity.Caller, n NewReport) (Report, error) {
	if err := requireCitizen(c); err != nil {
		return Report{}, err
	}
	// The account holds the address; the report keeps only the name, for
	// when the citizen chooses to show it.
	n.Name, n.Email = c.Name, ""
	return s.submit(ctx, c.AccountID, c.Locale, "web", MinDescriptionLen, n)
}

// SubmitReportFromApp records a report a third-party app sent for a person
// without an account here (Open311). As GeoReport v2 allows, the
// description may be empty: the category says what is wrong. key is the
// app's key as
// AuthenticateAPIKey returned it (any other is refused). locale is the
// language the app asked for ("en", or Italian for any other), which the
// e-mails to the reporter about the report speak. The reporter's name is
// never public. Unauthenticated (bad_api_key); Invalid for a bad field.
func (s *Service) SubmitReportFromApp(ctx context.Context, key APIKey, locale string, n NewReport) (Report, error) {
	if !key.verified || key.ID == "" || !key.Active() {
		return Report{}, apperr.R(apperr.Unauthenticated, "bad_api_key", "A valid API key is needed.")
	}
	n.PublicName = false
	return s.submit(ctx, "", locale, "open311:"+key.ID, 0, n)
}

// SubmitReportWithKey is SubmitReport under a client's idempotency key
// (none when key is empty). The key is recorded in the transaction that
// makes the report, so a retry — however many race, however large the
// photos that made the HTTP answer too big to keep — answers the first
// report (replayed=true) and makes no other. The same key with another
// report (other fields or other photos) is Conflict
// (idempotency_key_reused).
func (s *Service) SubmitReportWithKey(ctx context.Context, c identity.Caller, key string, n NewReport) (Report, bool, error) {
	if key == "" {
		r, err := s.SubmitReport(ctx, c, n)
		return r, false, err
	}
	if err := requireCitizen(c); err != nil {
		return Report{}, false, err
	}
	if err := idem.ValidateKey(key); err != nil {
		return Report{}, false, err
	}
	n.Name, n.Email = c.Name, ""
	request := keyedRequest(n)
	var out Report
	var replayed bool
	err := s.submitTx(ctx, c.AccountID, c.Locale, "web", MinDescriptionLen, n, func(tx Tx, run func() (Report, error)) error {
		var err error
		out, replayed, err = idem.Do(ctx, tx, "report.create:"+c.AccountID, key, request, run)
		return err
	})
	return out, replayed, err
}

// keyedRequest is what a report's idempotency key stands for: the fields
// the citizen sent, and each photo by a digest of its bytes (processing is
// deterministic, so the same upload gives the same digest).
func keyedRequest(n NewReport) any {
	photos := make([]string, len(n.Photos))
	for i, p := range n.Photos {
		sum := sha256.Sum256(p.Image)
		photos[i] = hex.EncodeToString(sum[:])
	}
	return struct {
		NewReport
		PhotoDigests []string `json:"photo_digests"`
	}{n, photos}
}

// ReportDigest fingerprints n as SubmitReportWithKey compares a retry
// with the first request: two reports with the same digest are the same
// request. A form that must give a changed report a key of its own derives
// it from this.
func ReportDigest(c identity.Caller, n NewReport) (string, error) {
	n.Name, n.Email = c.Name, ""
	return idem.Hash(keyedRequest(n))
}

func (s *Service) submit(ctx context.Context, reporterID, locale, source string, minDesc int, n NewReport) (Report, error) {
	var out Report
	err := s.submitTx(ctx, reporterID, locale, source, minDesc, n, func(_ Tx, run func() (Report, error)) error {
		var err error
		out, err = run()
		return err
	})
	return out, err
}

// submitTx validates n and has wrap run the insertion inside the
// transaction (wrap may record an idempotency key around it).
func (s *Service) submitTx(ctx context.Context, reporterID, locale, source string, minDesc int, n NewReport, wrap func(tx Tx, run func() (Report, error)) error) error {
	k, err := n.validate(s.cat, minDesc)
	if err != nil {
		return err
	}
	if locale != "en" {
		locale = "it"
	}
	now := s.now()
	r := Report{
		ID: ids.New("rep"), Token: ids.Token(16), Category: k.Code, OfficeID: k.OfficeID,
		Located: n.Located, Address: n.Address, Description: n.Description,
		ReporterID: reporterID, ReporterName: n.Name, ReporterEmail: n.Email, PublicName: n.PublicName && n.Name != "",
		Status: StatusOpen, Source: source, Locale: locale, CreatedAt: now, UpdatedAt: now,
	}
	if n.Located {
		r.Lat, r.Lon = n.Lat, n.Lon
		r.Contrada = s.cat.ContradaOf(n.Lat, n.Lon)
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		return wrap(tx, func() (Report, error) {
			if err := tx.InsertReport(ctx, r); err != nil {
				return Report{}, fmt.Errorf("insert report: %w", err)
			}
			for i, p := range n.Photos {
				p.ID, p.ReportID, p.Position, p.State, p.CreatedAt = ids.New("pho"), r.ID, i, PhotoPending, now
				if err := tx.InsertPhoto(ctx, p); err != nil {
					return Report{}, fmt.Errorf("insert photo: %w", err)
				}
			}
			if err := tx.AppendReportChange(ctx, Change{ReportID: r.ID, At: now, ActorID: reporterID, Kind: ChangeCreated, To: StatusOpen}); err != nil {
				return Report{}, fmt.Errorf("record report: %w", err)
			}
			if err := s.acknowledgeReport(ctx, tx, r); err != nil {
				return Report{}, err
			}
			return r, s.audit(ctx, tx, identity.Caller{AccountID: reporterID}, "report.create", "report", r.ID, map[string]any{"source": source})
		})
	})
}
