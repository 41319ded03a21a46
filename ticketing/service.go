package ticketing

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/config"
	"cityhub/identity"
	"cityhub/mail"
	"cityhub/qrtoken"
)

// Service holds ticketing's rules. Callers are identity.Caller values that
// the edge authenticated; the service decides what each may do.
type Service struct {
	store Store
	keys  qrtoken.Keys
	log   *slog.Logger
	clock func() time.Time
	zone  *time.Location
	mail  *mail.Composer
	// cancelCard cancels a card payment at the card processor; nil: a card
	// payment once attached stays until its webhook or the hold decides.
	cancelCard CancelFunc
}

// NewService returns the ticketing service on store, signing QR tokens with keys.
func NewService(store Store, keys qrtoken.Keys, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, keys: keys, log: log, clock: time.Now, zone: config.DefaultZone()} // until SetZone
}

// SetClock replaces the clock (tests, demo data).
func (s *Service) SetClock(now func() time.Time) { s.clock = now }

// now is the time the service reads and stamps on its records: the
// clock's, in UTC and to the microsecond, as both stores keep it, so that
// the time an answer gives for a record is the one every later read of it
// gives.
func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// SetZone sets the city's time zone (configuration), where performances
// happen: the times in refusals at the door and on wallet cards are in it.
// Call it before the service is used; nil is ignored.
func (s *Service) SetZone(loc *time.Location) {
	if loc != nil {
		s.zone = loc
	}
}

// Zone is the city's time zone the service works in: performance times
// entered as local times are in it.
func (s *Service) Zone() *time.Location { return s.zone }

func requireAdmin(c identity.Caller) error {
	if !c.Has(identity.RoleAdmin) {
		return apperr.R(apperr.Forbidden, "not_admin", "Only a city administrator may do this.")
	}
	return nil
}

func requireCitizen(c identity.Caller) error {
	if c.AccountID == "" || !c.Has(identity.RoleCitizen) {
		return apperr.R(apperr.Forbidden, "not_citizen", "Only a citizen may do this.")
	}
	return nil
}

func (s *Service) audit(ctx context.Context, tx Tx, c identity.Caller, action, objType, objID string, detail map[string]any) error {
	o := audit.OriginFrom(ctx)
	err := tx.AppendAudit(ctx, audit.Entry{ActorID: c.AccountID, Action: action, ObjectType: objType, ObjectID: objID,
		Device: o.Device, IP: o.IP, Detail: detail})
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

func notFound(what string, err error) error {
	if apperr.Has(err, apperr.NotFound) {
		return apperr.R(apperr.NotFound, what+"_not_found", "No such %s.", what)
	}
	return err
}
