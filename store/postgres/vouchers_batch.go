package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"cityhub/apperr"
	"cityhub/vouchers"
	"cityhub/wallet"
)

var _ vouchers.RedemptionBatchTx = (*Tx)(nil)

// batchKeysSQL reads the committed idempotency records of the keys
// ($1 scopes, $2 keys), each with its place in the batch.
const batchKeysSQL = `SELECT k.n, i.request_hash, i.response
	FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(scope, key, n)
	JOIN idempotency_keys i ON i.scope = k.scope AND i.key = k.key`

// batchTargetsSQL is redemptionTargetSQL for the vouchers $1, or the
// typed codes' hashes $2 where $1 is empty, at the shops $3: each voucher
// locked, in the order of the ids (so that two batches never wait for each
// other crosswise), its campaign shared, the shop, and the place in the
// batch. The look-up by id or hash is one join condition on the voucher
// itself, which the server checks again on the row as it is once locked:
// a voucher looked up in a subquery or a common table expression instead
// drops out of the answer when another transaction changed it while this
// one waited for its lock.
const batchTargetsSQL = `SELECT ` + redemptionTargetCols + `, r.n
	FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS r(vid, hash, sid, n)
	JOIN vouchers v ON v.id = NULLIF(r.vid, '') OR v.code_hash = NULLIF(r.hash, '')
	JOIN voucher_campaigns c ON c.id = v.campaign_id
	LEFT JOIN voucher_shops s ON s.id = r.sid
	ORDER BY v.id
	FOR UPDATE OF v FOR KEY SHARE OF c`

// ReadRedemptionBatch implements vouchers.RedemptionBatchTx: two
// statements, or three with typed codes, in one round trip (with the
// transaction's BEGIN). The keys
// are read second, by a statement that starts once the vouchers are
// locked: a till's retry of a request that another transaction was
// redeeming then waits for it on the voucher and sees its key committed
// (a replay), rather than the voucher it spent (a refusal).
func (tx *Tx) ReadRedemptionBatch(ctx context.Context, q vouchers.BatchQuery) (vouchers.BatchReads, error) {
	refs := q.Refs
	scopes, keys := make([]string, len(refs)), make([]string, len(refs))
	vids, hashes, sids := make([]string, len(refs)), make([]string, len(refs)), make([]string, len(refs))
	for i, r := range refs {
		scopes[i], keys[i], vids[i], hashes[i], sids[i] = r.Scope, r.Key, r.VoucherID, r.CodeHash, r.ShopID
	}
	out := make([]vouchers.BatchRead, len(refs))
	found := make([]bool, len(refs))
	var fails map[string]int
	stmts := []batchRead{{
		sql: batchTargetsSQL, args: []any{vids, hashes, sids},
		read: func(br pgx.BatchResults) error {
			rows, err := br.Query()
			if err != nil {
				return wrap("read vouchers to redeem", err)
			}
			defer rows.Close()
			for rows.Next() {
				var n int
				var t vouchers.CodeTarget
				t.Voucher, t.Campaign, t.Shop, t.Err = scanRedemptionTarget(rows, &n)
				if t.Err != nil && !apperr.Has(t.Err, apperr.NotFound) {
					return t.Err
				}
				if n < 1 || n > len(out) || found[n-1] {
					return fmt.Errorf("read vouchers to redeem: place %d in a batch of %d", n, len(out))
				}
				found[n-1] = true
				out[n-1].Target = t
			}
			return wrap("read vouchers to redeem", rows.Err())
		},
	}, {
		sql: batchKeysSQL, args: []any{scopes, keys},
		read: func(br pgx.BatchResults) error {
			rows, err := br.Query()
			if err != nil {
				return wrap("read idempotency keys", err)
			}
			var n int
			var hash string
			var resp []byte
			_, err = pgx.ForEachRow(rows, []any{&n, &hash, &resp}, func() error {
				if n < 1 || n > len(out) {
					return fmt.Errorf("idempotency key of place %d in a batch of %d", n, len(out))
				}
				out[n-1].KeyFound, out[n-1].StoredHash, out[n-1].Stored = true, hash, slices.Clone(resp)
				return nil
			})
			return wrap("read idempotency keys", err)
		},
	}}
	if len(q.FailureKeys) > 0 {
		stmts = append(stmts, codeFailuresRead(q.FailureKeys, q.FailuresSince, &fails))
	}
	if err := tx.readBatch(ctx, stmts...); err != nil {
		return vouchers.BatchReads{}, err
	}
	for i := range out {
		if !found[i] {
			out[i].Target.Err = apperr.E(apperr.NotFound, "No such voucher.")
		}
	}
	return vouchers.BatchReads{Reads: out, Failures: fails}, nil
}

// writeRedemptionsSQL writes a batch of redemptions: $1…$25 one element
// per redemption ($22…$25 its posting's transfer: the account that gives,
// the one that takes, the amount, and whether the posting named the giver
// first), $26 the accounts posted to. The
// keys are claimed first, in their order, by a plain insert: a key another
// transaction committed meanwhile (a retry that raced its first request)
// fails the statement with a unique violation, and the batch runs one by
// one, as for any refusal below; ON CONFLICT DO NOTHING would cost a
// speculative insertion a key for the same outcome (8 % of the rate,
// bench/README.md). The rest is written from the keys' rows (ok joins
// them), so that the keys are inserted before any voucher is updated, and
// redemptions_written (migration 1005) fails the statement when anything
// was not written as asked (a ledger account missing or with a
// floor, a redemption whose campaign is not its voucher's or whose shop
// does not exist: what their foreign keys checked before migration 1009,
// without locking the campaign's row): the postings append transfers without
// locking or checking any balance, which is right only for accounts
// without a floor (the voucher row, locked, bounds what a redemption
// takes). A ledger transaction's key names its new redemption, so no other
// can hold it: its insert needs no ON CONFLICT (a speculative insertion
// and one more log record each), and a taken key would fail the statement
// as any refusal does. Each transfer is one row (migration 1025): its legs
// ride on the transaction's row with the two entry ids the posting's
// entries would have had, taken in the batch's order and the posting's.
// The legs to one account are pending in one row (migration 1008): a batch
// at one shop writes two pending rows, not two a redemption, and 12–24 %
// less log (bench/README.md). redemptions_written's counts of entries and
// of pending entries follow here from the transfers written (two legs
// each, every leg pending in the one statement), so they add nothing to
// its count of transactions; its checks that can fail are those of the
// keys, vouchers, redemptions, audit entries, transactions and accounts.
const writeRedemptionsSQL = `WITH w AS (
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[], $6::bigint[], $7::text[],
			$8::text[], $9::bigint[], $10::bigint[], $11::text[], $12::timestamptz[], $13::text[], $14::jsonb[],
			$15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::timestamptz[])
			WITH ORDINALITY AS w(scope, key, hash, response, voucher_id, remaining, status,
				redemption_id, purchase, amount, staff_id, at, ip, detail,
				campaign_id, shop_id, device, actor_id, ltx_id, ltx_key, ltx_at, n)
	), k AS (
		INSERT INTO idempotency_keys (scope, key, request_hash, status, response)
		SELECT scope, key, hash, 1, response FROM w ORDER BY scope, key
		RETURNING scope, key
	), ok AS (
		SELECT w.* FROM w JOIN k ON k.scope = w.scope AND k.key = w.key
	), v AS (
		UPDATE vouchers SET remaining_cents = ok.remaining, status = ok.status FROM ok WHERE vouchers.id = ok.voucher_id
		RETURNING vouchers.id, vouchers.campaign_id
	), red AS (
		INSERT INTO voucher_redemptions (id, voucher_id, campaign_id, shop_id, purchase_cents, amount_cents, staff_id, device, at)
		SELECT ok.redemption_id, ok.voucher_id, v.campaign_id, ok.shop_id, ok.purchase, ok.amount, ok.staff_id, ok.device, ok.at
		FROM ok JOIN v ON v.id = ok.voucher_id AND v.campaign_id = ok.campaign_id
		WHERE EXISTS (SELECT FROM voucher_shops s WHERE s.id = ok.shop_id)
		RETURNING id
	), a AS (
		INSERT INTO audit_log (actor_id, action, object_type, object_id, shop_id, device, ip, detail)
		SELECT actor_id, 'voucher.redeem', 'voucher', voucher_id, shop_id, device, ip, detail FROM ok ORDER BY n
		RETURNING id
	), t AS (
		INSERT INTO ledger_transactions (id, idem_key, kind, ref_type, ref_id, created_at,
			from_account, to_account, transfer_amount, from_entry, to_entry)
		SELECT ltx_id, ltx_key, 'voucher.redeem', 'voucher_redemption', redemption_id, ltx_at,
			giver, taker, amount, CASE WHEN giver_first THEN first_entry ELSE second_entry END,
			CASE WHEN giver_first THEN second_entry ELSE first_entry END
		FROM (SELECT ok.ltx_id, ok.ltx_key, ok.redemption_id, ok.ltx_at, x.giver, x.taker, x.amount, x.giver_first,
				nextval('ledger_entries_id_seq') AS first_entry, nextval('ledger_entries_id_seq') AS second_entry
			FROM unnest($22::text[], $23::text[], $24::bigint[], $25::boolean[]) WITH ORDINALITY AS x(giver, taker, amount, giver_first, n)
			JOIN ok ON ok.n = x.n ORDER BY x.n) l
		RETURNING from_account, to_account, transfer_amount, from_entry, to_entry
	), p AS (
		INSERT INTO ledger_pending (entry_id, account_id, amount, entries)
		SELECT min(entry), account_id, sum(amount), count(*)
		FROM (SELECT from_entry, from_account, -transfer_amount FROM t
			UNION ALL SELECT to_entry, to_account, transfer_amount FROM t) AS leg(entry, account_id, amount)
		GROUP BY account_id ORDER BY account_id
		RETURNING entries
	)
	SELECT redemptions_written(cardinality($1::text[]), (SELECT count(*) FROM k), (SELECT count(*) FROM v),
		(SELECT count(*) FROM red), (SELECT count(*) FROM a), (SELECT count(*) FROM t),
		2 * cardinality($22::text[]), 2 * (SELECT count(*) FROM t), (SELECT COALESCE(sum(entries), 0) FROM p),
		cardinality($26::text[]), (SELECT count(*) FROM ledger_accounts WHERE id = ANY($26::text[]) AND floor IS NULL))`

// WriteRedemptions implements vouchers.RedemptionBatchTx: one statement,
// queued to ride with the COMMIT (pipeline.go), since nothing is read back;
// what redemptions_written refuses fails the commit.
func (tx *Tx) WriteRedemptions(ctx context.Context, ws []vouchers.RedemptionWrite, refused []vouchers.KeptRefusal) error {
	if err := tx.keepRefusals(ctx, refused); err != nil {
		return err
	}
	if len(ws) == 0 {
		return nil
	}
	n := len(ws)
	scopes, keys, hashes, responses := make([]string, n), make([]string, n), make([]string, n), make([][]byte, n)
	vids, remaining, statuses := make([]string, n), make([]int64, n), make([]string, n)
	rids, purchases, amounts, staff, ats := make([]string, n), make([]int64, n), make([]int64, n), make([]string, n), make([]time.Time, n)
	ips, details, campaigns, shops, devices, actors := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ltxIDs, ltxKeys, ltxAts := make([]string, n), make([]string, n), make([]time.Time, n)
	givers, takers, moved, giverFirst := make([]string, n), make([]string, n), make([]int64, n), make([]bool, n)
	accounts := map[string]bool{}
	for i, w := range ws {
		r, t := w.Redemption, w.Posting
		if r.ReversedAt != nil || r.ReversedBy != "" || r.SettlementID != "" {
			return fmt.Errorf("write redemption %s: a new redemption is neither reversed nor settled", r.ID)
		}
		if t.Overdraft != nil || t.Memo != "" || t.Kind != "voucher.redeem" || t.RefType != "voucher_redemption" || t.RefID != r.ID {
			return fmt.Errorf("write redemption %s: its posting %s is not a redemption's", r.ID, t.ID)
		}
		if w.Audit.Action != "voucher.redeem" || w.Audit.ObjectType != "voucher" || w.Audit.ObjectID != r.VoucherID || w.Audit.ShopID != r.ShopID || w.Audit.Device != r.Device {
			return fmt.Errorf("write redemption %s: its audit entry is not a redemption's", r.ID)
		}
		if w.Voucher.ID != r.VoucherID {
			return fmt.Errorf("write redemption %s: voucher %s is not its own", r.ID, w.Voucher.ID)
		}
		detail, err := json.Marshal(w.Audit.Detail)
		if err != nil {
			return wrap("encode audit detail", err)
		}
		scopes[i], keys[i], hashes[i], responses[i] = w.Scope, w.Key, w.RequestHash, w.Response
		vids[i], remaining[i], statuses[i] = r.VoucherID, w.Voucher.RemainingCents, w.Voucher.Status
		rids[i], purchases[i], amounts[i], staff[i], ats[i] = r.ID, r.PurchaseCents, r.AmountCents, r.StaffID, r.At
		ips[i], details[i], campaigns[i], shops[i], devices[i], actors[i] = w.Audit.IP, string(detail), r.CampaignID, r.ShopID, r.Device, w.Audit.ActorID
		// The id is the key's whatever t says (migration 1021).
		ltxIDs[i], ltxKeys[i], ltxAts[i] = wallet.TransactionIDFor(t.Key), t.Key, t.CreatedAt
		// A redemption's posting is a transfer (the campaign's held value
		// to the shop's payable), written as one row (migration 1025).
		if !isTransfer(t) || t.Entries[0].Amount == 0 || t.Entries[0].Amount != -t.Entries[1].Amount || t.Entries[0].Account == t.Entries[1].Account {
			return fmt.Errorf("write redemption %s: its posting %s is not a transfer", r.ID, t.ID)
		}
		first, second := t.Entries[0], t.Entries[1]
		giverFirst[i] = first.Amount < 0
		givers[i], takers[i], moved[i] = string(second.Account), string(first.Account), first.Amount
		if giverFirst[i] {
			givers[i], takers[i], moved[i] = string(first.Account), string(second.Account), -first.Amount
		}
		accounts[givers[i]], accounts[takers[i]] = true, true
	}
	posted := make([]string, 0, len(accounts))
	for a := range accounts {
		posted = append(posted, a)
	}
	return tx.later(ctx, deferred{what: fmt.Sprintf("write a batch of %d redemptions", n),
		sql: writeRedemptionsSQL,
		args: []any{scopes, keys, hashes, responses, vids, remaining, statuses,
			rids, purchases, amounts, staff, ats, ips, details,
			campaigns, shops, devices, actors, ltxIDs, ltxKeys, ltxAts,
			givers, takers, moved, giverFirst, posted}})
}

// keepRefusals queues, to ride with the COMMIT, the keys of a batch's
// refusals with their answers. A key another transaction committed
// meanwhile fails the statement, and so the commit: the batch then runs
// one by one, and that key's request gets the other's answer.
func (tx *Tx) keepRefusals(ctx context.Context, refused []vouchers.KeptRefusal) error {
	if len(refused) == 0 {
		return nil
	}
	n := len(refused)
	scopes, keys, hashes, responses := make([]string, n), make([]string, n), make([]string, n), make([][]byte, n)
	for i, r := range refused {
		scopes[i], keys[i], hashes[i], responses[i] = r.Scope, r.Key, r.RequestHash, r.Response
	}
	return tx.later(ctx, deferred{what: fmt.Sprintf("keep %d refusals of a batch of redemptions", n),
		sql: `INSERT INTO idempotency_keys (scope, key, request_hash, status, response)
		SELECT scope, key, hash, 1, response FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[]) AS r(scope, key, hash, response)
		ORDER BY scope, key`,
		args: []any{scopes, keys, hashes, responses}})
}
