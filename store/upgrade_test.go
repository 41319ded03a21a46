package store_test

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"

	"cityhub/apperr"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// rawDB is an engine's connection for SQL written for both engines, and
// its migrations.
type rawDB struct {
	exec    func(sql string)
	try     func(sql string) error
	rows    func(sql string) []string
	migrate func() error
	// at is a timestamp column's literal for second s of a fixed day.
	at func(s int) string
	// tab is the SQL for a tab character.
	tab string
	// store is the same database as the hub opens it.
	store store.DB
}

func openRaw(t *testing.T, engine string) rawDB {
	ctx := context.Background()
	switch engine {
	case "postgres":
		db := storetest.OpenPostgres(t)
		pool := db.Pool()
		return rawDB{
			exec: func(q string) {
				t.Helper()
				if _, err := pool.Exec(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			},
			try: func(q string) error {
				_, err := pool.Exec(ctx, q)
				return err
			},
			rows: func(q string) []string {
				t.Helper()
				rows, err := pool.Query(ctx, q)
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				defer rows.Close()
				var out []string
				for rows.Next() {
					var s string
					if err := rows.Scan(&s); err != nil {
						t.Fatal(err)
					}
					out = append(out, s)
				}
				return out
			},
			migrate: func() error { return db.Migrate(ctx) },
			tab:     "chr(9)",
			store:   db,
			at: func(s int) string {
				return "'2026-01-01T10:00:00Z'::timestamptz + interval '" + strconv.Itoa(s) + " seconds'"
			},
		}
	default:
		db := storetest.OpenSQLite(t)
		w := db.Writer()
		return rawDB{
			exec: func(q string) {
				t.Helper()
				if _, err := w.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			},
			try: func(q string) error {
				_, err := w.ExecContext(ctx, q)
				return err
			},
			rows: func(q string) []string {
				t.Helper()
				rows, err := w.QueryContext(ctx, q)
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				defer rows.Close()
				var out []string
				for rows.Next() {
					var s sql.NullString
					if err := rows.Scan(&s); err != nil {
						t.Fatal(err)
					}
					out = append(out, s.String)
				}
				return out
			},
			migrate: func() error { return db.Migrate(ctx) },
			tab:     "char(9)",
			store:   db,
			at:      func(s int) string { return strconv.Itoa(1767261600_000000 + s*1_000_000) },
		}
	}
}

// A database from before the unique indexes on shops (0311) and on open
// fault reports (0411) may hold the duplicates the indexes forbid. The
// migrations keep every shop (the later twins get a key of their own, the
// first keeps the one a new registration is compared with) and resolve the
// later twins of an open report, leaving reports of erased citizens alone.
func TestUpgradeWithDuplicates(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			db := openRaw(t, engine)
			// Back to before the two migrations.
			db.exec(`DROP INDEX voucher_shops_name_key`)
			db.exec(`ALTER TABLE voucher_shops DROP COLUMN name_key`)
			// The index 0411 made is 1036's two now.
			db.exec(`DROP INDEX mobility_incidents_open_bike_report`)
			db.exec(`DROP INDEX mobility_incidents_open_dock_report`)
			db.exec(`DELETE FROM schema_migrations WHERE version IN (311, 411, 1036)`)

			active := "TRUE"
			if engine == "sqlite" {
				active = "1"
			}
			for i, s := range [][3]string{
				{"shp_b", "FORNO  traiano", "via traiano 3"},
				{"shp_a", "Forno Traiano", "Via Traiano 3"},
				{"shp_c", "forno traiano ", "VIA\tTRAIANO 3"},
				{"shp_d", "Forno Traiano", "Viale Mellusi 40"},
			} {
				created := db.at(i)
				if s[0] == "shp_a" {
					created = db.at(-1) // the oldest, though not the first row
				}
				db.exec(`INSERT INTO voucher_shops (id, name, address, district, category, iban, active, created_at)
					VALUES ('` + s[0] + `', '` + s[1] + `', '` + strings.ReplaceAll(s[2], "\t", "'||"+db.tab+"||'") + `', 'centro', 'food', 'IT60X0542811101000000123456', ` + active + `, ` + created + `)`)
			}
			for i, r := range [][4]string{
				// id, reported_by, bike, resolved
				{"inc_1", "acc_anna", "b1", ""},
				{"inc_2", "acc_anna", "b1", ""},
				{"inc_3", "acc_anna", "b1", ""},
				{"inc_4", "acc_anna", "b1", "acc_op"},
				{"inc_5", "acc_bruno", "b1", ""},
				{"inc_6", "acc_anna", "b2", ""},
				{"inc_7", "", "b1", ""},
				{"inc_8", "", "b1", ""},
			} {
				resolved := "NULL"
				if r[3] != "" {
					resolved = db.at(100)
				}
				db.exec(`INSERT INTO mobility_incidents (id, kind, station_id, request_id, bike_id, dock, raised_at, resolved_at, resolved_by, reported_by, description)
					VALUES ('` + r[0] + `', 'citizen_report', 'st-1', '` + r[0] + `', '` + r[2] + `', 0, ` + db.at(i) + `, ` + resolved + `, '` + r[3] + `', '` + r[1] + `', 'rotta')`)
			}

			if err := db.migrate(); err != nil {
				t.Fatalf("migrate: %v", err)
			}

			key := vouchers.ShopKey("Forno Traiano", "Via Traiano 3")
			want := []string{
				"shp_a=" + key,
				"shp_b=" + key + "\nshp_b",
				"shp_c=" + key + "\nshp_c",
				"shp_d=" + vouchers.ShopKey("Forno Traiano", "Viale Mellusi 40"),
			}
			if got := db.rows(`SELECT id || '=' || name_key FROM voucher_shops ORDER BY id`); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("shop keys after the upgrade:\n got %q\nwant %q", got, want)
			}
			wantInc := []string{"inc_1 open", "inc_2 system", "inc_3 system", "inc_4 acc_op", "inc_5 open", "inc_6 open", "inc_7 open", "inc_8 open"}
			got := db.rows(`SELECT id || ' ' || CASE WHEN resolved_at IS NULL THEN 'open' ELSE resolved_by END FROM mobility_incidents ORDER BY id`)
			if strings.Join(got, "|") != strings.Join(wantInc, "|") {
				t.Errorf("reports after the upgrade:\n got %q\nwant %q", got, wantInc)
			}
		})
	}
}

// A database from before 1036 may hold one citizen's open reports of one
// bike at two stations, which the index keyed on the station let in. The
// migration resolves the later ones (by "system"), leaving the oldest open,
// the one a second report is answered with, and leaves alone another
// citizen's report, an erased citizen's, a resolved one and a dock's at two
// stations; the new indexes then hold the rule.
func TestUpgradeOpenBikeReportsAtTwoStations(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			db := openRaw(t, engine)
			// Back to before 1036: 0411's index keyed on the station.
			db.exec(`DROP INDEX mobility_incidents_open_bike_report`)
			db.exec(`DROP INDEX mobility_incidents_open_dock_report`)
			db.exec(`CREATE UNIQUE INDEX mobility_incidents_open_report ON mobility_incidents (reported_by, station_id, bike_id, dock)
				WHERE kind = 'citizen_report' AND resolved_at IS NULL AND reported_by <> ''`)
			db.exec(`DELETE FROM schema_migrations WHERE version = 1036`)
			for _, r := range []struct {
				id, by, station, bike string
				dock, at              int
				resolvedBy            string
			}{
				{"inc_1", "acc_anna", "st-2", "b1", 0, 0, ""},
				{"inc_2", "acc_anna", "st-1", "b1", 0, 5, ""},
				{"inc_3", "acc_anna", "st-3", "b1", 0, 5, ""}, // as old as inc_2: the id decides
				{"inc_4", "acc_anna", "st-4", "b1", 0, 1, "acc_op"},
				{"inc_5", "acc_bruno", "st-1", "b1", 0, 2, ""},
				{"inc_6", "", "st-1", "b1", 0, 3, ""},
				{"inc_7", "", "st-2", "b1", 0, 4, ""},
				{"inc_8", "acc_anna", "st-2", "b2", 0, 7, ""},
				{"inc_9", "acc_anna", "st-1", "b2", 0, 6, ""}, // older than inc_8: stays open
				{"inc_10", "acc_anna", "st-1", "", 3, 8, ""},
				{"inc_11", "acc_anna", "st-2", "", 3, 9, ""},
			} {
				resolved := "NULL"
				if r.resolvedBy != "" {
					resolved = db.at(100)
				}
				db.exec(`INSERT INTO mobility_incidents (id, kind, station_id, request_id, bike_id, dock, raised_at, resolved_at, resolved_by, reported_by, description)
					VALUES ('` + r.id + `', 'citizen_report', '` + r.station + `', '` + r.id + `', '` + r.bike + `', ` + strconv.Itoa(r.dock) + `, ` + db.at(r.at) + `, ` + resolved + `, '` + r.resolvedBy + `', '` + r.by + `', 'rotta')`)
			}

			if err := db.migrate(); err != nil {
				t.Fatalf("migrate: %v", err)
			}

			want := []string{"inc_1 open", "inc_10 open", "inc_11 open", "inc_2 system", "inc_3 system", "inc_4 acc_op", "inc_5 open",
				"inc_6 open", "inc_7 open", "inc_8 system", "inc_9 open"}
			got := db.rows(`SELECT id || ' ' || CASE WHEN resolved_at IS NULL THEN 'open' ELSE resolved_by END FROM mobility_incidents ORDER BY id`)
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("reports after the upgrade:\n got %q\nwant %q", got, want)
			}
			if got := db.rows(`SELECT description FROM mobility_incidents WHERE id = 'inc_2'`); len(got) != 1 || got[0] != "rotta" {
				t.Errorf("the resolved twin's words: %q", got)
			}
			if err := db.try(`INSERT INTO mobility_incidents (id, kind, station_id, request_id, bike_id, dock, raised_at, reported_by, description)
				VALUES ('inc_12', 'citizen_report', 'st-5', 'inc_12', 'b1', 0, ` + db.at(200) + `, 'acc_anna', 'rotta')`); err == nil {
				t.Errorf("a second open report of b1 by acc_anna, at another station, was written after the upgrade")
			}
		})
	}
}

// A database from before 1038 may hold open reports of docks of stations
// deleted since, which no operator can find and which count against their
// riders' limits. The migration resolves them (by "system", their words
// kept) and leaves alone the open dock reports of stations that exist, an
// open bike report that went to a deleted station (it is of the bike), and
// reports already resolved; an erased rider's open report of a gone dock
// (reported by nobody) is resolved too.
func TestUpgradeResolvesDockReportsOfDeletedStations(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			db := openRaw(t, engine)
			// Back to before 1038.
			db.exec(`DELETE FROM schema_migrations WHERE version = 1038`)
			open := "TRUE"
			if engine == "sqlite" {
				open = "1"
			}
			db.exec(`INSERT INTO mobility_stations (id, name_it, name_en, lat, lon, capacity, open, created_at, updated_at)
				VALUES ('st-here', 'Qui', '', 41.13, 14.78, 4, ` + open + `, ` + db.at(0) + `, ` + db.at(0) + `)`)
			for _, r := range []struct {
				id, by, station, bike string
				dock                  int
				resolvedBy            string
			}{
				{"inc_1", "acc_anna", "st-gone", "", 1, ""},
				{"inc_2", "acc_anna", "st-here", "", 1, ""},
				{"inc_3", "acc_bruno", "st-gone", "b1", 0, ""},
				{"inc_4", "acc_bruno", "st-gone", "", 2, "acc_op"},
				{"inc_5", "", "st-gone", "", 3, ""},
			} {
				resolved := "NULL"
				if r.resolvedBy != "" {
					resolved = db.at(100)
				}
				db.exec(`INSERT INTO mobility_incidents (id, kind, station_id, request_id, bike_id, dock, raised_at, resolved_at, resolved_by, reported_by, description)
					VALUES ('` + r.id + `', 'citizen_report', '` + r.station + `', '` + r.id + `', '` + r.bike + `', ` + strconv.Itoa(r.dock) + `, ` + db.at(1) + `, ` + resolved + `, '` + r.resolvedBy + `', '` + r.by + `', 'rotta')`)
			}

			if err := db.migrate(); err != nil {
				t.Fatalf("migrate: %v", err)
			}

			want := []string{"inc_1 system", "inc_2 open", "inc_3 open", "inc_4 acc_op", "inc_5 system"}
			got := db.rows(`SELECT id || ' ' || CASE WHEN resolved_at IS NULL THEN 'open' ELSE resolved_by END FROM mobility_incidents ORDER BY id`)
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("reports after the upgrade:\n got %q\nwant %q", got, want)
			}
			if got := db.rows(`SELECT description FROM mobility_incidents WHERE id = 'inc_1'`); len(got) != 1 || got[0] != "rotta" {
				t.Errorf("the resolved report's words: %q", got)
			}
		})
	}
}

// A database from before 1039 may hold credit on erased accounts: money
// that reached them after their erasure (a refund of an order paid from
// credit, a dispute won, a top-up racing the erasure), which nobody can
// spend. The migration sends it to the city with a transaction of the
// erasure's kind, leaves a debt where it is, and closes every erased
// account's credit (making one, closed, for an erased account that never
// had one); the credit of an account not erased stays open and untouched.
// The ledger check passes after it, credit on closed accounts included.
func TestUpgradeSendsErasedAccountsCreditToTheCity(t *testing.T) {
	t.Parallel()
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			db := openRaw(t, engine)
			// Back to before 1039.
			db.exec(`ALTER TABLE ledger_accounts DROP COLUMN closed_at`)
			db.exec(`DELETE FROM schema_migrations WHERE version = 1039`)
			null, rule := "NULL", "'ride_overrun', -2000, 'citizen:acc_bruno'"
			if engine == "sqlite" {
				null = "0"
			}
			for _, a := range [][2]string{{"acc_anna", db.at(50)}, {"acc_bruno", db.at(51)}, {"acc_carla", null}, {"acc_dora", db.at(52)}} {
				db.exec(`INSERT INTO accounts (id, email, email_norm, name, locale, password_hash, created_at, deleted_at)
					VALUES ('` + a[0] + `', '` + a[0] + `@invalid', '` + a[0] + `@invalid', '', 'it', '!deleted', ` + db.at(0) + `, ` + a[1] + `)`)
			}
			// Balances as the postings left them: on PostgreSQL they are
			// written with the entries, on SQLite a trigger moves them.
			balance := func(b int) string {
				if engine == "sqlite" {
					return "0"
				}
				return strconv.Itoa(b)
			}
			db.exec(`INSERT INTO ledger_accounts (id, kind, owner_id, floor, balance, created_at) VALUES
				('city:funding', 'city_funding', '', NULL, ` + balance(-900) + `, ` + db.at(0) + `),
				('citizen:acc_anna', 'citizen_credit', 'acc_anna', 0, ` + balance(700) + `, ` + db.at(0) + `),
				('citizen:acc_bruno', 'citizen_credit', 'acc_bruno', 0, ` + balance(-300) + `, ` + db.at(0) + `),
				('citizen:acc_carla', 'citizen_credit', 'acc_carla', 0, ` + balance(500) + `, ` + db.at(0) + `)`)
			for i, tr := range []struct {
				id, from, to string
				amount       int
				overdraft    string
			}{
				{"gift:anna", "city:funding", "citizen:acc_anna", 700, ""},
				{"ride:bruno", "citizen:acc_bruno", "city:funding", 300, rule},
				{"gift:carla", "city:funding", "citizen:acc_carla", 500, ""},
			} {
				overdraft := "'', NULL, ''"
				if tr.overdraft != "" {
					overdraft = tr.overdraft
				}
				db.exec(`INSERT INTO ledger_transactions (id, idem_key, kind, overdraft_rule, overdraft_floor, overdraft_account, created_at)
					VALUES ('` + tr.id + `', '` + tr.id + `', 'test', ` + overdraft + `, ` + db.at(i) + `)`)
				db.exec(`INSERT INTO ledger_entries (transaction_id, account_id, amount, created_at) VALUES
					('` + tr.id + `', '` + tr.from + `', -` + strconv.Itoa(tr.amount) + `, ` + db.at(i) + `),
					('` + tr.id + `', '` + tr.to + `', ` + strconv.Itoa(tr.amount) + `, ` + db.at(i) + `)`)
			}

			if err := db.migrate(); err != nil {
				t.Fatalf("migrate: %v", err)
			}

			want := []string{
				"citizen:acc_anna 0 closed as erased",
				"citizen:acc_bruno -300 closed as erased",
				"citizen:acc_carla 500 open",
				"citizen:acc_dora 0 closed as erased",
			}
			got := db.rows(`SELECT a.id || ' ' || CAST(a.balance AS TEXT) || ' ' ||
					CASE WHEN a.closed_at IS NULL THEN 'open' WHEN a.closed_at = u.deleted_at THEN 'closed as erased' ELSE 'closed' END
				FROM ledger_accounts a JOIN accounts u ON a.id = 'citizen:' || u.id ORDER BY a.id`)
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("credit accounts after the upgrade:\n got %q\nwant %q", got, want)
			}
			if got := db.rows(`SELECT kind || ' ' || ref_type || ' ' || ref_id FROM ledger_transactions WHERE id = 'erasure:closed_to_city:acc_anna'`); len(got) != 1 || got[0] != "erasure.to_city account acc_anna" {
				t.Errorf("the transaction that sent anna's credit to the city: %q", got)
			}
			w := wallet.NewService(db.store.Wallet(), nil)
			if city, err := w.Account(context.Background(), wallet.CityFunding); err != nil || city.Balance != -200 {
				t.Errorf("the city's account after the upgrade: %+v, %v; want -200", city, err)
			}
			if c, err := w.Check(context.Background()); err != nil || !c.OK() {
				t.Errorf("ledger check after the upgrade: %+v, %v", c, err)
			}
			if err := w.Setup(context.Background()); err != nil {
				t.Fatal(err)
			}
			if _, err := w.TestTopUp(context.Background(), "acc_anna", 500, "after-the-upgrade"); apperr.ReasonOf(err) != "account_deleted" {
				t.Errorf("a top-up of an account erased before the upgrade: %v, want account_deleted", err)
			}
		})
	}
}
