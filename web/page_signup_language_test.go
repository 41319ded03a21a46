package web

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// The sign-up's language is the account's: its pages' (without the
// switch's cookie) and its e-mails', and the field says so, where it read
// "language of the e-mails" alone.
func TestSignupLanguageFieldNamesPagesAndEmails(t *testing.T) {
	t.Parallel()
	_, pc, _ := accountServer(t)
	for lang, want := range map[string]string{"it": "Lingua delle pagine e delle email", "en": "Language of the pages and emails"} {
		req, _ := http.NewRequest(http.MethodGet, pc.URL+"/signup", nil)
		req.AddCookie(&http.Cookie{Name: "cityhub_lang", Value: lang})
		res, err := pc.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		_, _ = io.Copy(&b, res.Body)
		res.Body.Close()
		if !strings.Contains(b.String(), `<label class="form-label" for="f-locale">`+want+`</label>`) {
			t.Errorf("the %s sign-up's language field is not labelled %q:\n%s", lang, want, b.String())
		}
	}
}
