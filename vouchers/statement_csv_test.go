package vouchers

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"cityhub/money"
)

// statementForCSV is a statement of three redemptions in Rome, one of a
// shop whose name has letters outside ASCII.
func statementForCSV(t *testing.T) Statement {
	t.Helper()
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 7, 12, 10, 5, 0, time.UTC) // 13:10:05 in Rome
	lines := []Redemption{
		{ID: "vrd_1", VoucherID: "vch_1", At: at, AmountCents: 1250},
		{ID: "vrd_2", VoucherID: "vch_2", At: at.Add(time.Hour), AmountCents: 500},
		{ID: "vrd_3", VoucherID: "vch_3", At: at.Add(2 * time.Hour), AmountCents: 123456},
	}
	return Statement{
		Settlement: Settlement{ID: "stl_1", ShopID: "shp_1", PeriodEnd: time.Date(2026, 12, 8, 23, 0, 0, 0, time.UTC), Count: 3, TotalCents: 1250 + 500 + 123456},
		Shop:       Shop{ID: "shp_1", Name: "Caffè Libertà; 1° piano", IBAN: "IT60 X054 2811 1010 0000 0123 456"},
		Lines:      lines, zone: rome,
	}
}

// readStatement parses a statement CSV with sep, giving its header and
// rows.
func readStatement(t *testing.T, b []byte, sep rune) ([]string, [][]string) {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = sep
	rows, err := r.ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("statement CSV does not parse (%v):\n%s", err, b)
	}
	return rows[0], rows[1:]
}

// TestStatementCSVSumsToTotal: every row of the statement's CSV is a
// redemption, so the amount column (and a spreadsheet's SUM of it) comes
// to the statement's total, and the rows count to its count.
func TestStatementCSVSumsToTotal(t *testing.T) {
	st := statementForCSV(t)
	for name, write := range map[string]func(*bytes.Buffer, Statement) error{
		"data":        func(b *bytes.Buffer, st Statement) error { return WriteStatementCSV(b, st) },
		"spreadsheet": func(b *bytes.Buffer, st Statement) error { return WriteStatementSpreadsheet(b, st) },
	} {
		var b bytes.Buffer
		if err := write(&b, st); err != nil {
			t.Fatal(err)
		}
		sep, lang := ',', money.English
		if name == "spreadsheet" {
			sep, lang = ';', money.Italian
		}
		header, rows := readStatement(t, bytes.TrimPrefix(b.Bytes(), []byte("\ufeff")), sep)
		col := slices.Index(header, "amount_eur")
		if col < 0 {
			t.Fatalf("%s: no amount_eur column in %q", name, header)
		}
		var sum money.Cents
		for _, row := range rows {
			c, err := money.Parse(row[col])
			if err != nil || row[col] != c.Input(lang) {
				t.Fatalf("%s: amount %q is not a plain amount (%v)", name, row[col], err)
			}
			sum += c
		}
		if sum != money.Cents(st.TotalCents) || len(rows) != st.Count {
			t.Errorf("%s: the amount column sums to %s over %d rows; the statement is %s over %d:\n%s",
				name, sum.Decimal(), len(rows), money.Cents(st.TotalCents).Decimal(), st.Count, b.String())
		}
	}
}

// TestStatementCSVForPrograms: the data CSV is RFC 4180 with a comma and
// dot decimals, no byte order mark, times with the city's offset, and the
// period end on every row.
func TestStatementCSVForPrograms(t *testing.T) {
	var b bytes.Buffer
	if err := WriteStatementCSV(&b, statementForCSV(t)); err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(b.Bytes(), []byte("\ufeff")) {
		t.Error("the data CSV starts with a byte order mark")
	}
	header, rows := readStatement(t, b.Bytes(), ',')
	want := []string{"batch_id", "shop_id", "shop_name", "iban", "redemption_id", "voucher_id", "time", "amount_eur", "period_end"}
	if !slices.Equal(header, want) {
		t.Fatalf("header %q, want %q", header, want)
	}
	if got := rows[0]; got[2] != "Caffè Libertà; 1° piano" || got[6] != "2026-12-07T13:10:05+01:00" || got[7] != "12.50" || got[8] != "2026-12-09T00:00:00+01:00" {
		t.Errorf("first row %q", got)
	}
	if got := rows[2][7]; got != "1234.56" {
		t.Errorf("amount %q, want 1234.56", got)
	}
}

// TestStatementSpreadsheet: the spreadsheet's CSV opens in an Italian
// Excel as a table: a UTF-8 byte order mark, semicolons, a decimal
// comma without thousands separators, and local times a spreadsheet reads
// as times, the zone named in the header.
func TestStatementSpreadsheet(t *testing.T) {
	var b bytes.Buffer
	if err := WriteStatementSpreadsheet(&b, statementForCSV(t)); err != nil {
		t.Fatal(err)
	}
	body, ok := bytes.CutPrefix(b.Bytes(), []byte("\ufeff"))
	if !ok {
		t.Fatalf("no UTF-8 byte order mark: % x", b.Bytes()[:min(8, b.Len())])
	}
	first, _, _ := strings.Cut(string(body), "\n")
	if strings.Count(first, ";") != 8 || strings.Contains(first, ",") {
		t.Fatalf("header line %q, want 9 cells separated by semicolons", first)
	}
	header, rows := readStatement(t, body, ';')
	want := []string{"batch_id", "shop_id", "shop_name", "iban", "redemption_id", "voucher_id", "time (Europe/Rome)", "amount_eur", "period_end (Europe/Rome)"}
	if !slices.Equal(header, want) {
		t.Fatalf("header %q, want %q", header, want)
	}
	if got := rows[0]; got[2] != "Caffè Libertà; 1° piano" || got[6] != "2026-12-07 13:10:05" || got[7] != "12,50" || got[8] != "2026-12-09 00:00:00" {
		t.Errorf("first row %q", got)
	}
	if got := rows[2][7]; got != "1234,56" {
		t.Errorf("amount %q, want 1234,56", got)
	}
}
