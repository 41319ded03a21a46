package ticketing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/audit"
	"cityhub/identity"
	"cityhub/qrtoken"
	"cityhub/wallet"
)

// TicketView is a ticket with what its holder and the door need to see.
type TicketView struct {
	Ticket
	Title     string    `json:"title"`
	StartsAt  time.Time `json:"starts_at"`
	VenueName string    `json:"venue_name"`
	Section   string    `json:"section"`
	Row       string    `json:"row"`
	Number    int       `json:"number"`
	// TypedCode is shown to the holder only, while the ticket is valid.
	TypedCode string `json:"code,omitempty"`
}

func (s *Service) view(ctx context.Context, tx Tx, t Ticket, owner bool, perfs map[string]Performance, venues map[string]Venue) (TicketView, error) {
	p, ok := perfs[t.PerformanceID]
	if !ok {
		var err error
		if p, err = tx.Performance(ctx, t.PerformanceID); err != nil {
			return TicketView{}, fmt.Errorf("read performance: %w", err)
		}
		perfs[p.ID] = p
	}
	v, ok := venues[t.VenueID]
	if !ok {
		var err error
		if v, err = tx.Venue(ctx, t.VenueID); err != nil {
			return TicketView{}, fmt.Errorf("read venue: %w", err)
		}
		venues[v.ID] = v
	}
	tv := TicketView{Ticket: t, Title: p.Title, StartsAt: p.StartsAt, VenueName: v.Name}
	parts := strings.SplitN(t.SeatID, "/", 3)
	if len(parts) == 3 {
		tv.Section, tv.Row = parts[0], parts[1]
		fmt.Sscan(parts[2], &tv.Number)
	}
	if p.Status == PerformanceCancelled && tv.Status == TicketValid {
		tv.Status = TicketCancelled
	}
	if owner && tv.Status == TicketValid {
		tv.TypedCode = t.Code
	}
	return tv, nil
}

// MyTickets lists the caller's tickets, newest first.
func (s *Service) MyTickets(ctx context.Context, c identity.Caller) ([]TicketView, error) {
	if c.AccountID == "" {
		return nil, apperr.E(apperr.Unauthenticated, "Sign in first.")
	}
	return s.ticketsOf(ctx, c.AccountID)
}

func (s *Service) ticketsOf(ctx context.Context, accountID string) ([]TicketView, error) {
	out := []TicketView{}
	err := s.store.View(ctx, func(tx Tx) error {
		ts, err := tx.ListTickets(ctx, accountID)
		if err != nil {
			return err
		}
		perfs, venues := map[string]Performance{}, map[string]Venue{}
		for _, t := range ts {
			tv, err := s.view(ctx, tx, t, true, perfs, venues)
			if err != nil {
				return err
			}
			out = append(out, tv)
		}
		return nil
	})
	return out, err
}

// MyTicket returns one of the caller's tickets. NotFound if it is not the
// caller's, whether or not it exists.
func (s *Service) MyTicket(ctx context.Context, c identity.Caller, id string) (TicketView, error) {
	var out TicketView
	err := s.store.View(ctx, func(tx Tx) error {
		t, err := tx.Ticket(ctx, id)
		if err != nil || c.AccountID == "" || t.AccountID != c.AccountID {
			if err != nil && !apperr.Has(err, apperr.NotFound) {
				return err
			}
			return apperr.R(apperr.NotFound, "ticket_not_found", "No such ticket.")
		}
		out, err = s.view(ctx, tx, t, true, map[string]Performance{}, map[string]Venue{})
		return err
	})
	return out, err
}

// Token is a freshly signed, rotating QR token for a ticket.
type Token = qrtoken.Rotating

// FreshToken signs a new short-lived QR token for one of the caller's valid
// tickets. NotFound if it is not the caller's; Conflict (ticket_not_valid)
// once checked in or cancelled.
func (s *Service) FreshToken(ctx context.Context, c identity.Caller, ticketID string) (Token, error) {
	tok, _, err := s.freshToken(ctx, c.AccountID, ticketID)
	return tok, err
}

// QRToken gives the wallet pages a ticket's rotating QR token and its typed
// code (web.QRSource). NotFound unless accountID holds the ticket; Conflict
// once it is checked in or cancelled.
func (s *Service) QRToken(ctx context.Context, accountID, ticketID string) (token, typedCode string, expires time.Time, err error) {
	tok, code, err := s.freshToken(ctx, accountID, ticketID)
	return tok.Token, code, tok.ExpiresAt, err
}

func (s *Service) freshToken(ctx context.Context, accountID, ticketID string) (Token, string, error) {
	tv, err := s.MyTicket(ctx, identity.Caller{AccountID: accountID}, ticketID)
	if err != nil {
		return Token{}, "", err
	}
	if tv.Status != TicketValid {
		return Token{}, "", apperr.R(apperr.Conflict, "ticket_not_valid", "This ticket is %s.", strings.ReplaceAll(tv.Status, "_", " "))
	}
	tok, err := qrtoken.IssueRotating(s.keys, qrtoken.KindTicket, tv.ID, s.now())
	if err != nil {
		return Token{}, "", err
	}
	return tok, tv.TypedCode, nil
}

// WalletItems implements wallet.ItemSource: the account's tickets as cards.
func (s *Service) WalletItems(ctx context.Context, accountID string) ([]wallet.Item, error) {
	ts, err := s.ticketsOf(ctx, accountID)
	if err != nil {
		return nil, err
	}
	items := make([]wallet.Item, 0, len(ts))
	for _, t := range ts {
		starts := t.StartsAt
		items = append(items, wallet.Item{
			Kind: "ticket", ID: t.ID, Title: t.Title,
			Subtitle: fmt.Sprintf("%s · %s · %s %s, %d", t.VenueName, t.StartsAt.In(CityZone).Format("02/01/2006 15:04"), t.Section, t.Row, t.Number),
			Status:   t.Status, Expires: &starts, At: t.IssuedAt, HasQR: t.Status == TicketValid,
			Link: "/theatre#" + t.ID,
		})
	}
	return items, nil
}

var _ wallet.ItemSource = (*Service)(nil)

// ---- The door ---------------------------------------------------------------

// CheckInResult is what the door's scanner shows.
type CheckInResult struct {
	Ticket      TicketView `json:"ticket"`
	CheckedInAt time.Time  `json:"checked_in_at"`
}

// identify turns what the door read (a QR token or a typed code) into a
// ticket id. Tokens are verified before anything is read. Typed codes are
// looked up by hash, and failures count against the staff account and the
// caller's address (in the database, so every replica limits guessing
// alike); every failure of a typed code answers alike.
func (s *Service) identify(ctx context.Context, c identity.Caller, presented string) (string, error) {
	presented = strings.TrimSpace(presented)
	if presented == "" {
		return "", apperr.R(apperr.Invalid, "code_missing", "Scan or type the ticket's code.")
	}
	now := s.now()
	if qrtoken.LooksLikeToken(presented) {
		claims, err := qrtoken.Verify(s.keys, presented, qrtoken.KindTicket, now, TokenLeeway)
		if err != nil {
			return "", err
		}
		return claims.ObjectID, nil
	}
	ip := audit.OriginFrom(ctx).IP
	staffKey, ipKey := "staff:"+c.AccountID, "ip:"+ip
	keys := []string{staffKey}
	if ip != "" {
		keys = append(keys, ipKey)
	}
	var fails map[string]int
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		fails, err = tx.TicketCodeFailures(ctx, keys, now.Add(-CodeFailureWindow))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("count failed codes: %w", err)
	}
	if fails[staffKey] >= MaxCodeFailures || (ip != "" && fails[ipKey] >= MaxCodeFailures) {
		return "", apperr.R(apperr.RateLimited, "too_many_failed_codes", "Too many wrong codes; wait a few minutes and try again.")
	}
	fail := func(cause error) error {
		err := s.store.InTx(ctx, func(tx Tx) error {
			return tx.RecordTicketCodeFailures(ctx, keys, now, now.Add(-2*CodeFailureWindow))
		})
		if err != nil {
			s.log.ErrorContext(ctx, "record failed ticket code", slog.Any("error", err))
		}
		s.log.WarnContext(ctx, "typed ticket code not found", slog.String("staff", c.AccountID), slog.String("ip", ip))
		return cause
	}
	hash, err := qrtoken.ParseCode(presented)
	if err != nil {
		return "", fail(err)
	}
	var id string
	err = s.store.View(ctx, func(tx Tx) error {
		t, err := tx.TicketByCodeHash(ctx, hash)
		id = t.ID
		return err
	})
	if apperr.Has(err, apperr.NotFound) {
		return "", fail(apperr.R(apperr.NotFound, "code_unknown", "No ticket has this code."))
	}
	return id, err
}

func requireDoor(c identity.Caller) error {
	if c.AccountID == "" || !c.Has(identity.RoleDoor) {
		return apperr.R(apperr.Forbidden, "not_door_staff", "Only door staff may check tickets in.")
	}
	return nil
}

// admissible refuses a ticket that cannot enter now.
func admissible(t TicketView, c identity.Caller) error {
	if !c.HasIn(identity.RoleDoor, t.VenueID) {
		return apperr.R(apperr.Forbidden, "not_your_venue", "This ticket is for another venue.")
	}
	switch t.Status {
	case TicketCheckedIn:
		return alreadyIn(t.CheckedInAt)
	case TicketCancelled:
		return apperr.R(apperr.Conflict, "ticket_cancelled", "This ticket was cancelled.")
	}
	return nil
}

// AlreadyCheckedInError is the cause of a check-in refused because the
// ticket was already checked in; At is when.
type AlreadyCheckedInError struct{ At time.Time }

func (e AlreadyCheckedInError) Error() string {
	return "ticket already checked in at " + e.At.Format(time.RFC3339)
}

// CheckedInAt is when the ticket of an already_checked_in refusal was
// checked in; ok is false for any other error.
func CheckedInAt(err error) (at time.Time, ok bool) {
	var e AlreadyCheckedInError
	if errors.As(err, &e) {
		return e.At, true
	}
	return time.Time{}, false
}

func alreadyIn(at time.Time) error {
	e := apperr.Wrap(AlreadyCheckedInError{At: at}, apperr.Conflict, "Already checked in at %s.", at.In(CityZone).Format("15:04"))
	e.Reason = "already_checked_in"
	return e
}

// VerifyTicket shows door staff what a scanned or typed code is, without
// checking it in. Forbidden unless door staff of the ticket's venue;
// Invalid for a forged or malformed code; Conflict for an expired token,
// a used or cancelled ticket; NotFound for an unknown code.
func (s *Service) VerifyTicket(ctx context.Context, c identity.Caller, presented string) (TicketView, error) {
	if err := requireDoor(c); err != nil {
		return TicketView{}, err
	}
	var out TicketView
	id, err := s.identify(ctx, c, presented)
	if err != nil {
		return TicketView{}, err
	}
	err = s.store.View(ctx, func(tx Tx) error {
		t, err := tx.Ticket(ctx, id)
		if err != nil {
			return notFound("ticket", err)
		}
		out, err = s.view(ctx, tx, t, false, map[string]Performance{}, map[string]Venue{})
		if err != nil {
			return err
		}
		return admissible(out, c)
	})
	return out, err
}

// CheckIn admits a ticket at the door: the first scan wins, atomically,
// however many scanners read it at once; a later one is Conflict (reason
// already_checked_in, "already checked in at HH:MM", Europe/Rome).
// Forbidden unless the caller is door staff of the ticket's venue; Invalid
// for a forged or malformed code; Conflict for an expired token or a
// cancelled ticket; NotFound for an unknown code.
func (s *Service) CheckIn(ctx context.Context, c identity.Caller, presented string) (CheckInResult, error) {
	if err := requireDoor(c); err != nil {
		return CheckInResult{}, err
	}
	var out CheckInResult
	id, err := s.identify(ctx, c, presented)
	if err != nil {
		return CheckInResult{}, err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		t, err := tx.Ticket(ctx, id)
		if err != nil {
			return notFound("ticket", err)
		}
		tv, err := s.view(ctx, tx, t, false, map[string]Performance{}, map[string]Venue{})
		if err != nil {
			return err
		}
		if err := admissible(tv, c); err != nil {
			return err
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		ok, err := tx.CheckIn(ctx, t.ID, now, c.AccountID)
		if err != nil {
			return fmt.Errorf("check in: %w", err)
		}
		if !ok {
			// Another scanner won between the read and the write.
			cur, err := tx.Ticket(ctx, t.ID)
			if err != nil {
				return err
			}
			if cur.Status == TicketCheckedIn {
				return alreadyIn(cur.CheckedInAt)
			}
			return apperr.R(apperr.Conflict, "ticket_cancelled", "This ticket was cancelled.")
		}
		tv.Status, tv.CheckedInAt = TicketCheckedIn, now
		out = CheckInResult{Ticket: tv, CheckedInAt: now}
		return s.audit(ctx, tx, c, "ticket.check_in", "ticket", t.ID, map[string]any{"venue_id": t.VenueID, "performance_id": t.PerformanceID})
	})
	return out, err
}
