package web

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/web/feeds"
	"cityhub/web/httpx"
)

// hostileTexts go into path segments, query values and JSON strings; each
// is written as it travels in a URL (percent-encoded) and as the string it
// decodes to.
var hostileTexts = []struct{ name, raw string }{
	{"NUL", "\x00"},
	{"NUL inside", "bn-001\x00' OR 1=1"},
	{"invalid UTF-8", "\xff\xfe"},
	{"truncated UTF-8", "caf\xc3"},
	{"very long", strings.Repeat("x", 20000)},
	{"very long multibyte", strings.Repeat("è", 5000)},
}

// Issue 8, item 4: a NUL in a path (GET /api/v1/mobility/stations/%00) and in
// 16 more routes answered 500 on PostgreSQL, a login e-mail with \u0000 too.
// This walks every operation of the OpenAPI document with hostile values in
// its path parameters, its query, the headers the hub reads and every string
// of its request body, as an anonymous and as an authorized caller, on both
// engines: no answer may be a 5xx, and invalid text must be a 400 problem.
// The open feeds the document describes are walked the same way.
func TestHostileInputNeverFailsTheServer(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	ops := doc.operations()
	patterns := make([]string, 0, len(ops))
	for p := range ops {
		// The documented feeds too (health, signing keys, GBFS): machines
		// read them, so they refuse with problems as the API does.
		if _, path, _ := strings.Cut(p, " "); strings.HasPrefix(path, "/api/v1/") || feeds.Serves(path) {
			patterns = append(patterns, p)
		}
	}
	sort.Strings(patterns)
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			_, env := fullServer(t, engine)
			callers := map[identity.Role]string{"": ""}
			for _, role := range []identity.Role{identity.RoleCitizen, identity.RoleMerchant, identity.RoleDoor, identity.RoleOperator, identity.RoleAdmin} {
				callers[role] = env.login(t, role)
			}
			var requests, refusedText int
			for _, pattern := range patterns {
				op := ops[pattern]
				method, path, _ := strings.Cut(pattern, " ")
				roles := []identity.Role{""}
				if rs, ok := op["x-cityhub-roles"].([]any); ok && len(rs) > 0 {
					roles = append(roles, identity.Role(rs[0].(string)))
				} else if _, public := op["security"]; !public || len(op["security"].([]any)) > 0 {
					roles = append(roles, identity.RoleCitizen)
				}
				for _, c := range hostileRequests(doc, op, method, path) {
					for _, role := range roles {
						req := httptest.NewRequest(method, c.target, strings.NewReader(c.body))
						req.RemoteAddr = "192.0.2.66:1234"
						if c.body != "" {
							req.Header.Set("Content-Type", "application/json")
						}
						if callers[role] != "" {
							req.Header.Set("Authorization", callers[role])
						}
						for k, v := range c.header {
							req.Header.Set(k, v)
						}
						rec := httptest.NewRecorder()
						env.Server.ServeHTTP(rec, req)
						requests++
						where := fmt.Sprintf("%s as %q with %s", pattern, role, c.name)
						if rec.Code >= 500 {
							t.Errorf("%s: %d %.300s", where, rec.Code, rec.Body.String())
							continue
						}
						// Invalid text in the path, query or headers is refused
						// before anything else; in a body, whoever reads it
						// refuses it (a caller without the role never gets
						// that far).
						if c.invalidText && (c.body == "" || !strings.HasPrefix(c.name, "body")) && rec.Code != http.StatusBadRequest ||
							c.invalidText && rec.Code < 400 {
							t.Errorf("%s: %d, want 400: %.300s", where, rec.Code, rec.Body.String())
							continue
						}
						if c.invalidText && rec.Code == http.StatusBadRequest {
							refusedText++
							if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
								t.Errorf("%s: 400 as %q, want a problem", where, ct)
							}
						}
					}
				}
			}
			if refusedText == 0 {
				t.Fatal("no request was refused for invalid text")
			}
			t.Logf("%d operations, %d hostile requests, %d refused for invalid text", len(patterns), requests, refusedText)
			walkHostileRoutes(t, env, ops)
		})
	}
}

// roleIdents name the roles in the routes files' wrappers (page(h, admin)).
var roleIdents = map[string]identity.Role{"admin": identity.RoleAdmin, "citizen": identity.RoleCitizen, "merchant": identity.RoleMerchant,
	"door": identity.RoleDoor, "operator": identity.RoleOperator, "staff": identity.RoleCityStaff}

// routeEntry is a route written out in a routes.go, with the first role
// its wrapper names ("" for none) and whether it is for signed-in people
// only (page or signedIn around its handler).
type routeEntry struct {
	pattern  string
	role     identity.Role
	signedIn bool
}

// routesOutsideTheDocument lists the routes of the pages, the Open311
// endpoint and the feeds (read from their routes.go files, where every
// route is written out) that the OpenAPI walk does not reach.
func routesOutsideTheDocument(t *testing.T, ops map[string]map[string]any) []routeEntry {
	t.Helper()
	fset := token.NewFileSet()
	var out []routeEntry
	for _, name := range []string{"ui/routes.go", "georeport/routes.go", "feeds/routes.go"} {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") || len(call.Args) != 2 {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			pattern, err := strconv.Unquote(lit.Value)
			if err != nil || ops[pattern] != nil {
				return true
			}
			e := routeEntry{pattern: pattern}
			ast.Inspect(call.Args[1], func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.Ident:
					if e.role == "" {
						e.role = roleIdents[x.Name]
					}
					e.signedIn = e.signedIn || x.Name == "page"
				case *ast.SelectorExpr:
					e.signedIn = e.signedIn || x.Sel.Name == "signedIn"
				}
				return true
			})
			out = append(out, e)
			return true
		})
	}
	if len(out) < 80 {
		t.Fatalf("found %d routes outside the document; the scan lost some", len(out))
	}
	return out
}

// formNames are the query and form fields the pages and Open311 read,
// found in their sources; each hostile request sets them all.
func formNames(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("ui/*.go")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("../open311/*.go")
	feeds, _ := filepath.Glob("feeds/*.go")
	read := regexp.MustCompile(`(?:\.Get|FormValue)\("([a-z_]+)"\)`)
	seen := map[string]bool{}
	for _, name := range append(append(files, more...), feeds...) {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range read.FindAllStringSubmatch(string(b), -1) {
			seen[m[1]] = true
		}
	}
	names := slices.Sorted(maps.Keys(seen))
	if len(names) < 40 {
		t.Fatalf("found %d field names; the scan lost some", len(names))
	}
	return names
}

// pageRefusalOnly are hostile texts the route walk leaves out: every page
// refuses invalid text in one middleware, with a whole error page (the
// dearest answer under the race detector), so one NUL and one invalid
// UTF-8 text per route walk it; the API walk sends all four.
var pageRefusalOnly = map[string]bool{"NUL": true, "truncated UTF-8": true}

// longField is how long, percent-encoded, a hostile text in one of many
// fields may be.
const longField = 3000

// walkHostileRoutes sends the hostile texts to every GET route of the pages,
// the Open311 endpoint and the feeds (in each path parameter, and in every
// field the pages read, all at once in the query) and to Open311's POSTs
// (every field of the form), anonymously and as the role the route names,
// signed in by session cookie as a browser is. No answer may be a 5xx, and
// invalid text in a path or query must be refused with 400.
func walkHostileRoutes(t *testing.T, env *testEnv, ops map[string]map[string]any) {
	t.Helper()
	start := time.Now()
	routes := routesOutsideTheDocument(t, ops)
	// Every field at once, encoded once per text. A long text is cut to
	// longField characters as it travels (3,000 bytes of ASCII, past what
	// a PostgreSQL index entry holds; 500 two-byte letters): 80-odd
	// fields then make a query of a quarter megabyte, and the time goes to
	// the handlers rather than to copying megabytes of URL.
	names := formNames(t)
	fields := map[string]string{}
	for _, h := range hostileTexts {
		vs, value := url.Values{}, h.raw
		size := 0
		for i, r := range value {
			if size += len(url.QueryEscape(string(r))); size > longField {
				value = value[:i]
				break
			}
		}
		for _, n := range names {
			vs.Set(n, value)
		}
		fields[h.name] = vs.Encode()
	}
	sessions := map[identity.Role]string{}
	session := func(role identity.Role) string {
		if role == "" {
			return ""
		}
		if s, ok := sessions[role]; ok {
			return s
		}
		acct, _ := env.account(t, role)
		tok, _, err := env.Identity.StartSession(t.Context(), acct.Email, testPassword, "")
		if err != nil {
			t.Fatal(err)
		}
		sessions[role] = tok
		return tok
	}
	var requests, refusedText int
	for _, rt := range routes {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok {
			method, path = http.MethodGet, rt.pattern
		}
		if method != http.MethodGet && !(method == http.MethodPost && strings.HasPrefix(path, "/open311/")) {
			continue
		}
		fill := func(v string) string {
			return wildcard.ReplaceAllStringFunc(path, func(w string) string {
				switch {
				case v == "":
					return "x" + strings.Trim(w, "{}.")
				case w == "{file}":
					// Open311 reads "{id}.json": the text reaches the id.
					return url.PathEscape(v) + ".json"
				}
				return url.PathEscape(v)
			})
		}
		// The role the route names; pages whose area checks the role
		// itself go by their address; any other is a citizen's (any
		// account, or an open page seen signed in).
		role := rt.role
		for prefix, r := range map[string]identity.Role{"/admin": identity.RoleAdmin, "/operator": identity.RoleOperator, "/staff/": identity.RoleMerchant} {
			if role == "" && strings.HasPrefix(path, prefix) {
				role = r
			}
		}
		if role == "" {
			role = identity.RoleCitizen
		}
		for _, h := range hostileTexts {
			if pageRefusalOnly[h.name] {
				continue
			}
			bad := !httpx.ValidText(h.raw)
			var cases []hostileCase
			if method == http.MethodPost {
				cases = append(cases, hostileCase{name: "form " + h.name, target: fill(""), body: fields[h.name], invalidText: bad})
			} else {
				if strings.Contains(path, "{") {
					cases = append(cases, hostileCase{name: "path " + h.name, target: fill(h.raw), invalidText: bad})
				}
				cases = append(cases, hostileCase{name: "query " + h.name, target: fill("") + "?" + fields[h.name], invalidText: bad})
			}
			callers := []identity.Role{"", role}
			if rt.signedIn && !bad && len(h.raw) > longField {
				// Anonymous, a page for signed-in people only sends them to
				// sign in; the short texts walk that, the long ones go to
				// the page itself.
				callers = callers[1:]
			}
			for _, c := range cases {
				for _, as := range callers {
					req := httptest.NewRequest(method, c.target, strings.NewReader(c.body))
					// A client address each, so that no limit per address
					// hides the handler behind a 429.
					req.RemoteAddr = fmt.Sprintf("198.51.100.%d:1234", requests%250+1)
					if c.body != "" {
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					}
					if tok := session(as); tok != "" {
						req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: tok})
					}
					rec := httptest.NewRecorder()
					env.Server.ServeHTTP(rec, req)
					requests++
					where := fmt.Sprintf("%s as %q with %s", rt.pattern, as, c.name)
					switch {
					case rec.Code >= 500:
						t.Errorf("%s: %d %.300s", where, rec.Code, rec.Body.String())
					case c.invalidText && c.body == "" && rec.Code != http.StatusBadRequest:
						t.Errorf("%s: %d, want 400: %.300s", where, rec.Code, rec.Body.String())
					case c.invalidText && rec.Code < 400:
						t.Errorf("%s: %d, want a refusal: %.300s", where, rec.Code, rec.Body.String())
					case c.invalidText:
						refusedText++
					}
				}
			}
		}
	}
	if refusedText == 0 {
		t.Fatal("no page request was refused for invalid text")
	}
	t.Logf("%d routes of the pages, Open311 and the feeds, %d field names, %d hostile requests (%d refused for invalid text) in %s",
		len(routes), len(names), requests, refusedText, time.Since(start).Round(time.Millisecond))
}

// hostileCase is one request against an operation.
type hostileCase struct {
	name        string
	target      string
	body        string
	header      map[string]string
	invalidText bool // the request carries NUL or bytes that are not UTF-8
}

// hostileRequests are the hostile variants of one operation: each hostile
// text in every path parameter, in every documented query parameter (and
// an undocumented one), in the X-Device-Id header, and in every string of a
// body built from its request schema; also raw invalid bytes in a body.
func hostileRequests(doc openAPIDoc, op map[string]any, method, path string) []hostileCase {
	names := wildcard.FindAllStringSubmatch(path, -1)
	fill := func(v string) string {
		return wildcard.ReplaceAllStringFunc(path, func(w string) string {
			if w == "{dock}" && v == "" {
				return "1"
			}
			if v == "" {
				return "x" + strings.Trim(w, "{}.")
			}
			return url.PathEscape(v)
		})
	}
	body := ""
	var schema any
	if rb, ok := op["requestBody"].(map[string]any); ok {
		if content, ok := rb["content"].(map[string]any); ok {
			if mt, ok := content["application/json"].(map[string]any); ok {
				schema = mt["schema"]
				b, _ := json.Marshal(sampleJSON(doc, schema, "text", 0))
				body = string(b)
			}
		}
	}
	var out []hostileCase
	for _, h := range hostileTexts {
		bad := !httpx.ValidText(h.raw)
		if len(names) > 0 {
			out = append(out, hostileCase{name: "path " + h.name, target: fill(h.raw), body: body, invalidText: bad})
		}
		var query []string
		if params, ok := op["parameters"].([]any); ok {
			for _, p := range params {
				m, _ := doc.resolve(p).(map[string]any)
				if m["in"] == "query" {
					query = append(query, m["name"].(string))
				}
			}
		}
		query = append(query, "unknown")
		for _, q := range query {
			out = append(out, hostileCase{name: "query " + q + " " + h.name, target: fill("") + "?" + url.QueryEscape(q) + "=" + url.QueryEscape(h.raw), body: body, invalidText: bad})
		}
		if utf8Only := !strings.ContainsRune(h.raw, 0); utf8Only {
			// A NUL cannot travel in a header field at all (net/http refuses it).
			out = append(out, hostileCase{name: "X-Device-Id " + h.name, target: fill(""), body: body,
				header: map[string]string{"X-Device-Id": h.raw, "Idempotency-Key": "hostile-1"}, invalidText: bad})
		}
		if schema != nil {
			b, _ := json.Marshal(sampleJSON(doc, schema, h.raw, 0))
			// encoding/json writes invalid UTF-8 as U+FFFD; put the raw bytes back.
			raw := strings.ReplaceAll(string(b), `\ufffd`, "\xff")
			out = append(out, hostileCase{name: "body strings " + h.name, target: fill(""), body: raw, invalidText: bad})
		}
	}
	if schema != nil {
		out = append(out, hostileCase{name: "body with raw invalid bytes", target: fill(""), body: "{\"x\":\"\xff\"}", invalidText: true})
	}
	if method == http.MethodGet {
		for i := range out {
			out[i].body = ""
		}
	}
	return out
}

// sampleJSON is a value of schema with every string set to text.
func sampleJSON(doc openAPIDoc, schema any, text string, depth int) any {
	s, _ := doc.resolve(schema).(map[string]any)
	if s == nil || depth > 6 {
		return nil
	}
	if alts, ok := s["oneOf"].([]any); ok && len(alts) > 0 {
		return sampleJSON(doc, alts[0], text, depth+1)
	}
	if alts, ok := s["anyOf"].([]any); ok && len(alts) > 0 {
		return sampleJSON(doc, alts[0], text, depth+1)
	}
	typ := s["type"]
	if ts, ok := typ.([]any); ok && len(ts) > 0 {
		typ = ts[0]
	}
	switch typ {
	case "object":
		obj := map[string]any{}
		props, _ := s["properties"].(map[string]any)
		for name, p := range props {
			obj[name] = sampleJSON(doc, p, text, depth+1)
		}
		if add, ok := s["additionalProperties"].(map[string]any); ok && len(props) == 0 {
			obj[text] = sampleJSON(doc, add, text, depth+1)
		}
		return obj
	case "array":
		return []any{sampleJSON(doc, s["items"], text, depth+1)}
	case "integer", "number":
		return 1
	case "boolean":
		return true
	case "string":
		return text
	}
	return nil
}
