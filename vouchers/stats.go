package vouchers

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"cityhub/csvcell"
	"cityhub/identity"
	"cityhub/wallet"
)

// Uptake is a campaign's live figures for the city.
type Uptake struct {
	CampaignID        string `json:"campaign_id"`
	Name              string `json:"name"`
	Status            string `json:"status"`
	BudgetCents       int64  `json:"budget_cents"`
	BudgetLeftCents   int64  `json:"budget_left_cents"`
	ReservedCents     int64  `json:"reserved_cents"` // claimed and not spent
	ClaimedCount      int    `json:"claimed_count"`
	ClaimedValueCents int64  `json:"claimed_value_cents"`
	RedemptionCount   int    `json:"redemption_count"`
	RedeemedCents     int64  `json:"redeemed_cents"`
	ByDistrict        []Part `json:"by_district"`
	ByCategory        []Part `json:"by_category"`
}

// Part is the redemptions of one district or category.
type Part struct {
	Name        string `json:"name"`
	Count       int    `json:"count"`
	AmountCents int64  `json:"amount_cents"`
}

// CampaignUptake reports a campaign's uptake to a city administrator.
func (s *Service) CampaignUptake(ctx context.Context, c identity.Caller, id string) (Uptake, error) {
	if err := requireAdmin(c); err != nil {
		return Uptake{}, err
	}
	var u Uptake
	err := s.store.View(ctx, func(tx Tx) error {
		camp, err := tx.Campaign(ctx, id)
		if err != nil {
			return campaignNotFound(err)
		}
		u, err = s.uptake(ctx, tx, camp)
		return err
	})
	return u, err
}

// final reports whether camp's figures can no longer change: it is
// closed, so nothing is claimed or redeemed any more and its reservations
// are released, and its validity ended ReversalWindow ago or more, so no
// redemption of it is still reversible (none is made after the validity
// ends, or after the close, and each is reversible for ReversalWindow).
func (s *Service) final(camp Campaign) bool {
	return camp.Status == StatusClosed && !s.now().Before(camp.ValidUntil.Add(ReversalWindow))
}

// FinalUptakeMaxAge is how long a hub gives the figures of a campaign
// that can no longer change (final) before it sums them again.
//
// A campaign's figures are summed from all its vouchers and redemptions:
// tens of milliseconds for a campaign of 100,000 vouchers, and every
// campaign ever is on the administrator's voucher page and in the open
// statistics. A final campaign's money and counts do not change; its
// split by district and category follows its shops' details, which an
// administrator may correct: this hub forgets what it kept when it changes
// a shop, and another hub sums again within this time.
const FinalUptakeMaxAge = time.Hour

type keptUptake struct {
	u  Uptake
	at time.Time
}

// uptake is camp's figures, kept for FinalUptakeMaxAge once final.
func (s *Service) uptake(ctx context.Context, tx Tx, camp Campaign) (Uptake, error) {
	final, now := s.final(camp), s.now()
	var gen uint64
	if final {
		s.finalMu.Lock()
		k, ok := s.finalUptakes[camp.ID]
		gen = s.finalGen
		s.finalMu.Unlock()
		if ok && now.Sub(k.at) < FinalUptakeMaxAge {
			return k.u.clone(), nil
		}
	}
	u, err := sumUptake(ctx, tx, camp)
	if err != nil || !final {
		return u, err
	}
	s.finalMu.Lock()
	// A shop changed while these were summed: they may hold its old
	// details.
	if gen == s.finalGen {
		if s.finalUptakes == nil {
			s.finalUptakes = map[string]keptUptake{}
		}
		s.finalUptakes[camp.ID] = keptUptake{u: u.clone(), at: now}
	}
	s.finalMu.Unlock()
	return u, nil
}

// forgetFinalUptakes drops the kept figures, after a shop's district or
// category may have changed.
func (s *Service) forgetFinalUptakes() {
	s.finalMu.Lock()
	s.finalUptakes = nil
	s.finalGen++
	s.finalMu.Unlock()
}

// clone is u with slices of its own.
func (u Uptake) clone() Uptake {
	u.ByDistrict, u.ByCategory = slices.Clone(u.ByDistrict), slices.Clone(u.ByCategory)
	return u
}

// sumUptake sums camp's figures from its accounts, vouchers and
// redemptions.
func sumUptake(ctx context.Context, tx Tx, camp Campaign) (Uptake, error) {
	u := Uptake{CampaignID: camp.ID, Name: camp.Name, Status: camp.Status, BudgetCents: camp.BudgetCents}
	budget, err := tx.Account(ctx, wallet.CampaignBudgetAccount(camp.ID))
	if err != nil {
		return u, fmt.Errorf("read budget: %w", err)
	}
	held, err := tx.Account(ctx, wallet.CampaignHeldAccount(camp.ID))
	if err != nil {
		return u, fmt.Errorf("read held: %w", err)
	}
	u.BudgetLeftCents, u.ReservedCents = budget.Balance, held.Balance
	if u.ClaimedCount, u.ClaimedValueCents, err = tx.ClaimTotals(ctx, camp.ID); err != nil {
		return u, err
	}
	groups, err := tx.RedemptionTotals(ctx, camp.ID)
	if err != nil {
		return u, err
	}
	byD, byC := map[string]*Part{}, map[string]*Part{}
	for _, g := range groups {
		u.RedemptionCount += g.Count
		u.RedeemedCents += g.AmountCents
		for _, x := range []struct {
			m   map[string]*Part
			key string
		}{{byD, g.District}, {byC, g.Category}} {
			p, ok := x.m[x.key]
			if !ok {
				p = &Part{Name: x.key}
				x.m[x.key] = p
			}
			p.Count += g.Count
			p.AmountCents += g.AmountCents
		}
	}
	u.ByDistrict, u.ByCategory = parts(byD), parts(byC)
	return u, nil
}

func parts(m map[string]*Part) []Part {
	out := make([]Part, 0, len(m))
	for _, p := range m {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Part) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return out
}

// OpenLicence is the licence of the published statistics.
const OpenLicence = "CC-BY-4.0"

// OpenData is the anonymous statistics published for transparency: no
// person, no voucher and no shop is identifiable, only districts and
// categories.
type OpenData struct {
	Licence     string         `json:"license"`
	LicenceURL  string         `json:"license_url"`
	Publisher   string         `json:"publisher"`
	GeneratedAt time.Time      `json:"generated_at"`
	Campaigns   []OpenCampaign `json:"campaigns"`
}

// OpenCampaign is one campaign's published figures.
type OpenCampaign struct {
	ID              string    `json:"id"`
	Name            string    `json:"name"`
	Status          string    `json:"status"`
	ValidFrom       time.Time `json:"valid_from"`
	ValidUntil      time.Time `json:"valid_until"`
	BudgetCents     int64     `json:"budget_cents"`
	FaceValueCents  int64     `json:"face_value_cents"`
	ClaimedCount    int       `json:"claimed_count"`
	RedemptionCount int       `json:"redemption_count"`
	RedeemedCents   int64     `json:"redeemed_cents"`
	BudgetLeftCents int64     `json:"budget_left_cents"`
	ByDistrict      []Part    `json:"by_district"`
	ByCategory      []Part    `json:"by_category"`
}

// OpenStats computes the open data for every campaign past its draft.
func (s *Service) OpenStats(ctx context.Context) (OpenData, error) {
	od := OpenData{Licence: OpenLicence, LicenceURL: "https://creativecommons.org/licenses/by/4.0/", Publisher: s.publisher, GeneratedAt: s.now().Truncate(time.Second), Campaigns: []OpenCampaign{}}
	err := s.store.View(ctx, func(tx Tx) error {
		camps, err := tx.ListCampaigns(ctx, []string{StatusOpen, StatusPaused, StatusClosed})
		if err != nil {
			return err
		}
		for _, camp := range camps {
			u, err := s.uptake(ctx, tx, camp)
			if err != nil {
				return err
			}
			od.Campaigns = append(od.Campaigns, OpenCampaign{
				ID: camp.ID, Name: camp.Name, Status: camp.Status, ValidFrom: camp.ValidFrom, ValidUntil: camp.ValidUntil,
				BudgetCents: camp.BudgetCents, FaceValueCents: camp.FaceValueCents, ClaimedCount: u.ClaimedCount,
				RedemptionCount: u.RedemptionCount, RedeemedCents: u.RedeemedCents, BudgetLeftCents: u.BudgetLeftCents,
				ByDistrict: u.ByDistrict, ByCategory: u.ByCategory,
			})
		}
		return nil
	})
	return od, err
}

// WriteOpenCSV writes the open data as CSV: per campaign one row for all
// redemptions, then one per district and one per category, each carrying
// the licence.
func WriteOpenCSV(w io.Writer, od OpenData) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"campaign_id", "campaign_name", "status", "valid_from", "valid_until", "budget_eur", "face_value_eur", "claimed_count",
		"group", "group_value", "redemption_count", "redeemed_eur", "license"})
	for _, c := range od.Campaigns {
		row := func(group, value string, n int, cents int64) {
			_ = cw.Write([]string{c.ID, csvcell.Text(c.Name), c.Status, c.ValidFrom.Format(time.RFC3339), c.ValidUntil.Format(time.RFC3339),
				euros(c.BudgetCents), euros(c.FaceValueCents), strconv.Itoa(c.ClaimedCount), group, csvcell.Text(value), strconv.Itoa(n), euros(cents), od.Licence})
		}
		row("all", "", c.RedemptionCount, c.RedeemedCents)
		for _, d := range c.ByDistrict {
			row("district", d.Name, d.Count, d.AmountCents)
		}
		for _, k := range c.ByCategory {
			row("category", k.Name, k.Count, k.AmountCents)
		}
	}
	cw.Flush()
	return cw.Error()
}
