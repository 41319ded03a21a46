package mobility

import (
	"context"
	"time"
)

// EndRideJudged is what Ingest does for a docking it judged against ride
// rideID: end the bike's open ride only if it is still that ride.
func (s *Service) EndRideJudged(ctx context.Context, rideID, bikeID, stationID string, dock int, at time.Time) (Ride, bool, error) {
	return s.endRide(ctx, rideID, bikeID, stationID, dock, at)
}
