package participation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/mail"
	"slices"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/ids"
)

// Report statuses. A report moves open → acknowledged → in_progress →
// fixed, or ends rejected (with a reason) or duplicate (merged into
// another); its reporter may reopen a fixed report within the reopen
// period.
const (
	StatusOpen         = "open"
	StatusAcknowledged = "acknowledged"
	StatusInProgress   = "in_progress"
	StatusFixed        = "fixed"
	StatusRejected     = "rejected"
	StatusDuplicate    = "duplicate"
)

// Statuses lists every status in the order a report passes them.
var Statuses = []string{StatusOpen, StatusAcknowledged, StatusInProgress, StatusFixed, StatusRejected, StatusDuplicate}

// ActiveStatuses are the statuses of reports still being worked.
var ActiveStatuses = []string{StatusOpen, StatusAcknowledged, StatusInProgress}

// Closed reports whether status ends the city's work on a report.
func Closed(status string) bool {
	return status == StatusFixed || status == StatusRejected || status == StatusDuplicate
}

// next lists the statuses staff may move a report to from each status.
var next = map[string][]string{
	StatusOpen:         {StatusAcknowledged, StatusInProgress, StatusFixed, StatusRejected, StatusDuplicate},
	StatusAcknowledged: {StatusInProgress, StatusFixed, StatusRejected, StatusDuplicate},
	StatusInProgress:   {StatusAcknowledged, StatusFixed, StatusRejected, StatusDuplicate},
}

// Change kinds recorded for a report.
const (
	ChangeCreated  = "created"
	ChangeStatus   = "status"
	ChangeReopened = "reopened"
	ChangeMerged   = "merged"
	ChangeRedacted = "redacted"
	ChangePhoto    = "photo"
)

// Report is a problem a citizen (or a third-party app for one) reported.
type Report struct {
	ID string `json:"id"`
	// Token is the Open311 token a third-party app may look the report up by.
	Token    string `json:"token"`
	Category string `json:"category"`
	OfficeID string `json:"office_id"`
	// Located says Lat and Lon are set; a report may have only an address.
	Located     bool    `json:"located"`
	Lat         float64 `json:"lat,omitempty"`
	Lon         float64 `json:"lon,omitempty"`
	Address     string  `json:"address,omitempty"`
	Contrada    string  `json:"contrada,omitempty"`
	Description string  `json:"description"`
	// ReporterID is the citizen's account ("" for a report from an app
	// without one); ReporterName and ReporterEmail are how to address them.
	ReporterID    string `json:"reporter_id,omitempty"`
	ReporterName  string `json:"reporter_name,omitempty"`
	ReporterEmail string `json:"reporter_email,omitempty"`
	// PublicName says the reporter chose to show their name to the public.
	PublicName bool `json:"public_name"`
	// Redacted says staff hid the description and name from the public
	// (personal data in them).
	Redacted   bool      `json:"redacted"`
	Status     string    `json:"status"`
	StatusNote string    `json:"status_note,omitempty"`
	MergedInto string    `json:"merged_into,omitempty"`
	Source     string    `json:"source"`
	Locale     string    `json:"locale"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ReopenedNote is the public status note of a report its reporter
// reopened, in Italian as the offices write their notes;
// ReopenedNoteEN is its English twin, for pages and feeds that answer in
// English. The reporter's reason stays in the change record.
const (
	ReopenedNote   = "Riaperta dalla persona che l'ha segnalata."
	ReopenedNoteEN = "Reopened by the person who reported it."
)

// Change is one recorded change of a report.
type Change struct {
	ID       int64     `json:"id"`
	ReportID string    `json:"report_id"`
	At       time.Time `json:"at"`
	ActorID  string    `json:"actor_id,omitempty"`
	Kind     string    `json:"kind"`
	From     string    `json:"from,omitempty"`
	To       string    `json:"to,omitempty"`
	// Note is what the change said: the office's note, which is also the
	// report's public status note, or the reporter's reason for reopening,
	// which only the reporter and staff read (the public note is then
	// ReopenedNote).
	Note string `json:"note,omitempty"`
}

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
		if a, err := mail.ParseAddress(n.Email); err != nil || a.Address != n.Email || len(n.Email) > identity.MaxEmailLen {
			out = append(out, invalid("bad_email", "The e-mail address is not valid."))
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
// AuthenticateAPIKey returned it (any other is refused). The reporter's
// name is never public. Unauthenticated (bad_api_key); Invalid for a bad
// field.
func (s *Service) SubmitReportFromApp(ctx context.Context, key APIKey, n NewReport) (Report, error) {
	if !key.verified || key.ID == "" || !key.Active() {
		return Report{}, apperr.R(apperr.Unauthenticated, "bad_api_key", "A valid API key is needed.")
	}
	n.PublicName = false
	return s.submit(ctx, "", "it", "open311:"+key.ID, 0, n)
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
			return r, s.audit(ctx, tx, identity.Caller{AccountID: reporterID}, "report.create", "report", r.ID, map[string]any{"source": source})
		})
	})
}

func reportNotFound(err error) error {
	if apperr.Has(err, apperr.NotFound) {
		return apperr.R(apperr.NotFound, "report_not_found", "No such report.")
	}
	return err
}

// PublicReport is a report as anyone sees it: no account, no e-mail, the
// name only when the reporter chose it, nothing staff redacted (nor the
// status note of a redacted report), only approved photos.
type PublicReport struct {
	ID          string    `json:"id"`
	Category    string    `json:"category"`
	CategoryIT  string    `json:"category_it"`
	CategoryEN  string    `json:"category_en"`
	Located     bool      `json:"located"`
	Lat         float64   `json:"lat,omitempty"`
	Lon         float64   `json:"lon,omitempty"`
	Address     string    `json:"address,omitempty"`
	Contrada    string    `json:"contrada,omitempty"`
	Description string    `json:"description"`
	Name        string    `json:"name,omitempty"`
	Status      string    `json:"status"`
	StatusNote  string    `json:"status_note,omitempty"`
	MergedInto  string    `json:"merged_into,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	PhotoIDs    []string  `json:"photo_ids"`
	// OfficeID is the office that works the report, which stays its own
	// when its category leaves the catalogue (Open311 names it as the
	// agency). Not in the report's JSON, whose shape the API documents.
	OfficeID string `json:"-"`
}

// RedactedText replaces, in a PublicReport, the description staff hid
// from the public. It is put there when the report is read, never stored,
// and is one stable text, in English, wherever a PublicReport goes as it
// is (the JSON API, open data); RedactedTextIT is its Italian twin, for
// pages and feeds that answer in Italian (InLanguage).
const (
	RedactedText   = "[hidden by the city: personal data]"
	RedactedTextIT = "[nascosto dal Comune: dati personali]"
)

// InLanguage is p with its fixed texts in lang ("en", or Italian for any
// other): the public note of a reopened report (stored as ReopenedNote,
// in Italian as the offices write) and the placeholder of a redacted
// description (RedactedText, in English). What people wrote is left as
// they wrote it.
func (p PublicReport) InLanguage(lang string) PublicReport {
	if lang == "en" {
		if p.StatusNote == ReopenedNote {
			p.StatusNote = ReopenedNoteEN
		}
		return p
	}
	if p.Description == RedactedText {
		p.Description = RedactedTextIT
	}
	return p
}

func (s *Service) public(r Report, photos []Photo) PublicReport {
	k := s.cat.CategoryOrCode(r.Category)
	p := PublicReport{ID: r.ID, Category: r.Category, CategoryIT: k.NameIT, CategoryEN: k.NameEN, Located: r.Located,
		Lat: r.Lat, Lon: r.Lon, Address: r.Address, Contrada: r.Contrada, Description: r.Description,
		Status: r.Status, StatusNote: r.StatusNote, MergedInto: r.MergedInto, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, PhotoIDs: []string{},
		OfficeID: r.OfficeID}
	if r.PublicName && !r.Redacted {
		p.Name = r.ReporterName
	}
	if r.Redacted {
		// Staff notes may quote the personal data that was redacted.
		p.Description, p.Address, p.StatusNote = RedactedText, "", ""
	}
	for _, ph := range photos {
		if ph.State == PhotoApproved {
			p.PhotoIDs = append(p.PhotoIDs, ph.ID)
		}
	}
	return p
}

// ReportView is a report with its history and photos, as its reporter or
// the office's staff see it; the reporter does not see which staff
// account made a change.
type ReportView struct {
	Report  Report   `json:"report"`
	Changes []Change `json:"changes"`
	Photos  []Photo  `json:"photos"`
	Timing  Timing   `json:"timing"`
}

// Report returns a report whole to its reporter and the staff of its
// office (an administrator's too). Whole, it holds what the public never
// reads: the reporter's name and e-mail, what staff hid, its history and
// its photos still pending or hidden, all for those who made or work it.
// Staff of another office are refused Forbidden (not_your_office), as when
// they act on it: anyone may read the report as the public does
// (PublicReport), so the refusal gives away nothing that saying it does
// not exist would hide. Anyone else is NotFound (report_not_found), word
// for word the answer for a report that does not exist, as Reopen answers.
func (s *Service) Report(ctx context.Context, c identity.Caller, id string) (ReportView, error) {
	return s.reportView(ctx, c, id, func(r Report) error {
		if c.AccountID != "" && c.AccountID == r.ReporterID || isStaff(c, r.OfficeID) {
			return nil
		}
		if len(c.Scopes(identity.RoleCityStaff)) > 0 {
			return notStaffOf(c, "Only this report's reporter and the staff of its office may read it whole; anyone may read it as the public does.")
		}
		return apperr.R(apperr.NotFound, "report_not_found", "No such report.")
	})
}

// StaffReport is Report for the office at work on it: its staff and the
// administrators alone, not its reporter (who reads it with Report), and
// not a member of another office's staff who reported it. Forbidden
// (not_office_staff) for anyone who works no office, before any report is
// looked up; NotFound; Forbidden (not_your_office) for another office's
// report.
func (s *Service) StaffReport(ctx context.Context, c identity.Caller, id string) (ReportView, error) {
	if err := requireAnyStaff(c); err != nil {
		return ReportView{}, err
	}
	return s.reportView(ctx, c, id, func(r Report) error { return requireStaff(c, r.OfficeID) })
}

// reportView reads report id whole for c once may says c may read it.
func (s *Service) reportView(ctx context.Context, c identity.Caller, id string, may func(Report) error) (ReportView, error) {
	var v ReportView
	err := s.store.View(ctx, func(tx Tx) error {
		r, err := tx.Report(ctx, id)
		if err != nil {
			return reportNotFound(err)
		}
		if err := may(r); err != nil {
			return err
		}
		v.Report = r
		if v.Changes, err = tx.ReportChanges(ctx, id); err != nil {
			return err
		}
		v.Photos, err = tx.Photos(ctx, id)
		return err
	})
	if err != nil {
		return ReportView{}, err
	}
	v.Timing = TimingOf(v.Report, v.Changes)
	v.Changes = changesFor(c, v.Report, v.Changes)
	return v, nil
}

// changesFor is changes as c may read them: staff of the report's office
// see who made each; anyone else (the reporter) only their own id, not the
// accounts of the staff who worked the report.
func changesFor(c identity.Caller, r Report, changes []Change) []Change {
	if isStaff(c, r.OfficeID) {
		return changes
	}
	for i := range changes {
		if changes[i].ActorID != c.AccountID {
			changes[i].ActorID = ""
		}
	}
	return changes
}

// PublicReport returns one report as the public sees it. NotFound.
func (s *Service) PublicReport(ctx context.Context, id string) (PublicReport, error) {
	var p PublicReport
	err := s.store.View(ctx, func(tx Tx) error {
		r, err := tx.Report(ctx, id)
		if err != nil {
			return reportNotFound(err)
		}
		photos, err := tx.Photos(ctx, id)
		p = s.public(r, photos)
		return err
	})
	return p, err
}

// PublicFilter selects reports for the public map and list.
type PublicFilter struct {
	IDs        []string
	Categories []string
	Statuses   []string
	Contrada   string
	Since      time.Time
	Until      time.Time
	Before     string
	Limit      int
	// Offset skips this many reports first, at most MaxListOffset.
	Offset int
}

// MaxListOffset bounds Offset: deeper pages cost the database a scan of
// every report they skip.
const MaxListOffset = 100_000

// PublicReports lists reports as the public sees them, newest first.
// Invalid for an unknown status, category (unknown_category) or contrada
// (unknown_contrada), a cursor (Before) that is no report the list as
// filtered could have given (bad_cursor: checkPublicCursor) or a limit
// beyond MaxListLimit.
func (s *Service) PublicReports(ctx context.Context, f PublicFilter) ([]PublicReport, error) {
	for _, st := range f.Statuses {
		if !known(Statuses, st) {
			return nil, invalid("bad_status", "Unknown status %q.", st)
		}
	}
	for _, k := range f.Categories {
		if _, ok := s.cat.Category(k); !ok {
			return nil, invalid("unknown_category", "There is no category %q.", k)
		}
	}
	if _, ok := s.cat.Contrada(f.Contrada); f.Contrada != "" && !ok {
		return nil, invalid("unknown_contrada", "There is no contrada %q.", f.Contrada)
	}
	limit, err := listLimit(f.Limit)
	if err != nil {
		return nil, err
	}
	if f.Offset < 0 || f.Offset > MaxListOffset {
		return nil, invalid("bad_offset", "A list may skip 0 to %d reports.", MaxListOffset)
	}
	out := []PublicReport{}
	err = s.store.View(ctx, func(tx Tx) error {
		if err := checkPublicCursor(ctx, tx, f); err != nil {
			return err
		}
		rs, err := tx.ListReports(ctx, ReportFilter{IDs: f.IDs, Categories: f.Categories, Statuses: f.Statuses, Contrada: f.Contrada,
			Since: f.Since, Until: f.Until, Before: f.Before, Limit: limit, Offset: f.Offset})
		if err != nil {
			return err
		}
		reportIDs := make([]string, len(rs))
		for i, r := range rs {
			reportIDs[i] = r.ID
		}
		photos, err := tx.PhotosOf(ctx, reportIDs)
		if err != nil {
			return err
		}
		byReport := map[string][]Photo{}
		for _, p := range photos {
			byReport[p.ReportID] = append(byReport[p.ReportID], p)
		}
		for _, r := range rs {
			out = append(out, s.public(r, byReport[r.ID]))
		}
		return nil
	})
	return out, err
}

// checkPublicCursor refuses (bad_cursor) a cursor (f.Before) of the
// public reports as f filters them that the list never gave, as one naming
// no report: a report the filters leave out whatever happens to it
// (keeps), or one that never had a status f asks for (its changes say
// which it had: open when made, then each status it was moved to), would
// page the list from where it stands among every report. A report the
// list gave still marks its place once its status moved on. Without
// filters any report is a place in the list.
func checkPublicCursor(ctx context.Context, tx Tx, f PublicFilter) error {
	if f.Before == "" {
		return nil
	}
	r, err := tx.Report(ctx, f.Before)
	if err != nil {
		return cursorError(err)
	}
	if !f.keeps(r) {
		return badCursor()
	}
	if len(f.Statuses) == 0 || slices.Contains(f.Statuses, r.Status) {
		return nil
	}
	changes, err := tx.ReportChanges(ctx, r.ID)
	if err != nil {
		return fmt.Errorf("read the page cursor's changes: %w", err)
	}
	for _, ch := range changes {
		if ch.To != "" && slices.Contains(f.Statuses, ch.To) {
			return nil
		}
	}
	return badCursor()
}

// keeps says whether f's filters but its statuses keep r in the list,
// which is so or not whatever happens to r: its id, category, contrada
// and creation time do not change.
func (f PublicFilter) keeps(r Report) bool {
	return (len(f.IDs) == 0 || slices.Contains(f.IDs, r.ID)) &&
		(len(f.Categories) == 0 || slices.Contains(f.Categories, r.Category)) &&
		(f.Contrada == "" || r.Contrada == f.Contrada) &&
		// To the microsecond, as the stores compare them.
		(f.Since.IsZero() || !r.CreatedAt.Before(f.Since.Truncate(time.Microsecond))) &&
		(f.Until.IsZero() || !r.CreatedAt.After(f.Until.Truncate(time.Microsecond)))
}

// MyReports lists a page of the citizen's own reports, newest first: limit
// of them (MaxListLimit when 0) before the report with id before (from the
// newest when empty). Unauthenticated; Invalid (bad_limit, bad_cursor:
// before is no report of the caller's, which this list never gave).
func (s *Service) MyReports(ctx context.Context, c identity.Caller, before string, limit int) ([]Report, error) {
	if c.AccountID == "" {
		return nil, apperr.R(apperr.Unauthenticated, "not_signed_in", "Sign in to see your reports.")
	}
	limit, err := listLimit(limit)
	if err != nil {
		return nil, err
	}
	var out []Report
	err = s.store.View(ctx, func(tx Tx) error {
		// Another's report would page the caller's own list from where it
		// stands among them, and tell them it exists.
		if err := checkReportCursorOf(ctx, tx, before, func(r Report) bool { return r.ReporterID == c.AccountID }); err != nil {
			return err
		}
		var err error
		out, err = tx.ListReports(ctx, ReportFilter{ReporterID: c.AccountID, Before: before, Limit: limit})
		return err
	})
	if out == nil {
		out = []Report{}
	}
	return out, err
}

// checkReportCursorOf refuses (bad_cursor) a cursor of a list of the
// reports of which listed says that is no report, or a report it does not
// list: a cursor the list never gave, refused as one that is no report, so
// that the refusal tells nothing of another's report. An empty one starts
// from the list's first. listed asks what keeps a report in the list
// whatever happens to it (its reporter, its office), not its status: a
// report worked on since its page was read still marks its place.
func checkReportCursorOf(ctx context.Context, tx Tx, cursor string, listed func(Report) bool) error {
	if cursor == "" {
		return nil
	}
	r, err := tx.Report(ctx, cursor)
	if err != nil {
		return cursorError(err)
	}
	if !listed(r) {
		return badCursor()
	}
	return nil
}

func known(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
