// Package oidctest runs a real OpenID provider inside a test process: the
// zitadel/oidc provider (pkg/op) on its example in-memory storage, with its
// real login form, so tests (and browser tests) go through the real
// redirects, code exchange, JWKS and ID token signatures. It gives the
// users SPID/CIE attributes (the fiscal number claim). Test code only.
package oidctest

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// FiscalNumberClaim is the claim SPID/CIE OIDC uses for the fiscal code.
const FiscalNumberClaim = "https://attributes.eid.gov.it/fiscal_number"

// User is a person the provider knows.
type User struct {
	ID         string
	Username   string
	Password   string
	GivenName  string
	FamilyName string
	Email      string
	// EmailUnverified: the provider does not vouch for Email
	// (email_verified false).
	EmailUnverified bool
	// FiscalNumber is sent as SPID does, e.g. "TINIT-RSSMRA85T10A562S".
	FiscalNumber string
}

// Client is a relying party registered at the provider.
type Client struct {
	ID     string
	Secret string
	// PublicKey, when set, makes the client authenticate by
	// private_key_jwt with this key (kid KeyID) instead of its secret.
	PublicKey *rsa.PublicKey
	KeyID     string
	Redirect  string
}

// Provider is a running OpenID provider.
type Provider struct {
	// Issuer is its URL.
	Issuer string
	server *httptest.Server
	store  *store

	mu sync.Mutex
	// rewrite, when set, changes the id_token of the token endpoint's
	// answers: a provider that misbehaves, or a token swapped in transit.
	rewrite func(idToken string) string
}

// Start runs a provider with users and clients until tb ends.
func Start(tb testing.TB, users []User, clients ...Client) *Provider {
	tb.Helper()
	p := &Provider{}
	p.server = httptest.NewUnstartedServer(nil)
	p.server.Start()
	tb.Cleanup(p.server.Close)
	p.Issuer = p.server.URL
	us := userStore{users: map[string]*storage.User{}, byName: map[string]string{}}
	claims := map[string]map[string]any{}
	for _, u := range users {
		us.users[u.ID] = &storage.User{ID: u.ID, Username: u.Username, Password: u.Password, FirstName: u.GivenName,
			LastName: u.FamilyName, Email: u.Email, EmailVerified: !u.EmailUnverified, PreferredLanguage: language.Italian}
		us.byName[u.Username] = u.ID
		if u.FiscalNumber != "" {
			claims[u.ID] = map[string]any{FiscalNumberClaim: u.FiscalNumber}
		}
	}
	registered := map[string]*storage.Client{}
	wrapped := map[string]Client{}
	for _, c := range clients {
		registered[c.ID] = storage.WebClient(c.ID, c.Secret, c.Redirect)
		wrapped[c.ID] = c
	}
	p.store = &store{Storage: storage.NewStorageWithClients(us, registered), claims: claims, clients: wrapped}
	handler := exampleop.SetupServer(p.Issuer, p.store, nil, false, op.WithAllowInsecure())
	p.server.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		rewrite := p.rewrite
		p.mu.Unlock()
		if rewrite == nil || r.URL.Path != "/oauth/token" {
			handler.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var answer map[string]any
		if rec.Code == http.StatusOK && json.Unmarshal(body, &answer) == nil {
			if idt, ok := answer["id_token"].(string); ok {
				answer["id_token"] = rewrite(idt)
				body, _ = json.Marshal(answer)
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
	return p
}

// RewriteIDTokens makes the token endpoint pass every id_token it issues
// through fn (nil stops it).
func (p *Provider) RewriteIDTokens(fn func(idToken string) string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rewrite = fn
}

// SigningKeys is the provider's published key set.
func (p *Provider) SigningKeys(tb testing.TB) jose.JSONWebKeySet {
	tb.Helper()
	var set jose.JSONWebKeySet
	resp, err := http.Get(p.Issuer + "/keys")
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		tb.Fatal(err)
	}
	return set
}

// Login follows authURL as a browser would: to the provider's login form,
// submits username and password, and follows the redirects until the one
// to redirect (the relying party's callback), whose query it returns. It
// fails the test if the provider does not send the browser back.
func (p *Provider) Login(tb testing.TB, authURL, redirect, username, password string) url.Values {
	tb.Helper()
	q, err := p.TryLogin(authURL, redirect, username, password)
	if err != nil {
		tb.Fatal(err)
	}
	return q
}

// TryLogin is Login returning its failure.
func (p *Provider) TryLogin(authURL, redirect, username, password string) (url.Values, error) {
	jar, _ := cookiejar.New(nil)
	var back *url.URL
	client := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirect) {
			back = req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := client.Get(authURL)
	if err != nil {
		return nil, fmt.Errorf("open the authorization url: %w", err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if back != nil {
		return back.Query(), nil
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(page, []byte(`name="password"`)) {
		return nil, fmt.Errorf("no login form at %s (%s): %.300s", resp.Request.URL, resp.Status, page)
	}
	id := resp.Request.URL.Query().Get("authRequestID")
	form := url.Values{"id": {id}, "username": {username}, "password": {password}}
	resp, err = client.PostForm(p.Issuer+"/login/username", form)
	if err != nil {
		return nil, fmt.Errorf("submit the login form: %w", err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if back == nil {
		return nil, fmt.Errorf("the provider did not send the browser back (%s): %.300s", resp.Status, page)
	}
	return back.Query(), nil
}

// userStore is the provider's users.
type userStore struct {
	users  map[string]*storage.User
	byName map[string]string
}

func (s userStore) GetUserByID(id string) *storage.User { return s.users[id] }
func (s userStore) GetUserByUsername(name string) *storage.User {
	return s.users[s.byName[name]]
}
func (s userStore) ExampleClientID() string { return "service" }

// store is the example storage with SPID/CIE claims added to ID tokens and
// userinfo, and clients that may use private_key_jwt.
type store struct {
	*storage.Storage
	claims  map[string]map[string]any
	clients map[string]Client
}

func (s *store) addClaims(u *oidc.UserInfo, userID string) {
	for k, v := range s.claims[userID] {
		u.AppendClaims(k, v)
	}
}

// SetUserinfoFromRequest puts the user's claims in the ID token.
func (s *store) SetUserinfoFromRequest(ctx context.Context, u *oidc.UserInfo, token op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, u, token, scopes); err != nil {
		return err
	}
	s.addClaims(u, token.GetSubject())
	return nil
}

// SetUserinfoFromToken puts the user's claims in the userinfo answer.
func (s *store) SetUserinfoFromToken(ctx context.Context, u *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, u, tokenID, subject, origin); err != nil {
		return err
	}
	s.addClaims(u, subject)
	return nil
}

// GetClientByClientID wraps the registered client: the user's claims go
// into the ID token, and a client with a public key authenticates by
// private_key_jwt.
func (s *store) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return client{Client: c, keyed: s.clients[id].PublicKey != nil}, nil
}

// GetKeyByIDAndClientID returns a private_key_jwt client's public key.
func (s *store) GetKeyByIDAndClientID(ctx context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	c, ok := s.clients[clientID]
	if !ok || c.PublicKey == nil || c.KeyID != keyID {
		return s.Storage.GetKeyByIDAndClientID(ctx, keyID, clientID)
	}
	return &jose.JSONWebKey{KeyID: keyID, Use: "sig", Key: c.PublicKey}, nil
}

type client struct {
	op.Client
	keyed bool
}

func (c client) AuthMethod() oidc.AuthMethod {
	if c.keyed {
		return oidc.AuthMethodPrivateKeyJWT
	}
	return c.Client.AuthMethod()
}

func (c client) IDTokenUserinfoClaimsAssertion() bool { return true }

// IDTokenLifetime is short, so a test can pass an ID token's expiry
// while the relying party's flow is still young.
func (c client) IDTokenLifetime() time.Duration { return IDTokenLifetime }

// IDTokenLifetime is how long the provider's ID tokens are valid.
const IDTokenLifetime = 2 * time.Minute
