package sqlite

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"cityhub/identity"
)

// accountStateWhere selects the accounts in each state, as
// identity.Account.State decides it (0 is "not set" for a time).
var accountStateWhere = map[identity.AccountState]string{
	identity.StateErased:     `a.deleted_at <> 0`,
	identity.StateDisabled:   `a.deleted_at = 0 AND a.disabled <> 0`,
	identity.StateUnverified: `a.deleted_at = 0 AND a.disabled = 0 AND a.email_verified_at = 0 AND a.fiscal_code IS NULL`,
	identity.StateActive:     `a.deleted_at = 0 AND a.disabled = 0 AND (a.email_verified_at <> 0 OR a.fiscal_code IS NOT NULL)`,
}

// SearchAccounts implements identity.Tx. The query is put together from
// fixed fragments; every value the administrator typed is a parameter.
// SQLite's lower() folds ASCII letters only, so a name is found in any
// case of its ASCII letters, and accented capitals must be typed as such.
func (tx *Tx) SearchAccounts(ctx context.Context, f identity.AccountFilter) ([]identity.Account, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "?" + strconv.Itoa(len(args))
	}
	where := []string{"1"}
	if f.Text != "" {
		t := arg(f.Text)
		cond := `instr(a.email_norm, ` + t + `) > 0 OR instr(lower(a.name), ` + t + `) > 0 OR a.id = ` + t
		if f.FiscalCode != "" {
			cond += ` OR a.fiscal_code = ` + arg(f.FiscalCode)
		}
		where = append(where, "("+cond+")")
	}
	if f.Role != "" {
		cond := `EXISTS (SELECT 1 FROM account_grants g WHERE g.account_id = a.id AND g.role = ` + arg(string(f.Role))
		if f.Scope != "" {
			cond += ` AND g.scope = ` + arg(f.Scope)
		}
		where = append(where, cond+")")
	}
	if f.State != "" {
		cond, ok := accountStateWhere[f.State]
		if !ok {
			return nil, fmt.Errorf("search accounts: unknown state %q", f.State)
		}
		where = append(where, cond)
	}
	if f.After != "" {
		where = append(where, `(a.created_at, a.id) < (SELECT created_at, id FROM accounts WHERE id = `+arg(f.After)+`)`)
	}
	rows, err := tx.q.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE `+strings.Join(where, " AND ")+`
		ORDER BY a.created_at DESC, a.id DESC LIMIT `+arg(f.Limit), args...)
	out, err := collect(rows, err, func(r rowScanner) (identity.Account, error) { return scanAccount(r) })
	if err != nil {
		return nil, wrap("search accounts", err)
	}
	return out, nil
}

// LockAccount implements identity.Tx. Write transactions are serial on
// SQLite, so reading the account in one is enough.
func (tx *Tx) LockAccount(ctx context.Context, id string) (identity.Account, error) {
	return tx.AccountByID(ctx, id)
}

// LockAdministrators implements identity.Tx. Write transactions are
// serial on SQLite, so reading the administrators in one is enough.
func (tx *Tx) LockAdministrators(ctx context.Context) ([]string, error) {
	rows, err := tx.q.QueryContext(ctx, `SELECT a.id FROM accounts a
		WHERE a.deleted_at = 0 AND a.disabled = 0 AND (a.email_verified_at <> 0 OR a.fiscal_code IS NOT NULL)
		  AND EXISTS (SELECT 1 FROM account_grants g WHERE g.account_id = a.id AND g.role = ?)
		ORDER BY a.id`, string(identity.RoleAdmin))
	ids, err := collect(rows, err, func(r rowScanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
	if err != nil {
		return nil, wrap("read administrators", err)
	}
	return ids, nil
}

// SetAccountGrants implements identity.Tx.
func (tx *Tx) SetAccountGrants(ctx context.Context, id string, grants []identity.Grant) error {
	if _, err := tx.q.ExecContext(ctx, `DELETE FROM account_grants WHERE account_id = ?`, id); err != nil {
		return wrap("drop grants", err)
	}
	for _, g := range grants {
		if _, err := tx.q.ExecContext(ctx, `INSERT INTO account_grants (account_id, role, scope) VALUES (?, ?, ?)`, id, string(g.Role), g.Scope); err != nil {
			return wrap("insert grant", err)
		}
	}
	return nil
}

// CountLoginAttempts implements identity.Tx. An attempt is recorded once
// per bucket it was counted in, hence DISTINCT.
func (tx *Tx) CountLoginAttempts(ctx context.Context, pattern string, since time.Time) (int, error) {
	var n int
	err := tx.q.QueryRowContext(ctx, `SELECT count(DISTINCT attempt) FROM login_failures WHERE subject LIKE ? ESCAPE '\' AND at > ?`,
		likePattern(pattern), toMicros(since)).Scan(&n)
	if err != nil {
		return 0, wrap("count login attempts", err)
	}
	return n, nil
}
