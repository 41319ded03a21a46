package feeds

import (
	"net/http"
	"time"

	"cityhub/vouchers"
	"cityhub/web/httpx"
)

// handleOpenVoucherStats publishes anonymous campaign statistics as open
// data under CC-BY-4.0: no person or voucher, only districts and
// categories (which name a shop's takings where it is alone in one: the
// shops taking part are public, and the open data page says so). JSON
// here, CSV at .../stats.csv.
func (f *Handler) handleOpenVoucherStats(w http.ResponseWriter, r *http.Request) {
	if od, at, ok := f.openVoucherStats(w, r); ok {
		f.voucherStats.setCacheHeaders(w.Header(), at)
		if answerNotModified(w, r, at) {
			return
		}
		httpx.WriteJSON(w, http.StatusOK, od)
	}
}

// handleOpenVoucherStatsCSV is the same statistics as CSV, the licence in
// a column of every row.
func (f *Handler) handleOpenVoucherStatsCSV(w http.ResponseWriter, r *http.Request) {
	od, at, ok := f.openVoucherStats(w, r)
	if !ok {
		return
	}
	// A download, as every other CSV of the hub (the open reports' and
	// proposals' too): a browser saves the file under its name.
	httpx.WriteCSVHeaders(w, "voucher-stats.csv")
	f.voucherStats.setCacheHeaders(w.Header(), at)
	if answerNotModified(w, r, at) {
		return
	}
	_ = vouchers.WriteOpenCSV(w, od)
}

// openVoucherStats reads the statistics and sets the headers both forms
// share (openData).
func (f *Handler) openVoucherStats(w http.ResponseWriter, r *http.Request) (vouchers.OpenData, time.Time, bool) {
	return openData(f, w, r, f.voucherStats, func(od vouchers.OpenData) string { return od.LicenceURL })
}
