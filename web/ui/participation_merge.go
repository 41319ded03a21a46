package ui

import (
	"net/http"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/participation"
)

// mergeTarget is the report that id would be merged into, read before the
// merge is confirmed, so the confirmation never names a report the merge
// would refuse: one that exists and the caller works (its office's), not
// id itself, of id's category and still being worked. The refusals are
// Merge's own reasons, which it gives again when the merge runs.
func (p *participationPages) mergeTarget(r *http.Request, c identity.Caller, id, into string) (participation.Report, error) {
	if into == id {
		return participation.Report{}, apperr.R(apperr.Invalid, "same_report", "A report cannot be merged into itself.")
	}
	ctx := r.Context()
	source, err := p.svc.Report(ctx, c, id)
	if err != nil {
		return participation.Report{}, err
	}
	v, err := p.svc.Report(ctx, c, into)
	if apperr.Has(err, apperr.NotFound) {
		// Report answers NotFound for another office's report too; the
		// merge tells that one apart, and so does the form.
		if _, perr := p.svc.PublicReport(ctx, into); perr == nil {
			return participation.Report{}, errMergeOtherOffice
		}
		return participation.Report{}, apperr.R(apperr.NotFound, "report_not_found", "No such report.")
	}
	if err != nil {
		return participation.Report{}, err
	}
	target := v.Report
	switch {
	case !isOfficeStaff(c, target.OfficeID):
		return participation.Report{}, errMergeOtherOffice
	case target.Category != source.Report.Category:
		return participation.Report{}, apperr.R(apperr.Conflict, "merge_other_category", "A report can be merged only into one of the same category.")
	case participation.Closed(target.Status):
		return participation.Report{}, apperr.R(apperr.Conflict, "merge_target_closed", "The report to merge into is %s; choose one still being worked.", target.Status)
	}
	return target, nil
}

var errMergeOtherOffice = apperr.R(apperr.Forbidden, "merge_other_office", "The report to merge into belongs to another office.")

// reportLabel names a report as a person recognises it: its category, its
// address or the start of its description (a redacted one's contrada),
// and its id.
func (p *participationPages) reportLabel(row reportRow) string {
	what := row.Address
	if what == "" && row.Description != participation.RedactedText && row.Description != participation.RedactedTextIT {
		if ex := excerpt(row.Description, 60); ex != "" {
			what = "«" + ex + "»"
		}
	}
	if what == "" {
		what = row.ContradaName
	}
	label := row.CategoryName
	if what != "" {
		label += ", " + what
	}
	return label + " (" + row.ID + ")"
}

// excerpt is the start of text on one line, at most n characters, cut at
// a word and marked "…" when it is shorter than text.
func excerpt(text string, n int) string {
	rs := []rune(strings.Join(strings.Fields(text), " "))
	if len(rs) <= n {
		return string(rs)
	}
	cut := rs[:n]
	// At the last word's end, unless that drops more than half.
	for i := n - 1; i > n/2; i-- {
		if cut[i] == ' ' {
			cut = cut[:i]
			break
		}
	}
	return strings.TrimRight(string(cut), " ,.;:") + "…"
}
