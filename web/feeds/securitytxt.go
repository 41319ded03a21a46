package feeds

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"cityhub/apperr"
	"cityhub/web/httpx"
)

// securityTxtLife is how far ahead security.txt's Expires lies. RFC 9116
// asks for less than a year, so that a file nobody keeps stops being
// believed; the hub writes it on each request from its configuration, so
// the date moves on while the hub runs with a contact and stops with it.
const securityTxtLife = 180 * 24 * time.Hour

// handleSecurityTxt answers /.well-known/security.txt (RFC 9116): where
// to report a flaw in the hub, in Italian or English; 404 when the city
// gave no address.
func (f *Handler) handleSecurityTxt(w http.ResponseWriter, r *http.Request) {
	contact := f.SecurityContact
	if contact == "" {
		httpx.WriteError(f.log, w, r, apperr.E(apperr.NotFound, "No security contact is configured."))
		return
	}
	if !strings.HasPrefix(contact, "https://") {
		contact = "mailto:" + contact
	}
	expires := time.Now().UTC().Add(securityTxtLife).Truncate(24 * time.Hour)
	var b strings.Builder
	fmt.Fprintf(&b, "Contact: %s\nExpires: %s\nPreferred-Languages: it, en\n", contact, expires.Format(time.RFC3339))
	if f.PublicURL != "" {
		fmt.Fprintf(&b, "Canonical: %s/.well-known/security.txt\n", strings.TrimSuffix(f.PublicURL, "/"))
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write([]byte(b.String()))
}
