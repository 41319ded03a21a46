package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"mime"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"cityhub/cardpay"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/stripepay"
	"cityhub/ticketing"
	"cityhub/vouchers"
	"cityhub/web/api"
	"cityhub/web/httpx"
)

// ---- The document's routes against the mux's ------------------------------

// scannedRoute is a pattern registered with mux.Handle or mux.HandleFunc,
// read from the source of the server and its surfaces.
type scannedRoute struct {
	pattern string
	pos     string
}

// scanRoutes reads the patterns Server.routes registers, following the
// functions and closures it calls with string arguments (routeCatalogue
// builds its patterns from its path argument). A pattern it cannot work out
// is an error, so a new way of registering routes cannot slip past.
func scanRoutes(t *testing.T) []scannedRoute {
	t.Helper()
	fset := token.NewFileSet()
	// The server's own files and its surfaces' (one directory down).
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	surfaces, err := filepath.Glob("*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, surfaces...)
	// Functions by name; each surface has its own Register.
	funcs := map[string][]*ast.FuncDecl{}
	consts := map[string]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				funcs[d.Name.Name] = append(funcs[d.Name.Name], d)
			case *ast.GenDecl:
				if d.Tok != token.CONST {
					continue
				}
				for _, spec := range d.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
								consts[n.Name], _ = strconv.Unquote(lit.Value)
							}
						}
					}
				}
			}
		}
	}
	var out []scannedRoute
	var eval func(e ast.Expr, env map[string]string) (string, bool)
	eval = func(e ast.Expr, env map[string]string) (string, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			if e.Kind == token.STRING {
				s, err := strconv.Unquote(e.Value)
				return s, err == nil
			}
		case *ast.ParenExpr:
			return eval(e.X, env)
		case *ast.BinaryExpr:
			if e.Op == token.ADD {
				a, ok1 := eval(e.X, env)
				b, ok2 := eval(e.Y, env)
				return a + b, ok1 && ok2
			}
		case *ast.Ident:
			if v, ok := env[e.Name]; ok {
				return v, true
			}
			v, ok := consts[e.Name]
			return v, ok
		}
		return "", false
	}
	var walk func(body *ast.BlockStmt, env map[string]string, depth int)
	call := func(params *ast.FieldList, body *ast.BlockStmt, args []ast.Expr, env map[string]string, depth int) {
		inner := map[string]string{}
		i := 0
		for _, field := range params.List {
			for _, n := range field.Names {
				if i < len(args) {
					if v, ok := eval(args[i], env); ok {
						inner[n.Name] = v
					}
				}
				i++
			}
		}
		walk(body, inner, depth+1)
	}
	walk = func(body *ast.BlockStmt, env map[string]string, depth int) {
		if depth > 6 {
			t.Fatal("scanRoutes: calls nest too deep")
		}
		closures := map[string]*ast.FuncLit{}
		ast.Inspect(body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false // walked when called
			case *ast.AssignStmt:
				for i, lhs := range n.Lhs {
					id, ok := lhs.(*ast.Ident)
					if !ok || i >= len(n.Rhs) {
						continue
					}
					if fl, ok := n.Rhs[i].(*ast.FuncLit); ok {
						closures[id.Name] = fl
					} else if v, ok := eval(n.Rhs[i], env); ok {
						env[id.Name] = v
					}
				}
			case *ast.CallExpr:
				fun := n.Fun
				if ix, ok := fun.(*ast.IndexExpr); ok {
					fun = ix.X
				}
				var name string
				switch f := fun.(type) {
				case *ast.SelectorExpr:
					name = f.Sel.Name
					if (name == "Handle" || name == "HandleFunc") && len(n.Args) == 2 {
						if p, ok := eval(n.Args[0], env); ok {
							out = append(out, scannedRoute{pattern: p, pos: fset.Position(n.Pos()).String()})
						} else {
							t.Errorf("scanRoutes: cannot read the pattern at %s", fset.Position(n.Pos()))
						}
						return true
					}
				case *ast.Ident:
					name = f.Name
					if fl, ok := closures[name]; ok {
						call(fl.Type.Params, fl.Body, n.Args, env, depth)
						return true
					}
				}
				for _, fd := range funcs[name] {
					if fd.Body != nil && takesMux(fd) {
						call(fd.Type.Params, fd.Body, n.Args, env, depth)
					}
				}
			}
			return true
		})
	}
	routes := funcs["routes"]
	if len(routes) != 1 {
		t.Fatalf("scanRoutes: %d funcs routes, want the server's one", len(routes))
	}
	walk(routes[0].Body, map[string]string{}, 0)
	return out
}

// takesMux reports whether fd has a *http.ServeMux parameter: the helpers
// routes hands its mux to.
func takesMux(fd *ast.FuncDecl) bool {
	for _, f := range fd.Type.Params.List {
		if star, ok := f.Type.(*ast.StarExpr); ok {
			if sel, ok := star.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "ServeMux" {
				return true
			}
		}
	}
	return false
}

// fullServer is a test server with every area switched on, so that every
// conditional route is registered.
func fullServer(t *testing.T, engine string, more ...func(env *testEnv, d *Deps)) (*Server, *testEnv) {
	t.Helper()
	configure := []func(env *testEnv, d *Deps){withWallet(true), func(env *testEnv, d *Deps) {
		p, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_cityhub", WebhookSecret: testWebhookSecret, APIURL: stripeURL()}, nil)
		if err != nil {
			t.Fatalf("stripe client: %v", err)
		}
		d.Payments = p
		d.Vouchers = vouchers.NewService(env.DB.Vouchers(), env.Keys, nil)
		d.Wallet.RegisterItems("voucher", d.Vouchers)
		d.Mobility = mobility.NewService(env.DB.Mobility(), nil, nil)
		d.Ticketing = ticketing.NewService(env.DB.Ticketing(), env.Keys, nil)
		d.Wallet.RegisterItems("ticket", d.Ticketing)
		d.CardPayments = cardpay.NewService(env.DB.CardPayments(), d.Ticketing, nil)
		withOutbox(env, d)
	}}
	return newTestServer(t, engine, append(configure, more...)...)
}

// routedMux is a second mux with the server's routes, to ask which pattern
// a request matches.
func routedMux(s *Server) *http.ServeMux {
	mux := http.NewServeMux()
	s.routes(mux)
	return mux
}

var wildcard = regexp.MustCompile(`\{([a-z_]+)(\.\.\.)?\}`)

// sampleRequest is a request that pattern ("METHOD /path/{x}") matches.
func sampleRequest(pattern string) *http.Request {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern
	}
	path = wildcard.ReplaceAllStringFunc(path, func(w string) string {
		if w == "{dock}" {
			return "3"
		}
		return "x" + strings.Trim(w, "{}.")
	})
	return httptest.NewRequest(method, path, nil)
}

type openAPIDoc map[string]any

func loadOpenAPI(t testing.TB) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(api.OpenAPIDocument(), &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return doc
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// operations lists the document's operations as mux patterns
// ("GET /api/v1/x/{id}"), with their operation objects.
func (d openAPIDoc) operations() map[string]map[string]any {
	out := map[string]map[string]any{}
	for path, item := range d["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			if slices.Contains(httpMethods, method) {
				out[strings.ToUpper(method)+" "+path] = op.(map[string]any)
			}
		}
	}
	return out
}

// resolve follows a local $ref ("#/components/...").
func (d openAPIDoc) resolve(v any) any {
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		r, ok := m["$ref"].(string)
		if !ok {
			return v
		}
		v = d.pointer(r)
	}
	return v
}

func (d openAPIDoc) pointer(ref string) any {
	var cur any = map[string]any(d)
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[tok]
	}
	return cur
}

// Every route under /api/v1 is documented, every documented operation is
// routed, and the mux sends a request for each to exactly that pattern.
func TestOpenAPICoversRoutes(t *testing.T) {
	scanned := scanRoutes(t)
	srv, _ := fullServer(t, "sqlite")
	mux := routedMux(srv)
	doc := loadOpenAPI(t)
	ops := doc.operations()

	registered := map[string]string{}
	for _, r := range scanned {
		registered[r.pattern] = r.pos
		if _, got := mux.Handler(sampleRequest(r.pattern)); got != r.pattern {
			t.Errorf("%s (%s): a request for it is routed to %q", r.pattern, r.pos, got)
		}
	}
	var api int
	for p, pos := range registered {
		_, path, _ := strings.Cut(p, " ")
		if !strings.HasPrefix(path, "/api/v1/") {
			continue
		}
		api++
		if _, ok := ops[p]; !ok {
			t.Errorf("route %s (%s) is not in web/openapi.json", p, pos)
		}
	}
	for p := range ops {
		if _, ok := registered[p]; !ok {
			t.Errorf("documented operation %s is not routed", p)
		}
	}
	if api < 70 {
		t.Errorf("found only %d /api/v1 routes; the scan of routes.go lost some", api)
	}
	t.Logf("%d /api/v1 routes registered, %d operations documented (with /healthz, /readyz, jwks and GBFS)", api, len(ops))
}

// The document has the shape OpenAPI 3.1 requires, every $ref resolves,
// and every schema in it is a valid JSON Schema 2020-12.
func TestOpenAPIDocumentStructure(t *testing.T) {
	doc := loadOpenAPI(t)
	if v, _ := doc["openapi"].(string); !regexp.MustCompile(`^3\.1\.\d+$`).MatchString(v) {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	if info == nil || info["title"] == "" || info["version"] == "" {
		t.Errorf("info needs title and version: %v", info)
	}
	comps := doc["components"].(map[string]any)
	schemes := comps["securitySchemes"].(map[string]any)
	tags := map[string]bool{}
	for _, tg := range doc["tags"].([]any) {
		tags[tg.(map[string]any)["name"].(string)] = true
	}

	// Every $ref points at something.
	var refs []string
	var collect func(v any)
	collect = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				refs = append(refs, r)
			}
			for _, x := range v {
				collect(x)
			}
		case []any:
			for _, x := range v {
				collect(x)
			}
		}
	}
	collect(map[string]any(doc))
	used := map[string]bool{}
	for _, r := range refs {
		if !strings.HasPrefix(r, "#/") || doc.pointer(r) == nil {
			t.Errorf("$ref %q does not resolve", r)
		}
		used[r] = true
	}
	for kind, set := range comps {
		if kind == "securitySchemes" {
			continue
		}
		for name := range set.(map[string]any) {
			if !used["#/components/"+kind+"/"+name] {
				t.Errorf("components/%s/%s is never used", kind, name)
			}
		}
	}

	ids := map[string]string{}
	statusKey := regexp.MustCompile(`^([1-5][0-9][0-9]|[1-5]XX|default)$`)
	for path, rawItem := range doc["paths"].(map[string]any) {
		if !strings.HasPrefix(path, "/") {
			t.Errorf("path %q must start with /", path)
		}
		item := rawItem.(map[string]any)
		var templ []string
		for _, m := range wildcard.FindAllStringSubmatch(path, -1) {
			templ = append(templ, m[1])
		}
		for method, rawOp := range item {
			if !slices.Contains(httpMethods, method) {
				if method != "parameters" && method != "summary" && method != "description" {
					t.Errorf("%s: unexpected member %q", path, method)
				}
				continue
			}
			op := rawOp.(map[string]any)
			where := strings.ToUpper(method) + " " + path
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s: no operationId", where)
			} else if prev, dup := ids[id]; dup {
				t.Errorf("%s: operationId %q also used by %s", where, id, prev)
			}
			ids[id] = where
			for _, tg := range op["tags"].([]any) {
				if !tags[tg.(string)] {
					t.Errorf("%s: tag %q is not declared", where, tg)
				}
			}
			// Parameters: well formed, unique, path wildcards declared.
			seen := map[string]bool{}
			var pathParams []string
			params := append(append([]any{}, asSlice(item["parameters"])...), asSlice(op["parameters"])...)
			for _, raw := range params {
				p := doc.resolve(raw).(map[string]any)
				name, _ := p["name"].(string)
				in, _ := p["in"].(string)
				if name == "" || !slices.Contains([]string{"query", "header", "path", "cookie"}, in) {
					t.Errorf("%s: bad parameter %v", where, p)
				}
				if seen[in+":"+name] {
					t.Errorf("%s: parameter %s in %s twice", where, name, in)
				}
				seen[in+":"+name] = true
				if _, ok := p["schema"]; !ok {
					t.Errorf("%s: parameter %s has no schema", where, name)
				}
				if in == "path" {
					pathParams = append(pathParams, name)
					if p["required"] != true {
						t.Errorf("%s: path parameter %s must be required", where, name)
					}
				}
			}
			sort.Strings(pathParams)
			sort.Strings(templ)
			if !slices.Equal(pathParams, templ) {
				t.Errorf("%s: path parameters %v, template has %v", where, pathParams, templ)
			}
			// Security names declared schemes.
			sec, ok := op["security"].([]any)
			if !ok {
				t.Errorf("%s: no security (use [] for a public operation)", where)
			}
			for _, req := range sec {
				for name := range req.(map[string]any) {
					if _, ok := schemes[name]; !ok {
						t.Errorf("%s: security scheme %q is not declared", where, name)
					}
				}
			}
			if rb, ok := op["requestBody"]; ok {
				if c, _ := doc.resolve(rb).(map[string]any)["content"].(map[string]any); len(c) == 0 {
					t.Errorf("%s: request body without content", where)
				}
			}
			responses, _ := op["responses"].(map[string]any)
			if len(responses) == 0 {
				t.Errorf("%s: no responses", where)
			}
			for status, raw := range responses {
				if !statusKey.MatchString(status) {
					t.Errorf("%s: response key %q", where, status)
				}
				r := doc.resolve(raw).(map[string]any)
				if d, _ := r["description"].(string); d == "" {
					t.Errorf("%s %s: response without description", where, status)
				}
				for media, mt := range asMap(r["content"]) {
					if _, _, err := mime.ParseMediaType(media); err != nil {
						t.Errorf("%s %s: media type %q: %v", where, status, media, err)
					}
					if _, ok := mt.(map[string]any)["schema"]; !ok {
						t.Errorf("%s %s %s: no schema", where, status, media)
					}
				}
				if n, err := strconv.Atoi(status); err == nil && n >= 400 && strings.HasPrefix(path, "/api/") {
					if _, ok := asMap(r["content"])["application/problem+json"]; !ok {
						t.Errorf("%s %s: an error must be application/problem+json", where, status)
					}
				}
			}
		}
	}

	// Every schema compiles as JSON Schema 2020-12 (the compiler checks each
	// against the draft's meta-schema).
	v := newContractValidator(t, doc)
	for name := range asMap(comps["schemas"]) {
		v.schema(t, "#/components/schemas/"+name)
	}
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

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
	if keyed && httpx.KeepAnswer(idem.Answer{Status: rec.Code, Body: rec.Body.Bytes()}) {
		c.retry(req, pattern, body, rec, auto)
	}
	return rec
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
	if pattern == "DELETE /api/v1/me" && rec.Code == http.StatusUnauthorized {
		return // the account is gone, and so is its token: refused before any answer is looked up
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
		if _, ok := op["requestBody"]; !ok {
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
		req := sampleRequest(pattern)
		body := ""
		if req.Method == "POST" || req.Method == "PUT" {
			body = "{}"
			req = httptest.NewRequest(req.Method, req.URL.Path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		env.Server.ServeHTTP(rec, req)
		c.check(pattern, body, rec)
		return rec
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
