package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/mail"
	"cityhub/outbox"
	"cityhub/store"
	"cityhub/web/api"
	"cityhub/web/webtest"
)

func withOutbox(env *testEnv, d *Deps) { d.Outbox = outbox.NewService(env.DB.Outbox()) }

func init() {
	authzConfigure = append(authzConfigure, withOutbox)
	for _, role := range []identity.Role{"", identity.RoleCitizen, identity.RoleMerchant, identity.RoleDoor, identity.RoleOperator, identity.RoleAdmin} {
		pick := func(ok int) int {
			switch role {
			case "":
				return http.StatusUnauthorized
			case identity.RoleAdmin:
				return ok
			}
			return http.StatusForbidden
		}
		authzCases = append(authzCases,
			authzCase{"GET", "/api/v1/admin/mail", role, "", pick(http.StatusOK)},
			authzCase{"GET", "/api/v1/admin/mail/mail_nope", role, "", pick(http.StatusNotFound)},
			authzCase{"POST", "/api/v1/admin/mail/mail_nope/retry", role, "", pick(http.StatusNotFound)},
		)
	}
}

// failedMail puts a message in db's outbox that a sender gave up on.
func failedMail(t testing.TB, db store.DB, to, subject string) mail.Message {
	t.Helper()
	ctx := context.Background()
	var m mail.Message
	err := db.Outbox().InTx(ctx, func(tx outbox.Tx) error {
		var err error
		m, err = mail.Enqueue(ctx, tx, mail.Message{Kind: mail.KindTopUpReceipt, Locale: "it", To: to, Subject: subject,
			Text: "Testo della ricevuta", HTML: "<p>Ricevuta</p>"}, time.Now())
		return err
	})
	if err == nil {
		err = db.Outbox().InTx(ctx, func(tx outbox.Tx) error {
			now := time.Now()
			got, err := tx.ClaimMail(ctx, "test", now, now.Add(time.Minute), 100, 10)
			for _, g := range got {
				if g.ID == m.ID {
					g.State, g.LastError = mail.StateFailed, "550 5.1.1 mailbox unavailable"
					_, err = tx.FinishMail(ctx, g)
				}
			}
			return err
		})
	}
	if err != nil {
		t.Fatalf("failed mail: %v", err)
	}
	return m
}

// contractMail exercises the outbox API for the OpenAPI scenario.
func contractMail(c *contract) {
	admin, citizen := c.env.login(c.t, identity.RoleAdmin), c.env.login(c.t, identity.RoleCitizen)
	m := failedMail(c.t, c.env.DB, "contract@example.org", "Ricevuta")
	c.do("GET", "/api/v1/admin/mail", admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/mail?state=failed&limit=10", admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/mail?state=lost", admin, "", http.StatusBadRequest)
	c.do("GET", "/api/v1/admin/mail?limit=1000", admin, "", http.StatusBadRequest)
	c.do("GET", "/api/v1/admin/mail", citizen, "", http.StatusForbidden)
	c.do("GET", "/api/v1/admin/mail", "", "", http.StatusUnauthorized)
	c.do("GET", "/api/v1/admin/mail/"+m.ID, admin, "", http.StatusOK)
	c.do("GET", "/api/v1/admin/mail/mail_nope", admin, "", http.StatusNotFound)
	c.do("POST", "/api/v1/admin/mail/"+m.ID+"/retry", citizen, "", http.StatusForbidden)
	c.do("POST", "/api/v1/admin/mail/"+m.ID+"/retry", admin, "", http.StatusOK)
	c.do("POST", "/api/v1/admin/mail/"+m.ID+"/retry", admin, "", http.StatusConflict)
}

// The outbox API: a failed e-mail is listed with its attempts and error,
// retried once by an administrator, refused a second time.
func TestAdminMailAPI(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withOutbox)
	admin := env.login(t, identity.RoleAdmin)
	m := failedMail(t, env.DB, "anna@example.org", "Ricevuta")
	var page api.MailPageView
	decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/admin/mail?state=failed", admin, ""), http.StatusOK), &page)
	if len(page.Messages) != 1 || page.Messages[0].ID != m.ID || page.Messages[0].Attempts != 1 ||
		page.Messages[0].LastError != "550 5.1.1 mailbox unavailable" || page.Counts[mail.StateFailed] != 1 || page.Counts[mail.StateSent] != 0 {
		t.Fatalf("list %+v", page)
	}
	var got mail.Message
	decodeInto(t, mustStatus(t, env.do(t, "GET", "/api/v1/admin/mail/"+m.ID, admin, ""), http.StatusOK), &got)
	if got.Text != "Testo della ricevuta" || got.MessageID != m.MessageID {
		t.Fatalf("one %+v", got)
	}
	var retried api.MailSummary
	decodeInto(t, mustStatus(t, env.do(t, "POST", "/api/v1/admin/mail/"+m.ID+"/retry", admin, ""), http.StatusOK), &retried)
	if retried.State != mail.StatePending || retried.Attempts != 0 {
		t.Fatalf("retried %+v", retried)
	}
	if p := wantProblem(t, env.do(t, "POST", "/api/v1/admin/mail/"+m.ID+"/retry", admin, ""), http.StatusConflict); p.Reason != "mail_not_failed" {
		t.Fatalf("second retry %+v", p)
	}
}

// The outbox page lists e-mails by state, shows one whole (its markup as
// text, never rendered) and retries a failed one; only for administrators.
func TestOutboxPage(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withWallet(true), withOutbox)
	m := failedMail(t, env.DB, "anna@example.org", "Ricevuta <script>alert(1)</script>")
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	admin, _ := env.account(t, identity.RoleAdmin)
	pc := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
	if _, body := pc.Get("/admin"); !strings.Contains(body, `href="/admin/outbox"`) {
		t.Fatal("the admin dashboard has no outbox panel")
	}
	res, body := pc.Get("/admin/outbox?state=failed")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-mail="`+m.ID+`" data-state="failed"`) ||
		!strings.Contains(body, "550 5.1.1 mailbox unavailable") || strings.Contains(body, "<script>alert") || !strings.Contains(body, "Non riuscite (1)") {
		t.Fatalf("outbox page %d:\n%s", res.StatusCode, body)
	}
	if res, body := pc.Get("/admin/outbox/" + m.ID); res.StatusCode != http.StatusOK || !strings.Contains(body, "Testo della ricevuta") ||
		!strings.Contains(body, "&lt;p&gt;Ricevuta&lt;/p&gt;") {
		t.Fatalf("message page %d:\n%s", res.StatusCode, body)
	}
	// An e-mail that is not there is said in words of its own, not a
	// page's bare "not found".
	if res, body := pc.Get("/admin/outbox/mail_nope"); res.StatusCode != http.StatusNotFound || !strings.Contains(body, "Questa e-mail non c’è") {
		t.Fatalf("no such message: %d:\n%s", res.StatusCode, body)
	}
	if res, _ := pc.Get("/admin/outbox?state=lost"); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad state: %d", res.StatusCode)
	}
	csrf := pc.CSRF("/admin/outbox")
	res, _ = pc.Post("/admin/outbox/"+m.ID+"/retry", url.Values{"csrf_token": {csrf}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: %d", res.StatusCode)
	}
	if _, body := pc.Get("/admin/outbox?state=pending"); !strings.Contains(body, `data-mail="`+m.ID+`" data-state="pending"`) {
		t.Fatal("the retried e-mail is not pending")
	}
	if res, _ := pc.Post("/admin/outbox/"+m.ID+"/retry", url.Values{"csrf_token": {csrf}}); res.StatusCode != http.StatusConflict {
		t.Fatalf("second retry: %d", res.StatusCode)
	}
	citizen, _ := env.account(t, identity.RoleCitizen)
	cc := webtest.SignedIn(t, srv.URL, citizen.Email, testPassword)
	if res, body := cc.Get("/admin/outbox"); res.StatusCode != http.StatusForbidden || strings.Contains(body, m.ID) {
		t.Fatalf("a citizen sees the outbox: %d", res.StatusCode)
	}
}
