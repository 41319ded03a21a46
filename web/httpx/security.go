package httpx

import (
	"net/http"
	"strings"
)

// ContentSecurityPolicy allows only the hub's own scripts and styles. QR
// images arrive as data: (first render) and blob: (refresh) URLs. Fonts
// may be data: URLs too: Bootstrap Italia's stylesheet embeds video.js's
// icon font as one, which Chromium decodes as soon as it parses the
// stylesheet, so with font-src 'self' every page reported a violation
// (in the console and to any report endpoint) for a font no page uses; a
// data: font loads nothing from anywhere, and only the hub's own
// stylesheets can name one (style-src 'self').
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self' data:; " +
	"connect-src 'self'; media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// PolicyWithImages is ContentSecurityPolicy with images also allowed from
// origin (a map's tile server, "https://tile.example.org"); the policy
// unchanged when origin is empty.
func PolicyWithImages(origin string) string {
	if origin == "" {
		return ContentSecurityPolicy
	}
	return strings.Replace(ContentSecurityPolicy, "img-src 'self' data: blob:;", "img-src 'self' data: blob: "+origin+";", 1)
}

// Secured sets the security headers of a page or page asset.
// Strict-Transport-Security is not among them: the server's shared
// middleware sets it on every answer when the public URL is https.
func Secured(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		// The bike stations page asks for the phone's position to sort them.
		h.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=(self), payment=(), usb=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
