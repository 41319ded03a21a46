package ui

import (
	"log/slog"
	"net/http"
	"net/url"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/paging"
	"cityhub/participation"
	"cityhub/web/httpx"
)

// reportsData is the public map and list of reports.
type reportsData struct {
	Category, Status, Contrada string
	Categories, Contrade       []option
	Statuses                   []string
	Reports                    []reportRow
	Next                       string
	Map                        mapView
	Problem                    string
}

// handleReports is the public map and list of reports, by category,
// status and contrada: no personal data, approved photos only. The list
// is the page; the map only enhances it.
func (p *participationPages) handleReports(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	const limit = 100
	q := r.URL.Query()
	l := p.locale(r)
	d := reportsData{Category: q.Get("category"), Status: q.Get("status"), Contrada: q.Get("contrada"),
		Categories: p.categoryOptions(l.Lang), Contrade: p.contradaOptions(), Statuses: participation.Statuses, Map: p.mapView()}
	f := participation.PublicFilter{Contrada: d.Contrada}
	if d.Category != "" {
		f.Categories = []string{d.Category}
	}
	if d.Status != "" {
		f.Statuses = []string{d.Status}
	}
	status := http.StatusOK
	// The page's form chooses one category and one status: a link giving
	// two is no choice of the form's, and the page would show the first.
	var rs []participation.PublicReport
	var next string
	err := httpx.Once(q, "category", "status", "contrada")
	if err == nil {
		rs, next, err = readPage(q, limit, func(cursor string, n int) ([]participation.PublicReport, error) {
			f.Before, f.Limit = cursor, n
			return p.svc.PublicReports(r.Context(), f)
		}, func(x participation.PublicReport) string { return x.ID })
	}
	if err != nil {
		// A filter the form can set again is shown above the list; a
		// cursor naming no report, or a parameter given twice, is a link
		// gone bad, which no choice on the page mends: the error page, as
		// the API's 400 bad_cursor or duplicate_field, with the link to
		// the first page of the list as filtered.
		if reason := apperr.ReasonOf(err); apperr.CodeOf(err) != apperr.Invalid || reason == "bad_cursor" || reason == "duplicate_field" {
			p.pagingRefused(w, r, err, reportsFirstPage(q))
			return
		}
		status, d.Problem = http.StatusBadRequest, l.ErrorText(err)
	}
	for _, x := range rs {
		d.Reports = append(d.Reports, p.row(l.Lang, x))
	}
	if next != "" {
		nq := url.Values{"cursor": {next}}
		for _, k := range []string{"category", "status", "contrada"} {
			if v := q.Get(k); v != "" {
				nq.Set(k, v)
			}
		}
		d.Next = "/reports?" + nq.Encode()
	}
	p.render(w, r, status, "participation_reports", "reports", d)
}

// reportsFirstPage is the first page of the public reports with the
// filters of q: those it gives once, as a filter given twice chose none.
func reportsFirstPage(q url.Values) string {
	fq := url.Values{}
	for _, k := range []string{"category", "status", "contrada"} {
		if vs := q[k]; len(vs) == 1 && vs[0] != "" {
			fq.Set(k, vs[0])
		}
	}
	if len(fq) == 0 {
		return "/reports"
	}
	return "/reports?" + fq.Encode()
}

// pageCursor is the cursor of a participation list page: ?cursor=, as
// the API names it, or ?before=, as links made before the pages took
// cursor did. Either given twice is Invalid (duplicate_field), as on the
// API's lists: the page would show the place of the first.
func pageCursor(q url.Values) (string, error) {
	if err := httpx.Once(q, "cursor", "before"); err != nil {
		return "", err
	}
	if c := q.Get("cursor"); c != "" {
		return c, nil
	}
	return q.Get("before"), nil
}

// readPage is the page of a participation list that q's cursor
// (pageCursor) names: limit items read by read, and the next page's
// cursor, "" on the last (paging.Read). A cursor given twice is refused
// before the list is read.
func readPage[T any](q url.Values, limit int, read func(cursor string, n int) ([]T, error), id func(T) string) ([]T, string, error) {
	cursor, err := pageCursor(q)
	if err != nil {
		return nil, "", err
	}
	return paging.Read(cursor, limit, participation.MaxListLimit, read, id)
}

// reportPage is one report: as the public sees it, or whole to its
// reporter (history, photos awaiting moderation, the reopen form).
type reportPage struct {
	Report    reportRow
	Own       bool
	Staff     bool
	Changes   []participation.Change
	Photos    []participation.Photo
	Created   bool
	Reopened  bool
	CanReopen bool
	Reason    string
	Problem   string
	Map       mapView
	// MergedInto names the report a duplicate went into as a person
	// recognises it (reportLabel); empty when it cannot be read.
	MergedInto string
}

// handleReport is a report's page.
func (p *participationPages) handleReport(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	p.showReport(w, r, c, r.PathValue("id"), http.StatusOK, "", nil)
}

func (p *participationPages) showReport(w http.ResponseWriter, r *http.Request, c identity.Caller, id string, status int, reason string, problem error) {
	l := p.locale(r)
	d := reportPage{Created: r.URL.Query().Get("created") != "", Reopened: r.URL.Query().Get("reopened") != "", Reason: reason, Map: p.mapView()}
	if problem != nil {
		d.Problem = l.ErrorText(problem)
	}
	// officeStaff: the caller may open the report in its office's queue
	// (/staff/reports/{id} answers its office's staff and administrators
	// only), so the page offers the way there.
	officeStaff := false
	if c.AccountID != "" {
		v, err := p.svc.Report(r.Context(), c, id)
		if err == nil && v.Report.ReporterID == c.AccountID {
			d.Own, d.Report, d.Changes, d.Photos = true, p.ownRow(l.Lang, v.Report), v.Changes, v.Photos
			d.CanReopen = p.svc.Reopenable(v.Report, v.Changes)
			d.Staff = participation.WorksOffice(c, v.Report.OfficeID)
			d.MergedInto = p.mergedLabel(r, d.Report.MergedInto)
			p.render(w, r, status, "participation_report", "reports", d)
			return
		}
		officeStaff = err == nil && participation.WorksOffice(c, v.Report.OfficeID)
	}
	pub, err := p.svc.PublicReport(r.Context(), id)
	if err != nil {
		p.pageError(w, r, err)
		return
	}
	d.Report = p.row(l.Lang, pub)
	for _, ph := range pub.PhotoIDs {
		d.Photos = append(d.Photos, participation.Photo{ID: ph, State: participation.PhotoApproved})
	}
	d.Staff = officeStaff
	d.MergedInto = p.mergedLabel(r, d.Report.MergedInto)
	p.render(w, r, status, "participation_report", "reports", d)
}

// mergedLabel names the report a duplicate went into, as the public sees
// it; "" for none, or one that cannot be read (the page shows its id).
func (p *participationPages) mergedLabel(r *http.Request, id string) string {
	if id == "" {
		return ""
	}
	pub, err := p.svc.PublicReport(r.Context(), id)
	if err != nil {
		if apperr.IsServerFault(err) {
			p.log.ErrorContext(r.Context(), "read the report a duplicate went into", slog.String("report", id), slog.Any("error", err))
		}
		return ""
	}
	return p.reportLabel(p.row(p.locale(r).Lang, pub))
}
