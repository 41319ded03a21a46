package wallet

import (
	"context"
	"log/slog"
	"slices"
)

// Discrepancy is a ledger account whose balance is not what the records of
// the domain that posts to it say it should be: a campaign's held value
// against the vouchers claimed and spent, a shop's payable against its
// redemptions and settlements. The ledger itself can be sound (balanced,
// every balance its entries) while one is found: a voucher written without
// its reservation moves no money, so only its domain can tell.
type Discrepancy struct {
	// Source is the domain that found it ("vouchers").
	Source   string    `json:"source"`
	Account  AccountID `json:"account"`
	Balance  int64     `json:"balance_cents"`
	Expected int64     `json:"expected_cents"`
	// Basis names, as a stable code, what Expected was computed from
	// (the domain documents its codes).
	Basis string `json:"basis"`
}

// Disagreeing is the discrepancy of account when its balance is not the
// one the records of source give: none (an empty list), or one.
func Disagreeing(source string, account AccountID, balance, expected int64, basis string) []Discrepancy {
	if balance == expected {
		return []Discrepancy{}
	}
	return []Discrepancy{{Source: source, Account: account, Balance: balance, Expected: expected, Basis: basis}}
}

// Reconciler compares a domain's own records with the ledger accounts it
// posts to. Each comparison must read one snapshot (one statement), so that
// postings in flight never show as a discrepancy.
type Reconciler interface {
	Reconcile(ctx context.Context) ([]Discrepancy, error)
}

// RegisterReconciler adds a domain's reconciliation to every ledger check.
func (s *Service) RegisterReconciler(name string, r Reconciler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reconcilers == nil {
		s.reconcilers = map[string]Reconciler{}
	}
	s.reconcilers[name] = r
}

// reconcilerNames are the registered reconciliations, in name order.
func (s *Service) reconcilerNames() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	names := make([]string, 0, len(s.reconcilers))
	for n := range s.reconcilers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// covers reports whether c ran every reconciliation this hub registers: a
// check kept by a hub that ran fewer (an older release during a rolling
// upgrade) does not stand for one of this hub's.
func (s *Service) covers(c LedgerCheck) bool {
	for _, n := range s.reconcilerNames() {
		if !slices.Contains(c.Reconciled, n) {
			return false
		}
	}
	return true
}

// reconcile runs every registered reconciliation, in name order, and says
// which ran and which could not (a database error): one that could not
// is a finding of the check, which then fails, since a check that skipped
// one would pass unseen; the others and the ledger's own findings are
// still reported.
func (s *Service) reconcile(ctx context.Context) (found []Discrepancy, ran, failed []string) {
	found, ran, failed = []Discrepancy{}, []string{}, []string{}
	for _, name := range s.reconcilerNames() {
		s.mu.RLock()
		r := s.reconcilers[name]
		s.mu.RUnlock()
		ds, err := r.Reconcile(ctx)
		if err != nil {
			s.log.ErrorContext(ctx, "reconciliation did not run", slog.String("reconciliation", name), slog.Any("error", err))
			failed = append(failed, name)
			continue
		}
		found = append(found, ds...)
		ran = append(ran, name)
	}
	return found, ran, failed
}
