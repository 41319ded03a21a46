package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
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
	// The administrator's making is in the audit log, as clear-login-limits
	// is: by the hub itself (no one signed in), on the account made.
	id := regexp.MustCompile(`\((acc_\w+)\)`).FindStringSubmatch(out.String())
	if id == nil {
		t.Fatalf("no account id printed:\n%s", out.String())
	}
	var actor, action, objectType, detail string
	if err := openRO(t, filepath.Join(dir, "cityhub.db")).QueryRow(`SELECT actor_id, action, object_type, detail FROM audit_log WHERE object_id = ?`, id[1]).
		Scan(&actor, &action, &objectType, &detail); err != nil {
		t.Fatalf("no audit entry for the administrator %s: %v", id[1], err)
	}
	if actor != "system" || action != "account.seed" || objectType != "account" || !strings.Contains(detail, "city_admin") {
		t.Errorf("audit entry for the administrator: %s %s %s %s, want system account.seed account with the city_admin grant", actor, action, objectType, detail)
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
