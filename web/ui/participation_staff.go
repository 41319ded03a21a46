package ui

import (
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/paging"
	"cityhub/participation"
	"cityhub/web/httpx"
)

// The offices' triage: a queue per office, oldest first; a report's page
// with its history and the actions on it. Destructive actions (reject,
// merge, hide a report's text or a photo) ask for confirmation first: the
// form comes back as a confirmation page holding what was sent.

// queueData is an office's queue.
type queueData struct {
	Office  string
	Offices []option
	Reports []queueRow
	Pending int
	// Next is the page after this one, when it is full.
	Next string
	// Moderator: the caller may moderate reported comments, Flagged of
	// which wait.
	Moderator bool
	Flagged   int
}

type queueRow struct {
	reportRow
	Report participation.Report
}

// staffOffices lists the offices c works, as options (every office for an
// administrator).
func (p *participationPages) staffOffices(c identity.Caller, lang string) []option {
	var out []option
	for _, o := range p.svc.Catalogue().Offices {
		if participation.WorksOffice(c, o.ID) {
			name := o.NameIT
			if lang == "en" {
				name = o.NameEN
			}
			out = append(out, option{o.ID, name})
		}
	}
	return out
}

// queuePage is how many reports a page of the queue shows.
const queuePage = 200

// handleQueue is an office's triage queue (?office=, the first the caller
// works when absent), oldest first, a page at a time (?cursor=).
func (p *participationPages) handleQueue(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	l := p.locale(r)
	q := r.URL.Query()
	d := queueData{Office: q.Get("office"), Offices: p.staffOffices(c, l.Lang)}
	if len(d.Offices) == 0 {
		p.pageError(w, r, apperr.R(apperr.Forbidden, "not_office_staff", "Only city office staff may do this."))
		return
	}
	// A link naming two offices chose none: the error page, with the
	// link to the caller's first office's queue, as the API refuses it.
	if err := httpx.Once(q, "office"); err != nil {
		p.pagingRefused(w, r, err, "/staff/reports")
		return
	}
	if d.Office == "" {
		d.Office = d.Offices[0].Value
	}
	rs, next, err := readPage(q, queuePage, func(cursor string, n int) ([]participation.Report, error) {
		return p.svc.Queue(r.Context(), c, d.Office, cursor, n)
	}, func(x participation.Report) string { return x.ID })
	if apperr.CodeOf(err) == apperr.Forbidden {
		// The catalogue's words for not_office_staff speak of a page of
		// the office concerned; here a whole office's queue was asked
		// for, and the refusal says so.
		p.render(w, r, http.StatusForbidden, "error", "", errorPage{Status: http.StatusForbidden,
			Heading: l.T("error.heading.forbidden"), Message: l.T("part.queue.forbidden")})
		return
	}
	if err != nil {
		p.pagingRefused(w, r, err, "/staff/reports?"+url.Values{"office": {d.Office}}.Encode())
		return
	}
	for _, x := range rs {
		d.Reports = append(d.Reports, queueRow{reportRow: p.ownRow(l.Lang, x), Report: x})
	}
	if next != "" {
		d.Next = "/staff/reports?" + url.Values{"office": {d.Office}, "cursor": {next}}.Encode()
	}
	d.Pending, err = p.svc.PendingPhotoCount(r.Context(), c)
	if err != nil {
		p.pageError(w, r, err)
		return
	}
	switch flagged, err := p.svc.FlaggedCount(r.Context(), c); {
	case err == nil:
		d.Moderator, d.Flagged = true, flagged
	case apperr.CodeOf(err) != apperr.Forbidden:
		p.pageError(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "participation_queue", "staffreports", d)
}

// staffReportData is a report as its office's staff work it.
type staffReportData struct {
	View   participation.ReportView
	Row    reportRow
	Next   []string
	Nearby []participation.Nearby
	Values map[string]string
	// Errors are a refusal's words next to the field it is about, by the
	// field's name; Problem is a refusal no one field is about.
	Errors  map[string]string
	Problem string
	Done    string
	Map     mapView
	// Actors name who made each change, by account id: the office's staff
	// see who worked the report (an erased account's name is empty).
	Actors map[string]*actorName
	// MergedInto names the report a duplicate went into (mergedLabel), so
	// that staff reach the report being worked from the one closed.
	MergedInto string
}

// actorName is who made a change; an empty Name is an erased account.
type actorName struct{ Name string }

// actorNames reads the names of the accounts that made changes. An account
// gone or erased is named as erased; one that cannot be read now is left
// unnamed, and the page shows the rest.
func (p *participationPages) actorNames(r *http.Request, changes []participation.Change) map[string]*actorName {
	out := map[string]*actorName{}
	if p.names == nil {
		return out
	}
	for _, ch := range changes {
		if _, done := out[ch.ActorID]; done || ch.ActorID == "" {
			continue
		}
		a, err := p.names.Account(r.Context(), ch.ActorID)
		switch {
		case apperr.Has(err, apperr.NotFound):
			out[ch.ActorID] = &actorName{}
		case err != nil:
			p.log.ErrorContext(r.Context(), "read the name of a report's actor", slog.String("account", ch.ActorID), slog.Any("error", err))
			out[ch.ActorID] = nil
		case !a.DeletedAt.IsZero():
			out[ch.ActorID] = &actorName{}
		default:
			out[ch.ActorID] = &actorName{Name: a.Name}
		}
	}
	return out
}

// The fields of the status and merge forms a refusal is about, by its
// reason; a reason not listed is shown above the forms.
var (
	statusFieldOf = map[string]string{"bad_status": "status", "bad_transition": "status", "reason_required": "note", "bad_note": "note"}
	mergeFieldOf  = map[string]string{"merge_target_missing": "into", "merge_other_category": "into", "merge_target_closed": "into",
		"same_report": "into", "report_not_found": "into", "merge_other_office": "into", "bad_note": "merge_note"}
)

// handleStaffReport is a report's page for its office's staff.
func (p *participationPages) handleStaffReport(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	p.showStaffReport(w, r, c, r.PathValue("id"), http.StatusOK, nil, nil, nil)
}

// showStaffReport draws the report's page; a form that was refused comes
// back with its values and the refusal next to its field (fieldOf).
func (p *participationPages) showStaffReport(w http.ResponseWriter, r *http.Request, c identity.Caller, id string, status int, values map[string]string,
	problem error, fieldOf map[string]string) {
	l := p.locale(r)
	// The office's own view: the service refuses another office's staff
	// (not_your_office) and a reporter who works no office, as the API.
	v, err := p.svc.StaffReport(r.Context(), c, id)
	if err != nil {
		p.pageError(w, r, err)
		return
	}
	near, err := p.svc.NearbyReports(r.Context(), c, id)
	if err != nil {
		p.pageError(w, r, err)
		return
	}
	for i := range near {
		near[i].Report = near[i].Report.InLanguage(l.Lang)
	}
	if values == nil {
		values = map[string]string{}
	}
	d := staffReportData{View: v, Row: p.ownRow(l.Lang, v.Report), Next: participation.NextStatuses(v.Report.Status), Nearby: near,
		Values: values, Errors: map[string]string{}, Done: r.URL.Query().Get("done"), Map: p.mapView(), Actors: p.actorNames(r, v.Changes),
		MergedInto: p.mergedLabel(r, v.Report.MergedInto)}
	if problem != nil {
		if field, ok := fieldOf[apperr.ReasonOf(problem)]; ok {
			d.Errors[field] = l.ErrorText(problem)
		} else {
			d.Problem = l.ErrorText(problem)
		}
	}
	p.render(w, r, status, "participation_staff_report", "staffreports", d)
}

// confirmData is a destructive action to confirm: the form to post again
// with confirm=yes, its fields, and what it will do.
type confirmData struct {
	Action string
	Fields [][2]string
	// Shown are the words a field is shown in, by its name, where its
	// value is an id a person would not recognise (the report to merge
	// into); the form posts the value.
	Shown   map[string]string
	Message string
	Back    string
	// Quote is what the action is about, quoted: the comment to hide.
	Quote *confirmQuote
}

// confirmQuote is a comment as its confirmation quotes it: its start
// (excerpt) and its author's display name, "" for an erased account.
type confirmQuote struct {
	Author, Body string
}

// confirmed reports whether the form was confirmed; if not, it shows the
// confirmation page and the caller stops.
func (p *participationPages) confirmed(w http.ResponseWriter, r *http.Request, message, back string) bool {
	return p.confirmedShown(w, r, message, back, nil)
}

// confirmedShown is confirmed with some fields shown in other words than
// their values (confirmData.Shown).
func (p *participationPages) confirmedShown(w http.ResponseWriter, r *http.Request, message, back string, shown map[string]string) bool {
	if r.PostFormValue("confirm") == "yes" {
		return true
	}
	p.renderConfirmation(w, r, confirmData{Action: r.URL.Path, Message: message, Back: back, Shown: shown})
	return false
}

// confirmQuoting shows the confirmation of an action about what q quotes.
func (p *participationPages) confirmQuoting(w http.ResponseWriter, r *http.Request, message, back string, q *confirmQuote) {
	p.renderConfirmation(w, r, confirmData{Action: r.URL.Path, Message: message, Back: back, Quote: q})
}

// renderConfirmation shows d, its form posting again the fields posted.
func (p *participationPages) renderConfirmation(w http.ResponseWriter, r *http.Request, d confirmData) {
	keys := make([]string, 0, len(r.PostForm))
	for k := range r.PostForm {
		if k != csrfField && k != "confirm" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		d.Fields = append(d.Fields, [2]string{k, r.PostFormValue(k)})
	}
	p.render(w, r, http.StatusOK, "participation_confirm", "staffreports", d)
}

// staffDone sends staff back to the report after an action.
func staffDone(w http.ResponseWriter, r *http.Request, id, done string) {
	http.Redirect(w, r, "/staff/reports/"+id+"?done="+url.QueryEscape(done), http.StatusSeeOther)
}

// handleStatus changes a report's status with a public note; a rejection
// is confirmed first.
func (p *participationPages) handleStatus(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	id, status, note := r.PathValue("id"), r.PostFormValue("status"), r.PostFormValue("note")
	l := p.locale(r)
	// The status is shown in the page's words, not as the code it posts.
	if status == participation.StatusRejected && note != "" && !p.confirmedShown(w, r, l.T("part.confirm.reject"), "/staff/reports/"+id,
		map[string]string{"status": l.T("part.status." + status)}) {
		return
	}
	if _, err := p.svc.ChangeStatus(r.Context(), c, id, status, note); err != nil {
		if p.alreadyMade(r, c, id, err, participation.ChangeStatus, status, note, "") {
			staffDone(w, r, id, "status")
			return
		}
		p.staffFormError(w, r, c, id, map[string]string{"status": status, "note": note}, err, statusFieldOf)
		return
	}
	staffDone(w, r, id, "status")
}

// alreadyMade says whether a move the service refused (bad_transition)
// is the report's last move already, as the form asks it (kind, to the
// status to, with note, into the report into for a merge): a second
// press of the same button, or a colleague's same decision on a page
// read before it. The page answers it as done, as a redaction is, rather
// than saying the report cannot take the status it has; any other
// refusal, or a move with another note or target, is shown as refused.
func (p *participationPages) alreadyMade(r *http.Request, c identity.Caller, id string, err error, kind, to, note, into string) bool {
	if apperr.ReasonOf(err) != "bad_transition" {
		return false
	}
	same, serr := p.svc.LastMoveIs(r.Context(), c, id, kind, to, into, note)
	return serr == nil && same
}

// staffFormError shows the staff report again with the form's values and
// the problem, or the error page for what no form can fix.
func (p *participationPages) staffFormError(w http.ResponseWriter, r *http.Request, c identity.Caller, id string, values map[string]string, err error,
	fieldOf map[string]string) {
	// A refusal of what was typed brings the form back: a 400 or 409, or
	// another refusal about one of its fields (the report to merge into
	// was not found).
	_, aboutField := fieldOf[apperr.ReasonOf(err)]
	if code := apperr.CodeOf(err); code == apperr.Invalid || code == apperr.Conflict || aboutField {
		p.showStaffReport(w, r, c, id, httpx.StatusFor(err), values, err, fieldOf)
		return
	}
	p.pageError(w, r, err)
}

// handleMerge marks a report a duplicate of another, after confirmation.
func (p *participationPages) handleMerge(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	id, into, note := r.PathValue("id"), r.PostFormValue("into"), r.PostFormValue("merge_note")
	if into == "" {
		p.staffFormError(w, r, c, id, map[string]string{"merge_note": note}, apperr.R(apperr.Invalid, "merge_target_missing", "Choose the report to merge into."), mergeFieldOf)
		return
	}
	if r.PostFormValue("confirm") != "yes" {
		// The confirmation names a report the merge would take, which
		// the service says (Merge checks again when confirmed).
		target, err := p.svc.MergeTarget(r.Context(), c, id, into)
		if err != nil {
			p.staffFormError(w, r, c, id, map[string]string{"into": into, "merge_note": note}, err, mergeFieldOf)
			return
		}
		label := p.reportLabel(p.ownRow(p.locale(r).Lang, target))
		p.confirmedShown(w, r, p.locale(r).T("part.confirm.merge", label), "/staff/reports/"+id, map[string]string{"into": label})
		return
	}
	if _, err := p.svc.Merge(r.Context(), c, id, into, note); err != nil {
		if p.alreadyMade(r, c, id, err, participation.ChangeMerged, participation.StatusDuplicate, note, into) {
			staffDone(w, r, id, "merged")
			return
		}
		p.staffFormError(w, r, c, id, map[string]string{"into": into, "merge_note": note}, err, mergeFieldOf)
		return
	}
	staffDone(w, r, id, "merged")
}

// redactChoices are the values the redaction form's hide takes: its
// button hides ("yes") or shows again ("no"), whichever the report needs.
var redactChoices = map[string]bool{"yes": true, "no": false}

// handleRedact hides a report's text and name from the public (after
// confirmation), or shows them again. A hide that is not one of the form's
// choices, or given twice, is refused (400 redact_choice) with the report
// shown again, and nothing changes: read as "show again", it recorded a
// redaction no one asked for.
func (p *participationPages) handleRedact(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	id := r.PathValue("id")
	if err := p.svc.RequireAnyStaff(c); err != nil {
		p.pageError(w, r, err)
		return
	}
	given, err := httpx.Choice(r.PostForm, "hide", "redact_choice")
	hide, ok := redactChoices[given]
	if err == nil && !ok {
		err = apperr.R(apperr.Invalid, "redact_choice", "hide must be yes or no.")
	}
	if err != nil {
		p.staffFormError(w, r, c, id, nil, err, nil)
		return
	}
	if hide && !p.confirmed(w, r, p.locale(r).T("part.confirm.redact"), "/staff/reports/"+id) {
		return
	}
	if _, err := p.svc.Redact(r.Context(), c, id, hide); err != nil {
		p.pageError(w, r, err)
		return
	}
	staffDone(w, r, id, "redacted")
}

// handleModeratePhoto approves or hides a photo (hiding after
// confirmation) and goes back to where it was asked (a report or the
// photo queue).
func (p *participationPages) handleModeratePhoto(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	state := r.PostFormValue("state")
	back, ok := p.returnTarget(r, r.PostFormValue("back"))
	if !ok {
		back = "/staff/reports/photos"
	}
	r = withFormPage(r, back)
	if state == participation.PhotoHidden && !p.confirmed(w, r, p.locale(r).T("part.confirm.hide_photo"), back) {
		return
	}
	if err := p.svc.ModeratePhoto(r.Context(), c, r.PathValue("id"), state); err != nil {
		p.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// pendingPhotosData is a page of the photos awaiting moderation.
type pendingPhotosData struct {
	Photos []participation.Photo
	// Here is this page, where a moderation comes back to; Next is the
	// page after it, and First the first when this is not it ("" when
	// there is none).
	Here, Next, First string
}

// handlePendingPhotos lists photos awaiting moderation in the caller's
// offices, oldest first, a page at a time (?cursor=, ?limit= as on the
// moderation of comments).
func (p *participationPages) handlePendingPhotos(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	q := r.URL.Query()
	// A page size outside the bounds, or a cursor the list never gave, is
	// a link gone bad: the error page, with the link to the first page.
	limit, err := httpx.Limit(q, moderationPageSize, participation.MaxListLimit)
	var cursor string
	if err == nil {
		cursor, err = pageCursor(q)
	}
	if err != nil {
		p.pagingRefused(w, r, err, "/staff/reports/photos")
		return
	}
	ps, next, err := paging.Read(cursor, limit, participation.MaxListLimit, func(cursor string, n int) ([]participation.Photo, error) {
		return p.svc.PendingPhotos(r.Context(), c, cursor, n)
	}, func(x participation.Photo) string { return x.ID })
	if err != nil {
		p.pagingRefused(w, r, err, "/staff/reports/photos")
		return
	}
	// link is the list at cursor (its first page when ""), its page size
	// kept when q named it.
	link := func(cursor string) string {
		keep := url.Values{}
		if q.Get("limit") != "" {
			keep.Set("limit", strconv.Itoa(limit))
		}
		if cursor != "" {
			keep.Set("cursor", cursor)
		}
		return strings.TrimSuffix("/staff/reports/photos?"+keep.Encode(), "?")
	}
	d := pendingPhotosData{Photos: ps, Here: link(cursor)}
	if cursor != "" {
		d.First = link("")
	}
	if next != "" {
		d.Next = link(next)
	}
	p.render(w, r, http.StatusOK, "participation_photos", "staffreports", d)
}
