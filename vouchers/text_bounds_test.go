package vouchers_test

import (
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// A shop's name and address and a campaign's name and description are
// bounded in characters, as people count them and as the refusals say: at
// the bound, written in accented letters (two bytes each), they are kept
// as typed; one more is refused. The bounds once counted bytes, refusing
// half as many accented letters.
func TestTextBoundsCountCharacters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		shop := func(name, address string) vouchers.Shop {
			return vouchers.Shop{Name: name, Address: address, District: "centro", Category: "food", IBAN: "IT60X0542811101000000123456"}
		}
		for _, tc := range []struct {
			field   string
			name    string
			address string
		}{
			{"name", strings.Repeat("é", vouchers.MaxShopName), "Corso Garibaldi 1"},
			{"address", "Bar Roma", strings.Repeat("è", vouchers.MaxShopAddress)},
		} {
			s, err := f.svc.CreateShop(f.ctx, admin, shop(tc.name, tc.address))
			if err != nil {
				t.Fatalf("a shop's %s at the bound in accented letters: %v", tc.field, err)
			}
			got, err := f.svc.Shop(f.ctx, admin, s.ID)
			if err != nil || got.Name != tc.name || got.Address != tc.address {
				t.Fatalf("the shop with its %s at the bound, read back: %+v, %v", tc.field, got, err)
			}
		}
		_, err := f.svc.CreateShop(f.ctx, admin, shop(strings.Repeat("é", vouchers.MaxShopName+1), "Via Roma 2"))
		testutil.WantReason(t, err, apperr.Invalid, "shop_name")
		_, err = f.svc.CreateShop(f.ctx, admin, shop("Bar Napoli", strings.Repeat("è", vouchers.MaxShopAddress+1)))
		testutil.WantReason(t, err, apperr.Invalid, "shop_address")

		campaign := func(name, description string) vouchers.Campaign {
			return vouchers.Campaign{Name: name, Description: description, BudgetCents: 10000, FaceValueCents: 1000, PerCitizenLimit: 1,
				Districts: []string{"centro"}, ValidFrom: start, ValidUntil: start.Add(24 * time.Hour)}
		}
		name, description := strings.Repeat("é", vouchers.MaxCampaignName), strings.Repeat("è", vouchers.MaxCampaignDescription)
		c, err := f.svc.CreateCampaign(f.ctx, admin, campaign(name, description))
		if err != nil {
			t.Fatalf("a campaign's name and description at their bounds in accented letters: %v", err)
		}
		if got, err := f.svc.Campaign(f.ctx, c.ID); err != nil || got.Name != name || got.Description != description {
			t.Fatalf("the campaign at the bounds, read back: %q %q, %v", got.Name, got.Description, err)
		}
		_, err = f.svc.CreateCampaign(f.ctx, admin, campaign(name+"é", ""))
		testutil.WantReason(t, err, apperr.Invalid, "campaign_name")
		_, err = f.svc.CreateCampaign(f.ctx, admin, campaign("Natale", description+"è"))
		testutil.WantReason(t, err, apperr.Invalid, "campaign_description")
	})
}
