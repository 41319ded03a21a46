package mobility

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/ids"
	"cityhub/plaintext"
)

// What a citizen keeps or says about stations: favourite stations, listed
// first on their stations page, and fault reports on a bike or a dock,
// which become incidents (kind citizen_report) the operator resolves like
// any other. Both belong to the caller's own account only.

// IncidentCitizenReport is a citizen's report of a faulty bike or dock.
const IncidentCitizenReport = "citizen_report"

// Report targets.
const (
	TargetBike = "bike"
	TargetDock = "dock"
)

// MaxOpenReports bounds a citizen's unresolved reports, so one account
// cannot flood the operator's list; MinReportText and MaxReportText bound
// a description.
const (
	MaxOpenReports = 3
	MaxReportText  = 500
	MinReportText  = 3
)

// CitizenTx is what favourites and fault reports need from a store
// transaction.
type CitizenTx interface {
	// AddFavourite marks a station as the account's favourite (nothing when
	// it is one already).
	AddFavourite(ctx context.Context, accountID, stationID string, at time.Time) error
	// RemoveFavourite unmarks it (nothing when it was not one).
	RemoveFavourite(ctx context.Context, accountID, stationID string) error
	// Favourites lists the account's favourite station ids.
	Favourites(ctx context.Context, accountID string) ([]string, error)
	// LockOpenReportsBy holds the account's reports until the transaction
	// ends, so that another transaction's report by the same account
	// waits here, then lists the account's unresolved citizen reports: the
	// limit on open reports is read and kept by one report at a time.
	LockOpenReportsBy(ctx context.Context, accountID string) ([]Incident, error)
	// ReportsBy lists the account's citizen reports, open and resolved,
	// newest first, at most limit.
	ReportsBy(ctx context.Context, accountID string, limit int) ([]Incident, error)
	// OpenDockReportsAt counts the unresolved citizen reports of the
	// station's docks, whoever made them (an erased citizen's included):
	// DeleteStation refuses to delete the station while there are any.
	OpenDockReportsAt(ctx context.Context, stationID string) (int, error)
}

// SetFavourite marks (on) or unmarks a station as one of the caller's
// favourites. Errors: Unauthenticated, Forbidden (not a citizen); NotFound
// (no such station, when marking).
func (s *Service) SetFavourite(ctx context.Context, c identity.Caller, stationID string, on bool) error {
	who, err := riderOf(c)
	if err != nil {
		return err
	}
	if err := checkID("station", stationID); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		if !on {
			return tx.RemoveFavourite(ctx, who, stationID)
		}
		if _, err := tx.Station(ctx, stationID); err != nil {
			return err
		}
		return tx.AddFavourite(ctx, who, stationID, s.now())
	})
}

// Favourites lists the caller's favourite station ids. Errors:
// Unauthenticated, Forbidden (not a citizen).
func (s *Service) Favourites(ctx context.Context, c identity.Caller) ([]string, error) {
	who, err := riderOf(c)
	if err != nil {
		return nil, err
	}
	var out []string
	err = s.store.View(ctx, func(tx Tx) error { var err error; out, err = tx.Favourites(ctx, who); return err })
	return out, err
}

// FaultReport is what a citizen says is broken: a bike (by its code) or a
// dock (by its number) at a station.
type FaultReport struct {
	StationID   string `json:"station_id"`
	Target      string `json:"target"` // TargetBike or TargetDock
	BikeID      string `json:"bike_id,omitempty"`
	Dock        int    `json:"dock,omitempty"`
	Description string `json:"description"`
}

// ReportFault records a citizen's fault report as an open incident for the
// operators. The same report (the same citizen's of the same bike, at
// whichever station, or of the same dock) while the first is still open
// returns that one (created false) rather than a second. Errors: Unauthenticated, Forbidden (not a citizen); Invalid (bad
// target or description, reason in the error); NotFound (no such station
// or bike); RateLimited (MaxOpenReports open already).
func (s *Service) ReportFault(ctx context.Context, c identity.Caller, r FaultReport) (inc Incident, created bool, err error) {
	who, err := riderOf(c)
	if err != nil {
		return Incident{}, false, err
	}
	r.Description = strings.TrimSpace(r.Description)
	r.BikeID = BikeCode(r.BikeID)
	if err := checkReport(r); err != nil {
		return Incident{}, false, err
	}
	// A report racing its twin (a double tap, two devices) that passes the
	// open-report check below with it is refused by the store's unique
	// index on open reports (a bike's keyed on the citizen and the bike,
	// wherever each report went; a dock's on the citizen, station and
	// dock) when the other commits first: that one runs again, and the
	// check then finds the first and answers with it, as it would have.
	inc, created, err = s.reportFault(ctx, who, r)
	if errors.Is(err, errReportRaced) {
		inc, created, err = s.reportFault(ctx, who, r)
	}
	if errors.Is(err, errReportRaced) { // raced again: the first was resolved meanwhile and another twin won
		err = apperr.R(apperr.Conflict, "report_raced", "The same report was being filed at the same moment: try again.")
	}
	if err != nil {
		return Incident{}, false, err
	}
	if created {
		s.changed()
		s.log.InfoContext(ctx, "incident: citizen fault report", slog.String("incident", inc.ID),
			slog.String("station", inc.StationID), slog.String("named_station", inc.NamedStationID), slog.String("bike", inc.BikeID), slog.Int("dock", inc.Dock))
	}
	return inc, created, nil
}

// errReportRaced is a report's insert refused by the unique index on open
// reports: the same report committed first, in a transaction this one's
// check could not see.
var errReportRaced = errors.New("an open report of the same bike or dock was filed concurrently")

// reportFault is ReportFault's transaction, for the checked report r by
// the account who.
func (s *Service) reportFault(ctx context.Context, who string, r FaultReport) (inc Incident, created bool, err error) {
	err = s.store.InTx(ctx, func(tx Tx) error {
		// A dock's report holds its station until it commits: a delete
		// of the station, refused while its docks have open reports
		// (DeleteStation), either waits for this report and sees it, or
		// is seen here as done (no_station). Never an open report of a
		// dock of a deleted station, which no operator could go and fix
		// and which would count against the rider's limit for good. A
		// bike's report is of the bike, which the station's delete
		// leaves, and holds nothing.
		read := tx.Station
		if r.Target == TargetDock {
			read = tx.ShareStation
		}
		st, err := read(ctx, r.StationID)
		if err != nil {
			return err
		}
		inc = Incident{Kind: IncidentCitizenReport, StationID: st.ID, ReportedBy: who, Description: r.Description}
		if r.Target == TargetBike {
			if _, err := tx.Bike(ctx, r.BikeID); err != nil {
				if apperr.Has(err, apperr.NotFound) {
					return apperr.R(apperr.NotFound, "report_no_bike", "There is no bike %q: type the code printed on its frame.", r.BikeID)
				}
				return err
			}
			inc.BikeID = r.BikeID
			if at, err := dockedAt(ctx, tx, r.BikeID, st.ID); err != nil {
				return err
			} else if at != "" && at != st.ID {
				inc.StationID, inc.NamedStationID = at, st.ID
			}
		} else {
			if !st.Registered(r.Dock) {
				return apperr.R(apperr.Invalid, "report_dock", "This station has docks 1 to %d.", st.Capacity)
			}
			inc.Dock = r.Dock
		}
		// Held until the end: two reports by one citizen racing each
		// other (distinct ones included) would both count the open
		// reports before either is inserted and both pass the limit,
		// which no index keeps. Twins of one report are one by the
		// store's unique index too, should anything write past this
		// check.
		open, err := tx.LockOpenReportsBy(ctx, who)
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(open, inc.sameReport); i >= 0 {
			inc = open[i]
			return nil
		}
		if len(open) >= MaxOpenReports {
			return apperr.R(apperr.RateLimited, "report_limit", "You have %d reports still open: the operator will look at them first.", len(open))
		}
		inc.ID = ids.New("inc")
		inc.RequestID = inc.ID // one report, one incident
		inc.RaisedAt = s.now()
		created, err = tx.InsertIncident(ctx, inc)
		if apperr.Has(err, apperr.Conflict) {
			// Not (kind, station, request), which InsertIncident answers
			// with false, nor the fresh id: an open-report index.
			return fmt.Errorf("%w: %w", errReportRaced, err)
		}
		return err
	})
	return inc, created, err
}

// sameReport reports whether the open report o is of what i reports: the
// same bike wherever either report placed it (a bike moves between
// stations, and a report goes where the bike was seen, so a bike reported
// again after a ride would otherwise be a second report of one fault), or
// the same dock of the same station. Both are the same citizen's reports.
func (i Incident) sameReport(o Incident) bool {
	if i.BikeID != "" {
		return o.BikeID == i.BikeID
	}
	return o.BikeID == "" && o.StationID == i.StationID && o.Dock == i.Dock
}

// dockedAt is the station the hub last saw bike docked at, "" when none
// (on a ride, or in no station's last status). The station the citizen
// named, likeliest, is read first; the others only when the bike is not
// there. A report naming the wrong station is kept (the citizen saw a
// fault all the same) and goes where the bike is, for the operator who
// goes to fix it.
func dockedAt(ctx context.Context, tx Tx, bike, named string) (string, error) {
	st, err := tx.StationState(ctx, named)
	switch {
	case err == nil:
		if _, ok := st.DockOfBike(bike); ok {
			return named, nil
		}
	case !apperr.Has(err, apperr.NotFound):
		return "", fmt.Errorf("read the state of station %s: %w", named, err)
	}
	states, err := tx.StationStates(ctx)
	if err != nil {
		return "", fmt.Errorf("read the stations' states: %w", err)
	}
	for _, st := range states {
		if _, ok := st.DockOfBike(bike); ok {
			return st.StationID, nil
		}
	}
	return "", nil
}

func checkReport(r FaultReport) error {
	if problems := reportProblems(r); len(problems) > 0 {
		return problems[0]
	}
	return nil
}

// reportProblems is every mistake checkReport finds in r, in its order, at
// most one a field: the station, the bike or dock, the description.
func reportProblems(r FaultReport) []error {
	var out []error
	if !ValidID(r.StationID) {
		out = append(out, apperr.R(apperr.Invalid, "report_station", "Choose a station."))
	}
	switch r.Target {
	case TargetBike:
		if !ValidID(r.BikeID) {
			out = append(out, apperr.R(apperr.Invalid, "report_bike", "Type the bike's code, printed on its frame."))
		}
	case TargetDock:
		// Only a report without a number is asked for one: any other
		// number outside the station's docks, however far (a 20-digit one
		// is read as the largest int), is told the station's range once
		// the station is read (reportFault), as 99 is.
		if r.Dock == 0 {
			out = append(out, apperr.R(apperr.Invalid, "report_dock", "Give the dock's number."))
		}
	default:
		out = append(out, apperr.R(apperr.Invalid, "report_target", "Say whether a bike or a dock is faulty."))
	}
	// Characters the rider cannot see (a text direction override, a control
	// character, often pasted with the text) have a refusal of their own:
	// blaming the length would send them counting what they typed.
	if utf8.ValidString(r.Description) && !plaintext.Lines(r.Description) {
		return append(out, apperr.R(apperr.Invalid, "report_text_invisible_characters", "The description holds invisible or control characters; type it again without them."))
	}
	n := utf8.RuneCountInString(r.Description)
	if n < MinReportText || n > MaxReportText || !utf8.ValidString(r.Description) {
		out = append(out, apperr.R(apperr.Invalid, "report_text", "Describe the fault in %d to %d characters.", MinReportText, MaxReportText))
	}
	return out
}

// ReportProblems is every mistake ReportFault would find in r's fields, so
// that a form shows them all at once: those of checkReport, and a dock
// the station does not have or a bike the hub does not know, which the
// station and the bike, read here, say. Nothing for a caller who may not
// report (ReportFault tells them so), and nothing is changed.
func (s *Service) ReportProblems(ctx context.Context, c identity.Caller, r FaultReport) ([]error, error) {
	if _, err := riderOf(c); err != nil {
		return nil, nil
	}
	r.Description = strings.TrimSpace(r.Description)
	r.BikeID = BikeCode(r.BikeID)
	out := reportProblems(r)
	said := map[string]bool{}
	for _, err := range out {
		said[apperr.ReasonOf(err)] = true
	}
	if !ValidID(r.StationID) {
		return out, nil
	}
	err := s.store.View(ctx, func(tx Tx) error {
		switch {
		case r.Target == TargetDock && !said["report_dock"]:
			st, err := tx.Station(ctx, r.StationID)
			if apperr.Has(err, apperr.NotFound) {
				return nil
			} else if err != nil {
				return err
			}
			if !st.Registered(r.Dock) {
				out = append(out, apperr.R(apperr.Invalid, "report_dock", "This station has docks 1 to %d.", st.Capacity))
			}
		case r.Target == TargetBike && !said["report_bike"]:
			if _, err := tx.Bike(ctx, r.BikeID); apperr.Has(err, apperr.NotFound) {
				out = append(out, apperr.R(apperr.NotFound, "report_no_bike", "There is no bike %q: type the code printed on its frame.", r.BikeID))
			} else if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the reported station or bike: %w", err)
	}
	return out, nil
}

// MaxListedReports bounds the list of a citizen's own reports.
const MaxListedReports = 50

// MyReport is one of a citizen's fault reports as its citizen sees it:
// what they reported and whether the operator has dealt with it, without
// the operators' bookkeeping (the incident's request id, who resolved it).
type MyReport struct {
	ID          string     `json:"id"`
	StationID   string     `json:"station_id"`
	Target      string     `json:"target"`
	BikeID      string     `json:"bike_id,omitempty"`
	Dock        int        `json:"dock,omitempty"`
	Description string     `json:"description"`
	ReportedAt  time.Time  `json:"reported_at"`
	ResolvedAt  *time.Time `json:"resolved_at,omitempty"`
}

// MyReportOf is the citizen's view of their report i: the station they
// named, even when the incident went to the one the bike is at.
func MyReportOf(i Incident) MyReport {
	v := MyReport{ID: i.ID, StationID: i.StationID, Target: TargetDock, BikeID: i.BikeID, Dock: i.Dock,
		Description: i.Description, ReportedAt: i.RaisedAt, ResolvedAt: i.ResolvedAt}
	if i.NamedStationID != "" {
		v.StationID = i.NamedStationID
	}
	if i.BikeID != "" {
		v.Target = TargetBike
	}
	return v
}

// MyReports lists the caller's own fault reports, open and resolved,
// newest first, at most MaxListedReports. Errors: Unauthenticated,
// Forbidden (not a citizen).
func (s *Service) MyReports(ctx context.Context, c identity.Caller) ([]MyReport, error) {
	who, err := riderOf(c)
	if err != nil {
		return nil, err
	}
	var list []Incident
	err = s.store.View(ctx, func(tx Tx) error {
		var err error
		list, err = tx.ReportsBy(ctx, who, MaxListedReports)
		return err
	})
	out := make([]MyReport, 0, len(list))
	for _, i := range list {
		out = append(out, MyReportOf(i))
	}
	return out, err
}

// CitizenReports lists citizens' fault reports for operators and admins,
// newest first (open ones only if openOnly). Errors: Unauthenticated,
// Forbidden.
func (s *Service) CitizenReports(ctx context.Context, caller identity.Caller, openOnly bool) ([]Incident, error) {
	// Chosen by the query, so that the stations' own incidents, however
	// many, never crowd the citizens' reports out of the list.
	return s.Incidents(ctx, caller, openOnly, IncidentCitizenReport)
}
