package feeds

import (
	"net/http"
)

// robotsTxt keeps search engines (RFC 9309) to the public pages and open
// data: a person's own pages, the staff tools and the sign-in forms hold
// nothing to index and are behind a sign-in anyway, and the API answers
// programs, not searches, except its open data. Rules match by prefix, the
// longest one deciding, so /api/v1/open/ stays open under a closed /api/.
// /privacy (the person's own data) is left out: as a prefix it would also
// close /privacy-policy, and it asks for a sign-in.
const robotsTxt = `User-agent: *
Disallow: /admin
Disallow: /staff
Disallow: /operator
Disallow: /account
Disallow: /wallet
Disallow: /login
Disallow: /logout
Disallow: /signup
Disallow: /password
Disallow: /language
Disallow: /api/
Allow: /api/v1/open/
Disallow: /open311/
`

// handleRobots answers /robots.txt.
func (f *Handler) handleRobots(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write([]byte(robotsTxt))
}
