// Package webtest holds the helpers the hub's HTTP tests share: a client
// that keeps cookies like a browser and reads the pages' CSRF tokens. Only
// tests import it.
package webtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// PageClient is a browser-like client of one hub: it keeps HttpOnly cookies,
// does not follow redirects, and posts forms with their CSRF token.
type PageClient struct {
	T      *testing.T
	URL    string // the hub's base URL
	Client *http.Client
}

// NewPageClient is a client with an empty cookie jar for the hub at url.
func NewPageClient(t *testing.T, url string) *PageClient {
	jar := &cookieJar{cookies: map[string]*http.Cookie{}}
	return &PageClient{T: t, URL: url, Client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// cookieJar is a one-host jar that keeps HttpOnly cookies, like a browser.
type cookieJar struct {
	mu      sync.Mutex
	cookies map[string]*http.Cookie
}

func (j *cookieJar) SetCookies(u *url.URL, cs []*http.Cookie) {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, c := range cs {
		if c.MaxAge < 0 {
			delete(j.cookies, c.Name)
			continue
		}
		j.cookies[c.Name] = c
	}
}

func (j *cookieJar) Cookies(u *url.URL) []*http.Cookie {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []*http.Cookie
	for _, c := range j.cookies {
		out = append(out, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	return out
}

// Get fetches path and returns the response with its body read.
func (p *PageClient) Get(path string) (*http.Response, string) {
	p.T.Helper()
	res, err := p.Client.Get(p.URL + path)
	if err != nil {
		p.T.Fatal(err)
	}
	return res, ReadBody(p.T, res)
}

// Post posts form to path and returns the response with its body read.
func (p *PageClient) Post(path string, form url.Values) (*http.Response, string) {
	p.T.Helper()
	res, err := p.Client.PostForm(p.URL+path, form)
	if err != nil {
		p.T.Fatal(err)
	}
	return res, ReadBody(p.T, res)
}

// PostJSON posts body as JSON to path, as the pages' scripts do: with the
// CSRF token in X-CSRF-Token (none when csrf is empty). It returns the
// response and its body decoded as a JSON object (empty when it is none).
func (p *PageClient) PostJSON(path, csrf, body string) (*http.Response, map[string]any) {
	p.T.Helper()
	req, err := http.NewRequest("POST", p.URL+path, strings.NewReader(body))
	if err != nil {
		p.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	res, err := p.Client.Do(req)
	if err != nil {
		p.T.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res, out
}

// ReadBody reads and closes res's body.
func ReadBody(t testing.TB, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// CSRFInForm finds a form's CSRF token in a page.
var CSRFInForm = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// CSRF fetches path and returns the CSRF token of its forms.
func (p *PageClient) CSRF(path string) string {
	p.T.Helper()
	_, body := p.Get(path)
	m := CSRFInForm.FindStringSubmatch(body)
	if m == nil {
		p.T.Fatalf("no csrf token on %s", path)
	}
	return m[1]
}

// Login signs email in through the login form.
func (p *PageClient) Login(email, password string) *http.Response {
	p.T.Helper()
	tok := p.CSRF("/login")
	res, _ := p.Post("/login", url.Values{"csrf_token": {tok}, "email": {email}, "password": {password}})
	return res
}

// SignedIn is a client of the hub at url signed in as email through the
// login form; the test stops unless the login succeeds (303 on to the
// next page). Tests of a login that fails use NewPageClient and Login.
func SignedIn(t *testing.T, url, email, password string) *PageClient {
	t.Helper()
	p := NewPageClient(t, url)
	if res := p.Login(email, password); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("log %s in: %d", email, res.StatusCode)
	}
	return p
}
