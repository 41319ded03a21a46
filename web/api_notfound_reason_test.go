package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"cityhub/identity"
)

// Every 404 of the API carries a reason, whatever the route: a client tells
// "no such shop" from "no such endpoint" by it, and the same condition is
// answered alike on every route that meets it. Each documented operation
// with an id in its path is sent an id that does not exist, by a city
// administrator and by each role the operation admits, with an empty body
// and with one built from the documented request body's required members.
func TestAPINotFoundCarriesReason(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			_, env := fullServer(t, engine)
			doc := loadOpenAPI(t)
			bearers := map[identity.Role]string{}
			for _, role := range identity.Roles {
				bearers[role] = env.login(t, role)
			}
			var keys, notFound int
			for pattern, op := range doc.operations() {
				method, path, _ := strings.Cut(pattern, " ")
				if !strings.HasPrefix(path, "/api/v1/") || !strings.Contains(path, "{") {
					continue
				}
				target := wildcard.ReplaceAllStringFunc(path, func(w string) string {
					if w == "{dock}" {
						return "3"
					}
					return "zz-missing"
				})
				roles := []identity.Role{identity.RoleAdmin}
				if limited, ok := op["x-cityhub-roles"].([]any); ok {
					for _, r := range limited {
						if role := identity.Role(r.(string)); !slices.Contains(roles, role) {
							roles = append(roles, role)
						}
					}
				}
				bodies := []string{""}
				if method != "GET" {
					bodies = append(bodies, requestSample(doc, op))
				}
				for _, role := range roles {
					for _, body := range bodies {
						req := httptest.NewRequest(method, target, strings.NewReader(body))
						if body != "" {
							req.Header.Set("Content-Type", "application/json")
						}
						req.Header.Set("Authorization", bearers[role])
						if method != "GET" {
							keys++
							req.Header.Set("Idempotency-Key", fmt.Sprintf("missing-%05d", keys))
						}
						rec := httptest.NewRecorder()
						env.Server.ServeHTTP(rec, req)
						if rec.Code != http.StatusNotFound {
							continue
						}
						notFound++
						var p struct{ Reason string }
						_ = json.Unmarshal(rec.Body.Bytes(), &p)
						if p.Reason == "" {
							t.Errorf("%s %s as %s with body %s: 404 without a reason: %s", method, target, role, body, rec.Body)
						}
					}
				}
			}
			if notFound < 40 {
				t.Errorf("only %d answers were 404; the sweep no longer reaches the routes' lookups", notFound)
			}
		})
	}
}

// requestSample is a JSON body holding the required members of op's
// request body, each a plausible value of its type, so that a route gets
// past reading its body to looking its id up. "{}" when it takes none.
func requestSample(doc openAPIDoc, op map[string]any) string {
	content := asMap(asMap(doc.resolve(op["requestBody"]))["content"])
	schema := asMap(content["application/json"])["schema"]
	if schema == nil {
		return "{}"
	}
	b, _ := json.Marshal(sampleValue(doc, schema, 0))
	return string(b)
}

func sampleValue(doc openAPIDoc, s any, depth int) any {
	m := asMap(doc.resolve(s))
	if depth > 5 {
		return nil
	}
	if e := asSlice(m["enum"]); len(e) > 0 {
		return e[0]
	}
	for _, k := range []string{"allOf", "oneOf", "anyOf"} {
		if alts := asSlice(m[k]); len(alts) > 0 {
			return sampleValue(doc, alts[0], depth+1)
		}
	}
	typ := m["type"]
	if ts := asSlice(typ); len(ts) > 0 {
		typ = ts[0]
	}
	switch typ {
	case "object":
		out := map[string]any{}
		props := asMap(m["properties"])
		for _, r := range asSlice(m["required"]) {
			name := r.(string)
			out[name] = sampleValue(doc, props[name], depth+1)
		}
		return out
	case "array":
		return []any{}
	case "integer", "number":
		if min, ok := m["minimum"].(float64); ok && min > 1 {
			return min
		}
		return 1
	case "boolean":
		return true
	case "string":
		switch m["format"] {
		case "date-time":
			return "2030-01-02T10:00:00Z"
		case "date":
			return "2030-01-02"
		case "email":
			return "someone@example.org"
		}
		return "zz-missing"
	}
	return nil
}
