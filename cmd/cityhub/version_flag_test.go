package main

import (
	"bytes"
	"strings"
	"testing"
)

// cityhub --version (and -version) answers as cityhub version does: the
// version on standard output, exit status 0, rather than serve's flags
// and a refusal.
func TestVersionFlagAnswersTheVersion(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"--version", "-version", "version"} {
		var out, errOut bytes.Buffer
		code := -1
		runMain([]string{arg}, func(string) string { return "" }, &out, &errOut, func(c int) { code = c })
		if code != -1 || !strings.HasPrefix(out.String(), "cityhub ") || strings.Count(out.String(), "\n") != 1 || errOut.Len() != 0 {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want the version line alone", arg, code, out.String(), errOut.String())
		}
	}
}
