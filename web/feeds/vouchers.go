package feeds

import (
	"net/http"

	"cityhub/vouchers"
	"cityhub/web/httpx"
)

// handleOpenVoucherStats publishes anonymous campaign statistics as open
// data under CC-BY-4.0: no person, voucher or shop, only districts and
// categories. JSON here, CSV at .../stats.csv.
func (f *Handler) handleOpenVoucherStats(w http.ResponseWriter, r *http.Request) {
	od, err := f.Vouchers.OpenStats(r.Context())
	if err != nil {
		httpx.WriteError(f.log, w, r, err)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Link", `<`+od.LicenceURL+`>; rel="license"`)
	httpx.WriteJSON(w, http.StatusOK, od)
}

// handleOpenVoucherStatsCSV is the same statistics as CSV, the licence in
// a column of every row.
func (f *Handler) handleOpenVoucherStatsCSV(w http.ResponseWriter, r *http.Request) {
	od, err := f.Vouchers.OpenStats(r.Context())
	if err != nil {
		httpx.WriteError(f.log, w, r, err)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Link", `<`+od.LicenceURL+`>; rel="license"`)
	httpx.WriteCSVHeaders(w, "voucher-stats.csv")
	w.Header().Set("Content-Disposition", `inline; filename="voucher-stats.csv"`)
	_ = vouchers.WriteOpenCSV(w, od)
}
