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
// same table): the same cents, or a refusal for the same reason, so that a
// till with the script and one without it take the same amounts and say
// the same of the others. Its parser is run in Chromium as the scanner
// page ships it.
func TestTillReadsAmountsAsTheServer(t *testing.T) {
	t.Parallel()
	script, err := os.ReadFile("../ui/static/js/scanner.js")
	if err != nil {
		t.Fatal(err)
	}
	src := string(script)
	from, to := strings.Index(src, "  // readAmount reads"), strings.Index(src, "  // A till first asks")
	if from < 0 || to < from {
		t.Fatal("scanner.js: no readAmount between its comment and the till's preview")
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
	js := "(function () {\n" + src[from:to] + "\nreturn " + string(inputs) + ".map(readAmount);\n})()"
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("open a blank page: %v", err)
	}
	type read struct {
		Cents  *int64 `json:"cents"`
		Reason string `json:"reason"`
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]read](js))
	if err != nil {
		t.Fatalf("run the till's parser: %v", err)
	}
	if len(got) != len(table) {
		t.Fatalf("%d answers for %d amounts", len(got), len(table))
	}
	for i, c := range table {
		g := got[i]
		switch {
		case c.Refused != "" && (g.Reason != c.Refused || g.Cents != nil):
			t.Errorf("the till reads %q as %+v, the server refuses it as %s", c.Typed, g, c.Refused)
		case c.Refused == "" && (g.Cents == nil || *g.Cents != c.Cents || g.Reason != ""):
			t.Errorf("the till reads %q as %+v, the server as %d cents", c.Typed, g, c.Cents)
		}
	}
}
