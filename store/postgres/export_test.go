package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"cityhub/groupcommit/groupcommittest"
	"cityhub/wallet"
)

// RideStartsSQL is the statement of RideStarts.
const RideStartsSQL = rideStartsSQL

// HistorySQL is the statement of History.
const HistorySQL = historySQL

// HoldClaims makes db's next batch of answer claims wait, once it is on
// its way, until n claims have queued behind it: the tests put chosen
// claims into one batch with it. The channel it returns is closed when
// that batch is on its way.
func HoldClaims(db *DB, n int) <-chan struct{} { return groupcommittest.Hold(db.claims, n, nil) }

// HoldTxGroup is HoldClaims for the next grouped transaction of key.
func HoldTxGroup(db *DB, key string, n int) <-chan struct{} {
	return groupcommittest.Hold(db.txGroup(key), n, nil)
}

// TxExec runs a statement in tx, for tests that write rows of their own.
func TxExec(ctx context.Context, tx *Tx, sql string, args ...any) error {
	_, err := tx.q.Exec(ctx, sql, args...)
	return err
}

// TxLater queues a write in tx, to go with the next statement or COMMIT.
func TxLater(ctx context.Context, tx *Tx, sql string, args ...any) error {
	return tx.later(ctx, deferred{what: "queued write", sql: sql, args: args})
}

// ErrNoRowUpdated is TxLaterChecked's check failing.
var ErrNoRowUpdated = errors.New("no row updated")

// TxLaterChecked queues a write in tx whose command tag must count one row.
func TxLaterChecked(ctx context.Context, tx *Tx, sql string, args ...any) error {
	return tx.later(ctx, deferred{what: "checked write", sql: sql, args: args,
		check: func(tag pgconn.CommandTag) error {
			if tag.RowsAffected() != 1 {
				return ErrNoRowUpdated
			}
			return nil
		}})
}

// RollUpSQL is the statement of RollUp.
const RollUpSQL = rollUpSQL

// RollUpBatch is the roll-up's batch as the hub runs it.
const RollUpBatch = wallet.RollUpBatch

// VouchersToRemindSQL is the statement of VouchersToRemind.
const VouchersToRemindSQL = vouchersToRemindSQL

// FlagsBySQL is the statement of FlagsBy.
const FlagsBySQL = flagsBySQL

// AuditedSQL is the statement of Audited.
const AuditedSQL = auditedSQL

// FlaggedCommentsSQL and HiddenCommentsSQL are the statements of
// FlaggedComments and HiddenComments: the first page's, then the page's
// after a cursor.
var (
	FlaggedCommentsSQL = [2]string{flaggedCommentsSQL.first, flaggedCommentsSQL.after}
	HiddenCommentsSQL  = [2]string{hiddenCommentsSQL.first, hiddenCommentsSQL.after}
)

// PendingPhotosSQL is the statements of PendingPhotos: the first page's,
// then the page's after a cursor.
var PendingPhotosSQL = pendingPhotosSQL

// CountPendingPhotosSQL is the statements of CountPendingPhotos: of every
// office, then of some.
var CountPendingPhotosSQL = countPendingPhotosSQL

// OrdersOfSQL is the statements of ListOrders: the first page's, then the
// page's after a cursor.
var OrdersOfSQL = [2]string{ordersOfSQL.first, ordersOfSQL.after}

// OpenDockReportsAtSQL is the statement of OpenDockReportsAt.
const OpenDockReportsAtSQL = openDockReportsAtSQL
