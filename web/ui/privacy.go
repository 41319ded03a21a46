package ui

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/web/httpx"
)

// PrivacyExport gives everything the hub holds about an account, as a value
// that marshals to JSON: the web server wires it to the data download of
// package mydata, the API's too.
type PrivacyExport func(ctx context.Context, c identity.Caller) (any, error)

// privacyPage is the privacy page: the download, what is kept, and the
// deletion form, which asks where the credit goes when there is some.
type privacyPage struct {
	// CanDelete: the hub erases accounts (an AccountErasure is wired).
	CanDelete bool
	Error     string
	// Credit is what erasure would do with the credit; its Refunds say
	// what goes back to which card top-up.
	Credit cardpay.ErasureCredit
	// ToCityCents is what no card can take back and goes to the city
	// whatever the choice.
	ToCityCents int64
	// DebtCents is what the person owes (a credit below zero): erasure
	// leaves it on the erased account, and there is nothing to choose.
	DebtCents int64
	// Choice is the person's earlier choice, kept when the form comes back.
	Choice string
	// ConfirmEmail is the address the person typed to confirm, kept when
	// the form comes back.
	ConfirmEmail string
	// Tickets: the hub sells theatre tickets, which stay valid after the
	// erasure; TicketsEmailed: their receipts reach this person by e-mail
	// (an SMTP server sends them, and the person has an address), so the
	// page points to the receipts, else to the codes in the wallet.
	Tickets, TicketsEmailed bool
}

// creditChoices maps the form's values to cardpay's choices.
var creditChoices = map[string]string{"cards": cardpay.CreditToCards, "city": cardpay.CreditToCity}

// privacyPage reads what erasure would do with the caller's credit.
func (s *homePages) privacyPage(r *http.Request, c identity.Caller) (privacyPage, error) {
	p := privacyPage{CanDelete: s.erasure != nil, Choice: r.PostFormValue("credit"), ConfirmEmail: r.PostFormValue("confirm_email")}
	if s.theatre != nil {
		emailed, err := s.theatre.emailsTickets(r.Context(), c)
		if err != nil {
			return p, fmt.Errorf("ask whether tickets are e-mailed: %w", err)
		}
		p.Tickets, p.TicketsEmailed = true, emailed
	}
	if s.erasure == nil {
		return p, nil
	}
	credit, err := s.erasure.ErasureCredit(r.Context(), c)
	if err != nil {
		return p, err
	}
	p.Credit, p.ToCityCents, p.DebtCents = credit, max(credit.BalanceCents-credit.RefundableCents, 0), max(-credit.BalanceCents, 0)
	return p, nil
}

// handlePrivacy explains what the hub keeps and offers the download and the
// deletion, showing the credit left and asking where it goes.
func (s *homePages) handlePrivacy(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	p, err := s.privacyPage(r, c)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "privacy", "privacy", p)
}

// handleDeleteAccount erases the caller's account after they confirm it by
// typing their email and, with credit left, choose where it goes: back to
// the cards it came from (when some of it can go back to one) or to the
// city. Accounting records stay (see the privacy page), tied to an account
// id that no longer leads to a person.
func (s *homePages) handleDeleteAccount(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	if s.erasure == nil {
		s.pageError(w, r, apperr.E(apperr.Unavailable, "account deletion is not configured"))
		return
	}
	l := s.locale(r)
	// again shows the page as it is now with the refusal above the form,
	// in words said picks for that page (the choices its form offers).
	again := func(status int, said func(p privacyPage) string) {
		p, err := s.privacyPage(r, c)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		p.Error = said(p)
		s.render(w, r, status, "privacy", "privacy", p)
	}
	text := func(key string) func(privacyPage) string { return func(privacyPage) string { return l.T(key) } }
	if !strings.EqualFold(strings.TrimSpace(r.PostFormValue("confirm_email")), c.Email) {
		again(http.StatusBadRequest, text("privacy.delete.mismatch"))
		return
	}
	// The form's radio buttons send one choice; a post with two is no
	// choice, refused as none (the API refuses ?credit= twice alike).
	given, err := httpx.Choice(r.PostForm, "credit", "credit_choice")
	if err != nil {
		// Its own words: those of credit_choice say where the credit can
		// go, as if the choice made (the city's, maybe) could not be.
		err = givenTwice{err: err, words: "error.twice.credit"}
	} else {
		_, err = s.erasure.EraseAccount(r.Context(), c, creditChoices[given])
	}
	if err != nil {
		switch apperr.ReasonOf(err) {
		case "credit_choice":
			again(http.StatusBadRequest, func(p privacyPage) string {
				if errors.As(err, new(givenTwice)) {
					return l.ErrorText(err)
				}
				// The form offers the cards only when some of the credit
				// can go back to one, and the erasure refuses them
				// otherwise: the words ask only for what can be chosen.
				if p.Credit.RefundableCents <= 0 {
					return l.T("privacy.credit.choose_city")
				}
				return l.T("privacy.credit.choose")
			})
			return
		case "ride_in_progress":
			again(http.StatusConflict, text("privacy.ride_in_progress"))
			return
		case "last_admin":
			again(http.StatusConflict, func(privacyPage) string { return l.ErrorText(err) })
			return
		case apperr.ReasonAccountDeleted:
			// The same form sent twice at once: the other one erased the
			// account while this one waited for it.
			s.goodbye(w, r)
			return
		}
		s.pageError(w, r, err)
		return
	}
	s.goodbye(w, r)
}

// goodbye answers the deletion of the account this browser was signed in
// to: its session cookie goes, and the page shows nobody signed in. The
// browser keeps a mark of it for a while (erasedCookie), so that the form
// sent again (pressed twice, or sent again from the browser's history) is
// answered with this page too rather than as a form that expired.
func (s *homePages) goodbye(w http.ResponseWriter, r *http.Request) {
	s.setCookie(w, r, httpx.SessionCookie, "", -1)
	s.clearOIDCCookies(w, r)
	if secret, ok := requestCSRFSecret(r); ok {
		s.setCookie(w, r, erasedCookie, erasedMark(secret), int(erasedFor.Seconds()))
	}
	// The goodbye page must not look signed in any more.
	r = r.WithContext(context.WithValue(r.Context(), signedOutKey{}, true))
	s.render(w, r, http.StatusOK, "goodbye", "", nil)
}

// erasedCookie marks, for erasedFor, the browser whose account was just
// deleted: its value is bound to the browser's CSRF secret, as the
// header's forms' token is (browserCSRFFor), so no other site or browser
// can make one.
const erasedCookie = "cityhub_erased"

// erasedFor is how long the browser keeps erasedCookie: long enough for a
// second press or a form sent again from the browser's history, short
// enough that it says nothing of the browser's past for long.
const erasedFor = 10 * time.Minute

func erasedMark(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("cityhub-erased-v1\x00"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// erasedHere reports whether r is a form of this site's pages sent by a
// browser whose account it deleted (erasedCookie).
func erasedHere(r *http.Request) bool {
	secret, ok := requestCSRFSecret(r)
	if !ok {
		return false
	}
	c, err := r.Cookie(erasedCookie)
	return err == nil && tokenIs(c.Value, erasedMark(secret))
}

// deletionForm protects the deletion form: a form sent again by the
// browser whose account it deleted (erasedHere), signed in no more, gets
// the goodbye page again, and not the refusal of a form whose session
// ended (its token was the deleted session's); nothing else changes. Any
// other form is judged as every form is, by its token and then by the
// session (next: signedIn's): a browser signed in again since is refused
// a stale form as ever.
func (s *homePages) deletionForm(next http.HandlerFunc) http.HandlerFunc {
	goneHere := func(r *http.Request) bool {
		if !erasedHere(r) {
			return false
		}
		_, signedIn := s.pageCaller(r)
		return !signedIn
	}
	return s.csrfProtectedOr(func(w http.ResponseWriter, r *http.Request) {
		if goneHere(r) {
			s.goodbye(w, r)
			return
		}
		next(w, r)
	}, goneHere)
}
