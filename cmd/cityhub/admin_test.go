package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The first administrator of a fresh installation is made from the command
// line, then signs in to a served hub; a second attempt changes nothing.
func TestCreateAdmin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"CITYHUB_DATA_DIR": dir, "CITYHUB_HTTP_ADDR": "127.0.0.1:0", "CITYHUB_MQTT_BROKER_ADDR": "127.0.0.1:0"}
	getenv := testGetenv(env)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"create-admin", "-email", "Sindaco@Comune.Benevento.IT"}, getenv, &out, io.Discard); err != nil {
		t.Fatalf("create-admin: %v", err)
	}
	m := regexp.MustCompile(`(?m)^password: (\S+)$`).FindStringSubmatch(out.String())
	if m == nil || len(m[1]) < 20 {
		t.Fatalf("no strong generated password printed:\n%s", out.String())
	}
	if err := run(context.Background(), []string{"create-admin", "-email", "sindaco@comune.benevento.it"}, getenv, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second create-admin: %v, want already exists", err)
	}
	if err := run(context.Background(), []string{"create-admin"}, getenv, io.Discard, io.Discard); err == nil {
		t.Fatal("create-admin without -email accepted")
	}

	url, _ := startHub(t, []string{"serve"}, env)
	body := fmt.Sprintf(`{"email":"sindaco@comune.benevento.it","password":%q}`, m[1])
	resp, err := http.Post(url+"/api/v1/auth/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("administrator login = %d, want 200", resp.StatusCode)
	}
}
