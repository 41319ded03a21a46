package participation_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	"cityhub/participation"
)

// The built-in catalogue's date moves with the catalogue: a change to
// DefaultCatalogue fails this test until DefaultCatalogueChanged is set to
// the day of the change and the sum below to the new catalogue's.
func TestDefaultCatalogueChangedIsKept(t *testing.T) {
	b, err := json.Marshal(participation.DefaultCatalogue())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	const want, wantDay = "923eb3e10c22ef7220594e40ff3fee65f0e17ba6c7f26a3bfecf8a64b8719875", "2026-11-30"
	if got := hex.EncodeToString(sum[:]); got != want || participation.DefaultCatalogueChanged.Format("2006-01-02") != wantDay {
		t.Fatalf("DefaultCatalogue is %s dated %s; this test knows %s dated %s: set DefaultCatalogueChanged to the day of the change, and both here",
			got, participation.DefaultCatalogueChanged.Format("2006-01-02"), want, wantDay)
	}
}
