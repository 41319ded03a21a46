package vouchers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/groupcommit"
	"cityhub/idem"
	"cityhub/identity"
	"cityhub/wallet"
)

// Redemptions that arrive together are decided and written together:
// group commit. While one batch is on its way to the database, the
// redemptions that arrive queue; the next batch takes them all (up to
// RedeemBatchMax) in one transaction that reads and locks their vouchers in
// one statement, judges each in Go by the rules a redemption alone is
// judged by, and writes every one that passes in one more statement, with
// the commit. A redemption alone costs its transaction a
// few round trips and the database a few statements; in a batch of 32 it
// costs a thirty-second of two (bench/README.md measures both).
//
// Each redemption still gets the answer it would have had alone:
//   - a refusal (a used voucher, a closed campaign, too small a purchase)
//     is its own, and writes only its key with it, as alone (a retry is
//     refused again alike: idem.DoKeeping);
//   - a retry of a key committed earlier gets its first answer, and the
//     same key with another request Conflict (idempotency_key_reused);
//   - a redemption whose voucher another one of the batch changes, or
//     whose key is already in the batch, or whose key another transaction
//     committed while the batch was written, runs alone once the batch is
//     done, and so sees what went before it;
//   - a typed code is judged against the failed codes counted for its shop
//     and its address (read with the batch), and those that failed before
//     it in the batch: a batch of guesses is refused from the same guess
//     on as guesses one by one would be, and each failure is counted in
//     the batch's transaction;
//   - when the batch fails as a whole (a lost connection, a deadlock
//     retried too often, an account the batch cannot post to), every
//     redemption of it runs alone, exactly as if there had been no batch:
//     nothing of the batch was written.
//
// A request that runs under a claimed API key (idem.Pending) is not batched:
// its transaction must mark that key, and a batch's marks nothing. Nor is a
// code that cannot be a voucher's (a bad token, a malformed typed code): it
// is refused alone, after its key is looked up.

// RedeemBatchMax bounds the redemptions of one batch.
const RedeemBatchMax = 32

// RedemptionBatchTx is a Tx that reads and writes the redemptions of a
// batch one statement for all of them, where a Tx without it (oneByOne)
// takes the statements of each, in the batch's one transaction.
type RedemptionBatchTx interface {
	// ReadRedemptionBatch reads for each ref its target (as
	// RedemptionTarget, or RedemptionTargetByCode for a typed code: the
	// voucher locked, its campaign shared, the shop), the vouchers locked
	// in the order of their ids, and then, once they are locked, its
	// key's committed idempotency record (as IdempotentResponse): a retry
	// whose first request another transaction was redeeming waits for it
	// on the voucher, and then sees its key. Last it counts the failed
	// typed codes of q's keys (as CodeFailures). A voucher or shop that
	// does not exist is the target's Err (NotFound, with the shop's reason
	// for the shop), not the call's.
	ReadRedemptionBatch(ctx context.Context, q BatchQuery) (BatchReads, error)
	// WriteRedemptions writes each of ws: its idempotency key with its
	// response, the voucher as it becomes, the redemption, the audit entry
	// and the posting (prepared with wallet.PrepareAppend), which goes to
	// accounts without a floor only; and the key of each of refused with
	// its refusal. Anything it cannot write as asked (a key another
	// transaction committed meanwhile, an account that is missing or has a
	// floor) fails the call and the transaction, which then writes nothing;
	// the error may come from the commit.
	WriteRedemptions(ctx context.Context, ws []RedemptionWrite, refused []KeptRefusal) error
}

// KeptRefusal is a refusal of a batch kept as its key's result
// (idem.DoKeeping): a retry is refused again alike.
type KeptRefusal struct {
	Scope, Key, RequestHash string
	Response                []byte
}

// BatchRef names a redemption of a batch: the scope and key of its
// idempotency record, its voucher, and the shop.
type BatchRef struct {
	Scope, Key string
	// VoucherID is a scanned token's voucher; CodeHash, set instead, a
	// typed code's hash, whose voucher is looked up.
	VoucherID, CodeHash string
	ShopID              string
}

// BatchQuery is what ReadRedemptionBatch reads: the redemptions, and the
// keys whose failed typed codes since FailuresSince are counted (none when
// no code is typed).
type BatchQuery struct {
	Refs          []BatchRef
	FailureKeys   []string
	FailuresSince time.Time
}

// BatchReads is what ReadRedemptionBatch read: a BatchRead per ref, and
// the failures counted by key.
type BatchReads struct {
	Reads    []BatchRead
	Failures map[string]int
}

// BatchRead is what ReadRedemptionBatch read for one BatchRef.
type BatchRead struct {
	// KeyFound: the key holds a committed record, StoredHash and Stored.
	KeyFound   bool
	StoredHash string
	Stored     []byte
	Target     CodeTarget
}

// RedemptionWrite is one redemption of a batch, judged sound.
type RedemptionWrite struct {
	Scope, Key, RequestHash string
	Response                []byte
	Voucher                 Voucher
	Redemption              Redemption
	Audit                   audit.Entry
	Posting                 wallet.Transaction
}

// batchRedemption is one request waiting for its batch.
type batchRedemption struct {
	ctx       context.Context
	c         identity.Caller
	shopID    string
	key       string
	request   RedeemRequest
	hash      string
	voucherID string
	// codeHash, set instead of voucherID: a typed code's hash.
	codeHash string
}

// batchAnswer is its answer; err errRunAlone: run it alone.
type batchAnswer struct {
	r        Redemption
	replayed bool
	err      error
}

// errRunAlone tells a request of a batch to run alone, after it.
var errRunAlone = errors.New("run alone")

// BatchStats counts the batches of redemptions: Batches the transactions
// that decided two or more redemption requests together, Redemptions the
// requests they decided (new redemptions, refusals and replayed answers
// alike), so that Redemptions/Batches is the batches' mean size and never
// below two. A request decided alone is in neither: one that came alone,
// or whose batch sent it to run after (its key or voucher also in the
// batch), as is the one left in a batch that sent all the others after
// it. Fallbacks counts the batches that failed as a whole and whose
// redemptions then ran alone.
type BatchStats struct {
	Batches, Redemptions, Fallbacks int64
	// Busy is the time spent writing batches of more than one: the share
	// of a run's wall time it takes says whether the one batch at a time
	// is what bounds the rate.
	Busy time.Duration
	// Read, Judge and Write split Busy over the Attempts its transactions
	// made (a transaction the store retried counts each attempt): the
	// batch's read, as the hub waited for it and decoded it; the hub's
	// own work between it and the write (the checks, the answers and
	// postings encoded); the write. The rest of Busy is the transaction's
	// begin and commit. The server sees its connection idle in the
	// transaction while the hub judges, so the split says how much of a
	// batch's time is the hub's.
	Read, Judge, Write time.Duration
	Attempts           int64
}

type batchCounters struct {
	batches, redemptions, fallbacks, busy atomic.Int64
	read, judge, write, attempts          atomic.Int64
}

// RedemptionBatches reports the batches written so far by this service.
func (s *Service) RedemptionBatches() BatchStats {
	c := &s.batchStats
	return BatchStats{Batches: c.batches.Load(), Redemptions: c.redemptions.Load(), Fallbacks: c.fallbacks.Load(),
		Busy: time.Duration(c.busy.Load()), Read: time.Duration(c.read.Load()), Judge: time.Duration(c.judge.Load()),
		Write: time.Duration(c.write.Load()), Attempts: c.attempts.Load()}
}

// SetRedemptionBatching turns batching on (the default) or off, when every
// redemption runs alone (to compare the two, in benchmarks and tests). Call
// it before the service is used.
//
// A hub writes one batch at a time, the next one gathering while it is
// written: batches of up to 32 let one hub write thousands of redemptions a
// second, far more than a city's shops make, and every hub of a deployment
// writes its own. Two batches at once were measured on the 2-core test
// machine, once the ledger's roll-up stopped taking half the server's
// time: they halved the batches (13 redemptions instead of 28) and lost
// 12–14 % of the rate, with a higher p99, to the two transactions
// competing for the same cores (bench/README.md).
func (s *Service) SetRedemptionBatching(on bool) {
	s.batch = nil
	if on {
		s.batch = &groupcommit.Group[batchRedemption, batchAnswer]{Max: RedeemBatchMax, Write: s.writeRedemptionBatch}
	}
}

// redeemBatched redeems the voucher of a verified token or a typed code's
// hash in the next batch, or reports errRunAlone.
func (s *Service) redeemBatched(ctx context.Context, b batchRedemption) (Redemption, bool, error) {
	a, err := s.batch.Do(ctx, b)
	if err != nil {
		return Redemption{}, false, errRunAlone
	}
	return a.r, a.replayed, a.err
}

// writeRedemptionBatch is the batches' Write. A batch of one runs alone, in
// the group's turn, so that under no load a redemption costs what it
// always did, and under load the requests that arrive meanwhile queue.
func (s *Service) writeRedemptionBatch(ctx context.Context, reqs []batchRedemption) ([]batchAnswer, error) {
	out := make([]batchAnswer, len(reqs))
	// One redemption per key in a batch: the others run after it, and see
	// what it did (one per voucher is seen to once the vouchers are read,
	// since a typed code's voucher is not known before).
	keysIn := map[string]bool{}
	var in []int
	for i, b := range reqs {
		k := redeemScope(b.shopID) + "\x00" + b.key
		if keysIn[k] {
			out[i].err = errRunAlone
			continue
		}
		keysIn[k] = true
		in = append(in, i)
	}
	if len(in) == 1 {
		// A batch of one, or of one key sent again (a double press): the
		// first runs alone, and its repeats after it.
		b := reqs[in[0]]
		code := presentedCode{voucherID: b.voucherID, hash: b.codeHash, typed: b.codeHash != ""}
		r, replayed, err := s.redeemAlone(b.ctx, b.c, b.shopID, b.key, b.request, code, nil)
		out[in[0]] = batchAnswer{r: r, replayed: replayed, err: err}
		return out, nil
	}
	// The transaction is every member's; none of them runs under a claimed
	// API key (Redeem sends those alone).
	ctx = idem.WithoutPending(ctx)
	answers := make([]batchAnswer, len(in))
	start := time.Now()
	defer func() { s.batchStats.busy.Add(int64(time.Since(start))) }()
	var failed []int
	err := s.store.InTx(ctx, func(tx Tx) error {
		clear(answers)
		var err error
		failed, err = s.redeemInBatch(ctx, tx, reqs, in, answers)
		return err
	})
	if err != nil {
		s.batchStats.fallbacks.Add(1)
		s.log.WarnContext(ctx, "a batch of redemptions failed; they run one by one", slog.Int("redemptions", len(in)), slog.Any("error", err))
		for _, i := range in {
			out[i].err = errRunAlone
		}
		return out, nil
	}
	for _, j := range failed {
		b := reqs[in[j]]
		s.log.WarnContext(b.ctx, "typed voucher code not found", slog.String("shop", b.shopID), slog.String("ip", audit.OriginFrom(b.ctx).IP))
	}
	decided := 0
	for j, i := range in {
		out[i] = answers[j]
		if !errors.Is(answers[j].err, errRunAlone) {
			decided++
		}
	}
	// A transaction that decided one request, the others of its batch sent
	// after it (one voucher at two tills), decided it as alone: no batch.
	if decided >= 2 {
		s.batchStats.batches.Add(1)
		s.batchStats.redemptions.Add(int64(decided))
	}
	return out, nil
}

// redeemInBatch reads, judges and writes the requests reqs[in] in tx, and
// puts each one's answer in answers; it returns which answers are typed
// codes that matched no voucher (their failures are counted in tx).
func (s *Service) redeemInBatch(ctx context.Context, tx Tx, reqs []batchRedemption, in []int, answers []batchAnswer) ([]int, error) {
	bt, ok := tx.(RedemptionBatchTx)
	if !ok {
		bt = oneByOne{tx: tx}
	}
	now := s.now()
	q := BatchQuery{Refs: make([]BatchRef, len(in)), FailuresSince: now.Add(-CodeFailureWindow)}
	counted := map[string]bool{}
	for j, i := range in {
		b := reqs[i]
		q.Refs[j] = BatchRef{Scope: redeemScope(b.shopID), Key: b.key, VoucherID: b.voucherID, CodeHash: b.codeHash, ShopID: b.shopID}
		if b.codeHash != "" {
			for _, k := range codeFailureKeys(b.ctx, b.shopID) {
				if !counted[k] {
					counted[k] = true
					q.FailureKeys = append(q.FailureKeys, k)
				}
			}
		}
	}
	stats := &s.batchStats
	stats.attempts.Add(1)
	readStart := time.Now()
	reads, err := bt.ReadRedemptionBatch(ctx, q)
	judgeStart := time.Now()
	stats.read.Add(int64(judgeStart.Sub(readStart)))
	if err != nil {
		return nil, fmt.Errorf("read a batch of %d redemptions: %w", len(q.Refs), err)
	}
	fails := maps.Clone(reads.Failures)
	if fails == nil {
		fails = map[string]int{}
	}
	var ws []RedemptionWrite
	var failed []int
	spent := map[string]bool{} // the vouchers a write of the batch changes
	for j, i := range in {
		b, rd := reqs[i], reads.Reads[j]
		if rd.KeyFound {
			answers[j].r, answers[j].replayed, answers[j].err = idem.FromStored[Redemption](b.hash, rd.StoredHash, rd.Stored)
			continue
		}
		t := rd.Target
		if b.codeHash != "" {
			// As alone: refused while too many wrong codes were typed, and
			// every failure answers alike.
			keys := codeFailureKeys(b.ctx, b.shopID)
			if tooManyFailures(fails, keys) {
				answers[j].err = errTooManyFailedCodes
				continue
			}
			if apperr.Has(t.Err, apperr.NotFound) && apperr.ReasonOf(t.Err) != "shop_not_found" {
				answers[j].err = errCodeUnknown
				for _, k := range keys {
					fails[k]++
				}
				if err := tx.RecordCodeFailures(ctx, keys, now, now.Add(-2*CodeFailureWindow)); err != nil {
					return nil, fmt.Errorf("record failed code: %w", err)
				}
				failed = append(failed, j)
				continue
			}
		}
		if t.Err != nil {
			if apperr.ReasonOf(t.Err) == "shop_not_found" {
				answers[j].err = t.Err
			} else {
				answers[j].err = voucherNotFound(t.Err)
			}
			continue
		}
		if spent[t.Voucher.ID] {
			// A voucher that another redemption of the batch changes (twice
			// scanned, or scanned and typed): this one is judged after the
			// batch, on what that one did.
			answers[j].err = errRunAlone
			continue
		}
		p, err := s.judgeRedemption(b.ctx, b.c, b.shopID, t.Voucher, t.Campaign, t.Shop, b.request.PurchaseCents)
		if err != nil {
			answers[j].err = err
			continue
		}
		w, err := s.redemptionWrite(q.Refs[j], b.hash, p)
		if err != nil {
			return nil, err
		}
		spent[t.Voucher.ID] = true
		answers[j].r = p.redemption
		ws = append(ws, w)
	}
	// Every refusal the batch judged is kept, as alone (idem.DoKeeping),
	// in the batch's transaction: a retry is refused again alike. (Not an
	// answer read from a key that holds one: a replay, or a key used for
	// another request.)
	var refused []KeptRefusal
	for j, i := range in {
		if a := answers[j]; !reads.Reads[j].KeyFound && idem.Keeps(a.err) {
			body, err := idem.EncodeRefusal(a.err)
			if err != nil {
				return nil, err
			}
			refused = append(refused, KeptRefusal{Scope: q.Refs[j].Scope, Key: q.Refs[j].Key, RequestHash: reqs[i].hash, Response: body})
		}
	}
	writeStart := time.Now()
	stats.judge.Add(int64(writeStart.Sub(judgeStart)))
	if len(ws) == 0 && len(refused) == 0 {
		return failed, nil
	}
	err = bt.WriteRedemptions(ctx, ws, refused)
	stats.write.Add(int64(time.Since(writeStart)))
	if err != nil {
		return nil, fmt.Errorf("write a batch of %d redemptions: %w", len(ws), err)
	}
	return failed, nil
}

// redemptionWrite is what a batch writes for the redemption p of ref.
func (s *Service) redemptionWrite(ref BatchRef, hash string, p redemptionPlan) (RedemptionWrite, error) {
	body, err := json.Marshal(p.redemption)
	if err != nil {
		return RedemptionWrite{}, fmt.Errorf("encode idempotent response: %w", err)
	}
	pay, err := wallet.PrepareAppend(p.pay, s.now())
	if err != nil {
		return RedemptionWrite{}, fmt.Errorf("pay shop: %w", err)
	}
	return RedemptionWrite{
		Scope: ref.Scope, Key: ref.Key, RequestHash: hash, Response: body,
		Voucher: p.voucher, Redemption: p.redemption, Audit: p.audit, Posting: pay,
	}, nil
}

// oneByOne is RedemptionBatchTx for a Tx without it: the batch's
// statements go one redemption at a time, in its one transaction.
type oneByOne struct{ tx Tx }

func (o oneByOne) ReadRedemptionBatch(ctx context.Context, q BatchQuery) (BatchReads, error) {
	refs := q.Refs
	order := make([]int, len(refs))
	for i := range order {
		order[i] = i
	}
	// Locked by id, as a store's one statement does (typed codes, whose
	// ids are not known yet, first: one writer at a time makes the order
	// moot here anyway).
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(refs[a].VoucherID, refs[b].VoucherID) })
	out := BatchReads{Reads: make([]BatchRead, len(refs))}
	for _, i := range order {
		r := refs[i]
		var v Voucher
		var c Campaign
		var sh Shop
		var err error
		if r.CodeHash != "" {
			v, c, sh, err = o.tx.RedemptionTargetByCode(ctx, r.CodeHash, r.ShopID)
		} else {
			v, c, sh, err = o.tx.RedemptionTarget(ctx, r.VoucherID, r.ShopID)
		}
		if err != nil && !apperr.Has(err, apperr.NotFound) {
			return BatchReads{}, err
		}
		found, hash, stored, kerr := o.tx.IdempotentResponse(ctx, r.Scope, r.Key)
		if kerr != nil {
			return BatchReads{}, fmt.Errorf("read idempotency key: %w", kerr)
		}
		out.Reads[i] = BatchRead{KeyFound: found, StoredHash: hash, Stored: stored, Target: CodeTarget{Voucher: v, Campaign: c, Shop: sh, Err: err}}
	}
	if len(q.FailureKeys) > 0 {
		var err error
		if out.Failures, err = o.tx.CodeFailures(ctx, q.FailureKeys, q.FailuresSince); err != nil {
			return BatchReads{}, fmt.Errorf("count failed codes: %w", err)
		}
	}
	return out, nil
}

func (o oneByOne) WriteRedemptions(ctx context.Context, ws []RedemptionWrite, refused []KeptRefusal) error {
	for _, r := range refused {
		if err := o.keep(ctx, r.Scope, r.Key, r.RequestHash, r.Response); err != nil {
			return err
		}
	}
	for _, w := range ws {
		if err := o.keep(ctx, w.Scope, w.Key, w.RequestHash, w.Response); err != nil {
			return err
		}
		if err := o.tx.UpdateVoucher(ctx, w.Voucher); err != nil {
			return fmt.Errorf("update voucher: %w", err)
		}
		if err := o.tx.InsertRedemption(ctx, w.Redemption); err != nil {
			return fmt.Errorf("insert redemption: %w", err)
		}
		if err := o.tx.AppendAudit(ctx, w.Audit); err != nil {
			return fmt.Errorf("audit voucher.redeem: %w", err)
		}
		if _, err := wallet.Post(ctx, o.tx, w.Posting, w.Posting.CreatedAt); err != nil {
			return fmt.Errorf("pay shop: %w", err)
		}
	}
	return nil
}

// keep claims a key of the batch and saves its answer: a key another
// transaction committed meanwhile fails the batch.
func (o oneByOne) keep(ctx context.Context, scope, key, hash string, response []byte) error {
	claimed, _, _, err := o.tx.ClaimIdempotencyKey(ctx, scope, key, hash)
	if err != nil {
		return fmt.Errorf("claim idempotency key: %w", err)
	}
	if !claimed {
		return apperr.R(apperr.Conflict, "idempotency_key_taken", "Idempotency key %s was committed while its batch was written.", key)
	}
	if err := o.tx.SaveIdempotentResponse(ctx, scope, key, response); err != nil {
		return fmt.Errorf("save idempotent response: %w", err)
	}
	return nil
}
