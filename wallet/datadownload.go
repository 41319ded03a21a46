package wallet

import (
	"context"
	"fmt"

	"cityhub/apperr"
)

// Export is what the wallet holds about a citizen, for their data download
// (GDPR articles 15 and 20): the credit, its movements and what the wallet
// shows (vouchers, tickets, rides).
type Export struct {
	BalanceCents int64         `json:"balance_cents"`
	History      []HistoryLine `json:"history"`
	Items        []Item        `json:"items"`
}

// maxExportHistoryPages bounds a download's history at 100 pages of
// MaxPage lines: a citizen with more gets the newest 10,000 and asks the
// city for the rest.
const maxExportHistoryPages = 100

// ExportFor is the wallet of accountID, for a reader allowed to see it
// (its owner, or an auditor: mayRead; Forbidden, not_your_account, for
// anyone else). An account without a wallet exports an empty one.
func (s *Service) ExportFor(ctx context.Context, r Reader, accountID string) (Export, error) {
	id := CitizenAccount(accountID)
	if err := mayRead(r, id); err != nil {
		return Export{}, err
	}
	out := Export{History: []HistoryLine{}}
	acct, err := s.Account(ctx, id)
	switch {
	case err == nil:
		out.BalanceCents = acct.Balance
		cursor := ""
		for range maxExportHistoryPages {
			page, err := s.History(ctx, id, cursor, MaxPage)
			if err != nil {
				return Export{}, fmt.Errorf("export wallet history: %w", err)
			}
			out.History = append(out.History, page.Lines...)
			if page.Next == "" {
				break
			}
			cursor = page.Next
		}
	case apperr.CodeOf(err) != apperr.NotFound:
		return Export{}, fmt.Errorf("export wallet balance: %w", err)
	}
	if out.Items, err = s.Items(ctx, accountID); err != nil {
		return Export{}, fmt.Errorf("export wallet items: %w", err)
	}
	return out, nil
}
