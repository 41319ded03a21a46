package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
)

// The administrators' account list and outbox refuse a cursor they never
// gave with 400 bad_cursor, as every other list does, where they answered
// an empty page a client took for the list's end; the pages that show them
// answer the error page of a bad link. A cursor the list gave still pages.
func TestAdminListsRefuseACursorTheyNeverGave(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			_, env := newTestServer(t, engine, withOutbox)
			adminAcct, admin := env.account(t, identity.RoleAdmin)
			citizen, _ := env.account(t, identity.RoleCitizen)
			for _, to := range []string{"uno@example.org", "due@example.org", "tre@example.org"} {
				failedMail(t, env.DB, to, "Ricevuta")
			}

			// The account list: the page after the newest account (the
			// citizen) holds the administrator.
			var accounts struct {
				Accounts []struct {
					ID string `json:"id"`
				} `json:"accounts"`
				Next string `json:"next_cursor"`
			}
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/admin/accounts?limit=1", admin, ""), http.StatusOK), &accounts)
			if len(accounts.Accounts) != 1 || accounts.Accounts[0].ID != citizen.ID || accounts.Next != citizen.ID {
				t.Fatalf("first page of accounts: %+v", accounts)
			}
			accountsNext := accounts.Next
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/admin/accounts?limit=1&cursor="+accountsNext, admin, ""), http.StatusOK), &accounts)
			if len(accounts.Accounts) != 1 || accounts.Accounts[0].ID != adminAcct.ID {
				t.Fatalf("page after %s: %+v", accountsNext, accounts)
			}

			// The outbox: the page after the newest e-mail holds the next.
			type mailPage struct {
				Messages []struct {
					ID string `json:"id"`
				} `json:"messages"`
				Next string `json:"next_cursor"`
			}
			var first, second mailPage
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/admin/mail?limit=1", admin, ""), http.StatusOK), &first)
			if len(first.Messages) != 1 || first.Next != first.Messages[0].ID {
				t.Fatalf("first page of e-mails: %+v", first)
			}
			decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/admin/mail?limit=1&cursor="+first.Next, admin, ""), http.StatusOK), &second)
			if len(second.Messages) != 1 || second.Messages[0].ID == first.Messages[0].ID || second.Next == "" {
				t.Fatalf("page after %s: %+v", first.Next, second)
			}

			for _, path := range []string{
				"/api/v1/admin/accounts?cursor=zzz",
				"/api/v1/admin/accounts?cursor=acc_nobody",
				"/api/v1/admin/accounts?q=example&cursor=" + url.QueryEscape(strings.ToUpper(accountsNext)),
				"/api/v1/admin/accounts?cursor=" + first.Next, // an e-mail's id is no account's
				"/api/v1/admin/mail?cursor=zzz",
				"/api/v1/admin/mail?cursor=mail_nope",
				"/api/v1/admin/mail?state=failed&cursor=" + url.QueryEscape(first.Next+"0"),
				"/api/v1/admin/mail?cursor=" + accountsNext, // an account's id is no e-mail's
			} {
				if p := wantProblem(t, env.do(t, "GET", path, admin, ""), http.StatusBadRequest); p.Reason != "bad_cursor" {
					t.Errorf("%s: reason %q, want bad_cursor", path, p.Reason)
				}
			}

			// The pages: a cursor they gave pages, any other is the error
			// page of a link gone bad, never a 500 nor an empty list.
			srv := httptest.NewServer(env.Server)
			defer srv.Close()
			pc := pageIn(t, srv.URL, "en")
			if res := pc.Login(adminAcct.Email, testPassword); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("login: %d", res.StatusCode)
			}
			res, body := pc.Get("/admin/accounts?limit=1&cursor=" + accountsNext)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-account="`+adminAcct.ID+`"`) || strings.Contains(body, `data-account="`+citizen.ID+`"`) {
				t.Fatalf("accounts page after %s: %d\n%s", accountsNext, res.StatusCode, body)
			}
			res, body = pc.Get("/admin/outbox?limit=1&cursor=" + first.Next)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-mail="`+second.Messages[0].ID+`"`) || strings.Contains(body, `data-mail="`+first.Messages[0].ID+`"`) {
				t.Fatalf("outbox page after %s: %d\n%s", first.Next, res.StatusCode, body)
			}
			// The error page links the list's first page, with the
			// search or the state chosen kept.
			for path, first := range map[string]string{
				"/admin/accounts?cursor=zzz":                     "/admin/accounts",
				"/admin/accounts?q=anna&state=active&cursor=zzz": "/admin/accounts?q=anna&amp;state=active",
				"/admin/accounts?limit=0":                        "/admin/accounts",
				"/admin/outbox?cursor=zzz":                       "/admin/outbox",
				"/admin/outbox?state=failed&cursor=zzz":          "/admin/outbox?state=failed",
				"/admin/outbox?state=failed&limit=9999":          "/admin/outbox?state=failed",
			} {
				res, body := pc.Get(path)
				if res.StatusCode != http.StatusBadRequest || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
					!strings.Contains(body, `data-status="400"`) || !strings.Contains(body, `href="`+first+`" data-testid="first-page">Go to the first page</a>`) {
					t.Fatalf("%s: %d, want a 400 error page linking %s:\n%s", path, res.StatusCode, first, body)
				}
			}
		})
	}
}
