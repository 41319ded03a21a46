package mobility

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
)

// Incidents are what an operator must go and look at because a station did
// something the hub did not ask for. Today there is one kind: a station
// confirmed an unlock the hub sent it after the hub stopped waiting, so a
// bike may be out of its dock with no ride and nobody paying for it. An ok
// for a request the hub never sent that station raises nothing: anyone
// holding a station's credential could otherwise raise incidents without
// end (12,247 of them in seconds, from made-up request ids).

// IncidentReleasedWithoutRide is a late unlock confirmation.
const IncidentReleasedWithoutRide = "bike_released_without_ride"

// Incident is one such event, open until an operator resolves it.
type Incident struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	StationID string `json:"station_id"`
	// RequestID is the unlock command the station confirmed.
	RequestID string `json:"request_id"`
	// RideID and BikeID are the failed ride the command belonged to, when
	// the hub knows it.
	RideID     string     `json:"ride_id,omitempty"`
	BikeID     string     `json:"bike_id,omitempty"`
	Dock       int        `json:"dock,omitempty"`
	RaisedAt   time.Time  `json:"raised_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	ResolvedBy string     `json:"resolved_by,omitempty"`
	// ReportedBy and Description are set on a citizen's fault report
	// (kind citizen_report): the account that reported and what it said.
	ReportedBy  string `json:"reported_by,omitempty"`
	Description string `json:"description,omitempty"`
	// NamedStationID is set on a citizen's report of a bike the hub saw
	// docked at another station than the one the citizen named: the
	// station named, where StationID is the one the bike is at, so that
	// the operator goes where the bike is and still reads what was said.
	NamedStationID string `json:"named_station_id,omitempty"`
}

// IncidentTx is what incidents need from a store transaction.
type IncidentTx interface {
	// InsertIncident writes an incident; false (and nothing written) when
	// one of the same kind, station and request exists already.
	InsertIncident(ctx context.Context, i Incident) (bool, error)
	// Incidents lists incidents, newest first, open ones only if openOnly,
	// of kind only when kind is set, at most limit.
	Incidents(ctx context.Context, openOnly bool, kind string, limit int) ([]Incident, error)
	// ResolveIncident marks an open incident resolved; false when there is
	// no open incident with that id.
	ResolveIncident(ctx context.Context, id, by string, at time.Time) (bool, error)
	// IncidentExists reports whether an incident has that id, open or
	// resolved.
	IncidentExists(ctx context.Context, id string) (bool, error)
}

// UnlockConfirmedLate records that a station confirmed an unlock nobody
// waits for. Only an unlock the hub sent to that station counts: for a
// request id of no ride, or of a ride at another station, nothing is
// raised and the error is NotFound (reason unknown_command), so the caller
// counts it as a stray reply. A confirmation of a ride that did start (a
// duplicate delivery) changes nothing; one of a ride pending or failed
// raises one incident per station and request, however often the station
// repeats itself; raised reports whether this call raised it. Only the
// hub's own processes (the broker's reply handler) report it: Forbidden
// for anyone else.
func (s *Service) UnlockConfirmedLate(ctx context.Context, c identity.Caller, stationID, requestID string, at time.Time) (raised bool, err error) {
	if err := onlySystem(c); err != nil {
		return false, err
	}
	return s.releasedWithoutRide(ctx, stationID, requestID, at)
}

// ReasonUnknownCommand is the reason of UnlockConfirmedLate's NotFound: the
// hub never sent that unlock to that station.
const ReasonUnknownCommand = "unknown_command"

// releasedWithoutRide raises the incident for a station's ok that started
// no ride (see UnlockConfirmedLate): one the hub got after it stopped
// waiting, or one that found its ride no longer pending.
func (s *Service) releasedWithoutRide(ctx context.Context, stationID, requestID string, at time.Time) (raised bool, err error) {
	inc := Incident{ID: ids.New("inc"), Kind: IncidentReleasedWithoutRide, StationID: stationID, RequestID: requestID,
		RaisedAt: at.UTC().Truncate(time.Microsecond)}
	unknown := false
	// A read first: a station repeating made-up request ids costs a read
	// each, never a write transaction.
	err = s.store.View(ctx, func(tx Tx) error {
		r, err := tx.RideByCommand(ctx, requestID)
		switch {
		case apperr.Has(err, apperr.NotFound) || err == nil && r.StartStation != stationID:
			unknown = true
		case err != nil:
			return err
		}
		return nil
	})
	if err == nil && !unknown {
		err = s.store.InTx(ctx, func(tx Tx) error {
			raised, unknown = false, false
			r, err := tx.RideByCommand(ctx, requestID)
			switch {
			case apperr.Has(err, apperr.NotFound) || err == nil && r.StartStation != stationID:
				// Not a command the hub sent this station: nothing to raise.
				unknown = true
				return nil
			case err != nil:
				return err
			case r.Status != RidePending && r.Status != RideFailed:
				return nil // the ride started: this was a repeat of the ok it got
			}
			inc.RideID, inc.BikeID, inc.Dock = r.ID, r.BikeID, r.StartDock
			raised, err = tx.InsertIncident(ctx, inc)
			return err
		})
	}
	if err != nil {
		return false, fmt.Errorf("raise incident for unlock %s at %s: %w", requestID, stationID, err)
	}
	if unknown {
		return false, apperr.R(apperr.NotFound, ReasonUnknownCommand, "Station %s was never sent the unlock %q.", stationID, requestID)
	}
	if raised {
		s.changed()
		s.log.WarnContext(ctx, "incident: bike released without a ride", slog.String("incident", inc.ID),
			slog.String("station", stationID), slog.String("request_id", requestID), slog.String("ride", inc.RideID), slog.String("bike", inc.BikeID))
	}
	return raised, nil
}

// MaxIncidentList is how many incidents a list holds: the newest.
const MaxIncidentList = 200

// IncidentKinds are the kinds of incident the hub raises.
var IncidentKinds = []string{IncidentReleasedWithoutRide, IncidentCitizenReport}

// Incidents lists incidents for operators and admins, newest first, at
// most MaxIncidentList (open ones only if openOnly; of kind only, when it
// is set). Errors: Unauthenticated, Forbidden; Invalid (reason bad_kind)
// for a kind the hub does not raise.
func (s *Service) Incidents(ctx context.Context, caller identity.Caller, openOnly bool, kind string) ([]Incident, error) {
	if err := MayOperate(caller); err != nil {
		return nil, err
	}
	if kind != "" && !slices.Contains(IncidentKinds, kind) {
		return nil, apperr.R(apperr.Invalid, "bad_kind", "Unknown incident kind %q: one of %s.", kind, strings.Join(IncidentKinds, ", "))
	}
	var out []Incident
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Incidents(ctx, openOnly, kind, MaxIncidentList)
		return err
	})
	return out, err
}

// ResolveIncident closes an open incident once an operator has dealt with
// the bike. Errors: Unauthenticated, Forbidden; NotFound (no open incident
// with that id).
func (s *Service) ResolveIncident(ctx context.Context, caller identity.Caller, id string) error {
	if err := MayOperate(caller); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		ok, err := tx.ResolveIncident(ctx, id, caller.AccountID, s.now())
		if err == nil && !ok {
			return apperr.R(apperr.NotFound, "no_incident", "There is no open incident %q.", id)
		}
		return err
	})
}

// IncidentKnown reports whether id names an incident, open or resolved.
// The operators' page asks it once ResolveIncident found no open one, to
// tell a report resolved since (a second press, another operator first)
// from an id that names none, which is not found as any unknown address
// is, rather than said to be resolved already.
func (s *Service) IncidentKnown(ctx context.Context, caller identity.Caller, id string) (bool, error) {
	if err := MayOperate(caller); err != nil {
		return false, err
	}
	var known bool
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		known, err = tx.IncidentExists(ctx, id)
		return err
	})
	return known, err
}

// Reachable reads the store once: nil when it answers. The telemetry
// worker asks it after the store refused a message sent alone, to tell a
// message the store cannot take (counted against its tries) from a store
// that is down (the message waits).
func (s *Service) Reachable(ctx context.Context) error {
	return s.store.View(ctx, func(tx Tx) error {
		_, err := tx.RideByCommand(ctx, "reachable-probe")
		if apperr.Has(err, apperr.NotFound) {
			return nil
		}
		return err
	})
}
