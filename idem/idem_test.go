package idem

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"cityhub/apperr"
)

// A kept refusal reads back as the same refusal, replayed, whatever its
// message holds; a result never reads as a refusal; what a retry may well
// change is not kept.
func TestRefusalsKeptAndReadBack(t *testing.T) {
	type result struct {
		ID      string `json:"id"`
		Refused bool   `json:"refused"`
	}
	for _, refusal := range []error{
		apperr.R(apperr.Conflict, "voucher_used", "This voucher has already been used."),
		fmt.Errorf("judge: %w", apperr.R(apperr.Invalid, "below_min_spend", `At least "5.00 EUR" refused:{"code":1}`)),
		apperr.E(apperr.NotFound, "No such shop."),
		apperr.R(apperr.InsufficientFunds, "", "Top up first."),
	} {
		body, err := EncodeRefusal(refusal)
		if err != nil {
			t.Fatalf("%v: %v", refusal, err)
		}
		got, replayed, err := FromStored[result]("h", "h", body)
		var want *apperr.Error
		errors.As(refusal, &want)
		if !replayed || apperr.CodeOf(err) != want.Code || apperr.ReasonOf(err) != want.Reason || apperr.MessageOf(err) != want.Message || got != (result{}) {
			t.Errorf("%v read back as %+v, replayed %v, %v", refusal, got, replayed, err)
		}
		if _, replayed, err := FromStored[result]("other", "h", body); replayed || apperr.ReasonOf(err) != "idempotency_key_reused" {
			t.Errorf("another request with the key of %v: replayed %v, %v", refusal, replayed, err)
		}
	}
	got, replayed, err := FromStored[result]("h", "h", []byte(`{"refused":true,"id":"r1"}`))
	if err != nil || !replayed || got != (result{ID: "r1", Refused: true}) {
		t.Errorf("a result read back as %+v, replayed %v, %v", got, replayed, err)
	}
	for _, e := range []error{
		nil, errors.New("connection reset"),
		apperr.E(apperr.Unauthenticated, "Log in."), apperr.E(apperr.Forbidden, "Not yours."),
		apperr.E(apperr.RateLimited, "Wait."), apperr.E(apperr.Unavailable, "Down."), apperr.E(apperr.Internal, "Bug."),
		ErrKeyReused, ErrKeyInUse, ErrAnswerLost,
	} {
		if Keeps(e) {
			t.Errorf("%v is kept", e)
		}
		if _, err := EncodeRefusal(e); err == nil {
			t.Errorf("%v encoded as a kept refusal", e)
		}
	}
}

// memTx is an idempotency store in memory: a committed transaction's keys.
type memTx map[string]struct {
	hash string
	resp []byte
}

func (m memTx) ClaimIdempotencyKey(_ context.Context, scope, key, hash string) (bool, string, []byte, error) {
	if r, ok := m[scope+"\x00"+key]; ok {
		return false, r.hash, r.resp, nil
	}
	m[scope+"\x00"+key] = struct {
		hash string
		resp []byte
	}{hash: hash}
	return true, "", nil, nil
}

func (m memTx) SaveIdempotentResponse(_ context.Context, scope, key string, resp []byte) error {
	r := m[scope+"\x00"+key]
	r.resp = resp
	m[scope+"\x00"+key] = r
	return nil
}

func (m memTx) IdempotentResponse(_ context.Context, scope, key string) (bool, string, []byte, error) {
	r, ok := m[scope+"\x00"+key]
	return ok, r.hash, r.resp, nil
}

// DoKeeping keeps a refusal as its key's result and gives it again to a
// replay, to Do and to Replay alike, without running the operation; it
// keeps neither a failure nor a refusal a retry may change (the key is
// then left for the caller's rollback to forget), and a result as Do does.
func TestDoKeepingKeepsRefusals(t *testing.T) {
	ctx := context.Background()
	tx := memTx{}
	used := apperr.R(apperr.Conflict, "voucher_used", "This voucher has already been used.")
	runs := 0
	refuse := func() (int, error) { runs++; return 0, used }
	_, refused, replayed, err := DoKeeping(ctx, tx, "s", "k1", "req", refuse)
	if err != nil || refused != used || replayed || runs != 1 {
		t.Fatalf("first: refused %v, replayed %v, %v, %d runs", refused, replayed, err, runs)
	}
	succeed := func() (int, error) { runs++; return 7, nil }
	_, refused, replayed, err = DoKeeping(ctx, tx, "s", "k1", "req", succeed)
	if err != nil || apperr.ReasonOf(refused) != "voucher_used" || apperr.MessageOf(refused) != used.Message || !replayed || runs != 1 {
		t.Fatalf("replay: refused %v, replayed %v, %v, %d runs", refused, replayed, err, runs)
	}
	if _, replayed, err := Do(ctx, tx, "s", "k1", "req", succeed); apperr.ReasonOf(err) != "voucher_used" || !replayed || runs != 1 {
		t.Fatalf("Do on a kept refusal: replayed %v, %v", replayed, err)
	}
	if _, replayed, err := Replay[int](ctx, tx, "s", "k1", "req"); apperr.ReasonOf(err) != "voucher_used" || !replayed {
		t.Fatalf("Replay of a kept refusal: replayed %v, %v", replayed, err)
	}
	if _, refused, _, err := DoKeeping(ctx, tx, "s", "k1", "another", succeed); refused != nil || apperr.ReasonOf(err) != "idempotency_key_reused" {
		t.Fatalf("another request: refused %v, %v", refused, err)
	}
	for i, e := range []error{errors.New("connection reset"), apperr.E(apperr.RateLimited, "Wait.")} {
		key := fmt.Sprint("k-fail-", i)
		_, refused, _, err := DoKeeping(ctx, tx, "s", key, "req", func() (int, error) { return 0, e })
		if refused != nil || err != e || tx["s\x00"+key].resp != nil {
			t.Errorf("%v: refused %v, %v, saved %q", e, refused, err, tx["s\x00"+key].resp)
		}
	}
	r, refused, replayed, err := DoKeeping(ctx, tx, "s", "k2", "req", succeed)
	if r != 7 || refused != nil || replayed || err != nil {
		t.Fatalf("a result: %d, refused %v, replayed %v, %v", r, refused, replayed, err)
	}
	if r, _, replayed, _ := DoKeeping(ctx, tx, "s", "k2", "req", refuse); r != 7 || !replayed || runs != 2 {
		t.Fatalf("a result replayed: %d, replayed %v, %d runs", r, replayed, runs)
	}
}

// pipedTx is memTx whose claims wait for the next statement: the claim is
// only made when read's statement (send) goes.
type pipedTx struct {
	memTx
	queued []func()
	sends  int
}

func (p *pipedTx) ClaimIdempotencyKeyLater(ctx context.Context, scope, key, hash string) (func(context.Context) (bool, string, []byte, error), error) {
	var claimed bool
	var storedHash string
	var stored []byte
	answered := false
	p.queued = append(p.queued, func() {
		claimed, storedHash, stored, _ = p.memTx.ClaimIdempotencyKey(ctx, scope, key, hash)
		answered = true
	})
	return func(context.Context) (bool, string, []byte, error) {
		if !answered {
			p.send()
		}
		return claimed, storedHash, stored, nil
	}, nil
}

// ClaimIdempotencyKey is a claim sent at once: a round trip of its own.
func (p *pipedTx) ClaimIdempotencyKey(ctx context.Context, scope, key, hash string) (bool, string, []byte, error) {
	p.send()
	return p.memTx.ClaimIdempotencyKey(ctx, scope, key, hash)
}

// send is a statement going to the database, with what is queued.
func (p *pipedTx) send() {
	p.sends++
	for _, q := range p.queued {
		q()
	}
	p.queued = nil
}

// DoKeepingAfterRead sends the key's claim with read's statement, one
// exchange for both; a read's refusal is kept as fn's would be; for a key
// claimed already, read's work is unused and fn does not run: the stored
// answer is given, also when read refuses. A Tx that cannot send the claim
// later claims first, and reads only for a key it claimed.
func TestDoKeepingAfterReadSendsTheClaimWithTheRead(t *testing.T) {
	ctx := context.Background()
	tx := &pipedTx{memTx: memTx{}}
	reads, runs := 0, 0
	read := func() error { reads++; tx.send(); return nil }
	fn := func() (int, error) { runs++; return 7, nil }
	got, refused, replayed, err := DoKeepingAfterRead(ctx, tx, "s", "k1", "req", read, fn)
	if err != nil || refused != nil || replayed || got != 7 || reads != 1 || runs != 1 || tx.sends != 1 {
		t.Fatalf("first: %d, refused %v, replayed %v, %v; %d reads, %d runs, %d exchanges", got, refused, replayed, err, reads, runs, tx.sends)
	}
	closed := apperr.R(apperr.Conflict, "campaign_not_open", "This campaign is not open for claims.")
	refusingRead := func() error { reads++; tx.send(); return closed }
	got, refused, replayed, err = DoKeepingAfterRead(ctx, tx, "s", "k1", "req", refusingRead, fn)
	if err != nil || refused != nil || !replayed || got != 7 || runs != 1 {
		t.Fatalf("replay whose read refuses: %d, refused %v, replayed %v, %v; %d runs", got, refused, replayed, err, runs)
	}
	_, refused, replayed, err = DoKeepingAfterRead(ctx, tx, "s", "k2", "req", refusingRead, fn)
	if err != nil || refused != closed || replayed || runs != 1 {
		t.Fatalf("a read's refusal: refused %v, replayed %v, %v; %d runs", refused, replayed, err, runs)
	}
	_, refused, replayed, err = DoKeeping(ctx, tx.memTx, "s", "k2", "req", fn)
	if err != nil || !apperr.Has(refused, apperr.Conflict) || apperr.ReasonOf(refused) != "campaign_not_open" || !replayed || runs != 1 {
		t.Fatalf("replay of a read's refusal: refused %v, replayed %v, %v; %d runs", refused, replayed, err, runs)
	}
	failing := errors.New("connection lost")
	if _, _, _, err := DoKeepingAfterRead(ctx, tx, "s", "k3", "req", func() error { tx.send(); return failing }, fn); !errors.Is(err, failing) {
		t.Fatalf("a read that fails: %v", err)
	}
	// Claimed first, then read, on a Tx that sends each statement alone.
	plain := memTx{}
	reads = 0
	if _, _, replayed, err := DoKeepingAfterRead(ctx, plain, "s", "k1", "req", func() error { reads++; return nil }, fn); err != nil || replayed || reads != 1 {
		t.Fatalf("first on a plain Tx: replayed %v, %v, %d reads", replayed, err, reads)
	}
	if got, _, replayed, err := DoKeepingAfterRead(ctx, plain, "s", "k1", "req", func() error { reads++; return nil }, fn); err != nil || !replayed || got != 7 || reads != 1 {
		t.Fatalf("replay on a plain Tx: %d, replayed %v, %v, %d reads", got, replayed, err, reads)
	}
}

// A refusal marked AfterWrites is not kept in its transaction, which
// would commit what the operation wrote: DoKeeping fails with it, the key
// holds no answer, and LateRefusal gives the refusal back for the caller
// to keep in a transaction of its own (KeepRefusal), which a retry then
// replays.
func TestRefusalAfterWritesIsKeptApart(t *testing.T) {
	ctx := context.Background()
	tx := memTx{}
	taken := apperr.R(apperr.Conflict, "seat_taken", "Seat A/1 has just been taken.")
	_, refused, replayed, err := DoKeeping(ctx, tx, "s", "k1", "req", func() (int, error) { return 0, AfterWrites(taken) })
	if refused != nil || replayed || err == nil || Keeps(err) {
		t.Fatalf("a refusal after writes: refused %v, replayed %v, err %v", refused, replayed, err)
	}
	if r := tx["s\x00k1"]; len(r.resp) != 0 {
		t.Fatalf("the key holds %q, want no answer", r.resp)
	}
	got, late := LateRefusal(err)
	if !late || got != taken {
		t.Fatalf("LateRefusal(%v) = %v, %v", err, got, late)
	}
	if _, late := LateRefusal(taken); late {
		t.Fatal("a plain refusal read as one after writes")
	}
	fresh := memTx{} // the rolled-back transaction took its key with it
	if _, refused, replayed, err := KeepRefusal[int](ctx, fresh, "s", "k1", "req", got); refused != taken || replayed || err != nil {
		t.Fatalf("kept apart: refused %v, replayed %v, %v", refused, replayed, err)
	}
	if _, refused, replayed, err := DoKeeping(ctx, fresh, "s", "k1", "req", func() (int, error) { return 1, nil }); apperr.ReasonOf(refused) != "seat_taken" || !replayed || err != nil {
		t.Fatalf("retry: refused %v, replayed %v, %v", refused, replayed, err)
	}
}
