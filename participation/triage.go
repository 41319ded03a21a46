package participation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/plaintext"
)

// NextStatuses lists the statuses staff may move a report in status to
// with ChangeStatus (duplicate goes through Merge), for forms to offer.
func NextStatuses(status string) []string {
	var out []string
	for _, st := range next[status] {
		if st != StatusDuplicate {
			out = append(out, st)
		}
	}
	return out
}

// ChangeStatus moves a report to status with a public note, as staff of its
// office. A rejection needs the reason in the note; a duplicate is made with
// Merge. The reporter is e-mailed in the same transaction. Forbidden,
// NotFound, Invalid (bad_status, reason_required, bad_note), Conflict
// (bad_transition: the report's status does not allow it).
func (s *Service) ChangeStatus(ctx context.Context, c identity.Caller, id, status, note string) (Report, error) {
	if err := requireAnyStaff(c); err != nil {
		return Report{}, err
	}
	note, err := cleanText(note, 0, MaxNoteLen, "bad_note", "note")
	if err != nil {
		return Report{}, err
	}
	if !known(Statuses, status) || status == StatusOpen {
		return Report{}, invalid("bad_status", "A report can be moved to acknowledged, in_progress, fixed or rejected.")
	}
	if status == StatusDuplicate {
		return Report{}, invalid("bad_status", "Merge a duplicate into the report it repeats.")
	}
	if status == StatusRejected && note == "" {
		return Report{}, invalid("reason_required", "Say why the report is rejected.")
	}
	var r Report
	err = s.store.InTx(ctx, func(tx Tx) error {
		var err error
		if r, err = tx.LockReport(ctx, id); err != nil {
			return reportNotFound(err)
		}
		if err := requireStaff(c, r.OfficeID); err != nil {
			return err
		}
		if !slices.Contains(next[r.Status], status) {
			return apperr.R(apperr.Conflict, "bad_transition", "A report that is %s cannot become %s.", r.Status, status)
		}
		return s.setStatus(ctx, tx, c, &r, ChangeStatus, status, note, "")
	})
	return r, err
}

// setStatus writes r's new status with note as its public status note,
// records the change and e-mails the reporter, in tx.
func (s *Service) setStatus(ctx context.Context, tx Tx, c identity.Caller, r *Report, kind, status, note, mergedInto string) error {
	return s.setStatusNoted(ctx, tx, c, r, kind, status, note, note, mergedInto)
}

// setStatusNoted is setStatus with a change note (for the reporter and
// staff) other than the public status note.
func (s *Service) setStatusNoted(ctx context.Context, tx Tx, c identity.Caller, r *Report, kind, status, note, publicNote, mergedInto string) error {
	now := s.now()
	ch := Change{ReportID: r.ID, At: now, ActorID: c.AccountID, Kind: kind, From: r.Status, To: status, Note: note}
	r.Status, r.StatusNote, r.UpdatedAt = status, publicNote, now
	if mergedInto != "" {
		r.MergedInto = mergedInto
	}
	if err := tx.UpdateReport(ctx, *r); err != nil {
		return fmt.Errorf("update report: %w", err)
	}
	if err := tx.AppendReportChange(ctx, ch); err != nil {
		return fmt.Errorf("record change: %w", err)
	}
	if err := s.audit(ctx, tx, c, "report."+kind, "report", r.ID, map[string]any{"from": ch.From, "to": status}); err != nil {
		return err
	}
	return s.notifyReporter(ctx, tx, *r, ch)
}

// Merge marks report id a duplicate of into, an active report of the same
// category, as staff of both reports' offices. Invalid (missing_field:
// no into; same_report),
// NotFound, Forbidden, Conflict (bad_transition; merge_target_closed when
// into is no longer worked; merge_other_category).
func (s *Service) Merge(ctx context.Context, c identity.Caller, id, into, note string) (Report, error) {
	if err := requireAnyStaff(c); err != nil {
		return Report{}, err
	}
	note, err := cleanText(note, 0, MaxNoteLen, "bad_note", "note")
	if err != nil {
		return Report{}, err
	}
	if err := mergeRequest(id, into); err != nil {
		return Report{}, err
	}
	var r Report
	err = s.store.InTx(ctx, func(tx Tx) error {
		// Two reports are locked in the order of their ids, so two merges
		// crossing each other cannot deadlock.
		first, second := id, into
		if second < first {
			first, second = second, first
		}
		a, err := tx.LockReport(ctx, first)
		if err != nil {
			return reportNotFound(err)
		}
		b, err := tx.LockReport(ctx, second)
		if err != nil {
			return reportNotFound(err)
		}
		target := b
		if r = a; a.ID != id {
			r, target = b, a
		}
		if err := mayMerge(c, r, target); err != nil {
			return err
		}
		// No note of its own: the merge names the report it went into
		// (merged_into), in every language the pages and feeds speak.
		return s.setStatus(ctx, tx, c, &r, ChangeMerged, StatusDuplicate, note, target.ID)
	})
	return r, err
}

// mergeRequest refuses what no merge of id into into can be, before any
// report is read.
func mergeRequest(id, into string) error {
	if into == "" {
		return invalid("missing_field", "Say which report to merge into.")
	}
	if id == into {
		return invalid("same_report", "A report cannot be merged into itself.")
	}
	return nil
}

// mayMerge says whether c may merge r into target, as they stand.
func mayMerge(c identity.Caller, r, target Report) error {
	if err := requireStaff(c, r.OfficeID); err != nil {
		return err
	}
	// A merge closes r in favour of target: its reporter follows target
	// from now on, so target must be a report the caller works too, and
	// about the same thing.
	if !isStaff(c, target.OfficeID) {
		return apperr.R(apperr.Forbidden, "merge_other_office", "The report to merge into belongs to another office.")
	}
	if target.Category != r.Category {
		return apperr.R(apperr.Conflict, "merge_other_category", "A report can be merged only into one of the same category.")
	}
	if !slices.Contains(next[r.Status], StatusDuplicate) {
		return apperr.R(apperr.Conflict, "bad_transition", "This report %s: a closed report cannot be merged.", howClosed(r.Status))
	}
	if Closed(target.Status) {
		return apperr.R(apperr.Conflict, "merge_target_closed", "The report to merge into %s: choose one still being worked.", howClosed(target.Status))
	}
	return nil
}

// howClosed says in English how a report of a closed status closed, for
// a refusal's words ("was merged into another report", where the status
// code would read "is duplicate").
func howClosed(status string) string {
	switch status {
	case StatusFixed:
		return "is fixed"
	case StatusRejected:
		return "was rejected"
	case StatusDuplicate:
		return "was merged into another report"
	}
	return "is closed"
}

// MergeTarget is the report id would be merged into, when Merge would take
// it as things stand, and Merge's refusal otherwise, changing nothing: a
// page asks it before it asks a person to confirm the merge. Merge checks
// again, under the reports' locks.
func (s *Service) MergeTarget(ctx context.Context, c identity.Caller, id, into string) (Report, error) {
	if err := requireAnyStaff(c); err != nil {
		return Report{}, err
	}
	if err := mergeRequest(id, into); err != nil {
		return Report{}, err
	}
	var target Report
	err := s.store.View(ctx, func(tx Tx) error {
		r, err := tx.Report(ctx, id)
		if err != nil {
			return reportNotFound(err)
		}
		if target, err = tx.Report(ctx, into); err != nil {
			return reportNotFound(err)
		}
		return mayMerge(c, r, target)
	})
	if err != nil {
		return Report{}, err
	}
	return target, nil
}

// Reopen makes a fixed report open again, as its reporter, within the
// reopen period after it was fixed, saying why. NotFound (report_not_found)
// for a report that is not c's, word for word the answer for one that does
// not exist, as Report answers: whose a report is stays between its
// reporter and the office. Invalid (reason_required, reason_too_long,
// reason_invisible_characters), Conflict (not_fixed, reopen_too_late).
func (s *Service) Reopen(ctx context.Context, c identity.Caller, id, reason string) (Report, error) {
	reason, err := cleanReopenReason(reason)
	if err != nil {
		return Report{}, err
	}
	var r Report
	err = s.store.InTx(ctx, func(tx Tx) error {
		var err error
		if r, err = tx.LockReport(ctx, id); err != nil {
			return reportNotFound(err)
		}
		if c.AccountID == "" || c.AccountID != r.ReporterID {
			return apperr.R(apperr.NotFound, "report_not_found", "No such report.")
		}
		if r.Status != StatusFixed {
			return apperr.R(apperr.Conflict, "not_fixed", "Only a report marked fixed can be reopened.")
		}
		changes, err := tx.ReportChanges(ctx, id)
		if err != nil {
			return err
		}
		if !s.Reopenable(r, changes) {
			return apperr.R(apperr.Conflict, "reopen_too_late", "A fixed report can be reopened within %d days; make a new report.", int(s.set.ReopenPeriod.Hours()/24))
		}
		// The reason is the reporter's own words, which may name them or
		// others and cannot be redacted: it stays in the change record,
		// which only the reporter and staff read. The public sees a fixed
		// note.
		return s.setStatusNoted(ctx, tx, c, &r, ChangeReopened, StatusOpen, reason, ReopenedNote, "")
	})
	return r, err
}

// cleanReopenReason is cleanText for a reopening's reason, with a refusal
// of its own for each way it is wrong, since each asks the reporter to do
// something else: write one (reason_required), shorten it
// (reason_too_long), or take out characters they cannot see, often pasted
// with the text (reason_invisible_characters: the bidirectional controls,
// noncharacters and control characters plaintext.Lines refuses).
func cleanReopenReason(reason string) (string, error) {
	reason = strings.TrimSpace(lineBreaks.Replace(reason))
	switch {
	case reason == "":
		return "", invalid("reason_required", "Say why the report is reopened.")
	case !plaintext.Lines(reason):
		return "", invalid("reason_invisible_characters", "The reason holds invisible or control characters; type it again without them.")
	case utf8.RuneCountInString(reason) > MaxNoteLen:
		return "", invalid("reason_too_long", "The reason must be at most %d characters.", MaxNoteLen)
	}
	return reason, nil
}

// Reopenable reports whether r, with its changes, may be reopened by its
// reporter now: it is fixed, and was fixed no longer than the reopen
// period ago.
func (s *Service) Reopenable(r Report, changes []Change) bool {
	if r.Status != StatusFixed {
		return false
	}
	fixedAt := r.UpdatedAt
	for _, ch := range changes {
		if ch.StatusChange() && ch.To == StatusFixed {
			fixedAt = ch.At
		}
	}
	return !s.now().After(fixedAt.Add(s.set.ReopenPeriod))
}

// Redact hides (or shows again) a report's description, address and name
// from the public, as staff of its office: for personal data someone wrote
// into a report. The report's updated time moves, so that whoever syncs the
// public reports by it (Open311 clients, open data) fetches it again and
// drops what was hidden. A redaction that changes nothing (hiding a
// hidden report, showing one that is shown) records and moves nothing and
// answers the report as it stands, as hiding a hidden comment does: a
// second member of staff acting on a page read before the first one acted
// is not refused, and the reporter's history and the Open311 clients are
// not told of a change that was none. Forbidden, NotFound.
func (s *Service) Redact(ctx context.Context, c identity.Caller, id string, hide bool) (Report, error) {
	if err := requireAnyStaff(c); err != nil {
		return Report{}, err
	}
	var r Report
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		if r, err = tx.LockReport(ctx, id); err != nil {
			return reportNotFound(err)
		}
		if err := requireStaff(c, r.OfficeID); err != nil {
			return err
		}
		// Read under the report's lock, so that of two redactions at
		// once the second sees the first's.
		if r.Redacted == hide {
			return nil
		}
		now := s.now()
		r.Redacted, r.UpdatedAt = hide, now
		if err := tx.UpdateReport(ctx, r); err != nil {
			return fmt.Errorf("update report: %w", err)
		}
		from, to := RedactionShown, RedactionHidden
		if !hide {
			from, to = to, from
		}
		if err := tx.AppendReportChange(ctx, Change{ReportID: id, At: now, ActorID: c.AccountID, Kind: ChangeRedacted, From: from, To: to}); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, "report.redact", "report", id, map[string]any{"hidden": hide})
	})
	return r, err
}

// ModeratePhoto approves a photo (it becomes public) or hides it, as staff
// of its report's office. A change of what the public sees (a photo
// approved, or an approved one hidden) moves the report's updated time, as
// Redact does. A moderation into the state the photo has (approving an
// approved photo, hiding a hidden one) changes and records nothing and is
// answered as the first was, as Redact does. Invalid (bad_state),
// Forbidden, NotFound.
func (s *Service) ModeratePhoto(ctx context.Context, c identity.Caller, photoID, state string) error {
	if err := requireAnyStaff(c); err != nil {
		return err
	}
	if state != PhotoApproved && state != PhotoHidden {
		return invalid("bad_state", "A photo is approved or hidden.")
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		p, err := tx.PhotoData(ctx, photoID)
		if err != nil {
			return photoNotFound(err)
		}
		r, err := tx.LockReport(ctx, p.ReportID)
		if err != nil {
			return reportNotFound(err)
		}
		if err := requireStaff(c, r.OfficeID); err != nil {
			return err
		}
		// The photo's state as it stands under the report's lock, which
		// every moderation of its photos takes: what was read before may
		// have moved.
		was := ""
		photos, err := tx.Photos(ctx, r.ID)
		if err != nil {
			return err
		}
		for _, ph := range photos {
			if ph.ID == photoID {
				was = ph.State
			}
		}
		if was == state {
			return nil
		}
		if err := tx.SetPhotoState(ctx, photoID, state, c.AccountID); err != nil {
			return err
		}
		now := s.now()
		if (was == PhotoApproved) != (state == PhotoApproved) {
			r.UpdatedAt = now
			if err := tx.UpdateReport(ctx, r); err != nil {
				return fmt.Errorf("update report: %w", err)
			}
		}
		if err := tx.AppendReportChange(ctx, Change{ReportID: r.ID, At: now, ActorID: c.AccountID, Kind: ChangePhoto,
			From: was, To: state, PhotoID: photoID}); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, "report.photo", "photo", photoID, map[string]any{"state": state, "report": r.ID})
	})
}

func photoNotFound(err error) error {
	if apperr.Has(err, apperr.NotFound) {
		return apperr.R(apperr.NotFound, "photo_not_found", "No such photo.")
	}
	return err
}

// PhotoImage returns a photo's JPEG (its thumbnail when thumb): to anyone
// once approved, and before that, or when hidden, only to the reporter and
// the office's staff. NotFound otherwise.
func (s *Service) PhotoImage(ctx context.Context, c identity.Caller, photoID string, thumb bool) ([]byte, error) {
	var out []byte
	err := s.store.View(ctx, func(tx Tx) error {
		p, err := tx.PhotoData(ctx, photoID)
		if err != nil {
			return photoNotFound(err)
		}
		if p.State != PhotoApproved {
			r, err := tx.Report(ctx, p.ReportID)
			if err != nil {
				return photoNotFound(err)
			}
			if !(c.AccountID != "" && c.AccountID == r.ReporterID) && !isStaff(c, r.OfficeID) {
				return apperr.R(apperr.NotFound, "photo_not_found", "No such photo.")
			}
		}
		out = p.Image
		if thumb {
			out = p.Thumbnail
		}
		return nil
	})
	return out, err
}

// PendingPhotos is a page of the photos awaiting moderation in the
// caller's offices (every office for an administrator), oldest first:
// limit of them (MaxListLimit when 0) after the photo with id after (from
// the first when empty); the last one's id is the next page's after. A
// photo approved or hidden since its page was read still marks its place,
// so the next page follows on. Forbidden; Invalid (bad_limit, bad_cursor:
// after is no photo of a report of the caller's offices).
func (s *Service) PendingPhotos(ctx context.Context, c identity.Caller, after string, limit int) ([]Photo, error) {
	offices, err := staffOffices(c)
	if err != nil {
		return nil, err
	}
	limit, err = listLimit(limit)
	if err != nil {
		return nil, err
	}
	out := []Photo{}
	err = s.store.View(ctx, func(tx Tx) error {
		if after != "" {
			// A cursor that is no photo would end the list silently, and
			// one of another office's would page this list from where it
			// stands.
			p, err := tx.Photo(ctx, after)
			if err != nil {
				return cursorError(err)
			}
			if offices != nil {
				if err := checkReportCursorOf(ctx, tx, p.ReportID, func(r Report) bool { return slices.Contains(offices, r.OfficeID) }); err != nil {
					return err
				}
			}
		}
		ps, err := tx.PendingPhotos(ctx, offices, after, limit)
		out = append(out, ps...)
		return err
	})
	return out, err
}

// PendingPhotoCount is how many photos await moderation in the caller's
// offices (every office for an administrator), for a page that shows the
// number and not the photos. Forbidden, as the list.
func (s *Service) PendingPhotoCount(ctx context.Context, c identity.Caller) (int, error) {
	offices, err := staffOffices(c)
	if err != nil {
		return 0, err
	}
	var n int
	err = s.store.View(ctx, func(tx Tx) error {
		var err error
		n, err = tx.CountPendingPhotos(ctx, offices)
		return err
	})
	return n, err
}

// staffOffices is the offices c works: nil (all) for an administrator.
func staffOffices(c identity.Caller) ([]string, error) {
	if err := requireAnyStaff(c); err != nil {
		return nil, err
	}
	if c.Has(identity.RoleAdmin) {
		return nil, nil
	}
	return c.Scopes(identity.RoleCityStaff), nil
}

// QueueOffice is the office whose queue c asks for: office, or when it is
// empty the one office c works. Forbidden unless c is staff of some office
// or an administrator; Invalid (office_required) for an empty office from
// an administrator or from staff of several offices.
func (s *Service) QueueOffice(c identity.Caller, office string) (string, error) {
	if err := requireAnyStaff(c); err != nil {
		return "", err
	}
	if office != "" {
		return office, nil
	}
	offices := c.Scopes(identity.RoleCityStaff)
	if len(offices) != 1 || c.Has(identity.RoleAdmin) {
		return "", invalid("office_required", "Say which office's queue: ?office=.")
	}
	return offices[0], nil
}

// Queue is an office's triage queue: its reports still being worked,
// oldest first, limit of them (MaxListLimit when 0) after the report
// named by the cursor after (from the oldest when empty). Forbidden
// unless c is staff of office or an administrator; NotFound for an
// unknown office; Invalid (bad_limit outside 0 to MaxListLimit, as the
// other lists; bad_cursor when after is no report of the office: another
// office's would page this queue from where it stands in time). A report
// of the office closed since its page was read still marks its place.
func (s *Service) Queue(ctx context.Context, c identity.Caller, office, after string, limit int) ([]Report, error) {
	if err := requireAnyStaff(c); err != nil {
		return nil, err
	}
	if _, ok := s.cat.Office(office); !ok {
		return nil, apperr.R(apperr.NotFound, "office_not_found", "No such office.")
	}
	if !isStaff(c, office) {
		// Not requireStaff: its words are about one report, and here the
		// caller asked for a whole office's list.
		return nil, notStaffOf(c, "Only staff of the %s office, or a city administrator, may see its queue.", office)
	}
	limit, err := listLimit(limit)
	if err != nil {
		return nil, err
	}
	var out []Report
	err = s.store.View(ctx, func(tx Tx) error {
		// A cursor that is no report would end the list silently.
		if err := checkReportCursorOf(ctx, tx, after, func(r Report) bool { return r.OfficeID == office }); err != nil {
			return err
		}
		var err error
		out, err = tx.ListReports(ctx, ReportFilter{Offices: []string{office}, Statuses: ActiveStatuses, OldestFirst: true, After: after, Limit: limit})
		return err
	})
	if out == nil {
		out = []Report{}
	}
	return out, err
}

// Nearby is another active report of the same category close to a report,
// as the public sees it: the suggestion is about the place and the
// problem, not about who reported it.
type Nearby struct {
	Report   PublicReport `json:"report"`
	Distance float64      `json:"distance_m"`
}

// NearbyReports suggests reports to merge report id into: active reports
// of its category in the caller's offices within the nearby radius,
// nearest first. A report without a position has none. Forbidden,
// NotFound.
func (s *Service) NearbyReports(ctx context.Context, c identity.Caller, id string) ([]Nearby, error) {
	if err := requireAnyStaff(c); err != nil {
		return nil, err
	}
	out := []Nearby{}
	err := s.store.View(ctx, func(tx Tx) error {
		r, err := tx.Report(ctx, id)
		if err != nil {
			return reportNotFound(err)
		}
		if err := requireStaff(c, r.OfficeID); err != nil {
			return err
		}
		if !r.Located {
			return nil
		}
		offices, err := staffOffices(c)
		if err != nil {
			return err
		}
		box := around(r.Lat, r.Lon, s.set.NearbyRadius)
		rs, err := tx.ListReports(ctx, ReportFilter{Categories: []string{r.Category}, Statuses: ActiveStatuses, Offices: offices,
			Within: &box, OldestFirst: true})
		if err != nil {
			return err
		}
		var near []Report
		var dist []float64
		for _, o := range rs {
			if o.ID == r.ID {
				continue
			}
			if d := Distance(r.Lat, r.Lon, o.Lat, o.Lon); d <= s.set.NearbyRadius {
				near, dist = append(near, o), append(dist, d)
			}
		}
		ids := make([]string, len(near))
		for i, o := range near {
			ids[i] = o.ID
		}
		photos, err := tx.PhotosOf(ctx, ids)
		if err != nil {
			return err
		}
		byReport := map[string][]Photo{}
		for _, p := range photos {
			byReport[p.ReportID] = append(byReport[p.ReportID], p)
		}
		for i, o := range near {
			out = append(out, Nearby{Report: s.public(o, byReport[o.ID]), Distance: dist[i]})
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b Nearby) int {
		switch {
		case a.Distance < b.Distance:
			return -1
		case a.Distance > b.Distance:
			return 1
		}
		return 0
	})
	return out, err
}

// Timing is how long the city took over a report, from its recorded
// changes: to acknowledge it (first move out of open) and to fix it (the
// last time it became fixed). Zero while it has not happened.
type Timing struct {
	ToAcknowledge time.Duration `json:"to_acknowledge_ns,omitempty"`
	ToFix         time.Duration `json:"to_fix_ns,omitempty"`
}

// TimingOf computes a report's timing from its changes (oldest first).
func TimingOf(r Report, changes []Change) Timing {
	var t Timing
	for _, ch := range changes {
		if ch.Kind != ChangeStatus && ch.Kind != ChangeMerged {
			continue
		}
		if t.ToAcknowledge == 0 && ch.From == StatusOpen && ch.To != StatusOpen {
			t.ToAcknowledge = ch.At.Sub(r.CreatedAt)
		}
		if ch.To == StatusFixed {
			t.ToFix = ch.At.Sub(r.CreatedAt)
		}
	}
	return t
}

// LastMoveIs reports whether the report's last move (a status change, a
// merge or a reopening) is kind, to the status to, into the report into
// for a merge ("" otherwise), with note as the service keeps notes (its
// line breaks and surrounding spaces cleaned as a move's are): a page
// answers a second press of the same decision, which the service refuses
// as a move the report cannot make, as done. Read as StaffReport reads.
func (s *Service) LastMoveIs(ctx context.Context, c identity.Caller, id, kind, to, into, note string) (bool, error) {
	v, err := s.StaffReport(ctx, c, id)
	if err != nil {
		return false, err
	}
	// Cleaned as ChangeStatus and Merge clean it; one they would refuse
	// is no move the report made.
	if note, err = cleanText(note, 0, MaxNoteLen, "bad_note", "note"); err != nil {
		return false, nil
	}
	for i := len(v.Changes) - 1; i >= 0; i-- {
		switch ch := v.Changes[i]; ch.Kind {
		case ChangeStatus, ChangeMerged, ChangeReopened:
			return ch.Kind == kind && ch.To == to && v.Report.MergedInto == into && ch.Note == note, nil
		}
	}
	return false, nil
}
