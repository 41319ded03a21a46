package packaging

import (
	"bufio"
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"cityhub/config"
)

// settings are the CITYHUB_* variables config.Parse reads: it is asked for
// each, so the list is config's own and cannot drift from it.
func settings(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	_, err := config.Parse("probe", nil, func(k string) string { seen[k] = true; return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestEnvFileListsEverySetting: /etc/cityhub/cityhub.env names every
// setting the hub reads, commented out, and nothing it does not read.
func TestEnvFileListsEverySetting(t *testing.T) {
	b, err := os.ReadFile("cityhub.env")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	re := regexp.MustCompile(`^#(CITYHUB_[A-Z0-9_]+)=`)
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "CITYHUB_") {
			t.Errorf("%q is set in the shipped file; every setting ships commented out", line)
		}
		if m := re.FindStringSubmatch(line); m != nil {
			listed[m[1]] = true
		}
	}
	known := settings(t)
	if len(known) < 20 {
		t.Fatalf("config reads only %d settings: the probe is broken", len(known))
	}
	for _, k := range known {
		if !listed[k] {
			t.Errorf("cityhub.env does not list %s, which config reads", k)
		}
		delete(listed, k)
	}
	for k := range listed {
		t.Errorf("cityhub.env lists %s, which config does not read", k)
	}
}

// TestEnvFileCheckCommandIsTheREADMEs: the command the environment file
// gives for checking the settings is the README's, which names the unit's
// data directory: without it, check would look at ./data and report the
// first start's "no database yet" for an installation that has one.
func TestEnvFileCheckCommandIsTheREADMEs(t *testing.T) {
	var command string
	for _, line := range strings.Split(string(mustRead(t, "cityhub.env")), "\n") {
		if c, ok := strings.CutPrefix(line, "#   sudo -u cityhub "); ok {
			command = "sudo -u cityhub " + c
		}
	}
	if command == "" {
		t.Fatal("cityhub.env gives no sudo -u cityhub command")
	}
	if !strings.Contains(command, "CITYHUB_DATA_DIR=/var/lib/cityhub") {
		t.Errorf("cityhub.env's command %q does not name the unit's data directory", command)
	}
	if !bytes.Contains(mustRead(t, "../README.md"), []byte("\n    "+command+"\n")) {
		t.Errorf("cityhub.env's command %q is not the README's", command)
	}
}

// TestUnitBindsHTTPSPorts: the unit lets the hub, as its own user, bind
// :443 and :80 when it serves HTTPS itself, with that one capability and
// nothing else, and without a user namespace, in which the capability could
// not bind the host's ports.
func TestUnitBindsHTTPSPorts(t *testing.T) {
	unit := unitSettings(t)
	for key, want := range map[string]string{
		"AmbientCapabilities":   "CAP_NET_BIND_SERVICE",
		"CapabilityBoundingSet": "CAP_NET_BIND_SERVICE",
		"User":                  "cityhub",
		"NoNewPrivileges":       "yes",
	} {
		if got := unit[key]; len(got) != 1 || got[0] != want {
			t.Errorf("%s=%q, want %q", key, got, want)
		}
	}
	if got := unit["PrivateUsers"]; len(got) > 0 && got[len(got)-1] != "no" {
		t.Errorf("PrivateUsers=%q confines CAP_NET_BIND_SERVICE to a user namespace: :443 could not be bound", got)
	}
}

// TestUnitHardening: the unit runs the installed binary with the installed
// settings as its own unprivileged user, keeps its database in a state
// directory only that user may enter (the data directory the hub is told),
// and has the hardening an operator expects of a city's service: no new
// privileges, a read-only system, no home directories, a private /tmp and
// no devices, and only IPv4, IPv6 and Unix sockets. systemd-analyze
// security weighs the rest (TestDebianPackage).
func TestUnitHardening(t *testing.T) {
	unit := unitSettings(t)
	for key, want := range map[string]string{
		"User":                    "cityhub",
		"Group":                   "cityhub",
		"ExecStart":               "/usr/bin/cityhub serve",
		"EnvironmentFile":         "/etc/cityhub/cityhub.env",
		"Environment":             "CITYHUB_DATA_DIR=/var/lib/cityhub",
		"StateDirectory":          "cityhub",
		"StateDirectoryMode":      "0700",
		"NoNewPrivileges":         "yes",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"PrivateDevices":          "yes",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
	} {
		if got := unit[key]; len(got) != 1 || got[0] != want {
			t.Errorf("%s=%q, want %q", key, got, want)
		}
	}
	// No setting may loosen what the unit grants its user (DynamicUser
	// would give it another uid than the package's files are chowned to).
	for _, key := range []string{"DynamicUser", "PermissionsStartOnly", "ReadWritePaths"} {
		if got := unit[key]; len(got) > 0 {
			t.Errorf("%s=%q: the unit should not set it", key, got)
		}
	}
}

// unitSettings reads cityhub.service: each key's values in order, comments
// left out.
func unitSettings(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("cityhub.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := map[string][]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			unit[k] = append(unit[k], v)
		}
	}
	return unit
}

// documentation is where the unit's Documentation= lines point, as local
// paths (file:// URLs; others are not the package's to ship).
func documentation(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("cityhub.service")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, line := range strings.Split(string(b), "\n") {
		v, ok := strings.CutPrefix(line, "Documentation=")
		if !ok {
			continue
		}
		for _, u := range strings.Fields(v) {
			if p, ok := strings.CutPrefix(u, "file://"); ok {
				paths = append(paths, p)
			}
		}
	}
	return paths
}

// TestPackageShipsDocumentation: every file:// the unit's Documentation=
// names is shipped by nfpm.yaml (it is, or holds, a file the package
// installs), the directory holds the README and the copyright file, and
// every source nfpm.yaml packs exists, so that a moved file fails here
// rather than in scripts/package.
func TestPackageShipsDocumentation(t *testing.T) {
	b, err := os.ReadFile("nfpm.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var dsts []string
	for _, m := range regexp.MustCompile(`(?m)^\s*-?\s*src:\s*(\S+)`).FindAllStringSubmatch(string(b), -1) {
		if m[1] == "dist/cityhub" {
			continue // built by scripts/package
		}
		if _, err := os.Stat("../" + m[1]); err != nil {
			t.Errorf("nfpm.yaml packs %s: %v", m[1], err)
		}
	}
	for _, m := range regexp.MustCompile(`(?m)^\s*-?\s*dst:\s*(\S+)`).FindAllStringSubmatch(string(b), -1) {
		dsts = append(dsts, m[1])
	}
	docs := documentation(t)
	if len(docs) == 0 {
		t.Fatal("the unit names no local documentation")
	}
	for _, doc := range docs {
		shipped := false
		for _, d := range dsts {
			if d == doc || strings.HasPrefix(d, strings.TrimSuffix(doc, "/")+"/") {
				shipped = true
			}
		}
		if !shipped {
			t.Errorf("the unit's Documentation=file://%s names nothing the package installs", doc)
		}
	}
	// Every licence text among the embedded browser files ships: the
	// binary serves those files, so their licences go where it goes.
	err = filepath.WalkDir("../web/ui/static/vendor", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := strings.ToUpper(d.Name())
		if !strings.Contains(name, "LICENSE") && !strings.HasPrefix(name, "OFL") {
			return nil
		}
		if !strings.Contains(string(b), "src: "+strings.TrimPrefix(path, "../")+"\n") {
			t.Errorf("nfpm.yaml does not ship the licence %s", strings.TrimPrefix(path, "../"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/usr/share/doc/cityhub/README.md", "/usr/share/doc/cityhub/copyright"} {
		if !slices.Contains(dsts, want) {
			t.Errorf("nfpm.yaml does not ship %s", want)
		}
	}
}
