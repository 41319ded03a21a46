package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"cityhub/vouchers"
)

// The administrators' lists of campaigns, shops and settlements, read a
// page at a time (vouchers.Seek) in their order, the id last to break
// ties; migration 1024 gives each order an index. Each filter that is not
// asked for is left out of the statement rather than made a no-op by its
// parameter, so that the planner sees the query the page runs.

// listQuery is one list's table, the columns it selects, its order's keys
// (the id last) and whether the list runs down them (newest first).
type listQuery struct {
	table, cols, keys string
	desc              bool
}

var (
	campaignList   = listQuery{table: "voucher_campaigns", cols: campaignCols, keys: "created_at, id", desc: true}
	settlementList = listQuery{table: "voucher_settlements", cols: settlementCols, keys: "closed_at, id", desc: true}
)

// page is the statement reading what sk names under the conditions where
// (whose parameters are args, numbered from $1): from after (or, with
// sk.Back, before) the row sk.After names, compared on the list's keys,
// nearest first. A page read back comes nearest the cursor first: the
// caller reverses it into the list's order.
func (l listQuery) page(where []string, args []any, sk vouchers.Seek) (string, []any) {
	down := l.desc != sk.Back
	cmp, dir := ">", " ASC"
	if down {
		cmp, dir = "<", " DESC"
	}
	if sk.After != "" {
		args = append(args, sk.After)
		where = append(where, fmt.Sprintf("(%s) %s (SELECT %s FROM %s WHERE id = $%d)", l.keys, cmp, l.keys, l.table, len(args)))
	}
	keys := strings.Split(l.keys, ", ")
	for i := range keys {
		keys[i] += dir
	}
	args = append(args, sk.Limit)
	return fmt.Sprintf("SELECT %s FROM %s%s ORDER BY %s LIMIT $%d", l.cols, l.table, whereSQL(where), strings.Join(keys, ", "), len(args)), args
}

// count is the statement counting the rows where selects.
func (l listQuery) count(where []string) string {
	return "SELECT count(*) FROM " + l.table + whereSQL(where)
}

func whereSQL(where []string) string {
	if len(where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(where, " AND ")
}

// readList runs a page's statement and puts a page read back in the
// list's order.
func readList[T any](ctx context.Context, tx *Tx, what, sql string, args []any, back bool, scan func(pgx.Row) (T, error)) ([]T, error) {
	rows, err := tx.q.Query(ctx, sql, args...)
	if err != nil {
		return nil, wrap(what, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r) })
	if err != nil {
		return nil, wrap(what, err)
	}
	if back {
		slices.Reverse(out)
	}
	return out, nil
}

func (tx *Tx) countList(ctx context.Context, what, sql string, args []any) (int, error) {
	var n int
	err := tx.q.QueryRow(ctx, sql, args...).Scan(&n)
	return n, wrap(what, err)
}

func campaignWhere(statuses []string) ([]string, []any) {
	if len(statuses) == 0 {
		return nil, nil
	}
	return []string{"status = ANY($1)"}, []any{statuses}
}

// PageCampaigns implements vouchers.Tx.
func (tx *Tx) PageCampaigns(ctx context.Context, statuses []string, sk vouchers.Seek) ([]vouchers.Campaign, error) {
	where, args := campaignWhere(statuses)
	sql, args := campaignList.page(where, args, sk)
	return readList(ctx, tx, "list campaigns", sql, args, sk.Back, scanCampaign)
}

// CountCampaigns implements vouchers.Tx.
func (tx *Tx) CountCampaigns(ctx context.Context, statuses []string) (int, error) {
	where, args := campaignWhere(statuses)
	return tx.countList(ctx, "count campaigns", campaignList.count(where), args)
}

func settlementWhere(shopID string) ([]string, []any) {
	if shopID == "" {
		return nil, nil
	}
	return []string{"shop_id = $1"}, []any{shopID}
}

// PageSettlements implements vouchers.Tx.
func (tx *Tx) PageSettlements(ctx context.Context, shopID string, sk vouchers.Seek) ([]vouchers.Settlement, error) {
	where, args := settlementWhere(shopID)
	sql, args := settlementList.page(where, args, sk)
	return readList(ctx, tx, "list settlements", sql, args, sk.Back, scanSettlement)
}

// CountSettlements implements vouchers.Tx.
func (tx *Tx) CountSettlements(ctx context.Context, shopID string) (int, error) {
	where, args := settlementWhere(shopID)
	return tx.countList(ctx, "count settlements", settlementList.count(where), args)
}
