package main

import (
	"fmt"
	"log/slog"
	"os"

	"cityhub/participation"
	"cityhub/photo"
	"cityhub/web"
	"cityhub/web/ui"
)

// newParticipation builds citizens' reports and proposals from the
// configuration: the city's catalogue (CITYHUB_PARTICIPATION_CATALOGUE, or
// the built-in one), the reopen period and support threshold the city chose,
// the photo limits, and e-mails through the same outbox as the rest of the
// hub (written in the transaction of the change they tell about).
func (h *hub) newParticipation() (web.Participation, error) {
	var cat participation.Catalogue // the built-in one when no file is set
	changed := participation.DefaultCatalogueChanged
	if path := h.cfg.ParticipationCatalogue; path != "" {
		var err error
		if cat, err = participation.LoadCatalogue(path); err != nil {
			return web.Participation{}, fmt.Errorf("CITYHUB_PARTICIPATION_CATALOGUE: %w", err)
		}
		// The file's own date: Open311 clients cache the services and look
		// at the discovery changeset to know when to fetch them again.
		fi, err := os.Stat(path)
		if err != nil {
			return web.Participation{}, fmt.Errorf("CITYHUB_PARTICIPATION_CATALOGUE: %w", err)
		}
		changed = fi.ModTime()
	}
	svc, err := participation.NewService(h.db.Participation(), participation.Settings{
		Catalogue:        cat,
		ReopenPeriod:     h.cfg.ReportReopenPeriod,
		SupportThreshold: h.cfg.ProposalSupportThreshold,
		Publisher:        h.cfg.City.Official(),
		APIKeyCost:       hashCost(h.cfg),
	}, h.log.With(slog.String("component", "participation")))
	if err != nil {
		return web.Participation{}, fmt.Errorf("set up participation: %w", err)
	}
	svc.SendMail(h.composer)
	h.parts = svc
	return web.Participation{
		Service:             svc,
		Photos:              photo.Limits{MaxBytes: h.cfg.PhotoMaxBytes, MaxPixels: h.cfg.PhotoMaxPixels},
		MapTiles:            ui.MapTiles{URL: h.cfg.MapTilesURL, Attribution: h.cfg.MapTilesAttribution},
		CatalogueChanged:    changed,
		Open311Jurisdiction: h.cfg.Open311Jurisdiction,
	}, nil
}
