package ui

import (
	"net/http"
	"regexp"
	"strings"

	"cityhub/apperr"
	"cityhub/money"
)

// The staff forms (vouchers, theatre) share one way to show a mistake: the
// form comes back with the values as typed and the message next to the
// field it is about (Bootstrap's is-invalid and invalid-feedback), with a
// summary at the top for a mistake that belongs to no one field.

// staffForm is one form's typed values and messages, keyed by field name.
type staffForm struct {
	Values  map[string]string
	Errors  map[string]string
	Problem string
}

func newStaffForm() *staffForm {
	return &staffForm{Values: map[string]string{}, Errors: map[string]string{}}
}

// formFrom keeps the posted values of fields, trimmed of surrounding spaces.
func formFrom(r *http.Request, fields ...string) *staffForm {
	f := newStaffForm()
	for _, name := range fields {
		f.Values[name] = strings.TrimSpace(r.PostFormValue(name))
	}
	return f
}

// Failed says whether the form has any message.
func (f *staffForm) Failed() bool { return f != nil && (len(f.Errors) > 0 || f.Problem != "") }

// fail puts a message next to field, keeping the first one per field.
func (f *staffForm) fail(field, msg string) {
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = msg
	}
}

// staffField is what the staff_input partial draws.
type staffField struct {
	ID, Name, Label, Type, Mode, Hint, Value, Error, Autocomplete string
	Required                                                      bool
}

// In describes an input of this form: prefix keeps ids unique when a page
// has several forms; typ is the input's type ("text", "date", "email",
// "number"), mode its inputmode ("decimal" for amounts, "numeric"); hint
// is a catalogue key or "".
func (f *staffForm) In(l *locale, prefix, name, labelKey, typ, mode, hint string, required bool) staffField {
	fd := staffField{ID: prefix + "-" + name, Name: name, Label: l.T(labelKey), Type: typ, Mode: mode, Required: required, Autocomplete: "off"}
	if hint != "" {
		fd.Hint = l.T(hint)
	}
	if f != nil {
		fd.Value, fd.Error = f.Values[name], f.Errors[name]
	}
	return fd
}

// V is a typed value (for selects and text areas).
func (f *staffForm) V(name string) string {
	if f == nil {
		return ""
	}
	return f.Values[name]
}

// E is a field's message.
func (f *staffForm) E(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// amountField reads an amount in euros as typed ("1.000,00", "12.50") into
// dst, or puts the reason money.Parse gave next to the field.
func (f *staffForm) amountField(l *locale, name string, dst *int64, optional bool) {
	v := f.Values[name]
	if v == "" {
		if !optional {
			f.fail(name, l.T("staff.err.required"))
		}
		return
	}
	cents, err := money.Parse(v)
	if err != nil {
		f.fail(name, l.ErrorText(err))
		return
	}
	*dst = int64(cents)
}

var italianDate = regexp.MustCompile(`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$`)

// isoDay accepts a day as a date input sends it (2026-12-31) or as an
// Italian reader types it where the browser has no date picker
// (31/12/2026, 31.12.2026), and returns it as YYYY-MM-DD for the domain.
func isoDay(s string) string {
	if m := italianDate.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
		return m[3] + "-" + pad2(m[2]) + "-" + pad2(m[1])
	}
	return strings.TrimSpace(s)
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}

// confirmPage is the step before an action that is hard to undo: what will
// happen, in words and facts, and the button that does it. The action's
// POST handler acts only when the form's confirm field is present, so a
// post from an old page or a stray request changes nothing.
type confirmPage struct {
	Heading string
	Lead    string
	Facts   []confirmFact
	Action  string
	// Hidden are extra fields the action needs besides confirm.
	Hidden map[string]string
	Button string
	// Danger draws the button red (an action that takes something away).
	Danger bool
	Back   string
	// BackLabel names the way Back when there is nothing to confirm (no
	// Action): the page then only informs.
	BackLabel string
	// Notice says why the page is shown again (what changed since it was
	// last shown), above the facts to confirm anew.
	Notice string
}

type confirmFact struct{ Term, Value string }

// confirmed says whether a post comes from a confirmation page.
func confirmed(r *http.Request) bool { return r.PostFormValue("confirm") == "yes" }

func (s *site) renderConfirm(w http.ResponseWriter, r *http.Request, nav string, p confirmPage) {
	s.renderConfirmStatus(w, r, http.StatusOK, nav, p)
}

// renderConfirmStatus is renderConfirm answering status: a confirmation
// shown again because what it confirms changed is the refusal's answer.
func (s *site) renderConfirmStatus(w http.ResponseWriter, r *http.Request, status int, nav string, p confirmPage) {
	s.render(w, r, status, "staff_confirm", nav, p)
}

var italianDateTime = regexp.MustCompile(`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})[ T,]+(\d{1,2})[:.](\d{2})$`)

// isoLocalTime accepts a time as a datetime-local input sends it
// (2026-12-31T20:30) or as an Italian reader types it (31/12/2026 20:30,
// 31/12/2026 20.30) and returns it as YYYY-MM-DDTHH:MM.
func isoLocalTime(s string) string {
	if m := italianDateTime.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
		return m[3] + "-" + pad2(m[2]) + "-" + pad2(m[1]) + "T" + pad2(m[4]) + ":" + m[5]
	}
	return strings.TrimSpace(s)
}

// The staff tools' own views, added to the list the pages parse at start.
func init() {
	pageViews = append(pageViews, "staff_confirm", "admin_refunds", "admin_reports", "admin_ledger_account")
}

// refusalOnForm puts a domain refusal next to the field it is about
// (fieldOf, by reason) or at the top of the form, in the words of the
// catalogue's "<words><reason>" (refusalText); false for an error that is
// no refusal of the form's content (forbidden, internal), which gets the
// error page.
func refusalOnForm(l *locale, f *staffForm, err error, fieldOf map[string]string, words string) bool {
	if code := apperr.CodeOf(err); code != apperr.Invalid && code != apperr.Conflict {
		return false
	}
	if apperr.ReasonOf(err) == "idempotency_key_reused" {
		// The form was sent before, other values under its key, and made
		// what it asked (formOnce): it comes back with what was typed and
		// a fresh key, so that sent again it makes another, never the
		// first changed.
		delete(f.Values, "key")
		f.Problem = l.T("staff.form_sent")
		return true
	}
	msg := refusalText(l, err, words)
	if field, ok := fieldOf[apperr.ReasonOf(err)]; ok {
		f.fail(field, msg)
	} else if f.Problem == "" {
		// The first, as next to a field: a form shows several refusals
		// (every mistake of its fields at once).
		f.Problem = msg
	}
	return true
}

// refusalText is a refusal in a page's own words, "<words><reason>", which
// name the values the refusal names where they take them (ReasonWords),
// or the domain's bounds (reasonBounds); the site's words for the reason
// otherwise. Never the domain's own
// message, which is in English whatever the page's language.
func refusalText(l *locale, err error, words string) string {
	if r := apperr.ReasonOf(err); r != "" {
		if msg, ok := l.ReasonWords(words+r, reasonArgs(err)); ok {
			return msg
		}
	}
	return l.ErrorText(err)
}
