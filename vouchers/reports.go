package vouchers

import (
	"context"
	"time"

	"cityhub/identity"
)

// DistrictDay is how many of a campaign's vouchers were redeemed (and for
// how much) in one district on one day; reversed redemptions do not count.
type DistrictDay struct {
	Day         time.Time `json:"day"` // midnight in the city's zone
	District    string    `json:"district"`
	Count       int       `json:"count"`
	AmountCents int64     `json:"amount_cents"`
}

// UptakeByDay is a campaign's redemptions per shop district per day since
// the day of since, in the city's time zone, for the reports page. Only
// days with redemptions are listed. Forbidden unless the caller is a city
// administrator; NotFound for an unknown campaign.
func (s *Service) UptakeByDay(ctx context.Context, c identity.Caller, campaignID string, since time.Time) ([]DistrictDay, error) {
	if err := requireAdmin(c); err != nil {
		return nil, err
	}
	start, _ := dayBounds(since, s.zone)
	var out []DistrictDay
	err := s.store.View(ctx, func(tx Tx) error {
		if _, err := tx.Campaign(ctx, campaignID); err != nil {
			return campaignNotFound(err)
		}
		rs, err := tx.ListRedemptions(ctx, RedemptionFilter{CampaignID: campaignID, Since: start})
		if err != nil {
			return err
		}
		shops, err := tx.ListShops(ctx, ShopFilter{})
		if err != nil {
			return err
		}
		district := map[string]string{}
		for _, sh := range shops {
			district[sh.ID] = sh.District
		}
		type key struct {
			day      int64
			district string
		}
		index := map[key]int{}
		for _, r := range rs {
			if r.ReversedAt != nil {
				continue
			}
			day, _ := dayBounds(r.At, s.zone)
			k := key{day.Unix(), district[r.ShopID]}
			i, ok := index[k]
			if !ok {
				i = len(out)
				index[k] = i
				out = append(out, DistrictDay{Day: day.In(s.zone), District: k.district})
			}
			out[i].Count++
			out[i].AmountCents += r.AmountCents
		}
		return nil
	})
	return out, err
}
