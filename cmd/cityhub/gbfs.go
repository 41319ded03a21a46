package main

import (
	"crypto/sha256"
	"errors"
	"log/slog"

	"cityhub/config"
	"cityhub/gbfs"
	"cityhub/keyring"
	"cityhub/mobility"
)

// newGBFS publishes the mobility service as GBFS v3.0 feeds at the public
// URL, as the configured city's system in its time zone, with the city's
// e-mail address as the feed contact. The key of the rotating vehicle ids
// is derived from the keyring's QR key, so every replica sharing the
// database publishes the same ids; the caller runs (*gbfs.Feeds).Run.
func newGBFS(cfg config.Config, keys *keyring.Keyring, svc *mobility.Service, log *slog.Logger) (*gbfs.Feeds, error) {
	_, qr := keys.Signer(keyring.PurposeQR)
	if qr == nil {
		return nil, errors.New("gbfs: the keyring has no QR key to derive the vehicle id key from")
	}
	secret := sha256.Sum256(append([]byte("cityhub gbfs vehicle ids\x00"), qr.Seed()...))
	// The system's url is left to the feeds, which name the hub's home
	// page: public, it links the feeds for GBFS auto-discovery (<link
	// rel="gbfs">).
	return gbfs.New(gbfs.MobilitySource{Service: svc}, gbfs.Config{
		System:  gbfs.CitySystem(cfg.City.Name, cfg.TimeZone.String()).WithFeedContact(cfg.City.Email),
		BaseURL: cfg.PublicURL, VehicleIDSecret: secret[:],
		Log: log.With(slog.String("component", "gbfs")),
	})
}
