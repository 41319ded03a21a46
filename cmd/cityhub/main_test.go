package main

import (
	"bytes"
	"cityhub/internal/testutil"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// testHashCost is the argon2id cost of every hub these tests run: at the
// default, OWASP's minimum, hashing the demo's passwords and station secrets
// and checking the stations' logins took more than half the suite's CPU
// under the race detector. The hub's own default is tested where it is set
// (TestPasswordHashCostReachesEveryHash).
const testHashCost = "m=64,t=1,p=1"

// testGetenv is the getenv every test gives run: env, with testHashCost
// unless env sets CITYHUB_PASSWORD_HASH_COST itself (to "" for the default).
func testGetenv(env map[string]string) func(string) string {
	return withTestHashCost(func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
}

// withTestHashCost is testGetenv over any lookup (os.LookupEnv for a hub
// run as a child process).
func withTestHashCost(lookup func(string) (string, bool)) func(string) string {
	return func(k string) string {
		v, ok := lookup(k)
		if !ok && k == "CITYHUB_PASSWORD_HASH_COST" {
			return testHashCost
		}
		return v
	}
}

// startHub runs the real program on :0 in dir with env and returns its URL.
// It stops the hub when the test ends and checks that it stopped cleanly.
func startHub(t *testing.T, args []string, env map[string]string) (string, *testutil.Buffer) {
	t.Helper()
	url, stdout, _ := startHubWithLogs(t, args, env)
	return url, stdout
}

// startHubWithLogs is startHub that also returns what the hub logs.
func startHubWithLogs(t *testing.T, args []string, env map[string]string) (string, *testutil.Buffer, *testutil.Buffer) {
	t.Helper()
	h := launchHub(t, args, env)
	return h.waitHealthy(t, 60*time.Second), h.stdout, h.stderr
}

// startHubAt is startHubWithLogs for a hub found at the URL that where
// reads from its output so far ("" while it has not said): for a hub whose
// public URL is not where it listens (behind a load balancer).
func startHubAt(t *testing.T, args []string, env map[string]string, where func(stdout string) string) (string, *testutil.Buffer, *testutil.Buffer) {
	t.Helper()
	h := launchHub(t, args, env)
	return h.waitHealthyAt(t, 60*time.Second, where), h.stdout, h.stderr
}

// launchedHub is the real program running in the test's process.
type launchedHub struct {
	stdout, stderr *testutil.Buffer
	done           chan error
}

// launchHub starts the real program with args and env and returns at once,
// without waiting for it to listen (waitHealthy does). It stops the hub when
// the test ends and checks that it stopped cleanly.
func launchHub(t *testing.T, args []string, env map[string]string) *launchedHub {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := &launchedHub{stdout: &testutil.Buffer{}, stderr: &testutil.Buffer{}, done: make(chan error, 1)}
	getenv := testGetenv(env)
	go func() { h.done <- run(ctx, args, getenv, h.stdout, h.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-h.done:
			if err != nil {
				t.Errorf("hub stopped with error: %v\nstderr:\n%s", err, h.stderr.String())
			}
		case <-time.After(30 * time.Second):
			t.Errorf("hub did not stop within 30s")
		}
	})
	return h
}

var listeningOn = regexp.MustCompile(`listening on (http://\S+)`)

// waitHealthy waits until the hub says where it listens and answers
// /healthz there, and returns its URL; it fails the test if the hub exits
// first or is not healthy within.
func (h *launchedHub) waitHealthy(t *testing.T, within time.Duration) string {
	t.Helper()
	return h.waitHealthyAt(t, within, func(stdout string) string {
		if m := listeningOn.FindStringSubmatch(stdout); m != nil {
			return m[1]
		}
		return ""
	})
}

// waitHealthyAt is waitHealthy for a hub found at the URL where reads from
// its output so far.
func (h *launchedHub) waitHealthyAt(t *testing.T, within time.Duration, where func(stdout string) string) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		select {
		case err := <-h.done:
			h.done <- err // for the clean-up's check
			t.Fatalf("hub exited early: %v\nstderr:\n%s", err, h.stderr.String())
		default:
		}
		if url := where(h.stdout.String()); url != "" {
			resp, err := http.Get(url + "/healthz")
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return url
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("hub did not become healthy\nstdout:\n%s\nstderr:\n%s", h.stdout.String(), h.stderr.String())
	return ""
}

func TestDemoStartsOnEmptyDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	url, stdout := startHub(t, []string{"demo"}, map[string]string{
		"CITYHUB_HTTP_ADDR":        "127.0.0.1:0",
		"CITYHUB_DATA_DIR":         dir,
		"CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0",
	})
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz = %d, want 200", resp.StatusCode)
	}
	out := stdout.String()
	if !regexp.MustCompile(`cityhub demo: open http://127\.0\.0\.1:\d+`).MatchString(out) {
		t.Errorf("demo did not print its URL:\n%s", out)
	}
	for _, role := range []string{"citizen", "merchant staff", "door staff", "mobility operator", "city admin", "city staff"} {
		if !regexp.MustCompile(`(?m)^\s+` + role + `\s+\S+@\S+\s+password: demo-\w+$`).MatchString(out) {
			t.Errorf("demo did not print a login for %s:\n%s", role, out)
		}
	}
	// The open data feeds are published from the simulated stations.
	resp, err = http.Get(url + "/gbfs/v3/gbfs.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /gbfs/v3/gbfs.json = %d, want 200", resp.StatusCode)
	}
	// The system is the configured city's, Benevento's by default.
	var system struct {
		Data struct {
			SystemID string `json:"system_id"`
			Name     []struct {
				Text string `json:"text"`
			} `json:"name"`
			Timezone string `json:"timezone"`
			URL      string `json:"url"`
		} `json:"data"`
	}
	resp, err = http.Get(url + "/gbfs/v3/system_information.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewDecoder(resp.Body).Decode(&system); err != nil || system.Data.SystemID != "cityhub-benevento" ||
		len(system.Data.Name) == 0 || system.Data.Name[0].Text != "Bici Benevento" || system.Data.Timezone != "Europe/Rome" {
		t.Errorf("GET /gbfs/v3/system_information.json = %d %+v %v, want Benevento's system", resp.StatusCode, system.Data, err)
	}
	resp.Body.Close()
	// Its url is the hub's home page, which links the feeds for
	// auto-discovery.
	if system.Data.URL != strings.TrimRight(url, "/")+"/" {
		t.Errorf("system_information's url %q, want the home page", system.Data.URL)
	} else if resp, err = http.Get(system.Data.URL); err != nil {
		t.Fatal(err)
	} else {
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), `<link rel="gbfs" type="application/json" href="/gbfs/v3/gbfs.json">`) {
			t.Errorf("GET %s = %d without the GBFS auto-discovery link:\n%.900s", system.Data.URL, resp.StatusCode, page)
		}
	}
	// The theatre has performances on sale, seats to pick.
	var perfs struct {
		Performances []struct {
			ID string `json:"id"`
		} `json:"performances"`
	}
	resp, err = http.Get(url + "/api/v1/performances")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewDecoder(resp.Body).Decode(&perfs); err != nil || resp.StatusCode != http.StatusOK || len(perfs.Performances) != 2 {
		t.Errorf("GET /api/v1/performances = %d %+v %v, want the 2 demo performances", resp.StatusCode, perfs, err)
	}
	resp.Body.Close()
	// The demo citizen's reports are on the public list.
	var reports struct {
		Reports []json.RawMessage `json:"reports"`
	}
	resp, err = http.Get(url + "/api/v1/reports")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewDecoder(resp.Body).Decode(&reports); err != nil || len(reports.Reports) != 4 {
		t.Errorf("GET /api/v1/reports = %d reports (%v), want the 4 demo reports", len(reports.Reports), err)
	}
	resp.Body.Close()
	// The demo's Benevento publishes its open data catalogue, every area's
	// datasets in it.
	resp, err = http.Get(url + "/api/v1/open/dcat-ap_it.rdf")
	if err != nil {
		t.Fatal(err)
	}
	catalog, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(catalog), "<dct:identifier>c_a783</dct:identifier>") ||
		!strings.Contains(string(catalog), "<dct:identifier>c_a783:D.6</dct:identifier>") || !strings.Contains(string(catalog), url+"/dati-aperti#dataset-bikes") {
		t.Errorf("GET /api/v1/open/dcat-ap_it.rdf = %d\n%s", resp.StatusCode, catalog)
	}
	// The demo door staff work at the demo theatre.
	if d := regexp.MustCompile(`(?m)^\s+door staff\s+(\S+)\s+password: (\S+)$`).FindStringSubmatch(out); d != nil {
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		r, err := http.Post(url+"/api/v1/auth/login", "application/json", strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, d[1], d[2])))
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(r.Body).Decode(&tok)
		r.Body.Close()
		req, _ := http.NewRequest("GET", url+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		r, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var me struct {
			Grants []struct{ Role, Scope string } `json:"grants"`
		}
		json.NewDecoder(r.Body).Decode(&me)
		r.Body.Close()
		if len(me.Grants) != 1 || me.Grants[0].Role != "door_staff" || !strings.HasPrefix(me.Grants[0].Scope, "ven_") {
			t.Errorf("demo door staff grants = %+v, want door_staff at the demo venue", me.Grants)
		}
		// Their first performance's doors are open, so tickets can be
		// checked in as soon as the demo starts.
		req, _ = http.NewRequest("GET", url+"/api/v1/door/performances", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		r, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var door struct {
			Performances []struct {
				DoorsOpenNow bool `json:"doors_open_now"`
			} `json:"performances"`
		}
		json.NewDecoder(r.Body).Decode(&door)
		r.Body.Close()
		if len(door.Performances) != 2 || !door.Performances[0].DoorsOpenNow || door.Performances[1].DoorsOpenNow {
			t.Errorf("demo door performances = %d %+v, want tonight's open and next week's closed", r.StatusCode, door.Performances)
		}
	}
	// A printed login works.
	m := regexp.MustCompile(`(?m)^\s+citizen\s+(\S+)\s+password: (\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatal("no citizen login printed")
	}
	body := fmt.Sprintf(`{"email":%q,"password":%q}`, m[1], m[2])
	resp, err = http.Post(url+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("login with the printed demo citizen = %d, want 200", resp.StatusCode)
	}
}

// A second demo start on the same directory finds its data, seeds nothing
// twice and prints the same logins.
func TestDemoIsIdempotent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{
		"CITYHUB_HTTP_ADDR":        "127.0.0.1:0",
		"CITYHUB_DATA_DIR":         dir,
		"CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0",
	}
	logins := regexp.MustCompile(`(?m)^\s+(citizen|city admin)\s+.*$`)
	first := func() string {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var stdout testutil.Buffer
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"demo"}, testGetenv(env), &stdout, io.Discard)
		}()
		deadline := time.Now().Add(60 * time.Second)
		for !strings.Contains(stdout.String(), "listening on") {
			if time.Now().After(deadline) {
				t.Fatalf("demo did not start: %s", stdout.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("demo: %v", err)
		}
		return strings.Join(logins.FindAllString(stdout.String(), -1), "\n")
	}
	a, b := first(), first()
	if a == "" || a != b {
		t.Fatalf("logins differ between starts:\n%s\n---\n%s", a, b)
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, &out, &errb)
	if err == nil {
		t.Fatal("unknown command accepted")
	}
	if !bytes.Contains(errb.Bytes(), []byte("usage:")) {
		t.Errorf("no usage printed: %q", errb.String())
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, func(string) string { return "" }, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != fmt.Sprintf("cityhub %s\n", version) {
		t.Errorf("version printed %q", got)
	}
	// It takes nothing: an argument is a mistake, -h its usage.
	if err := run(context.Background(), []string{"version", "extra"}, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
		t.Error("version extra: no error")
	}
	out.Reset()
	if err := run(context.Background(), []string{"version", "-h"}, func(string) string { return "" }, &out, io.Discard); err != nil || !strings.Contains(out.String(), "usage: cityhub version") {
		t.Errorf("version -h: %v, %q", err, out.String())
	}
}
