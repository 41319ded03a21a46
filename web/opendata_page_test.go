package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The open data page lists the datasets of the areas this hub runs, and
// every address it gives answers, without an account.
func TestOpenDataPageLinksAnswer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		configure []func(env *testEnv, d *Deps)
		want      []string
		absent    []string
	}{
		{"with participation", []func(env *testEnv, d *Deps){withParticipation}, []string{"reports", "counts", "proposals", "open311", "api"}, nil},
		{"without", nil, []string{"api"}, []string{"reports", "open311"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, env := newTestServer(t, "sqlite", tc.configure...)
			rec := env.do(t, "GET", "/dati-aperti", "", "")
			if rec.Code != http.StatusOK {
				t.Fatalf("page: %d", rec.Code)
			}
			page := rec.Body.String()
			for _, k := range tc.want {
				if !strings.Contains(page, `data-testid="dataset-`+k+`"`) {
					t.Errorf("dataset %s missing", k)
				}
			}
			for _, k := range tc.absent {
				if strings.Contains(page, `data-testid="dataset-`+k+`"`) {
					t.Errorf("dataset %s listed on a hub without it", k)
				}
			}
			i := strings.Index(page, `data-testid="datasets"`)
			if i < 0 {
				t.Fatal("no list of datasets")
			}
			list := page[i:]
			list = list[:strings.Index(list, "</ul>")]
			links := regexp.MustCompile(`href="(/[^"]*)"`).FindAllStringSubmatch(list, -1)
			if len(links) == 0 {
				t.Fatal("no links")
			}
			for _, m := range links {
				if rec := env.do(t, "GET", m[1], "", ""); rec.Code != http.StatusOK {
					t.Errorf("%s: %d", m[1], rec.Code)
				}
			}
		})
	}
}
