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
// Station names are the city's Italian names, as on the stations themselves.
// The wallet's item registry calls it for the account whose wallet it shows
// (the wallet decides who may see that), so it reads as the hub itself.
func (s *Service) WalletItems(ctx context.Context, accountID string) ([]wallet.Item, error) {
	rides, err := s.rideHistory(ctx, accountID, time.Time{}, walletRides)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	name := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		n := id
		if st, err := s.Station(ctx, identity.System(), id); err == nil {
			n = st.Name("it")
		}
		names[id] = n
		return n
	}
	var out []wallet.Item
	for _, r := range rides {
		item := wallet.Item{Kind: "ride", ID: r.ID, Title: name(r.StartStation), Link: "/bikes/rides/" + r.ID, At: r.CreatedAt}
		switch r.Status {
		case RideActive, RidePending:
			item.Status = "running"
		case RideEnded:
			item.Status = "ended"
			item.Title += " → " + name(r.EndStation)
			item.At = r.EndedAt
		default:
			continue
		}
		cost := r.CostCents
		item.Value = &cost
		item.Subtitle = r.BikeID
		out = append(out, item)
	}
	return out, nil
}
