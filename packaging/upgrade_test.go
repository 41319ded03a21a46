package packaging

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// upgradeFixture is the database the previous release left after seeding
// its demo (testdata/upgrade/README.md); cmd/cityhub's upgrade test starts
// today's hub on it too.
const upgradeFixture = "../testdata/upgrade/cityhub-6adaff3.db"

// TestDebianPackageUpgrade installs one build of the package, gives it an
// operator's edit of the environment file and the database the previous
// release made, then installs a newer build over it with dpkg -i, as an
// upgrade is done, and finally purges it. The maintainer scripts run as on
// a machine booted with systemd: in a mount namespace of their own,
// /run/systemd/system exists and systemctl is a stand-in that records what
// it is asked (the test machine has no systemd running). It checks:
//
//   - the first install enables the unit and starts nothing;
//   - the upgrade asks systemd to restart the unit if it runs
//     (try-restart), and neither enables nor stops it;
//   - the upgrade keeps the operator's environment file, the user and the
//     data, and the installed check says migrations are pending;
//   - the new binary, started as the unit starts it (what the restart
//     does), applies them: the check then says the schema is current, at
//     the newest migration, and the hub serves with the operator's settings;
//   - removing stops and disables the unit; purging removes the user and
//     keeps the database.
//
// Like TestDebianPackage, it runs with CITYHUB_TEST_PACKAGE=1, as root.
func TestDebianPackageUpgrade(t *testing.T) {
	requireDisposableMachine(t)
	sd := fakeSystemd(t)
	start := time.Now()
	t.Cleanup(func() {
		t.Logf("built twice, installed, upgraded and purged in %v", time.Since(start).Round(100*time.Millisecond))
	})
	const oldVersion, newVersion = "0.0.0~upgradetest1", "0.0.0~upgradetest2"
	oldDeb := buildPackage(t, oldVersion)
	newDeb := buildPackage(t, newVersion)
	t.Cleanup(func() {
		// Whatever step failed: nothing of the package, its user or its
		// data stays on the machine, and neither test package in dist/.
		if out, err := exec.Command("dpkg-query", "-W", "-f=${db:Status-Status}", "cityhub").Output(); err == nil && strings.TrimSpace(string(out)) != "not-installed" {
			if out, err := exec.Command("dpkg", "--purge", "cityhub").CombinedOutput(); err != nil {
				t.Errorf("dpkg --purge: %v\n%s", err, out)
			}
		}
		os.RemoveAll("/var/lib/cityhub")
		os.Remove(oldDeb)
		os.Remove(newDeb)
	})

	out := sd.run(t, "dpkg", "-i", oldDeb)
	if calls := sd.calls(t); !slices.Equal(calls, []string{"daemon-reload", "enable cityhub.service"}) {
		t.Errorf("the first install asked systemctl %q, want daemon-reload and enable (and no start: the settings need editing first)", calls)
	}
	if !strings.Contains(out, "edit /etc/cityhub/cityhub.env") {
		t.Errorf("the first install does not say what to do next:\n%s", out)
	}
	uid := strings.TrimSpace(mustRun(t, "id", "-u", "cityhub"))

	// The operator's edit, and the database the previous release's hub
	// left in the unit's state directory.
	const edit = "CITYHUB_CITY_NAME=Upgradeville\n"
	f, err := os.OpenFile("/etc/cityhub/cityhub.env", os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(edit); err != nil {
		t.Fatal(err)
	}
	f.Close()
	b, err := os.ReadFile(upgradeFixture)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("/var/lib/cityhub/cityhub.db", b, 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "chown", "cityhub:cityhub", "/var/lib/cityhub/cityhub.db")
	before, pending := checkSchema(t)
	if pending == 0 {
		t.Fatalf("the previous release's database (schema version %d) has no migration to apply: the fixture no longer tests an upgrade", before)
	}

	sd.run(t, "dpkg", "-i", newDeb)
	calls := sd.calls(t)
	if !slices.Contains(calls, "try-restart cityhub.service") {
		t.Errorf("the upgrade asked systemctl %q: it does not restart the running service", calls)
	}
	for _, c := range calls {
		if c != "daemon-reload" && c != "try-restart cityhub.service" {
			t.Errorf("the upgrade asked systemctl %q: only daemon-reload and try-restart are an upgrade's", c)
		}
	}
	if v := mustRun(t, "dpkg-query", "-W", "-f=${Version}", "cityhub"); v != newVersion {
		t.Errorf("installed version %q after the upgrade, want %q", v, newVersion)
	}
	if env, _ := os.ReadFile("/etc/cityhub/cityhub.env"); !strings.HasSuffix(string(env), edit) {
		t.Error("the upgrade did not keep the operator's edit of /etc/cityhub/cityhub.env")
	}
	if got := strings.TrimSpace(mustRun(t, "id", "-u", "cityhub")); got != uid {
		t.Errorf("the cityhub user was uid %s, is %s after the upgrade", uid, got)
	}
	if v, p := checkSchema(t); v != before || p != pending {
		t.Errorf("the upgrade itself changed the database (schema version %d, %d pending; was %d, %d): the service's start migrates it", v, p, before, pending)
	}

	// What systemd's try-restart does: the unit's new binary starts.
	url, stop := startInstalled(t)
	resp, err := http.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "Upgradeville") {
		t.Errorf("the upgraded hub's home page (%d) does not name the city the operator set", resp.StatusCode)
	}
	stop()
	after, pending := checkSchema(t)
	if want := newestMigration(t); pending != 0 || after != want {
		t.Errorf("after the restart: schema version %d with %d pending, want %d and none", after, pending, want)
	}
	t.Logf("the upgraded service's start migrated the previous release's database from schema version %d to %d", before, after)

	sd.run(t, "dpkg", "--purge", "cityhub")
	if calls := sd.calls(t); !slices.Contains(calls, "disable --now cityhub.service") {
		t.Errorf("removing the package asked systemctl %q: the service is not stopped", calls)
	}
	if err := exec.Command("getent", "passwd", "cityhub").Run(); err == nil {
		t.Error("the purge left the cityhub user")
	}
	if _, err := os.Stat("/var/lib/cityhub/cityhub.db"); err != nil {
		t.Errorf("the purge removed the city's database: %v", err)
	}
}

// checkSchema runs the installed cityhub check as the service's user with
// the installed environment file, as the README says to, and returns the
// schema version and the number of migrations to apply that its database
// line reports.
func checkSchema(t *testing.T) (version, pending int) {
	t.Helper()
	cmd := exec.Command("setpriv", "--reuid=cityhub", "--regid=cityhub", "--init-groups", "--",
		"sh", "-c", "set -a; . /etc/cityhub/cityhub.env; CITYHUB_DATA_DIR=/var/lib/cityhub; exec /usr/bin/cityhub check")
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cityhub check: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(?m)^ok\s+database\s.*schema version (\d+), (?:(\d+) migrations to apply|migrations current)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("cityhub check reports no schema version:\n%s", out)
	}
	version, _ = strconv.Atoi(string(m[1]))
	if len(m[2]) > 0 {
		pending, _ = strconv.Atoi(string(m[2]))
	}
	return version, pending
}

// newestMigration is the highest migration version of the embedded SQLite
// database, from the migration files' names.
func newestMigration(t *testing.T) int {
	t.Helper()
	names, err := filepath.Glob("../store/sqlite/migrations/*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("the SQLite migrations: %v, %v", names, err)
	}
	newest := 0
	for _, n := range names {
		num, _, _ := strings.Cut(filepath.Base(n), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			t.Fatalf("migration %s: %v", n, err)
		}
		newest = max(newest, v)
	}
	return newest
}

// systemdStandIn runs commands as on a machine booted with systemd, for the
// maintainer scripts' sake: in a private mount namespace, over a /run of its
// own that holds /run/systemd/system (what they test, as Debian's do), with
// a systemctl first on the PATH that records each call in a file.
type systemdStandIn struct {
	dir string
	log string
}

func fakeSystemd(t *testing.T) systemdStandIn {
	t.Helper()
	if out, err := exec.Command("unshare", "--mount", "--propagation", "private", "--",
		"sh", "-c", "mount -t tmpfs cityhub-test /run").CombinedOutput(); err != nil {
		t.Skipf("no private mount namespace here (unshare --mount: %v %s): the maintainer scripts' systemd side cannot be run", err, out)
	}
	dir := t.TempDir()
	sd := systemdStandIn{dir: dir, log: filepath.Join(dir, "systemctl.log")}
	stub := fmt.Sprintf("#!/bin/sh\necho \"$*\" >> %s\n", sd.log)
	if err := os.WriteFile(filepath.Join(dir, "systemctl"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	return sd
}

// run runs name with args under the stand-in and returns its output.
func (sd systemdStandIn) run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command("unshare", append([]string{"--mount", "--propagation", "private", "--",
		"sh", "-c", `mount -t tmpfs -o mode=0755 cityhub-test /run && mkdir -p /run/systemd/system && exec "$@"`, "sh", name}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+sd.dir+":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// calls returns what systemctl was asked since the last call, one line
// per call.
func (sd systemdStandIn) calls(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(sd.log)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	os.Remove(sd.log)
	return strings.FieldsFunc(string(b), func(r rune) bool { return r == '\n' })
}
