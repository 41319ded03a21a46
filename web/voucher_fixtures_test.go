package web

import (
	"context"
	"testing"
	"time"

	"cityhub/vouchers"
)

// fornoTraiano registers the shop the voucher pages' tests redeem at, a
// bakery in the centro.
func fornoTraiano(t *testing.T, svc *vouchers.Service) vouchers.Shop {
	t.Helper()
	shop, err := svc.CreateShop(context.Background(), voucherAdmin, vouchers.Shop{Name: "Forno Traiano", Address: "Via Traiano 3",
		District: "centro", Category: "food", IBAN: "IT60X0542811101000000123456"})
	if err != nil {
		t.Fatal(err)
	}
	return shop
}

// christmasCampaign is a campaign "Natale" of 100,00 €, valid from an hour
// ago for thirty days, with vouchers of face cents, per of them a citizen;
// open if open. change, when given, alters it before it is made.
func christmasCampaign(t *testing.T, svc *vouchers.Service, face int64, per int, open bool, change ...func(*vouchers.Campaign)) vouchers.Campaign {
	t.Helper()
	ctx := context.Background()
	c := vouchers.Campaign{Name: "Natale", BudgetCents: 10000, FaceValueCents: face, PerCitizenLimit: per,
		ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(30 * 24 * time.Hour)}
	for _, f := range change {
		f(&c)
	}
	camp, err := svc.CreateCampaign(ctx, voucherAdmin, c)
	if err != nil {
		t.Fatal(err)
	}
	if open {
		if camp, err = svc.SetCampaignStatus(ctx, voucherAdmin, camp.ID, vouchers.StatusOpen); err != nil {
			t.Fatal(err)
		}
	}
	return camp
}
