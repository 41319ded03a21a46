package web

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/audit"
	"cityhub/identity"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// TestVoucherAuditAPIPagesAndCSV: the JSON log comes a page at a time
// with the next page's cursor, and the CSV holds every entry, more than
// one page of them, each once, oldest first.
func TestVoucherAuditAPIPagesAndCSV(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ve := newVoucherEnv(t, engine)
			path := "/api/v1/admin/voucher-audit?shop_id=" + ve.shop.ID
			// The shop's registration and opening entries come first.
			var before vouchers.AuditPage
			decodeInto(t, wantOK(t, vreq(t, ve.testEnv, "GET", path, ve.admin, "")), &before)
			// More than a page of redemptions' entries, as a city's log
			// holds after a campaign.
			n := vouchers.MaxAuditPage + 5
			err := ve.DB.Vouchers().InTx(context.Background(), func(tx vouchers.Tx) error {
				for i := range n {
					if err := tx.AppendAudit(context.Background(), audit.Entry{ActorID: "acc_staff", Action: "voucher.redeem",
						ObjectType: "voucher", ObjectID: fmt.Sprintf("vch_%05d", i), ShopID: ve.shop.ID}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}

			var seen []string
			for cursor, pages := "", 0; ; pages++ {
				if pages > n {
					t.Fatal("the pages do not end")
				}
				res := vreq(t, ve.testEnv, "GET", path+"&limit=400&cursor="+cursor, ve.admin, "")
				var page vouchers.AuditPage
				wantStatus(t, res, http.StatusOK)
				if decodeInto(t, res, &page); len(page.Entries) > 400 {
					t.Fatalf("a page of %d entries, limit 400", len(page.Entries))
				}
				for _, e := range page.Entries {
					if e.ObjectType == "voucher" {
						seen = append(seen, e.ObjectID)
					}
				}
				if page.Next == "" {
					break
				}
				cursor = page.Next
			}
			if len(seen) != n || seen[0] != "vch_00000" || seen[n-1] != fmt.Sprintf("vch_%05d", n-1) {
				t.Fatalf("the pages gave %d entries, want %d in order", len(seen), n)
			}

			res := vreq(t, ve.testEnv, "GET", path+"&format=csv", ve.admin, "")
			wantStatus(t, res, http.StatusOK)
			rows, err := csv.NewReader(strings.NewReader(res.Body.String())).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			k := len(before.Entries)
			if len(rows) != 1+k+n || rows[0][0] != "id" || rows[1+k][5] != "vch_00000" || rows[k+n][5] != fmt.Sprintf("vch_%05d", n-1) {
				t.Fatalf("the CSV has %d rows, want a header and %d entries in order", len(rows), k+n)
			}

			// For a spreadsheet: the same entries, a byte order mark,
			// semicolons and the city's local times, the zone in the
			// header.
			res = vreq(t, ve.testEnv, "GET", path+"&format=csv&dialect=excel", ve.admin, "")
			wantStatus(t, res, http.StatusOK)
			body, ok := strings.CutPrefix(res.Body.String(), "\ufeff")
			r := csv.NewReader(strings.NewReader(body))
			r.Comma = ';'
			sheet, err := r.ReadAll()
			if !ok || err != nil || len(sheet) != len(rows) || sheet[0][1] != "time ("+testZone.String()+")" || sheet[1+k][5] != "vch_00000" ||
				!strings.Contains(res.Header().Get("Content-Disposition"), "voucher-audit-excel.csv") {
				t.Fatalf("the spreadsheet's CSV: byte order mark %v, %v, %d rows (want %d), header %v", ok, err, len(sheet), len(rows), sheet[0])
			}
			if at, err := time.ParseInLocation(time.DateTime, sheet[1+k][1], testZone); err != nil || at.Location() != testZone {
				t.Fatalf("the spreadsheet's time %q: %v", sheet[1+k][1], err)
			}

			for _, q := range []string{"&cursor=abc", "&limit=0", fmt.Sprintf("&limit=%d", vouchers.MaxAuditPage+1), "&dialect=excel", "&format=csv&dialect=lotus"} {
				wantProblem(t, vreq(t, ve.testEnv, "GET", path+q, ve.admin, ""), http.StatusBadRequest)
			}
		})
	}
}

// failingAuditStore fails every read of the audit log after the first.
type failingAuditStore struct {
	vouchers.Store
	reads *atomic.Int32
}

func (s failingAuditStore) View(ctx context.Context, fn func(vouchers.Tx) error) error {
	return s.Store.View(ctx, func(tx vouchers.Tx) error { return fn(failingAuditTx{tx, s.reads}) })
}

type failingAuditTx struct {
	vouchers.Tx
	reads *atomic.Int32
}

func (tx failingAuditTx) ListAudit(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	if tx.reads.Add(1) > 1 {
		return nil, errors.New("the database went away")
	}
	return tx.Tx.ListAudit(ctx, f)
}

// TestVoucherAuditCSVCutShortIsNotWhole: when a page after the first
// cannot be read, the CSV's transfer is cut off, so the client sees an
// error instead of a file that looks whole.
func TestVoucherAuditCSVCutShortIsNotWhole(t *testing.T) {
	t.Parallel()
	reads := new(atomic.Int32)
	_, env := newTestServer(t, "sqlite", func(env *testEnv, d *Deps) {
		d.Vouchers = vouchers.NewService(failingAuditStore{env.DB.Vouchers(), reads}, env.Keys, nil)
	})
	admin := env.login(t, identity.RoleAdmin)
	err := env.DB.Vouchers().InTx(context.Background(), func(tx vouchers.Tx) error {
		for i := range 3 {
			if err := tx.AppendAudit(context.Background(), audit.Entry{ActorID: "acc_staff", Action: "voucher.redeem",
				ObjectType: "voucher", ObjectID: fmt.Sprintf("vch_%d", i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(env.Server)
	defer srv.Close()
	req, err := http.NewRequest("GET", srv.URL+"/api/v1/admin/voucher-audit?format=csv&limit=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", admin)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || err == nil {
		t.Fatalf("status %d, body %q, read error %v: want 200 and a transfer cut off", res.StatusCode, body, err)
	}
	if !strings.Contains(string(body), "vch_0") {
		t.Fatalf("the first page was not sent: %q", body)
	}
}
