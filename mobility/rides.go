package mobility

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/money"
	"cityhub/wallet"
)

// ---- Unlock and rides ----

// UnlockRequest is a rider's request to take a bike. Either Dock or BikeID
// (the QR on the bike) names the bike; RequestID makes retries idempotent.
type UnlockRequest struct {
	RequestID string `json:"request_id,omitempty"`
	StationID string `json:"station_id"`
	Dock      int    `json:"dock,omitempty"`
	BikeID    string `json:"bike_id,omitempty"`
}

// BikeCode is a bike's code as a rider types it from the frame, or an app
// passes it on, made the bike's id: ids are lower case, while a typed code
// often comes in capitals (BN-001-B01, a phone's keyboard, caps lock) and
// with a space around it. Unlock and ReportFault read it so, on the pages
// and through the API alike.
func BikeCode(typed string) string { return strings.ToLower(strings.TrimSpace(typed)) }

// Validate checks the request's shape.
func (r UnlockRequest) Validate() error {
	if err := checkID("station", r.StationID); err != nil {
		return err
	}
	if r.Dock == 0 && r.BikeID == "" {
		return apperr.R(apperr.Invalid, "unlock_target", "Name the dock or the bike to unlock.")
	}
	if r.Dock < 0 || r.Dock > MaxCapacity {
		return apperr.R(apperr.Invalid, "dock_number", "No such dock.")
	}
	if r.BikeID != "" {
		if err := checkID("bike", r.BikeID); err != nil {
			return err
		}
	}
	if r.RequestID != "" && !ValidRequestID(r.RequestID) {
		// It is the id of the command the station receives (docs/mqtt.md).
		return apperr.R(apperr.Invalid, "request_id", "An unlock's request id (its Idempotency-Key) must be 1 to 100 letters, digits, '-' or '_'.")
	}
	return nil
}

// startedBy reports whether r is the ride this request asks for: the same
// station, and the same dock and bike where the request names them. A
// retry may name the bike by its dock or by the code on its frame, and is
// the same unlock either way; any other station, dock or bike is another
// request.
func (r UnlockRequest) startedBy(ride Ride) bool {
	return r.StationID == ride.StartStation && (r.Dock == 0 || r.Dock == ride.StartDock) && (r.BikeID == "" || r.BikeID == ride.BikeID)
}

// Unlock asks the station to release a bike for the calling citizen and
// starts the ride on the station's ok. Errors: Unauthenticated;
// Forbidden (not a citizen); Invalid; NotFound (station or bike);
// InsufficientFunds (told before anything is sent); Conflict (the rider has an
// open ride, the bike is taken, the station refused, or the request id is
// someone else's); Unavailable (station closed, offline or silent until the
// deadline, or the broker unreachable). A failed unlock charges nothing. The
// same RequestID again returns the first attempt's outcome with
// Ride.Replayed set, a failure too (the ride then comes with the error);
// with another station, dock or bike it is Conflict
// (idempotency_key_reused), and another rider's is Conflict
// (request_id_reused). A bike's code is read in any case, the spaces
// around it dropped (BikeCode), as a fault report's is.
func (s *Service) Unlock(ctx context.Context, c identity.Caller, req UnlockRequest) (Ride, error) {
	riderID, err := riderOf(c)
	if err != nil {
		return Ride{}, err
	}
	req.BikeID = BikeCode(req.BikeID)
	if err := req.Validate(); err != nil {
		return Ride{}, err
	}
	if req.RequestID == "" {
		req.RequestID = ids.New("cmd")
	}
	// Times are kept to the microsecond, as both stores keep them.
	now := s.now()
	ride := Ride{ID: ids.New("ride"), CommandID: req.RequestID, RiderID: riderID, StartStation: req.StationID,
		Status: RidePending, CreatedAt: now, Deadline: now.Add(s.UnlockTimeout)}
	var replay *Ride
	var lag time.Duration // the station's clock, for the command
	err = s.store.InTx(ctx, func(tx Tx) error {
		prev, err := tx.RideByCommand(ctx, req.RequestID)
		if err == nil {
			replay = &prev
			return nil
		} else if !apperr.Has(err, apperr.NotFound) {
			return err
		}
		if _, err := tx.ExpirePendingRides(ctx, now); err != nil {
			return err
		}
		return s.reserve(ctx, tx, &ride, req, now, &lag)
	})
	if apperr.Has(err, apperr.Conflict) {
		// A concurrent attempt with the same request id may have won the
		// race to insert; then this is a retry of it.
		if prev, perr := s.rideByCommand(ctx, req.RequestID); perr == nil {
			replay = &prev
			err = nil
		}
	}
	if err != nil {
		return Ride{}, err
	}
	if replay != nil {
		return s.replayUnlock(ctx, riderID, req, *replay)
	}
	s.changed()
	return s.sendUnlock(ctx, ride, lag)
}

// reserve checks every rule that can be checked before the station is asked,
// and writes the pending ride that holds the bike meanwhile; lag is set to
// how far the station's clock runs behind (StationClock).
func (s *Service) reserve(ctx context.Context, tx Tx, ride *Ride, req UnlockRequest, now time.Time, lag *time.Duration) error {
	place, err := readUnlockPlace(ctx, tx, req.StationID, ride.RiderID)
	if err != nil {
		return err
	}
	if place.RiderGone {
		// The erasure committed after this request was let in.
		return apperr.ErrAccountDeleted
	}
	st := place.Station
	// A dock the station does not have is the request's mistake, not a
	// dock that lost its bike: said with the station's range, as a fault
	// report's dock is, before anything of its state.
	if req.Dock != 0 && !st.Registered(req.Dock) {
		return apperr.R(apperr.Invalid, "no_such_dock", "This station has docks 1 to %d.", st.Capacity)
	}
	if !st.Open {
		return apperr.R(apperr.Unavailable, "station_closed", "Station %s is closed.", st.Name("it"))
	}
	// With the broker out of reach no station can be asked: said before the
	// station's own state, since the stations' wills may already have
	// marked this one offline, and "try another station" would send the
	// rider to one that cannot answer either. Nothing is written.
	if !s.brokerReachable() {
		return ErrBrokerUnavailable
	}
	if place.State == nil || !s.online(*place.State, now) {
		return apperr.R(apperr.Unavailable, "station_offline", "Station %s is offline; try another station.", st.Name("it"))
	}
	state := *place.State
	*lag = state.Clock.correction(0, false)
	var dock DockState
	var ok bool
	// A dock above the station's registered capacity is none the hub
	// knows of: a station's report puts no bike there that the pages show
	// or that is rented out (docs/mqtt.md).
	if req.Dock != 0 {
		dock, ok = state.Dock(req.Dock)
		if !ok || dock.BikeID == "" {
			return apperr.R(apperr.Conflict, "no_bike_at_dock", "There is no bike at dock %d.", req.Dock)
		}
		if req.BikeID != "" && dock.BikeID != req.BikeID {
			if err := bikeExists(ctx, tx, req.BikeID); err != nil {
				return err
			}
			return apperr.R(apperr.Conflict, "bike_not_at_dock", "Bike %s is not at dock %d.", req.BikeID, req.Dock)
		}
	} else {
		dock, ok = state.DockOfBike(req.BikeID)
		if !ok || !st.Registered(dock.Dock) {
			if err := bikeExists(ctx, tx, req.BikeID); err != nil {
				return err
			}
			return apperr.R(apperr.Conflict, "bike_not_at_station", "Bike %s is not docked at this station.", req.BikeID)
		}
	}
	if dock.Fault != "" {
		return apperr.R(apperr.Unavailable, "dock_fault", "Dock %d is out of order.", dock.Dock)
	}
	for _, d := range place.Docks {
		if d.Number == dock.Dock && !d.InService {
			return apperr.R(apperr.Unavailable, "dock_out_of_service", "Dock %d is out of service.", dock.Dock)
		}
	}
	got, err := readUnlockBike(ctx, tx, dock.BikeID)
	if err != nil {
		return err
	}
	if got.Bike == nil {
		return apperr.R(apperr.Unavailable, "bike_unknown", "This bike cannot be rented.")
	}
	bike := *got.Bike
	if !bike.Active {
		return apperr.R(apperr.Unavailable, "bike_inactive", "This bike is out of service.")
	}
	if got.VehicleType == nil {
		return fmt.Errorf("vehicle type of bike %s: %w", bike.ID,
			apperr.R(apperr.NotFound, "no_vehicle_type", "There is no vehicle type %q.", bike.VehicleTypeID))
	}
	if got.Plan == nil {
		return fmt.Errorf("pricing plan of vehicle type %s: %w", got.VehicleType.ID,
			apperr.R(apperr.NotFound, "no_pricing_plan", "There is no pricing plan %q.", got.VehicleType.PricingPlanID))
	}
	plan := *got.Plan
	if place.RiderRide != nil {
		return apperr.R(apperr.Conflict, "ride_open", "You already have a ride; dock that bike first.")
	}
	if got.BikeRide != nil {
		return apperr.R(apperr.Conflict, "bike_taken", "Someone else is taking this bike.")
	}
	var balance int64
	if place.Credit != nil {
		balance = place.Credit.Balance
	}
	if need := plan.RequiredCredit(); balance < need {
		return apperr.R(apperr.InsufficientFunds, "insufficient_credit", "Not enough credit to unlock: you have %s and need at least %s. Top up first.",
			money.Cents(balance), money.Cents(need))
	}
	ride.BikeID = bike.ID
	ride.StartDock = dock.Dock
	ride.PricingPlanID = plan.ID
	ride.Plan = plan
	if err := tx.InsertRide(ctx, *ride); err != nil {
		if apperr.Has(err, apperr.Conflict) {
			// Lost a race that the checks above could not see yet.
			return apperr.R(apperr.Conflict, "bike_taken", "Someone else is taking this bike, or you already have a ride.")
		}
		return err
	}
	return nil
}

// bikeExists is nil when the hub has a bike of that code, and otherwise
// NotFound (no_such_bike): a code mistyped or made up is the rider's
// mistake to correct, where "not docked here" would send them looking for
// a bike that no station has. Asked only once the bike is not where the
// request named it, so an unlock that goes ahead reads nothing more.
func bikeExists(ctx context.Context, tx Tx, bikeID string) error {
	b, err := found(tx.Bike(ctx, bikeID))
	if err != nil {
		return fmt.Errorf("bike %s: %w", bikeID, err)
	}
	if b == nil {
		return apperr.R(apperr.NotFound, "no_such_bike", "No bike has the code %s.", bikeID)
	}
	return nil
}

// brokerReachable is whether there is a transport and it is connected.
func (s *Service) brokerReachable() bool {
	c := s.commander()
	return c != nil && c.Connected()
}

func (s *Service) online(st StationState, now time.Time) bool {
	return st.Online && !st.Silent(now, s.StaleAfter)
}

// sendUnlock asks the station, whose clock runs lag behind the hub's, and
// settles the pending ride either way.
func (s *Service) sendUnlock(ctx context.Context, ride Ride, lag time.Duration) (Ride, error) {
	cmd := s.commander()
	var reply Reply
	var sendErr error
	if cmd == nil {
		sendErr = ErrBrokerUnavailable
	} else {
		// The wait outlives the rider's request (a phone that drops its
		// connection must not abandon a command the station may carry
		// out); the deadline alone ends it.
		wctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), ride.Deadline)
		reply, sendErr = cmd.Unlock(wctx, UnlockCommand{RequestID: ride.CommandID, StationID: ride.StartStation,
			Dock: ride.StartDock, BikeID: ride.BikeID, Deadline: ride.Deadline, StationLag: lag})
		cancel()
	}
	var failure error
	switch {
	case sendErr != nil && apperr.CodeOf(sendErr) != apperr.Internal:
		failure = sendErr
	case sendErr != nil && (errors.Is(sendErr, context.DeadlineExceeded) || errors.Is(sendErr, context.Canceled)):
		failure = errStationTimeout
	case sendErr != nil:
		failure = apperr.Wrap(sendErr, apperr.Unavailable, "The station could not be reached; nothing was charged.")
	case reply.Result != ReplyOK:
		failure = stationRefusal(reply)
	}
	// The outcome is recorded even if the rider's request went away.
	bg := context.WithoutCancel(ctx)
	var out Ride
	var settled bool // by another request first (expired past its deadline)
	err := s.store.InTx(bg, func(tx Tx) error {
		r, err := tx.LockRide(bg, ride.ID)
		if err != nil {
			return err
		}
		if settled = r.Status != RidePending; settled {
			out = r
			return nil
		}
		if failure != nil {
			r.Status = RideFailed
			r.FailureReason = failureReason(failure)
		} else {
			r.Status = RideActive
			r.StartedAt = s.now()
			if err := s.recordRelease(bg, tx, r, reply); err != nil {
				return err
			}
		}
		out = r
		return tx.UpdateRide(bg, r)
	})
	if failure == nil && (err != nil || settled) {
		// The station opened the lock, and this request consumed its ok, so
		// no late-reply handler sees it: the bike is out with no ride.
		s.unlockOKWithoutRide(bg, ride)
	}
	if err != nil {
		return out, fmt.Errorf("record unlock outcome: %w", err)
	}
	s.changed()
	if failure != nil {
		s.log.InfoContext(ctx, "unlock failed", slog.String("ride", ride.ID), slog.String("station", ride.StartStation),
			slog.String("bike", ride.BikeID), slog.String("reason", out.FailureReason))
	}
	switch {
	case out.Status == RideFailed:
		// Made from the stored reason, as a retry's answer is.
		return out, rideFailure(out)
	case failure != nil:
		return out, failure
	}
	return out, nil
}

// unlockOKWithoutRide raises the incident "bike released without a ride"
// for an ok whose ride did not start (UnlockConfirmedLate decides, so a
// ride that did start raises nothing).
func (s *Service) unlockOKWithoutRide(ctx context.Context, ride Ride) {
	raised, err := s.releasedWithoutRide(ctx, ride.StartStation, ride.CommandID, s.now())
	if err != nil {
		s.log.ErrorContext(ctx, "station released a bike without a ride; the incident could not be raised", slog.String("ride", ride.ID),
			slog.String("station", ride.StartStation), slog.String("bike", ride.BikeID), slog.Any("error", err))
		return
	}
	if raised {
		s.log.WarnContext(ctx, "station confirmed an unlock the hub had already given up on", slog.String("ride", ride.ID),
			slog.String("station", ride.StartStation), slog.String("bike", ride.BikeID))
	}
}

func stationRefusal(r Reply) error {
	switch r.Error {
	case ErrCodeNoBike, ErrCodeBusy:
		return apperr.R(apperr.Conflict, "station_refused:"+r.Error, "The station refused: the bike is not available at that dock. Nothing was charged.")
	case ErrCodeOutOfService:
		return apperr.R(apperr.Unavailable, "station_refused:"+r.Error, "The dock is out of service. Nothing was charged.")
	case ErrCodeDeadline:
		return errStationTimeout
	}
	code := r.Error
	if code == "" {
		code = "unknown"
	}
	return apperr.R(apperr.Unavailable, "station_refused:"+code, "The station could not release the bike (%s). Nothing was charged.", code)
}

func failureReason(err error) string {
	if r := apperr.ReasonOf(err); r != "" {
		return r
	}
	return string(apperr.CodeOf(err))
}

// rideFailure is the answer of a failed unlock, made from its stored
// reason alone: the request that sent the command answers with it too, so
// a retry with the same request id hears the same answer, status and words.
func rideFailure(r Ride) error {
	switch reason := r.FailureReason; {
	case strings.HasPrefix(reason, "station_refused:"):
		return stationRefusal(Reply{Error: strings.TrimPrefix(reason, "station_refused:")})
	case reason == "bike_taken":
		return apperr.R(apperr.Conflict, reason, "That unlock was refused by the station. Nothing was charged.")
	case reason == "station_timeout" || reason == "pending_expired":
		return errStationTimeout
	case reason == "broker_unavailable":
		return ErrBrokerUnavailable
	case reason == "request_in_flight":
		return apperr.R(apperr.Conflict, reason, "This unlock is already in progress.")
	case reason == string(apperr.Unavailable):
		// The command could not be sent (failureReason stores the code of
		// an error without a reason).
		return apperr.R(apperr.Unavailable, "", "The station could not be reached; nothing was charged.")
	default:
		return apperr.R(apperr.Unavailable, reason, "That unlock failed (%s). Nothing was charged.", reason)
	}
}

// ErrBrokerUnavailable is the answer of an unlock while the stations
// cannot be reached (no broker, or not connected), whoever finds it: the
// service, the transport, or a retry reading the stored reason.
var ErrBrokerUnavailable = apperr.R(apperr.Unavailable, "broker_unavailable", "The stations cannot be reached right now; nothing was charged. Try again in a minute.")

var errStationTimeout = apperr.R(apperr.Unavailable, "station_timeout", "The station did not answer in time; the bike stays locked and nothing was charged.")

// replayUnlock answers a retried request id with the first attempt's outcome,
// waiting for it while it is still pending. The id is refused when it
// started another rider's ride, or when req asks for another unlock than
// the one it started (the client reused its key): the first ride is not
// theirs to see, and not what they asked for.
func (s *Service) replayUnlock(ctx context.Context, riderID string, req UnlockRequest, r Ride) (Ride, error) {
	if r.RiderID != riderID {
		return Ride{}, apperr.R(apperr.Conflict, "request_id_reused", "This request id belongs to another request.")
	}
	if !req.startedBy(r) {
		return Ride{}, apperr.R(apperr.Conflict, "idempotency_key_reused", "This Idempotency-Key (request id) was already used for another unlock.")
	}
	// Until its deadline the unlock that sent the command settles the
	// ride. Past it, that hub may have gone away: the stores expire a
	// pending ride once its deadline is PendingGrace old, so the retry
	// reads the ride until then and asks for the expiry only then (a write
	// transaction, which on SQLite queues behind the one writer), which
	// fails this ride if nothing settled it first.
	for r.Status == RidePending {
		wait := r.Deadline.Add(PendingGrace).Sub(s.now())
		if wait < 0 {
			if _, err := s.expire(ctx); err != nil {
				return r, err
			}
			wait = 0
		}
		select {
		case <-ctx.Done():
			return r, apperr.R(apperr.Unavailable, "station_timeout", "Still waiting for the station; try again shortly.")
		case <-time.After(min(wait, 50*time.Millisecond) + time.Millisecond):
		}
		var err error
		if r, err = s.ride(ctx, r.ID); err != nil {
			return r, err
		}
	}
	// The outcome is the first attempt's, a failure too: the station was
	// asked under this id, and answers it again as it answered it first, so
	// only a new id can ask it anew.
	r.Replayed = true
	if r.Status == RideFailed {
		return r, rideFailure(r)
	}
	return r, nil
}

// PendingGrace is how long past its deadline a pending ride is left to the
// unlock that sent its command before any request may expire it
// (ExpirePendingRides): a reply that reached that hub just before the
// deadline is still being written.
const PendingGrace = 2 * time.Second

func (s *Service) expire(ctx context.Context) (int, error) {
	var n int
	err := s.store.InTx(ctx, func(tx Tx) error { var err error; n, err = tx.ExpirePendingRides(ctx, s.now()); return err })
	return n, err
}

func (s *Service) rideByCommand(ctx context.Context, commandID string) (Ride, error) {
	var r Ride
	err := s.store.View(ctx, func(tx Tx) error { var err error; r, err = tx.RideByCommand(ctx, commandID); return err })
	return r, err
}

func (s *Service) ride(ctx context.Context, id string) (Ride, error) {
	var r Ride
	err := s.store.View(ctx, func(tx Tx) error { var err error; r, err = tx.Ride(ctx, id); return err })
	return r, err
}

// RideView is a ride as a rider sees it, with what it costs so far.
// DurationSeconds is its length so far (ended: in all) in seconds, a second
// begun counted whole (SecondsBegun), so that the minutes the fare charges
// are DurationSeconds/60 rounded up.
type RideView struct {
	Ride
	DurationSeconds int64 `json:"duration_seconds"`
	CostCents       int64 `json:"cost_cents"`
}

func (s *Service) view(r Ride, now time.Time) RideView {
	v := RideView{Ride: r, DurationSeconds: SecondsBegun(r.Duration(now))}
	switch r.Status {
	case RideActive:
		v.CostCents = r.Plan.Fare(r.Duration(now))
	case RideEnded:
		v.CostCents = r.FareCents
	}
	return v
}

// CurrentRide returns the calling citizen's open ride with its running
// cost. NotFound when there is none; Unauthenticated, Forbidden (not a
// citizen).
func (s *Service) CurrentRide(ctx context.Context, c identity.Caller) (RideView, error) {
	riderID, err := riderOf(c)
	if err != nil {
		return RideView{}, err
	}
	var r Ride
	err = s.store.View(ctx, func(tx Tx) error { var err error; r, err = tx.OpenRideOfRider(ctx, riderID); return err })
	if err != nil {
		if apperr.Has(err, apperr.NotFound) {
			return RideView{}, apperr.R(apperr.NotFound, "no_ride", "You have no ride right now.")
		}
		return RideView{}, err
	}
	return s.view(r, s.now()), nil
}

// RideOf is one of the calling citizen's rides with its cost. NotFound if
// there is no such ride or it belongs to someone else; Unauthenticated,
// Forbidden (not a citizen).
func (s *Service) RideOf(ctx context.Context, c identity.Caller, rideID string) (RideView, error) {
	riderID, err := riderOf(c)
	if err != nil {
		return RideView{}, err
	}
	r, err := s.ride(ctx, rideID)
	if err != nil || r.RiderID != riderID {
		if err == nil || apperr.Has(err, apperr.NotFound) {
			return RideView{}, apperr.R(apperr.NotFound, "no_ride", "There is no such ride.")
		}
		return RideView{}, err
	}
	return s.view(r, s.now()), nil
}

// RideHistory lists the calling citizen's rides, newest first (failed
// unlocks included, so the rider sees that nothing was charged for them).
// Unauthenticated, Forbidden (not a citizen).
func (s *Service) RideHistory(ctx context.Context, c identity.Caller, before time.Time, limit int) ([]RideView, error) {
	riderID, err := riderOf(c)
	if err != nil {
		return nil, err
	}
	return s.rideHistory(ctx, riderID, before, limit)
}

// rideHistory is RideHistory for riderID, decided by the caller.
func (s *Service) rideHistory(ctx context.Context, riderID string, before time.Time, limit int) ([]RideView, error) {
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	var rides []Ride
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		rides, err = tx.RidesOfRider(ctx, riderID, before, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]RideView, 0, len(rides))
	for _, r := range rides {
		out = append(out, s.view(r, now))
	}
	return out, nil
}

// EndRide ends the open ride of bike, docked at station and dock, at the
// hub's time at (when the hub received the report; never a station's "ts":
// a station's clock does not price a ride). It is idempotent: a bike with no open ride (already
// ended, by a duplicate or late event) changes nothing and returns
// ended=false. The fare is charged in the same transaction as the ride's end;
// a fare beyond the credit uses wallet.RideOverrun, and a fare beyond even that
// ends the ride as Unsettled for the operator, charging nothing. Only the
// hub's own processes (telemetry) end rides: Forbidden for anyone else.
func (s *Service) EndRide(ctx context.Context, c identity.Caller, bikeID, stationID string, dock int, at time.Time) (Ride, bool, error) {
	if err := onlySystem(c); err != nil {
		return Ride{}, false, err
	}
	return s.endRide(ctx, "", bikeID, stationID, dock, at)
}

// endRide ends the bike's active ride; with rideID set, only if it is
// still that ride (the docking was judged against it, and the bike may have
// started another ride since: one of two replicas ended the first and a
// rider unlocked the bike again). Where the store can, the fare's
// posting rides with the transaction's COMMIT (wallet.PostOrQueue), so
// that the ride's end is one exchange after the one that locks it. A fare
// refused there (beyond what a ride may overrun) fails the whole
// transaction, which then wrote nothing; the end is tried again with the
// fare posted at once, which marks the ride unsettled instead.
func (s *Service) endRide(ctx context.Context, rideID, bikeID, stationID string, dock int, at time.Time) (Ride, bool, error) {
	var out Ride
	var ended, queued bool
	try := func(postNow bool) error {
		return s.store.InTx(ctx, func(tx Tx) error {
			var err error
			out, ended, err = s.endRideTx(ctx, tx, rideID, bikeID, stationID, dock, at, postNow, &queued)
			return err
		})
	}
	err := try(false)
	if wallet.RetryAtOnce(queued, err) {
		err = try(true)
	}
	if err != nil {
		return out, false, err
	}
	if ended {
		s.changed()
		s.log.InfoContext(ctx, "ride ended", slog.String("ride", out.ID), slog.String("bike", bikeID),
			slog.String("station", stationID), slog.Int64("fare_cents", out.FareCents), slog.Bool("unsettled", out.Unsettled))
	}
	return out, ended, nil
}

// endRideTx is one try of endRide in tx; postNow: the fare is posted at
// once, and *queued tells whether it rode with the COMMIT instead
// (wallet.PostOrQueue).
func (s *Service) endRideTx(ctx context.Context, tx Tx, rideID, bikeID, stationID string, dock int, at time.Time, postNow bool, queued *bool) (Ride, bool, error) {
	r, err := tx.LockOpenRideOfBike(ctx, bikeID)
	if apperr.Has(err, apperr.NotFound) {
		return Ride{}, false, nil
	} else if err != nil {
		return Ride{}, false, fmt.Errorf("lock open ride of bike %s: %w", bikeID, err)
	}
	if r.Status != RideActive {
		return Ride{}, false, nil // pending: the station has not confirmed; a dock event is stale
	}
	if rideID != "" && r.ID != rideID {
		return Ride{}, false, nil // a later ride: the docking predates it
	}
	now := s.now()
	end := at.UTC().Truncate(time.Microsecond)
	if end.IsZero() || end.After(now) {
		end = now
	}
	if end.Before(r.StartedAt) {
		end = r.StartedAt
	}
	r.Status = RideEnded
	r.EndedAt = end
	r.EndStation = stationID
	r.EndDock = dock
	r.FareCents = r.Plan.Fare(end.Sub(r.StartedAt))
	if r.FareCents > 0 {
		citizen := wallet.CitizenAccount(r.RiderID)
		t := wallet.Transaction{Key: "ride:" + r.ID + ":fare", Kind: "ride.fare", RefType: "ride", RefID: r.ID,
			Memo:      "Bike ride " + r.BikeID,
			Entries:   []wallet.Entry{{Account: citizen, Amount: -r.FareCents}, {Account: wallet.RevenueBikeshare, Amount: r.FareCents}},
			Overdraft: &wallet.RideOverrun, OverdraftAccount: citizen}
		posted, q, err := wallet.PostOrQueue(ctx, tx, t, now, postNow)
		*queued = q
		switch {
		case !q && (apperr.Has(err, apperr.InsufficientFunds) || wallet.Closed(err)):
			// Beyond the overrun, or (it cannot be, an erasure waits for
			// the rider's rides to end) on a credit closed by the rider's
			// erasure: the ride ends all the same, for the operator.
			r.Unsettled = true
		case err != nil:
			return Ride{}, false, fmt.Errorf("charge ride %s: %w", r.ID, err)
		default:
			r.LedgerTxID = posted.ID
		}
	}
	if err := tx.UpdateRide(ctx, r); err != nil {
		return Ride{}, false, err
	}
	if err := tx.CountTrip(ctx, r.BikeID); err != nil {
		return Ride{}, false, err
	}
	return r, true, nil
}
