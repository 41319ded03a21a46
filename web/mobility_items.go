package web

import (
	"context"
	"time"

	"cityhub/mobility"
	"cityhub/wallet"
)

// RideItems shows a rider's bike rides as wallet cards, each linking to its
// ride page: the running one with its cost so far, ended ones with the fare
// charged. Failed unlocks cost nothing and are left to the ride history.
// Register it with wallet.Service.RegisterItems("ride", web.RideItems{...})
// until the mobility service provides its own wallet.ItemSource.
type RideItems struct {
	Mobility *mobility.Service
	// Limit bounds how many of the latest rides become cards (20 when zero).
	Limit int
}

var _ wallet.ItemSource = RideItems{}

// WalletItems implements wallet.ItemSource.
func (ri RideItems) WalletItems(ctx context.Context, accountID string) ([]wallet.Item, error) {
	limit := ri.Limit
	if limit <= 0 {
		limit = 20
	}
	rides, err := ri.Mobility.RideHistory(ctx, accountID, time.Time{}, limit)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	name := func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		n := id
		if st, err := ri.Mobility.Station(ctx, id); err == nil {
			n = st.Name("it")
		}
		names[id] = n
		return n
	}
	var out []wallet.Item
	for _, r := range rides {
		item := wallet.Item{Kind: "ride", ID: r.ID, Title: name(r.StartStation), Link: "/bikes/rides/" + r.ID, At: r.CreatedAt}
		switch r.Status {
		case mobility.RideActive, mobility.RidePending:
			item.Status = "running"
		case mobility.RideEnded:
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
