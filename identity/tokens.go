package identity

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"cityhub/apperr"
	"cityhub/ids"
)

// Access tokens carry only who the caller is (sub), never the grants: every
// request reads the account anyway to refuse deleted or disabled ones, and
// reading the grants in the same query makes a revoked grant take effect at
// once instead of when the token expires. They also carry the account's
// token generation (gen): the read account refuses a token issued before
// its latest revocation, which a disabled and re-enabled account would
// otherwise accept again until the token expires.

// accessClaims are an access token's claims. Generation is left out when
// 0, so tokens of accounts never disabled look as they always did.
type accessClaims struct {
	jwt.RegisteredClaims
	Generation int64 `json:"gen,omitempty"`
}

// SignAccessToken returns an access token for accountID issued at now, and
// its expiry, of the first token generation: it holds as long as the
// account was never disabled. Logins and refreshes sign with the
// account's current generation. Internal if the keyring has no access key.
func (s *Service) SignAccessToken(accountID string, now time.Time) (string, time.Time, error) {
	return s.signAccessToken(accountID, 0, now)
}

// signAccessToken signs an access token of the account's token generation.
func (s *Service) signAccessToken(accountID string, generation int64, now time.Time) (string, time.Time, error) {
	kid, priv := s.keys.Signer(AccessPurpose)
	if kid == "" || len(priv) != ed25519.PrivateKeySize {
		return "", time.Time{}, apperr.E(apperr.Internal, "no access token signing key")
	}
	now = now.Truncate(time.Second)
	exp := now.Add(s.opt.AccessTTL)
	claims := accessClaims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    s.opt.Issuer,
		Subject:   accountID,
		Audience:  jwt.ClaimStrings{Audience},
		ExpiresAt: jwt.NewNumericDate(exp),
		IssuedAt:  jwt.NewNumericDate(now),
		ID:        ids.Token(12),
	}, Generation: generation}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = kid
	signed, err := t.SignedString(priv)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign access token: %w", err)
	}
	return signed, exp, nil
}

// MaxTokenLen bounds what Authenticate parses.
const MaxTokenLen = 4096

// Authenticate verifies an access token and returns its caller, with grants
// read fresh from the database. Unauthenticated for every token that is not
// a valid, unexpired EdDSA token of this hub for this audience, signed by a
// current access key, of an account that is still active and was not
// disabled since the token was issued; the message never says which check
// failed.
func (s *Service) Authenticate(ctx context.Context, token string) (Caller, error) {
	t, err := s.accessToken(token)
	if err != nil {
		return Caller{}, err
	}
	a, err := s.callerAccount(ctx, t.subject)
	if err != nil {
		return Caller{}, err
	}
	if t.generation != a.TokenGeneration {
		return Caller{}, errBadToken
	}
	return a.Caller(), nil
}

// ErasedAccount is the account an access token was issued to, when that
// account has since been erased: the token's signature, audience and
// expiry verify as Authenticate's do, and the token is of the account's
// current generation, but the account is gone. It authenticates nobody:
// the one use of it is to give the erasure's own retry its first answer
// (the answer kept for the erasure's Idempotency-Key), which tells the
// token's holder nothing they were not told. Unauthenticated for any other
// token, and for an account that is only disabled.
func (s *Service) ErasedAccount(ctx context.Context, token string) (string, error) {
	t, a, err := s.tokenAccount(ctx, token)
	switch {
	case apperr.Has(err, apperr.Unauthenticated):
		return "", err
	case apperr.Has(err, apperr.NotFound):
		return "", errNotAuthenticated
	case err != nil:
		return "", fmt.Errorf("read account: %w", err)
	case a.DeletedAt.IsZero() || t.generation != a.TokenGeneration:
		return "", errNotAuthenticated
	}
	return a.ID, nil
}

// PasswordChangedAccount is the account whose password change ended an
// access token: the token's signature, audience and expiry verify as
// Authenticate's do, it is of the very generation the account's last
// password change ended (ChangePassword), nothing has ended the account's
// tokens since (a reset, a disable, another change), and the account is
// still active. It authenticates nobody: the one use of it is to give the
// change's own retry its first answer (the 204 kept for its
// Idempotency-Key, for the same body), which tells the token's holder
// nothing they were not told. Unauthenticated (invalid_token, as
// Authenticate answers the token) for any other token.
func (s *Service) PasswordChangedAccount(ctx context.Context, token string) (string, error) {
	t, a, err := s.tokenAccount(ctx, token)
	switch {
	case apperr.Has(err, apperr.Unauthenticated):
		return "", err
	case apperr.Has(err, apperr.NotFound):
		return "", errBadToken
	case err != nil:
		return "", fmt.Errorf("read account: %w", err)
	case !a.Active() || t.generation != a.PasswordChangeGeneration || a.TokenGeneration != t.generation+1:
		return "", errBadToken
	}
	return a.ID, nil
}

// tokenAccount is what a verified access token proves and the account it
// names, read whatever its state (ErasedAccount, PasswordChangedAccount
// judge it): errBadToken for a token that does not verify, NotFound for
// an account gone from the store.
func (s *Service) tokenAccount(ctx context.Context, token string) (verifiedToken, Account, error) {
	t, err := s.accessToken(token)
	if err != nil {
		return t, Account{}, err
	}
	var a Account
	err = s.store.View(ctx, func(tx Tx) error {
		var err error
		a, err = tx.AccountByID(ctx, t.subject)
		return err
	})
	return t, a, err
}

// accessToken is what token proves, from the tokens verified already or
// by verifyAccessToken: Authenticate's checks of the token itself, before
// its account is read. Unauthenticated (invalid_token) for one that does
// not verify.
func (s *Service) accessToken(token string) (verifiedToken, error) {
	if len(token) > MaxTokenLen {
		return verifiedToken{}, errBadToken
	}
	now := s.opt.Now()
	if t, ok := s.verified.get(token, now); ok {
		return t, nil
	}
	return s.verifyAccessToken(token, now)
}

// tokenLeeway is how far past its exp, or before its iat, an access token
// is still accepted: the clocks of the hubs that sign and check differ.
const tokenLeeway = 5 * time.Second

// verifyAccessToken checks token's signature and claims and gives what it
// proves; the token is then kept as verified until it expires.
func (s *Service) verifyAccessToken(token string, now time.Time) (verifiedToken, error) {
	var claims accessClaims
	opts := []jwt.ParserOption{
		// Pinned: the token's own alg header never picks the algorithm, so
		// "none" and HMAC-with-the-public-key are refused before any key is used.
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(tokenLeeway),
		jwt.WithTimeFunc(s.opt.Now),
	}
	if s.opt.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(s.opt.Issuer))
	}
	_, err := jwt.ParseWithClaims(token, &claims, s.accessKey, opts...)
	if err != nil {
		return verifiedToken{}, errBadToken
	}
	if claims.IssuedAt == nil || claims.Subject == "" || claims.ExpiresAt == nil {
		return verifiedToken{}, errBadToken
	}
	t := verifiedToken{subject: claims.Subject, generation: claims.Generation, expires: claims.ExpiresAt.Time}
	s.verified.put(token, t, now)
	return t, nil
}

var errBadToken = apperr.R(apperr.Unauthenticated, "invalid_token", "The access token is not valid or has expired.")

// accessKey finds the verification key by kid, and only among access keys.
func (s *Service) accessKey(t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return nil, errors.New("token has no kid")
	}
	pub, purpose, ok := s.keys.PublicKey(kid)
	if !ok || purpose != AccessPurpose {
		return nil, errors.New("unknown access key")
	}
	return pub, nil
}

// RefreshToken is a stored refresh token: only its hash is kept.
type RefreshToken struct {
	ID        string    `json:"id"`
	FamilyID  string    `json:"family_id"`
	AccountID string    `json:"account_id"`
	Hash      string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	RotatedAt time.Time `json:"rotated_at,omitzero"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	// Generation is the account's TokenGeneration when the token's login
	// began: a refresh of an older generation is refused.
	Generation int64 `json:"-"`
}

type newRefresh struct {
	RefreshToken
	secret string
}

func newRefreshToken(a Account, familyID string, now time.Time, ttl time.Duration) newRefresh {
	secret := "rt_" + ids.Token(32)
	if familyID == "" {
		familyID = ids.New("rtf")
	}
	now = now.Truncate(time.Microsecond)
	return newRefresh{secret: secret, RefreshToken: RefreshToken{
		ID: ids.New("rt"), FamilyID: familyID, AccountID: a.ID, Hash: secretHash(secret),
		CreatedAt: now, ExpiresAt: now.Add(ttl), Generation: a.TokenGeneration,
	}}
}

// secretHash is how refresh tokens and session tokens are stored. The
// secrets carry 256 random bits, so a fast unsalted hash is enough: the
// database alone never yields a usable token.
func secretHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

var errBadRefresh = apperr.R(apperr.Unauthenticated, "invalid_refresh_token", "The refresh token is not valid. Please log in again.")

// Refresh exchanges a refresh token for a new access token and a new refresh
// token; the old one stops working. Presenting a token that was already
// rotated means it was copied: the whole family (every token descended from
// the same login) is revoked, and the thief and the victim both log in again.
// Unauthenticated for unknown, expired, rotated or revoked tokens, for
// accounts no longer active and for tokens of a login older than the
// account's latest disable.
func (s *Service) Refresh(ctx context.Context, token string) (Tokens, error) {
	if len(token) > MaxTokenLen {
		return Tokens{}, errBadRefresh
	}
	now := s.now()
	var a Account
	var next newRefresh
	reused := false
	err := s.store.InTx(ctx, func(tx Tx) error {
		old, err := tx.RefreshTokenByHash(ctx, secretHash(token))
		if apperr.Has(err, apperr.NotFound) {
			return errBadRefresh
		}
		if err != nil {
			return fmt.Errorf("read refresh token: %w", err)
		}
		if !old.RevokedAt.IsZero() {
			return errBadRefresh
		}
		if !old.RotatedAt.IsZero() {
			reused = true
			return tx.RevokeRefreshFamily(ctx, old.FamilyID, now)
		}
		if !now.Before(old.ExpiresAt) {
			return errBadRefresh
		}
		ok, err := tx.RotateRefreshToken(ctx, old.ID, now)
		if err != nil {
			return fmt.Errorf("rotate refresh token: %w", err)
		}
		if !ok {
			// Another refresh rotated it between our read and our write.
			reused = true
			return tx.RevokeRefreshFamily(ctx, old.FamilyID, now)
		}
		if a, err = activeAccount(ctx, tx, old.AccountID); err != nil {
			return err
		}
		if old.Generation != a.TokenGeneration {
			// Its login raced a disable that has revoked the family's
			// tokens but could not see this one yet.
			return errBadRefresh
		}
		next = newRefreshToken(a, old.FamilyID, now, s.opt.RefreshTTL)
		return tx.InsertRefreshToken(ctx, next.RefreshToken)
	})
	if err != nil {
		return Tokens{}, err
	}
	if reused {
		s.log.WarnContext(ctx, "refresh token reused; family revoked")
		return Tokens{}, errBadRefresh
	}
	return s.issue(a, next.secret, now)
}

// Logout revokes the refresh token's whole family. Access tokens already
// issued stay valid until they expire (at most AccessTTL). Unknown tokens are
// ignored, so logging out twice is not an error.
func (s *Service) Logout(ctx context.Context, refreshToken string) error {
	if len(refreshToken) > MaxTokenLen {
		return nil
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		t, err := tx.RefreshTokenByHash(ctx, secretHash(refreshToken))
		if apperr.Has(err, apperr.NotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read refresh token: %w", err)
		}
		return tx.RevokeRefreshFamily(ctx, t.FamilyID, s.now())
	})
}
