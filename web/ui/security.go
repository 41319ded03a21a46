package ui

import (
	"cmp"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/web/httpx"
)

// Page security: every page carries headers that forbid inline script,
// framing and sniffing; every form POST carries a CSRF token.
//
// CSRF tokens are HMAC-SHA256 over the session token, keyed by a random
// per-browser secret kept in an HttpOnly cookie (a signed double submit).
// A token is therefore tied to both the browser and its current session,
// changes when the person signs in or out, and needs no server-side state,
// so any hub replica checks a token another one issued. Another site can
// neither read the cookie nor compute the token, and cross-origin POSTs are
// also refused by the browser-provided Sec-Fetch-Site/Origin headers. The
// header's two forms carry a second token, bound to the browser alone
// (csrfBrowserField), for when their page has outlived its session.

const (
	csrfCookie = "cityhub_csrf"
	csrfField  = "csrf_token"
	csrfHeader = "X-CSRF-Token"
	// maxFormBody bounds page form posts; every page form is a few fields.
	maxFormBody = 16 << 10
)

func pageSessionToken(r *http.Request) string {
	c, err := r.Cookie(httpx.SessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// secureCookies says whether cookies get the Secure flag: when the hub is
// published over TLS, or this request came over it.
func (s *site) secureCookies(r *http.Request) bool {
	return strings.HasPrefix(s.publicURL, "https://") || r.TLS != nil
}

func (s *site) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode,
	})
}

// csrfSecret is the browser's CSRF secret, creating it (and its cookie) when
// the browser has none yet.
func (s *site) csrfSecret(w http.ResponseWriter, r *http.Request) []byte {
	if c, err := r.Cookie(csrfCookie); err == nil {
		if b, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil && len(b) == 32 {
			return b
		}
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	s.setCookie(w, r, csrfCookie, v, 0)
	// Later reads in this request (a form rendered after a redirect-less
	// post) see the new secret too.
	r.AddCookie(&http.Cookie{Name: csrfCookie, Value: v})
	return b
}

// csrfToken is the token the request's forms must post back.
func (s *site) csrfToken(w http.ResponseWriter, r *http.Request) string {
	return csrfFor(s.csrfSecret(w, r), pageSessionToken(r))
}

func csrfFor(secret []byte, session string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("cityhub-csrf-v1\x00"))
	m.Write([]byte(session))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF reports whether a state-changing page request is genuine: sent
// from this site, with the token for this browser and session in the form
// field or the X-CSRF-Token header.
func checkCSRF(r *http.Request) bool {
	secret, ok := requestCSRFSecret(r)
	if !ok {
		return false
	}
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	return tokenIs(got, csrfFor(secret, pageSessionToken(r)))
}

// requestCSRFSecret is the CSRF secret a request's browser sent, for a
// request this site's pages sent (Sec-Fetch-Site, where the browser says).
func requestCSRFSecret(r *http.Request) ([]byte, bool) {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return nil, false
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil {
		return nil, false
	}
	secret, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(secret) != 32 {
		return nil, false
	}
	return secret, true
}

func tokenIs(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// The header's forms (the language switch, signing out) are on every page
// and outlive its session when the person signs out in another tab: their
// csrf_token, bound to the ended session, is refused. They also carry a
// token bound to the browser alone (csrf_browser), which the header's two
// addresses take where nothing is at stake for a session: the language,
// a preference kept in a cookie of the browser, as a visitor's is; and
// signing out a browser that is signed in no more. Another site can no
// more compute it than the session's; its own label keeps it from passing
// for a visitor's csrf_token on any other form.
const csrfBrowserField = "csrf_browser"

// browserCSRF is the header forms' token bound to the browser alone.
func (s *site) browserCSRF(w http.ResponseWriter, r *http.Request) string {
	return browserCSRFFor(s.csrfSecret(w, r))
}

func browserCSRFFor(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("cityhub-csrf-browser-v1\x00"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkBrowserCSRF reports whether r carries its browser's header token.
func checkBrowserCSRF(r *http.Request) bool {
	secret, ok := requestCSRFSecret(r)
	return ok && tokenIs(r.PostFormValue(csrfBrowserField), browserCSRFFor(secret))
}

// csrfProtected refuses a POST without a valid CSRF token with 403 before
// the handler runs, so nothing changes. The form is read first, so that a
// form over maxFormBody is refused as too large (413) and one with invalid
// text as invalid (400), rather than as a missing CSRF token.
func (s *site) csrfProtected(next http.HandlerFunc) http.HandlerFunc {
	return s.csrfProtectedOr(next, nil)
}

// csrfProtectedOr is csrfProtected that also lets through a post whose
// session-bound token fails but that genuine says is genuine enough for
// what next does (the header's forms: preferForm, signOutForm).
func (s *site) csrfProtectedOr(next http.HandlerFunc, genuine func(r *http.Request) bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		httpx.LimitBody(w, r, maxFormBody)
		if err := r.ParseForm(); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				s.pageError(w, r, httpx.ErrTooLarge(tooBig.Limit))
				return
			}
			s.pageError(w, r, apperr.R(apperr.Invalid, "malformed_form", "The form could not be read."))
			return
		}
		if err := httpx.ValuesTextError(r.PostForm, "form"); err != nil {
			s.pageError(w, r, err)
			return
		}
		if !checkCSRF(r) && (genuine == nil || !genuine(r)) {
			s.csrfRefused(w, r)
			return
		}
		next(w, r)
	}
}

// preferForm protects a form that sets a preference of the browser (the
// language): the browser's header token is enough.
func (s *site) preferForm(next http.HandlerFunc) http.HandlerFunc {
	return s.csrfProtectedOr(next, checkBrowserCSRF)
}

// signOutForm protects signing out: with the browser's header token, a
// browser whose session has ended (signed out in another tab, expired)
// is signed out again, which changes nothing; a live session ends only
// with its own token, so no stale form ends the session signed in since.
func (s *site) signOutForm(next http.HandlerFunc) http.HandlerFunc {
	return s.csrfProtectedOr(next, func(r *http.Request) bool {
		return checkBrowserCSRF(r) && s.sessionEnded(r)
	})
}

// sessionEnded reports whether the browser holds no live session: none
// sent, or one the accounts say has ended. A session that could not be
// read (the database unreachable) counts as live, so that the browser's
// token alone never ends a session that may still be signed in.
func (s *site) sessionEnded(r *http.Request) bool {
	token := pageSessionToken(r)
	if token == "" || s.accounts == nil {
		return true
	}
	_, err := s.accounts.SessionCaller(r.Context(), token)
	return apperr.CodeOf(err) == apperr.Unauthenticated
}

// csrfRefused answers a form whose token is not this browser's and
// session's: 403, nothing done. A form of this site's own (the browser
// says so in Sec-Fetch-Site) has most often outlived its session, signed
// out or signed in again in another tab, and the person may have typed a
// report or a comment into it: its longer texts come back on the page, to
// copy into the form again, with a link to the form. A post from another
// site (or a browser that does not say) gets the plain refusal, so no
// other site can have its text shown under this one's address.
func (s *site) csrfRefused(w http.ResponseWriter, r *http.Request) {
	s.formRefused(w, r, apperr.R(apperr.Forbidden, "csrf", "The form has expired or did not come from this site."))
}

// formRefused answers a form post refused before its handler ran (its
// token expired, its session ended) with err's page: for this site's own
// posts (Sec-Fetch-Site, which no other site can set) it gives back the
// texts typed into it (csrfTyped) with a link to the form; for any other,
// and for a page's script that asked for JSON (which keeps what it sent),
// the plain refusal.
func (s *site) formRefused(w http.ResponseWriter, r *http.Request, err error) {
	if r.Header.Get("Sec-Fetch-Site") != "same-origin" || wantsJSON(r) || r.PostForm == nil {
		s.pageError(w, r, err)
		return
	}
	l := s.locale(r)
	status := httpx.StatusFor(err)
	s.render(w, r, status, "error", "", errorPage{Status: status, Heading: l.T("error.heading." + headingOf(status)), Message: l.ErrorText(err),
		Typed: csrfTyped(l, r.PostForm), Back: s.returnPath(r)})
}

// minTypedRunes is how long a text must be to come back on an expired
// form's page: what took typing, not a code chosen from a list or a box
// ticked.
const minTypedRunes = 20

// typedFields are the fields whose text a person writes at length: the
// pages' text areas (a report, a proposal, a comment, an answer, a note, a
// flag's reason, a seat map's rows and prices, a plan's or campaign's
// description) and the one-line titles, names and addresses written with
// them (typedField). Only these come back on an expired form's page: a
// field's name cannot tell a secret (a password field named "current", a
// scanned ticket's code, a form's own keys), so nothing is given back by
// elimination. They are in the order the forms have them (a title before
// its text, a name before its address and description, Italian before
// English), which the posted form, a map, no longer tells; each is named
// by "error.csrf.field.<name>".
var typedFields = []string{
	"title", "name", "name_it", "name_en", "address", "description", "description_it", "description_en",
	"body", "comment", "answer", "rows", "prices", "note", "reason",
}

// typedRank is a typed field's place in typedFields, -1 for any other
// field. A seat category's name in one language (name_it.<category>) has
// the place of name_it or name_en.
func typedRank(name string) int {
	lang, _, _ := strings.Cut(name, ".")
	if lang != name && lang != "name_it" && lang != "name_en" {
		return -1
	}
	return slices.Index(typedFields, lang)
}

// typedField reports whether the field name is one of typedFields, or a
// name in one language: a station's, a vehicle type's or a plan's
// (name_it, name_en) and a seat category's (name_it.<category>).
func typedField(name string) bool { return typedRank(name) >= 0 }

// csrfTyped is the texts of a form that someone typed and would lose: the
// values of minTypedRunes or more of its typedFields, in the forms' order
// of the fields (a seat category's names by category, each Italian then
// English), each with its field's name in l's words (and the category's
// code, or a number for a field sent more than once).
func csrfTyped(l *locale, form url.Values) []typedText {
	names := make([]string, 0, len(form))
	for name := range form {
		if typedField(name) {
			names = append(names, name)
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		_, ca, _ := strings.Cut(a, ".")
		_, cb, _ := strings.Cut(b, ".")
		return cmp.Or(cmp.Compare(ca, cb), cmp.Compare(typedRank(a), typedRank(b)))
	})
	var out []typedText
	for _, name := range names {
		field, category, _ := strings.Cut(name, ".")
		label := l.T("error.csrf.field." + field)
		if category != "" {
			label = l.T("error.csrf.field_category", label, category)
		}
		var texts []string
		for _, v := range form[name] {
			if v = strings.TrimSpace(v); utf8.RuneCountInString(v) >= minTypedRunes {
				texts = append(texts, v)
			}
		}
		for i, v := range texts {
			t := typedText{N: len(out) + 1, Label: label, Text: v}
			if len(texts) > 1 {
				t.Label = l.T("error.csrf.field_nth", label, i+1)
			}
			out = append(out, t)
		}
	}
	return out
}
