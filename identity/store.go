package identity

import (
	"context"
	"time"

	"cityhub/audit"
	"cityhub/mail"
	"cityhub/wallet"
)

// Store is identity's view of the database.
type Store interface {
	// InTx runs fn in one database transaction; an error from fn rolls it back.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// View runs fn for reads, outside a write transaction.
	View(ctx context.Context, fn func(tx Tx) error) error
}

// Tx is what identity needs from a store transaction. It embeds wallet.Tx so
// that a citizen's account and wallet are created together, and audit.Tx so
// that sign-ups and deletions are recorded with them.
type Tx interface {
	wallet.Tx
	audit.Tx
	// The account e-mails are enqueued with the change that causes them.
	mail.Enqueuer

	// InsertAccount writes a new account with its grants. Conflict if the
	// normalised email is taken.
	InsertAccount(ctx context.Context, a Account) error
	// AccountByID reads an account with its grants. NotFound if missing.
	AccountByID(ctx context.Context, id string) (Account, error)
	// AccountByEmail reads the account whose normalised email is emailNorm.
	// NotFound if missing.
	AccountByEmail(ctx context.Context, emailNorm string) (Account, error)
	// UnverifiedAccounts lists at most limit accounts, oldest first, made
	// before createdBefore whose address was never verified, that have no
	// fiscal code, are not deleted, never had money moved for them, and
	// have no e-mailed link still working at now (unused, expiring after
	// now).
	UnverifiedAccounts(ctx context.Context, createdBefore, now time.Time, limit int) ([]string, error)
	// AnonymiseAccount replaces an account's personal data with placeholders,
	// makes its password unusable, drops its grants and the networks it
	// logged in from, and sets deleted_at. The answers kept for retries
	// go too: the account's own, and any other whose body holds its id.
	// What it wrote as a citizen stays without its name; a report whose
	// name the public saw has its change time moved to at (or just past
	// it), so that readers syncing by it drop the name.
	AnonymiseAccount(ctx context.Context, id, placeholderEmail string, at time.Time) error
	// SetAccountDisabled disables or re-enables an account.
	SetAccountDisabled(ctx context.Context, id string, disabled bool) error
	// RaiseTokenGeneration adds one to the account's TokenGeneration.
	RaiseTokenGeneration(ctx context.Context, id string) error
	// EndTokenGenerationByPasswordChange adds one to the account's
	// TokenGeneration, as RaiseTokenGeneration does, and records the
	// generation it ended as its PasswordChangeGeneration.
	EndTokenGenerationByPasswordChange(ctx context.Context, id string) error
	// SearchAccounts lists at most f.Limit accounts with their grants,
	// newest first (by creation, then id), matching every field of f that
	// is set: Text a substring of the normalised e-mail or of the lower-cased
	// name, or the whole id; FiscalCode the whole fiscal code; Role (in
	// Scope, if set) among the grants; State the account's State; After
	// the id of an account listed before (none newer than it are listed;
	// an unknown id lists nothing).
	SearchAccounts(ctx context.Context, f AccountFilter) ([]Account, error)
	// LockAccount reads an account with its grants, like AccountByID, and
	// holds it against concurrent changes until the transaction ends.
	LockAccount(ctx context.Context, id string) (Account, error)
	// LockAdministrators holds the accounts of every active administrator
	// (city_admin, neither disabled nor erased, its address proved or
	// its SPID/CIE identity known: StateActive) against concurrent
	// changes until the transaction ends, taking them in one order, and
	// then returns the ids of those that are still active administrators,
	// read after the locks are held.
	LockAdministrators(ctx context.Context) ([]string, error)
	// SetAccountGrants replaces an account's grants with grants.
	SetAccountGrants(ctx context.Context, id string, grants []Grant) error
	// CountAccounts counts accounts, deleted ones included.
	CountAccounts(ctx context.Context) (int, error)
	// AccountByFiscalCode reads the account linked to a normalised fiscal
	// code. NotFound if missing.
	AccountByFiscalCode(ctx context.Context, code string) (Account, error)
	// SetFiscalCode links an account to a fiscal code. Conflict if another
	// account has it.
	SetFiscalCode(ctx context.Context, id, code string) error
	// SetAccountLocale sets an account's language (one of Locales).
	SetAccountLocale(ctx context.Context, id, locale string) error
	// SetPasswordHash replaces an account's password hash.
	SetPasswordHash(ctx context.Context, id, hash string) error
	// SetEmailVerified records that the account's address was proved at at.
	SetEmailVerified(ctx context.Context, id string, at time.Time) error
	// SetEmail gives the account a new address, proved at verifiedAt.
	// Conflict if another account has it.
	SetEmail(ctx context.Context, id, email string, verifiedAt time.Time) error

	// InsertEmailToken stores an e-mailed token (its hash only).
	InsertEmailToken(ctx context.Context, t EmailToken) error
	// UseEmailToken marks the token of hash and purpose used at at and
	// returns it, only if it is unused and unexpired at at; NotFound
	// otherwise. Of concurrent uses of one token exactly one succeeds.
	UseEmailToken(ctx context.Context, hash, purpose string, at time.Time) (EmailToken, error)
	// EmailTokenByHash reads the token of hash and purpose without using
	// it, only if it is unused and unexpired at at; NotFound otherwise.
	EmailTokenByHash(ctx context.Context, hash, purpose string, at time.Time) (EmailToken, error)
	// MailOf lists the account's e-mails in the outbox, newest first,
	// with bodies and attachment names (no attachment data).
	MailOf(ctx context.Context, accountID string) ([]mail.Message, error)
	// DropEmailTokens deletes an account's unused tokens of purpose, and
	// every token of any account that expired before at.
	DropEmailTokens(ctx context.Context, accountID, purpose string, at time.Time) error

	// ReserveLoginAttempt records attempt in every bucket if each holds
	// fewer than its Limit attempts after its Since, and nothing if
	// one is full; then ok is false and freeAt is when every full bucket
	// has room again. Counting and recording are one step for concurrent
	// reservations on the same subjects, so it must run in InTx.
	ReserveLoginAttempt(ctx context.Context, attempt string, buckets []LoginBucket, at time.Time) (ok bool, freeAt time.Time, err error)
	// ReleaseLoginAttempt forgets a reserved attempt in every bucket.
	ReleaseLoginAttempt(ctx context.Context, attempt string) error
	// CountLoginAttempts counts the distinct attempts recorded after since
	// for the subjects matching pattern, in which * stands for any run of
	// characters.
	CountLoginAttempts(ctx context.Context, pattern string, since time.Time) (int, error)
	// ClearLoginAttempts forgets the attempts of every subject matching
	// pattern, in which * stands for any run of characters, and says how
	// many of those subjects (counters) it emptied, not how many attempts.
	ClearLoginAttempts(ctx context.Context, pattern string) (int, error)
	// LoginAddressKnown reports whether the account with the normalised
	// email logged in from network at or after since.
	LoginAddressKnown(ctx context.Context, emailNorm, network string, since time.Time) (bool, error)
	// RememberLoginAddress records a login of the account from network at
	// at, and forgets the account's networks last used before forgetBefore.
	RememberLoginAddress(ctx context.Context, accountID, network string, at, forgetBefore time.Time) error
	// LoginAddressesOf lists the networks an account logged in from, most
	// recent first.
	LoginAddressesOf(ctx context.Context, accountID string) ([]LoginAddress, error)

	// InsertRefreshToken stores a refresh token (its hash only) with its
	// Generation, which RefreshTokenByHash reads back.
	InsertRefreshToken(ctx context.Context, t RefreshToken) error
	// RefreshTokenByHash reads a refresh token, locked against concurrent
	// rotation until the transaction ends. NotFound if missing.
	RefreshTokenByHash(ctx context.Context, hash string) (RefreshToken, error)
	// RotateRefreshToken marks a token rotated at at, only if it is not
	// rotated or revoked yet; false if another rotation came first.
	RotateRefreshToken(ctx context.Context, id string, at time.Time) (bool, error)
	// RevokeRefreshFamily revokes every token of the family not yet revoked.
	RevokeRefreshFamily(ctx context.Context, familyID string, at time.Time) error
	// RevokeAccountTokens revokes every refresh token of the account and
	// deletes its sessions.
	RevokeAccountTokens(ctx context.Context, accountID string, at time.Time) error
	// RefreshTokensOf lists an account's refresh tokens, newest first.
	RefreshTokensOf(ctx context.Context, accountID string) ([]RefreshToken, error)

	// InsertPageSession stores a page session (its hash only) with its
	// Generation, which PageSessionByHash reads back.
	InsertPageSession(ctx context.Context, s Session) error
	// PageSessionByHash reads a session. NotFound if missing.
	PageSessionByHash(ctx context.Context, hash string) (Session, error)
	// TouchPageSession records activity on a session.
	TouchPageSession(ctx context.Context, hash string, at time.Time) error
	// DeletePageSession removes a session; no error if it is already gone.
	DeletePageSession(ctx context.Context, hash string) error
	// PageSessionsOf lists an account's sessions, newest first.
	PageSessionsOf(ctx context.Context, accountID string) ([]Session, error)
}
