package identity

import (
	"crypto/sha256"
	"sync"
	"time"
)

// verifiedTokens keeps the access tokens this hub has verified, until they
// expire: a till or an app sends the same token with every request for its
// fifteen minutes, and checking its EdDSA signature again each time was a
// third of the hub's work on an authenticated read (bench/README.md). Only
// what the token itself proves is kept (who it names, of which token
// generation, until when); the
// account is still read on every request, so a disabled account or a
// revoked grant takes effect at once, as before. Tokens are kept by their
// SHA-256, never as they are. The keyring does not change while the hub
// runs, so a key a token was verified with stays valid as long as it.
type verifiedTokens struct {
	mu    sync.Mutex
	m     map[[sha256.Size]byte]verifiedToken
	swept time.Time // the last look for expired tokens to drop
}

// verifiedToken is what a verified access token proves.
type verifiedToken struct {
	subject    string
	generation int64     // the account's token generation it was issued in
	expires    time.Time // the token's exp
}

// maxVerifiedTokens bounds the kept tokens (about 150 bytes each). When it
// is reached, the expired ones are dropped, at most once a minute (the
// look goes through them all); until there is room again, new tokens are
// verified each time and not kept.
const maxVerifiedTokens = 100_000

// get gives what token proves if it was verified and is still valid at
// now: before its exp with tokenLeeway.
func (v *verifiedTokens) get(token string, now time.Time) (verifiedToken, bool) {
	h := sha256.Sum256([]byte(token))
	v.mu.Lock()
	t, ok := v.m[h]
	v.mu.Unlock()
	// The same rule as the token's own check: valid before exp + leeway.
	if !ok || !now.Before(t.expires.Add(tokenLeeway)) {
		return verifiedToken{}, false
	}
	return t, true
}

// put keeps a token just verified.
func (v *verifiedTokens) put(token string, t verifiedToken, now time.Time) {
	h := sha256.Sum256([]byte(token))
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = map[[sha256.Size]byte]verifiedToken{}
	}
	if len(v.m) >= maxVerifiedTokens {
		if now.Sub(v.swept) < time.Minute {
			return
		}
		v.swept = now
		for k, kept := range v.m {
			if !now.Before(kept.expires.Add(tokenLeeway)) {
				delete(v.m, k)
			}
		}
		if len(v.m) >= maxVerifiedTokens {
			return
		}
	}
	v.m[h] = t
}
