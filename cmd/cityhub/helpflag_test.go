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
	for _, args := range [][]string{{"serve", "-h"}, {"-help"}, {"demo", "-h"}, {"create-admin", "-h"}, {"simulate", "-h"}, {"check", "-h"}, {"migrate", "-h"}, {"backup", "-h"}, {"restore", "-h"}, {"clear-login-limits", "-h"}} {
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
