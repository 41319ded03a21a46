package ui

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
)

func TestCataloguesHaveTheSameKeys(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	it, en := locs["it"], locs["en"]
	for _, k := range it.keys() {
		if !en.Has(k) {
			t.Errorf("key %q is in it.json but not in en.json", k)
		}
		if strings.TrimSpace(it.T(k)) == "" {
			t.Errorf("it.json: %q is empty", k)
		}
	}
	for _, k := range en.keys() {
		if !it.Has(k) {
			t.Errorf("key %q is in en.json but not in it.json", k)
		}
	}
	if len(it.keys()) < 100 {
		t.Errorf("it.json has only %d keys", len(it.keys()))
	}
}

// Every literal key a template or a handler names must exist; keys built at
// run time (error codes, months) are listed here explicitly.
func TestEveryKeyUsedExists(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	literal := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	var used []string
	err = fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			used = append(used, m[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(used) < 80 {
		t.Fatalf("found only %d keys in templates; is the pattern stale?", len(used))
	}
	used = append(used, "login.missing", "login.wrong", "login.rate_limited", "privacy.delete.mismatch")
	used = append(used, keysNamedInGo(t)...)
	for _, c := range []apperr.Code{apperr.Invalid, apperr.NotFound, apperr.Conflict, apperr.Unauthenticated, apperr.Forbidden,
		apperr.RateLimited, apperr.Unavailable, apperr.InsufficientFunds, apperr.Internal} {
		used = append(used, "error.code."+string(c))
	}
	for _, st := range []int{400, 403, 404, 405, 429, 500} {
		used = append(used, "error.heading."+headingOf(st))
	}
	for m := 1; m <= 12; m++ {
		used = append(used, "month."+strconv.Itoa(m))
	}
	for _, kind := range []string{"voucher", "ticket", "ride"} {
		used = append(used, "item.kind."+kind)
	}
	// An expired form's texts are named by their fields (csrfTyped).
	for _, field := range typedFields {
		used = append(used, "error.csrf.field."+field)
	}
	// The ledger check's discrepancies name what a balance was reconciled
	// against by a code: every code docs/wallet.md lists has words on the
	// reports page.
	for _, code := range reconciliationBases(t) {
		used = append(used, "staff.ledger.basis."+code)
	}
	for _, lang := range pageLanguages {
		for _, k := range used {
			if !locs[lang].Has(k) {
				t.Errorf("%s.json lacks %q", lang, k)
			}
		}
	}
}

func TestMoneyAndDates(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	it, en := locs["it"], locs["en"]
	money := []struct {
		cents  int64
		it, en string
	}{
		{123450, "1.234,50\u00a0€", "€1,234.50"},
		{5, "0,05\u00a0€", "€0.05"},
		{-2000, "−20,00\u00a0€", "−€20.00"},
		{100000000, "1.000.000,00\u00a0€", "€1,000,000.00"},
		{99999, "999,99\u00a0€", "€999.99"},
	}
	for _, m := range money {
		if got := it.Money(m.cents); got != m.it {
			t.Errorf("it.Money(%d) = %q, want %q", m.cents, got, m.it)
		}
		if got := en.Money(m.cents); got != m.en {
			t.Errorf("en.Money(%d) = %q, want %q", m.cents, got, m.en)
		}
	}
	// Dates are in the city's zone, which New sets from the configuration.
	locs = New(Deps{TimeZone: mustZone(t, "Europe/Rome")}).site.pages.locales
	it, en = locs["it"], locs["en"]
	// 23:30 UTC on 1 March is already 2 March in Rome (UTC+1), and in
	// summer Rome is UTC+2.
	winter := time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)
	if got, want := it.DateTime(winter), "2 marzo 2026, 00:30"; got != want {
		t.Errorf("it.DateTime = %q, want %q", got, want)
	}
	summer := time.Date(2026, 7, 14, 16, 5, 0, 0, time.UTC)
	if got, want := en.DateTime(summer), "14 July 2026, 18:05"; got != want {
		t.Errorf("en.DateTime = %q, want %q", got, want)
	}
	// Italian writes the first of a month as an ordinal, "1º", and only
	// the first; English writes a number.
	first := time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		l    *locale
		at   time.Time
		want string
	}{{it, first, "1º gennaio 2027, 13:00"}, {en, first, "1 January 2027, 13:00"},
		{it, first.AddDate(0, 0, 1), "2 gennaio 2027, 13:00"}, {it, first.AddDate(0, 0, 10), "11 gennaio 2027, 13:00"},
		{it, first.AddDate(0, 0, 30), "31 gennaio 2027, 13:00"}} {
		if got := tc.l.DateTime(tc.at); got != tc.want {
			t.Errorf("%s.DateTime(%v) = %q, want %q", tc.l.Lang, tc.at, got, tc.want)
		}
	}
	if got, want := it.Date(first), "1º gennaio 2027"; got != want {
		t.Errorf("it.Date = %q, want %q", got, want)
	}
	// A chart's day: the number, then the month's usual abbreviation, so
	// that no reader takes the 2nd of March for the 3rd of February.
	for _, tc := range []struct {
		l    *locale
		at   time.Time
		want string
	}{{it, winter, "2 mar"}, {en, winter, "2 Mar"}, {it, summer, "14 lug"}, {en, summer, "14 Jul"}} {
		if got := tc.l.DayMonth(tc.at); got != tc.want {
			t.Errorf("%s.DayMonth(%v) = %q, want %q", tc.l.Lang, tc.at, got, tc.want)
		}
	}
	// Another city's zone, another day: 23:30 UTC is 08:30 next morning
	// in Tokyo; without a zone, UTC.
	tokyo := New(Deps{TimeZone: mustZone(t, "Asia/Tokyo")}).site.pages.locales["it"]
	if got, want := tokyo.DateTime(winter), "2 marzo 2026, 08:30"; got != want {
		t.Errorf("DateTime in Tokyo = %q, want %q", got, want)
	}
	if got, want := tokyo.ISO(winter), "2026-03-02T08:30:00+09:00"; got != want {
		t.Errorf("ISO in Tokyo = %q, want %q", got, want)
	}
	utc := New(Deps{}).site.pages.locales["it"]
	if got, want := utc.DateTime(winter), "1º marzo 2026, 23:30"; got != want {
		t.Errorf("DateTime without a zone = %q, want %q", got, want)
	}
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestLanguageChoice(t *testing.T) {
	cases := []struct {
		name, cookie, accept, want string
	}{
		{"default is Italian", "", "", "it"},
		{"browser English", "", "en-GB,en;q=0.9", "en"},
		{"browser prefers Italian by q", "", "en;q=0.5, it;q=0.8", "it"},
		{"unsupported browser language", "", "de-DE,fr;q=0.9", "it"},
		{"German first, English second", "", "de,en;q=0.7", "en"},
		{"cookie wins over browser", "it", "en", "it"},
		{"bad cookie ignored", "xx", "en", "en"},
		{"malformed q ignored", "", "en;q=abc", "it"},
	}
	t.Run("account language between cookie and browser", func(t *testing.T) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Language", "it")
		r = r.WithContext(identity.WithCaller(r.Context(), identity.Caller{AccountID: "acc_x", Locale: "en-GB"}))
		if got := pickLanguage(r); got != "en" {
			t.Errorf("with an English account: %q", got)
		}
		r.AddCookie(&http.Cookie{Name: langCookie, Value: "it"})
		if got := pickLanguage(r); got != "it" {
			t.Errorf("the switch's cookie must win: %q", got)
		}
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if c.cookie != "" {
				r.AddCookie(&http.Cookie{Name: langCookie, Value: c.cookie})
			}
			if c.accept != "" {
				r.Header.Set("Accept-Language", c.accept)
			}
			if got := pickLanguage(r); got != c.want {
				t.Errorf("pickLanguage = %q, want %q", got, c.want)
			}
		})
	}
}

func TestEveryViewParses(t *testing.T) {
	p, err := loadPages()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range pageViews {
		if p.views[name] == nil {
			t.Errorf("view %s not loaded", name)
		}
	}
}

// The catalogues are read once per process, but each hub sets its own time
// zone on its locales: two hubs in one process (the tests, two cities) must
// not see each other's.
func TestEachLoadHasLocalesOfItsOwn(t *testing.T) {
	a, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	b, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	a["it"].zone = tokyo
	noon := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	if got, want := b["it"].Clock(noon), "12:00"; got != want {
		t.Errorf("a second load's clock shows %s, want %s (the first load's zone leaked into it)", got, want)
	}
	if got, want := a["it"].Clock(noon), "21:00"; got != want {
		t.Errorf("the first load's clock shows %s, want %s", got, want)
	}
	if a["it"].T("nav.home") != b["it"].T("nav.home") {
		t.Error("two loads answer different messages")
	}
}

// reconciliationBases reads the basis codes of the ledger check's
// reconciliations from docs/wallet.md's table of them.
func reconciliationBases(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../docs/wallet.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "| account | must equal | `basis` |")
	if !ok {
		t.Fatal("docs/wallet.md has no table of the reconciliations' bases")
	}
	table, _, _ = strings.Cut(table, "\n\n")
	row := regexp.MustCompile("(?m)^\\|.*\\| `([a-z_]+)` \\|$")
	var codes []string
	for _, m := range row.FindAllStringSubmatch(table, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) < 9 {
		t.Fatalf("found only %d bases in docs/wallet.md: %v", len(codes), codes)
	}
	return codes
}

// keysNamedInGo lists the literal keys the handlers (this package's Go
// files, tests aside) ask a locale for with T or TN, such as the door
// list's offline messages, which no template names.
func keysNamedInGo(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	call := regexp.MustCompile(`\.TN?\("([a-z0-9_.]+)"[,)]`)
	var keys []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
	}
	if len(keys) < 100 {
		t.Fatalf("found only %d keys in Go files; is the pattern stale?", len(keys))
	}
	return keys
}

// A refusal's words name its values only when they take as many as the
// domain gave; otherwise the caller's generic words stand. Every message
// has as many verbs in Italian as in English.
func TestReasonWordsTakeTheRefusalsValues(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	it := locs["it"]
	if got, ok := it.ReasonWords("theatre.reason.duplicate_seat", []any{"Platea/A/5"}); !ok || got != "Il posto Platea/A/5 compare due volte nella mappa." {
		t.Fatalf("one value: %q, %v", got, ok)
	}
	if got, ok := it.ReasonWords("theatre.reason.invalid_seat_map", []any{"Platea"}); !ok || strings.Contains(got, "%") {
		t.Fatalf("words without a verb: %q, %v", got, ok)
	}
	for _, args := range [][]any{nil, {"Platea", "A"}} {
		if got, ok := it.ReasonWords("theatre.reason.duplicate_seat", args); ok {
			t.Fatalf("%d values for one verb: %q", len(args), got)
		}
	}
	if _, ok := it.ReasonWords("theatre.reason.no_such_reason", nil); ok {
		t.Fatal("a reason the catalogue lacks has words")
	}
	if n := verbs("100%% of %s, %d left"); n != 2 {
		t.Fatalf("verbs: %d", n)
	}
	for _, k := range it.keys() {
		if a, b := verbs(it.msgs[k]), verbs(locs["en"].msgs[k]); a != b {
			t.Errorf("%s: %d verbs in Italian, %d in English", k, a, b)
		}
	}
}
