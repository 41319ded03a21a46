package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"cityhub/identity"
	"cityhub/mail"
)

// A change of address asked for again ends the links of the one before,
// whatever becomes of it: also when the new address has an account (its
// owner is told instead) or when the address's e-mail limit holds it back.
// The answer is the same in the three cases, so it still does not say
// whether the address is taken. A request refused outright (429) ends
// nothing.
func TestEmailChangeAskedAgainEndsTheEarlierLinks(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			_, env := newTestServer(t, engine)
			anna, bearer := env.account(t, identity.RoleCitizen)
			bruno, _ := env.account(t, identity.RoleCitizen)
			const free, free2, heldBack = "anna.first@example.org", "anna.second@example.org", "anna.held@example.org"
			ask := func(to string) string {
				t.Helper()
				res := env.do(t, "POST", "/api/v1/me/email-changes", bearer, `{"password":"`+testPassword+`","new_email":"`+to+`"}`)
				if res.Code != http.StatusAccepted {
					t.Fatalf("change to %s: %d %s", to, res.Code, res.Body)
				}
				return res.Body.String()
			}
			confirmIsDead := func(tok, why string) {
				t.Helper()
				res := env.do(t, "POST", "/api/v1/accounts/email-confirmations", bearer, `{"token":"`+tok+`"}`)
				if res.Code != http.StatusBadRequest {
					t.Fatalf("%s: the earlier link still answers %d %s", why, res.Code, res.Body)
				}
				wantReason(t, res, "invalid_token")
			}

			// Asked for a free address, then for bruno's: its owner is told,
			// and the first link is dead.
			answerFree := ask(free)
			_, tokFree := env.mailLink(t, free, mail.KindEmailChange)
			answerTaken := ask(bruno.Email)
			if n := len(env.mailTo(t, bruno.Email, mail.KindAccountExists)); n != 1 {
				t.Fatalf("bruno was told %d times that his address has an account, want once", n)
			}
			if answerTaken != answerFree {
				t.Fatalf("a taken address answers %q, a free one %q", answerTaken, answerFree)
			}
			confirmIsDead(tokFree, "after a change to a taken address")
			// Nor does the caller's own data download say it: the links to
			// addresses the account has not confirmed are not in it (the
			// free address got one, the taken one none).
			changeMails := func() []string {
				t.Helper()
				res := env.do(t, "GET", "/api/v1/me/data", bearer, "")
				wantStatus(t, res, http.StatusOK)
				var got struct {
					Account struct {
						Emails []struct{ Kind, To string } `json:"emails"`
					} `json:"account"`
				}
				if err := json.Unmarshal(res.Body.Bytes(), &got); err != nil {
					t.Fatal(err)
				}
				var to []string
				for _, m := range got.Account.Emails {
					if m.Kind == mail.KindEmailChange {
						to = append(to, m.To)
					}
				}
				return to
			}
			if to := changeMails(); len(to) != 0 {
				t.Fatalf("the download lists change links to unconfirmed addresses %v: it tells a taken address from a free one", to)
			}

			// Asked for a free address, then for one whose hourly e-mails
			// are spent (by resets asked for it): nothing goes to it, and
			// the first link is dead.
			ask(free2)
			_, tokFree2 := env.mailLink(t, free2, mail.KindEmailChange)
			for range 5 {
				if res := env.do(t, "POST", "/api/v1/password-resets", "", `{"email":"`+heldBack+`"}`); res.Code != http.StatusAccepted {
					t.Fatalf("reset for %s: %d %s", heldBack, res.Code, res.Body)
				}
			}
			if answerHeld := ask(heldBack); answerHeld != answerFree {
				t.Fatalf("a held back change answers %q, a sent one %q", answerHeld, answerFree)
			}
			if ms := env.mailTo(t, heldBack, mail.KindEmailChange); len(ms) != 0 {
				t.Fatalf("past its limit %s still got %d links", heldBack, len(ms))
			}
			confirmIsDead(tokFree2, "after a change held back by the limit")

			if a, err := env.Identity.Account(t.Context(), anna.ID); err != nil || a.Email != anna.Email {
				t.Fatalf("anna's address moved: %+v %v", a, err)
			}

			// A request refused outright (429: this network's e-mails for
			// the hour are spent) changes nothing: the link sent before it
			// still works.
			const free3, free4 = "anna.third@example.org", "anna.fourth@example.org"
			ask(free3)
			_, tokFree3 := env.mailLink(t, free3, mail.KindEmailChange)
			for i := 0; ; i++ {
				res := env.do(t, "POST", "/api/v1/password-resets", "", fmt.Sprintf(`{"email":"spend%d@example.org"}`, i))
				if res.Code == http.StatusTooManyRequests {
					break
				}
				if res.Code != http.StatusAccepted || i > 100 {
					t.Fatalf("reset %d: %d %s", i, res.Code, res.Body)
				}
			}
			refused := env.do(t, "POST", "/api/v1/me/email-changes", bearer, `{"password":"`+testPassword+`","new_email":"`+free4+`"}`)
			if refused.Code != http.StatusTooManyRequests {
				t.Fatalf("change past the network's limit: %d %s", refused.Code, refused.Body)
			}
			wantReason(t, refused, "too_many_emails")
			if res := env.do(t, "POST", "/api/v1/accounts/email-confirmations", bearer, `{"token":"`+tokFree3+`"}`); res.Code != http.StatusOK {
				t.Fatalf("the link sent before a refused request: %d %s", res.Code, res.Body)
			}
			if a, err := env.Identity.Account(t.Context(), anna.ID); err != nil || a.Email != free3 {
				t.Fatalf("anna's address after confirming: %+v %v", a, err)
			}
			// Confirmed, the address is the account's: its link is in the
			// download.
			if to := changeMails(); len(to) != 1 || to[0] != free3 {
				t.Fatalf("after confirming %s the download lists change links to %v", free3, to)
			}
		})
	}
}
