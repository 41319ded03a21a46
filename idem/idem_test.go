package idem

import (
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
	} {
		if Keeps(e) {
			t.Errorf("%v is kept", e)
		}
		if _, err := EncodeRefusal(e); err == nil {
			t.Errorf("%v encoded as a kept refusal", e)
		}
	}
}
