package ticketing_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/qrtoken"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/ticketing"
)

func TestCheckInRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		va := f.venue("Teatro A", 2)
		vb := f.venue("Teatro B", 2)
		p := f.performance(va.ID)
		buyer := citizen(1)
		f.credit(100_00, buyer)
		_, ts := f.buy(buyer, p.ID, "Platea/A/1")
		f.atTheDoor(p)
		tok, err := f.svc.FreshToken(f.ctx, buyer, ts[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		// Door staff of venue B cannot check in a ticket of venue A, nor
		// choose venue A's performance.
		pb := f.performance(vb.ID)
		if _, err := f.svc.CheckIn(f.ctx, door(vb.ID), pb.ID, tok.Token); apperr.ReasonOf(err) != "not_your_venue" {
			t.Fatalf("venue B's door: %v", err)
		}
		if _, err := f.svc.CheckIn(f.ctx, door(vb.ID), pb.ID, ts[0].TypedCode); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("venue B's door, typed code: %v", err)
		}
		if _, err := f.svc.CheckIn(f.ctx, door(vb.ID), p.ID, tok.Token); apperr.ReasonOf(err) != "not_your_performance" {
			t.Fatalf("venue B's door choosing venue A's performance: %v", err)
		}
		if _, err := f.svc.CheckIn(f.ctx, door(va.ID), "", tok.Token); apperr.ReasonOf(err) != "performance_missing" {
			t.Fatalf("no performance chosen: %v", err)
		}
		if _, err := f.svc.CheckIn(f.ctx, door(va.ID), "prf_nope", tok.Token); apperr.ReasonOf(err) != "performance_not_found" {
			t.Fatalf("unknown performance: %v", err)
		}
		// A citizen is not door staff.
		if _, err := f.svc.CheckIn(f.ctx, buyer, p.ID, tok.Token); !apperr.Has(err, apperr.Forbidden) {
			t.Fatalf("citizen at the door: %v", err)
		}
		// A forged token: signed by a key the hub does not know.
		other := qrtoken.NewMemKeys()
		other.Generate("qr-test", qrtoken.Purpose)
		forged, err := qrtoken.Sign(other, qrtoken.KindTicket, ts[0].ID, start.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CheckIn(f.ctx, door(va.ID), p.ID, forged); apperr.ReasonOf(err) != "qr_invalid" {
			t.Fatalf("forged token: %v", err)
		}
		// A voucher token for the ticket's id is of the wrong kind.
		wrongKind, _ := qrtoken.Sign(f.keys, qrtoken.KindVoucher, ts[0].ID, start.Add(time.Minute))
		if _, err := f.svc.CheckIn(f.ctx, door(va.ID), p.ID, wrongKind); apperr.ReasonOf(err) != "qr_invalid" {
			t.Fatalf("voucher token: %v", err)
		}
		// A typed code that is no ticket's.
		code, _ := qrtoken.NewCode()
		if _, err := f.svc.CheckIn(f.ctx, door(va.ID), p.ID, code); !apperr.Has(err, apperr.NotFound) {
			t.Fatalf("unknown code: %v", err)
		}
		if _, err := f.svc.CheckIn(f.ctx, door(va.ID), p.ID, "not a code"); !apperr.Has(err, apperr.Invalid) {
			t.Fatalf("malformed code: %v", err)
		}
		// The genuine token, after it expired.
		f.clock.Advance(qrtoken.RotatingTTL + ticketing.TokenLeeway + time.Second)
		if _, err := f.svc.CheckIn(f.ctx, door(va.ID), p.ID, tok.Token); apperr.ReasonOf(err) != "qr_expired" {
			t.Fatalf("expired token: %v", err)
		}
		// Nothing of the above checked the ticket in.
		vt, err := f.svc.VerifyTicket(f.ctx, door(va.ID), p.ID, ts[0].TypedCode)
		if err != nil || vt.Status != ticketing.TicketValid {
			t.Fatalf("ticket after refusals: %+v %v", vt, err)
		}
		// The door sees what the ticket admits to, not its code nor who
		// bought it.
		seen, err := json.Marshal(vt)
		if err != nil {
			t.Fatal(err)
		}
		for _, field := range []string{`"code"`, `"account_id"`, `"order_id"`, `"price_cents"`} {
			if strings.Contains(string(seen), field) {
				t.Fatalf("door staff see %s: %s", field, seen)
			}
		}
		if vt.ID != ts[0].ID || vt.Section == "" || vt.Title == "" {
			t.Fatalf("the door's ticket does not say what it admits to: %s", seen)
		}
		res, err := f.svc.CheckIn(f.ctx, door(va.ID), p.ID, ts[0].TypedCode)
		if err != nil || res.Ticket.Status != ticketing.TicketCheckedIn {
			t.Fatalf("check in: %+v %v", res, err)
		}
	})
}

// Guessing typed codes at the door is limited per staff account, in the
// database; scanned tokens still work.
func TestTypedCodeGuessingIsLimited(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		v := f.venue("Teatro Verdi", 2)
		p := f.performance(v.ID)
		buyer := citizen(1)
		f.credit(100_00, buyer)
		_, ts := f.buy(buyer, p.ID, "Platea/A/1")
		f.atTheDoor(p)
		staff := door(v.ID)
		race(ticketing.MaxCodeFailures, 4, func(int) {
			code, _ := qrtoken.NewCode()
			if _, err := f.svc.CheckIn(f.ctx, staff, p.ID, code); apperr.ReasonOf(err) != "code_unknown" {
				t.Errorf("wrong code: %v", err)
			}
		})
		_, err := f.svc.CheckIn(f.ctx, staff, p.ID, ts[0].TypedCode)
		if !apperr.Has(err, apperr.RateLimited) {
			t.Fatalf("after %d wrong codes: %v", ticketing.MaxCodeFailures, err)
		}
		// Told to wait the window, after which every counted failure has
		// expired, as the clock's advance below shows.
		if apperr.RetryAfterOf(err) != ticketing.CodeFailureWindow {
			t.Fatalf("too many codes: no Retry-After of %v: %v", ticketing.CodeFailureWindow, err)
		}
		tok, err := f.svc.FreshToken(f.ctx, buyer, ts[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CheckIn(f.ctx, staff, p.ID, tok.Token); err != nil {
			t.Fatalf("scanned token while typing is limited: %v", err)
		}
		f.clock.Advance(ticketing.CodeFailureWindow + time.Second)
		if _, err := f.svc.CheckIn(f.ctx, door(v.ID), p.ID, ts[0].TypedCode); apperr.ReasonOf(err) != "already_checked_in" {
			t.Fatalf("after the window: %v", err)
		}
	})
}
