package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/wallet"
)

// myData is the download: every record the hub holds about the caller.
type myData struct {
	ExportedAt time.Time `json:"exported_at"`
	Account    any       `json:"account"`
	Wallet     *myWallet `json:"wallet,omitempty"`
}

type myWallet struct {
	BalanceCents int64                `json:"balance_cents"`
	History      []wallet.HistoryLine `json:"history"`
	Items        []wallet.Item        `json:"items"`
}

// maxExportHistoryPages bounds the download at 100 pages of 100 lines; a
// citizen with more gets the newest 10,000 and can ask the city for the rest.
const maxExportHistoryPages = 100

// handleExport downloads all the caller's data as JSON (GDPR art. 15 and 20).
func (s *homePages) handleExport(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ctx := r.Context()
	out := myData{ExportedAt: time.Now().UTC(), Account: c}
	if s.export != nil {
		acct, err := s.export(ctx, c)
		if err != nil {
			s.pageError(w, r, fmt.Errorf("export account: %w", err))
			return
		}
		out.Account = acct
	}
	if s.wallet != nil && c.Has(identity.RoleCitizen) {
		mw, err := s.exportWallet(ctx, c)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		out.Wallet = mw
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		s.pageError(w, r, fmt.Errorf("encode export: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="cityhub-my-data.json"`)
	_, _ = w.Write(b)
}

func (s *homePages) exportWallet(ctx context.Context, c identity.Caller) (*myWallet, error) {
	id := wallet.CitizenAccount(c.AccountID)
	mw := &myWallet{History: []wallet.HistoryLine{}}
	acct, err := s.wallet.AccountFor(ctx, c, id)
	switch {
	case err == nil:
		mw.BalanceCents = acct.Balance
		cursor := ""
		for range maxExportHistoryPages {
			page, err := s.wallet.HistoryFor(ctx, c, id, cursor, wallet.MaxPage)
			if err != nil {
				return nil, fmt.Errorf("export wallet history: %w", err)
			}
			mw.History = append(mw.History, page.Lines...)
			if page.Next == "" {
				break
			}
			cursor = page.Next
		}
	case apperr.CodeOf(err) != apperr.NotFound:
		return nil, fmt.Errorf("export wallet balance: %w", err)
	}
	items, err := s.wallet.ItemsFor(ctx, c, c.AccountID)
	if err != nil {
		return nil, fmt.Errorf("export wallet items: %w", err)
	}
	mw.Items = items
	return mw, nil
}
