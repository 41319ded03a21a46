package tlsserve

import "time"

// RenewBefore makes c renew its ACME certificates when d of their lifetime
// is left, instead of autocert's third of it, so that a test whose
// certificates last seconds sees a renewal soon after issuance and long
// before expiry. Set it before Prepare.
func RenewBefore(c *Certificates, d time.Duration) { c.acme.manager.RenewBefore = d }
