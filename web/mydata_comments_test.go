package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"cityhub/identity"
	"cityhub/participation"
	"cityhub/store/storetest"
	"cityhub/web/webtest"
)

// A comment two others flagged is in its author's download, from the API
// and the privacy page alike, as the public sees it (visible) and, once an
// administrator hid it, as hidden; with no flag count and no flags at all,
// where the moderators' queue counts two.
func TestMyDataCommentsHaveNoFlags(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			_, env := newTestServer(t, engine, withParticipation)
			carla, carlaBearer := env.account(t, identity.RoleCitizen)
			_, anna := env.account(t, identity.RoleCitizen)
			_, bruno := env.account(t, identity.RoleCitizen)
			_, admin := env.account(t, identity.RoleAdmin)

			res := env.do(t, "POST", "/api/v1/proposals", anna, `{"title":"Panchine al fiume","body":"Panchine lungo il fiume, per favore."}`)
			wantStatus(t, res, http.StatusCreated)
			var p participation.PublicProposal
			decodeInto(t, res, &p)
			res = env.do(t, "POST", "/api/v1/proposals/"+p.ID+"/comments", carlaBearer, `{"body":"Chi non è d'accordo non capisce nulla."}`)
			wantStatus(t, res, http.StatusCreated)
			var cm participation.PublicComment
			decodeInto(t, res, &cm)
			wantStatus(t, env.do(t, "POST", "/api/v1/comments/"+cm.ID+"/flag", anna, `{"reason":"Offende"}`), http.StatusNoContent)
			wantStatus(t, env.do(t, "POST", "/api/v1/comments/"+cm.ID+"/flag", bruno, `{"reason":""}`), http.StatusNoContent)
			var queue struct {
				Comments []participation.Comment `json:"comments"`
			}
			decodeInto(t, wantOK(t, env.do(t, "GET", "/api/v1/admin/comments/flagged", admin, "")), &queue)
			if len(queue.Comments) != 1 || queue.Comments[0].FlagCount != 2 || queue.Comments[0].State != participation.CommentFlagged {
				t.Fatalf("the moderators' queue: %+v; want the comment flagged twice", queue.Comments)
			}

			srv := httptest.NewServer(env.Server)
			t.Cleanup(srv.Close)
			pc := webtest.SignedIn(t, srv.URL, carla.Email, testPassword)
			check := func(from, doc, want string) {
				t.Helper()
				var got struct {
					Participation struct {
						Comments []map[string]json.RawMessage `json:"comments"`
					} `json:"participation"`
				}
				if err := json.Unmarshal([]byte(doc), &got); err != nil {
					t.Fatalf("%s: %v\n%s", from, err, doc)
				}
				cs := got.Participation.Comments
				if len(cs) != 1 || string(cs[0]["id"]) != `"`+cm.ID+`"` || string(cs[0]["state"]) != `"`+want+`"` {
					t.Fatalf("%s: want carla's one comment, %s\n%s", from, want, doc)
				}
				for _, k := range []string{"flag_count", "flags"} {
					if v, ok := cs[0][k]; ok {
						t.Fatalf("%s: carla's comment has %s %s\n%s", from, k, v, doc)
					}
				}
			}
			download := func(want string) {
				t.Helper()
				res := env.do(t, "GET", "/api/v1/me/data", carlaBearer, "")
				wantStatus(t, res, http.StatusOK)
				check("the API's download", res.Body.String(), want)
				pres, page := pc.Get("/privacy/my-data.json")
				if pres.StatusCode != http.StatusOK {
					t.Fatalf("the page's download: %d\n%s", pres.StatusCode, page)
				}
				check("the page's download", page, want)
			}
			download(participation.CommentVisible)
			wantOK(t, env.do(t, "PUT", "/api/v1/admin/comments/"+cm.ID+"/state", admin, `{"state":"hidden"}`))
			download(participation.CommentHidden)
		})
	}
}
