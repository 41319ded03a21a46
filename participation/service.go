package participation

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/mail"
)

// Settings are what the city decides; zero fields take the defaults.
type Settings struct {
	Catalogue Catalogue // default DefaultCatalogue()
	// ReopenPeriod is how long after a report is fixed its reporter may
	// reopen it (default 30 days).
	ReopenPeriod time.Duration
	// SupportThreshold is how many supports oblige the city to answer a
	// proposal publicly, unless the proposal sets its own (default 100).
	SupportThreshold int
	// NearbyRadius is how far "nearby reports of the same category" reach,
	// in metres (default 200).
	NearbyRadius float64
	// Publisher names who publishes the open data (OpenData's publisher):
	// the municipality's official name, "Comune di Benevento" (default
	// "cityhub", for a service made without one).
	Publisher string
	// APIKeyCost is the argon2id cost of new API key hashes (default
	// identity.DefaultArgon2; a hub passes its configured cost, tests
	// lower it). Stored hashes carry their own cost.
	APIKeyCost identity.Argon2Params
}

// Defaults of Settings.
const (
	DefaultReopenPeriod     = 30 * 24 * time.Hour
	DefaultSupportThreshold = 100
	DefaultNearbyRadius     = 200.0
)

// Limits on what people type.
const (
	MinDescriptionLen = 5
	// MaxDescriptionLen is GeoReport v2's bound on a request's description.
	MaxDescriptionLen = 4000
	MaxAddressLen     = 200
	MaxNoteLen        = 1000
	MinTitleLen       = 5
	MaxTitleLen       = 150
	MinBodyLen        = 20
	MaxBodyLen        = 5000
	MaxCommentLen     = 2000
	MaxAnswerLen      = 5000
	MaxPhotos         = 3
	MaxListLimit      = 1000
)

// listLimit is the page size of a list that reads MaxListLimit when asked
// for 0: Invalid (bad_limit) outside 0 to MaxListLimit.
func listLimit(limit int) (int, error) {
	if limit < 0 || limit > MaxListLimit {
		return 0, invalid("bad_limit", "The limit must be 1 to %d.", MaxListLimit)
	}
	if limit == 0 {
		return MaxListLimit, nil
	}
	return limit, nil
}

// Photo is a photo ready to keep: re-encoded as JPEG without metadata,
// with a thumbnail. The photo package makes them from uploads.
type Photo struct {
	ID        string    `json:"id"`
	ReportID  string    `json:"report_id"`
	Position  int       `json:"position"`
	State     string    `json:"state"`
	Width     int       `json:"width"`
	Height    int       `json:"height"`
	Image     []byte    `json:"-"`
	Thumbnail []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// Photo states: a photo is public only once a member of staff approved it.
const (
	PhotoPending  = "pending"
	PhotoApproved = "approved"
	PhotoHidden   = "hidden"
)

// Service holds participation's rules.
type Service struct {
	store Store
	cat   Catalogue
	set   Settings
	mail  *mail.Composer
	log   *slog.Logger
	clock func() time.Time
	// dummyHash is checked for an API key id that is unknown or revoked,
	// so that answering takes as long as for a live key.
	dummyHash string
}

// NewService returns the service on store. The settings' catalogue must be
// valid (an error otherwise, at start).
func NewService(store Store, set Settings, log *slog.Logger) (*Service, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if set.Catalogue.Categories == nil {
		set.Catalogue = DefaultCatalogue()
	}
	if err := set.Catalogue.Validate(); err != nil {
		return nil, err
	}
	if set.ReopenPeriod <= 0 {
		set.ReopenPeriod = DefaultReopenPeriod
	}
	if set.SupportThreshold <= 0 {
		set.SupportThreshold = DefaultSupportThreshold
	}
	if set.NearbyRadius <= 0 {
		set.NearbyRadius = DefaultNearbyRadius
	}
	if set.Publisher == "" {
		set.Publisher = "cityhub"
	}
	if set.APIKeyCost == (identity.Argon2Params{}) {
		set.APIKeyCost = identity.DefaultArgon2
	}
	return &Service{store: store, cat: set.Catalogue, set: set, log: log, clock: time.Now,
		dummyHash: identity.HashPassword(ids.Token(16), set.APIKeyCost)}, nil
}

// SendMail makes the service enqueue e-mails (status changes to reporters,
// answers to followers) with c; without it none are written.
func (s *Service) SendMail(c *mail.Composer) { s.mail = c }

// SetClock replaces the clock (tests, demo data).
func (s *Service) SetClock(now func() time.Time) { s.clock = now }

// now is the time the service reads and stamps on its records: the
// clock's, in UTC and to the microsecond, as both stores keep it, so that
// the time an answer gives for a record is the one every later read of it
// gives.
func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// Catalogue is the city's offices, categories and contrade.
func (s *Service) Catalogue() Catalogue { return s.cat }

// Settings are the settings in force, defaults filled in.
func (s *Service) Settings() Settings { return s.set }

func invalid(reason, format string, args ...any) error {
	return apperr.R(apperr.Invalid, reason, format, args...)
}

// badCursor refuses a page cursor that names no item of the list it pages.
func badCursor() error {
	return invalid("bad_cursor", "The page cursor is not valid.")
}

// cursorError is the error of reading the item a page cursor names: a
// missing item is a bad cursor (Invalid), not a missing page, so a cursor
// made up or cut short is refused rather than answered with an empty page.
func cursorError(err error) error {
	if apperr.Has(err, apperr.NotFound) {
		return badCursor()
	}
	return err
}

func requireCitizen(c identity.Caller) error {
	if c.AccountID == "" || !c.Has(identity.RoleCitizen) {
		return apperr.R(apperr.Forbidden, "not_citizen", "Only a citizen may do this.")
	}
	return nil
}

// RequireCitizen refuses (Forbidden, not_citizen) anyone but a citizen,
// as the citizens' operations do first. A caller that must check what was
// sent before calling one of them (the JSON API's required fields) asks
// this before, so that someone else is refused whatever they sent.
func (s *Service) RequireCitizen(c identity.Caller) error { return requireCitizen(c) }

// RequireAnyStaff refuses (Forbidden, not_office_staff) anyone who works
// no office and is no administrator, as every triage operation does
// first; see RequireCitizen for why it is exported.
func (s *Service) RequireAnyStaff(c identity.Caller) error { return requireAnyStaff(c) }

func requireAdmin(c identity.Caller) error {
	if !c.Has(identity.RoleAdmin) {
		return apperr.R(apperr.Forbidden, "not_admin", "Only a city administrator may do this.")
	}
	return nil
}

// isStaff reports whether c works the reports of office: its staff, or a
// city administrator, who sees every office.
func isStaff(c identity.Caller, office string) bool {
	return c.Has(identity.RoleAdmin) || c.HasIn(identity.RoleCityStaff, office)
}

// WorksOffice reports whether c works the reports of office, as the
// triage decides it: its staff, or a city administrator. For pages that
// offer the way to an office's work only to those who may do it.
func WorksOffice(c identity.Caller, office string) bool { return isStaff(c, office) }

func requireStaff(c identity.Caller, office string) error {
	if !isStaff(c, office) {
		return notStaffOf(c, "Only staff of this report's office may do this.")
	}
	return nil
}

// notStaffOf refuses c where an office's staff are wanted: staff of another
// office are told it is not theirs (not_your_office), as a shop's staff are
// of another shop (not_your_shop); anyone else that the action wants office
// staff (not_office_staff), a role they lack.
func notStaffOf(c identity.Caller, format string, args ...any) error {
	if len(c.Scopes(identity.RoleCityStaff)) > 0 {
		return apperr.R(apperr.Forbidden, "not_your_office", format, args...)
	}
	return apperr.R(apperr.Forbidden, "not_office_staff", format, args...)
}

// requireAnyStaff refuses c unless it is staff of some office or an
// administrator. The triage operations ask it before anything else, so
// someone who works no office is refused whatever they send, and learns
// nothing about a report, not even whether it exists; which office's
// reports a member of staff may touch is decided after, report by report.
func requireAnyStaff(c identity.Caller) error {
	if !c.Has(identity.RoleAdmin) && len(c.Scopes(identity.RoleCityStaff)) == 0 {
		return apperr.R(apperr.Forbidden, "not_office_staff", "Only city office staff may do this.")
	}
	return nil
}

func (s *Service) audit(ctx context.Context, tx Tx, c identity.Caller, action, objType, objID string, detail map[string]any) error {
	o := audit.OriginFrom(ctx)
	err := tx.AppendAudit(ctx, audit.Entry{
		ActorID: c.AccountID, Action: action, ObjectType: objType, ObjectID: objID,
		Device: o.Device, IP: o.IP, Detail: detail,
	})
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}
