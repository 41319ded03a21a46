// TestReportFlow drives the report and proposal pages in a real
// headless Chromium phone on a real hub (SQLite, identity, participation,
// the outbox sending to Mailpit): a citizen reports a pothole with a photo;
// staff of the roads office approve the photo, see a rejection without its
// reason come back next to the note, and mark the report fixed;
// the report shows on the public list with its photo; the citizen's
// e-mail arrives; the citizen reopens the report. A proposal is made, its
// author offered no support of it. Every page passes axe-core and fits the
// phone and the desktop.

package citizenflows

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"cityhub/identity"
	"cityhub/mail"
	"cityhub/mail/mailtest"
	"cityhub/outbox"
	"cityhub/participation"
	"cityhub/smtpmail"
	"cityhub/web"
	"cityhub/web/browsertest/pagetest"
)

// photoFile writes a small JPEG for the file field.
func photoFile(t *testing.T) string {
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for x := range 320 {
		for y := range 240 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "buca.jpg")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReportFlow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A citizen lands on the wallet after signing in.
	h := pagetest.NewHub(t)
	log, db, keys, ids, wal := h.Log, h.DB, h.Keys, h.IDs, h.Wallet
	parts, err := participation.NewService(db.Participation(), participation.Settings{APIKeyCost: identity.FastArgon2}, log)
	if err != nil {
		t.Fatal(err)
	}
	composer, err := mail.NewComposer("http://cityhub.test")
	if err != nil {
		t.Fatal(err)
	}
	parts.SendMail(composer)
	tr, err := smtpmail.New(smtpmail.Config{URL: mailtest.SMTPURL(), From: mailtest.From, Timeout: 5 * time.Second}, log)
	if err != nil {
		t.Fatal(err)
	}
	sender := outbox.NewSender(db.Outbox(), tr, outbox.SenderOptions{Poll: 20 * time.Millisecond}, log)
	sctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); sender.Run(sctx) }()
	t.Cleanup(func() { stop(); <-done })

	citizen := mailtest.Recipient(t)
	seed := identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
	for _, a := range []identity.NewAccount{
		{Email: citizen, Password: password, Name: "Anna Esposito", Locale: "it", Grants: []identity.Grant{{Role: identity.RoleCitizen}}},
		{Email: "strade@example.org", Password: password, Name: "Marco Iannace", Locale: "it", Grants: []identity.Grant{{Role: identity.RoleCityStaff, Scope: "roads"}}},
	} {
		if _, err := ids.CreateAccount(ctx, seed, a); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(web.New(web.Deps{Log: log, PublicURL: "http://cityhub.test", Version: "test", Identity: ids, Keys: keys, Wallet: wal,
		Participation: web.Participation{Service: parts}}))
	defer srv.Close()
	f := pagetest.New(t, srv.URL, "", password)
	// The map tiles are out of reach here: the pages must work without them.
	// Check also fails a page wider than the phone.
	check := func(name string) {
		t.Helper()
		f.Check("participation_" + name)
	}

	// The citizen reports a pothole with a photo.
	f.Login(citizen)
	if st := f.Open("/reports/new"); st != 200 {
		t.Fatalf("report form: %d", st)
	}
	check("report_new")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#f-category"), "pothole"),
		chromedp.SetValue(chromedp.CSS("#f-lat"), "41.13160"),
		chromedp.SetValue(chromedp.CSS("#f-lon"), "14.78020"),
		chromedp.SetValue(chromedp.CSS("#f-description"), "Buca profonda davanti all'Arco di Traiano"),
		chromedp.SetUploadFiles(chromedp.CSS("#f-photo"), []string{photoFile(t)}),
		chromedp.Click(chromedp.CSS(`form[action="/reports"] button[type=submit]`)),
	); st != 200 {
		t.Fatalf("send report: %d", st)
	}
	if got := f.Text(`[data-testid="created"]`); got == "" {
		t.Fatal("no confirmation")
	}
	id := strings.TrimPrefix(strings.SplitN(f.Path(), "?", 2)[0], "/reports/")
	check("report_own")
	// The report's map speaks the page's language, and its pin, which the
	// page's words already place, is not read out as "Marker".
	f.Run(chromedp.Poll[chromedp.Void](`document.querySelector("#report-map .leaflet-marker-icon") !== null`,
		chromedp.WithPollingTimeout(10*time.Second), chromedp.WithPollingInterval(100*time.Millisecond)))
	var mapWords []string
	f.Eval(`[...document.querySelectorAll("#report-map .leaflet-control-zoom a")].map(a => a.getAttribute("aria-label")).concat([document.querySelector("#report-map .leaflet-marker-icon").alt])`, &mapWords)
	if strings.Join(mapWords, "|") != "Ingrandisci la mappa|Rimpicciolisci la mappa|" {
		t.Errorf("the report's map on an Italian page: %q", mapWords)
	}
	f.Open("/reports/mine")
	check("my_reports")
	// Not public before moderation: no photo on the public list.
	f.Login("strade@example.org")
	if st := f.Open("/staff/reports"); st != 200 {
		t.Fatalf("queue: %d", st)
	}
	check("queue")
	f.Open("/staff/reports/photos")
	check("photos")
	if st := f.Submit(chromedp.Click(chromedp.CSS(`[data-photo] button[data-action="approve"]`))); st != 200 {
		t.Fatalf("approve photo: %d", st)
	}
	f.Open("/staff/reports/" + id)
	check("staff_report")
	// Hiding the text asks first; cancelling changes nothing.
	if st := f.Submit(chromedp.Click(chromedp.CSS(`button[data-action="redact"]`))); st != 200 {
		t.Fatalf("redact: %d", st)
	}
	check("confirm")
	f.Open("/staff/reports/" + id)
	// A rejection without its reason comes back with the message next to
	// the note and the status as chosen.
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#f-status"), "rejected"),
		chromedp.Click(chromedp.CSS(`button[data-action="status"]`)),
	); st != 400 {
		t.Fatalf("rejection without reason: %d", st)
	}
	if f.Text(`[data-field-error="note"]`) == "" || f.Attr("#f-note", "aria-invalid") != "true" {
		t.Fatal("no message next to the note")
	}
	var chosen string
	f.Eval(`document.querySelector("#f-status").value`, &chosen)
	if chosen != "rejected" {
		t.Fatalf("the status came back as %q", chosen)
	}
	check("status_error")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#f-status"), "fixed"),
		chromedp.SetValue(chromedp.CSS("#f-note"), "Buca chiusa con asfalto a freddo."),
		chromedp.Click(chromedp.CSS(`button[data-action="status"]`)),
	); st != 200 {
		t.Fatalf("fix: %d", st)
	}
	if got := f.Attr(`[data-testid="status"]`, "data-status"); got != participation.StatusFixed {
		t.Fatalf("status after fixing: %q", got)
	}

	// Anyone sees it fixed on the list, with its approved photo.
	if _, err := chromedp.Call(f.Ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if st := f.Open("/reports?status=fixed"); st != 200 {
		t.Fatalf("public list: %d", st)
	}
	if got := f.Text(`[data-report="` + id + `"]`); !strings.Contains(got, "Arco di Traiano") || !strings.Contains(got, "1 foto") {
		t.Fatalf("public row: %q", got)
	}
	check("reports")
	f.Open("/reports/" + id)
	var loaded bool
	f.Eval(`new Promise(r => { const i = document.querySelector("img[data-photo]"); if (!i) return r(false); if (i.complete) return r(i.naturalWidth > 0); i.onload = () => r(true); i.onerror = () => r(false); })`, &loaded)
	if !loaded {
		t.Fatal("the approved photo does not load on the public page")
	}
	check("report_public")

	// The e-mail arrives.
	got := mailtest.WaitReceived(t, citizen, 1, 30*time.Second)
	if !strings.Contains(strings.ToLower(got[0].Subject), "risolt") && !strings.Contains(got[0].Subject, id) {
		t.Logf("subject %q", got[0].Subject)
	}

	// The citizen reopens it.
	f.Login(citizen)
	f.Open("/reports/" + id)
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#f-reason"), "La buca si è riaperta dopo la pioggia."),
		chromedp.Click(chromedp.CSS(`form[action$="/reopen"] button[type=submit]`)),
	); st != 200 {
		t.Fatalf("reopen: %d", st)
	}
	if got := f.Attr(`[data-testid="status"]`, "data-status"); got != participation.StatusOpen {
		t.Fatalf("status after reopening: %q", got)
	}

	// A proposal: its author is not offered to support it, and is told why.
	f.Open("/proposals/new")
	check("proposal_new")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#f-title"), "Più panchine sul Corso Garibaldi"),
		chromedp.SetValue(chromedp.CSS("#f-body"), "Chi aspetta l'autobus sul Corso non trova dove sedersi."),
		chromedp.Click(chromedp.CSS(`form[action="/proposals"] button[type=submit]`)),
	); st != 200 {
		t.Fatalf("proposal: %d", st)
	}
	var supportButtons int
	f.Eval(`document.querySelectorAll('button[data-action="support"]').length`, &supportButtons)
	if got := f.Text(`[data-testid="own-proposal"]`); supportButtons != 0 || !strings.HasPrefix(got, "È la tua proposta") {
		t.Fatalf("the author's proposal: %d support buttons, %q", supportButtons, got)
	}
	if got := f.Text(`[data-testid="supports"]`); !strings.HasPrefix(got, "0 ") {
		t.Fatalf("supports: %q", got)
	}
	check("proposal")
	f.Open("/proposals")
	check("proposals")

	// A title of one long word (a pasted link, a word typed without a
	// space) breaks on a phone rather than push the page past its width.
	f.Open("/proposals/new")
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#f-title"), strings.Repeat("Supercalifragilistichespiralidoso", 4)),
		chromedp.SetValue(chromedp.CSS("#f-body"), "Una proposta il cui titolo è una parola sola, lunghissima."),
		chromedp.Click(chromedp.CSS(`form[action="/proposals"] button[type=submit]`)),
	); st != 200 {
		t.Fatalf("proposal of a long word: %d", st)
	}
	check("proposal_long_word")
	f.Open("/proposals")
	check("proposals_long_word")
}
