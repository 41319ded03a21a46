package ui

import (
	"strings"
	"testing"

	"cityhub/money"
	"cityhub/participation"
)

// The open data page's words for the reports and proposals datasets name
// how many of the newest they hold (participation.MaxListLimit, what the
// service reads) as the page's language writes numbers, where they wrote
// 1000 in both; the other datasets' words are as written.
func TestDatasetWordsNameHowManyTheyHold(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]map[string]string{
		"it": {"reports": "Le ultime %s segnalazioni ", "proposals": "Le ultime %s proposte "},
		"en": {"reports": "The latest %s reports ", "proposals": "The latest %s proposals "},
	} {
		n := money.Units(participation.MaxListLimit, lang)
		for key, prefix := range want {
			prefix = strings.Replace(prefix, "%s", n, 1)
			if got := locs[lang].DatasetText(key); !strings.HasPrefix(got, prefix) || strings.Contains(got, "%") {
				t.Errorf("%s, %s: %q, want it to start %q", lang, key, got, prefix)
			}
		}
		if got := locs[lang].DatasetText("counts"); got != locs[lang].T("site.data.counts.text") || strings.Contains(got, "%") {
			t.Errorf("%s, counts: %q", lang, got)
		}
	}
}
