package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"cityhub/identity"
)

// handleExport downloads all the caller's data as JSON (GDPR art. 15 and
// 20): the document of GET /api/v1/me/data (package mydata), or, on a hub
// wired without it, who the caller is.
func (s *homePages) handleExport(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	var out any = struct {
		ExportedAt time.Time       `json:"exported_at"`
		Account    identity.Caller `json:"account"`
	}{time.Now().UTC().Truncate(time.Microsecond), c}
	if s.export != nil {
		var err error
		if out, err = s.export(r.Context(), c); err != nil {
			s.pageError(w, r, fmt.Errorf("export my data: %w", err))
			return
		}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		s.pageError(w, r, fmt.Errorf("encode export: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="cityhub-my-data.json"`)
	_, _ = w.Write(b)
}
