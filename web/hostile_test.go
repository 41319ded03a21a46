package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
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
func TestHostileInputNeverFailsTheServer(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	ops := doc.operations()
	patterns := make([]string, 0, len(ops))
	for p := range ops {
		if strings.Contains(p, " /api/v1/") {
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
		})
	}
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
