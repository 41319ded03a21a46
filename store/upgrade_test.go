package store_test

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"testing"

	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// rawDB is an engine's connection for SQL written for both engines, and
// its migrations.
type rawDB struct {
	exec    func(sql string)
	rows    func(sql string) []string
	migrate func() error
	// at is a timestamp column's literal for second s of a fixed day.
	at func(s int) string
	// tab is the SQL for a tab character.
	tab string
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
			db.exec(`DROP INDEX mobility_incidents_open_report`)
			db.exec(`DELETE FROM schema_migrations WHERE version IN (311, 411)`)

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
