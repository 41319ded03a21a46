package mobility

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/identity"
)

// Station credentials: every station has its own broker account, whose
// username is the station id and whose secret the hub generates when an
// operator registers the station. The secret is shown once and kept only as
// an argon2id hash; the broker (the embedded one through the hub's store,
// Mosquitto through its dynamic-security plugin) lets the station publish
// under its own prefix alone. Issuing, rotating and revoking are decided here
// for admins and mobility operators.

// StationCredential is what the hub keeps of a station's broker account.
type StationCredential struct {
	StationID string `json:"station_id"`
	// Username is the MQTT username the station connects with: its id.
	Username   string    `json:"username"`
	SecretHash string    `json:"-"`
	IssuedAt   time.Time `json:"issued_at"`
	IssuedBy   string    `json:"issued_by"`
	// Generation counts the secrets issued to the station (1 for the first).
	Generation int        `json:"generation"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	RevokedBy  string     `json:"revoked_by,omitempty"`
}

// Active reports whether the credential lets the station connect.
func (c StationCredential) Active() bool { return c.RevokedAt == nil && c.SecretHash != "" }

// IssuedCredential is a credential with its secret, returned once when the
// secret is made and never again.
type IssuedCredential struct {
	StationCredential
	Secret string `json:"secret"`
}

// CredentialTx is what credentials need from a store transaction; every
// issue, rotation and revocation is audited in the same transaction.
type CredentialTx interface {
	audit.Tx
	// StationCredential is a station's credential; NotFound if none was issued.
	StationCredential(ctx context.Context, stationID string) (StationCredential, error)
	// InsertStationCredential writes a station's first credential; false
	// (nothing written) when it has one already.
	InsertStationCredential(ctx context.Context, c StationCredential) (bool, error)
	// SwapStationCredential replaces prev by next only while the stored
	// credential is still prev (same generation, same revocation state);
	// false when another writer got there first.
	SwapStationCredential(ctx context.Context, prev, next StationCredential) (bool, error)
	// StationCredentials lists every credential by station id.
	StationCredentials(ctx context.Context) ([]StationCredential, error)
}

// BrokerAccounts is the broker's side of station credentials: the embedded
// broker forgets cached logins and disconnects, Mosquitto's dynamic-security
// plugin holds its own copy of each account. The mqtt package implements it.
type BrokerAccounts interface {
	// SetStationSecret makes secret the only one the broker accepts for the
	// station (creating its account) and disconnects a station connected
	// with an older one.
	SetStationSecret(ctx context.Context, stationID, secret string) error
	// RemoveStation deletes the station's account and disconnects it.
	RemoveStation(ctx context.Context, stationID string) error
}

// CredentialCommitNotifier is told, by a BrokerAccounts that implements
// it, that a station's new or revoked credential has committed: the
// embedded broker then disconnects, once more, any login verified against
// the credential as it was before (one checked while the transaction was
// still open).
type CredentialCommitNotifier interface {
	StationCredentialCommitted(ctx context.Context, stationID string)
}

// brokerRefusal is what a broker's refusal of a credential change becomes:
// a conflict (the station's id names a broker account that is not a
// station's, broker_account_taken) as it is, since trying again cannot
// help; anything else a passing failure.
func brokerRefusal(err error, message string) error {
	if apperr.Has(err, apperr.Conflict) {
		return err
	}
	return apperr.Wrap(err, apperr.Unavailable, "%s", message)
}

// dropStationAccount reads stationID's credential in tx, runs change with
// it (the zero credential if there is none) and whether it is active, then
// removes the station's account at the broker if it had one: only a
// station whose credential is active has an account there (a revocation
// dropped it, a refused issue never made it). The broker goes last, so
// that the account goes at the broker before the change commits in the
// hub, or neither; a refusal is brokerRefusal's, saying undone (what it
// left as it was). Without broker accounts, change alone runs.
func dropStationAccount(ctx context.Context, tx Tx, accounts BrokerAccounts, stationID, undone string,
	change func(c StationCredential, active bool) error) error {
	c, err := tx.StationCredential(ctx, stationID)
	if err != nil && !apperr.Has(err, apperr.NotFound) {
		return err
	}
	active := err == nil && c.Active()
	if err := change(c, active); err != nil {
		return err
	}
	if !active || accounts == nil {
		return nil
	}
	if err := accounts.RemoveStation(ctx, stationID); err != nil {
		return brokerRefusal(err, "The broker did not drop the station's account; "+undone+" Try again.")
	}
	return nil
}

// credentialCommitted tells accounts, when it listens, that stationID's
// credential change committed.
func credentialCommitted(ctx context.Context, accounts BrokerAccounts, stationID string) {
	if n, ok := accounts.(CredentialCommitNotifier); ok {
		n.StationCredentialCommitted(ctx, stationID)
	}
}

// credentials is the Service's credential state; its zero value works.
type credentials struct {
	mu       sync.RWMutex
	accounts BrokerAccounts
	cost     *identity.Argon2Params
}

// SetBrokerAccounts sets the broker side of station credentials (nil: the
// broker reads the hub's store alone).
func (s *Service) SetBrokerAccounts(b BrokerAccounts) {
	s.creds.mu.Lock()
	defer s.creds.mu.Unlock()
	s.creds.accounts = b
}

// SetSecretHashCost sets the argon2id cost of new secret hashes (default
// identity.DefaultArgon2): a hub sets its configured cost, tests lower it.
// Stored hashes carry their own cost, so they verify whatever is set.
func (s *Service) SetSecretHashCost(p identity.Argon2Params) {
	s.creds.mu.Lock()
	defer s.creds.mu.Unlock()
	s.creds.cost = &p
}

func (s *Service) brokerAccounts() (BrokerAccounts, identity.Argon2Params) {
	s.creds.mu.RLock()
	defer s.creds.mu.RUnlock()
	cost := identity.DefaultArgon2
	if s.creds.cost != nil {
		cost = *s.creds.cost
	}
	return s.creds.accounts, cost
}

// newSecret is 24 random bytes (192 bits), URL-safe base64: safe in any
// MQTT client's password field and in a shell.
func newSecret() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// IssueStationCredential makes the first secret of a registered station, or
// a new one after a revocation. Errors: Unauthenticated, Forbidden; NotFound
// (no such station); Conflict (an active credential exists: rotate it);
// Unavailable (the broker did not take the account; nothing changed);
// Conflict (broker_account_taken) when the station's id names a broker
// account that is not a station's.
func (s *Service) IssueStationCredential(ctx context.Context, caller identity.Caller, stationID string) (IssuedCredential, error) {
	return s.newStationSecret(ctx, caller, stationID, false)
}

// RotateStationCredential replaces a station's secret: the new one is the
// only one valid from now on, and a station connected with the old one is
// disconnected. Errors: as IssueStationCredential, and NotFound when the
// station has no active credential.
func (s *Service) RotateStationCredential(ctx context.Context, caller identity.Caller, stationID string) (IssuedCredential, error) {
	return s.newStationSecret(ctx, caller, stationID, true)
}

func (s *Service) newStationSecret(ctx context.Context, caller identity.Caller, stationID string, rotate bool) (IssuedCredential, error) {
	if err := MayOperate(caller); err != nil {
		return IssuedCredential{}, err
	}
	accounts, cost := s.brokerAccounts()
	secret := newSecret()
	// Hashed before the transaction: argon2id takes tens of milliseconds.
	hash := identity.HashPassword(secret, cost)
	var out IssuedCredential
	err := s.store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.Station(ctx, stationID); err != nil {
			return err
		}
		prev, err := tx.StationCredential(ctx, stationID)
		switch {
		case err != nil && !apperr.Has(err, apperr.NotFound):
			return err
		case rotate && (err != nil || !prev.Active()):
			return apperr.R(apperr.NotFound, "no_credential", "Station %s has no active credential to rotate; issue one.", stationID)
		case !rotate && err == nil && prev.Active():
			return apperr.R(apperr.Conflict, "credential_active", "Station %s already has a credential; rotate it to get a new secret.", stationID)
		}
		c := StationCredential{StationID: stationID, Username: stationID, SecretHash: hash,
			IssuedAt: s.now(), IssuedBy: caller.AccountID, Generation: prev.Generation + 1}
		var won bool
		if prev.Generation == 0 {
			won, err = tx.InsertStationCredential(ctx, c)
		} else {
			won, err = tx.SwapStationCredential(ctx, prev, c)
		}
		if err != nil {
			return err
		} else if !won {
			return apperr.R(apperr.Conflict, "credential_changed", "The credential of station %s changed meanwhile; look again.", stationID)
		}
		action := "station_credential.issue"
		if rotate {
			action = "station_credential.rotate"
		}
		if err := tx.AppendAudit(ctx, audit.Entry{ActorID: caller.AccountID, Action: action, ObjectType: "station", ObjectID: stationID,
			IP: audit.OriginFrom(ctx).IP, Detail: map[string]any{"generation": c.Generation}}); err != nil {
			return err
		}
		// The broker learns the secret inside the transaction: if it refuses,
		// nothing is stored, and the station keeps what it had.
		if accounts != nil {
			if err := accounts.SetStationSecret(ctx, stationID, secret); err != nil {
				return brokerRefusal(err, "The broker did not take the new credential; nothing changed. Try again.")
			}
		}
		out = IssuedCredential{StationCredential: c, Secret: secret}
		return nil
	})
	if err != nil {
		return IssuedCredential{}, err
	}
	credentialCommitted(ctx, accounts, stationID)
	s.log.InfoContext(ctx, "station credential issued", slog.String("station", stationID),
		slog.Int("generation", out.Generation), slog.String("by", caller.AccountID), slog.Bool("rotation", rotate))
	return out, nil
}

// RevokeStationCredential ends a station's credential: the broker refuses it
// from now on and disconnects the station. Errors: Unauthenticated,
// Forbidden; NotFound (no active credential); Conflict
// (broker_account_taken) as when issuing; Unavailable (the broker did
// not drop the account; nothing changed).
func (s *Service) RevokeStationCredential(ctx context.Context, caller identity.Caller, stationID string) (StationCredential, error) {
	if err := MayOperate(caller); err != nil {
		return StationCredential{}, err
	}
	accounts, _ := s.brokerAccounts()
	var out StationCredential
	err := s.store.InTx(ctx, func(tx Tx) error {
		return dropStationAccount(ctx, tx, accounts, stationID, "nothing changed.", func(c StationCredential, active bool) error {
			if !active {
				return apperr.R(apperr.NotFound, "no_credential", "Station %s has no active credential.", stationID)
			}
			at := s.now()
			prev := c
			c.RevokedAt, c.RevokedBy, c.SecretHash = &at, caller.AccountID, ""
			if won, err := tx.SwapStationCredential(ctx, prev, c); err != nil {
				return err
			} else if !won {
				return apperr.R(apperr.Conflict, "credential_changed", "The credential of station %s changed meanwhile; look again.", stationID)
			}
			if err := tx.AppendAudit(ctx, audit.Entry{ActorID: caller.AccountID, Action: "station_credential.revoke", ObjectType: "station", ObjectID: stationID,
				IP: audit.OriginFrom(ctx).IP, Detail: map[string]any{"generation": c.Generation}}); err != nil {
				return err
			}
			out = c
			return nil
		})
	})
	if err != nil {
		return StationCredential{}, err
	}
	credentialCommitted(ctx, accounts, stationID)
	s.log.InfoContext(ctx, "station credential revoked", slog.String("station", stationID), slog.String("by", caller.AccountID))
	return out, nil
}

// StationCredential is a station's credential (never its secret). Errors:
// Unauthenticated, Forbidden; NotFound (none issued).
func (s *Service) StationCredential(ctx context.Context, caller identity.Caller, stationID string) (StationCredential, error) {
	if err := MayOperate(caller); err != nil {
		return StationCredential{}, err
	}
	var c StationCredential
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		c, err = tx.StationCredential(ctx, stationID)
		return err
	})
	return c, err
}

// StationCredentials lists every station's credential by station id.
func (s *Service) StationCredentials(ctx context.Context, caller identity.Caller) ([]StationCredential, error) {
	if err := MayOperate(caller); err != nil {
		return nil, err
	}
	var out []StationCredential
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.StationCredentials(ctx)
		return err
	})
	return out, err
}

// AuthenticateStation reports whether secret is the active secret of the
// station named username: the embedded broker asks on every CONNECT. A
// wrong secret, an unknown or revoked station is false with no error; an
// error means the store could not answer.
func (s *Service) AuthenticateStation(ctx context.Context, username, secret string) (bool, error) {
	if !ValidID(username) || secret == "" || len(secret) > 256 {
		return false, nil
	}
	var c StationCredential
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		c, err = tx.StationCredential(ctx, username)
		return err
	})
	if apperr.Has(err, apperr.NotFound) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("read credential of station %s: %w", username, err)
	}
	if !c.Active() {
		return false, nil
	}
	ok, err := identity.CheckPassword(secret, c.SecretHash)
	if err != nil {
		return false, fmt.Errorf("check secret of station %s: %w", username, err)
	}
	return ok, nil
}
