package qrtoken

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"cityhub/apperr"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func mustKeys(t testing.TB) *MemKeys {
	t.Helper()
	k := NewMemKeys()
	k.Generate("qr-2026-11", Purpose)
	return k
}

func mustSign(t testing.TB, k Keys, kind Kind, id string, exp time.Time) string {
	t.Helper()
	tok, err := Sign(k, kind, id, exp)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return tok
}

func TestSignVerifyRoundTrip(t *testing.T) {
	k := mustKeys(t)
	tok := mustSign(t, k, KindVoucher, "vch_7z3kq9m2x4hbtzc0r5n8p1wyd6", t0.Add(90*time.Second))
	if !strings.HasPrefix(tok, Prefix) {
		t.Fatalf("token %q lacks prefix", tok)
	}
	c, err := Verify(k, tok, KindVoucher, t0, 0)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	want := Claims{KeyID: "qr-2026-11", Kind: KindVoucher, ObjectID: "vch_7z3kq9m2x4hbtzc0r5n8p1wyd6", ExpiresAt: t0.Add(90 * time.Second)}
	if c != want {
		t.Fatalf("claims = %+v, want %+v", c, want)
	}
}

// A rotating token's answer gives its expiry and the time to fetch the
// next in whole seconds, the next well before the expiry, and the token
// verifies until it expires.
func TestIssueRotatingInWholeSeconds(t *testing.T) {
	k := mustKeys(t)
	now := t0.Add(123456789 * time.Nanosecond)
	r, err := IssueRotating(k, KindVoucher, "vch_7z3kq9m2x4hbtzc0r5n8p1wyd6", now)
	if err != nil {
		t.Fatal(err)
	}
	if r.ExpiresAt.Nanosecond() != 0 || r.RefreshAfter.Nanosecond() != 0 || !r.RefreshAfter.Before(r.ExpiresAt) ||
		r.RefreshAfter.Before(now) || r.RefreshAfter.After(now.Add(RotatingRefresh)) {
		t.Fatalf("issued at %s: expires %s, refresh after %s", now, r.ExpiresAt, r.RefreshAfter)
	}
	if _, err := Verify(k, r.Token, KindVoucher, r.ExpiresAt.Add(-time.Second), 0); err != nil {
		t.Fatalf("verify before its expiry: %v", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	k := mustKeys(t)
	exp := t0.Add(90 * time.Second)
	good := mustSign(t, k, KindVoucher, "vch_abc", exp)
	body, _ := textEncoding.DecodeString(strings.TrimPrefix(good, Prefix))

	other := NewMemKeys()
	other.Generate("qr-2026-11", Purpose) // same kid, another key: a forger's
	forged := mustSign(t, other, KindVoucher, "vch_abc", exp)

	unknown := NewMemKeys()
	unknown.Generate("qr-other", Purpose)
	unknownTok := mustSign(t, unknown, KindVoucher, "vch_abc", exp)

	// A key of another purpose (access tokens) that the keyring also knows.
	k.Generate("jwt-1", "access")
	wrongPurpose := NewMemKeys()
	wrongPurpose.current[Purpose] = "jwt-1"
	k.mu.RLock()
	wrongPurpose.priv["jwt-1"] = k.priv["jwt-1"]
	k.mu.RUnlock()
	wrongPurposeTok := mustSign(t, wrongPurpose, KindVoucher, "vch_abc", exp)
	k.current[Purpose] = "qr-2026-11"

	altered := append([]byte(nil), body...)
	altered[len(altered)-ed25519.SignatureSize-1] ^= 1 // last byte of the object id
	longer := append([]byte(nil), body...)
	binary.BigEndian.PutUint32(longer[2:6], uint32(exp.Add(time.Hour).Unix()))
	v2 := append([]byte(nil), body...)
	v2[0] = 2

	ticket := mustSign(t, k, KindTicket, "tkt_abc", exp)

	cases := []struct {
		name  string
		text  string
		kind  Kind
		now   time.Time
		cause error
		code  apperr.Code
	}{
		{"forged with same key id", forged, KindVoucher, t0, ErrSignature, apperr.Invalid},
		{"altered object id", Prefix + textEncoding.EncodeToString(altered), KindVoucher, t0, ErrSignature, apperr.Invalid},
		{"extended expiry", Prefix + textEncoding.EncodeToString(longer), KindVoucher, t0, ErrSignature, apperr.Invalid},
		{"unknown key", unknownTok, KindVoucher, t0, ErrUnknownKey, apperr.Invalid},
		{"key of another purpose", wrongPurposeTok, KindVoucher, t0, ErrUnknownKey, apperr.Invalid},
		{"expired", good, KindVoucher, exp.Add(time.Second), ErrExpired, apperr.Conflict},
		{"ticket shown as voucher", ticket, KindVoucher, t0, ErrKind, apperr.Invalid},
		{"version 2 body", Prefix + textEncoding.EncodeToString(v2), KindVoucher, t0, ErrVersion, apperr.Invalid},
		{"version 2 prefix", "CH2:" + strings.TrimPrefix(good, Prefix), KindVoucher, t0, ErrVersion, apperr.Invalid},
		{"lower case", strings.ToLower(good), KindVoucher, t0, ErrMalformed, apperr.Invalid},
		{"truncated", good[:len(good)-4], KindVoucher, t0, ErrMalformed, apperr.Invalid},
		{"trailing garbage", good + "AAAA", KindVoucher, t0, ErrMalformed, apperr.Invalid},
		{"empty", "", KindVoucher, t0, ErrMalformed, apperr.Invalid},
		{"a JWT", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", KindVoucher, t0, ErrMalformed, apperr.Invalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := check(k, tc.text, tc.kind, tc.now, 0)
			if !errors.Is(err, tc.cause) {
				t.Fatalf("check: %v, want %v", err, tc.cause)
			}
			_, err = Verify(k, tc.text, tc.kind, tc.now, 0)
			if apperr.CodeOf(err) != tc.code {
				t.Fatalf("Verify code = %s (%v), want %s", apperr.CodeOf(err), err, tc.code)
			}
		})
	}
}

func TestLeeway(t *testing.T) {
	k := mustKeys(t)
	exp := t0.Add(90 * time.Second)
	tok := mustSign(t, k, KindVoucher, "vch_abc", exp)
	if _, err := Verify(k, tok, KindVoucher, exp.Add(4*time.Second), 5*time.Second); err != nil {
		t.Fatalf("within leeway: %v", err)
	}
	if _, err := Verify(k, tok, KindVoucher, exp.Add(6*time.Second), 5*time.Second); !apperr.Has(err, apperr.Conflict) {
		t.Fatalf("past leeway: %v", err)
	}
}

// The largest real payload (longest key id and object id allowed) must fit a
// QR code of version 10 at level M, in alphanumeric mode.
func TestLargestTokenFitsQRVersion10M(t *testing.T) {
	k := NewMemKeys()
	k.Generate(strings.Repeat("k", MaxKeyIDLen), Purpose)
	tok := mustSign(t, k, KindTicket, strings.Repeat("t", MaxObjectIDLen), time.Unix(0xFFFFFFFF, 0))
	if len(tok) > MaxTextLen {
		t.Fatalf("token is %d characters, MaxTextLen %d", len(tok), MaxTextLen)
	}
	for _, r := range tok {
		if !strings.ContainsRune("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", r) {
			t.Fatalf("character %q is not QR alphanumeric", r)
		}
	}
	q, err := qrcode.New(tok, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	if q.VersionNumber > 10 {
		t.Fatalf("largest token (%d chars) needs QR version %d at level M, want <= 10", len(tok), q.VersionNumber)
	}
	t.Logf("largest token: %d characters, QR version %d-M", len(tok), q.VersionNumber)

	// A real voucher token (an ids.New id, a keyring kid: "qr-" and 12
	// characters of the key's thumbprint) is smaller still: docs/qr.md
	// gives its size.
	k2 := NewMemKeys()
	k2.Generate("qr-abcdefghijkl", Purpose)
	real := mustSign(t, k2, KindVoucher, "vch_06h41dttfg0qnaxeb0dznnf0jg", t0)
	q2, _ := qrcode.New(real, qrcode.Medium)
	if len(real) != 192 || q2.VersionNumber != 8 {
		t.Fatalf("voucher token: %d characters, QR version %d-M; docs/qr.md says 192 and 8-M", len(real), q2.VersionNumber)
	}
}

func TestSignRefusesBadInput(t *testing.T) {
	k := mustKeys(t)
	for name, fn := range map[string]func() error{
		"empty id":     func() error { _, err := Sign(k, KindVoucher, "", t0); return err },
		"long id":      func() error { _, err := Sign(k, KindVoucher, strings.Repeat("x", 41), t0); return err },
		"unknown kind": func() error { _, err := Sign(k, Kind(9), "x", t0); return err },
		"no key":       func() error { _, err := Sign(NewMemKeys(), KindVoucher, "x", t0); return err },
	} {
		if err := fn(); err == nil {
			t.Errorf("%s: Sign succeeded", name)
		}
	}
}

func TestTypedCodes(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		display, hash := NewCode()
		if len(display) != 21 || strings.Count(display, "-") != 4 {
			t.Fatalf("code %q is not 5 groups", display)
		}
		if seen[hash] {
			t.Fatalf("duplicate code %q", display)
		}
		seen[hash] = true
		got, err := ParseCode(display)
		if err != nil || got != hash {
			t.Fatalf("ParseCode(%q) = %q, %v", display, got, err)
		}
		// Typed sloppily: lower case, spaces, O for 0, l for 1.
		sloppy := strings.ToLower(strings.ReplaceAll(display, "-", " "))
		sloppy = strings.ReplaceAll(strings.ReplaceAll(sloppy, "0", "o"), "1", "l")
		if got, err := ParseCode(sloppy); err != nil || got != hash {
			t.Fatalf("ParseCode(%q) = %q, %v", sloppy, got, err)
		}
		// Every single wrong character is caught by the check character.
		raw := strings.ReplaceAll(display, "-", "")
		pos := i % len(raw)
		for _, c := range crockford {
			if byte(c) == raw[pos] {
				continue
			}
			bad := raw[:pos] + string(c) + raw[pos+1:]
			if _, err := ParseCode(bad); !apperr.Has(err, apperr.Invalid) {
				t.Fatalf("typo %q of %q accepted", bad, raw)
			}
		}
	}
	for _, bad := range []string{"", "ABCD", "7Q2M-X9KD-4HBT-ZC0R-5-6", "7Q2M-X9KD-4HBT-ZC0R-U", "ÀBCD-X9KD-4HBT-ZC0R-5"} {
		if _, err := ParseCode(bad); !apperr.Has(err, apperr.Invalid) {
			t.Errorf("ParseCode(%q) accepted", bad)
		}
	}
}

// Each character of a typed code must be uniform: over many codes, every
// digit position sees each of the 32 symbols about equally often.
func TestTypedCodeDigitsUniform(t *testing.T) {
	const n = 32 * 400
	var counts [codeDigits][32]int
	for i := 0; i < n; i++ {
		display, _ := NewCode()
		raw := strings.ReplaceAll(display, "-", "")
		for p := 0; p < codeDigits; p++ {
			counts[p][strings.IndexByte(crockford, raw[p])]++
		}
	}
	for p := range counts {
		for s, c := range counts[p] {
			// Expect 400 each; a bias of 2^-n from a modulo would not show, but
			// a wrong alphabet or a stuck digit would.
			if c < 250 || c > 560 {
				t.Fatalf("position %d symbol %c seen %d times of %d", p, crockford[s], c, n)
			}
		}
	}
}

func FuzzVerify(f *testing.F) {
	k := NewMemKeys()
	k.Generate("qr-fuzz", Purpose)
	good, _ := Sign(k, KindVoucher, "vch_7z3kq9m2x4hbtzc0r5n8p1wyd6", t0.Add(time.Minute))
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add(Prefix)
	f.Add("CH2:AAAA")
	f.Add("")
	f.Add(Prefix + strings.Repeat("A", 400))
	f.Add(Prefix + textEncoding.EncodeToString(make([]byte, headerLen+ed25519.SignatureSize)))
	junk := make([]byte, 120)
	_, _ = rand.Read(junk)
	junk[0] = Version1
	f.Add(Prefix + textEncoding.EncodeToString(junk))
	f.Fuzz(func(t *testing.T, text string) {
		c, err := Verify(k, text, KindVoucher, t0, 0)
		if err == nil {
			// Only a token the key signed verifies; re-signing it gives the
			// same text (ed25519 is deterministic).
			again, serr := Sign(k, c.Kind, c.ObjectID, c.ExpiresAt)
			if serr != nil || again != text {
				t.Fatalf("accepted %q that the hub did not sign", text)
			}
		} else if code := apperr.CodeOf(err); code != apperr.Invalid && code != apperr.Conflict {
			t.Fatalf("unexpected error code %s", code)
		}
		_, _ = ParseCode(text)
	})
}

// The example in docs/qr.md must verify with the key given there.
func TestDocsExample(t *testing.T) {
	const tok = "CH1:AEAWWBVR7IFXC4RNGIYDENRNGEYWCHTWMNUF6N32GNVXCOLNGJ4DI2DCOR5GGMDSGVXDQ4BRO54WINWDTJSH6XIGVQQJZYC7B63A3QGKRES5TNH7VZRUAIEZO2BIGG75PHBBS6WH4D532TTPGXGAD3UPTCUYSTXCBXEFU2BBCOAZHYPF5XRQ6"
	x, err := base64.RawURLEncoding.DecodeString("VTl_ruSPzUyaVYzaD9wMgpFzLm0FplBlvE-MjaQe0RA")
	if err != nil {
		t.Fatal(err)
	}
	k := NewMemKeys()
	k.AddPublic("qr-2026-11a", Purpose, ed25519.PublicKey(x))
	c, err := Verify(k, tok, KindVoucher, time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), 0)
	if err != nil {
		t.Fatalf("docs example does not verify: %v", err)
	}
	if c.ObjectID != "vch_7z3kq9m2x4hbtzc0r5n8p1wyd6" || c.ExpiresAt.Unix() != 1795600890 {
		t.Fatalf("docs example claims %+v", c)
	}
}

// The typed code docs/qr.md gives as an example is one a till accepts:
// its check character holds.
func TestDocsTypedCodeExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/qr.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("e\\.g\\.\\s+`([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}-[0-9A-Z])`").FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/qr.md gives no typed code example")
	}
	if _, err := ParseCode(string(m[1])); err != nil {
		t.Fatalf("the docs' typed code %s: %v", m[1], err)
	}
}
