package feeds

import (
	"net/http"
)

// robotsTxt keeps search engines (RFC 9309) to the public pages and open
// data: a person's own pages, the staff tools and the sign-in forms hold
// nothing to index and are behind a sign-in anyway, and the API answers
// programs, not searches, except its open data. Rules match by prefix, the
// longest one deciding, so /api/v1/open/ stays open under a closed /api/.
// /privacy (the person's own data) is closed with the end anchor "$" (RFC
// 9309, 2.2.3), since as a prefix it would also close /privacy-policy.
// The public lists stay open beside a person's pages under them (/bikes
// and its rides, /theatre and its orders, /reports and one's own).
const robotsTxt = `User-agent: *
Disallow: /admin
Disallow: /staff
Disallow: /operator
Disallow: /account
Disallow: /wallet
Disallow: /vouchers
Disallow: /bikes/rides
Disallow: /theatre/orders/
Disallow: /reports/mine
Disallow: /reports/new
Disallow: /proposals/new
Disallow: /privacy$
Disallow: /privacy/
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
