package browsertest

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"cityhub/apperr"
	"cityhub/cardpay"
	"cityhub/identity"
	"cityhub/store"
	"cityhub/vouchers"
	"cityhub/wallet"
	"cityhub/web"
	"cityhub/web/browsertest/pagetest"
	"cityhub/web/ui"
)

// hub is a hub's HTTP server on a real store (SQLite), with the real
// identity and wallet services and seeded accounts. Vouchers come from a
// small in-test source of wallet items with QR codes, so these tests do not
// depend on the vouchers rules.
type hub struct {
	URL      string
	DB       store.DB
	Identity *identity.Service
	// Vouchers and ShopID are set by startHubWithVouchers.
	Vouchers      *vouchers.Service
	ShopID        string
	AnnaVoucherID string

	Anna, Bruno, Shop, Admin, Operator login
	// AnnaQRPath is the QR endpoint of Anna's voucher.
	AnnaQRPath    string
	AnnaItemTitle string
	// CameraFile is an MJPEG of a QR code holding CameraCode, for
	// Chromium's fake camera.
	CameraFile string
	CameraCode string
}

type login struct {
	AccountID, Email, Password string
}

const testPassword = "una password lunga 2026"

func startHub(t *testing.T) *hub { t.Helper(); return newHub(t, false) }

// startHubWithVouchers is startHub with the real vouchers service behind the
// wallet's voucher cards: an open campaign, a shop, and a voucher Anna claimed.
func startHubWithVouchers(t *testing.T) *hub { t.Helper(); return newHub(t, true) }

func newHub(t *testing.T, realVouchers bool) *hub {
	t.Helper()
	ctx := context.Background()
	base := pagetest.NewHub(t)
	log, db, keys, ids, wal := base.Log, base.DB, base.Keys, base.IDs, base.Wallet
	h := &hub{DB: db, Identity: ids, AnnaItemTitle: "Buono Libreria Masone"}

	newAccount := func(name, email string, grants ...identity.Grant) login {
		t.Helper()
		n := identity.NewAccount{Email: email, Password: testPassword, Name: name, Locale: "it"}
		var a identity.Account
		var err error
		if len(grants) == 0 {
			a, err = ids.Register(ctx, n)
		} else {
			n.Grants = grants
			a, err = ids.CreateAccount(ctx, identity.Caller{AccountID: "acc_seed", Grants: []identity.Grant{{Role: identity.RoleAdmin}}}, n)
		}
		if err != nil {
			t.Fatalf("create %s: %v", email, err)
		}
		return login{AccountID: a.ID, Email: email, Password: testPassword}
	}
	h.Anna = newAccount("Anna Esposito", "anna@example.org")
	h.Bruno = newAccount("Bruno Romano", "bruno@example.org")
	if !realVouchers {
		h.Shop = newAccount("Libreria Masone", "cassa@libreria.example", identity.Grant{Role: identity.RoleMerchant, Scope: "shop_masone"})
	}
	h.Admin = newAccount("Ufficio Commercio", "commercio@comune.example", identity.Grant{Role: identity.RoleAdmin})
	h.Operator = newAccount("Operatore Bici", "bici@comune.example", identity.Grant{Role: identity.RoleOperator})

	if _, err := wal.Post(ctx, wallet.Transaction{
		Key: "seed-topup-anna", Kind: "topup", Memo: "Ricarica di prova",
		Entries: []wallet.Entry{{Account: wallet.TestPayments, Amount: -123450}, {Account: wallet.CitizenAccount(h.Anna.AccountID), Amount: 123450}},
	}); err != nil {
		t.Fatalf("top up Anna: %v", err)
	}

	var qr ui.QRSource
	if realVouchers {
		h.Vouchers = vouchers.NewService(db.Vouchers(), keys, log)
		admin := identity.Caller{AccountID: h.Admin.AccountID, Grants: []identity.Grant{{Role: identity.RoleAdmin}}}
		shop, err := h.Vouchers.CreateShop(ctx, admin, vouchers.Shop{Name: "Libreria Masone", Address: "Corso Garibaldi 1, Benevento",
			District: "centro", Category: "books", IBAN: "IT60 X054 2811 1010 0000 0123 456"})
		if err != nil {
			t.Fatalf("create shop: %v", err)
		}
		h.ShopID = shop.ID
		h.Shop = newAccount("Libreria Masone", "cassa@libreria.example", identity.Grant{Role: identity.RoleMerchant, Scope: shop.ID})
		camp, err := h.Vouchers.CreateCampaign(ctx, admin, vouchers.Campaign{Name: h.AnnaItemTitle, BudgetCents: 100000, FaceValueCents: 1000,
			PerCitizenLimit: 1, ValidFrom: time.Now().Add(-time.Hour), ValidUntil: time.Now().Add(30 * 24 * time.Hour), Districts: []string{"centro"}})
		if err != nil {
			t.Fatalf("create campaign: %v", err)
		}
		if _, err := h.Vouchers.SetCampaignStatus(ctx, admin, camp.ID, vouchers.StatusOpen); err != nil {
			t.Fatalf("open campaign: %v", err)
		}
		v, err := h.Vouchers.Claim(ctx, identity.Caller{AccountID: h.Anna.AccountID, Grants: []identity.Grant{{Role: identity.RoleCitizen}}}, camp.ID)
		if err != nil {
			t.Fatalf("claim: %v", err)
		}
		wal.RegisterItems("voucher", h.Vouchers)
		qr = h.Vouchers
		h.AnnaQRPath = "/wallet/items/voucher/" + v.ID + "/qr.png"
		h.AnnaVoucherID = v.ID
		// The shop's camera will show Anna's voucher as her phone does.
		tok, _, _, err := h.Vouchers.QRToken(ctx, h.Anna.AccountID, v.ID)
		if err != nil {
			t.Fatalf("voucher token: %v", err)
		}
		h.CameraCode = tok
	} else {
		vs := &testVouchers{owner: map[string]string{}, title: map[string]string{}}
		vs.add("vch_anna_1", h.Anna.AccountID, h.AnnaItemTitle)
		vs.add("vch_bruno_1", h.Bruno.AccountID, "Buono Bar Traiano")
		wal.RegisterItems("voucher", vs)
		qr = vs
		h.AnnaQRPath = "/wallet/items/voucher/vch_anna_1/qr.png"
	}

	if h.CameraCode == "" {
		h.CameraCode = "CH1:CAMERA-TEST-" + randomCode(8)
	}
	h.CameraFile = pagetest.WriteCameraFile(t, h.CameraCode)

	deps := web.Deps{
		Log: log, PublicURL: "http://cityhub.test", Version: "test",
		Identity: ids, Keys: keys, Wallet: wal,
		// Erasing an account on the privacy page settles its credit here.
		CardPayments: cardpay.NewService(db.CardPayments(), nil, log),
		QR:           map[string]ui.QRSource{"voucher": qr},
		ScanTargets:  map[identity.Role]ui.ScanTarget{identity.RoleMerchant: {Endpoint: "/test/scan", AskAmount: true}},
		// The open data page then offers the catalogue too.
		City: ui.City{IPACode: "c_a783"},
	}
	if realVouchers {
		deps.Vouchers = h.Vouchers
		deps.ScanTargets = map[identity.Role]ui.ScanTarget{identity.RoleMerchant: {Endpoint: ui.VoucherScanEndpoint, AskAmount: true}}
	}
	srv := web.New(deps)
	mux := http.NewServeMux()
	mux.Handle("/", srv)
	mux.HandleFunc("POST /test/scan", scanEndpoint)
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	h.URL = ts.URL
	return h
}

func (h *hub) assertAccountExists(t *testing.T, id string) {
	t.Helper()
	a, err := h.Identity.Account(context.Background(), id)
	if err != nil {
		t.Fatalf("account %s: %v", id, err)
	}
	if a.Email == "" || a.Email != h.Anna.Email {
		t.Fatalf("account %s was changed: %+v", id, a)
	}
}

// testVouchers are wallet items with rotating QR codes. Every QRToken call
// mints a new token and typed code, as the real vouchers do.
type testVouchers struct {
	mu    sync.Mutex
	owner map[string]string
	title map[string]string
}

func (v *testVouchers) add(id, owner, title string) {
	v.owner[id], v.title[id] = owner, title
}

func (v *testVouchers) WalletItems(ctx context.Context, accountID string) ([]wallet.Item, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []wallet.Item
	for id, owner := range v.owner {
		if owner == accountID {
			value := int64(2500)
			exp := time.Date(2026, 12, 31, 22, 59, 0, 0, time.UTC)
			out = append(out, wallet.Item{Kind: "voucher", ID: id, Title: v.title[id], Subtitle: "Natale in città", Status: "active",
				Value: &value, Expires: &exp, At: time.Now(), HasQR: true})
		}
	}
	return out, nil
}

func (v *testVouchers) QRToken(ctx context.Context, accountID, itemID string) (string, string, time.Time, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.owner[itemID] != accountID {
		return "", "", time.Time{}, apperr.E(apperr.NotFound, "No such voucher.")
	}
	code := randomCode(12)
	// A short life, so the page's own timer renews the code within seconds.
	return "CH1:" + randomCode(60), code[:4] + "-" + code[4:8] + "-" + code[8:], time.Now().Add(15 * time.Second), nil
}

func randomCode(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)[:n]
}

// scanEndpoint stands in for the vouchers' redemption endpoint: it answers
// the scanner page's JSON the way the page expects.
func scanEndpoint(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Code   string `json:"code"`
		Amount int64  `json:"amount_cents"`
	}
	if r.Header.Get("X-CSRF-Token") == "" || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "missing CSRF token or JSON", http.StatusForbidden)
		return
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if in.Code == "USED-CODE" {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusConflict)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": 409, "code": "conflict", "detail": "Buono già usato il 3 dicembre alle 10:12."})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"message": fmt.Sprintf("%s: %d", in.Code, in.Amount)})
}
