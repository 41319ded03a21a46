package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"cityhub/web/api"
)

// ---- What the API answered against what the document promises -------------
//
// The document promises that each operation's description names the reasons
// (the problem's "reason" member) it can answer with. Every hub the tests
// build with newTestServer has its answers recorded here, whatever test sent
// the request; after the whole run, TestMain holds each operation to what it
// was seen answering: a status it answered is among its documented responses
// (an unlisted 5xx falls under "default"), and a reason it answered is named
// in its description, its parameters', the description of the response with
// that status, or the document's introduction, which names the reasons every
// operation may give (malformed_json, unknown_field, invalid_text, ...).
//
// It checks what the tests trigger, nothing more: a reason no test makes an
// operation give is outside it, as are the answers of hubs a test builds
// with New itself (a second hub on the same store), and a run of some tests
// (-run) checks what those tests saw. Every recorded answer is a real one,
// so a partial run never reports a gap that is not there. A reason of one
// word must be written "reason budget" or "(budget" to count (namesReason).

// seenAnswer is one kind of answer: the route pattern the mux matched
// ("POST /api/v1/x/{id}"), the status, and the problem's reason ("" for
// none, or for an answer that is not a problem).
type seenAnswer struct {
	pattern string
	status  int
	reason  string
}

// answerSample is the first request seen answered so, to point at it.
type answerSample struct {
	path, detail string
}

var seenAnswers = struct {
	sync.Mutex
	m map[seenAnswer]answerSample
}{m: map[seenAnswer]answerSample{}}

// watchAnswers makes s record its answers in seenAnswers. The pattern comes
// from a mux with s's own routes: the server's middlewares pass copies of
// the request down, so the one seen here never carries r.Pattern.
func watchAnswers(s *Server) {
	inner := s.handler
	mux := sync.OnceValue(func() *http.ServeMux { return routedMux(s) })
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := mux().Handler(r)
		path := r.URL.Path
		tap := &answerTap{ResponseWriter: w}
		defer func() {
			if tap.status == 0 {
				return // nothing was answered (a panic went on up)
			}
			var p struct{ Reason, Detail string }
			if tap.problem {
				_ = json.Unmarshal(tap.body.Bytes(), &p)
			}
			k := seenAnswer{pattern: pattern, status: tap.status, reason: p.Reason}
			seenAnswers.Lock()
			if _, ok := seenAnswers.m[k]; !ok {
				seenAnswers.m[k] = answerSample{path: path, detail: p.Detail}
			}
			seenAnswers.Unlock()
		}()
		inner.ServeHTTP(tap, r)
	})
}

// answerTap keeps the status of an answer and, for a problem, its body.
type answerTap struct {
	http.ResponseWriter
	status  int
	problem bool
	body    bytes.Buffer
}

func (t *answerTap) WriteHeader(code int) {
	if t.status == 0 && code >= 200 {
		t.status = code
		t.problem = strings.HasPrefix(t.Header().Get("Content-Type"), "application/problem+json")
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *answerTap) Write(b []byte) (int, error) {
	if t.status == 0 {
		t.WriteHeader(http.StatusOK)
	}
	if t.problem && t.body.Len() < 1<<16 {
		t.body.Write(b)
	}
	return t.ResponseWriter.Write(b)
}

func (t *answerTap) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// undocumentedAnswers lists, sorted, each answer in seen that doc does not
// promise: a status an operation does not list, a reason it does not name.
// Patterns the document has no operation for are left to
// TestOpenAPICoversRoutes, except under /api/v1, where each is a gap too.
func undocumentedAnswers(doc openAPIDoc, seen map[seenAnswer]answerSample) []string {
	ops := doc.operations()
	info := asMap(doc["info"])
	var gaps []string
	for k, sample := range seen {
		method, path, ok := strings.Cut(k.pattern, " ")
		if !ok || method == "" {
			continue // a catch-all: no operation of the document
		}
		op, documented := ops[strings.ToUpper(method)+" "+path]
		if !documented {
			if strings.HasPrefix(path, "/api/v1/") {
				gaps = append(gaps, fmt.Sprintf("%s: answered %d but is not in the document (%s)", k.pattern, k.status, sample.path))
			}
			continue
		}
		responses := asMap(op["responses"])
		resp, listed := responses[strconv.Itoa(k.status)]
		if !listed {
			if k.status < 500 || responses["default"] == nil {
				gaps = append(gaps, fmt.Sprintf("%s: answered %d, which it does not list (%s: %s)", k.pattern, k.status, sample.path, sample.detail))
				continue
			}
			resp = responses["default"]
		}
		if k.reason == "" {
			continue
		}
		texts := []any{info["description"], op["description"], asMap(doc.resolve(resp))["description"]}
		for _, p := range asSlice(op["parameters"]) {
			texts = append(texts, asMap(doc.resolve(p))["description"])
		}
		if !namesReason(texts, k.reason) {
			gaps = append(gaps, fmt.Sprintf("%s: answered %d with reason %s, which its description does not name (%s: %s)", k.pattern, k.status, k.reason, sample.path, sample.detail))
		}
	}
	slices.Sort(gaps)
	return gaps
}

// reasonWord is an identifier of a description: a reason with a detail
// after a colon (station_refused:busy) whole, and "station_refused:" of
// "station_refused:<its error>", which names every such reason.
var reasonWord = regexp.MustCompile(`[a-z0-9_]+(:[a-z0-9_]+)*:?`)

// namesReason says whether one of texts names reason. A reason of two words
// or more (unknown_seat) is named wherever it stands, though not by its
// words alone; one of a single word (budget), which prose may hold for
// another sense, only as "reason budget" or "(budget": a reason in
// parentheses, first of a list or alone.
func namesReason(texts []any, reason string) bool {
	prefix, _, detailed := strings.Cut(reason, ":")
	single := !strings.ContainsAny(reason, "_:")
	inParens := regexp.MustCompile(`(reasons?\W{1,3}|\()` + regexp.QuoteMeta(reason) + `\b`)
	for _, text := range texts {
		s, _ := text.(string)
		if single {
			if inParens.MatchString(s) {
				return true
			}
			continue
		}
		for _, w := range reasonWord.FindAllString(s, -1) {
			if w == reason || strings.TrimSuffix(w, ":") == reason || detailed && w == prefix+":" {
				return true
			}
		}
	}
	return false
}

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		var doc openAPIDoc
		if err := json.Unmarshal(api.OpenAPIDocument(), &doc); err != nil {
			fmt.Fprintf(os.Stderr, "openapi.json is not JSON: %v\n", err)
			os.Exit(1)
		}
		seenAnswers.Lock()
		gaps := undocumentedAnswers(doc, seenAnswers.m)
		seenAnswers.Unlock()
		if len(gaps) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: the API answered what web/api/openapi.json does not promise (%d); describe each in web/api/openapi_*_test.go:\n\t%s\n",
				len(gaps), strings.Join(gaps, "\n\t"))
			code = 1
		}
	}
	os.Exit(code)
}

// The check bites: an answer the document does not promise is named, one it
// promises (in the operation's description, its parameters', its response's,
// or the introduction's) is not.
func TestUndocumentedAnswersNamed(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	const unlock = "POST /api/v1/mobility/unlock"
	seen := map[seenAnswer]answerSample{
		{unlock, http.StatusConflict, "made_up_reason"}:                {},
		{unlock, http.StatusConflict, "bike"}:                          {}, // a word of the text, not a reason it names
		{unlock, http.StatusTeapot, ""}:                                {},
		{"GET /api/v1/no-such-operation", http.StatusOK, ""}:           {},
		{unlock, http.StatusBadRequest, "unlock_target"}:               {}, // the operation's
		{unlock, http.StatusConflict, "station_refused:no_bike"}:       {},
		{unlock, http.StatusServiceUnavailable, "station_refused:jam"}: {}, // station_refused:<its error>
		{unlock, http.StatusBadRequest, "unknown_field"}:               {}, // the introduction's
		{unlock, http.StatusConflict, "request_id_reused"}:             {}, // its Idempotency-Key's
		{unlock, http.StatusInternalServerError, ""}:                   {}, // default
		{"GET /", http.StatusOK, ""}:                                   {}, // a page
		{"/api/", http.StatusNotFound, "not_found"}:                    {},
	}
	gaps := undocumentedAnswers(doc, seen)
	want := []string{
		"GET /api/v1/no-such-operation: answered 200 but is not in the document",
		unlock + ": answered 409 with reason bike,",
		unlock + ": answered 409 with reason made_up_reason,",
		unlock + ": answered 418, which it does not list",
	}
	if len(gaps) != len(want) {
		t.Fatalf("gaps:\n%s\nwant:\n%s", strings.Join(gaps, "\n"), strings.Join(want, "\n"))
	}
	for i, g := range gaps {
		if !strings.HasPrefix(g, want[i]) {
			t.Errorf("gap %d: %s\nwant one starting with %s", i, g, want[i])
		}
	}
}
