package ui

import (
	"context"
	"net/http"
	"net/url"
	"path"
	"strings"

	"cityhub/identity"
	"cityhub/mail"
	"cityhub/web/httpx"
)

// Where the language switch returns to. It posts next= and the language
// handler redirects there with 303, so the browser asks for it with GET. A
// page that answered a GET is itself; a page that answered a form post (a
// confirmation, a form refused and shown again, an error) has an address
// that may take POST only, so it names the page the form was on instead
// (a page whose session the post ended, the goodbye after an account's
// erasure, names the home page: the form's page needs the session):
//
//  1. the Referer, when it is this site's page (Referrer-Policy is
//     same-origin) at another address than the post's and it answers GET;
//  2. the page the handler said the form is on (withFormPage);
//  3. an e-mailed link's page (a password reset, an address to confirm):
//     the post's own address with the token its form carried, which the
//     page reads from its address and cannot do without;
//  4. a create form's page: a post to a list whose form is at …/new;
//  5. the nearest address above the post's that answers GET
//     (/staff/reports/{id}/status → /staff/reports/{id});
//  6. the home page.
//
// Every candidate is a path on this site (localPath); the language handler
// checks next again.

// formPageKey holds the page a post's form is on (withFormPage).
type formPageKey struct{}

// withFormPage says which page holds the form r posts, for the pages that
// answer it: when the address above the post's is not that page (a photo
// moderated from a report or from the queue, a comment flagged on its
// proposal's page).
func withFormPage(r *http.Request, page string) *http.Request {
	if p, ok := localPath(page); ok {
		return r.WithContext(context.WithValue(r.Context(), formPageKey{}, p))
	}
	return r
}

// returnPath is the page the language switch of a page answering r
// returns to.
func (s *site) returnPath(r *http.Request) string {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return r.URL.RequestURI()
	}
	if out, _ := r.Context().Value(signedOutKey{}).(bool); out {
		return "/"
	}
	if ref, ok := s.sameSiteReferer(r); ok && s.answersGet(r, ref) {
		return ref
	}
	if p, ok := r.Context().Value(formPageKey{}).(string); ok && s.answersGet(r, p) {
		return p
	}
	// The post's own query goes along: it names what the page is about
	// (?shop= for staff of several shops), which its form page needs too.
	withQuery := func(p string) string {
		if r.URL.RawQuery == "" {
			return p
		}
		if q, ok := localPath(p + "?" + r.URL.RawQuery); ok {
			return q
		}
		return p
	}
	if p, ok := linkPage(r); ok && s.answersGet(r, p) {
		return p
	}
	p := r.URL.Path
	if form := strings.TrimSuffix(p, "/") + "/new"; s.answersGet(r, p) && s.answersGet(r, form) {
		return withQuery(form)
	}
	for ; p != "/" && p != "." && p != ""; p = path.Dir(p) {
		if s.answersGet(r, p) {
			return withQuery(p)
		}
	}
	return "/"
}

// returnTarget accepts p as the page to send a person to after an action
// (a sign-in's next=, a top-up's return=, the language switch's next=): a
// path on this site (localPath) that answers GET. An address that takes
// posts only, signing out's or a form's, would land them on a "method not
// allowed" page, so it is refused as another site's is.
func (s *site) returnTarget(r *http.Request, p string) (string, bool) {
	p, ok := localPath(p)
	if !ok || !s.answersGet(r, p) {
		return "", false
	}
	return p, true
}

// linkPages are the pages of e-mailed links, which read their token from
// ?token= and whose forms post it back in the token field.
var linkPages = map[string]bool{mail.PathResetPassword: true, mail.PathConfirmEmail: true}

// linkPage is the address of the e-mailed link's page whose form r posts:
// its path with the token the form carried. The browser's Referer names
// the post's own address, which sameSiteReferer does not take.
func linkPage(r *http.Request) (string, bool) {
	token := r.PostForm.Get("token")
	if !linkPages[r.URL.Path] || token == "" || len(token) > identity.MaxTokenLen {
		return "", false
	}
	return localPath(r.URL.Path + "?" + url.Values{"token": {token}}.Encode())
}

// sameSiteReferer is the path and query of r's Referer when it is a page
// of this site at another address than r's own: a page that answered a
// post to this same address was not the form's page (a refused form sent
// again).
func (s *site) sameSiteReferer(r *http.Request) (string, bool) {
	ref := r.Referer()
	if ref == "" {
		return "", false
	}
	u, err := url.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || !s.ownHost(r, u.Host) {
		return "", false
	}
	if u.EscapedPath() == r.URL.EscapedPath() {
		return "", false
	}
	return localPath(u.RequestURI())
}

// ownHost reports whether host is this site's: the one the request was
// sent to, or the published URL's.
func (s *site) ownHost(r *http.Request, host string) bool {
	if host == "" {
		return false
	}
	if strings.EqualFold(host, r.Host) {
		return true
	}
	pub, err := url.Parse(s.publicURL)
	return err == nil && pub.Host != "" && strings.EqualFold(host, pub.Host)
}

// answersGet reports whether a GET of target (a local path, with or
// without a query) reaches a page route: one registered for GET, not the
// catch-all that answers 404 and 405.
func (s *site) answersGet(r *http.Request, target string) bool {
	if s.routes == nil {
		return false
	}
	u, err := url.Parse(target)
	if err != nil || u.IsAbs() || u.Host != "" {
		return false
	}
	if _, canonical := httpx.CanonicalPath(u.Path); !canonical {
		return false
	}
	if u.Path == "/" {
		// The catch-all serves the home page there.
		return true
	}
	probe := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: u.Path, RawPath: u.RawPath}, Host: r.Host, Header: http.Header{}}
	probe = probe.WithContext(r.Context())
	_, pattern := s.routes.Handler(probe)
	return strings.HasPrefix(pattern, http.MethodGet+" ")
}
