package vouchers_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/audit"
	"cityhub/identity"
	"cityhub/qrtoken"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
	"cityhub/wallet"
)

// clock is a settable test clock, safe for concurrent readers.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock    { c := &clock{}; c.ns.Store(t.UnixNano()); return c }
func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

var start = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)

var (
	admin = identity.Caller{AccountID: "acc_admin", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
)

func citizen(n int) identity.Caller {
	return identity.Caller{AccountID: fmt.Sprintf("acc_citizen%03d", n), Grants: []identity.Grant{{Role: identity.RoleCitizen}}}
}

func merchant(shopID string) identity.Caller {
	return identity.Caller{AccountID: "acc_staff_" + shopID, Grants: []identity.Grant{{Role: identity.RoleMerchant, Scope: shopID}}}
}

type fixture struct {
	t     *testing.T
	ctx   context.Context
	db    store.DB
	svc   *vouchers.Service
	keys  *qrtoken.MemKeys
	clock *clock
}

func newFixture(t *testing.T, db store.DB) *fixture {
	t.Helper()
	keys := qrtoken.NewMemKeys()
	keys.Generate("qr-test", qrtoken.Purpose)
	svc := vouchers.NewService(db.Vouchers(), keys, storetest.Logger(t))
	c := newClock(start)
	svc.SetClock(c.Now)
	ctx := audit.WithOrigin(context.Background(), audit.Origin{IP: "192.0.2.7", Device: "till-1"})
	return &fixture{t: t, ctx: ctx, db: db, svc: svc, keys: keys, clock: c}
}

func (f *fixture) shop(name, district, category string) vouchers.Shop {
	f.t.Helper()
	s, err := f.svc.CreateShop(f.ctx, admin, vouchers.Shop{Name: name, Address: "Corso Garibaldi 1, Benevento", District: district, Category: category, IBAN: "IT60 X054 2811 1010 0000 0123 456"})
	if err != nil {
		f.t.Fatalf("create shop: %v", err)
	}
	return s
}

func (f *fixture) campaign(c vouchers.Campaign) vouchers.Campaign {
	f.t.Helper()
	if c.Name == "" {
		c.Name = "Natale in contrada"
	}
	if c.PerCitizenLimit == 0 {
		c.PerCitizenLimit = 1
	}
	c.ValidFrom, c.ValidUntil = start.Add(-24*time.Hour), start.Add(30*24*time.Hour)
	c, err := f.svc.CreateCampaign(f.ctx, admin, c)
	if err != nil {
		f.t.Fatalf("create campaign: %v", err)
	}
	if c, err = f.svc.SetCampaignStatus(f.ctx, admin, c.ID, vouchers.StatusOpen); err != nil {
		f.t.Fatalf("open campaign: %v", err)
	}
	return c
}

func (f *fixture) claim(who identity.Caller, campaignID string) vouchers.VoucherView {
	f.t.Helper()
	v, err := f.svc.Claim(f.ctx, who, campaignID)
	if err != nil {
		f.t.Fatalf("claim: %v", err)
	}
	return v
}

func (f *fixture) token(who identity.Caller, voucherID string) string {
	f.t.Helper()
	tok, err := f.svc.FreshToken(f.ctx, who, voucherID)
	if err != nil {
		f.t.Fatalf("fresh token: %v", err)
	}
	return tok.Token
}

func (f *fixture) balance(id wallet.AccountID) int64 {
	f.t.Helper()
	var bal int64
	err := f.db.Vouchers().View(f.ctx, func(tx vouchers.Tx) error {
		a, err := tx.Account(f.ctx, id)
		if err != nil {
			return err
		}
		sum, err := tx.SumEntries(f.ctx, id)
		if err != nil {
			return err
		}
		if sum != a.Balance {
			return fmt.Errorf("account %s: cached balance %d, entries %d", id, a.Balance, sum)
		}
		bal = a.Balance
		return nil
	})
	if err != nil {
		f.t.Fatalf("balance: %v", err)
	}
	return bal
}
