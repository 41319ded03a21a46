package vouchers

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/config"
	"cityhub/groupcommit"
	"cityhub/identity"
	"cityhub/mail"
	"cityhub/qrtoken"
)

// Service holds the scheme's rules. Callers are identity.Caller values that
// the edge authenticated; the service decides what each may do.
type Service struct {
	store Store
	keys  qrtoken.Keys
	log   *slog.Logger
	clock func() time.Time
	zone  *time.Location
	// mail composes the voucher-claimed e-mail; nil sends none.
	mail *mail.Composer
	// finalUptakes keeps the figures of campaigns that can no longer
	// change (Service.final), by campaign id, for FinalUptakeMaxAge.
	finalMu      sync.Mutex
	finalUptakes map[string]keptUptake
	// finalGen counts the times they were forgotten: figures summed
	// across one are not kept.
	finalGen uint64
	// batch commits redemptions that arrive together in one transaction,
	// one batch at a time (redeem_batch.go); nil: each runs alone.
	batch      *groupcommit.Group[batchRedemption, batchAnswer]
	batchStats batchCounters
	// publisher is the open statistics' publisher (SetPublisher).
	publisher string
}

// SendEmails makes every voucher claimed from now on enqueue a
// voucher-claimed e-mail to its citizen, in the claim's transaction.
func (s *Service) SendEmails(c *mail.Composer) { s.mail = c }

// Typed-code guessing limits: failures per shop and per address in a window.
const (
	MaxCodeFailuresPerShop = 20
	MaxCodeFailuresPerIP   = 20
	CodeFailureWindow      = 10 * time.Minute
)

// NewService returns the voucher service on store, signing QR tokens with keys.
func NewService(store Store, keys qrtoken.Keys, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{
		store: store, keys: keys, log: log, clock: time.Now, zone: config.DefaultZone(), // until SetZone
		publisher: "cityhub", // until SetPublisher
	}
	s.SetRedemptionBatching(true)
	return s
}

// SetClock replaces the clock (tests, demo data).
func (s *Service) SetClock(now func() time.Time) { s.clock = now }

// now is the time the service reads and stamps on its records: the
// clock's, in UTC and to the microsecond, as both stores keep it, so that
// the time an answer gives for a record is the one every later read of it
// gives.
func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// SetZone sets the city's time zone (configuration): campaign windows
// given as dates, a shop's "today" and the times in messages and
// statements are in it. Call it before the service is used; nil is
// ignored.
func (s *Service) SetZone(loc *time.Location) {
	if loc != nil {
		s.zone = loc
	}
}

// SetPublisher names who publishes the open statistics (OpenStats'
// publisher): the municipality's official name, "Comune di Benevento".
// Call it before the service is used; until then it is "cityhub".
func (s *Service) SetPublisher(name string) {
	if name != "" {
		s.publisher = name
	}
}

// Zone is the city's time zone the service works in.
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

// ShopOf picks the shop a merchant acts for: the one named in requested if
// the caller's grants include it, else the caller's only shop. The shop
// always comes from the credential; requested only chooses among its shops.
// Forbidden otherwise.
func ShopOf(c identity.Caller, requested string) (string, error) {
	shops := c.Scopes(identity.RoleMerchant)
	if requested != "" {
		if c.HasIn(identity.RoleMerchant, requested) {
			return requested, nil
		}
		return "", apperr.R(apperr.Forbidden, "not_your_shop", "You are not staff of this shop.")
	}
	switch len(shops) {
	case 0:
		return "", apperr.R(apperr.Forbidden, "not_merchant", "Only shop staff may do this.")
	case 1:
		return shops[0], nil
	}
	return "", apperr.R(apperr.Invalid, "shop_required", "You are staff of several shops: say which one.")
}

func requireMerchant(c identity.Caller, shopID string) error {
	if !c.HasIn(identity.RoleMerchant, shopID) {
		return apperr.R(apperr.Forbidden, "not_your_shop", "You are not staff of this shop.")
	}
	return nil
}

func (s *Service) audit(ctx context.Context, tx Tx, c identity.Caller, action, objType, objID, shopID string, detail map[string]any) error {
	o := audit.OriginFrom(ctx)
	err := tx.AppendAudit(ctx, audit.Entry{
		ActorID: c.AccountID, Action: action, ObjectType: objType, ObjectID: objID,
		ShopID: shopID, Device: o.Device, IP: o.IP, Detail: detail,
	})
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}
