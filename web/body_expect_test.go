package web

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
)

// A client that declares a body over the limit and asks "Expect:
// 100-continue" is refused at once, before it sends a byte of the body:
// the first answer it reads is the refusal, never "100 Continue" followed
// by a connection closed under the body it is then sending. The API, the
// pages' forms and Open311 alike, and a keyed API call as one without a
// key: its kept answer waits for nothing the length already refuses.
func TestBodyDeclaredTooLargeIsRefusedBeforeItIsSent(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	citizen := env.login(t, identity.RoleCitizen)
	for _, tc := range []struct {
		path, contentType string
		status            int
		says, auth        string
		key               string
	}{
		{"/api/v1/auth/login", "application/json", http.StatusRequestEntityTooLarge, `"reason":"body_too_large"`, "", ""},
		{"/login", "application/x-www-form-urlencoded", http.StatusRequestEntityTooLarge, "troppo grande", "", ""},
		// A report with its photos: the largest bodies the hub takes.
		{"/api/v1/reports", "multipart/form-data; boundary=x", http.StatusRequestEntityTooLarge, `"reason":"body_too_large"`, citizen, ""},
		{"/api/v1/reports", "multipart/form-data; boundary=x", http.StatusRequestEntityTooLarge, `"reason":"body_too_large"`, citizen, "report-key-1"},
		{"/api/v1/password-resets", "application/json", http.StatusRequestEntityTooLarge, `"reason":"body_too_large"`, "", "reset-key-1"},
		{"/reports", "multipart/form-data; boundary=x", http.StatusRequestEntityTooLarge, "Le foto insieme sono troppo grandi", "", ""},
		{"/open311/v2/requests.json", "application/x-www-form-urlencoded", http.StatusBadRequest, `"description":"The request is too large."`, "", ""},
		{"/open311/v2/requests.xml", "multipart/form-data; boundary=x", http.StatusBadRequest, "<description>The request is too large.</description>", "", ""},
	} {
		name := strings.TrimPrefix(tc.path, "/")
		if tc.key != "" {
			name += "/keyed"
		}
		t.Run(name, func(t *testing.T) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
				t.Fatal(err)
			}
			auth := ""
			if tc.auth != "" {
				auth = "Authorization: " + tc.auth + "\r\n"
			}
			if tc.key != "" {
				auth += "Idempotency-Key: " + tc.key + "\r\n"
			}
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: cityhub.test\r\nContent-Type: %s\r\n%sContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", tc.path, tc.contentType, auth, 256<<20)
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("no answer before the body: %v", err)
			}
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.status || !strings.Contains(string(body), tc.says) {
				t.Fatalf("%d %s\n%s", res.StatusCode, res.Header, body)
			}
		})
	}
}
