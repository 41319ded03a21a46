package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/wallet"
	"cityhub/web/webtest"
)

// pageAccounts is an in-memory identity for the page unit tests; the browser
// tests (web/browsertest) run the real identity service on a real store.
type pageAccounts struct {
	mu       sync.Mutex
	sessions map[string]identity.Caller
	deleted  []string
	// credit is what each account's erasure would do with its credit;
	// choices, what each erasure was told to do.
	credit  map[string]cardpay.ErasureCredit
	choices []string
	// sessionErr, when set, is what reading any session answers (the
	// database unreachable).
	sessionErr error
}

var testCallers = map[string]identity.Caller{
	"anna@example.org":  {AccountID: "acc_anna", Email: "anna@example.org", Name: "Anna", Grants: []identity.Grant{{Role: identity.RoleCitizen}}},
	"bruno@example.org": {AccountID: "acc_bruno", Email: "bruno@example.org", Name: "Bruno", Grants: []identity.Grant{{Role: identity.RoleCitizen}}},
	"shop@example.org":  {AccountID: "acc_shop", Email: "shop@example.org", Name: "Shop", Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: "shop_1"}}},
	"admin@example.org": {AccountID: "acc_admin", Email: "admin@example.org", Name: "Admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}},
	"door@example.org":  {AccountID: "acc_door", Email: "door@example.org", Name: "Door", Grants: []identity.Grant{{Role: identity.RoleDoor, Scope: "venue_1"}}},
	// A shop's keeper who also checks tickets at a door.
	"desk@example.org": {AccountID: "acc_desk", Email: "desk@example.org", Name: "Desk", Grants: []identity.Grant{
		{Role: identity.RoleMerchant, Scope: "shop_1"}, {Role: identity.RoleDoor, Scope: "venue_1"}}},
}

func (p *pageAccounts) StartSession(ctx context.Context, email, password, ip string) (string, identity.Caller, error) {
	c, ok := testCallers[email]
	if !ok || password != "secret-"+c.Name {
		return "", identity.Caller{}, apperr.E(apperr.Unauthenticated, "wrong email or password")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	token := "sess-" + c.AccountID + "-" + time.Now().Format("150405.000000000")
	p.sessions[token] = c
	return token, c, nil
}

func (p *pageAccounts) SessionCaller(ctx context.Context, token string) (identity.Caller, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sessionErr != nil {
		return identity.Caller{}, p.sessionErr
	}
	c, ok := p.sessions[token]
	if !ok {
		return identity.Caller{}, apperr.E(apperr.Unauthenticated, "no session")
	}
	return c, nil
}

func (p *pageAccounts) EndSession(ctx context.Context, token string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.sessions, token)
	return nil
}

// endSessions ends every session on the server, as a password changed in
// another browser does, the browsers keeping their cookies.
func (p *pageAccounts) endSessions() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.sessions)
}

func (p *pageAccounts) ErasureCredit(ctx context.Context, c identity.Caller) (cardpay.ErasureCredit, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.credit[c.AccountID], nil
}

// EraseAccount refuses, as cardpay does, to erase an account with credit
// and no choice, or with the cards chosen when none of it can go back to
// one.
func (p *pageAccounts) EraseAccount(ctx context.Context, c identity.Caller, choice string) (cardpay.ErasureCredit, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	credit := p.credit[c.AccountID]
	if credit.BalanceCents > 0 && choice != cardpay.CreditToCity && (choice != cardpay.CreditToCards || credit.RefundableCents <= 0) {
		return cardpay.ErasureCredit{}, apperr.R(apperr.Invalid, "credit_choice", "choose")
	}
	credit.Choice = choice
	p.deleted, p.choices = append(p.deleted, c.AccountID), append(p.choices, choice)
	for t, s := range p.sessions {
		if s.AccountID == c.AccountID {
			delete(p.sessions, t)
		}
	}
	return credit, nil
}

// pageWallet holds one voucher per citizen and a fixed balance.
type pageWallet struct{}

func (pageWallet) AccountFor(ctx context.Context, _ wallet.Reader, id wallet.AccountID) (wallet.Account, error) {
	return wallet.Account{ID: id, Balance: 123450}, nil
}

func (pageWallet) HistoryFor(ctx context.Context, _ wallet.Reader, id wallet.AccountID, cursor string, limit int) (wallet.HistoryPage, error) {
	return wallet.HistoryPage{Lines: []wallet.HistoryLine{{EntryID: 1, Kind: "topup", Amount: 123450, At: time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC)}}}, nil
}

func (pageWallet) ItemsFor(ctx context.Context, _ wallet.Reader, accountID string) ([]wallet.Item, error) {
	return []wallet.Item{{Kind: "voucher", ID: "vch_" + accountID, Title: "Buono libreria", Status: "active", HasQR: true, At: time.Now()}}, nil
}

// ownedQR hands out tokens only for the voucher of the account that owns it.
type ownedQR struct{}

func (ownedQR) QRToken(ctx context.Context, accountID, itemID string) (string, string, time.Time, error) {
	if itemID != "vch_"+accountID {
		return "", "", time.Time{}, apperr.E(apperr.NotFound, "no such voucher")
	}
	return "CH1:TOKEN-" + itemID, "ABCD-EFGH-" + strings.ToUpper(accountID[4:]), time.Now().Add(time.Minute), nil
}

func newPageServer(t *testing.T) (*webtest.PageClient, *pageAccounts) {
	t.Helper()
	accts := &pageAccounts{sessions: map[string]identity.Caller{}}
	s := serve(Deps{
		Accounts:    accts,
		Erasure:     accts,
		Wallet:      pageWallet{},
		QR:          map[string]QRSource{"voucher": ownedQR{}},
		ScanTargets: map[identity.Role]ScanTarget{identity.RoleMerchant: {Endpoint: "/api/v1/vouchers/redeem", AskAmount: true}},
	})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return webtest.NewPageClient(t, srv.URL), accts
}

// serve is the pages alone on a mux, as the server mounts them.
func serve(d Deps) http.Handler {
	mux := http.NewServeMux()
	New(d).Register(mux)
	return mux
}
