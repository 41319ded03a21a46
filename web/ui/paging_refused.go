package ui

import (
	"net/http"

	"cityhub/apperr"
	"cityhub/web/httpx"
)

// pagingRefused answers a list page asked with a paging link gone bad (a
// cursor the list never gave or whose row is gone, a page size it does
// not take, a parameter of the list given twice): the error page, whose
// words send the person back to the first page, with the link there
// (first: the list's address without the bad link's parts, the list's
// other choices kept). No choice on a form mends such a link. Any other
// refusal gets its plain error page.
func (s *site) pagingRefused(w http.ResponseWriter, r *http.Request, err error, first string) {
	p, ok := localPath(first)
	if reason := apperr.ReasonOf(err); (reason != "bad_cursor" && reason != "bad_limit" && reason != "duplicate_field") || !ok || wantsJSON(r) {
		s.pageError(w, r, err)
		return
	}
	l := s.locale(r)
	status := httpx.StatusFor(err)
	s.render(w, r, status, "error", "", errorPage{Status: status, Heading: l.T("error.heading." + headingOf(status)), Message: l.ErrorText(err), First: p})
}
