package open311_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"cityhub/participation"
	"cityhub/store"
	"cityhub/store/storetest"
)

// A key id guessed at too often is refused with 429 and a Retry-After
// that says how long until the oldest failure leaves the window, as the
// per-address limit's answer does.
func TestGuessedKeyAnswersRetryAfter(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		e := newEnv(t, db)
		id, _, _ := strings.Cut(e.key, ".")
		body := "api_key=" + id + ".guess&service_code=pothole&lat=41.1316&long=14.7802&description=Deep+hole+near+the+arch"
		post := func() *http.Response {
			t.Helper()
			res, err := http.Post(e.srv.URL+"/open311/v2/requests.json", "application/x-www-form-urlencoded", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res
		}
		for range participation.APIKeyFailureLimit {
			if res := post(); res.StatusCode != http.StatusForbidden {
				t.Fatalf("a wrong key: %d, want 403", res.StatusCode)
			}
		}
		res := post()
		secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
		if res.StatusCode != http.StatusTooManyRequests || err != nil || secs < 1 || secs > int(participation.APIKeyFailureWindow.Seconds()) {
			t.Fatalf("one guess too many: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
		}
	})
}
