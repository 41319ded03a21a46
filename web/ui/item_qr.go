package ui

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"cityhub/apperr"
	"cityhub/identity"
	"cityhub/web/httpx"
)

// handleItemQR answers a fresh QR code for one of the caller's items as a
// PNG, with the typed code and the expiry in headers (X-Typed-Code,
// X-Expires-At) so the page's script shows the code that matches the image.
// Another account's item is 404, exactly like an item that does not exist.
func (s *homePages) handleItemQR(w http.ResponseWriter, r *http.Request, c identity.Caller) {
	src, ok := s.qr[r.PathValue("kind")]
	if !ok {
		httpx.WriteError(s.log, w, r, apperr.E(apperr.NotFound, "No such wallet item."))
		return
	}
	token, code, exp, err := src.QRToken(r.Context(), c.AccountID, r.PathValue("id"))
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			err = fmt.Errorf("mint QR token: %w", err)
		}
		httpx.WriteError(s.log, w, r, err)
		return
	}
	png, err := qrPNG(token)
	if err != nil {
		httpx.WriteError(s.log, w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Typed-Code", code)
	h.Set("X-Expires-At", exp.UTC().Format(time.RFC3339))
	_, _ = w.Write(png)
}
