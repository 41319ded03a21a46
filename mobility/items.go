package mobility

import (
	"context"
	"time"

	"cityhub/identity"
	"cityhub/wallet"
)

// walletRides is how many of a rider's latest rides become wallet cards; the
// rest are in the ride history.
const walletRides = 20

var _ wallet.ItemSource = (*Service)(nil)

// WalletItems shows a rider's latest rides as wallet cards, each linking to
// its ride page: the running one with its cost so far, ended ones with the
// fare charged. Failed unlocks cost nothing and are left to the ride history.
// Title names the stations by their Italian names, the city's own, which
// the API gives; Titles has them in each language, for the pages.
// The wallet's item registry calls it for the account whose wallet it shows
// (the wallet decides who may see that), so it reads as the hub itself.
func (s *Service) WalletItems(ctx context.Context, accountID string) ([]wallet.Item, error) {
	rides, err := s.rideHistory(ctx, accountID, time.Time{}, walletRides)
	if err != nil {
		return nil, err
	}
	stations := map[string]Station{}
	name := func(id, lang string) string {
		st, ok := stations[id]
		if !ok {
			var err error
			if st, err = s.Station(ctx, identity.System(), id); err != nil {
				st = Station{ID: id, NameIT: id} // deleted meanwhile: its code
			}
			stations[id] = st
		}
		return st.Name(lang)
	}
	var out []wallet.Item
	for _, r := range rides {
		item := wallet.Item{Kind: "ride", ID: r.ID, Link: "/bikes/rides/" + r.ID, At: r.CreatedAt, Titles: map[string]string{}}
		switch r.Status {
		case RideActive, RidePending:
			item.Status = "running"
		case RideEnded:
			item.Status = "ended"
			item.At = r.EndedAt
		default:
			continue
		}
		for _, lang := range []string{"it", "en"} {
			t := name(r.StartStation, lang)
			if r.Status == RideEnded {
				t += " → " + name(r.EndStation, lang)
			}
			item.Titles[lang] = t
		}
		item.Title = item.Titles["it"]
		cost := r.CostCents
		item.Value = &cost
		item.Subtitle = r.BikeID
		out = append(out, item)
	}
	return out, nil
}
