package browsertest

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A form the hub refuses comes back as a new page with its mistakes
// marked on the fields. A person who cannot see the page must learn that
// at once: the page's title starts with "Errore:" (what a screen reader
// reads first on a new page), and the focus is on the first field that
// needs fixing, which reads its label and its error, not on the top of a
// page that looks like the one just sent.
func TestRefusedFormTakesTheFocusToItsFirstMistake(t *testing.T) {
	h := startHub(t)
	b := newBrowser(t, h, "")
	if st := b.login(h.Anna.Email, "not the password"); st != 401 && st != 200 {
		t.Fatalf("login with a wrong password: %d", st)
	}
	var got struct {
		Title   string `json:"title"`
		Focus   string `json:"focus"`
		Invalid string `json:"invalid"`
	}
	b.eval(`({title: document.title, focus: document.activeElement.id, invalid: document.activeElement.getAttribute("aria-invalid") || ""})`, &got)
	if !strings.HasPrefix(got.Title, "Errore: Accedi") {
		t.Errorf("the refused login's title is %q, want it to start with %q", got.Title, "Errore: Accedi")
	}
	if got.Focus != "email" || got.Invalid != "true" {
		t.Errorf("after the refused login the focus is on %+v, want the e-mail field marked invalid", got)
	}

	// The same in English, and a page that is answered without mistakes
	// keeps its title and leaves the focus where the browser puts it.
	b.submit(chromedp.Click(chromedp.CSS(`form.lang-switch button`)))
	if st := b.login(h.Anna.Email, "still not the password"); st != 401 && st != 200 {
		t.Fatalf("login with a wrong password: %d", st)
	}
	b.eval(`({title: document.title, focus: document.activeElement.id, invalid: document.activeElement.getAttribute("aria-invalid") || ""})`, &got)
	if !strings.HasPrefix(got.Title, "Error: Sign in") || got.Focus != "email" {
		t.Errorf("the refused login in English: %+v", got)
	}
	b.open("/login")
	b.eval(`({title: document.title, focus: document.activeElement.id, invalid: ""})`, &got)
	if strings.HasPrefix(got.Title, "Error") || got.Focus == "email" {
		t.Errorf("the login page without mistakes: %+v", got)
	}
}
