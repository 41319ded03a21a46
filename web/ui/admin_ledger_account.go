package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/wallet"
)

// One ledger account as the city administrator reads it: its kind, owner,
// floor and balance, and its entries newest first, a page at a time, each
// with the transaction it belongs to and the note the ledger keeps. It is
// what the ledger check's tables name when they find something wrong, and
// what GET /api/v1/admin/ledger/accounts/{id} gives as JSON; the wallet
// decides who may read it (wallet.Reader), as for the API.

// ledgerAccountPage is the view's data.
type ledgerAccountPage struct {
	Account wallet.Account
	Lines   []wallet.HistoryLine
	// Older is the next page's link; Newest leads back to the first from
	// a later page.
	Older, Newest string
}

// ledgerAccountPath is the page of account id.
func ledgerAccountPath(id wallet.AccountID) string {
	return "/admin/ledger/accounts/" + url.PathEscape(string(id))
}

// handleLedgerAccountFind takes the reports page's form, an account's id
// typed or pasted, to that account's page; an empty one back to the form.
func (s *staffPages) handleLedgerAccountFind(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	id := strings.TrimSpace(r.URL.Query().Get("id"))
	if id == "" {
		http.Redirect(w, r, "/admin/reports#ledger-account", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, ledgerAccountPath(wallet.AccountID(id)), http.StatusSeeOther)
}

func (s *staffPages) handleLedgerAccount(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	ctx := r.Context()
	id := wallet.AccountID(r.PathValue("id"))
	acct, err := s.accounts.AccountFor(ctx, c, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	first := ledgerAccountPath(id)
	before := r.URL.Query().Get("before")
	hist, err := s.accounts.HistoryFor(ctx, c, id, before, ledgerAccountLines)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Invalid {
			s.pagingRefused(w, r, err, first)
			return
		}
		s.pageError(w, r, fmt.Errorf("read ledger account %s: %w", id, err))
		return
	}
	page := ledgerAccountPage{Account: acct, Lines: hist.Lines}
	if hist.Next != "" {
		page.Older = first + "?before=" + url.QueryEscape(hist.Next) + "#entries"
	}
	if before != "" {
		page.Newest = first + "#entries"
	}
	s.render(w, r, http.StatusOK, "admin_ledger_account", "admin", page)
}

// ledgerAccountLines is how many entries a page shows: the API's largest
// page, since an administrator reads an account to find one movement.
const ledgerAccountLines = wallet.MaxPage
