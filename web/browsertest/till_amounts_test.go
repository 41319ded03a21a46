package browsertest

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"cityhub/web/browsertest/pagetest"
)

// The till's script reads every amount of money/testdata/typed_amounts.json
// as the server's money.Parse does (money's TestParseTypedAmounts reads the
// same table): the cents, or NaN where the server refuses, so that a till
// with the script and one without it take the same amounts. Its parser is
// run in Chromium as the scanner page ships it.
func TestTillReadsAmountsAsTheServer(t *testing.T) {
	t.Parallel()
	script, err := os.ReadFile("../ui/static/js/scanner.js")
	if err != nil {
		t.Fatal(err)
	}
	src := string(script)
	from, to := strings.Index(src, "  // parseCents reads"), strings.Index(src, "  // A till first asks")
	if from < 0 || to < from {
		t.Fatal("scanner.js: no parseCents between its comment and the till's preview")
	}
	raw, err := os.ReadFile("../../money/testdata/typed_amounts.json")
	if err != nil {
		t.Fatal(err)
	}
	var table []struct {
		Typed   string `json:"typed"`
		Cents   int64  `json:"cents"`
		Refused string `json:"refused"`
	}
	if err := json.Unmarshal(raw, &table); err != nil {
		t.Fatal(err)
	}
	typed := make([]string, len(table))
	for i, c := range table {
		typed[i] = c.Typed
	}
	inputs, _ := json.Marshal(typed)
	ctx := pagetest.Launch(t, "")
	// -1 stands for NaN, which JSON does not carry.
	js := "(function () {\n" + src[from:to] + "\nreturn " + string(inputs) + ".map(function (s) { var c = parseCents(s); return isNaN(c) ? -1 : c; });\n})()"
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("open a blank page: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]int64](js))
	if err != nil {
		t.Fatalf("run the till's parser: %v", err)
	}
	if len(got) != len(table) {
		t.Fatalf("%d answers for %d amounts", len(got), len(table))
	}
	for i, c := range table {
		want := c.Cents
		if c.Refused != "" {
			want = -1
		}
		if got[i] != want {
			t.Errorf("the till reads %q as %d, the server as %d (%s; -1: refused)", c.Typed, got[i], want, c.Refused)
		}
	}
}
