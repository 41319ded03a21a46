package mobility

import (
	"context"
	"fmt"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
)

// Export is what bike sharing holds about a person, for their data
// download (GDPR articles 15 and 20).
type Export struct {
	// Rides are the person's rides, newest first, failed unlocks included.
	Rides []RideView `json:"rides"`
	// FavouriteStations are the ids of the stations the person marked.
	FavouriteStations []string `json:"favourite_stations"`
	// FaultReports are the faults the person reported, with their words.
	FaultReports []MyReport `json:"fault_reports"`
}

// MaxExportedRides bounds the rides of a download, as the wallet's history
// is bounded: a person with more gets the newest and asks the city for the
// rest.
const MaxExportedRides = 10000

// maxExportedReports bounds the fault reports of a download; a citizen has
// at most MaxOpenReports open at a time, so this is years of them.
const maxExportedReports = 10000

// Export returns what bike sharing holds about the caller's own account,
// whatever its roles now (a person who rode as a citizen and now works for
// the city still gets their rides). Unauthenticated without an account.
func (s *Service) Export(ctx context.Context, c identity.Caller) (Export, error) {
	if c.AccountID == "" || c.IsSystem() {
		return Export{}, apperr.R(apperr.Unauthenticated, "login_required", "Sign in to download your data.")
	}
	var rides []Ride
	var reports []Incident
	out := Export{}
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		if rides, err = tx.RidesOfRider(ctx, c.AccountID, time.Time{}, MaxExportedRides); err != nil {
			return fmt.Errorf("read rides: %w", err)
		}
		if out.FavouriteStations, err = tx.Favourites(ctx, c.AccountID); err != nil {
			return fmt.Errorf("read favourite stations: %w", err)
		}
		if reports, err = tx.ReportsBy(ctx, c.AccountID, maxExportedReports); err != nil {
			return fmt.Errorf("read fault reports: %w", err)
		}
		return nil
	})
	if err != nil {
		return Export{}, err
	}
	now := s.now()
	out.Rides = make([]RideView, 0, len(rides))
	for _, r := range rides {
		out.Rides = append(out.Rides, s.view(r, now))
	}
	out.FaultReports = make([]MyReport, 0, len(reports))
	for _, i := range reports {
		out.FaultReports = append(out.FaultReports, MyReportOf(i))
	}
	if out.FavouriteStations == nil {
		out.FavouriteStations = []string{}
	}
	return out, nil
}
