package vouchers_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/internal/testutil"
	"cityhub/store"
	"cityhub/store/storetest"
	"cityhub/vouchers"
)

// A shop registered twice (same name at the same address, whatever the
// letter case and spacing) is refused and nothing is stored; a branch of
// the same name at another address is a shop of its own.
func TestDuplicateShopRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		first := f.shop("Forno Traiano", "centro", "food")
		again := vouchers.Shop{Name: "  forno   TRAIANO ", Address: "corso garibaldi 1,  benevento", District: "centro", Category: "food", IBAN: first.IBAN}
		again.District = "liberta" // another district does not make it another shop
		_, err := f.svc.CreateShop(f.ctx, admin, again)
		if !apperr.Has(err, apperr.Conflict) || apperr.ReasonOf(err) != "shop_duplicate" {
			t.Fatalf("duplicate shop: %v", err)
		}
		if shops, _ := f.svc.Shops(f.ctx, vouchers.ShopFilter{}); len(shops) != 1 {
			t.Fatalf("a refused shop was stored: %+v", shops)
		}
		branch := again
		branch.Address = "Viale Mellusi 40, Benevento"
		b, err := f.svc.CreateShop(f.ctx, admin, branch)
		if err != nil {
			t.Fatalf("branch at another address: %v", err)
		}
		// Moving the branch onto the first shop's address is the same mistake.
		b.Address = first.Address
		if _, err := f.svc.UpdateShop(f.ctx, admin, b); apperr.ReasonOf(err) != "shop_duplicate" {
			t.Fatalf("update onto a duplicate: %v", err)
		}
	})
}

// Registrations of one shop racing each other all pass the check that
// reads the shops, so the store's unique index decides: exactly one is
// created, and every other gets the refusal the check gives.
func TestConcurrentDuplicateShopsMakeOne(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		const n = 16
		names := []string{"Forno Traiano", "FORNO  traiano", "forno Traiano"}
		start := make(chan struct{})
		var wg sync.WaitGroup
		var created, refused atomic.Int32
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := f.svc.CreateShop(f.ctx, admin, vouchers.Shop{Name: names[i%len(names)], Address: "Via Traiano 3", District: "centro",
					Category: "food", IBAN: "IT60 X054 2811 1010 0000 0123 456"})
				switch {
				case err == nil:
					created.Add(1)
				case apperr.Has(err, apperr.Conflict) && apperr.ReasonOf(err) == "shop_duplicate":
					refused.Add(1)
				default:
					t.Errorf("create shop %d: %v", i, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if created.Load() != 1 || refused.Load() != n-1 {
			t.Fatalf("%d created, %d refused; want 1 and %d", created.Load(), refused.Load(), n-1)
		}
		if shops, _ := f.svc.Shops(f.ctx, vouchers.ShopFilter{}); len(shops) != 1 {
			t.Fatalf("shops stored: %+v", shops)
		}
	})
}

// ShopKey is the check's comparison put in a column: equal keys exactly
// when strings.EqualFold says so. Each rune's key is a member of its own
// case-folding orbit (so two orbits never share a key) and the same for
// every member of the orbit.
func TestShopKeyIsEqualFold(t *testing.T) {
	t.Parallel()
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if unicode.IsSpace(r) || !utf8.ValidRune(r) {
			continue
		}
		key := vouchers.ShopKey(string(r), "")
		k, _ := utf8.DecodeRuneInString(key)
		if !strings.EqualFold(string(k), string(r)) || len(key) != utf8.RuneLen(k)+1 {
			t.Fatalf("key of %U is %q, outside its orbit", r, key)
		}
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if other := vouchers.ShopKey(string(f), ""); other != key {
				t.Fatalf("%U and %U fold together but key %q and %q", r, f, key, other)
			}
		}
	}
	for _, c := range []struct {
		a, b [2]string
		same bool
	}{
		{[2]string{"Caffè Roma", "Via Roma 1"}, [2]string{"  CAFFÈ\troma ", "via  roma 1"}, true},
		{[2]string{"Forno", "Via A"}, [2]string{"Forno", "Via B"}, false},
		{[2]string{"Forno Via", "A"}, [2]string{"Forno", "Via A"}, false},
		{[2]string{"İzmir", "x"}, [2]string{"izmir", "x"}, false},
		{[2]string{"Kelvin", "x"}, [2]string{"\u212Aelvin", "x"}, true},
	} {
		if got := vouchers.ShopKey(c.a[0], c.a[1]) == vouchers.ShopKey(c.b[0], c.b[1]); got != c.same {
			t.Errorf("%q and %q: same key %v, want %v", c.a, c.b, got, c.same)
		}
	}
}

// A shop, IBAN and all, is read by the city's administrators and by its
// own staff, no one else; whether an id is a shop's tells nothing more.
func TestShopReadByItsStaffAndTheCity(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		forno := f.shop("Forno Rossi", "centro", "food")
		bar := f.shop("Bar Sport", "liberta", "food")
		for name, c := range map[string]identity.Caller{"administrator": admin, "own staff": merchant(forno.ID)} {
			if sh, err := f.svc.Shop(f.ctx, c, forno.ID); err != nil || sh.ID != forno.ID || sh.IBAN == "" {
				t.Fatalf("%s reads the shop: %+v, %v", name, sh, err)
			}
		}
		_, err := f.svc.Shop(f.ctx, merchant(bar.ID), forno.ID)
		testutil.WantReason(t, err, apperr.Forbidden, "not_your_shop")
		_, err = f.svc.Shop(f.ctx, citizen(1), forno.ID)
		testutil.WantCode(t, err, apperr.Forbidden)
		if ok, err := f.svc.ShopExists(f.ctx, forno.ID); !ok || err != nil {
			t.Fatalf("an existing shop: %v, %v", ok, err)
		}
		if ok, err := f.svc.ShopExists(f.ctx, "shop_nobody"); ok || err != nil {
			t.Fatalf("no such shop: %v, %v", ok, err)
		}
	})
}

// Staff of several shops list the shops they work at, by name, and only
// those: not another shop, not a grant of another role, not a shop granted
// twice or gone. Anyone who is staff of no shop is refused.
func TestMyShopsListsTheCallersShops(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db store.DB) {
		f := newFixture(t, db)
		forno := f.shop("Forno Rossi", "centro", "food")
		bar := f.shop("bar Sport", "liberta", "food")
		f.shop("Cartoleria Verdi", "centro", "books")
		staff := identity.Caller{AccountID: "acc_staff", Grants: []identity.Grant{
			{Role: identity.RoleMerchant, Scope: forno.ID}, {Role: identity.RoleDoor, Scope: "perf_x"},
			{Role: identity.RoleMerchant, Scope: bar.ID}, {Role: identity.RoleMerchant, Scope: forno.ID},
			{Role: identity.RoleMerchant, Scope: "shop_gone"},
		}}
		got, err := f.svc.MyShops(f.ctx, staff)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, sh := range got {
			names = append(names, sh.Name)
		}
		if strings.Join(names, ", ") != "bar Sport, Forno Rossi" {
			t.Fatalf("the staff's shops: %q", names)
		}
		_, err = f.svc.MyShops(f.ctx, citizen(1))
		testutil.WantReason(t, err, apperr.Forbidden, "not_merchant")
		_, err = f.svc.MyShops(f.ctx, admin)
		testutil.WantReason(t, err, apperr.Forbidden, "not_merchant")
	})
}
