// Package store opens the configured storage engine: PostgreSQL when a
// database URL is given, else the embedded SQLite file. Both engines implement
// the same domain Store interfaces; DB is what the rest of the hub holds.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"cityhub/cardpay"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/keyring"
	"cityhub/mobility"
	"cityhub/outbox"
	"cityhub/participation"
	"cityhub/store/postgres"
	"cityhub/store/sqlite"
	"cityhub/ticketing"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// DB is an open store of either engine.
type DB interface {
	Engine() string
	Ping(ctx context.Context) error
	Close() error
	// OnMailQueued sets f to be called after every committed transaction
	// that put an e-mail in the outbox, so that this replica's sender
	// delivers it at once instead of at its next look.
	OnMailQueued(f func())
	Stores
}

// Stores hands out each domain's view of the database. Add one method per
// domain; both engines implement it in their stores.go.
type Stores interface {
	Keyring() keyring.Store
	Identity() identity.Store
	Wallet() wallet.Store
	Vouchers() vouchers.Store
	Mobility() mobility.Store
	Ticketing() ticketing.Store
	CardPayments() cardpay.Store
	// Answers keeps the first answer to each keyed API request, and
	// forgets it once no client retries any more.
	Answers() idem.PrunedAnswerStore
	// Outbox is the e-mail outbox.
	Outbox() outbox.Store
	// Participation is citizens' reports and proposals.
	Participation() participation.Store
}

var (
	_ DB = (*postgres.DB)(nil)
	_ DB = (*sqlite.DB)(nil)
)

// SQLiteFile is the embedded database's file name inside the data directory.
const SQLiteFile = "cityhub.db"

// Open opens PostgreSQL at databaseURL, or, when it is empty, the SQLite file
// in dataDir. Pending migrations are applied either way.
func Open(ctx context.Context, databaseURL, dataDir string, log *slog.Logger) (DB, error) {
	if databaseURL != "" {
		return postgres.Open(ctx, databaseURL, log)
	}
	db, err := sqlite.Open(ctx, filepath.Join(dataDir, SQLiteFile), log)
	if nw := (*sqlite.NotWritableError)(nil); errors.As(err, &nw) {
		// The operator's fix is the data directory's setting or its
		// permissions: the error names the setting as well as the path.
		return nil, fmt.Errorf("%w (the data directory is CITYHUB_DATA_DIR)", err)
	}
	if err != nil {
		return nil, err
	}
	return db, nil
}

// PeekAccounts reads how many accounts the database Open would open holds,
// and whether one has the normalised address emailNorm, without opening it
// for use: nothing is migrated or written, and a database that does not
// exist yet or was never migrated holds none.
func PeekAccounts(ctx context.Context, databaseURL, dataDir, emailNorm string) (n int, found bool, err error) {
	if databaseURL != "" {
		return postgres.PeekAccounts(ctx, databaseURL, emailNorm)
	}
	return sqlite.PeekAccounts(ctx, filepath.Join(dataDir, SQLiteFile), emailNorm)
}
