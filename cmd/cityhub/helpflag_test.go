package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// "cityhub serve -h" (and any command's -h) prints the flags and succeeds:
// help was asked for, nothing failed.
func TestHelpFlagSucceeds(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"serve", "-h"}, {"serve", "-help"}, {"demo", "-h"}, {"create-admin", "-h"}, {"simulate", "-h"}, {"check", "-h"}, {"migrate", "-h"}, {"backup", "-h"}, {"restore", "-h"}, {"clear-login-limits", "-h"}} {
		var stderr bytes.Buffer
		if err := run(context.Background(), args, testGetenv(nil), io.Discard, &stderr); err != nil {
			t.Errorf("%v: %v, want success", args, err)
		}
		if !strings.Contains(stderr.String(), "Usage of") {
			t.Errorf("%v printed no flags: %q", args, stderr.String())
		}
	}
	var stderr bytes.Buffer
	run(context.Background(), []string{"serve", "-h"}, testGetenv(nil), io.Discard, &stderr)
	if !strings.Contains(stderr.String(), "-http-addr") {
		t.Errorf("serve -h printed no flags: %q", stderr.String())
	}
}

// "cityhub -h" (-help, --help, help) alone prints the command list on
// stdout and succeeds, instead of serve's flags on stderr: the usage says
// where serve's flags are ("cityhub serve -h").
func TestHelpAlonePrintsCommands(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"-h", "-help", "--help", "help"} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), []string{arg}, testGetenv(nil), &stdout, &stderr); err != nil {
			t.Errorf("cityhub %s: %v, want success", arg, err)
		}
		if stdout.String() != usage {
			t.Errorf("cityhub %s printed on stdout %q, want the usage", arg, stdout.String())
		}
		if stderr.Len() != 0 {
			t.Errorf("cityhub %s printed on stderr %q, want nothing", arg, stderr.String())
		}
	}
}

// "cityhub backup -h" and "restore -h" say they take a file and where the
// data directory is when no setting names it: their help listed only
// -data-dir, with no default.
func TestBackupAndRestoreHelpNameTheFile(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"backup", "restore"} {
		var stderr bytes.Buffer
		if err := run(context.Background(), []string{name, "-h"}, testGetenv(nil), io.Discard, &stderr); err != nil {
			t.Errorf("%s -h: %v, want success", name, err)
		}
		for _, want := range []string{"cityhub " + name + " [-data-dir DIR] FILE", "./data when neither is given"} {
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("%s -h printed %q, want it to say %q", name, stderr.String(), want)
			}
		}
	}
}
