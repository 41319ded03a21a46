package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/identity"
)

// accountStateWhere selects the accounts in each state, as
// identity.Account.State decides it.
var accountStateWhere = map[identity.AccountState]string{
	identity.StateErased:     `a.deleted_at IS NOT NULL`,
	identity.StateDisabled:   `a.deleted_at IS NULL AND a.disabled`,
	identity.StateUnverified: `a.deleted_at IS NULL AND NOT a.disabled AND a.email_verified_at IS NULL AND a.fiscal_code IS NULL`,
	identity.StateActive:     `a.deleted_at IS NULL AND NOT a.disabled AND (a.email_verified_at IS NOT NULL OR a.fiscal_code IS NOT NULL)`,
}

// SearchAccounts implements identity.Tx. The query is put together from
// fixed fragments; every value the administrator typed is a parameter.
// A substring cannot use an index, so a search reads the accounts in
// index order (accounts_newest) until the page is full.
func (tx *Tx) SearchAccounts(ctx context.Context, f identity.AccountFilter) ([]identity.Account, error) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := []string{"TRUE"}
	if f.Text != "" {
		t := arg(f.Text)
		cond := `strpos(a.email_norm, ` + t + `) > 0 OR strpos(lower(a.name), ` + t + `) > 0 OR a.id = ` + t
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
	rows, err := tx.q.Query(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE `+strings.Join(where, " AND ")+`
		ORDER BY a.created_at DESC, a.id DESC LIMIT `+arg(f.Limit), args...)
	if err != nil {
		return nil, wrap("search accounts", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (identity.Account, error) { return scanAccount(r) })
	if err != nil {
		return nil, wrap("search accounts", err)
	}
	return out, nil
}

// LockAccount implements identity.Tx: the account's row stays locked until
// the transaction ends, so a concurrent change of its grants, or its
// erasure, waits. The account is read by a statement of its own after the
// lock: one that waited for the lock would still see the grants as they
// were when it began (READ COMMITTED takes a statement's snapshot at its
// start), not those the change it waited for left.
func (tx *Tx) LockAccount(ctx context.Context, id string) (identity.Account, error) {
	var one int
	if err := tx.q.QueryRow(ctx, `SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE`, id).Scan(&one); err != nil {
		return identity.Account{}, wrap("lock account", err)
	}
	return tx.AccountByID(ctx, id)
}

// LockAdministrators implements identity.Tx. Every change that can take
// an administrator away locks them all first, so two such changes (two
// administrators taking the role from each other) apply one after the
// other. The ids are read again by a statement of their own once the
// locks are held: the locking statement's snapshot predates a change of
// grants it waited for, and the grants are rows of another table.
func (tx *Tx) LockAdministrators(ctx context.Context) ([]string, error) {
	const admins = `SELECT a.id FROM accounts a
		WHERE NOT a.disabled AND a.deleted_at IS NULL AND (a.email_verified_at IS NOT NULL OR a.fiscal_code IS NOT NULL)
		  AND EXISTS (SELECT 1 FROM account_grants g WHERE g.account_id = a.id AND g.role = $1)
		ORDER BY a.id`
	if _, err := tx.q.Exec(ctx, admins+` FOR UPDATE OF a`, string(identity.RoleAdmin)); err != nil {
		return nil, wrap("lock administrators", err)
	}
	rows, err := tx.q.Query(ctx, admins, string(identity.RoleAdmin))
	if err != nil {
		return nil, wrap("read administrators", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, wrap("read administrators", err)
	}
	return ids, nil
}

// SetAccountGrants implements identity.Tx.
func (tx *Tx) SetAccountGrants(ctx context.Context, id string, grants []identity.Grant) error {
	if _, err := tx.q.Exec(ctx, `DELETE FROM account_grants WHERE account_id = $1`, id); err != nil {
		return wrap("drop grants", err)
	}
	for _, g := range grants {
		if _, err := tx.q.Exec(ctx, `INSERT INTO account_grants (account_id, role, scope) VALUES ($1, $2, $3)`, id, string(g.Role), g.Scope); err != nil {
			return wrap("insert grant", err)
		}
	}
	return nil
}

// CountLoginAttempts implements identity.Tx. An attempt is recorded once
// per bucket it was counted in, hence DISTINCT.
func (tx *Tx) CountLoginAttempts(ctx context.Context, pattern string, since time.Time) (int, error) {
	var n int
	err := tx.q.QueryRow(ctx, `SELECT count(DISTINCT attempt) FROM login_failures WHERE subject LIKE $1 ESCAPE '\' AND at > $2`,
		likePattern(pattern), since).Scan(&n)
	if err != nil {
		return 0, wrap("count login attempts", err)
	}
	return n, nil
}
