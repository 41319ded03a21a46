package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"cityhub/mail/mailtest"
)

var (
	confirmLink = regexp.MustCompile(`https?://\S+/account/confirm\?token=[^\s"<>]+`)
	csrfInPage  = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
)

// confirmByMail waits for the verification e-mail to address in Mailpit
// and follows its link as a person does: the confirmation page, then its
// button. The account can log in afterwards.
func confirmByMail(t *testing.T, address string) {
	t.Helper()
	var link string
	for _, s := range mailtest.WaitReceived(t, address, 1, 30*time.Second) {
		if l := confirmLink.FindString(mailtest.Read(t, s.ID).Text); l != "" {
			link = l
		}
	}
	if link == "" {
		t.Fatalf("no confirmation link in the e-mails to %s", address)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csrf := csrfInPage.FindSubmatch(page)
	if res.StatusCode != http.StatusOK || csrf == nil {
		t.Fatalf("confirmation page %s: %d\n%s", link, res.StatusCode, page)
	}
	u, _ := url.Parse(link)
	res, err = client.PostForm(u.Scheme+"://"+u.Host+u.Path, url.Values{"csrf_token": {string(csrf[1])}, "token": {u.Query().Get("token")}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "notice=verified") {
		t.Fatalf("confirm %s: %d to %q", address, res.StatusCode, res.Header.Get("Location"))
	}
}
