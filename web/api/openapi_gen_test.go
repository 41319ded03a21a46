package api

import (
	"bytes"
	"cityhub/idem"
	"cityhub/web/httpx"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// web/api/openapi.json is built from two things kept next to each other here:
// the Go types the handlers decode and answer with (read by reflection, so a
// field added to a type shows up in the document), and the table of
// operations below, written by hand from the handlers. The contract tests
// then check the document against the routes and against real answers.
// After changing either, rewrite the file with
//
//	go test ./web/api -run TestOpenAPIDocumentCurrent -update-openapi

var updateOpenAPI = flag.Bool("update-openapi", false, "rewrite web/api/openapi.json from the operation table and the Go types")

// obj is a JSON object that keeps its keys in the order they were set, so the
// generated document reads top-down (openapi, info, paths, components).
type obj struct {
	keys []string
	vals map[string]any
}

func newObj(kv ...any) *obj {
	o := &obj{vals: map[string]any{}}
	for i := 0; i+1 < len(kv); i += 2 {
		o.set(kv[i].(string), kv[i+1])
	}
	return o
}

func (o *obj) set(k string, v any) *obj {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
	return o
}

func (o *obj) get(k string) any { return o.vals[k] }

func (o *obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// ---- The document -----------------------------------------------------------

var errorText = map[int]string{
	400: "Bad input: malformed JSON, unknown or repeated fields (a body's key twice, a list's single-valued query parameter twice), wrong types, or a value the rules refuse; nothing was changed.",
	413: "The body is over its limit (reason body_too_large); nothing was changed.",
	415: "The body is declared (Content-Type) as something other than application/json, or as compressed (a Content-Encoding other than identity) (reason unsupported_media_type); nothing was changed.",
	401: "No valid credentials (WWW-Authenticate: Bearer): reason login_required without any (or with the session cookie alone on a method other than GET, the detail saying the method needs a bearer token), invalid_token for an access token that does not verify or has expired, or an Authorization header that is not one \"Bearer <token>\", account_inactive for the token of an account since disabled or erased, account_deleted for a call that finds its account erased while it was on its way (a top-up, payment, claim, hold, ride or erasure) and for another erasure (DELETE /api/v1/me) with the token of an account erased already. Any route, public ones included, refuses a bearer token that does not verify.",
	402: "Not enough credit.",
	403: "The caller's roles do not allow this (x-cityhub-roles lists those an operation admits). A refusal for want of a role names the role wanted as the reason: not_citizen, not_admin, not_merchant (shop staff), not_door_staff, not_operator (the bike operator, or a city administrator), not_office_staff, not_system (the hub's own processes), or role_required where any of several roles would do. A refusal for another cause (not_your_shop, a venue or office not the caller's) is in the operation's description.",
	404: "No such object (or not the caller's).",
	409: "Conflicts with the current state, or an Idempotency-Key reused for another request.",
	429: "Too many attempts; try again later.",
	503: "A dependency is unavailable; nothing was changed.",
}

func pathParams(path string) []*obj {
	var out []*obj
	for _, seg := range strings.Split(path, "/") {
		if !strings.HasPrefix(seg, "{") {
			continue
		}
		name := strings.Trim(seg, "{}")
		schema := str()
		switch name {
		case "dock":
			schema = newObj("type", "integer", "minimum", 1)
		case "action":
			schema = newObj("type", "string", "enum", []string{"open", "pause", "close"})
		}
		out = append(out, newObj("name", name, "in", "path", "required", true, "schema", schema))
	}
	return out
}

func bodyContent(schema any, media string) *obj {
	if media == "" {
		media = "application/json"
	}
	if name, ok := schema.(string); ok {
		schema = ref(name)
	}
	if schema == nil {
		schema = newObj("type", "string", "contentMediaType", media)
		if media == "image/png" || media == "image/jpeg" {
			schema = newObj("type", "string", "contentMediaType", media, "contentEncoding", "binary")
		}
	}
	return newObj(media, newObj("schema", schema))
}

func buildOpenAPIDocument() *obj {
	g := &schemaGen{names: map[reflect.Type]string{}}
	for _, c := range openAPIComponents {
		if !c.request || c.ref {
			g.names[c.typ] = c.name
		}
	}
	schemas := newObj()
	for _, c := range openAPIComponents {
		o := g.object(c.typ, c.name, c.request, c.required)
		if c.desc != "" {
			d := newObj("description", c.desc)
			for _, k := range o.keys {
				d.set(k, o.vals[k])
			}
			o = d
		}
		schemas.set(c.name, o)
	}

	paths := newObj()
	for _, op := range openAPIOperations() {
		item, _ := paths.get(op.path).(*obj)
		if item == nil {
			item = newObj()
			if ps := pathParams(op.path); len(ps) > 0 {
				item.set("parameters", ps)
			}
			paths.set(op.path, item)
		}
		o := newObj("operationId", op.id, "tags", []string{op.tag}, "summary", op.summary)
		if op.desc != "" {
			o.set("description", op.desc)
		}
		switch op.auth {
		case "public":
			o.set("security", []any{})
		case "bearer", "roles":
			sec := []any{newObj("bearerAuth", []string{})}
			if op.method == "GET" {
				sec = append(sec, newObj("sessionCookie", []string{}))
			}
			o.set("security", sec)
			if op.auth == "roles" {
				o.set("x-cityhub-roles", rolesOf(op.roles))
			}
		default:
			panic("openapi: auth of " + op.id)
		}
		var params []any
		for _, h := range op.headers {
			params = append(params, newObj("$ref", "#/components/parameters/"+h))
		}
		if op.method != "GET" && !UnkeyedRoutes[op.method+" "+op.path] && len(op.headers) == 0 &&
			!slices.ContainsFunc(op.query, func(q apiParam) bool { return q.name == "Idempotency-Key" }) {
			params = append(params, newObj("$ref", "#/components/parameters/OptionalIdempotencyKey"))
		}
		for _, q := range op.query {
			p := newObj("name", q.name, "in", q.in)
			if q.desc != "" {
				p.set("description", q.desc)
			}
			if q.required {
				p.set("required", true)
			}
			params = append(params, p.set("schema", q.schema))
		}
		if len(params) > 0 {
			o.set("parameters", params)
		}
		if op.body != nil {
			content := bodyContent(op.body, "")
			if op.form {
				content.set("multipart/form-data", newObj("schema", newObj("type", "object", "properties", newObj(
					"photo", newObj("type", "array", "maxItems", 3, "items", newObj("type", "string", "contentMediaType", "application/octet-stream"))),
					"description", "The fields of the JSON body, as form fields, and up to three files \"photo\".")))
			}
			o.set("requestBody", newObj("required", true, "content", content))
		}
		responses := newObj()
		for _, r := range op.ok {
			key := strconv.Itoa(r.status)
			resp, _ := responses.get(key).(*obj)
			if resp == nil {
				resp = newObj("description", r.desc)
				responses.set(key, resp)
			} else {
				resp.set("description", resp.get("description").(string)+" Or: "+r.desc)
			}
			if r.schema != nil || r.media != "" {
				content, _ := resp.get("content").(*obj)
				if content == nil {
					content = newObj()
					resp.set("content", content)
				}
				for _, k := range bodyContent(r.schema, r.media).keys {
					content.set(k, bodyContent(r.schema, r.media).get(k))
				}
			}
			if len(r.headers) > 0 {
				hs := newObj()
				for _, h := range r.headers {
					if h == "Location" && r.location != "" {
						hs.set(h, newObj("description", r.location, "required", true, "schema", str()))
						continue
					}
					hs.set(h, newObj("$ref", "#/components/headers/"+h))
				}
				resp.set("headers", hs)
			}
		}
		// Every request is read for its text first (path, query, headers:
		// invalid_text, invalid_query, bad_device_id, path_not_canonical),
		// so every operation may answer 400.
		errs := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(op.errs), 400))))
		if op.auth == "public" && !slices.Contains(errs, 401) {
			// The auth middleware refuses a bearer token that does not
			// verify on every route, public ones included.
			errs = append(slices.Clone(errs), 401)
			slices.Sort(errs)
		}
		if op.method != "GET" && !UnkeyedRoutes[op.method+" "+op.path] && !slices.Contains(errs, 409) {
			// Every keyed operation may refuse an Idempotency-Key reused
			// for another request, or one whose first request is still
			// running or whose answer was lost (httpx.Replayer).
			errs = append(slices.Clone(errs), 409)
			slices.Sort(errs)
		}
		if op.method != "GET" && op.body == nil {
			// An operation without a body refuses one (httpx.NoBody):
			// 400, 413 beyond the limit of a body, 415 for one declared
			// as another type.
			errs = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(errs), 400, 413, 415))))
		}
		if op.body != nil {
			// Every body is read within a limit (httpx.MaxJSONBody, more
			// for a report's photos), and declared as what the operation
			// reads.
			errs = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(errs), 413, 415))))
		}
		for _, status := range errs {
			responses.set(strconv.Itoa(status), newObj("$ref", "#/components/responses/"+strconv.Itoa(status)))
		}
		responses.set("default", newObj("$ref", "#/components/responses/default"))
		o.set("responses", responses)
		item.set(strings.ToLower(op.method), o)
	}
	addOpsPaths(paths)

	problem := newObj("application/problem+json", newObj("schema", ref("Problem")))
	responses := newObj()
	for _, status := range []int{400, 401, 402, 403, 404, 409, 413, 415, 429, 503} {
		r := newObj("description", errorText[status], "content", problem)
		if status == 401 {
			r.set("headers", newObj("WWW-Authenticate", newObj("schema", str())))
		}
		if status == 429 || status == 503 {
			r.set("headers", newObj("Retry-After", newObj("description", "Seconds to wait, when known.", "schema", str())))
		}
		responses.set(strconv.Itoa(status), r)
	}
	responses.set("default", newObj("description", "Any other error, as a problem (500 for an internal error, with a generic detail).", "content", problem))

	printable := "^[!-~]+$"
	parameters := newObj(
		"IdempotencyKey", newObj("name", "Idempotency-Key", "in", "header", "required", true,
			"description", "The client's key for this request: a retry with the same key and body answers the first result; the same key with another body is 409. Without one 400 (idempotency_key_missing); one that is not 1 to "+strconv.Itoa(idem.MaxKeyLen)+" printable ASCII characters 400 (idempotency_key_invalid), an empty header too.",
			"schema", newObj("type", "string", "minLength", 1, "maxLength", idem.MaxKeyLen, "pattern", printable)),
		"OptionalIdempotencyKey", newObj("name", "Idempotency-Key", "in", "header",
			"description", "Optional: the client's key for this request. A retry with the same key, path and body gets the first answer again (marked Idempotent-Replayed); the same key with another request is 409 (idempotency_key_reused). One that is not 1 to "+strconv.Itoa(idem.MaxKeyLen)+" printable ASCII characters is 400 (idempotency_key_invalid), an empty header too (leave the header out for no key).",
			"schema", newObj("type", "string", "minLength", 1, "maxLength", idem.MaxKeyLen, "pattern", printable)),
		"UnlockIdempotencyKey", newObj("name", "Idempotency-Key", "in", "header",
			"description", "Optional: the unlock's request id, instead of request_id in the body (400 when both are given and differ): 1 to 100 letters, digits, - or _, as it is also the id of the command the station receives (an empty header is 400, idempotency_key_invalid). "+
				"A retry with the same key for the same unlock (the same station, and the same bike, named by its dock or by bike_id) answers the first attempt's outcome again, marked Idempotent-Replayed: true, a failure too (a new attempt after a failure takes a new key); "+
				"the same key for another station, dock or bike is 409 (idempotency_key_reused); a key another rider has already used is 409 (request_id_reused).",
			"schema", unlockRequestID(str())),
		"StripeSignature", newObj("name", "Stripe-Signature", "in", "header", "required", true,
			"description", "Stripe's signature of the body with the webhook secret.", "schema", str()),
	)
	headers := newObj(
		"Location", newObj("description", "The URL of the created object.", "required", true, "schema", str()),
		"Idempotent-Replayed", newObj("description", "true when this answer replays the first one for the Idempotency-Key.", "schema", newObj("type", "string", "enum", []string{"true"})),
		"Content-Disposition", newObj("description", "attachment, with a file name.", "required", true, "schema", str()),
		"Link", newObj("description", "The licence of the data (rel=\"license\").", "required", true, "schema", str()),
	)

	var tags []any
	for _, t := range [][2]string{
		{"meta", "This document."},
		{"identity", "Accounts, login, tokens, GDPR."},
		{"wallet", "Citizens' credit, top-ups and the ledger."},
		{"mail", "The e-mail outbox (city administrators)."},
		{"vouchers", "Claiming and showing vouchers (citizens)."},
		{"vouchers-merchant", "The till API for shop staff; the shop comes from the caller's grant."},
		{"vouchers-admin", "Shops, campaigns, settlements and the audit log (city administrators)."},
		{"open-data", "Anonymous statistics anyone may read."},
		{"mobility", "Stations, unlocking and rides."},
		{"mobility-operator", "The mobility operator's view and switches (operators and city administrators)."},
		{"mobility-admin", "The mobility catalogue: stations, bikes, vehicle types, pricing plans (city administrators)."},
		{"ticketing", "The theatre programme, seats, holds, payment and tickets (citizens)."},
		{"ticketing-door", "Checking tickets in at the door: door staff choose one of their venue's performances (door_staff grant), and a ticket enters only that performance, from its doors opening until its end."},
		{"ticketing-admin", "Venues, seat maps, performances, sales and refunds (city administrators)."},
		{"reports", "Citizens report problems in the city and follow them; anyone reads the public list."},
		{"reports-staff", "The offices' triage: city_staff of an office (city_admin: every office) acknowledge, fix, reject, merge, redact and moderate photos."},
		{"proposals", "Citizens' proposals, supports, follows and comments."},
		{"proposals-admin", "Answers to proposals, comment moderation and Open311 API keys (city administrators)."},
		{"operations", "Health, readiness, signing keys and the GBFS feeds (outside /api/v1)."},
	} {
		tags = append(tags, newObj("name", t[0], "description", t[1]))
	}

	return newObj(
		"openapi", "3.1.1",
		"jsonSchemaDialect", "https://spec.openapis.org/oas/3.1/dialect/base",
		"info", newObj(
			"title", "cityhub API",
			"version", "1",
			"summary", "A city's digital front office: wallet, vouchers, bikesharing.",
			"description", "The JSON API of cityhub under /api/v1. Amounts are integer euro cents in fields named *_cents; times are RFC 3339 in UTC. "+
				"Errors are application/problem+json (RFC 9457) with a stable code and, where useful, a reason. A path not in canonical form (a . or .. segment, escaped as %2e or not, a repeated slash) is refused with 400 (reason path_not_canonical, the detail naming the canonical path), not redirected. Request bodies are one JSON object of at most 64 KiB, declared as application/json or not declared, and not compressed (another Content-Type, or a Content-Encoding other than identity, is 415, reason unsupported_media_type; 413 beyond the size, at once when Content-Length declares more, so a client that sends Expect: 100-continue never sends the body); a body that is not JSON, or holds more than one value, is 400 malformed_json, and one that is empty where the operation takes a body 400 empty_body; a member of the wrong type is 400 wrong_type, but for a whole number too large or too negative for its field (beyond 64 bits), which is out of the field's range as any number past its bounds is, and refused as they are, with the operation's own reason (purchase_amount, topup_amount, budget, invalid_price...); a whole number is one however JSON writes it, as JSON Schema's integer is: 1e3, 1E+3 and 1000.0 are 1000 in any integer field (and 1e30 is past its bounds), while a number with a fraction (1.5, 1e-3) is 400 wrong_type; unknown fields are refused (400 unknown_field), a key must be a field's name exactly, case included, and an object that holds a key twice is refused (400 duplicate_field). A member that is null reads as a member left out, never as a wrong type: an optional field takes its default, and a required one (the schema's required) is refused as if missing, 400 missing_field or the reason the operation names for it; a value given, even an empty string, is judged as that value. "+
				"An operation described here without a request body takes none: a signed-in caller's body is judged as an empty object's, so any field in it is refused (400 unknown_field) and anything but an object too (400 wrong_type), and nothing changes; an empty body, or {}, counts as none. "+
				"Text anywhere in a request (path, query, headers, body) must be UTF-8 without NUL characters, and a JSON string holds no lone surrogate escape such as \\ud800 (a character beyond U+FFFF is written as a pair of them, or as itself): 400 (reason invalid_text) otherwise; a query string that does not parse is 400 (invalid_query). "+
				"A paged list reads its place (cursor, limit) and each filter that takes one value (a state, a status, a shop, a date, a format) once: given more than once, alike or not, it is 400 (duplicate_field, the detail naming it), never answered for its first value; a parameter a list takes repeated says so (repeatable). "+
				"A client may name its device (a till, a door) in an X-Device-Id header, kept with what it does: at most "+strconv.Itoa(httpx.MaxDeviceIDLen)+" bytes on one line and one such header, 400 (bad_device_id) otherwise. "+
				"Every state-changing operation (POST, PUT, DELETE) except login, refresh, the Stripe webhook and those that answer with a credential (creating a station, issuing or rotating its broker credential, issuing an Open311 API key) takes an Idempotency-Key header: the first answer to a key on an operation is kept, "+
				"and a retry with the same key, path, query and body gets it again, with the same status and body and the header Idempotent-Replayed: true, without the operation running again, "+
				"even when what it checked has changed since (an expired QR code, a limit reached); the same key with another request is 409 (idempotency_key_reused), and a request with two Idempotency-Key headers is 400 (duplicate_idempotency_key). Whose a key is follows whose the operation is: a signed-in caller's own on each operation, except a redemption's and a reversal's, which is the shop's, shared by all its staff (another staff member of the shop sending the same key and request gets the first answer, replayed), a settlement's and its payment's, which is the city's, shared by every administrator, and an unlock's, unique among all riders (409 request_id_reused). Without a sign-in the caller is known only by its request, so a key is kept per request there: only the same request under the same key gets the first answer, and another request under it runs as new. A request under a key whose first request still runs, a retry or another request, runs nothing meanwhile: it waits for that answer and is judged by it (replayed, or 409 idempotency_key_reused; run as new if the answer was not kept), for up to 25 s, then 409 (idempotency_key_in_use) with Retry-After. A 409 about the key itself (idempotency_key_reused, idempotency_key_in_use, idempotency_key_answer_lost) is never kept as the key's answer. "+
				"Answers with status 401, 403, 408, 429 or 5xx are not kept: a retry runs again. "+
				"If the hub stopped after the operation and before its answer was kept, the retry gets the first result where the operation records the key itself (claims, redemptions, reversals, settlements, top-ups, holds, unlocks, reports) and 409 (idempotency_key_answer_lost) elsewhere, never a second operation. "+
				"A key is remembered for the hub's CITYHUB_KEPT_ANSWERS_TTL only (30 days unless set): after it, its kept answer, the operation's own record and a lost key are forgotten, and a retry runs again as a new request (a claim retried then may make a second voucher). Retries must come within it. "+
				"Access tokens are JWTs signed with EdDSA (Ed25519); their public keys are at /.well-known/jwks.json. "+
				"x-cityhub-roles lists the roles an operation admits; any other signed-in account gets 403.",
		),
		"servers", []any{newObj("url", "/", "description", "This hub.")},
		"tags", tags,
		"paths", paths,
		"components", newObj(
			"schemas", schemas,
			"responses", responses,
			"parameters", parameters,
			"headers", headers,
			"securitySchemes", newObj(
				"bearerAuth", newObj("type", "http", "scheme", "bearer", "bearerFormat", "JWT",
					"description", "An access token from /api/v1/auth/login or /api/v1/auth/refresh: a JWT signed with EdDSA (Ed25519, alg pinned), kid in its header, short-lived. Keys at /.well-known/jwks.json. The feeds outside /api/v1 (/healthz, /readyz, /.well-known/*, /gbfs/v3/*) read no credentials: a token sent to them, one that does not verify too, is ignored, never answered 401."),
				"sessionCookie", newObj("type", "apiKey", "in", "cookie", "name", httpx.SessionCookie,
					"description", "The pages' session cookie; the API takes it for GET only, so a state-changing call needs a bearer token."),
			),
		),
	)
}

// addOpsPaths documents the routes outside /api/v1 briefly.
func addOpsPaths(paths *obj) {
	get := func(id, summary, desc string, responses *obj) *obj {
		o := newObj("operationId", id, "tags", []string{"operations"}, "summary", summary)
		if desc != "" {
			o.set("description", desc)
		}
		// Text that is not UTF-8 in the path or query, or a malformed
		// query, is refused as on the API; another method is 405.
		responses.set("400", newObj("$ref", "#/components/responses/400"))
		responses.set("405", newObj("description", "Another method: the Allow header lists the ones taken (a problem, reason method_not_allowed).",
			"headers", newObj("Allow", newObj("schema", str())),
			"content", newObj("application/problem+json", newObj("schema", ref("Problem")))))
		return newObj("get", o.set("security", []any{}).set("responses", responses))
	}
	content := func(media string, schema *obj) *obj { return newObj(media, newObj("schema", schema)) }
	closed := func(props *obj, required ...string) *obj {
		return newObj("type", "object", "properties", props, "required", required, "additionalProperties", false)
	}

	health := closed(newObj("status", newObj("const", "ok"), "version", str()), "status", "version")
	paths.set("/healthz", get("healthz", "The process is up", "",
		newObj("200", newObj("description", "Up.", "content", content("application/json", health)))))

	ready := content("application/json", closed(newObj(
		"status", newObj("enum", []string{"ready", "degraded", "not ready"}),
		"checks", newObj("type", "object", "additionalProperties", str())), "status", "checks"))
	paths.set("/readyz", get("readyz", "The database answers", "", newObj(
		"200", newObj("description", "Ready; checks names each dependency with ok. \"degraded\" while the hub is still ready but its broker does not answer or it is behind (a station telemetry backlog over its bound): the degraded check says why. A dependency's own error is logged, not shown.", "content", ready),
		"503", newObj("description", "Not ready (the database does not answer); the failing dependencies are named, as \"failing\".", "content", ready))))

	paths.set("/metrics", get("metrics", "Prometheus metrics", "The Prometheus text exposition format; for the city's monitoring, not for the public. With CITYHUB_METRICS_TOKEN set, send it as \"Authorization: Bearer <token>\" (not a person's access token); without it, only a request from a loopback address that no proxy forwarded is answered.",
		newObj("200", newObj("description", "Metrics.", "content", newObj("text/plain", newObj("schema", newObj("type", "string")))),
			"401", newObj("description", "A token is configured and this is not it (reason metrics_token).", "content", content("application/problem+json", newObj("$ref", "#/components/schemas/Problem"))),
			"403", newObj("description", "No token is configured and the request is not from this machine (reason metrics_restricted).", "content", content("application/problem+json", newObj("$ref", "#/components/schemas/Problem"))))))

	jwk := newObj("type", "object", "required", []string{"kty", "kid"})
	jwks := newObj("type", "object", "properties", newObj("keys", newObj("type", "array", "items", jwk)), "required", []string{"keys"})
	paths.set("/.well-known/jwks.json", get("jwks", "The hub's public signing keys (access tokens and QR codes)",
		"Ed25519 keys (kty OKP, crv Ed25519) with their kid; old keys stay listed while their tokens live. Cacheable for 5 minutes.", newObj(
			"200", newObj("description", "A JSON Web Key Set (RFC 7517).", "content", content("application/jwk-set+json", jwks)),
			"503", newObj("$ref", "#/components/responses/503"))))

	feeds := []string{"gbfs.json", "system_information.json", "station_information.json", "station_status.json",
		"vehicle_types.json", "vehicle_status.json", "system_pricing_plans.json"}
	feed := newObj("type", "object", "required", []string{"last_updated", "ttl", "version", "data"})
	gbfsFeed := get("gbfsFeed", "A GBFS v3.0 feed (open bikesharing data)",
		"Each feed follows the GBFS v3.0 specification and validates against MobilityData's JSON schemas (see docs/gbfs.md). Conditional requests (ETag, Last-Modified) answer 304; gzip on request. 404 (no_feed) for a feed this hub does not publish.", newObj(
			"200", newObj("description", "The feed.", "content", content("application/json", feed)),
			"304", newObj("description", "Not modified."),
			"404", newObj("$ref", "#/components/responses/404"),
			"503", newObj("$ref", "#/components/responses/503")))
	gbfsFeed.get("get").(*obj).set("externalDocs", newObj("description", "GBFS v3.0", "url", "https://github.com/MobilityData/gbfs/blob/v3.0/gbfs.md"))
	paths.set("/gbfs/v3/{feed}", newObj(
		"parameters", []any{newObj("name", "feed", "in", "path", "required", true, "schema", newObj("type", "string", "enum", feeds))},
		"get", gbfsFeed.get("get")))
}

func renderOpenAPI(t testing.TB) []byte {
	t.Helper()
	b, err := json.MarshalIndent(buildOpenAPIDocument(), "", "  ")
	if err != nil {
		t.Fatalf("render openapi: %v", err)
	}
	return append(b, '\n')
}

// TestOpenAPIDocumentCurrent fails when web/api/openapi.json is not what the
// operation table and the Go types give; -update-openapi rewrites it.
func TestOpenAPIDocumentCurrent(t *testing.T) {
	want := renderOpenAPI(t)
	if *updateOpenAPI {
		if err := os.WriteFile("openapi.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(openAPIDocument, want) {
		t.Fatal("web/api/openapi.json is stale: run go test ./web/api -run TestOpenAPIDocumentCurrent -update-openapi and commit it")
	}
}
