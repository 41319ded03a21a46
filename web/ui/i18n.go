package ui

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/http"
	"path"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/acceptlang"
	"cityhub/mail"
	"cityhub/money"
	"cityhub/photo"
)

// The pages speak Italian first and English second. Messages live in JSON
// catalogues per language (a core one and one per area), never in
// templates, so a translator edits catalogue files only and a test proves
// both languages carry the same keys.

//go:embed i18n/*.json
var catalogFS embed.FS

// Languages the pages speak, the default first.
var pageLanguages = []string{"it", "en"}

const defaultLanguage = "it"

// langCookie keeps a person's explicit choice of language.
const langCookie = "cityhub_lang"

// locale formats messages, money and dates in one language. Dates and
// times are in zone, the city's (configured; UTC until New sets it).
type locale struct {
	Lang string
	msgs map[string]string
	zone *time.Location
}

// loadCatalogues reads every embedded catalogue. A catalogue that is missing or
// not a flat object of strings fails the start. Each call answers locales
// of its own (a hub sets their time zone), over messages read once per
// process: the embedded files never change, the message maps are only read
// after loading, and reading them again was 4% of the CPU of a test
// package that starts a hub per test.
func loadCatalogues() (map[string]*locale, error) {
	catalogues.once.Do(func() { catalogues.byLang, catalogues.err = loadCataloguesFrom(catalogFS) })
	if catalogues.err != nil {
		return nil, catalogues.err
	}
	out := make(map[string]*locale, len(catalogues.byLang))
	for lang, l := range catalogues.byLang {
		out[lang] = &locale{Lang: l.Lang, msgs: l.msgs, zone: l.zone}
	}
	return out, nil
}

var catalogues struct {
	once   sync.Once
	byLang map[string]*locale
	err    error
}

// loadCataloguesFrom merges, per language, i18n/<lang>.json with every area
// catalogue i18n/<area>.<lang>.json (e.g. mobility.it.json), so areas edit
// files of their own. A key defined twice, in one file or across files, fails
// the start: one definition silently winning over another would ship the
// wrong text.
func loadCataloguesFrom(fsys fs.FS) (map[string]*locale, error) {
	files, err := fs.Glob(fsys, "i18n/*.json")
	if err != nil {
		return nil, fmt.Errorf("list catalogues: %w", err)
	}
	byLang := map[string][]string{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".json")
		lang := name
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			lang = name[i+1:]
			if name[:i] == "" || strings.Contains(name[:i], ".") {
				return nil, fmt.Errorf("catalogue %s: name it <area>.<lang>.json", f)
			}
		}
		if !supportedLanguage(lang) {
			return nil, fmt.Errorf("catalogue %s: unknown language %q", f, lang)
		}
		byLang[lang] = append(byLang[lang], f)
	}
	out := map[string]*locale{}
	for _, lang := range pageLanguages {
		if !slices.Contains(byLang[lang], "i18n/"+lang+".json") {
			return nil, fmt.Errorf("read %s catalogue: i18n/%s.json is missing", lang, lang)
		}
		msgs := map[string]string{}
		from := map[string]string{}
		for _, f := range byLang[lang] {
			b, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, fmt.Errorf("read %s catalogue: %w", lang, err)
			}
			one, err := parseCatalogue(b)
			if err != nil {
				return nil, fmt.Errorf("parse catalogue %s: %w", f, err)
			}
			for k, v := range one {
				if prev, dup := from[k]; dup {
					return nil, fmt.Errorf("catalogue key %q is in both %s and %s", k, prev, f)
				}
				msgs[k], from[k] = v, f
			}
		}
		out[lang] = &locale{Lang: lang, msgs: msgs, zone: time.UTC}
	}
	return out, nil
}

// parseCatalogue reads a flat JSON object of strings, refusing a key that
// appears twice (encoding/json would keep the last one silently).
func parseCatalogue(b []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	out := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var v string
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("key %q: %w", key, err)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("key %q appears twice", key)
		}
		out[key] = v
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, fmt.Errorf("not a flat JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the object")
	}
	return out, nil
}

// T returns the message for key, with args filled in by fmt verbs. A missing
// key shows as itself in brackets, so it is seen rather than hidden; tests
// keep that from ever shipping.
func (l *locale) T(key string, args ...any) string {
	m, ok := l.msgs[key]
	if !ok {
		return "[" + key + "]"
	}
	if len(args) > 0 {
		return fmt.Sprintf(m, args...)
	}
	return m
}

// ReasonWords is the catalogue's message key for a refusal made with args
// (apperr.ArgsOf): its verbs name them, in the order the domain gave them,
// a whole number as the language writes it ("1.000" in Italian, "1,000" in
// English: writtenArgs), where fmt would write "1000" in both. ok is false
// when the catalogue lacks the key, or when its verbs are not as many as
// args (a refusal whose reason the domain words in several ways, or one
// replayed, which apperr.Said makes without them): the caller's generic
// words then stand, rather than a message with a hole in it.
func (l *locale) ReasonWords(key string, args []any) (msg string, ok bool) {
	m, has := l.msgs[key]
	if !has {
		return "", false
	}
	switch verbs(m) {
	case 0:
		return m, true
	case len(args):
		return fmt.Sprintf(m, writtenArgs(l, args)...), true
	}
	return "", false
}

// writtenArgs is args with each whole number made a writtenInt of l's
// language, so that a catalogue's %d prints it as a reader of the language
// writes it, each amount (money.Cents) a writtenAmount, which %s prints as
// the language writes money ("100.000,00 €", "€100,000.00"), and each
// size (photo.Size) a writtenSize, which %s prints in l's words ("8 MiB
// (8.388.608 byte)"), and each time a day in words (Date, "28 marzo
// 2027"); any other verb, and any other value, print as they
// would have.
func writtenArgs(l *locale, args []any) []any {
	lang := l.Lang
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a
		if n, ok := a.(photo.Size); ok {
			out[i] = writtenSize{n: n, l: l}
			continue
		}
		if c, ok := a.(money.Cents); ok {
			out[i] = writtenAmount{c: c, lang: lang}
			continue
		}
		if t, ok := a.(time.Time); ok {
			// A day a refusal names (a local time the clocks skip): in
			// words, as the pages write dates.
			out[i] = l.Date(t)
			continue
		}
		switch v := reflect.ValueOf(a); {
		case v.CanInt():
			out[i] = writtenInt{v: a, n: v.Int(), lang: lang}
		case v.CanUint() && v.Uint() <= math.MaxInt64:
			out[i] = writtenInt{v: a, n: int64(v.Uint()), lang: lang}
		}
	}
	return out
}

// writtenInt is a whole number in words for a reader of lang: with %d, its
// thousands grouped as the language groups them (money.Units, the
// formatter of whole amounts: "1.000", "1,000"), where fmt writes "1000".
type writtenInt struct {
	v    any
	n    int64
	lang string
}

// Format implements fmt.Formatter.
func (w writtenInt) Format(f fmt.State, verb rune) {
	if verb == 'd' {
		io.WriteString(f, money.Units(w.n, w.lang))
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), w.v)
}

// writtenAmount is an amount in words for a reader of lang: with %s or
// %v, as the pages write money (money.Cents.Format), where fmt writes it
// as the logs do ("100000.00 EUR").
type writtenAmount struct {
	c    money.Cents
	lang string
}

// Format implements fmt.Formatter.
func (w writtenAmount) Format(f fmt.State, verb rune) {
	if verb == 's' || verb == 'v' {
		io.WriteString(f, w.c.Format(w.lang))
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), w.c)
}

// verbs counts the formatting verbs of a catalogue message ("%%" is none).
func verbs(m string) int {
	n := 0
	for i := 0; i < len(m); i++ {
		if m[i] != '%' {
			continue
		}
		if i+1 < len(m) && m[i+1] == '%' {
			i++
			continue
		}
		n++
	}
	return n
}

// Place names a district or a shop category by its code ("centro-storico",
// "books"): the catalogue's "<kind>.<code>" in the page's language, else
// the code made readable, for codes the city added without a name yet.
func (l *locale) Place(kind, code string) string {
	if m, ok := l.msgs[kind+"."+code]; ok {
		return m
	}
	s := strings.ReplaceAll(code, "-", " ")
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// TN is T for a message about n things: "<key>.one" when n is 1 and the
// catalogue has it ("1 buono"), else key ("%d buoni"); n is the first
// argument of either.
func (l *locale) TN(key string, n int, args ...any) string {
	if _, ok := l.msgs[key+".one"]; ok && n == 1 {
		key += ".one"
	}
	return l.T(key, append([]any{n}, args...)...)
}

// Has reports whether the catalogue has key.
func (l *locale) Has(key string) bool { _, ok := l.msgs[key]; return ok }

// keys lists the catalogue's keys, sorted.
func (l *locale) keys() []string {
	out := make([]string, 0, len(l.msgs))
	for k := range l.msgs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Units is a whole number as this language writes it (money.Units:
// "1.000", "1,000"), for the templates' words that name a limit.
func (l *locale) Units(n int) string { return money.Units(int64(n), l.Lang) }

// Money is money.Cents(cents).Format in this language, for the templates,
// which cannot convert an int64 to money.Cents themselves.
func (l *locale) Money(cents int64) string { return money.Cents(cents).Format(l.Lang) }

// Date formats a day in the city's time zone: "25 novembre 2026", and
// the first of a month as the language writes it ("1º gennaio 2026").
func (l *locale) Date(t time.Time) string {
	t = t.In(l.zone)
	month := l.T("month." + strconv.Itoa(int(t.Month())))
	return fmt.Sprintf("%s %s %d", l.day(t), month, t.Year())
}

// day is the day of the month in a written date: Italian writes the
// first as an ordinal, "1º" (catalogue key "day.1"), the others as
// numbers.
func (l *locale) day(t time.Time) string {
	if t.Day() == 1 {
		return l.T("day.1")
	}
	return strconv.Itoa(t.Day())
}

// Coords writes a position for people to read: "41,13; 14,78" in
// Italian, which writes a decimal comma in prose (and so parts the two
// numbers with a semicolon, catalogue key "coords"), "41.13, 14.78" in
// English. Values for machines (data attributes, links to maps, feeds)
// keep the point.
func (l *locale) Coords(lat, lon float64) string {
	return l.T("coords", formatCoord(l, lat), formatCoord(l, lon))
}

// DayMonth is a day in a chart's axis, short and read the same way in
// both languages: "6 dic", "6 Dec" (a number first, then the month's
// first three letters, the usual abbreviation in both), where "06/12"
// reads as June in English.
func (l *locale) DayMonth(t time.Time) string {
	t = t.In(l.zone)
	month := []rune(l.T("month." + strconv.Itoa(int(t.Month()))))
	return fmt.Sprintf("%d %s", t.Day(), string(month[:min(3, len(month))]))
}

// DateTime formats an instant in the city's time zone: "25 novembre 2026,
// 22:08" (24-hour clock in both languages, as the city's notices use).
func (l *locale) DateTime(t time.Time) string {
	return l.Date(t) + ", " + l.Clock(t)
}

// Until is the end of a validity (a voucher's, a campaign's) as people
// were told it: the last valid day, "31 gennaio 2027", when it ends at a
// midnight (mail.LastValidDay), else the instant with its time.
func (l *locale) Until(t time.Time) string {
	if day, ok := mail.LastValidDay(t, l.zone); ok {
		return l.Date(day)
	}
	return l.DateTime(t)
}

// UntilISO is Until's machine-readable value for <time datetime>: the
// last valid day as a date, or the instant.
func (l *locale) UntilISO(t time.Time) string {
	if day, ok := mail.LastValidDay(t, l.zone); ok {
		return day.Format(time.DateOnly)
	}
	return l.ISO(t)
}

// Clock is the time of day of t in the city's time zone: "22:08".
func (l *locale) Clock(t time.Time) string { return t.In(l.zone).Format("15:04") }

// ClockSeconds is Clock to the second, "22:08:41": where two moments of
// one minute must be told apart (a double entry and the first one).
func (l *locale) ClockSeconds(t time.Time) string { return t.In(l.zone).Format("15:04:05") }

// DateTimeSeconds is DateTime to the second.
func (l *locale) DateTimeSeconds(t time.Time) string {
	return l.Date(t) + ", " + l.ClockSeconds(t)
}

// In is t in the city's time zone.
func (l *locale) In(t time.Time) time.Time { return t.In(l.zone) }

// ISO is the machine-readable instant for <time datetime>.
func (l *locale) ISO(t time.Time) string { return t.In(l.zone).Format(time.RFC3339) }

// ErrorText is the message a page shows for err in this language: the
// catalogue's text for its reason, with the refusal's values where its
// words name them (ReasonWords), or the domain's bounds the words name
// (reasonBounds), else the text for its code: a refusal replayed without
// its values never shows a "%d".
func (l *locale) ErrorText(err error) string {
	var g givenTwice
	if errors.As(err, &g) {
		return l.T(g.words)
	}
	if r := apperr.ReasonOf(err); r != "" {
		if msg, ok := l.ReasonWords("error.reason."+r, reasonArgs(err)); ok {
			return msg
		}
		// A station's refusal with a code of its own (the protocol allows
		// any): the words for a station's refusal, which say that nothing
		// was charged, rather than those for a fault of the hub.
		if kind, _, ok := strings.Cut(r, ":"); ok && kind == "station_refused" && l.Has("error.reason."+kind) {
			return l.T("error.reason." + kind)
		}
	}
	key := "error.code." + string(apperr.CodeOf(err))
	if l.Has(key) {
		return l.T(key)
	}
	return l.T("error.code.internal")
}

// pickLanguage chooses the page language: the cookie set by the language
// switch, else the signed-in account's own language, else the browser's
// Accept-Language, else Italian.
func pickLanguage(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && supportedLanguage(c.Value) {
		return c.Value
	}
	if c, ok := identity.CallerFrom(r.Context()); ok {
		if lang, _, _ := strings.Cut(strings.ToLower(c.Locale), "-"); supportedLanguage(lang) {
			return lang
		}
	}
	return fromAcceptLanguage(r.Header.Get("Accept-Language"))
}

func supportedLanguage(lang string) bool {
	for _, l := range pageLanguages {
		if l == lang {
			return true
		}
	}
	return false
}

// fromAcceptLanguage picks the page language the header weighs most
// (acceptlang.Pick), or the default.
func fromAcceptLanguage(header string) string {
	return acceptlang.Pick(header, pageLanguages, defaultLanguage)
}
