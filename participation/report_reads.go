// Reports being read: as the public sees them, as their reporter and the
// office see them, and their lists with the cursors each list gives.

package participation

import (
	"context"
	"fmt"
	"slices"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
)

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
	// DescriptionLang is the language the description is written in, as
	// far as the hub knows it: the report's language ("it", "en": its
	// reporter's, or the one an app gave, Italian unless English); empty
	// where the description is the hub's own text (redacted), which reads
	// in the page's language. Pages mark the description with it, so that
	// a screen reader reads an Italian description on an English page in
	// Italian. Not in the report's JSON.
	DescriptionLang string `json:"-"`
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
	if !r.Redacted {
		p.DescriptionLang = r.Locale
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
		if ch.StatusChange() && slices.Contains(f.Statuses, ch.To) {
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
