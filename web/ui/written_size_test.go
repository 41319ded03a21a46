package ui

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"cityhub/photo"
)

// A photo over the hub's limit is refused on the pages in words that name
// the limit the photo package refused it by (8 MiB by default), its
// numbers written as the page's language writes them, where the words said
// only that it was too large; a verb other than %s or %v prints the bytes.
func TestPhotoTooLargeWordsNameTheLimit(t *testing.T) {
	locs, err := loadCatalogues()
	if err != nil {
		t.Fatal(err)
	}
	_, refusal := photo.Process(context.Background(), bytes.Repeat([]byte{0xff}, photo.DefaultMaxBytes+1), photo.Limits{})
	for lang, want := range map[string]string{
		"it": "Una foto può essere al massimo di 8 MiB (8.388.608 byte): scegline una più piccola.",
		"en": "A photo may be at most 8 MiB (8,388,608 bytes): choose a smaller one.",
	} {
		if got := locs[lang].ErrorText(refusal); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	if got := fmt.Sprintf("%d", writtenSize{n: photo.Size(1 << 20), l: locs["it"]}); got != "1048576" {
		t.Errorf("%%d of a size: %q", got)
	}
}
