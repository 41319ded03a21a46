package main

import (
	"context"

	"cityhub/apperr"
	"cityhub/participation"
	"cityhub/ticketing"
	"cityhub/vouchers"
)

// grantScopes tells identity whether the shop, venue or office a staff
// grant names exists, asking the domains that keep them.
type grantScopes struct {
	shops   *vouchers.Service
	venues  ticketing.Store
	offices participation.Catalogue
}

func (g grantScopes) ShopExists(ctx context.Context, id string) (bool, error) {
	return g.shops.ShopExists(ctx, id)
}

// VenueExists reads the venue from the store: ticketing lists venues but
// reads none by id.
func (g grantScopes) VenueExists(ctx context.Context, id string) (bool, error) {
	err := g.venues.View(ctx, func(tx ticketing.Tx) error {
		_, err := tx.Venue(ctx, id)
		return err
	})
	return foundByID(err)
}

func (g grantScopes) OfficeExists(_ context.Context, id string) (bool, error) {
	_, ok := g.offices.Office(id)
	return ok, nil
}

// foundByID turns the error of a read by id into whether the row exists.
func foundByID(err error) (bool, error) {
	if apperr.Has(err, apperr.NotFound) {
		return false, nil
	}
	return err == nil, err
}
