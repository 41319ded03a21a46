package web

import (
	"cityhub/internal/testutil"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"cityhub/identity"
	"cityhub/mail"
	"cityhub/participation"
	"cityhub/web/webtest"
)

// failingReads is a participation store whose reads fail while broken is
// set, as when the database is down.
type failingReads struct {
	participation.Store
	broken *atomic.Bool
}

func (f failingReads) View(ctx context.Context, fn func(tx participation.Tx) error) error {
	if f.broken.Load() {
		return errors.New("database unreachable")
	}
	return f.Store.View(ctx, fn)
}

// A report photo the caller may not see (an unknown id, another citizen's
// photo awaiting moderation) answers the site's own 404 page, in the
// person's language, like every other page; a failure of the hub answers
// the 500 page, not "not found", and is logged with its cause.
func TestReportPhotoErrorsArePages(t *testing.T) {
	t.Parallel()
	var broken atomic.Bool
	logs := &testutil.Buffer{}
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		d.Log = slog.New(slog.NewTextHandler(logs, nil))
		svc, err := participation.NewService(failingReads{env.DB.Participation(), &broken}, participation.Settings{APIKeyCost: identity.FastArgon2}, d.Log)
		if err != nil {
			t.Fatal(err)
		}
		c, err := mail.NewComposer(testIssuer)
		if err != nil {
			t.Fatal(err)
		}
		svc.SendMail(c)
		d.Participation = Participation{Service: svc}
	})
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	bea, _ := env.account(t, identity.RoleCitizen)
	staffAcc, _ := env.account(t, identity.RoleCityStaff)
	login := func(email string) *webtest.PageClient {
		pc := webtest.SignedIn(t, srv.URL, email, testPassword)
		return pc
	}
	cit, other, staff := login(anna.Email), login(bea.Email), login(staffAcc.Email)
	anon := webtest.NewPageClient(t, srv.URL)

	res, _ := postReport(t, cit, map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776", "description": "A hole by the school"}, testPhoto(t), testPhoto(t))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("report: %d", res.StatusCode)
	}
	id := strings.TrimPrefix(strings.SplitN(res.Header.Get("Location"), "?", 2)[0], "/reports/")
	_, body := staff.Get("/staff/reports/" + id)
	// Each photo is named by its place among them, not all alike, on the
	// staff's page and on the reporter's.
	_, own := cit.Get("/reports/" + id)
	for who, b := range map[string]string{"staff": body, "reporter": own} {
		if !strings.Contains(b, `alt="Foto 1 di 2 della segnalazione"`) || !strings.Contains(b, `alt="Foto 2 di 2 della segnalazione"`) {
			t.Errorf("the %s's page does not number the photos:\n%s", who, b)
		}
	}
	m := regexp.MustCompile(`/reports/photos/(pho_[A-Za-z0-9_-]+)/thumbnail`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("staff page shows no photo")
	}
	photo := "/reports/photos/" + m[1]
	if res, _ := cit.Get(photo); res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("the reporter's own photo: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}

	isPage := func(who string, res *http.Response, body string, status int, heading string) {
		t.Helper()
		if res.StatusCode != status || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(body, "<h1>"+heading+"</h1>") || !strings.Contains(body, `data-status="`+strconv.Itoa(status)+`"`) {
			t.Fatalf("%s: %d %s, want the %d page %q\n%s", who, res.StatusCode, res.Header.Get("Content-Type"), status, heading, body)
		}
	}
	for _, path := range []string{"/reports/photos/pho_nonexistent", "/reports/photos/pho_nonexistent/thumbnail"} {
		res, body := anon.Get(path)
		isPage("unknown photo "+path, res, body, http.StatusNotFound, "Pagina non trovata")
	}
	for _, path := range []string{photo, photo + "/thumbnail"} {
		res, body := other.Get(path)
		isPage("another citizen's pending photo "+path, res, body, http.StatusNotFound, "Pagina non trovata")
		res, body = anon.Get(path)
		isPage("a visitor on a pending photo "+path, res, body, http.StatusNotFound, "Pagina non trovata")
	}

	broken.Store(true)
	res, body = anon.Get(photo)
	isPage("photo while the database is down", res, body, http.StatusInternalServerError, "Si è verificato un problema")
	if got := logs.String(); !strings.Contains(got, "page failed") || !strings.Contains(got, "database unreachable") || !strings.Contains(got, photo) {
		t.Fatalf("the failure was not logged with its cause:\n%s", got)
	}
}

// A report's public page offers "Apri nella coda dell'ufficio" only to
// those /staff/reports/{id} lets in, staff of the report's office and
// administrators; staff of another office would follow it to a 403 that
// says the page is for the report's office, as its status form says.
func TestReportPageOffersTheQueueToItsOfficeOnly(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	roads, _ := env.account(t, identity.RoleCityStaff, "roads")
	parks, _ := env.account(t, identity.RoleCityStaff, "parks")
	admin, _ := env.account(t, identity.RoleAdmin)
	login := func(email string) *webtest.PageClient {
		pc := webtest.SignedIn(t, srv.URL, email, testPassword)
		return pc
	}
	res, _ := postReport(t, login(anna.Email), map[string]string{"category": "pothole", "lat": "41.1307", "lon": "14.776", "description": "A hole by the bridge"})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("report: %d", res.StatusCode)
	}
	id := strings.TrimPrefix(strings.SplitN(res.Header.Get("Location"), "?", 2)[0], "/reports/")
	link := `href="/staff/reports/` + id + `"`
	for _, c := range []struct {
		who   string
		email string
		offer bool
	}{{"staff of the report's office", roads.Email, true}, {"an administrator", admin.Email, true}, {"staff of another office", parks.Email, false}} {
		pc := login(c.email)
		res, body := pc.Get("/reports/" + id)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s on the report: %d", c.who, res.StatusCode)
		}
		if got := strings.Contains(body, link); got != c.offer {
			t.Errorf("%s: link to the office's queue shown %v, want %v", c.who, got, c.offer)
		}
		want := http.StatusOK
		if !c.offer {
			want = http.StatusForbidden
		}
		if res, body := pc.Get("/staff/reports/" + id); res.StatusCode != want || !c.offer && !strings.Contains(body, "di un altro ufficio") {
			t.Errorf("%s on /staff/reports/%s: %d, want %d", c.who, id, res.StatusCode, want)
		}
		if res, _ := pc.Get("/staff/reports/rep_nosuchreport"); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s on a report that does not exist: %d, want 404", c.who, res.StatusCode)
		}
	}
}
