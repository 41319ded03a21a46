package ui

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"cityhub/web/webtest"
)

// The report form is posted as multipart (it carries photos) and checks
// its token apart from the other forms: expired, it gives back the
// report's text too, and files nothing.
func TestExpiredReportFormGivesBackTheReport(t *testing.T) {
	env := newPartEnv(t)
	_, cit := env.account(t, "Carla Citizen", citizenGrant)
	const typed = "Una buca profonda davanti all'arco di Traiano, pericolosa per le bici"
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("csrf_token", csrfFor(make([]byte, 32), "a session gone"))
	_ = mw.WriteField("category", "pothole")
	_ = mw.WriteField("description", typed)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", cit.URL+"/reports", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := cit.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := webtest.ReadBody(t, res)
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "Il modulo è scaduto") || !strings.Contains(body, "Una buca profonda davanti all&#39;arco di Traiano") {
		t.Fatalf("expired report form: %d\n%s", res.StatusCode, body)
	}
	if res, list := cit.Get("/reports/mine"); res.StatusCode != http.StatusOK || strings.Contains(list, "Una buca profonda") {
		t.Fatalf("the citizen's reports after an expired form: %d, the report filed: %v", res.StatusCode, strings.Contains(list, "Una buca profonda"))
	}
}
