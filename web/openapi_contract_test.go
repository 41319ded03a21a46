package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"cityhub/idem"
	"cityhub/identity"
	"cityhub/web/api"
	"cityhub/web/httpx"
)

// ---- Real answers against the document -----------------------------------

const openAPIURL = "https://cityhub.test/openapi.json"

type contractValidator struct {
	doc      openAPIDoc
	compiler *jsonschema.Compiler
	mu       sync.Mutex
	cache    map[string]*jsonschema.Schema
}

func newContractValidator(t testing.TB, doc openAPIDoc) *contractValidator {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(api.OpenAPIDocument()))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource(openAPIURL, raw); err != nil {
		t.Fatal(err)
	}
	return &contractValidator{doc: doc, compiler: c, cache: map[string]*jsonschema.Schema{}}
}

// schema compiles the schema at a JSON pointer of the document.
func (v *contractValidator) schema(t testing.TB, ptr string) *jsonschema.Schema {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	if s, ok := v.cache[ptr]; ok {
		return s
	}
	s, err := v.compiler.Compile(openAPIURL + ptr)
	if err != nil {
		t.Fatalf("compile %s: %v", ptr, err)
	}
	v.cache[ptr] = s
	return s
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// contract sends requests through the server and checks each answer
// against the document: the operation the mux picked is documented, its
// status is listed for it, the content type is one it lists, and the body
// validates against that schema. A successful request's body is checked
// against the documented request body too.
//
// Every state-changing call also carries an Idempotency-Key (one of its own
// when the scenario gives none and the operation does not require one), and
// is sent a second time: the retry must get the first answer again.
type contract struct {
	t       *testing.T
	env     *testEnv
	mux     *http.ServeMux
	v       *contractValidator
	covered map[string]map[int]bool // operation → statuses seen
	// replayed lists the operations whose successful answer a retry got again.
	replayed map[string]bool
	keys     int
}

func newContract(t *testing.T, env *testEnv, v *contractValidator) *contract {
	return &contract{t: t, env: env, mux: routedMux(env.Server), v: v, covered: map[string]map[int]bool{}, replayed: map[string]bool{}}
}

func (c *contract) do(method, path, auth, body string, want int, headers ...string) *httptest.ResponseRecorder {
	c.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.RemoteAddr = "192.0.2.20:4321"
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for _, h := range headers {
		k, val, _ := strings.Cut(h, ": ")
		req.Header.Set(k, val)
	}
	_, pattern := c.mux.Handler(req)
	keyed := c.env.Server.replay.Keyed(req, pattern)
	auto := false
	if !keyed && c.keyable(req, pattern, body) {
		c.keys++
		req.Header.Set("Idempotency-Key", fmt.Sprintf("contract-%04d", c.keys))
		keyed, auto = true, true
	}
	rec := httptest.NewRecorder()
	c.env.Server.ServeHTTP(rec, req)
	if rec.Code != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, rec.Code, want, rec.Body.String())
	}
	c.check(pattern, body, rec)
	c.followLocation(pattern, auth, rec)
	if keyed && httpx.KeepAnswer(idem.Answer{Status: rec.Code, Body: rec.Body.Bytes()}) {
		c.retry(req, pattern, body, rec, auto)
	}
	return rec
}

// followLocation holds a 201's Location to what the document says of it:
// where the shared header says "the URL of the created object", a GET of
// it by the same caller reads that object (its id is the one created), or
// an answer that holds it.
// An operation whose Location is something else describes it in a header
// of its own.
func (c *contract) followLocation(pattern, auth string, rec *httptest.ResponseRecorder) {
	c.t.Helper()
	if rec.Code != http.StatusCreated {
		return
	}
	method, path, _ := strings.Cut(pattern, " ")
	h := asMap(c.v.doc.pointer("#/paths/" + escapePointer(path) + "/" + strings.ToLower(method) + "/responses/201/headers/Location"))
	if h["$ref"] != "#/components/headers/Location" {
		return
	}
	var created struct{ ID string }
	if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil || created.ID == "" {
		c.t.Fatalf("%s 201: no id to find at its Location: %s", pattern, rec.Body.String())
	}
	loc := rec.Header().Get("Location")
	req := httptest.NewRequest("GET", loc, nil)
	req.RemoteAddr = "192.0.2.20:4321"
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	got := httptest.NewRecorder()
	c.env.Server.ServeHTTP(got, req)
	// The object itself, or an answer about it that holds it (a
	// performance's seat map, a report's details).
	var read map[string]json.RawMessage
	reads := func() bool {
		var top struct{ ID string }
		if json.Unmarshal(got.Body.Bytes(), &top) == nil && top.ID == created.ID {
			return true
		}
		for _, member := range read {
			var in struct{ ID string }
			if json.Unmarshal(member, &in) == nil && in.ID == created.ID {
				return true
			}
		}
		return false
	}
	if err := json.Unmarshal(got.Body.Bytes(), &read); got.Code != http.StatusOK || err != nil || !reads() {
		c.t.Errorf("%s 201: its Location %s, documented as the created object's URL, reads %d %s, not %s", pattern, loc, got.Code, got.Body.String(), created.ID)
	}
}

// keyable says whether the contract may add a key of its own to a
// state-changing call: not where the document requires one (the scenario
// tests its absence) nor where the body carries its own request id.
func (c *contract) keyable(req *http.Request, pattern, body string) bool {
	probe := req.Clone(req.Context())
	probe.Header.Set("Idempotency-Key", "probe")
	if !c.env.Server.replay.Keyed(probe, pattern) || strings.Contains(body, `"request_id"`) {
		return false
	}
	method, path, _ := strings.Cut(pattern, " ")
	op, _ := c.v.doc.pointer("#/paths/" + escapePointer(path) + "/" + strings.ToLower(method)).(map[string]any)
	params, _ := op["parameters"].([]any)
	for _, p := range params {
		if m, _ := p.(map[string]any); m["$ref"] == "#/components/parameters/IdempotencyKey" {
			return false
		}
	}
	return true
}

// retry sends req again and checks that it gets first's answer.
func (c *contract) retry(req *http.Request, pattern, body string, first *httptest.ResponseRecorder, auto bool) {
	c.t.Helper()
	again := httptest.NewRequest(req.Method, req.URL.String(), strings.NewReader(body))
	again.RemoteAddr = req.RemoteAddr
	again.Header = req.Header.Clone()
	rec := httptest.NewRecorder()
	c.env.Server.ServeHTTP(rec, again)
	if (pattern == "DELETE /api/v1/me" || pattern == "PUT /api/v1/me/password" && first.Code < 300) && rec.Code == http.StatusUnauthorized {
		// The account is gone, or its password changed, and so is the
		// token: refused before any answer is looked up.
		return
	}
	if rec.Code != first.Code || !bytes.Equal(rec.Body.Bytes(), first.Body.Bytes()) || rec.Header().Get("Location") != first.Header().Get("Location") {
		c.t.Fatalf("retry of %s %s with the same Idempotency-Key: %d %s\nfirst answer: %d %s", req.Method, req.URL, rec.Code, rec.Body.String(), first.Code, first.Body.String())
	}
	if auto && rec.Header().Get("Idempotent-Replayed") != "true" {
		c.t.Fatalf("retry of %s %s is not marked Idempotent-Replayed", req.Method, req.URL)
	}
	if first.Code < 300 {
		c.replayed[pattern] = true
	}
}

// json is do, decoding the answer into out.
func (c *contract) json(out any, method, path, auth, body string, want int, headers ...string) {
	c.t.Helper()
	rec := c.do(method, path, auth, body, want, headers...)
	if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
}

// probe sends a request that pattern matches (sampleRequest), with the
// "Authorization" value auth ("" for none) and body ("" for none, else as
// application/json), and checks the answer against the document.
func (c *contract) probe(pattern, auth, body string) *httptest.ResponseRecorder {
	req := sampleRequest(pattern)
	if body != "" {
		req = httptest.NewRequest(req.Method, req.URL.Path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	c.env.Server.ServeHTTP(rec, req)
	c.check(pattern, body, rec)
	return rec
}

func (c *contract) check(pattern, reqBody string, rec *httptest.ResponseRecorder) {
	t := c.t
	t.Helper()
	if pattern == "/api/" {
		// The catch-all for unknown API paths: a problem, never the mux's text.
		if rec.Code != http.StatusNotFound || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("unknown API path: %d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
		c.validate("#/components/schemas/Problem", rec.Body.Bytes(), "unknown API path")
		return
	}
	method, path, _ := strings.Cut(pattern, " ")
	opPtr := "#/paths/" + escapePointer(path) + "/" + strings.ToLower(method)
	op, ok := c.v.doc.pointer(opPtr).(map[string]any)
	if !ok {
		t.Fatalf("%s answered %d but is not documented", pattern, rec.Code)
	}
	if c.covered[pattern] == nil {
		c.covered[pattern] = map[int]bool{}
	}
	c.covered[pattern][rec.Code] = true
	status := strconv.Itoa(rec.Code)
	respPtr := opPtr + "/responses/" + status
	raw, ok := op["responses"].(map[string]any)[status]
	if !ok {
		t.Fatalf("%s answered %d, which its operation does not list: %s", pattern, rec.Code, rec.Body.String())
	}
	if r, ok := raw.(map[string]any)["$ref"].(string); ok {
		respPtr = r
	}
	resp := c.v.doc.resolve(raw).(map[string]any)
	for name, h := range asMap(resp["headers"]) {
		if c.v.doc.resolve(h).(map[string]any)["required"] == true && rec.Header().Get(name) == "" {
			t.Fatalf("%s %d: no %s header, which the document promises", pattern, rec.Code, name)
		}
	}
	content := asMap(resp["content"])
	ct := rec.Header().Get("Content-Type")
	if len(content) == 0 {
		if rec.Body.Len() != 0 {
			t.Fatalf("%s %d: documented without a body, answered %q", pattern, rec.Code, rec.Body.String())
		}
		return
	}
	media, _, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatalf("%s %d: content type %q: %v", pattern, rec.Code, ct, err)
	}
	if _, ok := content[media]; !ok {
		t.Fatalf("%s %d: answered %s, documented %v", pattern, rec.Code, media, slices.Collect(mapKeys(content)))
	}
	if rec.Code >= 400 && media != "application/problem+json" {
		t.Fatalf("%s %d: an error as %s", pattern, rec.Code, media)
	}
	if media == "application/json" || strings.HasSuffix(media, "+json") {
		c.validate(respPtr+"/content/"+escapePointer(media)+"/schema", rec.Body.Bytes(), fmt.Sprintf("%s answer %d", pattern, rec.Code))
	} else if rec.Body.Len() == 0 {
		t.Fatalf("%s %d: empty %s body", pattern, rec.Code, media)
	}
	if rec.Code < 300 && reqBody != "" {
		_, ok := op["requestBody"]
		var fields map[string]json.RawMessage
		if !ok && json.Unmarshal([]byte(reqBody), &fields) == nil && len(fields) == 0 {
			return // an empty object is no body, as the document says
		}
		if !ok {
			t.Fatalf("%s: took a body it does not document", pattern)
		}
		c.validate(opPtr+"/requestBody/content/application~1json/schema", []byte(reqBody), pattern+" request body")
	}
}

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func (c *contract) validate(ptr string, body []byte, what string) {
	c.t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		c.t.Fatalf("%s is not JSON: %v: %s", what, err, body)
	}
	if err := c.v.schema(c.t, ptr).Validate(inst); err != nil {
		c.t.Fatalf("%s does not match the document (%s):\n%v\nbody: %s", what, ptr, err, body)
	}
}

// The checks bite: a body that drifts from its schema, and a status an
// operation does not list, are refused.
func TestOpenAPIContractRefusesDrift(t *testing.T) {
	t.Parallel()
	v := newContractValidator(t, loadOpenAPI(t))
	for _, body := range []string{
		`{"account_id":1,"email":"e","name":"n","grants":[]}`,         // wrong type
		`{"account_id":"a","email":"e","name":"n","grants":null}`,     // null list
		`{"account_id":"a","email":"e","name":"n"}`,                   // missing member
		`{"account_id":"a","email":"e","name":"n","grants":[],"x":1}`, // undocumented member
		`{"account_id":"a","email":"e","name":"n","grants":[{"role":"mayor"}]}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if v.schema(t, "#/components/schemas/Caller").Validate(inst) == nil {
			t.Errorf("Caller schema accepts %s", body)
		}
	}
	inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"account_id":"a","email":"e","name":"n","locale":"it","grants":[{"role":"merchant_staff","scope":"shop_1"}]}`))
	if err := v.schema(t, "#/components/schemas/Caller").Validate(inst); err != nil {
		t.Errorf("Caller schema refuses a real caller: %v", err)
	}
}

// The security the document declares is what the handlers do: an anonymous
// request to a protected operation gets 401 and to a public one never does;
// a signed-in account outside x-cityhub-roles gets 403, one inside never does.
func TestOpenAPISecurityMatchesHandlers(t *testing.T) {
	t.Parallel()
	_, env := fullServer(t, "sqlite")
	doc := loadOpenAPI(t)
	bearers := map[identity.Role]string{}
	for _, role := range identity.Roles {
		bearers[role] = env.login(t, role)
	}
	// Each probe's answer, whatever its status, is checked against the
	// document too: on an empty store the lists are empty, the ids unknown.
	c := newContract(t, env, newContractValidator(t, doc))
	probe := func(pattern, auth string) *httptest.ResponseRecorder {
		body := ""
		if m, _, _ := strings.Cut(pattern, " "); m == "POST" || m == "PUT" {
			body = "{}"
		}
		return c.probe(pattern, auth, body)
	}
	var checked int
	for pattern, op := range doc.operations() {
		if !strings.Contains(pattern, " /api/v1/") {
			continue
		}
		signature := false
		for _, p := range asSlice(op["parameters"]) {
			signature = signature || asMap(p)["$ref"] == "#/components/parameters/StripeSignature"
		}
		public := len(asSlice(op["security"])) == 0
		rec := probe(pattern, "")
		var p httpx.Problem
		_ = json.Unmarshal(rec.Body.Bytes(), &p)
		// login_required is the refusal of a request without a caller
		// (login and refresh answer 401 for bad credentials, which is not that).
		loginRequired := rec.Code == http.StatusUnauthorized && p.Reason == "login_required"
		switch {
		case public && loginRequired && !signature:
			t.Errorf("%s is documented public but refuses an anonymous caller: %s", pattern, rec.Body)
		case !public && !loginRequired:
			t.Errorf("%s is documented as needing credentials but answers an anonymous caller %d: %s", pattern, rec.Code, rec.Body)
		}
		roles, limited := op["x-cityhub-roles"].([]any)
		if public || !limited {
			continue
		}
		for _, role := range identity.Roles {
			allowed := slices.Contains(roles, any(string(role)))
			rec := probe(pattern, bearers[role])
			if allowed == (rec.Code == http.StatusForbidden) {
				t.Errorf("%s as %s: %d, but x-cityhub-roles is %v: %s", pattern, role, rec.Code, roles, rec.Body)
			}
			checked++
		}
	}
	if checked < 200 {
		t.Errorf("only %d role probes; the document lost its x-cityhub-roles", checked)
	}
}
