package mqtttest

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cityhub/ids"
	"cityhub/internal/testutil"
)

// DynsecMosquitto is a private Mosquitto with the dynamic-security plugin,
// configured by deploy/mosquitto/test-auth.conf like the shared one on :1884
// but on a free port: a test may do there what would break every other
// test on the shared broker (such as a hub that overwrites its own
// account), and it proves what the shipped configuration does.
type DynsecMosquitto struct {
	URL, User, Pass string
	addr            string
}

// StartDynsecMosquitto starts it, with the hub account set up as
// docs/mqtt.md says (user "cityhub-hub" holding the role cityhub-hub),
// and stops it when tb ends. It skips the test without mosquitto, its
// plugin or mosquitto_ctrl.
func StartDynsecMosquitto(tb testing.TB) *DynsecMosquitto {
	tb.Helper()
	plugins, _ := filepath.Glob("/usr/lib/*/mosquitto_dynamic_security.so")
	plugins = append(plugins, "/usr/lib/mosquitto_dynamic_security.so")
	plugin := ""
	for _, p := range plugins {
		if _, err := os.Stat(p); err == nil {
			plugin = p
			break
		}
	}
	for _, bin := range []string{"mosquitto", "mosquitto_ctrl"} {
		if _, err := exec.LookPath(bin); err != nil {
			tb.Skipf("%s is not installed", bin)
		}
	}
	if plugin == "" {
		tb.Skip("mosquitto's dynamic-security plugin is not installed")
	}
	conf, err := os.ReadFile(filepath.Join(repoRoot(tb), "deploy", "mosquitto", "test-auth.conf"))
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	m := &DynsecMosquitto{User: "cityhub-hub", Pass: ids.Token(16), addr: testutil.FreeAddr(tb)}
	m.URL = "tcp://" + m.addr
	_, port, _ := net.SplitHostPort(m.addr)
	body := strings.NewReplacer("@DIR@", dir, "@PLUGIN@", plugin, "listener 1884 ", "listener "+port+" ").Replace(string(conf))
	if !strings.Contains(body, "listener "+port+" ") {
		tb.Fatal("test-auth.conf: no 'listener 1884 ...' line to move to a free port")
	}
	if os.Geteuid() == 0 {
		// As root, mosquitto would become user mosquitto, who cannot
		// read this test's private directory.
		body += "\nuser root\n"
	}
	state := filepath.Join(dir, "dynamic-security.json")
	run(tb, "mosquitto_ctrl", "dynsec", "init", state, m.User, m.Pass)
	giveHubRole(tb, state, m.User)
	path := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command("mosquitto", "-c", path)
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start mosquitto: %v", err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", m.addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if i == 100 {
			log, _ := os.ReadFile(filepath.Join(dir, "mosquitto.log"))
			tb.Fatalf("mosquitto on %s did not start: %s", m.addr, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return m
}

// giveHubRole writes the role cityhub-hub (allowed to publish commands
// under the default root and the per-test roots, as scripts/services sets it
// up) into the plugin's file, for user: through the running broker each
// change would disconnect the account making it, and the hub would wait out
// an answer it never gets.
func giveHubRole(tb testing.TB, file, user string) {
	tb.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	var state map[string]any
	if err := json.Unmarshal(raw, &state); err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	acl := func(topic string) map[string]any {
		return map[string]any{"acltype": "publishClientSend", "topic": topic, "allow": true}
	}
	state["roles"] = append(state["roles"].([]any), map[string]any{"rolename": "cityhub-hub",
		"acls": []any{acl("cityhub/v1/stations/+/commands"), acl("+/cityhub/v1/stations/+/commands")}})
	for _, c := range state["clients"].([]any) {
		if c := c.(map[string]any); c["username"] == user {
			c["roles"] = append(c["roles"].([]any), map[string]any{"rolename": "cityhub-hub"})
		}
	}
	if raw, err = json.Marshal(state); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		tb.Fatal(err)
	}
}

// Ctrl runs a mosquitto_ctrl dynsec command as the hub account.
func (m *DynsecMosquitto) Ctrl(tb testing.TB, args ...string) string {
	tb.Helper()
	host, port, _ := net.SplitHostPort(m.addr)
	out := run(tb, "mosquitto_ctrl", append([]string{"-h", host, "-p", port, "-u", m.User, "-P", m.Pass, "dynsec"}, args...)...)
	// mosquitto_ctrl exits 0 when it cannot even log in.
	if strings.Contains(out, "Connection error") {
		tb.Fatalf("mosquitto_ctrl dynsec %s: %s", strings.Join(args, " "), out)
	}
	return out
}

func run(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// repoRoot is the directory of go.mod above the test's working directory.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal(fmt.Errorf("no go.mod above the working directory"))
		}
		dir = parent
	}
}
