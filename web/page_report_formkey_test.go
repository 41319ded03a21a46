package web

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cityhub/identity"
	"cityhub/web/webtest"
)

// The report form's key makes one report of a double submission, also of a
// form changed after its first submission (back, edit, two taps): the
// changed form is a second report, and sent again it is still that one.
func TestReportFormKeyAfterAChange(t *testing.T) {
	t.Parallel()
	_, env := newTestServer(t, "sqlite", withParticipation)
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	anna, _ := env.account(t, identity.RoleCitizen)
	pc := webtest.SignedIn(t, srv.URL, anna.Email, testPassword)
	send := func(description string, photos ...[]byte) string {
		t.Helper()
		res, _ := postReport(t, pc, map[string]string{"key": "form-key-1", "category": "pothole", "lat": "41.1307", "lon": "14.776", "description": description}, photos...)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("report %q: %d", description, res.StatusCode)
		}
		return strings.SplitN(res.Header.Get("Location"), "?", 2)[0]
	}
	first := send("A deep hole by the school gate")
	if again := send("A deep hole by the school gate"); again != first {
		t.Fatalf("the form sent twice made two reports: %s, %s", first, again)
	}
	changed := send("A deep hole by the school gate, now wider")
	if changed == first {
		t.Fatal("the changed form was taken for the first report")
	}
	if again := send("A deep hole by the school gate, now wider"); again != changed {
		t.Fatalf("the changed form sent twice made two reports: %s, %s", changed, again)
	}
	third := send("Another hole, by the church")
	if third == changed || third == first {
		t.Fatal("a form changed again was taken for an earlier report")
	}
	// The same words with a photo, then with another photo: each is a
	// change of the form, and each sent again is the report it made.
	photo, other := testPhoto(t), otherTestPhoto(t)
	withPhoto := send("Another hole, by the church", photo)
	if withPhoto == third {
		t.Fatal("the form with a photo added was taken for the report without it")
	}
	if again := send("Another hole, by the church", photo); again != withPhoto {
		t.Fatalf("the form with its photo sent twice made two reports: %s, %s", withPhoto, again)
	}
	withOther := send("Another hole, by the church", other)
	if withOther == withPhoto || withOther == third {
		t.Fatal("the form with another photo was taken for an earlier report")
	}
	if again := send("Another hole, by the church", other); again != withOther {
		t.Fatalf("the form with the other photo sent twice made two reports: %s, %s", withOther, again)
	}
}

// otherTestPhoto is a photo unlike testPhoto's.
func otherTestPhoto(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 48, 64))
	for x := range 48 {
		for y := range 64 {
			img.Set(x, y, color.RGBA{30, uint8(y * 3), uint8(x * 5), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
