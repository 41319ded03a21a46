// Package mydata is a person's data download (GDPR articles 15 and 20):
// what each part of the hub holds about the caller, in one document. The
// JSON API (GET /api/v1/me/data) and the privacy page give the same one,
// so what a person is promised does not depend on where they ask.
package mydata

import (
	"context"
	"fmt"
	"time"

	"cityhub/identity"
	"cityhub/mobility"
	"cityhub/participation"
	"cityhub/ticketing"
	"cityhub/wallet"
)

// Download is everything the hub holds about one person. A part is absent
// when the hub runs without that service.
type Download struct {
	ExportedAt time.Time `json:"exported_at"`
	// Account is the account, its sessions, tokens, login networks and
	// the e-mails written to the person.
	Account identity.Export `json:"account"`
	// Wallet is the credit, its movements and the wallet's items.
	Wallet *wallet.Export `json:"wallet,omitempty"`
	// TheatreOrders are the person's orders of seats, paid or not, newest
	// first: the newest ticketing.MaxExportedOrders.
	TheatreOrders []ticketing.Order `json:"theatre_orders,omitzero"`
	// Mobility is the person's rides, favourite stations and fault reports.
	Mobility *mobility.Export `json:"mobility,omitempty"`
	// Participation is the person's reports, proposals, comments, supports
	// and follows.
	Participation *participation.Export `json:"participation,omitempty"`
}

// Sources are the services a download reads; nil ones are left out.
type Sources struct {
	Identity      *identity.Service
	Wallet        *wallet.Service
	Ticketing     *ticketing.Service
	Mobility      *mobility.Service
	Participation *participation.Service
}

// For is the caller's own download: a person downloads only themself.
// Unauthenticated without an account; NotFound if it is gone. The download
// is one moment: every part's exported_at is the one time it was made, to
// the microsecond as every time the hub gives.
func (s Sources) For(ctx context.Context, c identity.Caller) (Download, error) {
	acct, err := s.Identity.Export(ctx, c)
	if err != nil {
		return Download{}, err
	}
	// identity's export time (UTC, to the microsecond) is the download's.
	at := acct.ExportedAt
	out := Download{ExportedAt: at, Account: acct}
	// Every part whatever the account's roles now: a person who rode,
	// bought and topped up as a citizen and now works for the city is
	// owed that data all the same (a staff account's parts are empty).
	if s.Wallet != nil {
		w, err := s.Wallet.ExportFor(ctx, c, c.AccountID)
		if err != nil {
			return Download{}, fmt.Errorf("export wallet: %w", err)
		}
		out.Wallet = &w
	}
	if s.Ticketing != nil {
		if out.TheatreOrders, err = s.Ticketing.OrdersForDownload(ctx, c); err != nil {
			return Download{}, fmt.Errorf("export theatre orders: %w", err)
		}
	}
	if s.Mobility != nil {
		m, err := s.Mobility.Export(ctx, c)
		if err != nil {
			return Download{}, fmt.Errorf("export bike sharing: %w", err)
		}
		out.Mobility = &m
	}
	if s.Participation != nil {
		p, err := s.Participation.Export(ctx, c)
		if err != nil {
			return Download{}, fmt.Errorf("export participation: %w", err)
		}
		p.ExportedAt = at
		out.Participation = &p
	}
	return out, nil
}
