// Package oidclogin is the hub's side (the relying party) of a login through
// the city's OpenID Connect provider, in front of SPID and CIE: the
// authorization code flow with PKCE (S256), state and nonce, the ID token
// verified (issuer, audience, signature from the provider's JWKS, expiry,
// nonce), the client authenticated by a secret or by private_key_jwt (as
// the Italian federation asks). It returns what the provider asserted, as
// an identity.ExternalIdentity; identity decides what an account gets.
//
// It keeps no state between the two legs: Start returns a sealed,
// short-lived flow value (state, nonce, PKCE verifier) that the page layer
// keeps in a cookie, and Finish opens it. The key that seals it is derived
// from the client's credential, which every replica shares, so any replica
// may finish a flow that another started. It knows no HTTP routes and no
// SQL, and must never log a token.
package oidclogin

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"cityhub/apperr"
	"cityhub/identity"
)

// Claim names of the Italian public identity systems (SPID/CIE OIDC) and
// the standard ones.
const (
	ClaimFiscalNumber = "https://attributes.eid.gov.it/fiscal_number"
	ClaimGivenName    = "given_name"
	ClaimFamilyName   = "family_name"
	ClaimEmail        = "email"
)

// ClaimNames says which claims carry the person's data.
type ClaimNames struct {
	FiscalCode string
	GivenName  string
	FamilyName string
	Email      string
}

func (c *ClaimNames) defaults() {
	if c.FiscalCode == "" {
		c.FiscalCode = ClaimFiscalNumber
	}
	if c.GivenName == "" {
		c.GivenName = ClaimGivenName
	}
	if c.FamilyName == "" {
		c.FamilyName = ClaimFamilyName
	}
	if c.Email == "" {
		c.Email = ClaimEmail
	}
}

// Config is the relying party's registration at the provider.
type Config struct {
	// Issuer is the provider's issuer URL; its discovery document is read
	// from Issuer + "/.well-known/openid-configuration".
	Issuer   string
	ClientID string
	// ClientSecret authenticates the client (client_secret_basic or
	// _post), unless PrivateKeyPEM is set.
	ClientSecret string
	// PrivateKeyPEM, an RSA or P-256 key, authenticates the client by
	// private_key_jwt (RFC 7523): RS256 or ES256, kid the key's RFC 7638
	// thumbprint.
	PrivateKeyPEM []byte
	// RedirectURL is the hub's callback page, registered at the provider.
	RedirectURL string
	// Scopes asked for; default openid, profile, email.
	Scopes []string
	Claims ClaimNames
	// FlowTTL bounds the time between Start and Finish (default 10 min).
	FlowTTL time.Duration
	// HTTPClient talks to the provider (default: 10 s timeout).
	HTTPClient *http.Client
	// Now is the clock for the flow and the ID token's expiry.
	Now func() time.Time
}

// ReadPrivateKeyFile reads a PEM key file for Config.PrivateKeyPEM. A file
// every user of the machine may read or write is refused, as the TLS key is:
// whoever reads it logs in to the provider as the hub and is handed the
// identities of citizens. Group access is allowed, since a key is often
// shared with the service through its group (root:cityhub 0640).
func ReadPrivateKeyFile(path string) ([]byte, error) {
	if runtime.GOOS != "windows" { // permissions are ACLs there, not mode bits
		st, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("oidc: read private key: %w", err)
		}
		if perm := st.Mode().Perm(); perm&0o007 != 0 {
			return nil, fmt.Errorf("oidc: private key file %s is open to every user (mode %04o); refusing it: run chmod 600 %s (or 640 for the hub's group)",
				path, perm, path)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("oidc: read private key: %w", err)
	}
	return b, nil
}

// RP is the hub's relying party. Safe for concurrent use.
type RP struct {
	cfg    Config
	log    *slog.Logger
	seal   *sealer
	signer *clientSigner // nil with a client secret

	mu       sync.Mutex
	provider *oidc.Provider
}

// New checks cfg and prepares the relying party. The provider's discovery
// document is read on first use, and again after a failure, so the hub
// starts while the provider is down.
func New(cfg Config, log *slog.Logger) (*RP, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, fmt.Errorf("oidc: issuer, client id and redirect url are required")
	}
	if cfg.ClientSecret == "" && len(cfg.PrivateKeyPEM) == 0 {
		return nil, fmt.Errorf("oidc: a client secret or a private key is required")
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{oidc.ScopeOpenID, "profile", "email"}
	}
	if !containsScope(cfg.Scopes, oidc.ScopeOpenID) {
		cfg.Scopes = append([]string{oidc.ScopeOpenID}, cfg.Scopes...)
	}
	cfg.Claims.defaults()
	if cfg.FlowTTL <= 0 {
		cfg.FlowTTL = 10 * time.Minute
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	rp := &RP{cfg: cfg, log: log}
	secret := []byte(cfg.ClientSecret)
	if len(cfg.PrivateKeyPEM) > 0 {
		s, err := newClientSigner(cfg.PrivateKeyPEM)
		if err != nil {
			return nil, err
		}
		rp.signer, secret = s, s.der
	}
	var err error
	if rp.seal, err = newSealer(secret, cfg.Issuer, cfg.ClientID); err != nil {
		return nil, err
	}
	return rp, nil
}

func containsScope(scopes []string, s string) bool {
	for _, x := range scopes {
		if x == s {
			return true
		}
	}
	return false
}

func (rp *RP) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(context.WithValue(ctx, oauth2.HTTPClient, rp.cfg.HTTPClient), rp.cfg.HTTPClient)
}

// discover returns the provider, reading its discovery document once.
func (rp *RP) discover(ctx context.Context) (*oidc.Provider, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.provider != nil {
		return rp.provider, nil
	}
	// The provider keeps the context for fetching its keys later, so it
	// gets one that a request's end does not cancel.
	p, err := oidc.NewProvider(rp.ctx(context.WithoutCancel(ctx)), rp.cfg.Issuer)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "The SPID/CIE login is not reachable at the moment. Please try again later.")
	}
	rp.provider = p
	return p, nil
}

func (rp *RP) oauth2(p *oidc.Provider) oauth2.Config {
	c := oauth2.Config{ClientID: rp.cfg.ClientID, ClientSecret: rp.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: rp.cfg.RedirectURL, Scopes: rp.cfg.Scopes}
	if rp.signer != nil {
		c.ClientSecret = ""
		c.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	return c
}

// Start begins a login: the URL to send the browser to, and the flow value
// for Finish (the page keeps it in a short-lived, HttpOnly cookie).
// Unavailable when the provider cannot be reached.
func (rp *RP) Start(ctx context.Context) (redirectURL, flowState string, err error) {
	p, err := rp.discover(ctx)
	if err != nil {
		return "", "", err
	}
	f := flow{State: oauth2.GenerateVerifier(), Nonce: oauth2.GenerateVerifier(), Verifier: oauth2.GenerateVerifier(),
		Expires: rp.cfg.Now().Add(rp.cfg.FlowTTL).Unix()}
	sealed, err := rp.seal.seal(f)
	if err != nil {
		return "", "", err
	}
	c := rp.oauth2(p)
	return c.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), sealed, nil
}

// Errors of Finish. All are Unauthenticated: the page says the login did
// not complete and offers to start again; the log says why.
var (
	ErrFlow     = apperr.R(apperr.Unauthenticated, "oidc_flow", "The login took too long or was started elsewhere. Please start again.")
	ErrState    = apperr.R(apperr.Unauthenticated, "oidc_state", "The login answer does not belong to this login. Please start again.")
	ErrDenied   = apperr.R(apperr.Unauthenticated, "oidc_denied", "The login was cancelled or refused by the identity provider.")
	ErrExchange = apperr.R(apperr.Unauthenticated, "oidc_exchange", "The identity provider did not confirm the login. Please start again.")
	ErrIDToken  = apperr.R(apperr.Unauthenticated, "oidc_id_token", "The identity provider's answer could not be verified. Please start again.")
	ErrNonce    = apperr.R(apperr.Unauthenticated, "oidc_nonce", "The identity provider's answer does not belong to this login. Please start again.")
	ErrClaims   = apperr.R(apperr.Unauthenticated, "oidc_claims", "The identity provider did not send your fiscal code.")
)

// Finish completes a login from the callback's query and the flow value
// Start returned: the state must match, the code is exchanged with the PKCE
// verifier, and the ID token must verify and carry the flow's nonce. The
// claims named in Config.Claims are read from the ID token, and from the
// userinfo endpoint when the fiscal code is not in it. Errors are the Err
// values above (Unauthenticated), or Unavailable when the provider cannot be
// reached.
func (rp *RP) Finish(ctx context.Context, flowState string, query url.Values) (identity.ExternalIdentity, error) {
	f, err := rp.seal.open(flowState)
	if err != nil || rp.cfg.Now().Unix() > f.Expires {
		return identity.ExternalIdentity{}, ErrFlow
	}
	if e := query.Get("error"); e != "" {
		rp.log.InfoContext(ctx, "oidc login refused by the provider", slog.String("error", e), slog.String("description", query.Get("error_description")))
		return identity.ExternalIdentity{}, ErrDenied
	}
	if subtle.ConstantTimeCompare([]byte(query.Get("state")), []byte(f.State)) != 1 {
		return identity.ExternalIdentity{}, ErrState
	}
	p, err := rp.discover(ctx)
	if err != nil {
		return identity.ExternalIdentity{}, err
	}
	c := rp.oauth2(p)
	opts := []oauth2.AuthCodeOption{oauth2.VerifierOption(f.Verifier)}
	if rp.signer != nil {
		assertion, err := rp.signer.assertion(rp.cfg.ClientID, []string{c.Endpoint.TokenURL, rp.cfg.Issuer}, rp.cfg.Now())
		if err != nil {
			return identity.ExternalIdentity{}, err
		}
		opts = append(opts, oauth2.SetAuthURLParam("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
			oauth2.SetAuthURLParam("client_assertion", assertion))
	}
	tok, err := c.Exchange(rp.ctx(ctx), query.Get("code"), opts...)
	if err != nil {
		rp.log.WarnContext(ctx, "oidc code exchange failed", slog.Any("error", err))
		return identity.ExternalIdentity{}, ErrExchange
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		rp.log.WarnContext(ctx, "oidc token response without an id_token")
		return identity.ExternalIdentity{}, ErrIDToken
	}
	idt, err := p.VerifierContext(rp.ctx(context.WithoutCancel(ctx)), &oidc.Config{ClientID: rp.cfg.ClientID, Now: rp.cfg.Now}).Verify(rp.ctx(ctx), raw)
	if err != nil {
		rp.log.WarnContext(ctx, "oidc id token refused", slog.Any("error", err))
		return identity.ExternalIdentity{}, ErrIDToken
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		rp.log.WarnContext(ctx, "oidc id token with another nonce")
		return identity.ExternalIdentity{}, ErrNonce
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			rp.log.WarnContext(ctx, "oidc access token does not match at_hash", slog.Any("error", err))
			return identity.ExternalIdentity{}, ErrIDToken
		}
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return identity.ExternalIdentity{}, ErrIDToken
	}
	if str(claims[rp.cfg.Claims.FiscalCode]) == "" && p.UserInfoEndpoint() != "" {
		if err := rp.userInfo(ctx, p, tok, idt.Subject, claims); err != nil {
			return identity.ExternalIdentity{}, err
		}
	}
	ext := identity.ExternalIdentity{
		FiscalCode: str(claims[rp.cfg.Claims.FiscalCode]), GivenName: str(claims[rp.cfg.Claims.GivenName]),
		FamilyName: str(claims[rp.cfg.Claims.FamilyName]), Email: str(claims[rp.cfg.Claims.Email]),
		Issuer: idt.Issuer, Subject: idt.Subject,
	}
	ext.EmailVerified, _ = claims["email_verified"].(bool)
	if ext.FiscalCode == "" {
		rp.log.WarnContext(ctx, "oidc login without a fiscal code claim", slog.String("claim", rp.cfg.Claims.FiscalCode))
		return identity.ExternalIdentity{}, ErrClaims
	}
	return ext, nil
}

// userInfo adds the userinfo endpoint's claims to claims, refusing an
// answer about another subject (OpenID Connect Core 5.3.2).
func (rp *RP) userInfo(ctx context.Context, p *oidc.Provider, tok *oauth2.Token, subject string, claims map[string]any) error {
	ui, err := p.UserInfo(rp.ctx(ctx), oauth2.StaticTokenSource(tok))
	if err != nil {
		rp.log.WarnContext(ctx, "oidc userinfo failed", slog.Any("error", err))
		return ErrClaims
	}
	if ui.Subject != subject {
		rp.log.WarnContext(ctx, "oidc userinfo about another subject")
		return ErrIDToken
	}
	extra := map[string]any{}
	if err := ui.Claims(&extra); err != nil {
		return ErrClaims
	}
	for k, v := range extra {
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
	return nil
}

func str(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

// PublicJWKS is the client's public key set when it authenticates by
// private_key_jwt (nil with a client secret), for the provider's
// registration or a federation entity statement.
func (rp *RP) PublicJWKS() []byte {
	if rp.signer == nil {
		return nil
	}
	return rp.signer.jwks
}

// Check reads the provider's discovery document and its signing keys, and
// checks that the provider offers what this relying party needs: the
// authorization code flow, PKCE with S256 and, with a private key, the
// private_key_jwt client authentication. It is `cityhub check`'s probe:
// nothing is logged in and no code is exchanged.
func (rp *RP) Check(ctx context.Context) error {
	p, err := oidc.NewProvider(rp.ctx(ctx), rp.cfg.Issuer)
	if err != nil {
		return fmt.Errorf("read the discovery document: %w", err)
	}
	var meta struct {
		JWKSURI         string   `json:"jwks_uri"`
		ResponseTypes   []string `json:"response_types_supported"`
		PKCEMethods     []string `json:"code_challenge_methods_supported"`
		TokenAuthMethod []string `json:"token_endpoint_auth_methods_supported"`
	}
	if err := p.Claims(&meta); err != nil {
		return fmt.Errorf("read the discovery document: %w", err)
	}
	if !slices.Contains(meta.ResponseTypes, "code") {
		return fmt.Errorf("the provider does not offer the authorization code flow (response_types_supported %v)", meta.ResponseTypes)
	}
	// The field is optional; a provider that lists methods must list S256.
	if len(meta.PKCEMethods) > 0 && !slices.Contains(meta.PKCEMethods, "S256") {
		return fmt.Errorf("the provider does not offer PKCE with S256 (code_challenge_methods_supported %v)", meta.PKCEMethods)
	}
	if rp.signer != nil && !slices.Contains(meta.TokenAuthMethod, "private_key_jwt") {
		return fmt.Errorf("a private key is configured but the provider does not accept private_key_jwt (token_endpoint_auth_methods_supported %v)", meta.TokenAuthMethod)
	}
	// The keys that sign ID tokens must be readable, or no login completes.
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, meta.JWKSURI, nil)
	if err != nil {
		return fmt.Errorf("jwks_uri %q: %w", meta.JWKSURI, err)
	}
	resp, err := rp.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("read the signing keys: %w", err)
	}
	defer resp.Body.Close()
	var keys struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("read the signing keys at %s: %s", meta.JWKSURI, resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&keys); err != nil || len(keys.Keys) == 0 {
		return fmt.Errorf("the provider publishes no signing keys at %s", meta.JWKSURI)
	}
	return nil
}
