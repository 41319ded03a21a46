package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Validate reports configuration that cannot work.
func (c Config) Validate() error {
	var errs []error
	if err := checkListenAddr(c.NameOf("CITYHUB_HTTP_ADDR"), c.HTTPAddr); err != nil {
		errs = append(errs, err)
	}
	// Only the embedded broker listens there, but a value that is no
	// address at all is a mistake wherever the broker is.
	if err := checkListenAddr(c.NameOf("CITYHUB_MQTT_BROKER_ADDR"), c.MQTTBrokerAddr); err != nil {
		errs = append(errs, err)
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, fmt.Errorf("%s %s: must start with postgres:// or postgresql:// (leave it empty for the embedded SQLite file)", c.NameOf("CITYHUB_DATABASE_URL"), Redact(c.DatabaseURL)))
	} else if c.DatabaseURL != "" && atInDatabaseHost(c.DatabaseURL) {
		errs = append(errs, fmt.Errorf("%s %s: %s", c.NameOf("CITYHUB_DATABASE_URL"), Redact(c.DatabaseURL), atInDatabaseHostMsg))
	}
	if c.MQTTURL != "" {
		if err := CheckBrokerURL(c.NameOf("CITYHUB_MQTT_URL"), c.MQTTURL); err != nil {
			errs = append(errs, err)
		}
	}
	if !validTopicPart(c.MQTTTopicRoot, true) {
		errs = append(errs, fmt.Errorf("%s %q: want levels of letters, digits, ., - and _ separated by /, up to 100 characters in all", c.NameOf("CITYHUB_MQTT_TOPIC_ROOT"), c.MQTTTopicRoot))
	}
	if c.MQTTBrokerAuth != "dynsec" && c.MQTTBrokerAuth != "none" {
		errs = append(errs, fmt.Errorf("%s %q: want dynsec or none", c.NameOf("CITYHUB_MQTT_BROKER_AUTH"), c.MQTTBrokerAuth))
	}
	if c.MQTTBrokerAuth == "dynsec" && c.MQTTURL != "" && c.MQTTUsername == "" {
		errs = append(errs, fmt.Errorf("%s dynsec with %s needs the hub's broker account (CITYHUB_MQTT_USERNAME, CITYHUB_MQTT_PASSWORD)", c.NameOf("CITYHUB_MQTT_BROKER_AUTH"), c.NameOf("CITYHUB_MQTT_URL")))
	}
	// The embedded broker makes the hub's own account and always checks
	// stations against the hub's store: an account or an engine for an
	// external broker, given without one, would be silently unused, and
	// the operator would believe the hub connects where it does not.
	if c.MQTTURL == "" {
		var unused []string
		if c.MQTTUsername != "" || c.MQTTPassword != "" {
			unused = append(unused, "CITYHUB_MQTT_USERNAME, CITYHUB_MQTT_PASSWORD")
		}
		if c.MQTTBrokerAuth == "dynsec" {
			unused = append(unused, c.NameOf("CITYHUB_MQTT_BROKER_AUTH")+"=dynsec")
		}
		if len(unused) > 0 {
			errs = append(errs, fmt.Errorf("%s: only for an external broker, and %s is empty (the embedded broker keeps its own accounts): set %[2]s or remove them", strings.Join(unused, " and "), c.NameOf("CITYHUB_MQTT_URL")))
		}
	}
	if !validTopicPart(c.MQTTShareGroup, false) {
		errs = append(errs, fmt.Errorf("%s %q: want letters, digits, ., - and _, up to 100 characters", c.NameOf("CITYHUB_MQTT_SHARE_GROUP"), c.MQTTShareGroup))
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("%s %q: want debug, info, warn or error", c.NameOf("CITYHUB_LOG_LEVEL"), c.LogLevel))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("%s %q: want text or json", c.NameOf("CITYHUB_LOG_FORMAT"), c.LogFormat))
	}
	// Requests in flight need some time to finish; beyond a few minutes
	// the service manager kills the hub anyway (TimeoutStopSec).
	if c.ShutdownTimeout < time.Second || c.ShutdownTimeout > 10*time.Minute {
		errs = append(errs, fmt.Errorf("CITYHUB_SHUTDOWN_TIMEOUT %s: must be 1s to 10m", c.ShutdownTimeout))
	}
	if c.StripeWebhookTolerance <= 0 || c.StripeWebhookTolerance > time.Hour {
		errs = append(errs, fmt.Errorf("CITYHUB_STRIPE_WEBHOOK_TOLERANCE %s: must be more than 0 and at most 1h", c.StripeWebhookTolerance))
	}
	if c.StripeAPIURL != "" {
		// Another Stripe API base carries the secret key: https, or http
		// only to this machine (stripe-mock in tests).
		u, err := url.Parse(c.StripeAPIURL)
		if err != nil || u.Hostname() == "" || u.User != nil || !(u.Scheme == "https" || u.Scheme == "http" && isLoopback(u.Hostname())) {
			errs = append(errs, fmt.Errorf("%s %q: want an absolute https URL (http only to a loopback address, such as stripe-mock's)", c.NameOf("CITYHUB_STRIPE_API_URL"), Redact(c.StripeAPIURL)))
		}
	}
	errs = append(errs, c.validateStripe()...)
	if c.MetricsToken != "" && !token68(c.MetricsToken) {
		// A space inside would be sent and matched, but one at an end is
		// trimmed from the header on the way, and a monitor's bearer
		// setting is not made for either: refused by name, never shown.
		errs = append(errs, fmt.Errorf("CITYHUB_METRICS_TOKEN: want a bearer token of letters, digits and - . _ ~ + / (= only at its end), as an Authorization header carries it; e.g. openssl rand -hex 32"))
	}
	if c.AccessTokenTTL <= 0 || c.AccessTokenTTL > time.Hour {
		errs = append(errs, fmt.Errorf("CITYHUB_ACCESS_TOKEN_TTL %s: must be more than 0 and at most 1h", c.AccessTokenTTL))
	}
	// At most identity.MaxLoginWindow, a day: the stores forget older
	// attempts (config cannot import identity, which reaches config).
	if c.LoginWindow <= 0 || c.LoginWindow > 24*time.Hour {
		errs = append(errs, fmt.Errorf("CITYHUB_LOGIN_WINDOW %s: must be more than 0 and at most 24h", c.LoginWindow))
	}
	if c.RefreshTokenTTL <= 0 {
		errs = append(errs, fmt.Errorf("CITYHUB_REFRESH_TOKEN_TTL %s: must be more than 0", c.RefreshTokenTTL))
	}
	if err := c.PasswordHashCost.validate(); err != nil {
		errs = append(errs, err)
	}
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		switch {
		case atAfterAuthority(c.SMTPURL):
			errs = append(errs, fmt.Errorf("CITYHUB_SMTP_URL %s: %s", Redact(c.SMTPURL), atAfterHost))
		case err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "":
			errs = append(errs, fmt.Errorf("CITYHUB_SMTP_URL %s: want smtp://user:pass@host:587 or smtps://user:pass@host:465", Redact(c.SMTPURL)))
		case u.Scheme == "smtp" && !slices.Contains([]string{"", "starttls", "opportunistic", "none"}, u.Query().Get("tls")):
			// The values smtpmail.New takes; checked here too, so that a
			// typo stops the start before the database is opened, and
			// `cityhub check` names it on its config line.
			errs = append(errs, fmt.Errorf("CITYHUB_SMTP_URL %s: tls must be starttls (the default), opportunistic or none", Redact(c.SMTPURL)))
		case u.Scheme == "smtp" && u.Query().Get("tls") == "none" && u.User != nil && u.User.Username() != "":
			// The SMTP library sends a password only over TLS (or by a
			// challenge few servers offer): a login that tls=none keeps
			// off TLS would fail at every delivery, the mail pending.
			errs = append(errs, fmt.Errorf("CITYHUB_SMTP_URL %s: a login is sent only over TLS, and tls=none never starts it: "+
				"use the default STARTTLS (drop ?tls=none) or smtps://, or drop the login (user:password@)", Redact(c.SMTPURL)))
		}
	}
	// The sender is checked whenever it is given, as every malformed
	// setting is, even while no SMTP server is set to send through.
	if c.SMTPURL != "" || c.MailFrom != "" {
		if a, err := mail.ParseAddress(c.MailFrom); err != nil || a.Address == "" {
			errs = append(errs, fmt.Errorf("CITYHUB_MAIL_FROM %q: want the sender, as a mail address, e.g. \"Comune di Benevento <noreply@comune.example>\"", c.MailFrom))
		}
	}
	if c.MailMaxAttempts < 1 || c.MailMaxAttempts > 50 {
		errs = append(errs, fmt.Errorf("CITYHUB_MAIL_MAX_ATTEMPTS %d: must be 1 to 50", c.MailMaxAttempts))
	}
	if c.KeptAnswersTTL != 0 && c.KeptAnswersTTL < 24*time.Hour {
		errs = append(errs, fmt.Errorf("CITYHUB_KEPT_ANSWERS_TTL %s: must be 0 (keep them) or at least 24h, so that a client's retries find their first answer", c.KeptAnswersTTL))
	}
	if c.UnverifiedAccountTTL != 0 && c.UnverifiedAccountTTL < 48*time.Hour {
		errs = append(errs, fmt.Errorf("CITYHUB_UNVERIFIED_ACCOUNT_TTL %s: must be 0 (keep them) or at least 48h, the life of a verification link", c.UnverifiedAccountTTL))
	}
	if c.VoucherReminderDays < 0 || c.VoucherReminderDays > 365 {
		errs = append(errs, fmt.Errorf("CITYHUB_VOUCHER_REMINDER_DAYS %d: must be 0 (none) to 365", c.VoucherReminderDays))
	}
	// Whole days: the reporter is told the period in days (e-mails, the
	// refusal), and a day and a half told as one would close the door
	// half a day early, or told as two, half a day before it says.
	if c.ReportReopenPeriod < 24*time.Hour || c.ReportReopenPeriod > 366*24*time.Hour || c.ReportReopenPeriod%(24*time.Hour) != 0 {
		errs = append(errs, fmt.Errorf("CITYHUB_REPORT_REOPEN_PERIOD %s: must be whole days, 1 to 366 (24h to 8784h)", c.ReportReopenPeriod))
	}
	if c.ProposalSupportThreshold < 1 || c.ProposalSupportThreshold > 1_000_000 {
		errs = append(errs, fmt.Errorf("CITYHUB_PROPOSAL_SUPPORT_THRESHOLD %d: must be 1 to 1000000", c.ProposalSupportThreshold))
	}
	// Under 16 MiB a checkpoint of the embedded database's log may not
	// fit; over 1 TiB is a typo for a smaller unit.
	if c.DiskMinFreeMiB < 16 || c.DiskMinFreeMiB > 1<<20 {
		errs = append(errs, fmt.Errorf("CITYHUB_DISK_MIN_FREE_MIB %d: must be 16 to 1048576 (1 TiB)", c.DiskMinFreeMiB))
	}
	if c.PhotoMaxBytes < 64<<10 || c.PhotoMaxBytes > 64<<20 {
		errs = append(errs, fmt.Errorf("CITYHUB_PHOTO_MAX_BYTES %d: must be 64 KiB to 64 MiB", c.PhotoMaxBytes))
	}
	// 50 million: beyond it even an 8-bit photo decodes to more than the
	// photo package's memory budget for one decode.
	if c.PhotoMaxPixels < 1_000_000 || c.PhotoMaxPixels > 50_000_000 {
		errs = append(errs, fmt.Errorf("CITYHUB_PHOTO_MAX_PIXELS %d: must be 1 million to 50 million", c.PhotoMaxPixels))
	}
	if err := checkTilesURL(c.MapTilesURL); err != nil {
		errs = append(errs, fmt.Errorf("CITYHUB_MAP_TILES_URL: %w", err))
	}
	if strings.TrimSpace(c.MapTilesAttribution) == "" {
		errs = append(errs, fmt.Errorf("CITYHUB_MAP_TILES_ATTRIBUTION: the tiles' credit is needed"))
	}
	// A domain name as GeoReport v2 suggests (comune.benevento.it): a URL
	// pasted whole would be an id no client sends.
	if c.Open311Jurisdiction != "" && !validDomain(strings.ToLower(c.Open311Jurisdiction)) {
		errs = append(errs, fmt.Errorf("CITYHUB_OPEN311_JURISDICTION %q: want the city's domain name, such as comune.benevento.it (no scheme, port or path)", c.Open311Jurisdiction))
	}
	if c.SMTPTimeout <= 0 || c.SMTPTimeout > 5*time.Minute {
		errs = append(errs, fmt.Errorf("CITYHUB_SMTP_TIMEOUT %s: must be more than 0 and at most 5m", c.SMTPTimeout))
	}
	errs = append(errs, c.validateOIDC()...)
	if c.PublicURL != "" {
		// Every address the hub gives (pages, e-mails, feeds, the open data
		// catalogue) hangs from it: a user, a query or a fragment would end
		// up in the middle of each.
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, fmt.Errorf("%s %q: want an absolute http:// or https:// URL with no user, query or fragment", c.NameOf("CITYHUB_PUBLIC_URL"), Redact(c.PublicURL)))
		} else if u.Path != "" && u.Path != "/" {
			// The hub's routes, redirects and feed links all start at the
			// root: under a path, pages would link outside it and the path
			// itself would be 404.
			errs = append(errs, fmt.Errorf("%s %q: want no path (the hub is served at the root of its host; a reverse proxy must map that root to the hub)", c.NameOf("CITYHUB_PUBLIC_URL"), Redact(c.PublicURL)))
		}
	}
	if c.TimeZone == nil {
		errs = append(errs, fmt.Errorf("CITYHUB_TIMEZONE: time zone not set (want an IANA name such as %s)", DefaultTimeZone))
	}
	if err := c.TLS.validate(c.PublicURL, c.NameOf("CITYHUB_PUBLIC_URL")); err != nil {
		errs = append(errs, err)
	}
	if err := c.City.validate(c.TimeZone); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// atAfterHost says why a URL with an @ after its host is refused: the
// host it names is a password's start (smtp://user:1234/pw@host has host
// user, port 1234).
const atAfterHost = "an @ after the host, in the path, query or fragment: a password holding /, ? or # must be percent-encoded (%2F, %3F, %23), or the part before it is taken for the host"

// isLoopback says whether host (no port) is this machine: localhost or a
// loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loadZone loads an IANA time zone by name. "Local" and the empty name
// are refused: they would make the city's calendar depend on the host.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%q is not an IANA time zone name such as %s", name, DefaultTimeZone)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: want an IANA name such as %s", name, DefaultTimeZone)
	}
	return loc, nil
}

// DefaultZone is the location of DefaultTimeZone, loaded once: the zone of
// a domain service that was not told the city's. It cannot fail to load:
// time/tzdata is embedded.
var DefaultZone = sync.OnceValue(func() *time.Location {
	loc, err := loadZone(DefaultTimeZone)
	if err != nil {
		panic(err)
	}
	return loc
})

// checkListenAddr checks an address to listen on, named by its setting:
// host:port, the port a number from 0 to 65535 (0 picks a free one), so
// that a mistyped port stops the start naming the setting rather than
// failing to listen later.
func checkListenAddr(setting, addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s %q: want host:port: %w", setting, addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%s %q: want host:port with a port from 0 to 65535", setting, addr)
	}
	return nil
}

// validateOIDC checks the SPID/CIE settings, all or nothing: an issuer
// needs a client id and one way to authenticate the client.
func (c Config) validateOIDC() []error {
	if c.OIDCIssuer == "" {
		// A setting of SPID/CIE given without it would do nothing, silently.
		d := Default()
		if c.OIDCClientID != "" || c.OIDCClientSecret != "" || c.OIDCPrivateKeyFile != "" || !slices.Equal(c.OIDCScopes, d.OIDCScopes) ||
			c.OIDCLabel != d.OIDCLabel || c.OIDCClaimFiscalCode != d.OIDCClaimFiscalCode || c.OIDCClaimGivenName != d.OIDCClaimGivenName ||
			c.OIDCClaimFamilyName != d.OIDCClaimFamilyName || c.OIDCClaimEmail != d.OIDCClaimEmail {
			return []error{fmt.Errorf("CITYHUB_OIDC_ISSUER: needed with the other CITYHUB_OIDC_ settings")}
		}
		return nil
	}
	var errs []error
	u, err := url.Parse(c.OIDCIssuer)
	local := err == nil && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1" || u.Hostname() == "::1")
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || !(u.Scheme == "https" || u.Scheme == "http" && local) {
		errs = append(errs, fmt.Errorf("CITYHUB_OIDC_ISSUER %q: want an https URL (http only on localhost)", Redact(c.OIDCIssuer)))
	}
	if c.OIDCClientID == "" {
		errs = append(errs, fmt.Errorf("CITYHUB_OIDC_CLIENT_ID: needed with CITYHUB_OIDC_ISSUER"))
	}
	switch {
	case c.OIDCClientSecret == "" && c.OIDCPrivateKeyFile == "":
		errs = append(errs, fmt.Errorf("oidc: set CITYHUB_OIDC_CLIENT_SECRET or CITYHUB_OIDC_PRIVATE_KEY_FILE"))
	case c.OIDCClientSecret != "" && c.OIDCPrivateKeyFile != "":
		errs = append(errs, fmt.Errorf("oidc: set CITYHUB_OIDC_CLIENT_SECRET or CITYHUB_OIDC_PRIVATE_KEY_FILE, not both"))
	case c.OIDCPrivateKeyFile != "":
		if _, err := os.Stat(c.OIDCPrivateKeyFile); err != nil {
			errs = append(errs, fmt.Errorf("CITYHUB_OIDC_PRIVATE_KEY_FILE: %w", err))
		}
	}
	if !slices.Contains(c.OIDCScopes, "openid") {
		errs = append(errs, fmt.Errorf("CITYHUB_OIDC_SCOPES %q: openid is required", strings.Join(c.OIDCScopes, " ")))
	}
	if c.OIDCClaimFiscalCode == "" || c.OIDCLabel == "" {
		errs = append(errs, fmt.Errorf("CITYHUB_OIDC_CLAIM_FISCAL_CODE and CITYHUB_OIDC_LABEL: cannot be empty"))
	}
	return errs
}

// validateStripe checks the Stripe settings. The publishable key is shown
// on every card page, so a secret key pasted there by mistake would be
// shown to everyone: each key must look like what it is (the errors never
// show the values). And the settings work together or not at all: without
// the secret key card payments are off, and the others would do nothing;
// without the publishable key the API would start PaymentIntents that no
// page can pay, and without the webhook secret take card payments whose
// events it could not check, and so never credit.
func (c Config) validateStripe() []error {
	var errs []error
	if c.StripePublishableKey != "" && !strings.HasPrefix(c.StripePublishableKey, "pk_") {
		errs = append(errs, fmt.Errorf("CITYHUB_STRIPE_PUBLISHABLE_KEY: want Stripe's publishable key, which starts with pk_ (it is shown on every card page: never a secret key)"))
	}
	if c.StripeSecretKey != "" && !strings.HasPrefix(c.StripeSecretKey, "sk_") && !strings.HasPrefix(c.StripeSecretKey, "rk_") {
		errs = append(errs, fmt.Errorf("CITYHUB_STRIPE_SECRET_KEY: want Stripe's secret key (sk_...) or a restricted key (rk_...)"))
	}
	if c.StripeWebhookSecret != "" && !strings.HasPrefix(c.StripeWebhookSecret, "whsec_") {
		errs = append(errs, fmt.Errorf("CITYHUB_STRIPE_WEBHOOK_SECRET: want the webhook endpoint's signing secret, which starts with whsec_"))
	}
	if c.StripeSecretKey == "" {
		var unused []string
		if c.StripePublishableKey != "" {
			unused = append(unused, "CITYHUB_STRIPE_PUBLISHABLE_KEY")
		}
		if c.StripeWebhookSecret != "" {
			unused = append(unused, "CITYHUB_STRIPE_WEBHOOK_SECRET")
		}
		if c.StripeAPIURL != "" {
			unused = append(unused, c.NameOf("CITYHUB_STRIPE_API_URL"))
		}
		if len(unused) > 0 {
			errs = append(errs, fmt.Errorf("%s: only with CITYHUB_STRIPE_SECRET_KEY, which is empty (card payments are off without it): set it or remove them", strings.Join(unused, ", ")))
		}
	} else {
		if c.StripePublishableKey == "" {
			errs = append(errs, fmt.Errorf("CITYHUB_STRIPE_PUBLISHABLE_KEY: needed with CITYHUB_STRIPE_SECRET_KEY, or the hub would start card payments that no page can pay"))
		}
		if c.StripeWebhookSecret == "" {
			errs = append(errs, fmt.Errorf("CITYHUB_STRIPE_WEBHOOK_SECRET: needed with CITYHUB_STRIPE_SECRET_KEY, or the hub would take card payments whose events it cannot check, and never credit them"))
		}
	}
	return errs
}

// token68 is whether s has the syntax of a bearer token (RFC 9110 11.2).
func token68(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for _, r := range body {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~+/", r)) {
			return false
		}
	}
	return true
}

// validTopicPart refuses MQTT wildcards, empty levels and odd characters,
// which would subscribe the hub to more than its own stations.
func validTopicPart(s string, slashes bool) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, level := range strings.Split(s, "/") {
		if level == "" || (!slashes && level != s) {
			return false
		}
		for _, r := range level {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
				return false
			}
		}
	}
	return true
}

// checkTilesURL accepts an http(s) URL template holding {z}, {x} and {y},
// whose host may hold {s} (a server letter) and nothing else templated.
func checkTilesURL(raw string) error {
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(raw, p) {
			return fmt.Errorf("%q: want a URL template with {z}, {x} and {y}", Redact(raw))
		}
	}
	u, err := url.Parse(strings.ReplaceAll(raw, "{s}", "a"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(u.Host, "{} '\";") || u.User != nil {
		return fmt.Errorf("%q: want an http(s) URL template such as %s", Redact(raw), DefaultMapTilesURL)
	}
	return nil
}

// CheckBrokerURL says what is wrong with a broker URL given as name (a
// setting or a flag), or nil: a scheme the MQTT client dials and a host
// with its port. The hub and `cityhub simulate` check theirs alike, since
// the client would retry such a URL for ever.
func CheckBrokerURL(name, raw string) error {
	// An @ after the host is said first: such a URL often does not parse
	// at all (its "port" is a password's piece), and the general message
	// would not say why.
	u, err := url.Parse(raw)
	switch {
	case atAfterAuthority(raw):
		return fmt.Errorf("%s %q: %s", name, Redact(raw), atAfterHost)
	case err != nil:
		// The parser's own words may quote a piece of the password.
		return fmt.Errorf("%s %q: %s", name, Redact(raw), unparsableURL(raw))
	case (u.Scheme != "tcp" && u.Scheme != "ssl" && u.Scheme != "mqtt" && u.Scheme != "mqtts" && u.Scheme != "ws" && u.Scheme != "wss") || u.Hostname() == "":
		return fmt.Errorf("%s %q: want tcp://, ssl://, mqtt://, mqtts://, ws:// or wss:// and host:port", name, Redact(raw))
	case u.Port() == "" && u.Scheme != "ws" && u.Scheme != "wss":
		// The client dials host:port as written: without a port it could
		// never connect, and would retry for ever.
		return fmt.Errorf("%s %q: the broker's port is missing (1883 for tcp:// and mqtt://, 8883 for ssl:// and mqtts://, usually)", name, Redact(raw))
	case u.Port() != "" && !validPort(u.Port()):
		// The client would dial it for ever, the hub "degraded" meanwhile.
		return fmt.Errorf("%s %q: the broker's port must be a number from 1 to 65535", name, Redact(raw))
	}
	return nil
}

// validPort says whether p is a port a client can dial: 1 to 65535.
func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// unparsableURL says why the URL raw does not parse, without quoting it
// (url.Parse's error may hold a piece of a password).
func unparsableURL(raw string) string {
	switch {
	case strings.ContainsFunc(raw, unicode.IsSpace):
		return "it holds a blank, which no URL may: a password with a space must be percent-encoded (%20)"
	case strings.Contains(raw, "%"):
		return "it is not a valid URL: a % in a password must be percent-encoded (%25)"
	default:
		return "it is not a valid URL: a password's characters other than letters, digits and -._~ must be percent-encoded"
	}
}

const atInDatabaseHostMsg = "an @ in the host: a password holding @ must be percent-encoded (%40), or the driver takes the password's end for the host name, looks it up and prints it"

// atInDatabaseHost says whether a postgres:// URL holds a second @ before
// its path or query. The driver reads its user and password as libpq does,
// up to the first @ (url.Parse takes the last), so the rest of a password
// holding an unescaped @ becomes the host: it would be sent to the DNS
// resolver and written, whole, in the connection error Redact cannot know
// to mask.
func atInDatabaseHost(s string) bool {
	_, rest, ok := strings.Cut(s, "://")
	if !ok {
		return false
	}
	i := strings.IndexAny(rest, "@/")
	if i < 0 || rest[i] != '@' {
		return false
	}
	host := rest[i+1:]
	if j := strings.IndexAny(host, "/?"); j >= 0 {
		host = host[:j]
	}
	return strings.Contains(host, "@")
}
