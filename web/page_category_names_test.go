package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/ticketing"
	"cityhub/web/webtest"
)

// The theatre page names a venue's seat categories in Italian and
// English: buyers read those names in the seat picker's prices and seat
// labels, and the administrator in the list of the codes to price, where a
// category left unnamed keeps the hub's words. A name too long or in one
// language only comes back next to its field in the page's words, and a
// citizen may not post the form; neither changes anything.
func TestTheatrePageNamesCategories(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			th := newCategoriesTheatre(t, engine, map[string]int64{"stalls": 2500, "prima_fila": 3000})
			env, srv, v, p, adminC := th.env, th.srv, th.venue, th.perf, th.admin
			ctx := context.Background()
			svc := env.Deps.Ticketing
			admin, _ := env.account(t, identity.RoleAdmin)
			ac := webtest.SignedIn(t, srv.URL, admin.Email, testPassword)
			citizen, _ := env.account(t, identity.RoleCitizen)
			pc := webtest.SignedIn(t, srv.URL, citizen.Email, testPassword)
			path := "/admin/theatre/venues/" + v.ID + "/categories"
			unchanged := func() {
				t.Helper()
				got, err := svc.VenueCategories(ctx, adminC, v.ID)
				if err != nil || len(got) != 2 || got[0].Named || got[1].Named {
					t.Fatalf("changed: %+v, %v", got, err)
				}
			}

			// The form offers a name in each language for each category,
			// bounded as the domain bounds it.
			_, body := ac.Get("/admin/theatre")
			for _, f := range []string{"name_it.stalls", "name_en.stalls", "name_it.prima_fila", "name_en.prima_fila"} {
				if !regexp.MustCompile(`name="` + regexp.QuoteMeta(f) + `" value="" maxlength="` + fmt.Sprint(ticketing.MaxCategoryName) + `"`).MatchString(body) {
					t.Fatalf("the names form lacks %s bounded at %d:\n%s", f, ticketing.MaxCategoryName, body)
				}
			}

			// Refused, in the page's language, next to the name it is about.
			long := strings.Repeat("Poltrona ", 5)
			for _, tc := range []struct {
				lang, field string
				form        url.Values
				want        string
			}{
				{"it", "name_it.stalls", url.Values{"name_it.stalls": {long}, "name_en.stalls": {"Premium stalls"}},
					fmt.Sprintf("Il nome in italiano della categoria stalls è una riga da 1 a %d caratteri, senza caratteri di controllo.", ticketing.MaxCategoryName)},
				{"en", "name_en.prima_fila", url.Values{"name_it.prima_fila": {"Prima fila"}, "name_en.prima_fila": {"  "}},
					"Give the category prima_fila its name in both Italian and English, or leave both empty for the default name."},
				{"it", "name_it.prima_fila", url.Values{"name_en.prima_fila": {"Front row"}},
					"Dai alla categoria prima_fila il nome sia in italiano sia in inglese, oppure lasciali vuoti entrambi per il nome predefinito."},
			} {
				chooseLanguage(t, ac, tc.lang, "/admin/theatre")
				tc.form.Set("csrf_token", ac.CSRF("/admin/theatre"))
				res, body := ac.Post(path, tc.form)
				got := regexp.MustCompile(`data-field-error="` + regexp.QuoteMeta(tc.field) + `">([^<]*)<`).FindStringSubmatch(body)
				if res.StatusCode != http.StatusBadRequest || got == nil || got[1] != tc.want {
					t.Fatalf("%s: %d, %s's error %q, want %q", tc.field, res.StatusCode, tc.field, got, tc.want)
				}
				// The form comes back as typed.
				for f, v := range tc.form {
					if f != "csrf_token" && !strings.Contains(body, `name="`+f+`" value="`+strings.TrimSpace(v[0])+`"`) {
						t.Fatalf("%s does not come back as typed (%q)", f, v[0])
					}
				}
				unchanged()
			}

			// Every wrong name at once: one too long in both languages,
			// another named in Italian only.
			chooseLanguage(t, ac, "en", "/admin/theatre")
			res, body := ac.Post(path, url.Values{"csrf_token": {ac.CSRF("/admin/theatre")}, "name_it.stalls": {long}, "name_en.stalls": {long},
				"name_it.prima_fila": {"Prima fila"}})
			for _, field := range []string{"name_it.stalls", "name_en.stalls", "name_en.prima_fila"} {
				if res.StatusCode != http.StatusBadRequest || !regexp.MustCompile(`data-field-error="`+regexp.QuoteMeta(field)+`">[^<]+<`).MatchString(body) {
					t.Errorf("two wrong names at once: %d, no error next to %s", res.StatusCode, field)
				}
			}
			unchanged()

			// A citizen may not name them.
			if res, _ := pc.Post(path, url.Values{"csrf_token": {pc.CSRF("/theatre")}, "name_it.stalls": {"Poltronissima"}, "name_en.stalls": {"Premium stalls"}}); res.StatusCode != http.StatusForbidden {
				t.Fatalf("a citizen's names: %d", res.StatusCode)
			}
			unchanged()

			// Named: the stalls by the venue's names, the front row left to
			// the hub's words.
			res, _ = ac.Post(path, url.Values{"csrf_token": {ac.CSRF("/admin/theatre")}, "name_it.stalls": {" Poltronissima "}, "name_en.stalls": {"Premium stalls"}, "name_it.prima_fila": {""}, "name_en.prima_fila": {""}})
			if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "done=categories#names-"+v.ID) {
				t.Fatalf("naming: %d, %s", res.StatusCode, res.Header.Get("Location"))
			}
			got, err := svc.VenueCategories(ctx, adminC, v.ID)
			if want := []ticketing.Category{{Code: "stalls", NameIT: "Poltronissima", NameEN: "Premium stalls", Named: true}, {Code: "prima_fila", NameIT: "Prima fila", NameEN: "Prima fila"}}; err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("named %+v (%v), want %+v", got, err, want)
			}
			for _, tc := range []struct {
				lang                string
				picker              []string
				list, saved, stored string
			}{
				{"it", []string{"Poltronissima: 25,00", "Prima fila: 30,00", "Fila A, posto 1, Poltronissima, 25,00", "Fila B, posto 2, Prima fila, 30,00"},
					"Categorie di Teatro Comunale: stalls (Poltronissima), prima_fila (Prima fila)", "Nomi delle categorie salvati.", `name="name_it.stalls" value="Poltronissima"`},
				{"en", []string{"Premium stalls: €25.00", "Prima fila: €30.00", "Row A, seat 1, Premium stalls, €25.00", "Row B, seat 2, Prima fila, €30.00"},
					"Categories of Teatro Comunale: stalls (Premium stalls), prima_fila (Prima fila)", "Category names saved.", `name="name_en.stalls" value="Premium stalls"`},
			} {
				chooseLanguage(t, pc, tc.lang, "/theatre")
				res, body := pc.Get("/theatre/performances/" + p.ID)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("%s seat picker: %d", tc.lang, res.StatusCode)
				}
				text := readableText(body)
				for _, w := range tc.picker {
					if !strings.Contains(text, w) {
						t.Errorf("%s seat picker lacks %q:\n%s", tc.lang, w, text)
					}
				}
				chooseLanguage(t, ac, tc.lang, "/admin/theatre")
				_, body = ac.Get("/admin/theatre?done=categories")
				if text := readableText(body); !strings.Contains(text, tc.list) || !strings.Contains(text, tc.saved) || !strings.Contains(body, tc.stored) {
					t.Errorf("%s theatre page lacks %q, %q or %s:\n%s", tc.lang, tc.list, tc.saved, tc.stored, text)
				}
			}
		})
	}
}
