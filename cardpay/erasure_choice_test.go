package cardpay_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/wallet"
)

// An erasure refused for want of a choice says what can be chosen, by the
// rule the privacy page offers the choices by: the cards and the city when
// all of the credit can go back to a card; when only part can, how much
// goes back and how much goes to the city whatever the choice; when none
// can, only the city. The cards chosen then are refused too (credit_choice,
// saying so), nothing happening, where they sent all the credit to the
// city while the refusal had offered them.
func TestErasureCreditChoiceSaysWhatIsPossible(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		ctx := context.Background()
		s := newService(t, db)
		clock := time.Now().UTC()
		s.SetClock(func() time.Time { return clock })
		// 10.01 € topped up yesterday; 10.02 € two days ago and 3.00 €
		// from the city; 12.00 € topped up 200 days ago, past the window.
		all := citizenWithCredit(t, db, s, &clock, "acc_all", 0, map[string]int{"pi_all": 1})
		part := citizenWithCredit(t, db, s, &clock, "acc_part", 300, map[string]int{"pi_part": 2})
		none := citizenWithCredit(t, db, s, &clock, "acc_none", 0, map[string]int{"pi_none": 200})

		refused := func(c identity.Caller, choice string, says ...string) {
			t.Helper()
			_, err := s.EraseAccount(ctx, c, choice)
			if apperr.CodeOf(err) != apperr.Invalid || apperr.ReasonOf(err) != "credit_choice" {
				t.Fatalf("%s, choice %q: %v, want credit_choice", c.AccountID, choice, err)
			}
			for _, s := range says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("%s, choice %q: %q does not say %q", c.AccountID, choice, err.Error(), s)
				}
			}
			var kept identity.Account
			if err := db.Identity().View(ctx, func(tx identity.Tx) error {
				var err error
				kept, err = tx.AccountByID(ctx, c.AccountID)
				return err
			}); err != nil || !kept.DeletedAt.IsZero() {
				t.Fatalf("%s erased by a refused erasure: %+v, %v", c.AccountID, kept, err)
			}
		}
		refused(all, "", "10.01 EUR of credit left: choose whether it goes back to your cards or to the city")
		refused(part, "", "13.02 EUR of credit left", "10.02 EUR of it goes back to your cards", "the other 3.00 EUR cannot", "or all of it goes to the city")
		refused(none, "", "12.00 EUR of credit left, and none of it can go back to a card", "more than 180 days old", "it can only go to the city")
		refused(none, cardpay.CreditToCards, "none of it can go back to a card", "it can only go to the city")
		for id, want := range map[string]int64{"acc_all": 1001, "acc_part": 1302, "acc_none": 1200} {
			if b := balance(t, db, wallet.CitizenAccount(id)); b != want {
				t.Fatalf("%s: credit %d after the refusals, want %d", id, b, want)
			}
		}

		// The cards, chosen where part can go back: that part to the card,
		// the rest to the city; the city, where none can: all of it.
		cityBefore := balance(t, db, wallet.CityFunding)
		if done, err := s.EraseAccount(ctx, part, cardpay.CreditToCards); err != nil || done.RefundableCents != 1002 {
			t.Fatalf("erase with part refundable, to the cards: %+v, %v", done, err)
		}
		if done, err := s.EraseAccount(ctx, none, cardpay.CreditToCity); err != nil || done.BalanceCents != 1200 {
			t.Fatalf("erase with none refundable, to the city: %+v, %v", done, err)
		}
		if got := balance(t, db, wallet.CityFunding) - cityBefore; got != 300+1200 {
			t.Fatalf("the city got %d, want %d", got, 300+1200)
		}
	})
}
