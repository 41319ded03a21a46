package postgres_test

import (
	"context"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

// An update whose row count the server judges (counted) rides with the
// COMMIT, so the hub never sees its command tag: when it finds no row, the
// statement itself must fail, and with it everything its transaction
// wrote before and after it, as NotFound.
func TestCountedWriteFailsItsTransaction(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenPostgres(t)
	venue := ticketing.Venue{ID: "ven_counted", Name: "Teatro Romano", Address: "Via del Teatro Romano", CreatedAt: time.Now().UTC()}
	err := db.Ticketing().InTx(ctx, func(tx ticketing.Tx) error {
		if err := tx.InsertVenue(ctx, venue); err != nil {
			return err
		}
		return tx.UpdateOrder(ctx, ticketing.Order{ID: "ord_missing", Status: ticketing.OrderPaid})
	})
	if !apperr.Has(err, apperr.NotFound) {
		t.Fatalf("updating a missing order: %v, want NotFound", err)
	}
	err = db.Ticketing().View(ctx, func(tx ticketing.Tx) error {
		_, err := tx.Venue(ctx, venue.ID)
		return err
	})
	if !apperr.Has(err, apperr.NotFound) {
		t.Fatalf("the venue written beside the failed update: %v, want NotFound", err)
	}
	// The venue alone commits: it was the update that failed the first.
	err = db.Ticketing().InTx(ctx, func(tx ticketing.Tx) error { return tx.InsertVenue(ctx, venue) })
	if err != nil {
		t.Fatalf("the venue alone: %v", err)
	}
}
