package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store/storetest"
	"cityhub/web/webtest"
)

// The flags a person raised on comments, with the reason they typed, are
// their data: their download holds each (the comment, its proposal, when,
// the reason), from the API and the privacy page alike, and nothing of
// another person's flag of the same comment.
func TestMyDataHoldsTheFlagsOfTheCaller(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			_, env := newTestServer(t, engine, withParticipation)
			anna, annaBearer := env.account(t, identity.RoleCitizen)
			bruno, brunoBearer := env.account(t, identity.RoleCitizen)
			_, carla := env.account(t, identity.RoleCitizen)
			const annaReason, brunoReason = "Offende chi ha proposto, parola per parola", "Pubblicità di un negozio di orologi"

			res := env.do(t, "POST", "/api/v1/proposals", carla, `{"title":"Panchine al fiume","body":"Panchine lungo il fiume, per favore."}`)
			wantStatus(t, res, http.StatusCreated)
			var p participation.PublicProposal
			decodeInto(t, res, &p)
			res = env.do(t, "POST", "/api/v1/proposals/"+p.ID+"/comments", carla, `{"body":"Chi non è d'accordo non capisce nulla."}`)
			wantStatus(t, res, http.StatusCreated)
			var cm participation.PublicComment
			decodeInto(t, res, &cm)
			before := time.Now().Add(-time.Minute)
			wantStatus(t, env.do(t, "POST", "/api/v1/comments/"+cm.ID+"/flag", annaBearer, `{"reason":"`+annaReason+`"}`), http.StatusNoContent)
			wantStatus(t, env.do(t, "POST", "/api/v1/comments/"+cm.ID+"/flag", brunoBearer, `{"reason":"`+brunoReason+`"}`), http.StatusNoContent)

			download := func(bearer string) (string, []participation.OwnFlag) {
				t.Helper()
				res := env.do(t, "GET", "/api/v1/me/data", bearer, "")
				wantStatus(t, res, http.StatusOK)
				var got struct {
					Participation struct {
						Flags []participation.OwnFlag `json:"flagged_comments"`
					} `json:"participation"`
				}
				decodeInto(t, res, &got)
				return res.Body.String(), got.Participation.Flags
			}
			doc, flags := download(annaBearer)
			if len(flags) != 1 || flags[0].CommentID != cm.ID || flags[0].ProposalID != p.ID || flags[0].Reason != annaReason ||
				flags[0].At.Before(before) || flags[0].At.After(time.Now().Add(time.Minute)) {
				t.Fatalf("anna's flags in her download: %+v\n%s", flags, doc)
			}
			if strings.Contains(doc, brunoReason) || strings.Contains(doc, bruno.ID) {
				t.Fatalf("anna's download holds bruno's flag:\n%s", doc)
			}
			doc, flags = download(brunoBearer)
			if len(flags) != 1 || flags[0].Reason != brunoReason || strings.Contains(doc, annaReason) || strings.Contains(doc, anna.ID) {
				t.Fatalf("bruno's download: %+v\n%s", flags, doc)
			}
			// Carla flagged nothing: her download says so, with no flag of
			// her comment.
			doc, flags = download(carla)
			if flags == nil || len(flags) != 0 || strings.Contains(doc, annaReason) || strings.Contains(doc, brunoReason) {
				t.Fatalf("carla's download: %+v\n%s", flags, doc)
			}

			// The privacy page's download holds it too.
			srv := httptest.NewServer(env.Server)
			t.Cleanup(srv.Close)
			pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
			pres, page := pc.Get("/privacy/my-data.json")
			if pres.StatusCode != http.StatusOK || !strings.Contains(page, annaReason) || strings.Contains(page, brunoReason) {
				t.Fatalf("the page's download: %d\n%s", pres.StatusCode, page)
			}
		})
	}
}
