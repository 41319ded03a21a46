package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/web/httpx"
)

// A path the API serves, asked with a method it does not take, is 405 with
// Allow naming the methods it does take, as problem+json; a path the API
// does not serve stays 404.
func TestAPIWrongMethodIs405(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite")
	for _, tc := range []struct {
		method, path, allow string
		status              int
	}{
		{"PUT", "/api/v1/me", "GET, HEAD, DELETE", http.StatusMethodNotAllowed},
		{"GET", "/api/v1/me/password", "PUT", http.StatusMethodNotAllowed},
		{"POST", "/api/v1/accounts/acc_1", "GET, HEAD", http.StatusMethodNotAllowed},
		{"PATCH", "/api/v1/openapi.json", "GET, HEAD", http.StatusMethodNotAllowed},
		{"GET", "/api/v1/nothing-here", "", http.StatusNotFound},
		{"DELETE", "/api/v1/nothing-here", "", http.StatusNotFound},
	} {
		rec := env.do(t, tc.method, tc.path, "", "")
		if rec.Code != tc.status || rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q, want %d Allow %q", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"), tc.status, tc.allow)
			continue
		}
		var p httpx.Problem
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s: Content-Type %q", tc.method, tc.path, ct)
		} else if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != tc.status {
			t.Errorf("%s %s: problem %+v (%v)", tc.method, tc.path, p, err)
		} else if tc.status == http.StatusMethodNotAllowed && p.Reason != "method_not_allowed" {
			t.Errorf("%s %s: reason %q", tc.method, tc.path, p.Reason)
		} else if tc.status == http.StatusNotFound && p.Reason != "not_found" {
			t.Errorf("%s %s: reason %q, want not_found", tc.method, tc.path, p.Reason)
		}
	}
}

// A page asked with a method it does not take is a 405 page with Allow
// naming the methods it does take; an unknown page is a 404 page, whatever
// the method.
func TestPageWrongMethodIs405(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite")
	for _, tc := range []struct {
		method, path, allow string
		status              int
	}{
		{"PUT", "/wallet", "GET, HEAD", http.StatusMethodNotAllowed},
		{"DELETE", "/login", "GET, HEAD, POST", http.StatusMethodNotAllowed},
		{"GET", "/logout", "POST", http.StatusMethodNotAllowed},
		{"POST", "/", "GET, HEAD", http.StatusMethodNotAllowed},
		{"PUT", "/no-such-page", "", http.StatusNotFound},
		{"GET", "/no-such-page", "", http.StatusNotFound},
		{"GET", "/", "", http.StatusOK},
	} {
		rec := env.do(t, tc.method, tc.path, "", "")
		if rec.Code != tc.status || rec.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q, want %d Allow %q", tc.method, tc.path, rec.Code, rec.Header().Get("Allow"), tc.status, tc.allow)
			continue
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s %s: Content-Type %q, want a page", tc.method, tc.path, ct)
		}
		// The 405 page says so, titled as a method not allowed rather
		// than as an invalid request.
		if body := rec.Body.String(); tc.status == http.StatusMethodNotAllowed &&
			(!strings.Contains(body, "Questo indirizzo non accetta questo tipo di richiesta") ||
				!strings.Contains(body, "<title>Metodo non consentito ·") || !strings.Contains(body, "<h1>Metodo non consentito</h1>") ||
				strings.Contains(body, "Richiesta non valida")) {
			t.Errorf("%s %s: the page does not say why: %.300s", tc.method, tc.path, body)
		}
	}
	// In English too.
	req := httptest.NewRequest("PUT", "/wallet", nil)
	req.Header.Set("Accept-Language", "en")
	rec := httptest.NewRecorder()
	env.Server.ServeHTTP(rec, req)
	if body := rec.Body.String(); rec.Code != http.StatusMethodNotAllowed ||
		!strings.Contains(body, "<title>Method not allowed ·") || !strings.Contains(body, "<h1>Method not allowed</h1>") || strings.Contains(body, "Invalid request") {
		t.Errorf("PUT /wallet in English: %d %.300s", rec.Code, body)
	}
}
