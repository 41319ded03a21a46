// Package feeds is the hub's open surface: the GBFS feeds, the open data of
// the voucher scheme and of citizens' reports and proposals, the catalogue
// of all of it (DCAT-AP_IT), approved report photos, the public signing
// keys (JWKS), health, readiness and metrics. Anyone may read it; it needs no caller and changes nothing.
package feeds

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"cityhub/gbfs"
	"cityhub/keyring"
	"cityhub/opendata"
	"cityhub/participation"
	"cityhub/vouchers"
)

// Deps is what the feeds read.
type Deps struct {
	Log     *slog.Logger
	Version string
	// MetricsToken is the bearer token /metrics asks for; empty, it answers
	// only requests from a loopback address that no proxy forwarded.
	MetricsToken string
	// Ready checks the dependencies /readyz reports on (database, broker).
	Ready map[string]func(ctx context.Context) error
	// Degraded checks what makes the hub degraded but still ready (a
	// telemetry backlog): /readyz says "degraded" and stays 200.
	Degraded map[string]func(ctx context.Context) error
	// Registry is what /metrics publishes.
	Registry *prometheus.Registry
	// Keys is the hub's keyring, published at /.well-known/jwks.json; when
	// nil, that answers 503.
	Keys *keyring.Keyring
	// GBFS keeps the open bikesharing feeds rendered; when nil, /gbfs/v3 answers 404.
	GBFS *gbfs.Feeds
	// Vouchers gives the voucher scheme's open statistics; when nil, their
	// routes are off.
	Vouchers OpenVoucherStats
	// Participation gives citizens' reports and proposals as open data and
	// serves their approved photos; when nil, those routes are off.
	Participation *participation.Service
	// SecurityContact is /.well-known/security.txt's Contact: an e-mail
	// address or an https URL; empty: no security.txt (404).
	SecurityContact string
	// PublicURL is the hub's address, for security.txt's Canonical.
	PublicURL string
	// OpenDataCatalog is the open data catalogue as of now; ok false:
	// none is published (404). nil: no catalogue routes.
	OpenDataCatalog func(now time.Time) (c opendata.Catalog, ok bool)
}

// OpenVoucherStats gives the anonymous statistics of the voucher scheme.
// vouchers.Service implements it.
type OpenVoucherStats interface {
	OpenStats(ctx context.Context) (vouchers.OpenData, error)
}

// Handler serves the open feeds.
type Handler struct {
	Deps
	log *slog.Logger
	// The open data, computed at most once per OpenDataMaxAge.
	voucherStats      *snapshot[vouchers.OpenData]
	participationData *snapshot[participation.OpenData]
}

// New builds the feeds' handler.
func New(d Deps) *Handler {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	f := &Handler{Deps: d, log: d.Log}
	if d.Vouchers != nil {
		f.voucherStats = newSnapshot(OpenDataMaxAge, d.Vouchers.OpenStats)
	}
	if d.Participation != nil {
		f.participationData = newSnapshot(OpenDataMaxAge, d.Participation.OpenData)
	}
	return f
}
