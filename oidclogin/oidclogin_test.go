package oidclogin_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"cityhub/apperr"
	"cityhub/oidclogin"
	"cityhub/oidclogin/oidctest"
)

const callback = "http://hub.test/login/oidc/callback"

var anna = oidctest.User{ID: "u1", Username: "anna", Password: "spid password", GivenName: "Anna", FamilyName: "Rossi",
	Email: "anna.rossi@example.org", FiscalNumber: "TINIT-RSSMRA85T10A562S"}

type env struct {
	op    *oidctest.Provider
	rp    *oidclogin.RP
	other *oidclogin.RP // registered as another client of the same provider
	now   *time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	p := oidctest.Start(t, []oidctest.User{anna},
		oidctest.Client{ID: "cityhub", Secret: "hub secret", Redirect: callback},
		oidctest.Client{ID: "other-app", Secret: "other secret", Redirect: callback})
	now := time.Now()
	e := &env{op: p, now: &now}
	e.rp = newRP(t, oidclogin.Config{Issuer: p.Issuer, ClientID: "cityhub", ClientSecret: "hub secret", RedirectURL: callback,
		Now: func() time.Time { return *e.now }})
	e.other = newRP(t, oidclogin.Config{Issuer: p.Issuer, ClientID: "other-app", ClientSecret: "other secret", RedirectURL: callback})
	return e
}

func newRP(t *testing.T, cfg oidclogin.Config) *oidclogin.RP {
	t.Helper()
	rp, err := oidclogin.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

// login starts a flow at rp and logs in at the provider as anna.
func (e *env) login(t *testing.T, rp *oidclogin.RP) (flowState string, query url.Values) {
	t.Helper()
	authURL, flowState, err := rp.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return flowState, e.op.Login(t, authURL, callback, anna.Username, anna.Password)
}

func wantReason(t *testing.T, err error, reason string) {
	t.Helper()
	if apperr.CodeOf(err) != apperr.Unauthenticated || apperr.ReasonOf(err) != reason {
		t.Fatalf("error %v (%s), want unauthenticated/%s", err, apperr.ReasonOf(err), reason)
	}
}

// The whole flow against the provider: PKCE S256, state and nonce in the
// authorization request, the claims back, the code good once.
func TestLoginHappyPath(t *testing.T) {
	e := newEnv(t)
	authURL, flowState, err := e.rp.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 || q.Get("state") == "" || q.Get("nonce") == "" ||
		q.Get("client_id") != "cityhub" || q.Get("redirect_uri") != callback || !strings.Contains(q.Get("scope"), "openid") {
		t.Fatalf("authorization request %v", q)
	}
	if strings.Contains(authURL, flowState) || strings.Contains(flowState, q.Get("state")) {
		t.Fatal("the flow value shows its secrets")
	}
	back := e.op.Login(t, authURL, callback, anna.Username, anna.Password)
	ext, err := e.rp.Finish(context.Background(), flowState, back)
	if err != nil {
		t.Fatalf("finish: %v", err)
	}
	if ext.FiscalCode != "TINIT-RSSMRA85T10A562S" || ext.GivenName != "Anna" || ext.FamilyName != "Rossi" ||
		ext.Email != anna.Email || !ext.EmailVerified || ext.Issuer != e.op.Issuer || ext.Subject != "u1" {
		t.Fatalf("identity %+v", ext)
	}
	// The code is spent: the provider refuses it a second time.
	_, err = e.rp.Finish(context.Background(), flowState, back)
	wantReason(t, err, "oidc_exchange")
}

// A callback that does not belong to the flow is refused before any code
// is exchanged; a flow value that was altered, or is too old, is refused.
func TestStateAndFlow(t *testing.T) {
	e := newEnv(t)
	flowA, backA := e.login(t, e.rp)
	_, flowB, err := e.rp.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.rp.Finish(context.Background(), flowB, backA)
	wantReason(t, err, "oidc_state")
	forged := url.Values{"code": backA["code"], "state": {"guessed"}}
	_, err = e.rp.Finish(context.Background(), flowA, forged)
	wantReason(t, err, "oidc_state")
	// Altered in the middle: the last characters of base64 may carry only
	// padding bits, and a value already ending as written would not change.
	mid := len(flowA) / 2
	swap := byte('A')
	if flowA[mid] == swap {
		swap = 'B'
	}
	altered := flowA[:mid] + string(swap) + flowA[mid+1:]
	_, err = e.rp.Finish(context.Background(), altered, backA)
	wantReason(t, err, "oidc_flow")
	// Another client's flow value does not open here.
	_, flowOther, err := e.other.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.rp.Finish(context.Background(), flowOther, backA)
	wantReason(t, err, "oidc_flow")
	// The provider's refusal.
	_, err = e.rp.Finish(context.Background(), flowA, url.Values{"error": {"access_denied"}, "state": backA["state"]})
	wantReason(t, err, "oidc_denied")
	// Ten minutes later the flow has expired.
	*e.now = e.now.Add(11 * time.Minute)
	_, err = e.rp.Finish(context.Background(), flowA, backA)
	wantReason(t, err, "oidc_flow")
}

// PKCE: a code exchanged with another flow's verifier is refused by the
// provider, even with the state matching that flow.
func TestPKCE(t *testing.T) {
	e := newEnv(t)
	_, backA := e.login(t, e.rp)
	authB, flowB, err := e.rp.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authB)
	stolen := url.Values{"code": backA["code"], "state": {u.Query().Get("state")}}
	_, err = e.rp.Finish(context.Background(), flowB, stolen)
	wantReason(t, err, "oidc_exchange")
}

// An ID token of another login (another nonce) swapped into the answer is
// refused, as one for another client, one whose signature was altered, one
// signed by a key the provider does not publish, and an expired one.
func TestIDTokenChecks(t *testing.T) {
	e := newEnv(t)
	// An ID token issued to another login of the same client: right
	// signature and audience, other nonce.
	flowX, backX := e.login(t, e.rp)
	var stolen string
	e.op.RewriteIDTokens(func(idt string) string { stolen = idt; return idt })
	if _, err := e.rp.Finish(context.Background(), flowX, backX); err != nil {
		t.Fatal(err)
	}
	e.op.RewriteIDTokens(func(string) string { return stolen })
	flow, back := e.login(t, e.rp)
	_, err := e.rp.Finish(context.Background(), flow, back)
	wantReason(t, err, "oidc_nonce")

	// An ID token issued to another client (audience other-app).
	flowO, backO := e.login(t, e.other)
	var foreign string
	e.op.RewriteIDTokens(func(idt string) string { foreign = idt; return idt })
	if _, err := e.other.Finish(context.Background(), flowO, backO); err != nil {
		t.Fatal(err)
	}
	e.op.RewriteIDTokens(func(string) string { return foreign })
	flow, back = e.login(t, e.rp)
	_, err = e.rp.Finish(context.Background(), flow, back)
	wantReason(t, err, "oidc_id_token")

	// The payload altered (another fiscal code), the signature kept.
	e.op.RewriteIDTokens(func(idt string) string {
		parts := strings.Split(idt, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		payload = []byte(strings.Replace(string(payload), "RSSMRA85T10A562S", "VRDGPP80A01H501X", 1))
		parts[1] = base64.RawURLEncoding.EncodeToString(payload)
		return strings.Join(parts, ".")
	})
	flow, back = e.login(t, e.rp)
	_, err = e.rp.Finish(context.Background(), flow, back)
	wantReason(t, err, "oidc_id_token")

	// Re-signed by another key under the provider's key id.
	kid := e.op.SigningKeys(t).Keys[0].KeyID
	rogue, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e.op.RewriteIDTokens(func(idt string) string { return resign(t, idt, rogue, kid) })
	flow, back = e.login(t, e.rp)
	_, err = e.rp.Finish(context.Background(), flow, back)
	wantReason(t, err, "oidc_id_token")

	// Expired: the hub's clock is past the token's exp (the flow itself
	// is still young enough).
	e.op.RewriteIDTokens(nil)
	flow, back = e.login(t, e.rp)
	*e.now = e.now.Add(oidctest.IDTokenLifetime + time.Minute)
	_, err = e.rp.Finish(context.Background(), flow, back)
	wantReason(t, err, "oidc_id_token")
}

// resign signs idt's payload with key under kid.
func resign(t *testing.T, idt string, key *rsa.PrivateKey, kid string) string {
	t.Helper()
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(idt, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", kid).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The client authenticates by private_key_jwt: the provider accepts the
// assertion signed with the registered key and refuses one signed with
// another.
func TestPrivateKeyJWT(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	probe := newRP(t, oidclogin.Config{Issuer: "http://unused.test", ClientID: "x", RedirectURL: callback, PrivateKeyPEM: keyPEM})
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(probe.PublicJWKS(), &set); err != nil || len(set.Keys) != 1 || set.Keys[0].Algorithm != "RS256" {
		t.Fatalf("public key set %s: %v", probe.PublicJWKS(), err)
	}
	kid := set.Keys[0].KeyID
	p := oidctest.Start(t, []oidctest.User{anna},
		oidctest.Client{ID: "cityhub-jwt", Secret: "unused", PublicKey: &key.PublicKey, KeyID: kid, Redirect: callback})
	rp := newRP(t, oidclogin.Config{Issuer: p.Issuer, ClientID: "cityhub-jwt", RedirectURL: callback, PrivateKeyPEM: keyPEM})
	authURL, flow, err := rp.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ext, err := rp.Finish(context.Background(), flow, p.Login(t, authURL, callback, anna.Username, anna.Password))
	if err != nil || ext.FiscalCode != anna.FiscalNumber {
		t.Fatalf("private_key_jwt login: %+v, %v", ext, err)
	}

	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: mustPKCS8(t, other)})
	impostor := newRP(t, oidclogin.Config{Issuer: p.Issuer, ClientID: "cityhub-jwt", RedirectURL: callback, PrivateKeyPEM: otherPEM})
	authURL, flow, err = impostor.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, err = impostor.Finish(context.Background(), flow, p.Login(t, authURL, callback, anna.Username, anna.Password))
	wantReason(t, err, "oidc_exchange")
}

func mustPKCS8(t *testing.T, k *rsa.PrivateKey) []byte {
	t.Helper()
	b, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A private key file every user may read is refused with the chmod that
// fixes it; one kept for the owner, or shared with the hub's group, is read.
func TestPrivateKeyFileEveryUserReadsIsRefused(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: mustPKCS8(t, key)})
	path := filepath.Join(t.TempDir(), "oidc.key")
	if err := os.WriteFile(path, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o600, 0o640, 0o400} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if got, err := oidclogin.ReadPrivateKeyFile(path); err != nil || !bytes.Equal(got, keyPEM) {
			t.Fatalf("mode %04o: %v", mode, err)
		}
	}
	for _, mode := range []os.FileMode{0o644, 0o604, 0o602} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := oidclogin.ReadPrivateKeyFile(path)
		if err == nil || !strings.Contains(err.Error(), "chmod 600 "+path) {
			t.Fatalf("mode %04o: %v, want a refusal naming the chmod", mode, err)
		}
	}
}
