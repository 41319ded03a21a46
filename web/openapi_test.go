package web

import (
	"encoding/json"
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
	"testing"

	"cityhub/cardpay"
	"cityhub/mobility/mobilitytest"
	"cityhub/stripepay"
	"cityhub/ticketing"
	"cityhub/vouchers"
	"cityhub/web/api"
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
		d.Mobility = mobilitytest.NewService(env.DB.Mobility(), nil)
		d.Ticketing = ticketing.NewService(env.DB.Ticketing(), env.Keys, nil)
		d.Wallet.RegisterItems("ticket", d.Ticketing)
		d.CardPayments = cardpay.NewService(env.DB.CardPayments(), d.Ticketing, nil)
		withOutbox(env, d)
		withParticipation(env, d)
		d.City.IPACode = "c_a783"
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
	t.Parallel()
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
			t.Errorf("route %s (%s) is not in web/api/openapi.json", p, pos)
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
	t.Parallel()
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
