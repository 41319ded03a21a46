package web

import (
	"net/http"
	"strings"
	"testing"

	"cityhub/vouchers"
)

// TestOpenVoucherStatsAreKept: the open statistics are computed once and
// given as computed for the minute after, JSON and CSV alike: a campaign
// opened meanwhile is not in them yet.
func TestOpenVoucherStatsAreKept(t *testing.T) {
	t.Parallel()
	ve := newVoucherEnv(t, "sqlite")
	get := func(path string) string {
		t.Helper()
		res := vreq(t, ve.testEnv, "GET", path, "", "")
		wantStatus(t, res, http.StatusOK)
		return res.Body.String()
	}
	first, firstCSV := get("/api/v1/open/vouchers/stats"), get("/api/v1/open/vouchers/stats.csv")
	if !strings.Contains(first, ve.campaign.ID) {
		t.Fatalf("the open campaign is not in the statistics: %s", first)
	}
	res := vreq(t, ve.testEnv, "POST", "/api/v1/admin/campaigns", ve.admin, strings.Replace(validCampaign, "Natale in contrada", "Pasqua in contrada", 1))
	wantStatus(t, res, http.StatusCreated)
	var later vouchers.Campaign
	decodeInto(t, res, &later)
	wantStatus(t, vreq(t, ve.testEnv, "POST", "/api/v1/admin/campaigns/"+later.ID+"/open", ve.admin, ""), http.StatusOK)
	if again := get("/api/v1/open/vouchers/stats"); again != first {
		t.Fatalf("the statistics were computed again within the minute:\n%s\n%s", first, again)
	}
	if againCSV := get("/api/v1/open/vouchers/stats.csv"); againCSV != firstCSV {
		t.Fatalf("the CSV was computed again within the minute:\n%s", againCSV)
	}
}
