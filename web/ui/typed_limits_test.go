package ui

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/money"
	"cityhub/participation"
)

// The words for a refused text (a comment, a proposal's title and text, an
// answer, a report's description and address, a staff note, a name) name
// the limits the check enforces, taken from its refusal, and write them as
// the page's language writes numbers: "2.000" in Italian, "2,000" in
// English, where they wrote "2000" in both, each number typed into the
// words. A text refused for its characters gets the same words, limits
// included, as one refused for its length.
func TestTypedTextRefusalsNameTheChecksLimits(t *testing.T) {
	env := newPartEnv(t)
	ctx := context.Background()
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	author, _ := env.account(t, "Carla Comments", citizenGrant)
	admin, _ := env.account(t, "Ada Admin", adminGrant)
	staff, _ := env.account(t, "Rita Roads", roadsGrant)
	pr, err := env.Svc.CreateProposal(ctx, author.Caller(), participation.NewProposal{Title: "More benches", Body: "Benches along the river walk, please."})
	if err != nil {
		t.Fatal(err)
	}
	report := env.report(t, author, "pothole", "A deep hole in the road.")
	first := func(errs []error) error {
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		return nil
	}
	proposal := func(title, body string) error {
		return first(env.Svc.ProposalProblems(participation.NewProposal{Title: title, Body: body}))
	}
	reported := func(address, description string) error {
		return first(env.Svc.ReportProblems(participation.NewReport{Category: "pothole", Address: address, Description: description}))
	}
	comment := func(body string) error {
		_, err := env.Svc.AddComment(ctx, author.Caller(), pr.ID, body)
		return err
	}
	answer := func(text string) error {
		_, err := env.Svc.Answer(ctx, admin.Caller(), pr.ID, text)
		return err
	}
	note := func(text string) error {
		_, err := env.Svc.ChangeStatus(ctx, staff.Caller(), report.ID, participation.StatusAcknowledged, text)
		return err
	}
	name := func(n string) error {
		_, err := env.IDs.CreateAccount(ctx, identity.Caller{AccountID: "acc_test_admin", Grants: []identity.Grant{adminGrant}},
			identity.NewAccount{Email: "named@example.org", Password: partPassword, Name: n, Locale: "it", Grants: []identity.Grant{citizenGrant}})
		return err
	}
	const hidden = "testo\u202e nascosto" // a bidirectional control, which no text may hold
	long := func(n int) string { return strings.Repeat("a", n+1) }
	u := func(lang string, n int) string { return money.Units(int64(n), lang) }
	for _, c := range []struct {
		what string
		errs []error
		// words in each language, with %s for the limits as it writes them
		it, en string
		limits []int
	}{
		{"a comment", []error{comment(long(participation.MaxCommentLen)), comment(hidden)},
			"Il commento deve avere da %s a %s caratteri, senza caratteri di controllo o invisibili.",
			"The comment must be %s to %s characters, without control or invisible characters.", []int{1, participation.MaxCommentLen}},
		{"an answer", []error{answer(long(participation.MaxAnswerLen)), answer(hidden)},
			"Scrivi la risposta: da %s a %s caratteri, senza caratteri di controllo o invisibili.",
			"Write the answer: %s to %s characters, without control or invisible characters.", []int{1, participation.MaxAnswerLen}},
		{"a proposal's title", []error{proposal(long(participation.MaxTitleLen), "Benches along the river walk, please."), proposal("Two\nlines", "Benches along the river walk, please.")},
			"Il titolo deve avere da %s a %s caratteri, su una riga, senza caratteri di controllo o invisibili.",
			"The title must be %s to %s characters, on one line, without control or invisible characters.", []int{participation.MinTitleLen, participation.MaxTitleLen}},
		{"a proposal's text", []error{proposal("More benches", long(participation.MaxBodyLen)), proposal("More benches", "Benches along the "+hidden)},
			"Il testo deve avere da %s a %s caratteri, senza caratteri di controllo o invisibili.",
			"The text must be %s to %s characters, without control or invisible characters.", []int{participation.MinBodyLen, participation.MaxBodyLen}},
		{"a report's description", []error{reported("Via Roma 1", long(participation.MaxDescriptionLen)), reported("Via Roma 1", hidden)},
			"Descrivi il problema in almeno %s caratteri (al massimo %s), senza caratteri di controllo o invisibili (come quelli che a volte porta con sé un testo copiato).",
			"Describe the problem in at least %s characters (at most %s), without control or invisible characters (as pasted text sometimes carries).",
			[]int{participation.MinDescriptionLen, participation.MaxDescriptionLen}},
		{"a report's address", []error{reported(long(participation.MaxAddressLen), "A deep hole in the road."), reported("Via\nRoma", "A deep hole in the road.")},
			"L'indirizzo è una riga di al massimo %s caratteri, senza caratteri di controllo o invisibili.",
			"The address is one line of at most %s characters, without control or invisible characters.", []int{participation.MaxAddressLen}},
		{"a staff note", []error{note(long(participation.MaxNoteLen)), note(hidden)},
			"La nota ha al massimo %s caratteri, senza caratteri di controllo o invisibili.",
			"The note has at most %s characters, without control or invisible characters.", []int{participation.MaxNoteLen}},
		{"a name", []error{name(long(identity.MaxNameLen)), name("Ada\nLovelace")},
			"Scrivi il tuo nome: una riga di testo, al massimo %s caratteri.",
			"Enter your name: one line of text, %s characters at most.", []int{identity.MaxNameLen}},
	} {
		for i, err := range c.errs {
			if !apperr.Has(err, apperr.Invalid) {
				t.Fatalf("%s (refusal %d): %v, not refused", c.what, i, err)
			}
			for lang, words := range map[string]string{"it": c.it, "en": c.en} {
				args := make([]any, len(c.limits))
				for j, n := range c.limits {
					args[j] = u(lang, n)
				}
				if got, want := locs[lang].ErrorText(err), fmt.Sprintf(words, args...); got != want {
					t.Errorf("%s (refusal %d, %s): %q, want %q", c.what, i, lang, got, want)
				}
			}
		}
	}
}

// The forms bound each text they send (maxlength) where the service's
// check does, so that a browser stops the typing where the check would
// refuse it, however the bound changes; the templates wrote their own
// numbers.
func TestFormsBoundTheirTextsAsTheChecks(t *testing.T) {
	env := newPartEnv(t)
	ctx := context.Background()
	author, cit := env.account(t, "Carla Comments", citizenGrant)
	_, admin := env.account(t, "Ada Admin", adminGrant)
	staff, roads := env.account(t, "Rita Roads", roadsGrant)
	pr, err := env.Svc.CreateProposal(ctx, author.Caller(), participation.NewProposal{Title: "More benches", Body: "Benches along the river walk, please."})
	if err != nil {
		t.Fatal(err)
	}
	open := env.report(t, author, "pothole", "A deep hole in the road.")
	fixed := env.report(t, author, "pothole", "Another hole in the road.")
	if _, err := env.Svc.ChangeStatus(ctx, staff.Caller(), fixed.ID, participation.StatusFixed, "Filled."); err != nil {
		t.Fatal(err)
	}
	bound := func(body, name string) string {
		m := regexp.MustCompile(`<(?:input|textarea)[^>]* name="` + name + `"[^>]*>`).FindString(body)
		if v := regexp.MustCompile(`maxlength="([^"]*)"`).FindStringSubmatch(m); v != nil {
			return v[1]
		}
		return "none"
	}
	for _, c := range []struct {
		who   string
		path  string
		field string
		limit int
	}{
		{"citizen", "/proposals/new", "title", participation.MaxTitleLen},
		{"citizen", "/proposals/new", "body", participation.MaxBodyLen},
		{"citizen", "/proposals/" + pr.ID, "comment", participation.MaxCommentLen},
		{"admin", "/proposals/" + pr.ID, "answer", participation.MaxAnswerLen},
		{"citizen", "/reports/new", "address", participation.MaxAddressLen},
		{"citizen", "/reports/new", "description", participation.MaxDescriptionLen},
		{"citizen", "/reports/" + fixed.ID, "reason", participation.MaxNoteLen},
		{"staff", "/staff/reports/" + open.ID, "note", participation.MaxNoteLen},
		{"staff", "/staff/reports/" + open.ID, "merge_note", participation.MaxNoteLen},
	} {
		pc := map[string]interface {
			Get(string) (*http.Response, string)
		}{"citizen": cit, "admin": admin, "staff": roads}[c.who]
		res, body := pc.Get(c.path)
		wantStatus(t, c.path, res, body, http.StatusOK)
		if got := bound(body, c.field); got != strconv.Itoa(c.limit) {
			t.Errorf("%s, %s: maxlength %s, want %d", c.path, c.field, got, c.limit)
		}
	}
}

// The words for a bike fault's description and a dock's note refused name
// the bounds the mobility checks give in their refusals, as the page's
// language writes numbers, whichever page refused it: the fault form's own
// check gives the domain's bounds too.
func TestBikeRefusalsNameTheChecksLimits(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	svc := mobility.NewService(nil, nil, nil)
	rider := identity.Caller{AccountID: "acc_rider", Grants: []identity.Grant{citizenGrant}}
	_, _, short := svc.ReportFault(ctx, rider, mobility.FaultReport{StationID: "st-1", Target: mobility.TargetBike, BikeID: "bike-1", Description: "no"})
	_, note := svc.SetDockService(ctx, identity.System(), "st-1", 1, false, strings.Repeat("n", mobility.MaxDockNote+1))
	u := func(lang string, n int) string { return money.Units(int64(n), lang) }
	for _, c := range []struct {
		what   string
		err    error
		it, en string
	}{
		{"a fault's description", short, fmt.Sprintf("Descrivi il guasto in %s–%s caratteri.", u("it", mobility.MinReportText), u("it", mobility.MaxReportText)),
			fmt.Sprintf("Describe the fault in %s to %s characters.", u("en", mobility.MinReportText), u("en", mobility.MaxReportText))},
		{"a dock's note", note, fmt.Sprintf("La nota è una sola riga di al massimo %s caratteri, senza caratteri di controllo.", u("it", mobility.MaxDockNote)),
			fmt.Sprintf("The note is one line of at most %s characters, without control characters.", u("en", mobility.MaxDockNote))},
	} {
		if !apperr.Has(c.err, apperr.Invalid) {
			t.Fatalf("%s: %v, not refused", c.what, c.err)
		}
		for lang, want := range map[string]string{"it": c.it, "en": c.en} {
			if got := locs[lang].ErrorText(c.err); got != want {
				t.Errorf("%s (%s): %q, want %q", c.what, lang, got, want)
			}
		}
	}
}

// The account pages' words name the identity checks' bounds from their
// refusals, and the password's hint the check's own minimum, as the
// language writes numbers: a new password too short, a search too long,
// a page too large; they typed their own numbers.
func TestAccountWordsNameTheChecksBounds(t *testing.T) {
	env := newPartEnv(t)
	ctx := context.Background()
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	adminCaller := identity.Caller{AccountID: "acc_test_admin", Grants: []identity.Grant{adminGrant}}
	_, weak := env.IDs.CreateAccount(ctx, adminCaller, identity.NewAccount{Email: "weak@example.org", Password: strings.Repeat("p", identity.MinPasswordLen-1),
		Name: "Wanda Weak", Locale: "it", Grants: []identity.Grant{citizenGrant}})
	_, search := env.IDs.SearchAccounts(ctx, adminCaller, identity.AccountQuery{Text: strings.Repeat("s", identity.MaxAccountSearchLen+1)})
	_, page := env.IDs.SearchAccounts(ctx, adminCaller, identity.AccountQuery{Limit: identity.MaxAccountPage + 1})
	for _, lang := range []string{"it", "en"} {
		l := locs[lang]
		n := func(v int) string { return money.Units(int64(v), lang) }
		for _, c := range []struct {
			what, got, want string
		}{
			{"a password too short", l.ErrorText(weak), map[string]string{"it": "La password deve avere almeno %s caratteri.", "en": "The password must be at least %s characters."}[lang]},
			{"a password too short, on the accounts page", refusalText(l, weak, "accadmin.reason."), map[string]string{"it": "La password deve avere almeno %s caratteri.", "en": "The password must be at least %s characters."}[lang]},
			{"a search too long", refusalText(l, search, "accadmin.reason."), map[string]string{"it": "Il testo da cercare è troppo lungo (al massimo %s caratteri).", "en": "The search text is too long (%s characters at most)."}[lang]},
			{"a page too large", refusalText(l, page, "accadmin.reason."), map[string]string{"it": "Il numero di account per pagina va da 1 a %s.", "en": "The number of accounts per page is 1 to %s."}[lang]},
			{"the new password's hint", input(l, "new_password", "password", "new-password", "").Hint, map[string]string{"it": "Almeno %s caratteri, e non facile da indovinare.", "en": "At least %s characters, and not easy to guess."}[lang]},
		} {
			bound := map[string]int{"a search too long": identity.MaxAccountSearchLen, "a page too large": identity.MaxAccountPage}[c.what]
			if bound == 0 {
				bound = identity.MinPasswordLen
			}
			if want := fmt.Sprintf(c.want, n(bound)); c.got != want {
				t.Errorf("%s (%s): %q, want %q", c.what, lang, c.got, want)
			}
		}
	}
}
